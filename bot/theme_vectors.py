"""Questions by meaning: their cached encodings, centred, and grouped into themes.

Average-linkage clustering on the cosine of encodings centred on real questions' mean (the shipped
`data/theme_centre`, see tools/theme_centre.py). THRESHOLD was chosen on the public evaluation set
(README, "Themes"): about half of what looks alike to the raw encoder is the shared direction of all
questions, and the centre removes it.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.encoder import Encoder
from bot.models import QuestionVector, db

CENTRE = Path(__file__).resolve().parent / "data" / "theme_centre"
THRESHOLD = 0.5  # cosine distance at which two groups stop merging (average linkage)
BATCH = 32


def vectors_for(rows: Sequence[tuple[int, str]], encoder: Encoder) -> np.ndarray:
    """The encodings of (question id, text) rows, in order: read from the cache, the rest encoded once."""
    ids = [qid for qid, _ in rows]
    cached: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 900):  # SQLite's limit on bound parameters
        for qid, blob in (QuestionVector.select(QuestionVector.question, QuestionVector.vector)
                          .where(QuestionVector.question.in_(ids[start:start + 900]),
                                 QuestionVector.encoder == encoder.name).tuples()):
            cached[qid] = np.frombuffer(blob, dtype=np.float32)
    missing = [(qid, text) for qid, text in rows if qid not in cached]
    for start in range(0, len(missing), BATCH):
        part = missing[start:start + BATCH]
        fresh = encoder.encode([text for _, text in part])
        with db.atomic():
            for (qid, _), row in zip(part, fresh):
                QuestionVector.insert(question=qid, encoder=encoder.name, vector=row.astype(np.float32).tobytes()) \
                    .on_conflict(conflict_target=[QuestionVector.question],
                                 update={QuestionVector.encoder: encoder.name,
                                         QuestionVector.vector: row.astype(np.float32).tobytes()}).execute()
                cached[qid] = row
    if not rows:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.stack([cached[qid] for qid in ids]).astype(np.float32)


def centred(vectors: np.ndarray, encoder: str) -> np.ndarray:
    """Unit rows after subtracting the questions' common direction (none known for this encoder: as they are)."""
    mean = _centre(encoder)
    if mean is None or mean.shape[0] != vectors.shape[1]:
        return vectors
    shifted = vectors - mean
    return shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)


def group(vectors: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """A theme number per row (centred rows); rows alike within `threshold` share one."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering  # scikit-learn only where themes are grouped, not in the web process

    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=threshold)
    return model.fit_predict(vectors)


def central(vectors: np.ndarray, members: Sequence[int]) -> int:
    """The member closest on average to the others: the theme's most typical question."""
    rows = vectors[list(members)]
    return list(members)[int(np.argmax((rows @ rows.T).sum(axis=1)))]


@lru_cache(maxsize=4)
def _centre(encoder: str) -> np.ndarray | None:
    papers = CENTRE.with_suffix(".json")
    if not papers.is_file() or json.loads(papers.read_text(encoding="utf-8")).get("encoder") != encoder:
        return None
    return np.load(CENTRE.with_suffix(".npy")).astype(np.float32)

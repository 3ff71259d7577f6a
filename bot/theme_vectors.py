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
    """A theme number per row (centred rows); rows alike within `threshold` share one.

    Average-linkage clustering on cosine distance, cut where the next merge would be at `threshold` or
    farther: the groups scikit-learn's AgglomerativeClustering(metric="cosine", linkage="average",
    distance_threshold=threshold) makes (tests/test_themes.py compares them), in numpy, because it runs on
    every answer (a member's earlier questions) and scikit-learn would cost the worker ~100 MB."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n, dtype=int)
    rows = vectors.astype(np.float64)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-300)
    distance = np.maximum(1.0 - rows @ rows.T, 0.0)
    np.fill_diagonal(distance, np.inf)
    size = np.ones(n)
    label = np.arange(n)
    nearest, best = distance.argmin(axis=1), distance.min(axis=1)  # each row's closest group, kept up to date
    for _ in range(n - 1):
        i = int(best.argmin())
        j = int(nearest[i])
        if best[i] >= threshold:
            break
        merged = (size[i] * distance[i] + size[j] * distance[j]) / (size[i] + size[j])  # average linkage
        distance[i], distance[:, i] = merged, merged
        distance[j], distance[:, j] = np.inf, np.inf
        distance[i, i] = np.inf
        size[i] += size[j]
        label[label == j] = i
        best[j] = np.inf
        stale = (nearest == i) | (nearest == j)  # their closest group changed: look again
        stale[i] = True
        stale[j] = False
        closer = ~stale & (distance[:, i] < best)
        nearest[closer], best[closer] = i, distance[closer, i]
        for k in np.flatnonzero(stale):
            nearest[k] = distance[k].argmin()
            best[k] = distance[k, nearest[k]]
    return np.unique(label, return_inverse=True)[1]


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

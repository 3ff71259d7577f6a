"""Fit the themes' centre: the mean encoding of the fresh questions, written with its papers.

Sentence encodings share a large common direction (every question looks alike to e5); subtracting the
mean of real questions before grouping makes the cosine say what differs. A fixed mean, not the mean of
the week being grouped, so that a week of three questions is read like a week of three thousand.

    python tools/theme_centre.py [eval/fresh-questions.jsonl]
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.encoder import DEFAULT_ENCODER, load_encoder  # noqa: E402
from bot.theme_vectors import CENTRE  # noqa: E402


def main(source: Path) -> None:
    data = source.read_bytes()
    texts = [json.loads(line)["question"] for line in data.decode("utf-8").splitlines() if line.strip()]
    encoder = load_encoder(DEFAULT_ENCODER)
    mean = encoder.encode(texts).mean(axis=0).astype(np.float32)
    np.save(CENTRE.with_suffix(".npy"), mean)
    meta = {"encoder": encoder.name, "dim": encoder.dim, "questions": len(texts),
            "source": str(source.relative_to(ROOT)), "sha256": hashlib.sha256(data).hexdigest(),
            "fitted": dt.date.today().isoformat()}
    CENTRE.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"centre of {len(texts)} questions -> {CENTRE.with_suffix('.npy')}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "eval" / "fresh-questions.jsonl")

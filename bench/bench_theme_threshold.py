"""The themes' grouping threshold chosen on the fresh questions, then scored on the public set.

    .venv/bin/python bench/bench_theme_threshold.py [--public ../shared/eval/questions.jsonl]

Each question with an expected entry is a member of its entry's true theme. For every cosine-distance
threshold on a grid, the fresh questions (`eval/fresh-questions.jsonl`, never the public set) are grouped as
the reports group them (centred encodings, average linkage, a theme being two questions or more), and the
chosen threshold is the one that puts the most fresh questions in themes while their purity stays at least
PURITY and no theme mixes Pattern 2 and 3 entries. Only then is the public set read, at that threshold
alone: its purity and the share of its questions in themes are printed (and the shipped THRESHOLD's, for
comparison). Purity: for each theme, the questions of its most common entry, summed, over the questions in
themes.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.encoder import load_encoder  # noqa: E402
from bot.theme_vectors import THRESHOLD, centred, group  # noqa: E402

FRESH = ROOT / "eval" / "fresh-questions.jsonl"
PUBLIC = ROOT.parent / "shared" / "eval" / "questions.jsonl"
PURITY = 0.85  # chosen with room above the 0.8 the issue asks of the public set
GRID = [round(x, 3) for x in np.arange(0.30, 0.701, 0.025)]


def rows_of(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("expected")]


def score(rows: list[dict], vectors: np.ndarray, threshold: float) -> dict:
    themes: dict[int, list[dict]] = defaultdict(list)
    for row, label in zip(rows, group(vectors, threshold)):
        themes[int(label)].append(row)
    shown = [members for members in themes.values() if len(members) >= 2]
    grouped = sum(len(m) for m in shown)
    pure = sum(Counter(r["expected"][0] for r in m).most_common(1)[0][1] for m in shown)
    mixed = sum(1 for m in shown if {2, 3} <= {r["pattern"] for r in m})
    return {"threshold": threshold, "themes": len(shown), "grouped": grouped, "questions": len(rows),
            "share": grouped / len(rows), "purity": pure / grouped if grouped else 1.0, "mixed_2_3": mixed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--public", type=Path, default=PUBLIC)
    args = parser.parse_args()
    encoder = load_encoder()
    fresh = rows_of(FRESH)
    fresh_vectors = centred(encoder.encode([r["question"] for r in fresh]), encoder.name)
    table = [score(fresh, fresh_vectors, t) for t in GRID]
    print(f"fresh questions ({len(fresh)} with an expected entry):")
    for s in table:
        print(f"  {s['threshold']:.3f}  themes {s['themes']:3d}  in themes {s['grouped']:3d} ({s['share']:.1%})"
              f"  purity {s['purity']:.3f}  mixing P2/P3 {s['mixed_2_3']}")
    allowed = [s for s in table if s["purity"] >= PURITY and s["mixed_2_3"] == 0]
    chosen = max(allowed, key=lambda s: (s["grouped"], -s["threshold"]))["threshold"]
    print(f"chosen on the fresh questions: {chosen:.3f} (most in themes with purity >= {PURITY}, no P2/P3 mix)")
    if not args.public.is_file():
        print(f"{args.public} not found: the public set is not scored")
        return
    public = rows_of(args.public)
    public_vectors = centred(encoder.encode([r["question"] for r in public]), encoder.name)
    for label, threshold in (("chosen", chosen), ("shipped THRESHOLD", THRESHOLD)):
        s = score(public, public_vectors, threshold)
        print(f"public set at {label} {threshold:.3f}: {s['themes']} themes hold {s['grouped']} of {s['questions']}"
              f" questions ({s['share']:.1%}), purity {s['purity']:.3f}, themes mixing P2/P3 {s['mixed_2_3']}")


if __name__ == "__main__":
    main()

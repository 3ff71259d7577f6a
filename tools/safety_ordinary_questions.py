"""Write the members' ordinary questions as safety-corpus lines (label "ordinary"): the fresh questions of the
coverage work (eval/fresh-questions.jsonl) and the knowledge base's own questions and phrasings.

    python tools/safety_ordinary_questions.py > eval/safety-train/questions.jsonl

Most of what members send is a work question; without them the model took any もう or 終わり for a crisis.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_dir  # noqa: E402


def main() -> None:
    seen: set[str] = set()

    def emit(text: str, writer: str) -> None:
        if text and text not in seen:
            seen.add(text)
            print(json.dumps({"text": text, "label": "ordinary", "writer": writer}, ensure_ascii=False))

    for line in (ROOT / "eval" / "fresh-questions.jsonl").read_text(encoding="utf-8").splitlines():
        emit(json.loads(line)["question"], "fresh-questions")
    for entry in load_dir(ROOT / "knowledge")[0]:
        for text in (entry.question, *entry.phrasings):
            emit(text, "knowledge")


if __name__ == "__main__":
    main()

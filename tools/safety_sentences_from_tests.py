"""Dump the labelled sentences of the safety tests (earlier fresh sets, as fixed in tests) as corpus lines.

    python tools/safety_sentences_from_tests.py > eval/safety-train/earlier-sets.jsonl

Those sentences were written by people who saw neither the rules nor the test sets of their time, and are
labelled by the behaviour each test asserts; they join the corpus as one more group of writers.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import test_safety, test_safety_signs  # noqa: E402

LABELS = {
    test_safety: {
        "crisis": ["CRISIS", "KANA_SPELLINGS", "METHODS", "OWN_DEATH_QUESTIONS", "WHEN_IN_DOUBT", "STILL_THE_WRITER",
                   "LAST_FAREWELL", "AT_THE_EDGE"],
        "not_crisis": ["NOT_CRISIS", "LOOK_ALIKES", "A_THING_DIES", "NOT_IN_DANGER_NOW", "ORDINARY_FAREWELL",
                       "AN_ORDINARY_VISIT"],
        "distress": ["DISTRESS", "THE_HEART_DIES"],
        "compliance": ["COMPLIANCE", "HIDDEN_DISADVANTAGE", "SLANTED_COMPARISON", "FOR_THE_NUMBERS",
                       "MONEY_WITH_A_CLIENT", "FILLED_IN_FOR_THEM"],
        "not_compliance": ["NOT_COMPLIANCE", "HONEST_DISADVANTAGE", "HONEST_COMPARISON", "A_REAL_CONTRACT",
                           "A_CLIENTS_LOAN", "FILLED_IN_BY_THEM"],
        "human": ["HUMAN", "KANSAI_HUMAN"],
        "not_human": ["NOT_HUMAN", "KANSAI_NOT_HUMAN"],
        "someone_in_danger": ["SOMEONE_IN_DANGER"],
    },
    test_safety_signs: {
        "crisis": ["CRISIS"], "not_crisis": ["NOT_CRISIS"], "someone_in_danger": ["SOMEONE_ELSE_NOW"],
        "compliance": ["COMPLIANCE"], "not_compliance": ["NOT_COMPLIANCE"],
    },
}


def main() -> None:
    seen: set[str] = set()
    for module, labels in LABELS.items():
        for label, names in labels.items():
            for name in names:
                for text in getattr(module, name):
                    if text not in seen:
                        seen.add(text)
                        print(json.dumps({"text": text, "label": label, "writer": "earlier-sets"}, ensure_ascii=False))


if __name__ == "__main__":
    main()

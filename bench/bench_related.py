"""Related questions: the time `RelatedQuestions.follow_ups` adds to an answer, on the shipped knowledge and a
database of stored conversations.

    .venv/bin/python bench/bench_related.py [--members 1000] [--questions 20]

Each member asked `--questions` questions a few minutes apart, each answered from a random entry of their
Pattern (so every entry has members who went on to ask something) and each with a cached encoding (random, of
the encoder's size: the same-theme reading costs the same whatever they say). Then follow-ups are found for 100
new answers (one per entry, cycling) and the median and 95th percentile per answer are printed. Prints figures;
asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import build_runtime  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.messages import Reply  # noqa: E402
from bot.models import Answer, Question, QuestionVector, User, db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(25)
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(load_settings({}, env_file=None), database_url=f"sqlite:///{tmp}/bench.db",
                           knowledge_dir=ROOT / "knowledge")
        runtime = build_runtime(settings, channels=False)
        scopes = {p: [e.id for e in runtime.knowledge.scope(p)] for p in (1, 2, 3)}
        start = dt.datetime(2026, 11, 1)
        with db.atomic():
            for m in range(args.members):
                user = User.create(channel="line", external_id=f"U{m:08d}", cohort="academy_member")
                pattern = 1 + m % 3
                for q in range(args.questions):
                    at = start + dt.timedelta(hours=m % 500, minutes=5 * q)
                    entry = rng.choice(scopes[pattern])
                    question = Question.create(user=user, channel="line", pattern=pattern, text=f"質問 {m}-{q}",
                                               created_at=at)
                    Answer.create(question=question, text="回答", source="offline", knowledge_ids=[entry])
                    QuestionVector.create(question=question, encoder=settings.encoder, vector=vector(rng))
        related = runtime.core.related
        entries = [(p, e) for p, ids in scopes.items() for e in ids]
        times, offered = [], []
        asker = User.create(channel="line", external_id="Ubench", cohort="academy_member")
        for i in range(100):
            pattern, entry_id = entries[i % len(entries)]
            text = runtime.knowledge.get(entry_id).question
            asked = Question.create(user=asker, channel="line", pattern=pattern, text=text)
            QuestionVector.create(question=asked, encoder=settings.encoder, vector=vector(rng))
            reply = Reply("回答", kind="answer", pattern=pattern, question_id=asked.id, answer_id=1,
                          knowledge_ids=(entry_id,), source="offline")
            begun = time.perf_counter()
            offered.append(len(related.follow_ups(text, reply)))
            times.append((time.perf_counter() - begun) * 1000)
        runtime.database.close()
    times.sort()
    print(f"{args.members:,} members x {args.questions} questions ({args.members * args.questions:,} answered), "
          f"{len(entries)} entries")
    print(f"follow_ups per answer: median {statistics.median(times):.1f} ms, p95 {times[94]:.1f} ms, "
          f"max {times[-1]:.1f} ms; follow-ups offered: mean {statistics.mean(offered):.2f}")


def vector(rng: random.Random, dim: int = 384) -> bytes:
    return np.array([rng.gauss(0, 1) for _ in range(dim)], dtype=np.float32).tobytes()


if __name__ == "__main__":
    main()

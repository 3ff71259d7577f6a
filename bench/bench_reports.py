"""Time the daily, weekly and monthly reports over generated databases of 10k, 100k and 1M questions.

    .venv/bin/python bench/bench_reports.py [--sizes 10000,100000,1000000] [--keep DIR]

Every question of a database falls in one JST month (November 2026), so the monthly report reads all
of them: the worst case. Proportions follow the operating plan (about 80% covered, 15% escalated,
a third of the answers rated, nine in ten of those Good).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import peewee as pw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.models import Answer, Delivery, Escalation, Feedback, Question, User, db, init_db  # noqa: E402
from bot.rollout import RolloutPlan  # noqa: E402
from reports.cli import produce  # noqa: E402
from reports.periods import daily, monthly, utc_midnight, weekly  # noqa: E402

MONTH = dt.date(2026, 11, 1)
TZ = RolloutPlan.load(ROOT / "rollout.toml").timezone  # the academy's days (Asia/Tokyo)
DAYS = 30
USERS = 2000
TOPICS = {1: ["保険料控除", "告知義務", "クーリング・オフ", "紹介営業", "塾の受講ルール", "保険金の非課税枠"],
          2: ["医療法人", "クリニック開業", "事業承継", "所得補償", "勤務医の退職金"],
          3: ["役員退職金", "事業承継", "経営者保険", "法人税の損金算入", "キーマン保険"],
          4: ["モチベーション", "断られた後の気持ち", "目標設定", "スランプ"]}
NEW_TOPICS = ["外貨建て保険", "相続時精算課税", "インボイス制度", "ドル建て終身", "NISAとの比較", "団体信用生命保険"]
ASKS = ["について教えてください", "で注意すべき点は？", "の提案方法を知りたいです", "はどう説明すればいいですか",
        "のよくある誤解は？"]
REASONS = [("no_knowledge", 0.45), ("low_confidence", 0.2), ("needs_human", 0.12), ("bad_feedback", 0.1),
           ("human_request", 0.06), ("compliance", 0.04), ("crisis", 0.01), ("api_error", 0.02)]


def generate(path: Path, total: int, seed: int = 5) -> None:
    """Fill a fresh SQLite database at `path` with `total` questions and what follows from them."""
    rng = random.Random(seed)
    init_db(f"sqlite:///{path}")
    db.obj.execute_sql("PRAGMA synchronous = OFF")
    with db.atomic():
        _insert(User, [(f"{'line' if i % 3 else 'slack'}", f"U{i:06d}", f"user{i}") for i in range(USERS)],
                [User.channel, User.external_id, User.display_name])
    rows = _Rows()
    start = utc_midnight(MONTH, tz=TZ)
    # Ids follow time, as they do when rows are inserted as the questions arrive.
    for qid, second in enumerate(sorted(rng.randrange(DAYS * 86400) for _ in range(total)), 1):
        rows.add(rng, qid, start + dt.timedelta(seconds=second))
        if len(rows.questions) >= 50_000:
            rows.flush()
    rows.flush()
    db.obj.execute_sql("ANALYZE")
    db.close()


@dataclass
class _Rows:
    """Rows waiting to be inserted, as tuples in the column order `flush` names."""

    questions: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    feedback: list = field(default_factory=list)
    escalations: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)
    answer_id: int = 0

    def add(self, rng: random.Random, qid: int, asked: dt.datetime) -> None:
        """One question, the bot's answer, maybe a rating, maybe an escalation and the staff answer."""
        user = rng.randrange(USERS) + 1
        channel = "slack" if user % 3 == 1 else "line"
        pattern = rng.choices((1, 2, 3, 4), (50, 20, 20, 10))[0]
        covered = rng.random() < 0.8
        topic = rng.choice(TOPICS[pattern]) if covered else rng.choice(NEW_TOPICS)
        confidence = round(rng.uniform(0.6, 1.0) if covered else rng.uniform(0.2, 0.7), 3)
        reason = None
        if not covered and rng.random() < 0.6:
            reason = "no_knowledge"
        elif rng.random() < 0.07:
            reason = rng.choices([r for r, _ in REASONS], [w for _, w in REASONS])[0]
        self.questions.append((qid, user, channel, f"c{user}", pattern, topic + rng.choice(ASKS), covered,
                               2.0 + 10 * confidence, "escalated" if reason else "answered", asked))
        self.answer_id += 1
        cached = rng.random() < 0.9
        version = f"p{pattern}-{'v1' if qid % 1000 < 500 else 'v2'}"  # two prompt versions side by side
        self.answers.append((self.answer_id, qid, "AI の回答です。" + topic, confidence, "ai", version,
                             json.dumps([f"p{pattern}-0001"] if covered else []), "claude-haiku-5-5", 350, 160,
                             0 if cached else 6000, 6000 if cached else 0, 0.00015 if cached else 0.0009,
                             asked + dt.timedelta(seconds=4)))
        if reason in (None, "bad_feedback") and rng.random() < 0.33:
            rating = "bad" if reason == "bad_feedback" or rng.random() < 0.1 else "good"
            self.feedback.append((self.answer_id, rating, "" if rating == "good" else "答えになっていない",
                                  asked + dt.timedelta(minutes=3)))
        if reason:
            self._escalate(rng, qid, channel, reason, asked + dt.timedelta(seconds=5))

    def _escalate(self, rng: random.Random, qid: int, channel: str, reason: str, opened: dt.datetime) -> None:
        answered = opened + dt.timedelta(hours=rng.uniform(0.2, 48)) if rng.random() < 0.92 else None
        urgency = "high" if reason == "crisis" else rng.choice(("low", "normal"))
        self.escalations.append((qid, self.answer_id, reason, urgency, "answered" if answered else "open",
                                 "staff1" if answered else None, answered, opened))
        if answered:
            self.answer_id += 1
            self.answers.append((self.answer_id, qid, "スタッフの回答です。", 1.0, "staff", "", "[]", "", 0, 0, 0, 0,
                                 0.0, answered))
            if channel == "line":
                self.deliveries.append(("line", "push", self.answer_id, True, answered))

    def flush(self) -> None:
        with db.atomic():
            _insert(Question, self.questions, [
                Question.id, Question.user, Question.channel, Question.conversation, Question.pattern,
                Question.text, Question.covered, Question.top_score, Question.status, Question.created_at])
            _insert(Answer, self.answers, [
                Answer.id, Answer.question, Answer.text, Answer.confidence, Answer.source, Answer.prompt_version,
                Answer.knowledge_ids, Answer.model, Answer.input_tokens, Answer.output_tokens,
                Answer.cache_write_tokens, Answer.cache_read_tokens, Answer.cost_usd, Answer.created_at])
            _insert(Feedback, self.feedback, [Feedback.answer, Feedback.rating, Feedback.reason, Feedback.created_at])
            _insert(Escalation, self.escalations, [
                Escalation.question, Escalation.draft, Escalation.reason, Escalation.urgency, Escalation.status,
                Escalation.answered_by, Escalation.answered_at, Escalation.created_at])
            _insert(Delivery, self.deliveries, [Delivery.channel, Delivery.method, Delivery.answer, Delivery.ok,
                                                Delivery.created_at])
        for rows in (self.questions, self.answers, self.feedback, self.escalations, self.deliveries):
            rows.clear()


def _insert(model, rows: list, columns: list) -> None:
    # Plain executemany: building a million INSERTs through the query builder is what would be slow.
    if not rows:
        return
    given = {c.name for c in columns}
    defaults = [f for f in model._meta.sorted_fields if f.name not in given and not isinstance(f, pw.AutoField)]
    extra = [_plain(f.db_value(f.default() if callable(f.default) else f.default)) for f in defaults]
    names = ", ".join(c.column_name for c in [*columns, *defaults])
    marks = ", ".join("?" * (len(columns) + len(defaults)))
    values = ([*map(_plain, row), *extra] for row in rows)
    db.obj.cursor().executemany(f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})', values)


def _plain(value: object) -> object:
    return str(value) if isinstance(value, dt.datetime) else value


def bench(total: int, workdir: Path) -> dict[str, float]:
    """Generate `total` questions, then time each report; return seconds by report."""
    path = workdir / f"bench-{total}.db"
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    generate(path, total)
    timings = {"generate": time.perf_counter() - started}
    settings = replace(Settings(), database_url=f"sqlite:///{path}")
    init_db(settings.database_url)  # the schema migration and indexes, as a server start would do
    day = MONTH + dt.timedelta(days=24)
    for kind, period in (("daily", daily(day, tz=TZ)), ("weekly", weekly(day, tz=TZ)),
                         ("monthly", monthly(MONTH, tz=TZ))):
        started = time.perf_counter()
        with db.connection_context():
            produce(settings, kind, period, workdir / "out")
        timings[kind] = time.perf_counter() - started
    db.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep", type=Path, help="keep the databases and reports in this folder")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"{'questions':>10} {'generate':>9} {'daily':>8} {'weekly':>8} {'monthly':>8}  (seconds)")
        for total in sizes:
            t = bench(total, workdir)
            print(f"{total:>10,} {t['generate']:>9.1f} {t['daily']:>8.2f} {t['weekly']:>8.2f} {t['monthly']:>8.2f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Forgetting a member (the Act on the Protection of Personal Information): their questions, the answers
and ratings they got, their escalations and staff labels, their profile, the queued webhooks that carried
their words, the phrasings learned from them, and their words in the log files."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import peewee as pw

from bot.models import (AnnouncementOptOut, Answer, Delivery, Escalation, EscalationDraft, Feedback, Job, Question, QuestionVector,
                        SafetyLabel, Send, ThemeSnapshot, User, db)

ERASED = "[削除済み]"
LOG_GLOB = "bansou*.log*"


@dataclass
class Forgotten:
    """What was deleted, table by table, and what is left for staff to do by hand."""

    counts: dict[str, int] = field(default_factory=dict)
    phrasings: list[str] = field(default_factory=list)  # knowledge entries a learned phrasing was taken out of
    log_lines: int = 0
    learned_entries: list[str] = field(default_factory=list)  # knowledge learned from their escalations (kept)


def forget(user: User, *, drop_phrasings: Callable[[set[str]], list[str]], log_dir: Path | None) -> Forgotten:
    """Delete everything stored about `user`; say what. The knowledge staff wrote from their escalations
    is the academy's (already in general terms) and is kept, but listed."""
    questions = Question.select(Question.id).where(Question.user == user)
    answers = Answer.select(Answer.id).where(Answer.question.in_(questions))
    escalations = Escalation.select(Escalation.id).where(Escalation.question.in_(questions))
    texts = {t for (t,) in Question.select(Question.text).where(Question.user == user).tuples()}
    words = texts | {r for (r,) in Feedback.select(Feedback.reason).where(Feedback.answer.in_(answers)).tuples() if r}
    words |= {w for w in (user.external_id, user.display_name) if w}
    result = Forgotten()
    with db.atomic():
        result.learned_entries = [k for (k,) in Escalation.select(Escalation.knowledge_id)
                                  .where(Escalation.id.in_(escalations), Escalation.knowledge_id.is_null(False)).tuples()]
        keys = [k for (k,) in Question.select(Question.dedupe_key)
                .where(Question.user == user, Question.dedupe_key.is_null(False)).tuples()]
        steps = [("スタッフの下書き", EscalationDraft.delete().where(EscalationDraft.escalation.in_(escalations))),
                 ("エスカレーション", Escalation.delete().where(Escalation.id.in_(escalations))),
                 ("評価（Good / Bad）", Feedback.delete().where(Feedback.answer.in_(answers))),
                 ("送信記録", Delivery.delete().where(Delivery.answer.in_(answers))),
                 ("安全チェックの分類", SafetyLabel.delete().where(SafetyLabel.question.in_(questions))),
                 ("文の読み取り結果", QuestionVector.delete().where(QuestionVector.question.in_(questions))),
                 ("回答", Answer.delete().where(Answer.question.in_(questions))),
                 ("質問", Question.delete().where(Question.user == user)),
                 ("受信した処理（ジョブ）", Job.delete().where(_job_of(user, keys))),
                 ("お知らせ停止の設定", AnnouncementOptOut.delete().where(AnnouncementOptOut.user == user.id)),
                 # Theme names are members' questions; the next hourly run remakes them without this member's.
                 ("ダッシュボードのテーマ集計", ThemeSnapshot.delete()),
                 ("利用者情報", User.delete().where(User.id == user.id))]
        for name, query in steps:
            result.counts[name] = query.execute()
        if keys:
            for key in keys:
                Send.delete().where(Send.key.startswith(key)).execute()
        result.phrasings = drop_phrasings(texts)
    _compact()
    result.log_lines = scrub_logs(log_dir, words)
    return result


def _compact() -> None:
    """Deleted rows stay readable in free pages (and SQLite's write-ahead log) until the database is rewritten."""
    database = db.obj
    if isinstance(database, pw.SqliteDatabase):
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.execute_sql("VACUUM")
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif isinstance(database, pw.PostgresqlDatabase):
        for model in (Question, Answer, Feedback, Escalation, EscalationDraft, Job, User, SafetyLabel, QuestionVector):
            database.execute_sql(f'VACUUM "{model._meta.table_name}"')


def scrub_logs(log_dir: Path | None, words: set[str]) -> int:
    """Replace the member's words in our log files (rotated ones too); the number of lines changed."""
    if log_dir is None or not log_dir.is_dir():
        return 0
    changed = 0
    needles = sorted((w for w in words if len(w) >= 2), key=len, reverse=True)
    for path in sorted(log_dir.glob(LOG_GLOB)):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        out = []
        for line in lines:
            new = line
            for needle in needles:
                new = new.replace(needle, ERASED)
            changed += new != line
            out.append(new)
        if out != lines:
            path.write_text("".join(out), encoding="utf-8")
    return changed


def _job_of(user: User, keys: list[str]):
    # A webhook's payload holds the member's id and words; jobs are matched by the id and by their questions' keys.
    match = Job.payload.contains(f'"{user.external_id}"')
    return match | Job.dedupe_key.in_(keys) if keys else match

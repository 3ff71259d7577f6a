"""Database models (peewee) and start-up: connect, WAL, create and migrate the schema."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

import peewee as pw
from playhouse.db_url import connect
from playhouse.migrate import SchemaMigrator, migrate

log = logging.getLogger(__name__)
db = pw.DatabaseProxy()
SCHEMA_LOCK_ID = 7_252_012  # any fixed number: the advisory lock that serialises schema changes
SYNC_LOCK_ID = 7_252_013  # the one that serialises knowledge syncs


def utcnow() -> dt.datetime:
    """Naive UTC now: every timestamp in the database is UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class JSONField(pw.TextField):
    """A JSON value stored as text, portable across SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = db


class User(BaseModel):
    channel = pw.CharField()  # bot.states.Channel
    external_id = pw.CharField()
    display_name = pw.CharField(default="")
    cohort = pw.CharField(default="academy_member")
    pattern = pw.IntegerField(null=True)  # the Pattern the user chose last
    imported_cohort = pw.CharField(null=True)  # what the last CSV import said: a later hand-set cohort is kept
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("channel", "external_id"), True),)


class KnowledgeEntry(BaseModel):
    id = pw.CharField(primary_key=True)
    pattern = pw.IntegerField(null=True)
    question = pw.TextField()
    body = pw.TextField()
    tags = JSONField(default=list)
    phrasings = JSONField(default=list)  # other ways people ask it (learned from answered escalations too)
    source = pw.CharField(default="")
    approved_by = pw.CharField(null=True)
    approved_on = pw.CharField(null=True)  # YYYY-MM-DD: Makino's approval of a Pattern 4 entry
    checked = pw.CharField(null=True)  # YYYY-MM: its tax or legal statements last checked
    rejected_by = pw.CharField(null=True)
    origin = pw.CharField(default="file")  # file | escalation (learned from a staff answer)
    path = pw.CharField(null=True)
    checksum = pw.CharField(default="")
    active = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=utcnow, index=True)


class Question(BaseModel):
    user = pw.ForeignKeyField(User, backref="questions")
    channel = pw.CharField()
    conversation = pw.CharField(default="", index=True)  # thread / chat the turn belongs to
    pattern = pw.IntegerField()
    text = pw.TextField()
    covered = pw.BooleanField(default=False)  # did existing knowledge cover it (new-question rate)
    top_score = pw.FloatField(default=0.0)
    scope = pw.CharField(default="in_domain")  # bot.states.Scope
    status = pw.CharField(default="answered")  # bot.states.QuestionStatus: answered | escalated | refused
    test = pw.BooleanField(default=False)  # asked from the terminal (ask / chat): left out of the KPIs
    # The inbound job's dedupe key (the platform's event id): a retried job finds its question here.
    dedupe_key = pw.CharField(null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)


class Answer(BaseModel):
    question = pw.ForeignKeyField(Question, backref="answers")
    text = pw.TextField()
    confidence = pw.FloatField(null=True)
    source = pw.CharField()  # bot.states.Source: ai | offline | staff | makino | system
    knowledge_ids = JSONField(default=list)
    model = pw.CharField(default="")
    prompt_version = pw.CharField(default="")
    input_tokens = pw.IntegerField(default=0)
    output_tokens = pw.IntegerField(default=0)
    cache_write_tokens = pw.IntegerField(default=0)
    cache_read_tokens = pw.IntegerField(default=0)
    cost_usd = pw.FloatField(default=0.0)
    latency_ms = pw.IntegerField(default=0)
    answered_by = pw.CharField(null=True)
    delivered = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)


class Feedback(BaseModel):
    answer = pw.ForeignKeyField(Answer, backref="feedback", unique=True)  # last click wins
    rating = pw.CharField()  # bot.states.Rating: good | bad
    reason = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)


class Escalation(BaseModel):
    question = pw.ForeignKeyField(Question, backref="escalations")
    draft = pw.ForeignKeyField(Answer, null=True)  # the AI draft, if any
    reason = pw.CharField()  # bot.states.Reason
    urgency = pw.CharField(default="normal")  # bot.states.Urgency: low | normal | high
    status = pw.CharField(default="open", index=True)  # bot.states.EscalationStatus (answering: being delivered)
    operator_thread = pw.CharField(null=True)  # where the operators discuss it (Slack ts)
    answered_by = pw.CharField(null=True)
    answered_at = pw.DateTimeField(null=True)
    confirmed_by = pw.CharField(null=True)  # who approved sending the answer (may differ from its author)
    knowledge_id = pw.CharField(null=True)  # the entry its answer became
    reminded_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)


class EscalationDraft(BaseModel):
    """A staff or Makino reply in the operator thread: internal until an authorised person confirms it."""

    escalation = pw.ForeignKeyField(Escalation, backref="drafts")
    author = pw.CharField()
    text = pw.TextField()
    ref = pw.CharField(index=True)  # the platform's id of the reply message (Slack ts)
    withdrawn = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class Delivery(BaseModel):
    """Each message sent to a platform: reply vs push counts, and what failed."""

    channel = pw.CharField()
    method = pw.CharField()  # bot.states.DeliveryMethod: reply | push | post
    answer = pw.ForeignKeyField(Answer, null=True)
    ok = pw.BooleanField(default=True)
    error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)


class Job(BaseModel):
    """The durable inbound queue: webhooks are stored here, then worked off."""

    kind = pw.CharField()
    lane = pw.CharField(default="default")  # the worker pool that runs it (one per platform)
    dedupe_key = pw.CharField(unique=True)
    payload = JSONField()
    status = pw.CharField(default="pending", index=True)  # bot.states.JobStatus
    owner = pw.CharField(null=True)  # the process holding the lease while it runs
    lease_until = pw.DateTimeField(null=True)
    attempts = pw.IntegerField(default=0)
    run_after = pw.DateTimeField(default=utcnow, index=True)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class Send(BaseModel):
    """One outbound message, recorded before and after it is sent, so a retried job sends it only once."""

    key = pw.CharField(unique=True)  # the inbound job's dedupe key + what is sent (placeholder, answer)
    state = pw.CharField(default="sending")  # sending (outcome unknown) | sent
    ref = pw.CharField(default="")  # the platform's id of what was sent (Slack ts), when there is one
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class ScheduledRun(BaseModel):
    """A periodic task's run for one period, so it runs at most once across restarts."""

    name = pw.CharField()
    period = pw.CharField()
    ok = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("name", "period"), True),)


class SafetyLabel(BaseModel):
    """What staff said a message really was (one tap in the operator channel): teaches the safety model."""

    question = pw.ForeignKeyField(Question, backref="safety_labels", unique=True, on_delete="CASCADE")  # last tap wins
    label = pw.CharField()  # bot.states.SafetyLabelKind
    labelled_by = pw.CharField()
    created_at = pw.DateTimeField(default=utcnow, index=True)


class QuestionVector(BaseModel):
    """A question's sentence encoding, kept so the themes never encode the same question twice."""

    question = pw.ForeignKeyField(Question, backref="vectors", unique=True, on_delete="CASCADE")
    encoder = pw.CharField()  # bot.encoder name: a row of another encoder is encoded again
    vector = pw.BlobField()  # float32, L2-normalised


class Announcement(BaseModel):
    """A proactive announcement drafted from a rising theme: sent only after a staff press, recorded."""

    cohort = pw.CharField()
    theme = pw.TextField()  # the rising theme's name (its most central question)
    knowledge_id = pw.CharField()  # the approved entry it was drafted from
    text = pw.TextField()
    status = pw.CharField(default="drafted", index=True)  # bot.states.AnnouncementStatus
    operator_ts = pw.CharField(null=True)  # its message in the operator channel
    decided_by = pw.CharField(null=True)
    recipients = pw.IntegerField(default=0)  # how many members it was sent to
    line_recipients = pw.IntegerField(default=0)  # of them on LINE: multicast messages count against the quota
    error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)


class AnnouncementOptOut(BaseModel):
    """A member who asked for no announcements (honoured on every channel)."""

    user = pw.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow)


class ThemeSnapshot(BaseModel):
    """The last week's themes by meaning, worked out by the worker for the dashboard (the web process loads
    no encoder). Names are members' questions: `users forget` deletes these rows, the next run remakes them."""

    computed_at = pw.DateTimeField(default=utcnow, index=True)
    period = pw.CharField(default="")  # the days it covers, as the page says them
    total = pw.IntegerField(default=0)  # questions read
    themes = JSONField(default=list)  # [{name, words, count, weekly, covered, rising, escalated}], largest first


MODELS = (User, KnowledgeEntry, Question, Answer, Feedback, Escalation, EscalationDraft, Delivery, Job, Send,
          ScheduledRun, SafetyLabel, QuestionVector, Announcement, AnnouncementOptOut, ThemeSnapshot)


def init_db(url: str) -> pw.Database:
    """Connect to `url`, create missing tables and add missing columns; keep all data."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        _use_wal(path)
    params: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # cache_size: each thread of the worker has its own connection, and each fills its page cache as it reads
        # (SQLite's default is 2 MB): 512 KiB keeps a dozen job threads from growing the worker tens of MB.
        # cached_statements: each connection also keeps its last prepared statements (128 by default), and a busy
        # job thread's connection lives as long as the queue has work.
        params = {"pragmas": {"busy_timeout": 10000, "foreign_keys": 1, "synchronous": "normal", "cache_size": -512},
                  "check_same_thread": False, "cached_statements": 16}
    database = connect(url, **params)
    db.initialize(database)
    with database.connection_context(), _schema_lock(database):
        # Columns first: SQLite would take an index on a missing column for an index on a string literal.
        _add_missing_columns(database)
        database.create_tables(MODELS, safe=True)  # new tables, and every index that is missing
    return database


def _use_wal(path: Path, attempts: int = 40) -> None:
    """Switch the file to WAL (it stays so), which lets the web workers and the job worker read while one writes.
    Processes starting at once on a new file may each hold a read lock while asking for the write lock the
    switch needs; SQLite then answers one of them "database is locked" at once, without waiting out
    busy_timeout, so the switch is tried again after a short pause (only then: any other answer is final)."""
    for attempt in range(attempts):
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=10)) as connection:
                mode = connection.execute("PRAGMA journal_mode=wal").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise pw.OperationalError(str(error)) from error
            time.sleep(0.05 * (attempt + 1))
            continue
        except sqlite3.DatabaseError as error:  # not a database at all: as peewee would say it
            raise pw.DatabaseError(str(error)) from error
        if mode != "wal":  # a file system without shared memory: retrying cannot change that
            raise pw.OperationalError(f"{path} could not be switched to WAL (journal mode {mode})")
        return


@contextlib.contextmanager
def exclusive(database: pw.Database, lock_id: int) -> Iterator[None]:
    """A write transaction that one process at a time is inside, across processes: on PostgreSQL an
    advisory lock held to the commit, on SQLite `BEGIN IMMEDIATE` (the write lock, waited for up to busy_timeout)."""
    database = getattr(database, "obj", None) or database  # the models' proxy: the real database
    if isinstance(database, pw.PostgresqlDatabase):
        with database.atomic():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
            yield
    elif isinstance(database, pw.SqliteDatabase) and database.transaction_depth() == 0:
        with database.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with database.atomic():
            yield


@contextlib.contextmanager
def _schema_lock(database: pw.Database) -> Iterator[None]:
    # Several processes starting at once on one PostgreSQL would race to create the same tables and
    # indexes ("IF NOT EXISTS" is not atomic there): one at a time, in a transaction holding a lock.
    if not isinstance(database, pw.PostgresqlDatabase):
        yield
        return
    with exclusive(database, SCHEMA_LOCK_ID):
        yield


def _add_missing_columns(database: pw.Database) -> None:
    # Additive migration: a column added to a model later is added to an existing table.
    migrator = SchemaMigrator.from_database(database)
    for model in MODELS:
        table = model._meta.table_name
        if not database.table_exists(table):
            continue
        existing = {c.name for c in database.get_columns(table)}
        for f in model._meta.sorted_fields:
            if f.column_name not in existing:
                log.info("adding column %s.%s", table, f.column_name)
                plain = f.clone()
                plain.unique = plain.index = False  # its index comes with create_tables, after this
                migrate(migrator.add_column(table, f.column_name, plain))

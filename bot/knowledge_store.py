"""The knowledge base in the database: synced from the Markdown files, grown by escalations."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from bot.knowledge import Entry, Hit, KnowledgeError, SearchIndex, load_dir, render_entry, use_thesaurus
from bot.models import KnowledgeEntry, utcnow

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """What `sync` changed, and the files it could not read."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[KnowledgeError] = field(default_factory=list)


class KnowledgeBase:
    """Search over the active entries; the index is rebuilt when the entries change."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        use_thesaurus(directory)
        self._lock = threading.Lock()
        self._index = SearchIndex.build([])
        self._stamp: tuple | None = None
        self._scopes: dict[int, list[Entry]] = {}

    def sync(self) -> SyncResult:
        """Make the file-born entries match the files: add new, update changed, retire deleted."""
        entries, errors = load_dir(self.directory) if self.directory.is_dir() else ([], [])
        result = SyncResult(errors=errors)
        current = {row.id: row for row in KnowledgeEntry.select()}
        with KnowledgeEntry._meta.database.atomic():
            for entry in entries:
                row = current.get(entry.id)
                if row is None:
                    _create_row(entry, origin="file")
                    result.added.append(entry.id)
                elif row.checksum != entry.checksum or not row.active or row.origin != "file":
                    _update_row(row, entry, origin="file")
                    result.updated.append(entry.id)
            seen = {e.id for e in entries}
            broken = {_id_in(err.path) for err in errors}  # a file with an error is not a deletion
            for row in current.values():
                if row.origin == "file" and row.active and row.id not in seen and row.id not in broken:
                    row.active, row.updated_at = False, utcnow()
                    row.save()
                    result.deleted.append(row.id)
        self._current_index()  # rebuild now, so the next user's question does not wait for it
        return result

    def search(self, text: str, pattern: int | None = None, top: int = 5) -> list[Hit]:
        """Active entries for `pattern`, best first."""
        return self._current_index().search(text, pattern, top)

    def scope(self, pattern: int) -> list[Entry]:
        """Every active entry a Pattern may use, in a stable order (the prompt-cache prefix)."""
        self._current_index()
        with self._lock:  # computed once per index (the one _scopes belongs to), not once per question
            if pattern not in self._scopes:
                self._scopes[pattern] = [e for e in self._index.entries if e.pattern in (None, pattern)]
            return self._scopes[pattern]

    def all_entries(self) -> list[Entry]:
        return list(self._current_index().entries)

    def get(self, entry_id: str) -> Entry | None:
        row = KnowledgeEntry.get_or_none(KnowledgeEntry.id == entry_id)
        return _entry(row) if row else None

    def learn(self, entry: Entry) -> Entry:
        """Store an entry born from an escalation answer; the next search finds it."""
        row = KnowledgeEntry.get_or_none(KnowledgeEntry.id == entry.id)
        if row is None:
            _create_row(entry, origin="escalation")
        else:
            _update_row(row, entry, origin="escalation")
        self._current_index()  # the operator's confirmation pays for the rebuild, not the next user
        return entry

    def retire(self, entry_id: str) -> bool:
        """Take an entry out of search (undo); it stays in the database."""
        count = (KnowledgeEntry.update(active=False, updated_at=utcnow())
                 .where(KnowledgeEntry.id == entry_id, KnowledgeEntry.active == True).execute())  # noqa: E712
        self._current_index()
        return count > 0

    def export(self, directory: Path) -> list[Path]:
        """Write the entries learned from escalations as Markdown files, for review and commit."""
        written = []
        rows = KnowledgeEntry.select().where(KnowledgeEntry.origin == "escalation", KnowledgeEntry.active == True)  # noqa: E712
        for row in rows.order_by(KnowledgeEntry.id):
            path = directory / "learned" / f"{row.id}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_entry(_entry(row)), encoding="utf-8")
            written.append(path)
        return written

    def _current_index(self) -> SearchIndex:
        query = KnowledgeEntry.select(pw.fn.COUNT(KnowledgeEntry.id), pw.fn.MAX(KnowledgeEntry.updated_at))
        stamp = tuple(query.where(KnowledgeEntry.active == True).tuples().get())  # noqa: E712
        with self._lock:
            if stamp != self._stamp:
                rows = KnowledgeEntry.select().where(KnowledgeEntry.active == True).order_by(KnowledgeEntry.id)  # noqa: E712
                self._index = SearchIndex.build(_entry(r) for r in rows)
                self._scopes = {}
                self._stamp = stamp
                log.debug("knowledge index rebuilt: %d entries", len(self._index.entries))
            return self._index


def _entry(row: KnowledgeEntry) -> Entry:
    return Entry(id=row.id, question=row.question, body=row.body, pattern=row.pattern, tags=tuple(row.tags or ()),
                 source=row.source, approved_by=row.approved_by, path=row.path)


def _fields(entry: Entry, origin: str) -> dict:
    return {"pattern": entry.pattern, "question": entry.question, "body": entry.body, "tags": list(entry.tags),
            "source": entry.source, "approved_by": entry.approved_by, "path": entry.path, "origin": origin,
            "checksum": entry.checksum, "active": True, "updated_at": utcnow()}


def _create_row(entry: Entry, origin: str) -> None:
    KnowledgeEntry.create(id=entry.id, **_fields(entry, origin))


def _update_row(row: KnowledgeEntry, entry: Entry, origin: str) -> None:
    KnowledgeEntry.update(**_fields(entry, origin)).where(KnowledgeEntry.id == row.id).execute()


def _id_in(path: str) -> str:
    return Path(path).stem

"""The knowledge base in the database: synced from the Markdown files, grown by escalations."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import peewee as pw
import yaml

from bot.knowledge import Entry, KnowledgeError, Thesaurus, load_dir, parse_entry, render_entry
from bot.models import SYNC_LOCK_ID, KnowledgeEntry, exclusive, utcnow
from bot.search import Hit, SearchIndex
from bot.search.encodings import EncodingCache

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """What `sync` changed, and the files it could not read."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[KnowledgeError] = field(default_factory=list)


class KnowledgeBase:
    """Search over the active entries; the index follows the database one changed entry at a time."""

    def __init__(self, directory: Path, *, thesaurus: Thesaurus, cache: EncodingCache | None = None) -> None:
        self.directory = directory
        self.cache = cache  # the sentence vectors by content (None: the process's, in memory)
        self.thesaurus = thesaurus  # search's, and whatever compares text with the entries (learning)
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._stamp: tuple | None = None
        self._since: dt.datetime | None = None  # rows changed at or after this are not yet indexed
        self._scopes: dict[tuple[int, bool], list[Entry]] = {}

    def sync(self) -> SyncResult:
        """Make the file-born entries match the files: add new, update changed, retire deleted."""
        entries, errors = load_dir(self.directory) if self.directory.is_dir() else ([], [])
        result = SyncResult(errors=errors)
        # Processes starting at once on a new database (server, worker, an operator's command) all sync:
        # one at a time, each reading the rows after the previous one committed, so an entry is added once.
        with exclusive(KnowledgeEntry._meta.database, SYNC_LOCK_ID):
            current = {row.id: row for row in KnowledgeEntry.select()}
            for entry in entries:
                row = current.get(entry.id)
                if row is None:
                    _create_row(entry, origin="file")
                    result.added.append(entry.id)
                elif row.checksum != entry.checksum or row.active == bool(entry.rejected_by) or row.origin != "file":
                    _update_row(row, entry, origin="file")
                    result.updated.append(entry.id)
            seen = {e.id for e in entries}
            broken = {_id_in(err.path) for err in errors}  # a file with an error is not a deletion
            for row in current.values():
                if row.origin == "file" and row.active and row.id not in seen and row.id not in broken:
                    row.active, row.updated_at = False, utcnow()
                    row.save()
                    result.deleted.append(row.id)
        self._current_index()  # index now, so the next user's question does not wait for it
        return result

    def search(self, text: str, pattern: int | None = None, top: int = 5, *, drafts: bool = True) -> list[Hit]:
        """Active entries for `pattern`, best first. `drafts` off: without the Pattern 4 drafts Makino has
        not approved (what a member may be answered from)."""
        if drafts:
            return self._current_index().search(text, pattern, top)
        waiting = len(self.scope(pattern, drafts=True)) - len(self.scope(pattern)) if pattern else 0
        hits = self._current_index().search(text, pattern, top + waiting)
        return [h for h in hits if not h.entry.awaits_approval][:top]

    def closeness(self, text: str, others: list[str]) -> tuple[float, list[float]]:
        """The sentence encoder's cosine of the text to the knowledge's nearest text, and to each of `others`."""
        nearest, to_others = self._current_index().closeness(text, others)
        return nearest, [float(c) for c in to_others]

    def knows(self, word: str) -> bool:
        """Whether some active entry uses this word (a normalised form): the domain's vocabulary."""
        return self._current_index().knows(word)

    def scope(self, pattern: int, *, drafts: bool = False) -> list[Entry]:
        """Every active entry a Pattern may use, in a stable order (the prompt-cache prefix); Pattern 4
        drafts awaiting Makino only with `drafts`."""
        index = self._current_index()
        with self._lock:  # computed once per change of the index, not once per question
            if (pattern, drafts) not in self._scopes:
                self._scopes[(pattern, drafts)] = [e for e in index.entries if e.pattern in (None, pattern)
                                                   and (drafts or not e.awaits_approval)]
            return self._scopes[(pattern, drafts)]

    def awaiting_approval(self) -> list[Entry]:
        """Pattern 4 drafts Makino has neither approved nor rejected, curated and learned."""
        return [e for e in self.scope(4, drafts=True) if e.awaits_approval]

    def replace(self, entry: Entry) -> Entry:
        """Store a changed entry (an approval, an edit, a rejection) under its id, keeping its origin."""
        row = KnowledgeEntry.get_by_id(entry.id)
        _update_row(row, entry, origin=row.origin)
        self._current_index()
        return entry

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
        self._current_index()  # the operator's confirmation pays for the update, not the next user
        return entry

    def add_phrasing(self, entry_id: str, phrasing: str) -> Entry | None:
        """Teach an entry another way its question is asked: a curated entry's file is rewritten
        (so the next sync keeps it), a learned entry keeps it in the database."""
        row = KnowledgeEntry.get_or_none(KnowledgeEntry.id == entry_id, KnowledgeEntry.active == True)  # noqa: E712
        phrasing = " ".join(phrasing.split())[:300]
        if row is None or not phrasing or phrasing in (row.phrasings or []) or phrasing == row.question:
            return None
        known = _entry(row)
        entry = replace(known, phrasings=(*known.phrasings, phrasing))
        if row.origin == "file" and row.path and Path(row.path).is_file():
            _write_phrasings(Path(row.path), entry)
        _update_row(row, entry, origin=row.origin)
        self._current_index()
        return entry

    def drop_phrasings(self, texts: set[str]) -> list[str]:
        """Remove these phrasings (a member's questions, when the member is forgotten) everywhere they were
        learned, files included; the ids of the entries changed."""
        wanted = {" ".join(t.split())[:300] for t in texts}
        changed = []
        for row in KnowledgeEntry.select():
            if not wanted & set(row.phrasings or ()):
                continue
            entry = replace(_entry(row), phrasings=tuple(p for p in row.phrasings if p not in wanted))
            if row.origin == "file" and row.path and Path(row.path).is_file():
                _write_phrasings(Path(row.path), entry)
            _update_row(row, entry, origin=row.origin)
            changed.append(row.id)
        if changed:
            self._current_index()
        return changed

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
        # Another process (the CLI's sync, a worker's learn) may change the rows: the stamp notices,
        # and only the rows changed since the last look are read into the index.
        active = pw.Case(None, [(KnowledgeEntry.active == True, 1)], 0)  # noqa: E712 (SQL, not Python)
        stamp = tuple(KnowledgeEntry.select(pw.fn.COUNT(KnowledgeEntry.id), pw.fn.MAX(KnowledgeEntry.updated_at),
                                            pw.fn.COALESCE(pw.fn.SUM(active), 0)).tuples().get())
        with self._lock:
            if self._index is None:
                rows = KnowledgeEntry.select().where(KnowledgeEntry.active == True).order_by(KnowledgeEntry.id)  # noqa: E712
                self._index = SearchIndex.build((_entry(r) for r in rows), thesaurus=self.thesaurus,
                                                cache=self.cache)
                log.debug("knowledge index built: %d entries", len(self._index))
            elif stamp != self._stamp:
                self._apply_changes(self._index)
            else:
                return self._index
            self._stamp, self._since, self._scopes = stamp, stamp[1], {}
            return self._index

    def _apply_changes(self, index: SearchIndex) -> None:
        changed = KnowledgeEntry.select()
        if self._since is not None:
            changed = changed.where(KnowledgeEntry.updated_at >= self._since)
        for row in changed:
            if not row.active:
                index.remove(row.id)
                continue
            entry = _entry(row)
            known = index.get(row.id)
            if known is None or known.checksum != entry.checksum:
                index.upsert(entry)


def _entry(row: KnowledgeEntry) -> Entry:
    return Entry(id=row.id, question=row.question, body=row.body, pattern=row.pattern, tags=tuple(row.tags or ()),
                 source=row.source, approved_by=row.approved_by, path=row.path,
                 phrasings=tuple(row.phrasings or ()), approved_on=row.approved_on, checked=row.checked,
                 rejected_by=row.rejected_by)


def _fields(entry: Entry, origin: str) -> dict:
    return {"pattern": entry.pattern, "question": entry.question, "body": entry.body, "tags": list(entry.tags),
            "phrasings": list(entry.phrasings), "source": entry.source, "approved_by": entry.approved_by,
            "path": entry.path, "origin": origin, "checksum": entry.checksum, "active": not entry.rejected_by,
            "approved_on": entry.approved_on, "checked": entry.checked, "rejected_by": entry.rejected_by,
            "updated_at": utcnow()}


def _create_row(entry: Entry, origin: str) -> None:
    KnowledgeEntry.create(id=entry.id, **_fields(entry, origin))


def _update_row(row: KnowledgeEntry, entry: Entry, origin: str) -> None:
    KnowledgeEntry.update(**_fields(entry, origin)).where(KnowledgeEntry.id == row.id).execute()


def _write_phrasings(path: Path, entry: Entry) -> None:
    # Only the phrasings line changes, so the curator's comments and key order stay as written.
    lines = path.read_text(encoding="utf-8").splitlines()
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    line = "phrasings: " + yaml.safe_dump(list(entry.phrasings), allow_unicode=True, default_flow_style=True,
                                          width=10_000).strip()
    at = next((i for i in range(1, end) if lines[i].startswith("phrasings:")), None)
    if at is not None and all(not lines[i].startswith((" ", "-")) for i in range(at + 1, end)):
        lines[at] = line
    elif at is None:
        lines.insert(end, line)
    else:  # a block list the line edit cannot replace: write the whole entry
        path.write_text(render_entry(entry), encoding="utf-8")
        return
    text = "\n".join(lines) + "\n"
    if parse_entry(text, path).phrasings != entry.phrasings:
        raise ValueError(f"{path}: the phrasings could not be written back")
    path.write_text(text, encoding="utf-8")


def _id_in(path: str) -> str:
    return Path(path).stem

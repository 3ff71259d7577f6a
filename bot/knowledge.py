"""The knowledge base: Markdown entries with front matter, their validation, and search."""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
FIELD_WEIGHTS = {"question": 3, "tags": 2, "body": 1}
# A hit covers a question when this share of the question's informative bigrams is in it;
# tuned with `main.py eval` on ../shared/eval (recall@3 0.92, coverage accuracy 0.93).
COVERAGE_THRESHOLD = 0.25


class KnowledgeError(ValueError):
    """A knowledge file is malformed; `str()` names the file and the line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = str(path), line


@dataclass(frozen=True)
class Entry:
    """One knowledge entry: a question and its answer, for one Pattern or all (None)."""

    id: str
    question: str
    body: str
    pattern: int | None = None
    tags: tuple[str, ...] = ()
    source: str = ""
    approved_by: str | None = None
    path: str | None = None

    @property
    def checksum(self) -> str:
        text = "\x1f".join([self.id, str(self.pattern), self.question, self.body, ",".join(self.tags),
                            self.source, self.approved_by or ""])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_entry(text: str, path: Path | str = "<text>") -> Entry:
    """Parse one knowledge file; raise KnowledgeError naming the line at fault."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise KnowledgeError(path, 1, "the file must start with a front-matter line '---'")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise KnowledgeError(path, 1, "the front matter is not closed with a line '---'")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        raise KnowledgeError(path, line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(meta, dict):
        raise KnowledgeError(path, 2, "front matter must be 'key: value' lines")
    body = "\n".join(lines[end + 1:]).strip()
    return _entry_from_meta(meta, body, path, lines[:end])


def load_dir(directory: Path) -> tuple[list[Entry], list[KnowledgeError]]:
    """Read every entry under `directory`; return the good entries and the errors."""
    entries: list[Entry] = []
    errors: list[KnowledgeError] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            entry = parse_entry(path.read_text(encoding="utf-8"), path)
        except UnicodeDecodeError:
            errors.append(KnowledgeError(path, 1, "the file is not UTF-8 text"))
            continue
        except KnowledgeError as exc:
            errors.append(exc)
            continue
        if entry.id in seen:
            errors.append(KnowledgeError(path, _line_of(path, "id:"), f"id {entry.id} is also used by {seen[entry.id]}"))
            continue
        seen[entry.id] = str(path)
        entries.append(entry)
    return entries, errors


def render_entry(entry: Entry) -> str:
    """The Markdown file text of an entry (inverse of parse_entry)."""
    meta: dict[str, object] = {"id": entry.id}
    if entry.pattern is not None:
        meta["pattern"] = entry.pattern
    meta["question"] = entry.question
    meta["tags"] = list(entry.tags)
    meta["source"] = entry.source
    if entry.approved_by:
        meta["approved_by"] = entry.approved_by
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None).strip()
    return f"---\n{front}\n---\n{entry.body}\n"


@dataclass(frozen=True)
class Hit:
    """A search result. `coverage` (0..1) is how much of the question the entry explains."""

    entry: Entry
    score: float
    coverage: float

    @property
    def covers(self) -> bool:
        return self.coverage >= COVERAGE_THRESHOLD


class SearchIndex:
    """BM25 over character bigrams (Japanese has no spaces), fields weighted, inverted index.

    Bigrams find paraphrases that share key terms (保険金, 非課税) without a dictionary. Each
    term's postings are numpy arrays, so scoring adds whole arrays at once and a query stays
    in the low milliseconds with tens of thousands of entries.
    """

    k1 = 1.2
    b = 0.75

    def __init__(self, entries: list[Entry], postings: dict[str, tuple[np.ndarray, np.ndarray]],
                 idf: dict[str, float], term_sets: list[frozenset[str]]) -> None:
        self.entries = entries
        self._postings = postings
        self._idf = idf
        self._term_sets = term_sets
        self._patterns = np.array([0 if e.pattern is None else e.pattern for e in entries], dtype=np.int8)

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> "SearchIndex":
        entries = list(entries)
        term_counts = [_weighted_terms(e) for e in entries]
        # Flatten (term, doc, tf) with C-level extends, then group by term in numpy: a Python loop
        # per posting took seconds at 10,000 entries.
        terms: list[str] = []
        tfs: list[int] = []
        docs: list[int] = []
        for doc, counts in enumerate(term_counts):
            terms.extend(counts.keys())
            tfs.extend(counts.values())
            docs.extend([doc] * len(counts))
        vocab: dict[str, int] = {}
        term_ids = np.array([vocab.setdefault(t, len(vocab)) for t in terms], dtype=np.int64)
        doc_ids = np.array(docs, dtype=np.int32)
        tf = np.array(tfs, dtype=np.float64)
        lengths = np.bincount(doc_ids, weights=tf, minlength=len(entries))
        norms = cls.k1 * (1 - cls.b + cls.b * lengths / (lengths.mean() if len(entries) else 1.0))
        weights = tf * (cls.k1 + 1) / (tf + norms[doc_ids]) if len(tf) else tf
        order = np.argsort(term_ids, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(term_ids, minlength=len(vocab)))))
        sorted_docs, sorted_weights = doc_ids[order], weights[order]
        n = len(entries)
        postings, idf = {}, {}
        for term, index in vocab.items():
            start, end = bounds[index], bounds[index + 1]
            postings[term] = (sorted_docs[start:end], sorted_weights[start:end])
            idf[term] = _term_weight(term) * math.log(1 + (n - (end - start) + 0.5) / (end - start + 0.5))
        return cls(entries, postings, idf, [frozenset(c) for c in term_counts])

    def search(self, text: str, pattern: int | None = None, top: int = 5) -> list[Hit]:
        """Entries for `pattern` (and those for every Pattern) best first."""
        terms = set(bigrams(text))
        scores = np.zeros(len(self.entries))
        for term in terms & self._idf.keys():
            ids, weights = self._postings[term]
            scores[ids] += self._idf[term] * weights
        if pattern is not None:
            scores[(self._patterns != 0) & (self._patterns != pattern)] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > top:
            candidates = candidates[np.argpartition(-scores[candidates], top - 1)[:top]]
        best = sorted(candidates.tolist(), key=lambda d: (-scores[d], self.entries[d].id))
        return [Hit(self.entries[d], round(float(scores[d]), 4), self._coverage(terms, d)) for d in best]

    def _coverage(self, terms: set[str], doc: int) -> float:
        # Share of the question's informative bigrams (idf-weighted) that the entry contains.
        known = [t for t in terms if t in self._idf]
        total = sum(self._idf[t] for t in known) + 0.5 * (len(terms) - len(known))
        if total <= 0:
            return 0.0
        return round(sum(self._idf[t] for t in known if t in self._term_sets[doc]) / total, 4)


def normalize(text: str) -> str:
    """NFKC, lower case, synonyms folded, only letters and digits: what search compares."""
    return _NOT_WORD.sub("", _THESAURUS.fold(unicodedata.normalize("NFKC", text).lower()))


class Thesaurus:
    """Folds domain synonyms (お医者さん → 医師) into one term before bigrams are taken."""

    def __init__(self, groups: dict[str, list[str]] | None = None) -> None:
        self._canonical: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self.add(groups or {})

    def add(self, groups: dict[str, list[str]]) -> None:
        for canonical, variants in groups.items():
            for variant in variants or []:
                key = unicodedata.normalize("NFKC", str(variant)).lower()
                self._canonical[key] = unicodedata.normalize("NFKC", str(canonical)).lower()
        if self._canonical:
            alternatives = sorted(self._canonical, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, alternatives)))

    def fold(self, text: str) -> str:
        return self._pattern.sub(lambda m: self._canonical[m.group(0)], text) if self._pattern else text

    @classmethod
    def load(cls, *paths: Path) -> "Thesaurus":
        thesaurus = cls()
        for path in paths:
            if path.is_file():
                thesaurus.add(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        return thesaurus


def use_thesaurus(knowledge_dir: Path | None = None) -> None:
    """Load the shipped thesaurus plus KNOWLEDGE_DIR/thesaurus.yaml (if any) for search."""
    global _THESAURUS
    extra = (knowledge_dir / "thesaurus.yaml",) if knowledge_dir else ()
    _THESAURUS = Thesaurus.load(Path(__file__).with_name("thesaurus.yaml"), *extra)


def bigrams(text: str) -> list[str]:
    """Character bigrams of the normalized text (a single character stays a unigram)."""
    norm = normalize(text)
    if len(norm) < 2:
        return [norm] if norm else []
    return [norm[i:i + 2] for i in range(len(norm) - 1)]


_THESAURUS = Thesaurus.load(Path(__file__).with_name("thesaurus.yaml"))
_NOT_WORD = re.compile(r"[\W_]+")
_KANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")


def _term_weight(term: str) -> float:
    # Bigrams of hiragana alone are mostly grammar (ですか, なり); they count for little.
    return 0.2 if _KANA_ONLY.match(term) else 1.0


def _weighted_terms(entry: Entry) -> Counter[str]:
    terms: list[str] = []
    for name, weight in FIELD_WEIGHTS.items():
        value = " ".join(entry.tags) if name == "tags" else getattr(entry, name)
        terms += bigrams(value) * weight  # repeating a field's terms weights them; Counter counts in C
    return Counter(terms)


def _entry_from_meta(meta: dict, body: str, path: Path | str, head: list[str]) -> Entry:
    def line(key: str) -> int:
        return next((i + 1 for i, text in enumerate(head) if text.lstrip().startswith(f"{key}:")), 1)

    entry_id = str(meta.get("id", "")).strip()
    if not ID_PATTERN.match(entry_id):
        raise KnowledgeError(path, line("id"), "id is missing or not of the form p2-0007 (a-z, 0-9, - and _)")
    pattern = meta.get("pattern")
    if pattern is not None and (isinstance(pattern, bool) or pattern not in (1, 2, 3, 4)):
        raise KnowledgeError(path, line("pattern"), f"pattern must be 1, 2, 3 or 4 (or omitted), got {pattern!r}")
    question = str(meta.get("question") or "").strip()
    if not question:
        raise KnowledgeError(path, line("question"), "question is missing")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list):
        raise KnowledgeError(path, line("tags"), "tags must be a list such as [事業承継, 医療法人]")
    if not body:
        raise KnowledgeError(path, len(head) + 2, "the answer text after the front matter is empty")
    approved = meta.get("approved_by")
    return Entry(id=entry_id, question=question, body=body, pattern=pattern, tags=tuple(str(t) for t in tags),
                 source=str(meta.get("source") or ""), approved_by=str(approved) if approved else None,
                 path=str(path))


def _line_of(path: Path, prefix: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((i + 1 for i, text in enumerate(lines) if text.startswith(prefix)), 1)

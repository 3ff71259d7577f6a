"""The sentence encoder as a search signal: each entry's question, phrasings and body passages as vectors.

An entry's score is its best text's cosine to the question, read twice: against its question and
phrasings (what it is asked as) and against its body's passages (what it says). The best passage is
also what coverage reads for the kind of fact asked and what a long answer quotes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.knowledge import Entry
from bot.search.encodings import EncodingCache

HEAD, PASSAGE = 0, 1
NEAREST_ENTRIES = 50  # entries whose passages `nearest` reads (those with the nearest questions)
MIN_PASSAGE = 24  # characters: a shorter sentence joins the next (a heading or 「はい。」 says little alone)
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")
_MARKUP = re.compile(r"^[\s#>*\-・|]+|\*\*")


def passages(body: str) -> list[str]:
    """The body's sentences (Markdown marks dropped), a short one joined to the next."""
    out, pending = [], ""
    for piece in _SENTENCE_END.split(body):
        text = _MARKUP.sub("", piece.strip()).strip()
        if not text:
            continue
        pending = f"{pending}{text}" if pending else text
        if len(pending) >= MIN_PASSAGE:
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending) if not out else out.__setitem__(-1, out[-1] + pending)
    return out


def entry_texts(entry: Entry) -> list[tuple[int, str]]:
    """(kind, text) for the entry: its question and phrasings (HEAD), then its passages (PASSAGE)."""
    heads = list(dict.fromkeys(t for t in (entry.question, *entry.phrasings) if t.strip()))
    return [(HEAD, t) for t in heads] + [(PASSAGE, p) for p in passages(entry.body)]


@dataclass(frozen=True)
class Prepared:
    """An entry's texts encoded, ready to go into the index under the lock."""

    kinds: np.ndarray
    texts: list[str]
    vectors: np.ndarray


@dataclass(frozen=True)
class Meaning:
    """What the encoder says of one question against the entries: per slot, the best head cosine (every
    entry) and the best passage cosine (the candidates only; 0 elsewhere), and each scored passage row's."""

    head: np.ndarray
    passage: np.ndarray
    scores: dict[int, float]


class _Rows:
    """Text vectors with the slot each belongs to, grown by doubling; a removed entry's rows go dead."""

    def __init__(self, dtype: type = np.float32) -> None:
        self.dtype = dtype
        self.vectors = np.zeros((0, 0), dtype=dtype)
        self.owner = np.zeros(0, dtype=np.int32)  # slot per row; -1 a dead row
        self.texts: list[str] = []
        self.rows_of: dict[int, np.ndarray] = {}
        self.used = 0

    def put(self, slot: int, vectors: np.ndarray, texts: list[str]) -> None:
        n = len(texts)
        if n and not self.vectors.shape[1]:
            self.vectors = np.zeros((0, vectors.shape[1]), dtype=self.dtype)
        if self.used + n > len(self.vectors):
            grow = max(self.used + n - len(self.vectors), len(self.vectors), 256)
            self.vectors = np.vstack([self.vectors, np.zeros((grow, self.vectors.shape[1]), self.dtype)])
            self.owner = np.concatenate([self.owner, np.full(grow, -1, np.int32)])
        rows = np.arange(self.used, self.used + n)
        if n:
            self.vectors[rows], self.owner[rows] = vectors, slot
        self.texts += texts
        self.rows_of[slot] = rows
        self.used += n

    def remove(self, slot: int) -> None:
        rows = self.rows_of.pop(slot, None)
        if rows is not None and len(rows):
            self.owner[rows] = -1

    def scores(self, vector: np.ndarray) -> np.ndarray:
        # BLAS, one thread (main.py sets OPENBLAS_NUM_THREADS=1): a third of einsum's time for 10,000 x 512.
        return self.vectors[:self.used] @ vector if self.used else np.zeros(0, np.float32)

    @property
    def nbytes(self) -> int:
        return self.vectors.nbytes


class SentenceIndex:
    """Each entry's question and phrasings (heads) and body passages as vectors; an entry goes in or out without
    a rebuild. Heads are scored for every entry, passages only for the candidates the other signals found (a
    body has ten passages or more: scoring them all would cost a query ten times as much). Not locked itself:
    the search index calls it under its own lock (`prepare` may run outside it)."""

    def __init__(self, *, cache: EncodingCache) -> None:
        self.cache = cache
        # Passages in float16 (ten or more an entry, read only for the candidates): half the memory.
        self._heads, self._passages = _Rows(), _Rows(np.float16)

    def prepare(self, entries: list[Entry]) -> list[Prepared]:
        """The entries' texts encoded in one batch (from the cache where it has them)."""
        texts = [entry_texts(e) for e in entries]
        flat = [t for pairs in texts for _, t in pairs]
        vectors = self.cache.vectors(flat) if flat else np.zeros((0, 0), np.float32)
        out, at = [], 0
        for pairs in texts:
            out.append(Prepared(np.array([k for k, _ in pairs], dtype=np.int8), [t for _, t in pairs],
                                vectors[at:at + len(pairs)]))
            at += len(pairs)
        return out

    def put(self, slot: int, prepared: Prepared) -> None:
        for rows, kind in ((self._heads, HEAD), (self._passages, PASSAGE)):
            mine = np.flatnonzero(prepared.kinds == kind)
            rows.put(slot, prepared.vectors[mine] if len(mine) else prepared.vectors[:0],
                     [prepared.texts[i] for i in mine])

    def remove(self, slot: int) -> None:
        self._heads.remove(slot)
        self._passages.remove(slot)

    def text(self, row: int) -> str:
        return self._passages.texts[row]

    def head_scores(self, vector: np.ndarray | None, size: int) -> np.ndarray:
        """Per slot, the best cosine of its question or a phrasing to the question's vector (0: none)."""
        head = np.zeros(size, np.float32)
        if vector is None or not self._heads.used:
            return head
        scores, owner = self._heads.scores(vector), self._heads.owner[:self._heads.used]
        live = owner >= 0
        np.maximum.at(head, owner[live], scores[live].clip(0))
        return head

    def meaning(self, vector: np.ndarray | None, head: np.ndarray, candidates: list[int]) -> Meaning:
        """The head scores with the best passage cosine of each candidate slot."""
        passage = np.zeros(len(head), np.float32)
        scores: dict[int, float] = {}
        if vector is None:
            return Meaning(head, passage, scores)
        rows = [self._passages.rows_of.get(slot) for slot in candidates]
        rows = np.concatenate([r for r in rows if r is not None and len(r)] or [np.zeros(0, np.int64)])
        if len(rows):
            found = self._passages.vectors[rows].astype(np.float32) @ vector
            scores = dict(zip(rows.tolist(), found.tolist()))
            np.maximum.at(passage, self._passages.owner[rows], found.clip(0))
        return Meaning(head, passage, scores)

    def nearest(self, vector: np.ndarray, size: int) -> float:
        """The cosine of the vector to the nearest text of the knowledge: every question and phrasing, and the
        passages of the entries whose heads are nearest (0 when there is none)."""
        head = self.head_scores(vector, size)
        near = np.argsort(-head)[:NEAREST_ENTRIES].tolist()
        passage = self.meaning(vector, head, near).passage
        return float(max(head.max(initial=0.0), passage.max(initial=0.0)))

    def best_passage(self, meaning: Meaning, slot: int) -> int:
        """The row of the slot's passage closest to the question (-1: none, or the slot was not scored)."""
        rows = [r for r in self._passages.rows_of.get(slot, ()) if r in meaning.scores]
        return max(rows, key=meaning.scores.__getitem__) if rows else -1

    @property
    def nbytes(self) -> int:
        return self._heads.nbytes + self._passages.nbytes

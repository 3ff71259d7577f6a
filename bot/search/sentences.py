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
    """What the encoder says of one question against the entries: per slot, the best head and passage
    cosines; per row, the cosine (to find a slot's best passage)."""

    head: np.ndarray
    passage: np.ndarray
    scores: np.ndarray


class SentenceIndex:
    """Rows of text vectors with the slot each belongs to; an entry goes in or out without a rebuild.
    Not locked itself: the search index calls it under its own lock (`prepare` may run outside it)."""

    def __init__(self, *, cache: EncodingCache) -> None:
        self.cache = cache
        self._vectors = np.zeros((0, 0), dtype=np.float32)  # grown by doubling
        self._owner = np.zeros(0, dtype=np.int32)  # slot per row; -1 a dead row
        self._kind = np.zeros(0, dtype=np.int8)
        self._texts: list[str] = []
        self._rows_of: dict[int, np.ndarray] = {}
        self._used = 0

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
        n = len(prepared.texts)
        if n and not self._vectors.shape[1]:
            self._vectors = np.zeros((0, prepared.vectors.shape[1]), dtype=np.float32)
        if self._used + n > len(self._vectors):
            grow = max(self._used + n - len(self._vectors), len(self._vectors), 256)
            self._vectors = np.vstack([self._vectors, np.zeros((grow, self._vectors.shape[1]), np.float32)])
            self._owner = np.concatenate([self._owner, np.full(grow, -1, np.int32)])
            self._kind = np.concatenate([self._kind, np.zeros(grow, np.int8)])
        rows = np.arange(self._used, self._used + n)
        if n:
            self._vectors[rows], self._owner[rows], self._kind[rows] = prepared.vectors, slot, prepared.kinds
        self._texts += prepared.texts
        self._rows_of[slot] = rows
        self._used += n

    def remove(self, slot: int) -> None:
        rows = self._rows_of.pop(slot, None)
        if rows is not None and len(rows):
            self._owner[rows] = -1

    def text(self, row: int) -> str:
        return self._texts[row]

    def meaning(self, vector: np.ndarray | None, size: int) -> Meaning:
        """Per slot, the best head and passage cosines to the question's vector (0 where it has none)."""
        head, passage = np.zeros(size, np.float32), np.zeros(size, np.float32)
        if vector is None or not self._used or not self._vectors.shape[1]:
            return Meaning(head, passage, np.zeros(0, np.float32))
        scores = np.einsum("ij,j->i", self._vectors[:self._used], vector)  # einsum: no BLAS threads
        owner, kind = self._owner[:self._used], self._kind[:self._used]
        live = owner >= 0
        for out, which in ((head, HEAD), (passage, PASSAGE)):
            keep = live & (kind == which)
            np.maximum.at(out, owner[keep], scores[keep].clip(0))
        return Meaning(head, passage, scores)

    def nearest(self, vector: np.ndarray) -> float:
        """The cosine of the vector to the nearest live text of the knowledge (0 when there is none)."""
        if not self._used or not self._vectors.shape[1]:
            return 0.0
        scores = np.einsum("ij,j->i", self._vectors[:self._used], vector)
        live = self._owner[:self._used] >= 0
        return float(scores[live].max(initial=0.0))

    def best_passage(self, meaning: Meaning, slot: int) -> int:
        """The row of the slot's passage closest to the question (-1: it has none)."""
        rows = self._rows_of.get(slot)
        if rows is None or not len(meaning.scores):
            return -1
        rows = rows[self._kind[rows] == PASSAGE]
        return int(rows[np.argmax(meaning.scores[rows])]) if len(rows) else -1

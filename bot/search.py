"""Knowledge search: lexical and semantic signals fused; an index that changes one entry at a time.

Words: Sudachi's normalised forms, compound parts and synonym groups (医者/ドクター/医師 meet).
Bigrams: character pairs, which catch what the dictionary splits oddly or does not know.
Both are BM25 over inverted numpy postings. Meaning: static word vectors (bot/vectors.py)
of the question against each entry's question and its whole text, for paraphrases that
share no word. The four rankings are fused by reciprocal rank fusion. Whether a hit
answers the question is the coverage model's call (bot/coverage.py).
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from bot import coverage
from bot.japanese import word_terms
from bot.knowledge import Entry, bigrams, fold_synonyms
from bot.vectors import word_vectors

FIELD_WEIGHTS = {"question": 3, "tags": 2, "body": 1}  # phrasings count as the question
# Reciprocal rank fusion's constant: small, so a signal's first places count for much (four
# signals, a few dozen entries per Pattern; the usual 60 flattens them).
RRF_K = 5
CANDIDATES = 50  # each signal's depth before fusion
RERANK = 20  # the fused best this many are ranked again by soft word matching
_KANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")


@dataclass(frozen=True)
class Hit:
    """A search result: `coverage` is the probability that some entry answers the question (the
    evidence of this hit), `confidence` the probability that this entry does."""

    entry: Entry
    score: float
    coverage: float
    confidence: float

    @property
    def covers(self) -> bool:
        """Some entry answers the question (the coverage model's decision)."""
        return self.coverage >= coverage.COVERS_AT

    @property
    def answers(self) -> bool:
        """This entry answers it: covered, and the entry more likely right than not."""
        return self.covers and self.confidence >= coverage.COVERS_AT


@dataclass(frozen=True)
class Query:
    """A question read once: its words (with alternatives) and its bigrams."""

    words: tuple[tuple[str, tuple[str, ...]], ...]
    bigrams: frozenset[str]

    @classmethod
    def read(cls, text: str) -> "Query":
        return cls(tuple(dict.fromkeys(word_terms(fold_synonyms(text)))), frozenset(bigrams(text)))

    @property
    def word_terms(self) -> set[str]:
        return {t for norm, alts in self.words for t in (norm, *alts)}


class Bm25:
    """BM25 postings that take one document in or out without a rebuild.

    Postings hold each document's saturated term frequency; the length norm uses the mean
    length of the last full build, and idf is computed per query from the live counts.
    """

    k1 = 1.2
    b = 0.75

    def __init__(self) -> None:
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.mean_length = 1.0
        self.live = 0

    def bulk(self, docs: list[Counter[str]]) -> None:
        """Index documents 0..n-1 at once (vectorised: a Python loop per posting is too slow)."""
        terms: list[str] = []
        tfs: list[int] = []
        ids: list[int] = []
        for doc, counts in enumerate(docs):
            terms.extend(counts.keys())
            tfs.extend(counts.values())
            ids.extend([doc] * len(counts))
        vocab: dict[str, int] = {}
        term_ids = np.array([vocab.setdefault(t, len(vocab)) for t in terms], dtype=np.int64)
        doc_ids = np.array(ids, dtype=np.int32)
        tf = np.array(tfs, dtype=np.float32)
        lengths = np.bincount(doc_ids, weights=tf, minlength=len(docs))
        self.mean_length = float(lengths.mean()) if len(docs) and lengths.mean() > 0 else 1.0
        weights = (tf * (self.k1 + 1) / (tf + self._norm(lengths)[doc_ids])).astype(np.float32) if len(tf) else tf
        order = np.argsort(term_ids, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(term_ids, minlength=len(vocab)))))
        sorted_docs, sorted_weights = doc_ids[order], weights[order]
        self.postings = {t: (sorted_docs[bounds[i]:bounds[i + 1]], sorted_weights[bounds[i]:bounds[i + 1]])
                         for t, i in vocab.items()}
        self.live = len(docs)

    def add(self, doc: int, counts: Counter[str]) -> None:
        length = float(sum(counts.values()))
        norm = self._norm(np.array([length]))[0]
        for term, tf in counts.items():
            ids, weights = self.postings.get(term, (_NO_IDS, _NO_WEIGHTS))
            weight = np.float32(tf * (self.k1 + 1) / (tf + norm))
            self.postings[term] = (np.append(ids, np.int32(doc)), np.append(weights, weight))
        self.live += 1

    def remove(self, doc: int, terms: Iterable[str]) -> None:
        for term in terms:
            ids, weights = self.postings[term]
            keep = ids != doc
            if keep.all():
                continue
            if keep.any():
                self.postings[term] = (ids[keep], weights[keep])
            else:
                del self.postings[term]
        self.live -= 1

    def idf(self, term: str) -> float:
        df = len(self.postings[term][0]) if term in self.postings else 0
        return _term_weight(term) * math.log(1 + (self.live - df + 0.5) / (df + 0.5))

    def scores(self, terms: Iterable[str], size: int) -> np.ndarray:
        scores = np.zeros(size, dtype=np.float32)
        for term in terms:
            if term in self.postings:
                ids, weights = self.postings[term]
                scores[ids] += self.idf(term) * weights
        return scores

    def _norm(self, lengths: np.ndarray) -> np.ndarray:
        return self.k1 * (1 - self.b + self.b * lengths / self.mean_length)


@dataclass(frozen=True)
class _Read:
    """An entry as the index stores it."""

    words: Counter[str]  # word terms (with alternatives), field-weighted
    grams: Counter[str]
    question_norms: tuple[str, ...]  # the words of its question and phrasings
    norms: tuple[str, ...]  # the words of its whole text
    terms: tuple[frozenset[str], frozenset[str]]  # word terms, bigrams


class SearchIndex:
    """The active entries, searchable; `upsert` and `remove` change one entry in place (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Entry | None] = []  # by slot; a removed entry leaves a hole
        self._slots: dict[str, int] = {}
        self._patterns = np.zeros(0, dtype=np.int8)  # 0 = every Pattern, -1 = a hole
        self._words, self._bigrams = Bm25(), Bm25()
        self._terms: list[tuple[frozenset[str], frozenset[str]]] = []  # per slot: word terms, bigrams
        self._vectors = word_vectors()
        dims = self._vectors.dimensions
        self._rows: list[np.ndarray] = []  # per slot: the vector-table rows of the entry's words
        self._question_vecs = np.zeros((0, dims), dtype=np.float32)  # grown by doubling
        self._text_vecs = np.zeros((0, dims), dtype=np.float32)

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> "SearchIndex":
        index = cls()
        entries = list(entries)
        read = [_read_entry(e) for e in entries]
        index._entries = list(entries)
        index._slots = {e.id: i for i, e in enumerate(entries)}
        index._patterns = np.array([_pattern_code(e) for e in entries], dtype=np.int8)
        index._words.bulk([r.words for r in read])
        index._bigrams.bulk([r.grams for r in read])
        index._terms = [r.terms for r in read]
        index._rows = [index._word_rows(r.norms) for r in read]
        index._question_vecs = np.array([index._embed(r.question_norms) for r in read], dtype=np.float32)
        index._text_vecs = np.array([index._embed(r.norms) for r in read], dtype=np.float32)
        index._question_vecs.shape = index._text_vecs.shape = (len(read), index._vectors.dimensions)
        return index

    @property
    def entries(self) -> list[Entry]:
        """The active entries, in id order."""
        return sorted((e for e in self._entries if e is not None), key=lambda e: e.id)

    def __len__(self) -> int:
        return len(self._slots)

    def get(self, entry_id: str) -> Entry | None:
        slot = self._slots.get(entry_id)
        return None if slot is None else self._entries[slot]

    def upsert(self, entry: Entry) -> None:
        """Add an entry, or replace the one with its id."""
        read = _read_entry(entry)  # outside the lock: reading is the slow part
        with self._lock:
            self._remove(entry.id)
            slot = len(self._entries)
            self._entries.append(entry)
            self._slots[entry.id] = slot
            self._patterns = np.append(self._patterns, np.int8(_pattern_code(entry)))
            self._terms.append(read.terms)
            self._rows.append(self._word_rows(read.norms))
            self._words.add(slot, read.words)
            self._bigrams.add(slot, read.grams)
            if slot >= len(self._text_vecs):
                grow = max(64, len(self._text_vecs))
                self._question_vecs = np.vstack([self._question_vecs, np.zeros((grow, self._vectors.dimensions), np.float32)])
                self._text_vecs = np.vstack([self._text_vecs, np.zeros((grow, self._vectors.dimensions), np.float32)])
            self._question_vecs[slot] = self._embed(read.question_norms)
            self._text_vecs[slot] = self._embed(read.norms)

    def remove(self, entry_id: str) -> bool:
        with self._lock:
            return self._remove(entry_id)

    def search(self, text: str, pattern: int | None = None, top: int = 5) -> list[Hit]:
        """Entries for `pattern` (and those for every Pattern), best first."""
        query = Query.read(text)
        with self._lock:
            signals, fused = self._rank(query, pattern)
            best = [d for d in np.argsort(-fused, kind="stable")[:max(top, 2)].tolist() if fused[d] > 0]
            best.sort(key=lambda d: (-fused[d], self._entries[d].id))
            evidence = [self._evidence(query, d, signals) for d in best]
            hits = [Hit(self._entries[d], round(float(fused[d]), 6), *coverage.predict(f))
                    for d, f in zip(best, evidence)]
        return hits[:top]

    def features(self, text: str, pattern: int | None = None) -> coverage.Features | None:
        """The coverage evidence of the best hit (for fitting the coverage model)."""
        query = Query.read(text)
        with self._lock:
            signals, fused = self._rank(query, pattern)
            best = [d for d in np.argsort(-fused, kind="stable")[:2].tolist() if fused[d] > 0]
            return self._evidence(query, best[0], signals) if best else None

    def knows(self, word: str) -> bool:
        """Whether some active entry uses this word (a normalised form)."""
        return word in self._words.postings

    def _rank(self, query: Query, pattern: int | None) -> tuple[list[np.ndarray], np.ndarray]:
        # Fuse the four signals, then let soft word matching rank the best few once more.
        signals = self._signals(query, pattern)
        fused = _fuse(signals)
        candidates = [d for d in np.argsort(-fused, kind="stable")[:RERANK].tolist() if fused[d] > 0]
        soft = self._soft_shares(query, candidates)
        for rank, d in enumerate(sorted(candidates, key=lambda d: -soft[d])):
            fused[d] += 1.0 / (RRF_K + 1 + rank)
        return signals, fused

    def _soft_shares(self, query: Query, docs: list[int]) -> dict[int, float]:
        """For each entry, the idf-weighted mean over the question's words of the best cosine to one
        of the entry's words: 怒られる meets クレーム, 辞めたい meets 続けるか迷う."""
        norms = [norm for norm, _ in query.words]
        rows = [self._vectors.row(n) for n in norms]
        known = [i for i, r in enumerate(rows) if r is not None]
        weights = np.array([self._idf_or_unknown(n) for n in norms])
        if not docs or not known or weights.sum() <= 0:
            return {d: 0.0 for d in docs}
        table = self._vectors.similarities([rows[i] for i in known])
        shares = {}
        for d in docs:
            best = table[self._rows[d]].max(axis=0).clip(0) if len(self._rows[d]) else np.zeros(len(known))
            shares[d] = float((best * weights[known]).sum() / weights.sum())
        return shares

    def _word_rows(self, norms: Iterable[str]) -> np.ndarray:
        rows = {self._vectors.row(n) for n in norms}
        rows.discard(None)
        return np.array(sorted(rows), dtype=np.int32)

    def _signals(self, query: Query, pattern: int | None) -> list[np.ndarray]:
        size = len(self._entries)
        codes = self._patterns
        allowed = codes >= 0 if pattern is None else (codes == 0) | (codes == pattern)
        vector = self._embed([norm for norm, _ in query.words])
        has_meaning = bool(vector.any())
        signals = [self._words.scores(query.word_terms, size), self._bigrams.scores(query.bigrams, size),
                   self._question_vecs[:size] @ vector if has_meaning else np.zeros(size, np.float32),
                   self._text_vecs[:size] @ vector if has_meaning else np.zeros(size, np.float32)]
        return [np.where(allowed, s, 0.0) for s in signals]

    def _embed(self, norms: Iterable[str]) -> np.ndarray:
        return self._vectors.embed(norms)

    def _idf_or_unknown(self, norm: str) -> float:
        return self._words.idf(norm) if norm in self._words.postings else self._unknown_idf()

    def _remove(self, entry_id: str) -> bool:
        slot = self._slots.pop(entry_id, None)
        if slot is None:
            return False
        words, grams = self._terms[slot]
        self._words.remove(slot, words)
        self._bigrams.remove(slot, grams)
        self._entries[slot] = None
        self._patterns[slot] = -1
        self._terms[slot] = (frozenset(), frozenset())
        self._rows[slot] = _NO_ROWS
        self._question_vecs[slot] = self._text_vecs[slot] = 0.0
        return True

    def _evidence(self, query: Query, doc: int, signals: list[np.ndarray]) -> coverage.Features:
        words, grams = self._terms[doc]
        return coverage.Features(word_share=self._word_share(query, words),
                                 bigram_share=self._bigram_share(query, grams),
                                 similarity=float(max(signals[2][doc], signals[3][doc])),
                                 missing=self._missing(query, words))

    def _word_share(self, query: Query, terms: frozenset[str]) -> float:
        # idf-weighted share of the question's words the entry has (itself or an alternative)
        # (a word met only through a compound part or a synonym group earns that term's idf, no more)
        total = found = 0.0
        for norm, alts in query.words:
            weight = self._idf_or_unknown(norm)
            total += weight
            if norm in terms:
                found += weight
            else:
                found += min(weight, max((self._words.idf(a) for a in alts if a in terms), default=0.0))
        return found / total if total else 0.0

    def _missing(self, query: Query, terms: frozenset[str]) -> float:
        lacking = [self._idf_or_unknown(norm) for norm, _ in query.words if norm not in terms]
        return max(lacking, default=0.0) / self._unknown_idf()

    def _bigram_share(self, query: Query, grams: frozenset[str]) -> float:
        weights = {g: self._bigrams.idf(g) if g in self._bigrams.postings else self._unknown_idf() for g in query.bigrams}
        total = sum(weights.values())
        return sum(w for g, w in weights.items() if g in grams) / total if total else 0.0

    def _unknown_idf(self) -> float:
        return math.log(1 + (self._words.live + 0.5) / 0.5)


def _read_entry(entry: Entry) -> _Read:
    words: Counter[str] = Counter()
    grams: Counter[str] = Counter()
    question_norms: list[str] = []
    norms: list[str] = []
    fields = {"question": " ".join((entry.question, *entry.phrasings)), "tags": " ".join(entry.tags), "body": entry.body}
    for name, weight in FIELD_WEIGHTS.items():
        read = word_terms(fold_synonyms(fields[name]))
        terms = [t for norm, alts in read for t in (norm, *alts)]
        for term in terms:
            words[term] += weight
        norms.extend(norm for norm, _ in read)
        if name == "question":
            question_norms = [norm for norm, _ in read]
        for gram in bigrams(fields[name]):
            grams[gram] += weight
    return _Read(words, grams, tuple(question_norms), tuple(norms),
                 (frozenset(words), frozenset(grams)))


def _fuse(signals: list[np.ndarray]) -> np.ndarray:
    fused = np.zeros(len(signals[0]))
    for scores in signals:
        ranked = np.argsort(-scores, kind="stable")[:CANDIDATES]
        ranked = ranked[scores[ranked] > 0]
        fused[ranked] += 1.0 / (RRF_K + 1 + np.arange(len(ranked)))
    return fused


def _pattern_code(entry: Entry) -> int:
    return 0 if entry.pattern is None else entry.pattern


def _term_weight(term: str) -> float:
    # Bigrams of hiragana alone are mostly grammar (ですか, なり); a synonym group is a looser match.
    if _KANA_ONLY.match(term):
        return 0.2
    return 0.5 if term.startswith("#") else 1.0


_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_ROWS = np.zeros(0, dtype=np.int32)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)

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
import multiprocessing
import os
import re
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np

from bot import coverage
from bot.japanese import read_question, word_terms
from bot.knowledge import SHIPPED, Entry, Thesaurus
from bot.patterns import PATTERNS
from bot.search import facts
from bot.search.encodings import EncodingCache, shared_cache
from bot.search.sentences import Meaning, SentenceIndex
from bot.vectors import word_vectors

FIELD_WEIGHTS = {"question": 3, "tags": 2, "body": 1}  # phrasings count as the question
# Reciprocal rank fusion's constant: small, so a signal's first places count for much (four
# signals, a few dozen entries per Pattern; the usual 60 flattens them).
RRF_K = 5
CANDIDATES = 50  # each signal's depth before fusion
RERANK = 20  # the fused best this many are ranked again by soft word matching
LEXICAL = 4  # the signals before the sentence encoder's two: words, bigrams, word vectors (question, text)
# The sentence encoder's two rankings count twice the lexical four's: with e5-small, recall@1 over the public,
# fresh and q1 sets together (433 questions, development sets) was 0.774 at 0.5, 0.791 at 1, 0.797 at 1.5, 0.814
# at 2, 0.814 at 3 (recall@3 0.963 at 2, 0.953 at 3) and 0.804 at 4.
SENTENCE_WEIGHT = 2.0
# A topic noun's cosine to an entry's word from which it counts as partly there, and fully: related
# words (消費税/法人税, 看護師/医師) sit near 0.7, near-synonyms (医者/医師) above 0.8.
TOPIC_COSINE = (0.75, 0.9)
TOPIC_DEPTH = 3  # the fused best this many are read for the question's topic (the depth recall@3 measures)
_KANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")
# A full build of at least this many entries reads near half of them in a second process: Sudachi's
# tokenizer is most of the build and uses one core (10,000 entries took 12 s on one core).
POOL_FROM = 2_000


@dataclass(frozen=True)
class Hit:
    """A search result: `coverage` is the probability that some entry answers the question (the
    evidence of this hit), `confidence` the probability that this entry does."""

    entry: Entry
    score: float
    coverage: float
    confidence: float
    passage: str | None = None  # the body's passage closest in meaning to the question (what a long answer quotes)
    asked_as: float = 0.0  # the encoder's cosine of the question to the entry's own question or a phrasing

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
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the nouns saying what it is about
    focus: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the nouns of what it asks (its last clause)
    text: str = ""  # as written

    @classmethod
    def read(cls, text: str, thesaurus: Thesaurus) -> "Query":
        words, topics, focus = read_question(thesaurus.fold_synonyms(text))
        return cls(tuple(dict.fromkeys(words)), frozenset(thesaurus.bigrams(text)), tuple(topics), tuple(focus), text)

    @property
    def word_terms(self) -> set[str]:
        return {t for norm, alts in self.words for t in (norm, *alts)}


@dataclass(frozen=True)
class Searched:
    """The entries one search may return (its Pattern's and the shared ones): idf is counted over these
    alone, since a word every doctor-market entry uses (院長, クリニック) tells none of them apart there,
    however rare it is in the whole base."""

    mask: np.ndarray  # by slot
    size: int


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
        # A document's terms are kept as ids (an int32 array, not a set of strings: a tenth of the memory).
        self._ids: dict[str, int] = {}
        self._terms: list[str] = []

    def adopt(self, terms: list[str], ids: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Another index's term ids as ours, numbering new terms in the order `counted` would have;
        `known` maps their ids to ours (-1: not yet) and is filled in."""
        for i in ids[known[ids] < 0].tolist():
            term = terms[i]
            mine = self._ids.get(term)
            if mine is None:
                mine = self._ids[term] = len(self._terms)
                self._terms.append(term)
            known[i] = mine
        return known[ids]

    def counted(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """A document's term ids (new terms numbered as they come) and their frequencies."""
        ids = []
        for term in counts:
            i = self._ids.get(term)
            if i is None:
                i = self._ids[term] = len(self._terms)
                self._terms.append(term)
            ids.append(i)
        return np.array(ids, dtype=np.int32), np.fromiter(counts.values(), dtype=np.float32, count=len(ids))

    def id_of(self, term: str) -> int:
        return self._ids.get(term, -1)

    def bulk(self, docs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Index documents 0..n-1 at once (vectorised: a Python loop per posting is too slow)."""
        term_ids = np.concatenate([ids for ids, _ in docs]) if docs else _NO_IDS
        tf = np.concatenate([tfs for _, tfs in docs]) if docs else _NO_WEIGHTS
        doc_ids = np.repeat(np.arange(len(docs), dtype=np.int32), [len(ids) for ids, _ in docs])
        lengths = np.bincount(doc_ids, weights=tf, minlength=len(docs))
        self.mean_length = float(lengths.mean()) if len(docs) and lengths.mean() > 0 else 1.0
        weights = (tf * (self.k1 + 1) / (tf + self._norm(lengths)[doc_ids])).astype(np.float32)
        order = np.argsort(term_ids, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(term_ids, minlength=len(self._terms)))))
        sorted_docs, sorted_weights = doc_ids[order], weights[order]
        self.postings = {term: (sorted_docs[bounds[i]:bounds[i + 1]], sorted_weights[bounds[i]:bounds[i + 1]])
                         for i, term in enumerate(self._terms) if bounds[i + 1] > bounds[i]}
        self.live = len(docs)

    def add(self, doc: int, ids: np.ndarray, tf: np.ndarray) -> None:
        norm = self._norm(np.array([tf.sum()]))[0]
        weights = tf * (self.k1 + 1) / (tf + norm)
        for i, weight in zip(ids.tolist(), weights.tolist()):
            term = self._terms[i]
            docs, old = self.postings.get(term, (_NO_IDS, _NO_WEIGHTS))
            self.postings[term] = (np.append(docs, np.int32(doc)), np.append(old, np.float32(weight)))
        self.live += 1

    def remove(self, doc: int, ids: np.ndarray) -> None:
        for term in (self._terms[i] for i in ids.tolist()):
            docs, weights = self.postings[term]
            keep = docs != doc
            if keep.any():
                self.postings[term] = (docs[keep], weights[keep])
            else:
                del self.postings[term]
        self.live -= 1

    def idf(self, term: str, searched: Searched | None = None) -> float:
        """How specific a term is among the searched entries (all of them without `searched`)."""
        docs = self.postings[term][0] if term in self.postings else _NO_IDS
        live, df = (self.live, len(docs)) if searched is None else (searched.size, int(searched.mask[docs].sum()))
        return _term_weight(term) * math.log(1 + (live - df + 0.5) / (df + 0.5))

    def scores(self, terms: Iterable[str], size: int, searched: Searched | None = None) -> np.ndarray:
        scores = np.zeros(size, dtype=np.float32)
        for term in terms:
            if term in self.postings:
                ids, weights = self.postings[term]
                scores[ids] += self.idf(term, searched) * weights
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
    head_terms: Counter[str]  # the word terms of its question, phrasings and tags (the entry's topic)
    head_norms: tuple[str, ...]


class SearchIndex:
    """The active entries, searchable; `upsert` and `remove` change one entry in place (thread-safe)."""

    def __init__(self, *, thesaurus: Thesaurus = SHIPPED, cache: EncodingCache | None = None) -> None:
        self.thesaurus = thesaurus  # folds the entries and the questions alike
        self._sentences = SentenceIndex(cache=cache if cache is not None else shared_cache())
        self._lock = threading.Lock()
        self._entries: list[Entry | None] = []  # by slot; a removed entry leaves a hole
        self._slots: dict[str, int] = {}
        self._patterns = np.zeros(0, dtype=np.int8)  # 0 = every Pattern, -1 = a hole
        self._words, self._bigrams = Bm25(), Bm25()
        self._terms: list[tuple[np.ndarray, np.ndarray]] = []  # per slot: ids of its word terms and bigrams
        self._vectors = word_vectors()
        dims = self._vectors.dimensions
        self._rows: list[np.ndarray] = []  # per slot: the vector-table rows of the entry's words
        self._heads: list[tuple[np.ndarray, np.ndarray]] = []  # per slot: question+tags' term ids and rows
        self._question_vecs = np.zeros((0, dims), dtype=np.float32)  # grown by doubling
        self._text_vecs = np.zeros((0, dims), dtype=np.float32)

    @classmethod
    def build(cls, entries: Iterable[Entry], *, thesaurus: Thesaurus = SHIPPED,
              cache: EncodingCache | None = None) -> "SearchIndex":
        index = cls(thesaurus=thesaurus, cache=cache)
        entries = list(entries)
        for slot, prepared in enumerate(index._sentences.prepare(entries)):
            index._sentences.put(slot, prepared)
        index._sentences.cache.save()
        words, grams, question_vecs, text_vecs = [], [], [], []
        for word, gram, rows, head, question_vec, text_vec in index._store_all(entries):
            words.append(word)
            grams.append(gram)
            index._rows.append(rows)
            index._heads.append(head)
            question_vecs.append(question_vec)
            text_vecs.append(text_vec)
        index._entries = list(entries)
        index._slots = {e.id: i for i, e in enumerate(entries)}
        index._patterns = np.array([_pattern_code(e) for e in entries], dtype=np.int8)
        index._words.bulk(words)
        index._bigrams.bulk(grams)
        index._terms = [(np.sort(w[0]), np.sort(g[0])) for w, g in zip(words, grams)]
        dims = index._vectors.dimensions
        index._question_vecs = np.array(question_vecs, dtype=np.float32).reshape(len(entries), dims)
        index._text_vecs = np.array(text_vecs, dtype=np.float32).reshape(len(entries), dims)
        return index

    def _store(self, entry: Entry) -> tuple:
        """An entry read and stored compactly at once (no pile of Counters): its word and bigram ids
        and frequencies, vector rows, head, question vector and text vector."""
        read = _read_entry(entry, self.thesaurus)
        rows = self._vectors.rows(read.norms)
        return (self._words.counted(read.words), self._bigrams.counted(read.grams), np.unique(rows),
                self._head(read), self._vectors.embed(self._vectors.rows(read.question_norms)),
                self._vectors.embed(rows))

    def _store_all(self, entries: list[Entry]) -> Iterable[tuple]:
        """`_store` for each entry in order; a large build has a second process store the last 45%."""
        if len(entries) < POOL_FROM or (os.cpu_count() or 1) < 2:
            yield from map(self._store, entries)
            return
        mine = len(entries) * 11 // 20  # the child's share a little smaller: it starts a second late
        # Spawned, not forked: the bot runs threads. The child gets this index's thesaurus (KNOWLEDGE_DIR's).
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            theirs = pool.submit(_store_batch, self.thesaurus, entries[mine:])
            yield from map(self._store, entries[:mine])
            try:
                word_terms, gram_terms, stored = theirs.result()
            except Exception:  # noqa: BLE001 - no second process here (or it failed): store them in this one
                yield from map(self._store, entries[mine:])
                return
        # Renumber the child's term ids as this index would have numbered them, entry by entry.
        words_known = np.full(len(word_terms), -1, dtype=np.int32)
        grams_known = np.full(len(gram_terms), -1, dtype=np.int32)
        for (w_ids, w_tf), (g_ids, g_tf), rows, (h_ids, h_rows), question_vec, text_vec in stored:
            word = self._words.adopt(word_terms, w_ids, words_known), w_tf
            gram = self._bigrams.adopt(gram_terms, g_ids, grams_known), g_tf
            yield word, gram, rows, (np.sort(words_known[h_ids]), h_rows), question_vec, text_vec

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
        read = _read_entry(entry, self.thesaurus)  # outside the lock: reading and encoding are the slow part
        prepared = self._sentences.prepare([entry])[0]
        self._sentences.cache.save()
        with self._lock:
            self._remove(entry.id)
            slot = len(self._entries)
            self._sentences.put(slot, prepared)
            self._entries.append(entry)
            self._slots[entry.id] = slot
            self._patterns = np.append(self._patterns, np.int8(_pattern_code(entry)))
            words, grams = self._words.counted(read.words), self._bigrams.counted(read.grams)
            self._terms.append((np.sort(words[0]), np.sort(grams[0])))
            rows = self._vectors.rows(read.norms)
            self._rows.append(np.unique(rows))
            self._heads.append(self._head(read))
            self._words.add(slot, *words)
            self._bigrams.add(slot, *grams)
            if slot >= len(self._text_vecs):
                grow = max(64, len(self._text_vecs))
                self._question_vecs = np.vstack([self._question_vecs, np.zeros((grow, self._vectors.dimensions), np.float32)])
                self._text_vecs = np.vstack([self._text_vecs, np.zeros((grow, self._vectors.dimensions), np.float32)])
            self._question_vecs[slot] = self._vectors.embed(self._vectors.rows(read.question_norms))
            self._text_vecs[slot] = self._vectors.embed(rows)

    def remove(self, entry_id: str) -> bool:
        with self._lock:
            return self._remove(entry_id)

    def search(self, text: str, pattern: int | None = None, top: int = 5) -> list[Hit]:
        """Entries for `pattern` (and those for every Pattern), best first."""
        query = Query.read(text, self.thesaurus)
        vector = self._sentences.cache.encode_query(text) if self._slots else None
        with self._lock:
            signals, fused, lexical, meaning = self._rank(query, pattern, vector)
            best = _best(fused, max(top, 2)).tolist()
            best.sort(key=lambda d: (-fused[d], self._entries[d].id))
            best_topic = self._best_topic(query, fused)
            evidence = [self._evidence(query, d, fused, pattern, best_topic, meaning, signals, lexical)
                        for d in best]
            hits = [Hit(self._entries[d], round(float(fused[d]), 6), *coverage.predict(f),
                        passage=self._passage(meaning, d), asked_as=round(float(meaning.head[d]), 4))
                    for d, f in zip(best, evidence)]
        return hits[:top]

    def features(self, text: str, pattern: int | None = None) -> coverage.Features | None:
        """The coverage evidence of the best hit (for fitting the coverage model)."""
        found = self.best_evidence(text, pattern)
        return found[1] if found else None

    def best_evidence(self, text: str, pattern: int | None = None) -> tuple[Entry, coverage.Features] | None:
        """The best hit and its coverage evidence, without the fitted models (the fit itself reads these)."""
        query = Query.read(text, self.thesaurus)
        vector = self._sentences.cache.encode_query(text) if self._slots else None
        with self._lock:
            signals, fused, lexical, meaning = self._rank(query, pattern, vector)
            best = _best(fused, 2).tolist()
            if not best:
                return None
            return self._entries[best[0]], self._evidence(query, best[0], fused, pattern,
                                                          self._best_topic(query, fused), meaning, signals, lexical)

    def closeness(self, text: str, others: list[str]) -> tuple[float, np.ndarray]:
        """The text's cosine to the nearest question, phrasing or passage of the knowledge, and to each of
        `others` (phrases whose vectors the cache keeps)."""
        vector = self._sentences.cache.encode_query(text)
        with self._lock:
            nearest = self._sentences.nearest(vector, len(self._entries))
        return nearest, (self._sentences.cache.vectors(others) @ vector if others else np.zeros(0, np.float32))

    def knows(self, word: str) -> bool:
        """Whether some active entry uses this word (a normalised form)."""
        return word in self._words.postings

    def _rank(self, query: Query, pattern: int | None,
              vector: np.ndarray | None) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, Meaning]:
        """The signals, their fusion, and the words' and word vectors' part of it (the coverage models'
        `agreement`, read as before the sentence encoder: with it, the first hit of a small base collects
        every first place whatever it is asked)."""
        # Fuse the six signals, then let soft word matching rank the best few once more.
        searched = self._searched(pattern)
        head = np.where(searched.mask, self._sentences.head_scores(vector, len(self._entries)), 0.0)
        signals = self._signals(query, searched)
        candidates = sorted({d for s in (*signals, head) for d in _best(s, CANDIDATES).tolist()})
        meaning = self._sentences.meaning(vector, head, candidates)  # passages: the candidates' alone
        signals += [meaning.head, meaning.passage]
        sentences = _fuse(signals[LEXICAL:])
        sentences = sentences * SENTENCE_WEIGHT
        fused = _fuse(signals[:LEXICAL]) + sentences
        candidates = _best(fused, RERANK).tolist()
        soft = self._soft_shares(query, candidates, searched)
        for rank, d in enumerate(sorted(candidates, key=lambda d: -soft[d])):
            fused[d] += 1.0 / (RRF_K + 1 + rank)
        return signals, fused, fused - sentences, meaning

    def _searched(self, pattern: int | None) -> Searched:
        codes = self._patterns
        mask = codes >= 0 if pattern is None else (codes == 0) | (codes == pattern)
        return Searched(mask, int(mask.sum()))

    def _soft_shares(self, query: Query, docs: list[int], searched: Searched | None = None) -> dict[int, float]:
        """For each entry, the idf-weighted mean over the question's words of the best cosine to one
        of the entry's words: 怒られる meets クレーム, 辞めたい meets 続けるか迷う."""
        norms = [norm for norm, _ in query.words]
        rows = [self._vectors.row(n) for n in norms]
        known = [i for i, r in enumerate(rows) if r is not None]
        weights = np.array([self._idf_or_unknown(n, searched) for n in norms])
        if not docs or not known or weights.sum() <= 0:
            return {d: 0.0 for d in docs}
        others = np.unique(np.concatenate([self._rows[d] for d in docs] + [_NO_IDS]))
        if not len(others):
            return {d: 0.0 for d in docs}
        cosines = self._vectors.similarities(np.array([rows[i] for i in known]), others)  # (known words, rows)
        shares = {}
        for d in docs:
            at = np.searchsorted(others, self._rows[d])
            best = cosines[:, at].max(axis=1).clip(0) if len(at) else np.zeros(len(known))
            shares[d] = float((best * weights[known]).sum() / weights.sum())
        return shares

    def _signals(self, query: Query, searched: Searched) -> list[np.ndarray]:
        size = len(self._entries)
        allowed = searched.mask
        vector = self._vectors.embed(self._vectors.rows(norm for norm, _ in query.words))
        has_meaning = bool(vector.any())
        # Bigrams and the soft word match weigh by idf over the searched entries; whole words keep the
        # base's idf: counted in the Pattern alone they gained nothing on the public set and cost a close
        # paraphrase on the shipped base its confidence (院長/承継 fill the doctor-market entries).
        signals = [self._words.scores(query.word_terms, size),
                   self._bigrams.scores(query.bigrams, size, searched),
                   _dot(self._question_vecs[:size], vector) if has_meaning else np.zeros(size, np.float32),
                   _dot(self._text_vecs[:size], vector) if has_meaning else np.zeros(size, np.float32)]
        return [np.where(allowed, s, 0.0) for s in signals]

    def _idf_or_unknown(self, norm: str, searched: Searched | None = None) -> float:
        return self._words.idf(norm, searched) if norm in self._words.postings else self._unknown_idf(searched)

    def _remove(self, entry_id: str) -> bool:
        slot = self._slots.pop(entry_id, None)
        if slot is None:
            return False
        words, grams = self._terms[slot]
        self._words.remove(slot, words)
        self._bigrams.remove(slot, grams)
        self._entries[slot] = None
        self._patterns[slot] = -1
        self._terms[slot] = (_NO_IDS, _NO_IDS)
        self._rows[slot] = _NO_ROWS
        self._heads[slot] = (_NO_IDS, _NO_ROWS)
        self._question_vecs[slot] = self._text_vecs[slot] = 0.0
        self._sentences.remove(slot)
        return True

    def _evidence(self, query: Query, doc: int, fused: np.ndarray, pattern: int | None,
                  best_topic: float, meaning: Meaning, signals: list[np.ndarray],
                  lexical: np.ndarray) -> coverage.Features:
        topic, specific_topic = self._entry_topic(query, doc)
        top3 = _best(fused, TOPIC_DEPTH)
        close = np.where(self._searched(pattern).mask, np.maximum(meaning.head, meaning.passage), 0.0)
        others = np.delete(close, doc).max(initial=0.0) if len(close) else 0.0
        return coverage.Features(focus=self._focus(query, doc),
                                 firsts=sum(bool(s[doc] > 0 and s[doc] >= s.max()) for s in signals) / len(signals),
                                 margin=float(close[doc] - others) if len(close) else 0.0,
                                 meaning=float(meaning.head[doc]),
                                 passage=float(meaning.passage[doc]),
                                 best_meaning=float(np.maximum(meaning.head, meaning.passage)[top3].max(initial=0.0)),
                                 fact_missing=facts.missing(query.text, self._passage(meaning, doc)),
                                 bigram_share=self._bigram_share(query, set(self._terms[doc][1].tolist())),
                                 topic=topic, specific_topic=specific_topic, best_topic=best_topic,
                                 agreement=float(lexical[doc]),
                                 feelings=float(pattern in PATTERNS and PATTERNS[pattern].supports_feelings))

    def _passage(self, meaning: Meaning, doc: int) -> str | None:
        row = self._sentences.best_passage(meaning, doc)
        return self._sentences.text(row) if row >= 0 else None

    def _focus(self, query: Query, doc: int) -> float:
        """The specific topic share (`_topic_share`, idf times general rarity) of the nouns of what the
        question asks (bot/japanese.focus_words) that the entry's question, phrasings and tags have,
        drawn towards NO_TOPIC by the weight of one specific noun (the idf of a word one entry uses): an
        ask in everyday nouns only (枠, 目安, 考え方: a chatty covered question's) says little either way,
        one in specific nouns (申告期限, 評価額) says much."""
        if not query.focus:
            return coverage.NO_TOPIC
        mass = sum(self._idf_or_unknown(norm) * self._rarity(norm, alts) for norm, alts in query.focus)
        prior = math.log(1 + (self._words.live - 0.5) / 1.5)
        ids, rows = self._heads[doc]
        share = self._topic_share(replace(query, topics=query.focus), set(ids.tolist()), rows)[1]
        return (share * mass + coverage.NO_TOPIC * prior) / (mass + prior)

    def _entry_topic(self, query: Query, doc: int) -> tuple[float, float]:
        ids, rows = self._heads[doc]
        return self._topic_share(query, set(ids.tolist()), rows)

    def _best_topic(self, query: Query, fused: np.ndarray) -> float:
        """The largest topic share among the fused best TOPIC_DEPTH: whether some entry answers the question
        does not hang on the first place being right (the right entry is in the top three far more often)."""
        docs = _best(fused, TOPIC_DEPTH).tolist()
        return max((self._entry_topic(query, d)[1] for d in docs), default=coverage.NO_TOPIC)

    def _topic_share(self, query: Query, ids: set[int], rows: np.ndarray) -> tuple[float, float]:
        """The idf-weighted share of the question's topic nouns the entry has: the word itself (Sudachi's
        normalised form), a compound part or synonym group (earning that term's idf, no more), or a word
        of the entry close in meaning (credited linearly between the cosines of TOPIC_COSINE). A noun the
        knowledge base never uses weighs most, so 自動車保険 against an entry on 保険 shares little.
        Second, the same share with each noun's idf times its rarity in general Japanese (`_rarity`)."""
        if not query.topics:
            return coverage.NO_TOPIC, coverage.NO_TOPIC
        total = found = total_rare = found_rare = 0.0
        for norm, alts in query.topics:
            weight = self._idf_or_unknown(norm)
            rare = weight * self._rarity(norm, alts)
            total += weight
            total_rare += rare
            if self._words.id_of(norm) in ids:
                found += weight
                found_rare += rare
                continue
            credit = max((min(weight, self._words.idf(a)) / weight for a in alts if self._words.id_of(a) in ids),
                         default=0.0)
            row = self._vectors.row(norm)
            # The shipped table gives a rare word the row of its nearest kept word (医療保険 and がん保険
            # both read as 保険): a compound with its part's row has no meaning of its own to compare,
            # and a row shared with the entry's word says nothing about meeting.
            if row is not None and any(self._vectors.row(a) == row for a in alts if not a.startswith("#")):
                row = None
            others = rows[rows != row] if row is not None else rows
            if row is not None and len(others):
                cosine = float(self._vectors.similarities(np.array([row]), others).max())
                low, high = TOPIC_COSINE
                credit = max(credit, (cosine - low) / (high - low))
            found += weight * min(max(credit, 0.0), 1.0)
            found_rare += rare * min(max(credit, 0.0), 1.0)
        return (found / total if total else coverage.NO_TOPIC,
                found_rare / total_rare if total_rare else coverage.NO_TOPIC)

    def _rarity(self, norm: str, alts: tuple[str, ...]) -> float:
        """How rare a topic noun is in general Japanese (bot/vectors.py): お客様, 先生, 自分, 話 say little
        about what a chatty question asks, however seldom the knowledge base uses them. A compound (its
        parts among the alternatives: 医療保険, 事業承継税制) names something specific, and the vector table
        reads many with a part's row (医療保険 as 保険), so it counts fully; so does a word the table lacks."""
        if any(not a.startswith("#") for a in alts):
            return 1.0
        row = self._vectors.row(norm)
        return 1.0 if row is None else self._vectors.rarity(row)

    def _head(self, read: _Read) -> tuple[np.ndarray, np.ndarray]:
        """The entry's question, phrasings and tags: what it is about (a long body does not widen it)."""
        ids = np.sort(self._words.counted(read.head_terms)[0])
        return ids, np.unique(self._vectors.rows(read.head_norms))

    def _bigram_share(self, query: Query, ids: set[int]) -> float:
        weights = {g: self._bigrams.idf(g) if g in self._bigrams.postings else self._unknown_idf() for g in query.bigrams}
        total = sum(weights.values())
        return sum(w for g, w in weights.items() if self._bigrams.id_of(g) in ids) / total if total else 0.0

    def _unknown_idf(self, searched: Searched | None = None) -> float:
        return math.log(1 + ((self._words.live if searched is None else searched.size) + 0.5) / 0.5)


def _read_entry(entry: Entry, thesaurus: Thesaurus) -> _Read:
    word_list: list[str] = []
    gram_list: list[str] = []
    question_norms: list[str] = []
    norms: list[str] = []
    head_terms: list[str] = []
    head_norms: list[str] = []
    fields = {"question": " ".join((entry.question, *entry.phrasings)), "tags": " ".join(entry.tags), "body": entry.body}
    for name, weight in FIELD_WEIGHTS.items():
        folded = thesaurus.fold_synonyms(fields[name])
        read = word_terms(folded)
        word_list += [t for norm, alts in read for t in (norm, *alts)] * weight  # repeating weighs; Counter counts in C
        gram_list += thesaurus.bigrams(folded, folded=True) * weight
        norms += [norm for norm, _ in read]
        if name == "question":
            question_norms = norms[:]
        if name != "body":
            head_terms += [t for norm, alts in read for t in (norm, *alts)]
            head_norms = norms[:]
    return _Read(Counter(word_list), Counter(gram_list), tuple(question_norms), tuple(norms), Counter(head_terms),
                 tuple(head_norms))


def _store_batch(thesaurus: Thesaurus, entries: list[Entry]) -> tuple[list[str], list[str], list[tuple]]:
    """In the second process: the entries stored by an index of their own (folding by the parent's
    thesaurus), with its term lists."""
    index = SearchIndex(thesaurus=thesaurus)
    stored = [index._store(e) for e in entries]
    return index._words._terms, index._bigrams._terms, stored


def _fuse(signals: list[np.ndarray]) -> np.ndarray:
    fused = np.zeros(len(signals[0]))
    for scores in signals:
        ranked = _best(scores, CANDIDATES)
        fused[ranked] += 1.0 / (RRF_K + 1 + np.arange(len(ranked)))
    return fused


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest positive scores, best first (ties by index): a partition, not a sort."""
    if len(scores) > k:
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(len(scores))
    part = part[scores[part] > 0]
    return part[np.lexsort((part, -scores[part]))]


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    # einsum's own loop, not BLAS: OpenBLAS threads contending for a busy CPU made p99 ten times p50.
    return np.einsum("ij,j->i", matrix, vector)


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

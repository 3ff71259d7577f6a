"""Static word vectors (chiVe, via ja-ginza; see bot/data/README.md): meaning beyond shared words.

A text's vector is the SIF-weighted mean of its words' unit vectors, so お客様に怒られた
lands near クレームで落ち込む though they share no word. Lookups hash the word the way spaCy
does (MurmurHash64A, seed 1) and binary-search the sorted hash table; no spaCy at run time.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

TABLE = Path(__file__).with_name("data") / "word_vectors.npz"
SIF_A = 1e-3  # the SIF paper's constant, not tuned here
ROW_CACHE = 500_000  # words whose row is remembered (a few tens of MB at most)
_MASK = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995


class WordVectors:
    """The exported table: sorted word hashes, their rows, and the row vectors (unit length)."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray, vectors: np.ndarray) -> None:
        self._keys, self._rows = keys, rows
        vectors = vectors.astype(np.float32)
        self._vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        self.dimensions = vectors.shape[1]
        # Smooth inverse frequency per row (Arora et al. 2017, a = 1e-3): chiVe's rows run from the
        # most frequent word (の is row 0), so a row's rank gives its Zipf probability.
        ranks = np.arange(1, len(vectors) + 1)
        probability = 1.0 / (ranks * np.sum(1.0 / ranks))
        self._sif = (SIF_A / (SIF_A + probability)).astype(np.float32)
        # How much a word says about what a question is about, by the same Zipf probability: a/(a + p)
        # with a the probability at the table's last row, so a word at the edge of the everyday
        # vocabulary chiVe kept weighs half and the everyday words the table starts with (人, 自分, 話,
        # 先生, お金) next to nothing. Unlike SIF's a (which only quietens the few hundred commonest
        # words in a mean vector) it sets the scale by the table itself.
        edge = float(probability[-1])
        self._rarity = (edge / (edge + probability)).astype(np.float32)
        self._row_cache: dict[str, int | None] = {}

    @classmethod
    def load(cls, path: Path = TABLE) -> "WordVectors":
        with np.load(path) as data:
            return cls(data["keys"], data["rows"], data["vectors"])

    def row(self, word: str) -> int | None:
        """The table row of a word's vector (None for a word the table does not know)."""
        if word in self._row_cache:  # a knowledge base repeats its words: hash each once
            return self._row_cache[word]
        key = np.uint64(murmur64a(word.encode("utf-8")))
        i = int(np.searchsorted(self._keys, key))
        row = int(self._rows[i]) if i < len(self._keys) and self._keys[i] == key else None
        if len(self._row_cache) < ROW_CACHE:
            self._row_cache[word] = row
        return row

    def vector(self, word: str) -> np.ndarray | None:
        row = self.row(word)
        return None if row is None else self._vectors[row]

    def rarity(self, row: int) -> float:
        """0..1: how rare in general Japanese the word of this row is (half at the table's last row)."""
        return float(self._rarity[row])

    def similarities(self, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Cosines of the rows' vectors with the others': shape (len(rows), len(others))."""
        return np.einsum("ik,jk->ij", self._vectors[rows], self._vectors[others])

    def rows(self, words: Iterable[str]) -> np.ndarray:
        """The table rows of the words the table knows, in order (repeats kept)."""
        found = [self.row(w) for w in words]
        return np.array([r for r in found if r is not None], dtype=np.int32)

    def embed(self, rows: np.ndarray) -> np.ndarray:
        """Unit-length mean of these rows' vectors, everyday words weighing little (zeros for none)."""
        total = np.einsum("i,ij->j", self._sif[rows], self._vectors[rows]) if len(rows) else \
            np.zeros(self.dimensions, np.float32)  # einsum, not BLAS: see search._dot
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else total

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._rows.nbytes + self._vectors.nbytes


@lru_cache(maxsize=1)
def word_vectors() -> WordVectors:
    """The shipped table, loaded once per process."""
    return WordVectors.load()


def murmur64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, as spaCy hashes strings (its key2row is keyed by these)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    blocks = len(data) // 8
    for i in range(blocks):
        k = (int.from_bytes(data[i * 8:i * 8 + 8], "little") * _M) & _MASK
        k = ((k ^ (k >> 47)) * _M) & _MASK
        h = ((h ^ k) * _M) & _MASK
    tail = data[blocks * 8:]
    if tail:
        h = ((h ^ int.from_bytes(tail, "little")) * _M) & _MASK
    h = ((h ^ (h >> 47)) * _M) & _MASK
    return h ^ (h >> 47)

"""Static word vectors (chiVe, via ja-ginza; see bot/data/README.md): meaning beyond shared words.

A text's vector is the frequency-weighted mean of its words' unit vectors, so お客様に怒られた
lands near クレームで落ち込む though they share no word. Lookups hash the word the way spaCy
does (MurmurHash64A, seed 1) and binary-search the sorted hash table; no spaCy at run time.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

TABLE = Path(__file__).with_name("data") / "word_vectors.npz"
SIF_A = 1e-3
_MASK = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995


class WordVectors:
    """The exported table: sorted word hashes, their rows, and the row vectors (unit length)."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray, vectors: np.ndarray) -> None:
        self._keys, self._rows = keys, rows
        vectors = vectors.astype(np.float32)
        self._vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        self.dimensions = vectors.shape[1]
        self._harmonic = float(np.sum(1.0 / np.arange(1, len(vectors) + 1)))

    @classmethod
    def load(cls, path: Path = TABLE) -> "WordVectors":
        with np.load(path) as data:
            return cls(data["keys"], data["rows"], data["vectors"])

    def row(self, word: str) -> int | None:
        """The table row of a word's vector (None for a word the table does not know)."""
        key = np.uint64(murmur64a(word.encode("utf-8")))
        i = int(np.searchsorted(self._keys, key))
        return int(self._rows[i]) if i < len(self._keys) and self._keys[i] == key else None

    def vector(self, word: str) -> np.ndarray | None:
        row = self.row(word)
        return None if row is None else self._vectors[row]

    def sif_weight(self, word: str) -> float:
        """Smooth inverse frequency (Arora et al. 2017, a = 1e-3): everyday words weigh little in a
        text's vector. chiVe's rows run from the most frequent word (の is row 0), so a row's rank
        gives its Zipf probability; a word the table does not know is taken as rare."""
        row = self.row(word)
        if row is None:
            return 1.0
        probability = 1.0 / ((row + 1) * self._harmonic)
        return SIF_A / (SIF_A + probability)

    def similarities(self, rows: list[int]) -> np.ndarray:
        """Cosine of each given row's vector with every row of the table: shape (table rows, len(rows))."""
        return self._vectors @ self._vectors[rows].T

    def embed(self, words: Iterable[str]) -> np.ndarray:
        """Unit-length SIF-weighted mean of the words' vectors (zeros when none is known)."""
        total = np.zeros(self.dimensions, dtype=np.float32)
        for word in words:
            v = self.vector(word)
            if v is not None:
                total += self.sif_weight(word) * v
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

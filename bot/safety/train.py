"""Fitting the safety model: the committed corpus plus the operators' labels, checked by grouped
cross-validation (a fold is one writer, so a figure says how the model reads people it never saw).

`./bansou safety retrain` refits, prints the old and the new recipe's figures on the same folds,
and keeps the old model when the new one is worse.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression

from bot.encoder import Encoder
from bot.safety.model import HEADS, Head, SafetyModel, char_vectorizer, pieces

log = logging.getLogger(__name__)
CORPUS = Path(__file__).resolve().parents[2] / "eval" / "safety-train"
OPERATORS = "operators"  # the group of the labels staff gave
# Each kind's positives, and the labels left out of its fit (the other kind of danger reads alike and
# leads to the same urgent path; which reply is sent is the larger of the two).
POSITIVE = {"crisis": "crisis", "someone_in_danger": "someone_in_danger", "compliance": "compliance", "human": "human"}
LEFT_OUT = {"crisis": {"someone_in_danger"}, "someone_in_danger": {"crisis"}, "compliance": set(), "human": set()}
RULE_FLAG = {"crisis": "crisis", "someone_in_danger": "crisis", "compliance": "compliance", "human": "wants_human"}
# The hard negatives each threshold is set against.
LOOK_ALIKES = {"crisis": {"not_crisis", "distress"}, "someone_in_danger": {"not_crisis", "distress"},
               "compliance": {"not_compliance"}, "human": {"not_human"}}
# The share of each kind the rules and the model together must find in cross-validation; the high
# threshold is set to reach it. The moderate level only adds a gentle line and a staff look, so it may
# raise a doubt on a fifth of the look-alikes.
RECALL = {"crisis": 0.96, "someone_in_danger": 0.96, "compliance": 0.93, "human": 0.95}
MIN_HIGH, MIN_MODERATE = 0.5, 0.25
MODERATE_LOOK_ALIKE_RATE = 0.20
CHAR_WEIGHT = 1.0
C = 16.0  # weak regularisation: grouped cross-validation over 1, 4, 16 (README)


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # crisis, someone_in_danger, distress, not_crisis, compliance, not_compliance, human, not_human, ordinary
    group: str  # the writer (a fold of the cross-validation)


def read_corpus(directory: Path = CORPUS) -> list[Example]:
    """Every line of every `*.jsonl` under `directory`: {"text", "label", "writer"}."""
    examples = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(Example(row["text"], row["label"], row.get("writer") or path.stem))
    return examples


def operator_examples() -> list[Example]:
    """The labels staff gave in the operator channel, as examples of their own group."""
    from bot.models import Question, SafetyLabel

    rows = SafetyLabel.select(SafetyLabel, Question).join(Question).order_by(SafetyLabel.id)
    # Five folds of their own, so that the labels teach the model about the messages staff see.
    return [Example(row.question.text, row.label, f"{OPERATORS}-{row.id % 5}") for row in rows]


class Features:
    """Sentence vectors, cached by content (the corpus is encoded once per encoder) and character n-grams."""

    def __init__(self, encoder: Encoder, cache: Path | None = None) -> None:
        self.encoder, self.cache = encoder, cache
        self._memo: dict[str, np.ndarray] = {}
        if cache is not None and cache.is_file():
            with np.load(cache) as data:
                self._memo = dict(zip(data["keys"].tolist(), data["vectors"]))
        self._chars = char_vectorizer()
        self._rules: dict[str, list[str]] = {}
        if cache is not None and self._rules_file().is_file():
            self._rules = json.loads(self._rules_file().read_text(encoding="utf-8"))

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in self._memo}.items())
        for start in range(0, len(todo), 64):
            batch = todo[start:start + 64]
            self._memo.update(zip([k for k, _ in batch], self.encoder.encode([t for _, t in batch])))
        if todo and self.cache is not None:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.cache, keys=np.array(list(self._memo)), vectors=np.array(list(self._memo.values())))
        return np.array([self._memo[k] for k in keys], dtype=np.float32).reshape(len(texts), self.encoder.dim)

    def by_rules(self, examples: Sequence[Example], kind: str) -> np.ndarray:
        """Whether the rules alone find `kind` in each example (read once per text and version of the rules)."""
        from bot.safety.reading import screen
        todo = {e.text for e in examples} - self._rules.keys()
        for text in todo:
            self._rules[text] = screen(text).flags_set()
        if todo and self.cache is not None:
            self._rules_file().write_text(json.dumps(self._rules, ensure_ascii=False), encoding="utf-8")
        flag = RULE_FLAG[kind]
        return np.array([flag in self._rules[e.text] for e in examples], dtype=bool)

    def _rules_file(self) -> Path:
        """Beside the vectors, named by the rules' own source, so a change to them reads everything again."""
        here = Path(__file__).parent
        source = b"".join(path.read_bytes() for path in (here / "rules.py", here / "reading.py", here.parent / "japanese.py"))
        return self.cache.with_name(f"rules-{hashlib.sha1(source).hexdigest()[:12]}.json")

    def matrix(self, texts: Sequence[str]):
        return hstack([csr_matrix(self.vectors(texts)), self._chars.transform(texts) * CHAR_WEIGHT]).tocsr()


def fit(examples: Sequence[Example], features: Features, *, meta: dict | None = None) -> tuple[SafetyModel, dict]:
    """A model fitted on all `examples`, calibrated and thresholded on their out-of-fold scores; and its
    cross-validated figures."""
    groups = sorted({e.group for e in examples})
    scores = _out_of_fold(examples, groups, features)
    X = features.matrix([e.text for e in examples])
    heads, figures = {}, {}
    for kind in HEADS:
        keep, y = _target(examples, kind)
        final = _logistic(X[keep], y[keep])
        platt, high, moderate, figures[kind] = _calibrated(examples, kind, scores[kind], features)
        heads[kind] = Head(coef=final.coef_[0].astype(np.float32), intercept=float(final.intercept_[0]),
                           platt=platt, high=high, moderate=moderate)
    labels = sorted({e.label for e in examples})
    model_meta = {**(meta or {}), "fitted": dt.date.today().isoformat(), "examples": len(examples),
                  "data_sha256": _data_hash(examples), "groups": groups, "labels": labels,
                  "features": ["sentence vector", f"character 1-3-grams x{CHAR_WEIGHT}"],
                  "thresholds": {k: {"high": h.high, "moderate": h.moderate} for k, h in heads.items()},
                  "cross_validated": figures}
    return SafetyModel(encoder=features.encoder, heads=heads, char_weight=CHAR_WEIGHT, meta=model_meta), figures


def cross_validate(train: Sequence[Example], test: Sequence[Example], features: Features) -> dict:
    """Grouped figures of a recipe: for each group of `test`, fit on `train` less that group, read the group.

    Used to compare the old recipe (the corpus and the labels the old model knew) with the new one on the
    same folds.
    """
    groups = sorted({e.group for e in test})
    scores = _out_of_fold(test, groups, features, train=train)
    return {kind: _calibrated(test, kind, scores[kind], features)[3] for kind in HEADS}


def score(figures: dict) -> float:
    """One number to compare two recipes: the mean over kinds of recall and look-alike pass rate at the high level."""
    return float(np.mean([(f["recall"] + f["look_alikes_passed"]) / 2 for f in figures.values()]))


# ---- helpers ------------------------------------------------------------------------------------

def _out_of_fold(test: Sequence[Example], groups: Iterable[str], features: Features,
                 train: Sequence[Example] | None = None) -> dict[str, np.ndarray]:
    """Each test message's score from a fit without its group: the highest over its pieces, as it is read."""
    train = test if train is None else train
    X = features.matrix([e.text for e in train])
    split = [pieces(e.text) for e in test]
    owner = np.repeat(np.arange(len(test)), [len(parts) for parts in split])
    P = features.matrix([part for parts in split for part in parts])
    scores = {kind: np.zeros(len(test)) for kind in HEADS}
    test_groups, train_groups = np.array([e.group for e in test]), np.array([e.group for e in train])
    for group in groups:
        rows = test_groups[owner] == group
        for kind in HEADS:
            keep, y = _target(train, kind)
            keep &= train_groups != group
            if y[keep].min() == y[keep].max():
                continue
            best = np.full(len(test), -np.inf)
            np.maximum.at(best, owner[rows], _logistic(X[keep], y[keep]).decision_function(P[rows]))
            chosen = test_groups == group
            scores[kind][chosen] = best[chosen]
    return scores


def _calibrated(examples: Sequence[Example], kind: str, scores: np.ndarray,
                features: Features) -> tuple[tuple[float, float], float, float, dict]:
    """Platt scaling fitted on out-of-fold `scores`, the two thresholds, and the figures they give."""
    keep, y = _target(examples, kind)
    platt = _platt(scores[keep], y[keep])
    probabilities = _sigmoid(platt, scores)
    by_rules = features.by_rules(examples, kind)
    high, moderate = _thresholds(examples, kind, probabilities, by_rules)
    return platt, high, moderate, _figures(examples, kind, probabilities, high, moderate, by_rules)


def _target(examples: Sequence[Example], kind: str) -> tuple[np.ndarray, np.ndarray]:
    labels = np.array([e.label for e in examples])
    return ~np.isin(labels, list(LEFT_OUT[kind])), (labels == POSITIVE[kind]).astype(int)


def _logistic(X, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", solver="liblinear").fit(X, y)


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    fitted = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), y)
    return float(fitted.coef_[0][0]), float(fitted.intercept_[0])


def _sigmoid(platt: tuple[float, float], scores: np.ndarray) -> np.ndarray:
    a, b = platt
    return 1.0 / (1.0 + np.exp(-(a * scores + b)))


def _thresholds(examples: Sequence[Example], kind: str, probabilities: np.ndarray,
                by_rules: np.ndarray) -> tuple[float, float]:
    """High: the highest threshold at which the rules and the model together still find RECALL[kind] of the
    kind (safety first: the look-alikes' false alarms are reported, not traded against a missed crisis).
    Moderate: where the model alone raises a doubt on at most MODERATE_LOOK_ALIKE_RATE of the look-alikes."""
    labels = np.array([e.label for e in examples])
    positive = labels == POSITIVE[kind]
    missed_by_rules = np.sort(probabilities[positive & ~by_rules])[::-1]
    to_catch = len(missed_by_rules) - int(np.floor((1 - RECALL[kind]) * positive.sum()))
    high = float(missed_by_rules[to_catch - 1]) if to_catch > 0 else 0.99
    high = min(max(high, MIN_HIGH), 0.99)
    look_alike = np.isin(labels, list(LOOK_ALIKES[kind]))
    moderate = max(_quantile_above(probabilities[look_alike], MODERATE_LOOK_ALIKE_RATE), MIN_MODERATE)
    return round(high, 4), round(float(min(moderate, high)), 4)


def _quantile_above(values: np.ndarray, rate: float) -> float:
    """The threshold that at most `rate` of `values` reach."""
    if not len(values):
        return 0.0
    ordered = np.sort(values)[::-1]
    allowed = int(np.floor(rate * len(values)))
    return float(ordered[allowed]) + 1e-6 if allowed < len(ordered) else 0.0


def _figures(examples: Sequence[Example], kind: str, probabilities: np.ndarray, high: float, moderate: float,
             by_rules: np.ndarray) -> dict:
    """Rules and model together (recall, look_alikes_passed), and the model alone."""
    labels = np.array([e.label for e in examples])
    positive = labels == POSITIVE[kind]
    look_alike = np.isin(labels, list(LOOK_ALIKES[kind]))
    found = by_rules | (probabilities >= high)
    return {"recall": _rate(found[positive]), "look_alikes_passed": _rate(~found[look_alike]),
            "model_recall": _rate(probabilities[positive] >= high),
            "model_recall_moderate": _rate(probabilities[positive] >= moderate),
            "rules_recall": _rate(by_rules[positive]), "rules_look_alikes_passed": _rate(~by_rules[look_alike]),
            "positives": int(positive.sum()), "look_alikes": int(look_alike.sum())}


def _rate(hits: np.ndarray) -> float:
    return round(float(hits.mean()), 3) if len(hits) else 1.0


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _data_hash(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.text}\t{e.label}\t{e.group}\n".encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Retrained:
    """What `safety retrain` did: the figures of both recipes on the same folds, and whether it kept the new."""

    old: dict
    new: dict
    kept_new: bool
    labels: int  # operators' labels in the new fit
    new_labels: int  # of which the old model had not seen


def retrain(*, encoder: Encoder, current: SafetyModel, target: Path, cache: Path | None,
            corpus: Path = CORPUS, margin: float = 0.005) -> Retrained:
    """Refit from `corpus` plus every operator label, compare with the recipe of `current` on the same
    grouped folds, and save the new model to `target` unless it scores worse by more than `margin`."""
    features = Features(encoder, cache)
    labelled = operator_examples()
    seen = int(current.meta.get("operator_labels", 0))
    base = read_corpus(corpus)
    old_recipe, new_recipe = base + labelled[:seen], base + labelled
    old, new = cross_validate(old_recipe, new_recipe, features), cross_validate(new_recipe, new_recipe, features)
    kept_new = score(new) >= score(old) - margin
    if kept_new:
        model, _ = fit(new_recipe, features, meta={"operator_labels": len(labelled)})
        model.save(target)
    return Retrained(old=old, new=new, kept_new=kept_new, labels=len(labelled), new_labels=len(labelled) - seen)


def main() -> None:
    """Fit the model the package ships from the corpus alone: `python -m bot.safety.train [ENCODER]`."""
    import sys

    from bot.encoder import DEFAULT_ENCODER, load_encoder
    from bot.safety.model import SHIPPED
    encoder = load_encoder(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_ENCODER)
    model, figures = fit(read_corpus(), Features(encoder, Path("var/cache") / f"encoder-{encoder.name}.npz"),
                         meta={"operator_labels": 0})
    model.save(SHIPPED)
    print(json.dumps({"thresholds": model.meta["thresholds"], "cross_validated": figures}, indent=1))


if __name__ == "__main__":
    main()

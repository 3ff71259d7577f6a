"""Golden-set evaluation of knowledge search: recall@1, recall@3, coverage accuracy and ROC AUC."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bot import coverage
from bot.knowledge import Thesaurus, load_dir
from bot.search import SearchIndex


class EvalError(ValueError):
    """The question file is malformed; the message names the line."""


@dataclass(frozen=True)
class EvalResult:
    question: str
    pattern: int | None
    expected: list[str]
    retrieved: list[str]
    covered: bool
    coverage: float  # the coverage model's P(some entry answers it)
    offline: str = ""  # end to end, offline: right, wrong, staff or friendly (bot/evaluation_offline.py)


def run_eval(questions_file: Path, knowledge_dir: Path) -> tuple[list[EvalResult], dict]:
    """Search every question of the file against the knowledge base; return results and summary."""
    items, index = _read(questions_file), _index(knowledge_dir)
    _check_expected(items, index, questions_file, knowledge_dir)
    results = []
    for item in items:
        hits = index.search(item["question"], item.get("pattern"), top=5)
        results.append(EvalResult(item["question"], item.get("pattern"), list(item.get("expected") or []),
                                  [h.entry.id for h in hits], bool(hits) and hits[0].covers,
                                  hits[0].coverage if hits else 0.0))
    summary = summarize(results)
    summary.update(_cross_validation(items, knowledge_dir))
    return results, summary


def _check_expected(items: list[dict], index: SearchIndex, questions_file: Path, knowledge_dir: Path) -> None:
    # An expected id the base lacks would count as a miss of search: it is a mismatched file or base.
    missing = sorted({i for item in items for i in item.get("expected") or [] if index.get(i) is None})
    if missing:
        shown = ", ".join(missing[:5]) + (f" ほか{len(missing) - 5}件" if len(missing) > 5 else "")
        raise EvalError(f"{questions_file} の正解 ID がナレッジ（{knowledge_dir}）にありません: {shown}"
                        "（KNOWLEDGE_DIR で評価用のナレッジを指定してください）")


def summarize(results: list[EvalResult]) -> dict:
    answerable = [r for r in results if r.expected]
    def recall(k: int) -> float:
        found = sum(1 for r in answerable if set(r.retrieved[:k]) & set(r.expected))
        return round(found / len(answerable), 4) if answerable else 0.0
    right = sum(1 for r in results if r.covered == bool(r.expected))
    auc = coverage.roc_auc(np.array([r.coverage for r in results]), np.array([bool(r.expected) for r in results]))
    return {"questions": len(results), "answerable": len(answerable), "recall_at_1": recall(1),
            "recall_at_3": recall(3), "coverage_accuracy": round(right / len(results), 4) if results else 0.0,
            "coverage_auc": round(auc, 4)}


def labelled_features(questions_file: Path, knowledge_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each question's coverage evidence, whether some entry answers it, and whether the top hit does."""
    return _labelled(_read(questions_file), _index(knowledge_dir))


def training_set(questions_files: list[Path], knowledge_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], int]:
    """The coverage models' training set: the questions of every file as they are, then each covered
    question asked again with the entries that answer it taken out (an in-domain question no entry covers,
    whose top hit shares the domain's generic words but not its topic).
    Returns features, covered, top, cross-validation groups and how many rows are the real questions."""
    items = [item for path in questions_files for item in _read(path)]
    x, covered, top = _labelled(items, _index(knowledge_dir))
    x2, grouped = _without_their_entries(items, _index(knowledge_dir))
    n = len(items)
    return (np.vstack([x, x2]) if len(x2) else x, np.concatenate([covered, np.zeros(len(x2))]),
            np.concatenate([top, np.zeros(len(x2))]), groups(items) + grouped, n)


def _without_their_entries(items: list[dict], index: SearchIndex) -> tuple[np.ndarray, list[str]]:
    rows, grouped = [], []
    by_group: dict[str, list[dict]] = {}
    for item, group in zip(items, groups(items)):
        if item.get("expected"):
            by_group.setdefault(group, []).append(item)
    for group, members in by_group.items():
        removed = [index.get(i) for i in members[0]["expected"]]
        for entry in removed:
            if entry is not None:
                index.remove(entry.id)
        for item in members:
            features = index.features(item["question"], item.get("pattern"))
            if features is not None:
                rows.append(features.vector())
                grouped.append(group)
        for entry in removed:
            if entry is not None:
                index.upsert(entry)
    return np.array(rows), grouped


def as_json(results: list[EvalResult], summary: dict) -> str:
    rows = [{k: v for k, v in asdict(r).items() if k != "pattern"} for r in results]
    return json.dumps({"results": rows, "summary": summary}, ensure_ascii=False, indent=2)


def _index(knowledge_dir: Path) -> SearchIndex:
    entries, errors = load_dir(knowledge_dir)
    if errors:
        raise EvalError(str(errors[0]))
    return SearchIndex.build(entries, thesaurus=Thesaurus.for_dir(knowledge_dir))  # the bot's folding for this dir


def _labelled(items: list[dict], index: SearchIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, covered, top = [], [], []
    for item in items:
        found = index.best_evidence(item["question"], item.get("pattern"))
        expected = set(item.get("expected") or [])
        rows.append(found[1].vector() if found else np.zeros(len(coverage.FEATURE_NAMES)))
        covered.append(bool(expected))
        top.append(found is not None and found[0].id in expected)
    return np.array(rows), np.array(covered, dtype=float), np.array(top, dtype=float)


def _cross_validation(items: list[dict], knowledge_dir: Path) -> dict:
    # The shipped model was fitted on this set: out-of-fold figures show how far it generalises. Each
    # fold's model is fitted as the shipped one is (with the near misses made by taking entries out),
    # without any question of the fold's entries, and scored on the fold's real questions.
    x, covered, _ = _labelled(items, _index(knowledge_dir))
    if len(set(covered.tolist())) < 2 or len(covered) < 10:
        return {}
    x2, grouped = _without_their_entries(items, _index(knowledge_dir))
    near_misses: list[float] = []
    p = coverage.cross_validated(coverage.for_covered(x), covered, groups(items),
                                 extra=(coverage.for_covered(x2), np.zeros(len(x2)), grouped),
                                 extra_out=near_misses)
    return {"cv_coverage_accuracy": round(float(((p >= coverage.COVERS_AT) == (covered == 1)).mean()), 4),
            "cv_coverage_auc": round(coverage.roc_auc(p, covered), 4),
            "cv_near_misses_rejected": round(float((np.array(near_misses) < coverage.COVERS_AT).mean()), 4)
            if near_misses else None}


def groups(items: list[dict]) -> list[str]:
    """Cross-validation groups: the paraphrases of one entry together; an uncovered question alone."""
    return [",".join(sorted(item.get("expected") or [])) or f"none:{item['question']}" for item in items]


def read_questions(path: Path) -> list[dict]:
    """The questions of a search golden set (EvalError naming a bad line)."""
    return _read(path)


def _read(path: Path) -> list[dict]:
    return read_lines(path, valid=lambda item: True, error=EvalError,
                      shape='{"question": str, "pattern": int, "expected": [ids]}')


def read_lines(path: Path, *, valid: Callable[[dict], bool], shape: str, error: type[ValueError]) -> list[dict]:
    """The JSON lines of an evaluation file; a bad line raises `error` naming the line and the shape."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or not valid(item):
            raise error(f"{path}:{number}: each line needs {shape}")
        items.append(item)
    return items

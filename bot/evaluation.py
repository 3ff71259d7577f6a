"""Golden-set evaluation of knowledge search: recall@1, recall@3 and coverage accuracy."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.knowledge import SearchIndex, load_dir, use_thesaurus


class EvalError(ValueError):
    """The question file is malformed; the message names the line."""


@dataclass(frozen=True)
class EvalResult:
    question: str
    pattern: int | None
    expected: list[str]
    retrieved: list[str]
    covered: bool


def run_eval(questions_file: Path, knowledge_dir: Path) -> tuple[list[EvalResult], dict]:
    """Search every question of the file against the knowledge base; return results and summary."""
    use_thesaurus(knowledge_dir)
    entries, errors = load_dir(knowledge_dir)
    if errors:
        raise EvalError(str(errors[0]))
    index = SearchIndex.build(entries)
    results = []
    for item in _read(questions_file):
        hits = index.search(item["question"], item.get("pattern"), top=5)
        results.append(EvalResult(item["question"], item.get("pattern"), list(item.get("expected") or []),
                                  [h.entry.id for h in hits], bool(hits) and hits[0].covers))
    return results, summarize(results)


def summarize(results: list[EvalResult]) -> dict:
    answerable = [r for r in results if r.expected]
    def recall(k: int) -> float:
        found = sum(1 for r in answerable if set(r.retrieved[:k]) & set(r.expected))
        return round(found / len(answerable), 4) if answerable else 0.0
    right = sum(1 for r in results if r.covered == bool(r.expected))
    return {"questions": len(results), "answerable": len(answerable), "recall_at_1": recall(1),
            "recall_at_3": recall(3), "coverage_accuracy": round(right / len(results), 4) if results else 0.0}


def as_json(results: list[EvalResult], summary: dict) -> str:
    rows = [{k: v for k, v in asdict(r).items() if k != "pattern"} for r in results]
    return json.dumps({"results": rows, "summary": summary}, ensure_ascii=False, indent=2)


def _read(path: Path) -> list[dict]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise EvalError(f"{path}:{number}: each line needs {{\"question\": str, \"pattern\": int, \"expected\": [ids]}}")
        items.append(item)
    return items

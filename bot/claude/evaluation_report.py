"""The figures of a model evaluation, side by side for two models, and its dated Markdown + JSON report."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

from bot.claude.evaluation import ModelResult
from bot.safety.evaluation import EXPECTATIONS

READINGS = {"crisis": "crisis", "compliance": "compliance", "human": "wants_human"}


def summarize(results: list[ModelResult]) -> dict:
    """Per kind: right / total (safety), or citations, coverage, outcome and calibration (search); the cost."""
    sent = [r for r in results if r.sent]
    summary: dict = {"questions": len(results), "sent_to_model": len(sent),
                     "no_answer": sum(r.failure is not None for r in sent),
                     "escalated": sum(r.escalated for r in results),
                     "cost_usd": round(sum(r.cost_usd for r in results), 6)}
    if results and results[0].expect is not None:
        summary["kinds"] = _safety_kinds(results)
    else:
        summary.update(_search_figures(results))
    right = sum(r.right for r in results)
    summary["right"] = {"right": right, "total": len(results), "rate": _rate(right, len(results))}
    return summary


def differences(a: list[ModelResult], b: list[ModelResult]) -> list[dict]:
    """The questions the two models handled differently (right/wrong, answered/escalated, cited)."""
    found = []
    for x, y in zip(a, b):
        if (x.right, x.escalation_reason, x.cited) != (y.right, y.escalation_reason, y.cited):
            found.append({"question": x.question, "a": _outcome(x), "b": _outcome(y)})
    return found


def as_text(models: list[str], summaries: dict[str, dict]) -> str:
    """The console's figures: one column per model."""
    rows = [("問題数", lambda s: str(s["questions"])), ("モデルに送った数", lambda s: str(s["sent_to_model"])),
            ("正しく扱えた", lambda s: _fraction(s["right"])), ("エスカレーション", lambda s: str(s["escalated"])),
            ("回答なし（拒否・エラー）", lambda s: str(s["no_answer"])),
            ("費用（バッチ料金）", lambda s: f"${s['cost_usd']:.4f}")]
    first = summaries[models[0]]
    if "kinds" in first:
        for kind in first["kinds"]:
            rows.append((kind, lambda s, k=kind: _fraction(s["kinds"][k]) + _readings(s["kinds"][k])))
    else:
        rows += [("正解ナレッジを引用", lambda s: _fraction(s["cited_right"])),
                 ("該当あり/なしの判断", lambda s: _fraction(s["coverage_right"])),
                 ("確信度の Brier スコア", lambda s: _num(s["brier"])),
                 ("確信度（正しく引用 / それ以外）", lambda s: f"{_num(s['confidence_right'])} / {_num(s['confidence_wrong'])}")]
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{'':<{width}}" + "  ".join(f"{m:<28}" for m in models)]
    lines += [f"{label:<{width}}" + "  ".join(f"{fn(summaries[m]):<28}" for m in models) for label, fn in rows]
    return "\n".join(lines)


def write_report(folder: Path, source: Path, models: list[str], results: dict[str, list[ModelResult]],
                 summaries: dict[str, dict], now: dt.datetime, judged: dict[str, dict] | None = None) -> Path:
    """`eval-<date>-<file>-<models>.md` and `.json` in `folder`; returns the Markdown's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{now:%Y-%m-%d-%H%M}-{source.stem}-{'-vs-'.join(models)}"
    diffs = differences(results[models[0]], results[models[1]]) if len(models) == 2 else []
    data = {"file": str(source), "date": now.isoformat(), "models": models, "summary": summaries,
            "judge": judged or {}, "differences": diffs,
            "results": {m: [asdict(r) | {"right": r.right} for r in rs] for m, rs in results.items()}}
    (folder / f"{stem}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    md = [f"# モデル評価 {source.name}（{now:%Y年%m月%d日 %H:%M}）", "",
          f"本番と同じ経路（プロンプト・ナレッジ・安全判定・エスカレーション判断）で、Message Batch で評価しました。",
          "", "```", as_text(models, summaries), "```", ""]
    for model, verdict in (judged or {}).items():
        md += [f"## 採点（{model}）", "", f"根拠との一致: {verdict['support']} / 口調: {verdict['tone']}", ""]
    if diffs:
        md += ["## 2つのモデルで扱いが違った質問", "", f"| 質問 | {models[0]} | {models[1]} |", "|---|---|---|"]
        md += [f"| {d['question'][:60]} | {d['a']} | {d['b']} |" for d in diffs]
    path = folder / f"{stem}.md"
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return path


def _search_figures(results: list[ModelResult]) -> dict:
    sent = [r for r in results if r.sent and r.confidence is not None]
    answerable = [r for r in sent if r.expected]
    cited = sum(bool(set(r.cited) & set(r.expected or [])) for r in answerable)
    coverage = sum(bool(r.cited) == bool(r.expected) for r in sent)
    # Calibration: the confidence against "this answer is right to send" (an expected entry cited); for a
    # question nothing covers, the right confidence is low.
    good = {id(r): bool(r.expected) and r.right for r in sent}
    right = [r.confidence for r in sent if good[id(r)]]
    wrong = [r.confidence for r in sent if not good[id(r)]]
    brier = sum((r.confidence - good[id(r)]) ** 2 for r in sent) / len(sent) if sent else None
    return {"cited_right": {"right": cited, "total": len(answerable), "rate": _rate(cited, len(answerable))},
            "coverage_right": {"right": coverage, "total": len(sent), "rate": _rate(coverage, len(sent))},
            "answered": sum(not r.escalated for r in results), "brier": _round(brier),
            "confidence_right": _round(sum(right) / len(right) if right else None),
            "confidence_wrong": _round(sum(wrong) / len(wrong) if wrong else None)}


def _safety_kinds(results: list[ModelResult]) -> dict:
    kinds = {}
    for kind in EXPECTATIONS:
        of_kind = [r for r in results if r.expect == kind]
        if not of_kind:
            continue
        reading = READINGS[kind.removeprefix("not_")]
        right = sum(r.right for r in of_kind)
        kinds[kind] = {"right": right, "total": len(of_kind), "rate": _rate(right, len(of_kind)),
                       "rules_flagged": sum(r.rules.get(reading, False) for r in of_kind),
                       "model_flagged": sum(bool(r.model and r.model.get(reading)) for r in of_kind),
                       "model_read": sum(r.model is not None for r in of_kind)}
    return kinds


def _outcome(r: ModelResult) -> str:
    what = f"{r.escalation_reason}" if r.escalated else "回答"
    cited = f"（{','.join(r.cited)}）" if r.cited else ""
    return f"{'○' if r.right else '×'} {what}{cited}" + (f" [{r.failure[:30]}]" if r.failure else "")


def _readings(kind: dict) -> str:
    return f"（コードの判定 {kind['rules_flagged']}・モデル {kind['model_flagged']}/{kind['model_read']}）"


def _fraction(part: dict) -> str:
    rate = "—" if part["rate"] is None else f"{part['rate'] * 100:.1f}%"
    return f"{part['right']}/{part['total']} {rate}"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"

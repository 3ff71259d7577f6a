"""`eval --judge`: a second call grades each answer against the knowledge it cites (structured output, a batch)."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from bot.claude.batch import run_batch
from bot.knowledge import Entry
from bot.claude.evaluation import ModelResult

SUPPORT = ("supported", "partly", "unsupported")
TONE = ("appropriate", "too_casual", "too_stiff", "inappropriate")
GRADE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"support": {"type": "string", "enum": list(SUPPORT)},
                   "tone": {"type": "string", "enum": list(TONE)},
                   "reason": {"type": "string"}},
    "required": ["support", "tone", "reason"],
    "additionalProperties": False,
}
JUDGE_PROMPT = ("あなたは生命保険の研修機関の品質管理者です。AI の回答が、引用されたナレッジに裏付けられているかを採点します。"
                "support: ナレッジだけで回答の内容がすべて裏付けられるなら supported、一部なら partly、"
                "裏付けがない・食い違うなら unsupported。tone: 研修生・会員への回答として適切か。reason は日本語で1文。")


def judge(client: Any, results: dict[str, list[ModelResult]], entries: dict[str, Entry], *, model: str,
          effort: str, poll_seconds: float, out: Any) -> dict[str, dict]:
    """Per evaluated model: the count of each support and tone grade, and each graded question."""
    requests = {}
    for k, (name, rows) in enumerate(results.items()):
        for n, r in enumerate(rows, 1):
            if r.sent and not r.escalated and r.cited:
                requests[f"m{k}-q{n}"] = _request(r, [entries[i] for i in r.cited if i in entries], model, effort)
    graded = run_batch(client, requests, what="採点: ", poll_seconds=poll_seconds, out=out)
    verdicts = {}
    for k, (name, rows) in enumerate(results.items()):
        grades = [(rows[int(cid.split("-q")[1]) - 1].question, _grade(m)) for cid, m in graded.items()
                  if cid.startswith(f"m{k}-")]
        grades = [(q, g) for q, g in grades if g is not None]
        verdicts[name] = {"support": dict(Counter(g["support"] for _, g in grades)),
                          "tone": dict(Counter(g["tone"] for _, g in grades)),
                          "graded": [{"question": q, **g} for q, g in grades]}
    return verdicts


def _request(result: ModelResult, cited: list[Entry], model: str, effort: str) -> dict[str, Any]:
    knowledge = "\n\n".join(f"[{e.id}] Q: {e.question}\nA: {e.body}" for e in cited)
    content = f"# 引用されたナレッジ\n\n{knowledge}\n\n# 質問\n\n{result.question}\n\n# AI の回答\n\n{result.text}"
    return {"model": model, "max_tokens": 4000, "system": JUDGE_PROMPT,
            "messages": [{"role": "user", "content": content}],
            "output_config": {"effort": effort, "format": {"type": "json_schema", "schema": GRADE_SCHEMA}}}


def _grade(message: Any) -> dict | None:
    if isinstance(message, str) or message.stop_reason != "end_turn":
        return None
    try:
        data = json.loads("".join(b.text for b in message.content if getattr(b, "type", "") == "text"))
    except ValueError:
        return None
    return data if data.get("support") in SUPPORT and data.get("tone") in TONE else None

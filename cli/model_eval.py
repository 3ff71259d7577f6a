"""`./bansou eval FILE --model [M] [--compare M2] [--judge]`: a golden set through the real model."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from bot.config import Settings
from cli.parser import UsageError

REPORT_DIR = Path("var/eval")


def run_model_eval(args, settings: Settings, source: str, build, *, poll_seconds: float | None = None) -> int:
    """Evaluate, print per-kind figures and each model's cost, and save the dated report."""
    if not settings.anthropic_api_key:
        raise UsageError("eval --model には ANTHROPIC_API_KEY の設定が必要です（実際のモデルで評価します）")
    import anthropic

    from bot.claude.batch import POLL_SECONDS, BatchFailed
    from bot.claude.evaluation import ModelEvalError, run_models
    from bot.claude.evaluation_report import as_text, summarize, write_report
    models = [args.model or settings.claude_model] + ([args.compare] if args.compare else [])
    client = anthropic.Anthropic(api_key=settings.anthropic_api_key)
    poll = POLL_SECONDS if poll_seconds is None else poll_seconds
    try:
        results = run_models(args.file, settings, models, build=build, client=client, poll_seconds=poll)
        judged = _judge(client, results, settings, poll) if args.judge else None
    except ModelEvalError as exc:
        raise UsageError(str(exc)) from None
    except BatchFailed as exc:
        print(f"評価できませんでした: {exc}", file=sys.stderr)
        return 1
    summaries = {m: summarize(rs) for m, rs in results.items()}
    path = write_report(REPORT_DIR, args.file, models, results, summaries, dt.datetime.now().astimezone(), judged)
    if args.json:
        print(json.dumps({"models": models, "summary": summaries, "judge": judged or {}}, ensure_ascii=False,
                         indent=2))
    else:
        print(as_text(models, summaries))
        print(f"{source}\nレポート: {path}（同じ名前の .json に質問ごとの結果）")
    return 0


def _judge(client, results, settings: Settings, poll: float) -> dict:
    from bot.knowledge import load_dir
    from bot.claude.judge import judge
    entries, _ = load_dir(settings.knowledge_dir)
    return judge(client, results, {e.id: e for e in entries}, model=settings.claude_model,
                 effort=settings.claude_effort, poll_seconds=poll, out=sys.stderr)

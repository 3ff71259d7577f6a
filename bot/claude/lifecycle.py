"""Whether the configured models will keep answering: the Models API's lifecycle, retirement date, effort
support, and whether our price table knows them (`doctor`)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import anthropic

from bot.claude.prices import price_known
from bot.config import Settings

RETIRING_SOON = dt.timedelta(days=60)
SWITCH = "./bansou eval FILE --model 後継モデル で確かめてから、.env の {names} を書き換えて再起動してください。"


def configured_models(settings: Settings) -> dict[str, list[str]]:
    """Each model in use, with the settings that name it (CLAUDE_MODEL, CLAUDE_MODEL_P4, ...)."""
    found: dict[str, list[str]] = {settings.claude_model: ["CLAUDE_MODEL"]}
    for number, model in sorted(settings.claude_models.items()):
        found.setdefault(model, []).append(f"CLAUDE_MODEL_P{number}")
    return found


def model_problems(client: anthropic.Anthropic, settings: Settings,
                   now: dt.datetime | None = None) -> tuple[list[str], list[str], list[str]]:
    """(problems, what to do, models that are fine) for every configured model."""
    now = now or dt.datetime.now(dt.timezone.utc)
    problems: list[str] = []
    fixes: list[str] = []
    fine: list[str] = []
    for model, names in configured_models(settings).items():
        where = f"{model}（{'・'.join(names)}）"
        found = _problems(client, model, settings.claude_effort, now)
        for problem, fix in found:
            problems.append(f"{where} {problem}")
            fixes.append(fix.format(names="・".join(names)))
        if not found:
            fine.append(where)
    return problems, list(dict.fromkeys(fixes)), fine


def _problems(client: anthropic.Anthropic, model: str, effort: str, now: dt.datetime) -> list[tuple[str, str]]:
    try:
        info = client.models.retrieve(model)
    except anthropic.NotFoundError:
        return [("は Anthropic にないモデルです（ID の誤り）。この設定の Pattern はすべての回答に失敗します",
                 "正しいモデル ID（例: claude-haiku-5-5）を " + SWITCH)]
    found = [_lifecycle(info, now)] if _lifecycle(info, now) else []
    if not _effort_supported(info, effort):
        found.append((f"は CLAUDE_EFFORT={effort} に対応していません（回答が 400 エラーになります）",
                      "CLAUDE_EFFORT を対応する値にするか、別のモデルを " + SWITCH))
    if not price_known(model):
        found.append(("の料金が料金表にありません（最も高い料金として計算し、予算を早く使い切ります）",
                      "bot/claude/prices.py の PRICES に Anthropic の料金ページの値を加えてください。"))
    return found


def _lifecycle(info: Any, now: dt.datetime) -> tuple[str, str] | None:
    retires = info.retires_at
    if info.lifecycle == "retired":
        return "は提供が終了しています（すべての回答が失敗します）", "後継モデルを至急 " + SWITCH
    if info.lifecycle == "deprecated":
        when = f"、{retires:%Y-%m-%d} に提供終了予定" if retires else ""
        return f"は非推奨になりました{when}", "後継モデルを " + SWITCH
    if retires is not None and retires - now <= RETIRING_SOON:
        return f"は {retires:%Y-%m-%d} に提供終了予定です（60日以内）", "後継モデルを " + SWITCH
    return None


def _effort_supported(info: Any, effort: str) -> bool:
    capability = getattr(info.capabilities, "effort", None) if info.capabilities else None
    if capability is None:  # not said: assume yes
        return True
    level = getattr(capability, effort, None)
    return bool(capability.supported and (level is None or level.supported))

"""`doctor` asks the Models API about every configured model: unknown, retired, deprecated, retiring within
60 days, or missing from the price table is a ⚠ that says what to do."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.doctor import Status, check_models
from test_operator import model_info

NOW = dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc)
NOT_FOUND = (404, {"type": "error", "error": {"type": "not_found_error", "message": "model: claude-haiku-9"}})


def models_path(model: str) -> str:
    return f"/v1/models/{model}"


def test_a_retired_default_and_an_unknown_override_are_flagged_with_what_to_do(settings, fake_anthropic):
    fake_anthropic.route("GET", models_path("claude-sonnet-4-6"), (200, model_info("claude-sonnet-4-6", "retired")))
    fake_anthropic.route("GET", models_path("claude-haiku-9"), NOT_FOUND)
    finding = check_models(replace(settings, anthropic_api_key="k", claude_model="claude-sonnet-4-6",
                                   claude_models={4: "claude-haiku-9"}), NOW)
    assert finding.status == Status.WARN
    assert "claude-sonnet-4-6（CLAUDE_MODEL） は提供が終了しています" in finding.text
    assert "claude-haiku-9（CLAUDE_MODEL_P4） は Anthropic にないモデル" in finding.text
    assert "の料金が料金表にありません" not in finding.text.split("claude-haiku-9")[0]  # sonnet 4.6 has a price
    assert "eval FILE --model" in finding.fix and "CLAUDE_MODEL_P4" in finding.fix


def test_deprecated_or_retiring_within_60_days_is_a_warning_with_the_date(settings, fake_anthropic):
    fake_anthropic.route("GET", models_path("claude-haiku-5-5"),
                         (200, model_info("claude-haiku-5-5", "deprecated", "2027-03-01T00:00:00Z")))
    fake_anthropic.route("GET", models_path("claude-sonnet-5-5"),
                         (200, model_info("claude-sonnet-5-5", "active", "2027-01-20T00:00:00Z")))
    finding = check_models(replace(settings, anthropic_api_key="k", claude_models={2: "claude-sonnet-5-5"}), NOW)
    assert "claude-haiku-5-5（CLAUDE_MODEL） は非推奨になりました、2027-03-01 に提供終了予定" in finding.text
    assert "claude-sonnet-5-5（CLAUDE_MODEL_P2） は 2027-01-20 に提供終了予定です（60日以内）" in finding.text


def test_a_model_without_a_price_or_the_configured_effort_is_a_warning(settings, fake_anthropic):
    info = model_info("claude-newcomer-6")
    info["capabilities"] = {"effort": {"supported": False}}
    fake_anthropic.route("GET", models_path("claude-newcomer-6"), (200, info))
    finding = check_models(replace(settings, anthropic_api_key="k", claude_model="claude-newcomer-6"), NOW)
    assert finding.status == Status.WARN and "料金表にありません" in finding.text and "prices.py" in finding.fix
    assert "CLAUDE_EFFORT=low に対応していません" in finding.text


def test_active_models_far_from_retirement_pass(settings, fake_anthropic):
    fake_anthropic.route("GET", models_path("claude-haiku-5-5"),
                         (200, model_info("claude-haiku-5-5", "active", "2027-10-07T00:00:00Z")))
    finding = check_models(replace(settings, anthropic_api_key="k"), NOW)
    assert finding.status == Status.OK and "claude-haiku-5-5（CLAUDE_MODEL）" in finding.text

"""A crisis through LINE and Slack (signed webhooks, fake platforms) gets the help lines and an urgent
escalation, whatever would otherwise stop the turn: a closed Pattern, the rate limit, a spent budget; a
worn-out message stopped by the gate or the limit still gets a person."""
from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from adapters.web import create_app
from bot import users
from bot.messages import IncomingMessage
from bot.models import Answer, Escalation, Question, User
from bot.safety import gentle_line
from bot.states import Channel
from app import build_runtime
from slack_harness import text_of
from test_line import ALICE, REPLY, deliver, line_api, line_server, texts, webhook  # noqa: F401 (fixtures)
from test_slack import ONCALL, TRAINEE, Slack, fake_slack, slack_settings  # noqa: F401 (fixtures)

CRISIS = "もう疲れました。消えてしまいたいです"
WORN_OUT = "今日も断られた。もう無理"  # distress: no danger, but a person should look
ORDINARY = "クーリング・オフはいつまで？"
CLOSED_PLAN = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2099-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n'
SCENARIOS = ("pattern_4_closed", "over_the_rate_limit", "budget_spent")
STOPPED = {"pattern_4_closed": "Pattern 4「人格エージェント」は1月1日からご利用いただけます", "over_the_rate_limit": "1分ほど"}


def arrange(settings, scenario: str, tmp_path):
    """Settings for the scenario; nothing else about the channel changes."""
    if scenario == "pattern_4_closed":
        plan = tmp_path / "closed.toml"
        plan.write_text(CLOSED_PLAN, encoding="utf-8")
        return replace(settings, rollout_file=plan)
    if scenario == "over_the_rate_limit":
        return replace(settings, rate_limit_per_minute=1)
    return replace(settings, monthly_budget_jpy=100.0, usd_jpy_rate=150.0)


def prepare(scenario: str, channel: str, user_id: str, cohort: str) -> None:
    """What the scenario needs in the database before the crisis message arrives."""
    user = users.get_or_create(channel, user_id, cohort=cohort)
    if scenario == "pattern_4_closed":
        User.update(pattern=4).where(User.id == user.id).execute()
    if scenario == "budget_spent":
        question = Question.create(user=user, channel=channel, pattern=1, text="先月の質問")
        Answer.create(question=question, text="回答", source="ai", cost_usd=10.0)  # 1,500 JPY of 100


def assert_crisis_handled(text: str) -> None:
    for number in ("0120-061-338", "0120-279-338", "0120-783-556", "0570-783-556", "0570-064-556"):
        assert number in text
    assert "まもろうよ こころ" in text and "119" in text
    question = Question.get(Question.text == CRISIS)
    escalation = Escalation.get(Escalation.question == question)
    assert (escalation.reason, escalation.urgency) == ("crisis", "high")


# ---- LINE -------------------------------------------------------------------------------------------

@pytest.fixture
def line_runtime(request, settings, line_api, desk, tmp_path):
    from test_line import SECRET, TOKEN
    rt = build_runtime(arrange(replace(settings, line_channel_secret=SECRET, line_channel_access_token=TOKEN,
                                       line_api_base_url=line_api.url), request.param, tmp_path), desk=desk)
    rt.scenario = request.param
    yield rt
    rt.stop()
    rt.database.close()


@pytest.mark.parametrize("line_runtime", SCENARIOS, indirect=True)
def test_crisis_on_line_gets_help_lines_and_an_urgent_escalation(line_runtime, line_api, desk):
    client = TestClient(create_app(line_runtime))
    prepare(line_runtime.scenario, "line", ALICE, "academy_member")
    if line_runtime.scenario != "budget_spent":  # the gate or the limit is really in force
        deliver(client, line_runtime, webhook("text", text=ORDINARY, webhookEventId="01ORDINARY"))
        deliver(client, line_runtime, webhook("text", text=ORDINARY, webhookEventId="01STOPPED"))
        assert STOPPED[line_runtime.scenario] in texts(line_api.calls_to(REPLY)[-1])[0]
    assert line_runtime.core.budget.over_budget() == (line_runtime.scenario == "budget_spent")
    deliver(client, line_runtime, webhook("text", text=CRISIS, webhookEventId="01CRISIS"))
    assert_crisis_handled("\n".join(texts(line_api.calls_to(REPLY)[-1])))
    assert desk.posted[-1].urgency == "high" and desk.posted[-1].reason == "crisis"


# ---- Slack ------------------------------------------------------------------------------------------

@pytest.fixture
def slack_app(request, slack_settings, fake_slack, tmp_path):
    runtime = build_runtime(arrange(slack_settings, request.param, tmp_path))
    app = Slack(runtime, fake_slack)
    app.scenario = request.param
    yield app
    runtime.stop()
    runtime.database.close()


@pytest.mark.parametrize("slack_app", SCENARIOS, indirect=True)
def test_crisis_on_slack_gets_help_lines_and_mentions_on_call(slack_app):
    prepare(slack_app.scenario, "slack", TRAINEE, "doctor_trainee")
    if slack_app.scenario != "budget_spent":
        slack_app.dm(ORDINARY)
        slack_app.dm(ORDINARY)
        assert STOPPED[slack_app.scenario] in text_of(slack_app.last_answer())
    assert slack_app.runtime.core.budget.over_budget() == (slack_app.scenario == "budget_spent")
    slack_app.dm(CRISIS)
    assert_crisis_handled(text_of(slack_app.last_answer()))
    post = slack_app.escalation_post()
    assert f"<@{ONCALL}>" in post["text"] and "心の危機" in text_of(post)


@pytest.mark.parametrize("scenario", ("pattern_4_closed", "over_the_rate_limit"))
def test_a_worn_out_member_turned_away_by_the_gate_or_the_limit_still_gets_a_person(scenario, settings, desk, tmp_path):
    rt = build_runtime(arrange(settings, scenario, tmp_path), desk=desk)
    prepare(scenario, "line", "worn", "academy_member")  # a public channel: the operator's terminal has no limit
    if scenario == "over_the_rate_limit":
        rt.core.handle(IncomingMessage(channel=Channel.LINE, user_id="worn", text=ORDINARY, pattern=1))
    reply = rt.core.handle(IncomingMessage(channel=Channel.LINE, user_id="worn", text=WORN_OUT,
                                           pattern=4 if scenario == "pattern_4_closed" else 1))
    rt.database.close()
    assert STOPPED[scenario] in reply.text and gentle_line() in reply.text  # what stopped it, and where to talk
    escalation = Escalation.get(Escalation.question == reply.question_id)
    assert (escalation.reason, escalation.urgency) == ("crisis", "normal")  # a staff look, no help lines
    assert "0120-061-338" not in reply.text

"""Metrics against the hand-computed data set in report_data.py; JST periods and their UTC bounds."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

import report_data
from bot import limits
from bot.models import Answer, Escalation, Question, User
from app import build_runtime
from reports import markdown as md
from reports import metrics, samples
from reports.periods import daily, monthly, parse_date, period_for, weekly
from reports.themes import new_question_themes

TOKYO = ZoneInfo("Asia/Tokyo")
DEC1 = daily(dt.date(2026, 12, 1), tz=TOKYO)


@pytest.fixture
def data(runtime) -> report_data.Data:
    return report_data.insert()


def test_jst_day_bounds_are_utc_15_00_and_a_month_ends_on_its_last_jst_day():
    assert DEC1.utc_bounds() == (dt.datetime(2026, 11, 30, 15), dt.datetime(2026, 12, 1, 15))
    november = monthly(dt.date(2026, 11, 30), tz=TOKYO)
    assert (november.start, november.end) == (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert november.utc_bounds() == (dt.datetime(2026, 10, 31, 15), dt.datetime(2026, 11, 30, 15))
    assert monthly(dt.date(2026, 12, 31), tz=TOKYO).end == dt.date(2027, 1, 1)
    assert monthly(dt.date(2028, 2, 10), tz=TOKYO).last == dt.date(2028, 2, 29)
    assert weekly(dt.date(2026, 12, 6), tz=TOKYO).start == dt.date(2026, 11, 30)  # Sunday belongs to Monday's week


@freeze_time("2026-11-30 15:30:00")  # 2026-12-01 00:30 in Tokyo, still November in UTC
def test_default_periods_are_the_last_complete_ones_in_japan_time():
    assert period_for("daily", tz=TOKYO) == daily(dt.date(2026, 11, 30), tz=TOKYO)
    assert period_for("monthly", tz=TOKYO) == monthly(dt.date(2026, 11, 1), tz=TOKYO)
    # today is Tuesday the 1st in Tokyo
    assert period_for("weekly", tz=TOKYO) == weekly(dt.date(2026, 11, 23), tz=TOKYO)
    assert period_for("weekly", dt.date(2026, 11, 29), tz=TOKYO).label == "2026年11月23日（月）〜29日（日）"
    with pytest.raises(ValueError, match="2026-12-01"):
        parse_date("12/01")


def test_a_question_at_15_30_utc_on_the_last_of_november_counts_for_december(runtime):
    user = User.create(channel="line", external_id="u")
    Question.create(user=user, channel="line", pattern=1, text="a", created_at=dt.datetime(2026, 11, 30, 15, 30))
    Question.create(user=user, channel="line", pattern=1, text="b", created_at=dt.datetime(2026, 11, 30, 14, 59, 59))
    assert metrics.figures(monthly(dt.date(2026, 12, 1), tz=TOKYO)).tally().questions == 1
    assert metrics.figures(monthly(dt.date(2026, 11, 1), tz=TOKYO)).tally().questions == 1
    cells = metrics.figures(daily(dt.date(2026, 12, 1), tz=TOKYO)).cells
    assert [c.day for c in cells] == [dt.date(2026, 12, 1)]


def test_the_four_kpis_of_a_day(data):
    t = metrics.figures(DEC1).tally()
    assert (t.questions, t.succeeded, t.escalated, t.uncovered) == (5, 3, 2, 2)
    assert t.success_rate == pytest.approx(0.6)
    assert t.new_question_rate == pytest.approx(0.4)
    assert t.mean_confidence == pytest.approx(0.68)
    assert (t.good, t.bad, t.shown) == (2, 1, 4)
    assert t.satisfaction == pytest.approx(2 / 3) and t.response_rate == pytest.approx(0.75)
    met = {k.key: k.met(k.value(t)) for k in metrics.KPIS}
    assert met == {"success_rate": False, "satisfaction": False, "mean_confidence": False,
                   "new_question_rate": False}


def test_greetings_and_off_domain_questions_stay_out_of_the_kpi_denominators(data):
    user = User.get(User.external_id == "U-line")
    for scope, text in (("greeting", "こんにちは"), ("off_domain", "おすすめのラーメン屋は？")):
        question = Question.create(user=user, channel="line", pattern=1, text=text, scope=scope,
                                   created_at=report_data.at(3))
        Answer.create(question=question, text="範囲外のご案内", source="system", created_at=report_data.at(3))
    t = metrics.figures(DEC1).tally()
    assert (t.questions, t.succeeded, t.uncovered, t.out_of_scope) == (5, 3, 2, 2)  # the four KPIs as before
    assert t.success_rate == pytest.approx(0.6) and t.mean_confidence == pytest.approx(0.68)
    assert "2件" in md.out_of_scope_note(t) and "分母" in md.out_of_scope_note(t)
    assert all(th.word not in ("ラーメン", "こんにちは") for th in new_question_themes(DEC1).themes)


def test_questions_by_pattern_channel_and_usage(data):
    figs = metrics.figures(DEC1)
    assert {p: figs.tally(pattern=p).questions for p in figs.patterns()} == {1: 2, 2: 1, 3: 1, 4: 1}
    assert {c: figs.tally(channel=c).questions for c in figs.channels()} == {"line": 3, "slack": 2}
    assert figs.tally(pattern=1).success_rate == 1.0 and figs.tally(pattern=2).success_rate == 0.0
    t = figs.tally()
    assert (t.input_tokens, t.output_tokens, t.cache_write_tokens, t.cache_read_tokens) == (300, 150, 1000, 900)
    assert t.cache_read_share == pytest.approx(900 / 2200)
    assert t.cost_jpy(150) == pytest.approx(6.0)
    assert figs.prompt_versions() == ["p1-v1", "p2-v1", "p3-v1", "p4-v1"]
    assert figs.tally(prompt_version="p1-v1").good == 1


def test_escalations_by_reason_urgency_and_time_to_answer(data):
    esc = metrics.escalation_figures(DEC1)
    assert esc.by_reason == {"no_knowledge": 1, "human_request": 1}
    assert esc.by_urgency == {"normal": 1, "high": 1}
    assert esc.answered == 1 and esc.mean_hours_to_answer == pytest.approx(2.0, abs=1e-3)


def test_open_escalations_urgent_first_with_their_age(data):
    opened = metrics.open_escalations(report_data.at(24))  # 2026-12-02 00:00 JST
    assert opened.total == 2 and opened.by_urgency == {"high": 1, "normal": 1} and opened.over_24h == 1
    assert [e.id for e in opened.oldest] == [data.escalations["e0"].id, data.escalations["e3"].id]
    assert opened.oldest[0].age_hours == pytest.approx(24 + 1 / 3600)


def test_line_pushes_and_the_budget(data):
    assert metrics.line_pushes(DEC1) == metrics.Pushes(ok=1, failed=1)
    budget = metrics.budget(monthly(dt.date(2026, 12, 1), tz=TOKYO), dt.date(2026, 12, 1), budget_jpy=300,
                            usd_jpy=150)
    assert budget.spent_jpy == pytest.approx(6.0) and budget.share == pytest.approx(0.02)
    assert budget.projected_jpy == pytest.approx(6.0 * 31)


def test_an_escalation_row_makes_a_question_unsuccessful_whatever_its_status(runtime):
    user = User.create(channel="local", external_id="u")
    first = Question.create(user=user, channel="local", pattern=1, text="a", created_at=report_data.at(1))
    Question.create(user=user, channel="local", pattern=1, text="b", created_at=report_data.at(2))
    Escalation.create(question=first, reason="bad_feedback", created_at=report_data.at(3))
    assert metrics.figures(DEC1).tally().success_rate == 0.5


def test_low_confidence_uses_each_patterns_threshold_and_bad_answers_keep_the_reason(data):
    low = samples.low_confidence(DEC1)
    assert low.total == 2  # a3 (P2, 0.4 < 0.7) and a5 (P4, 0.6 < 0.75); a2 (P1, 0.7 >= 0.6) is fine
    assert [s.answer_id for s in low.items] == [data.answers["a3"].id, data.answers["a5"].id]
    bad = samples.rated_bad(DEC1)
    assert len(bad.items) == 1 and metrics.figures(DEC1).tally().bad == 1
    assert bad.items[0].reason == "わかりにくい" and bad.items[0].knowledge_ids == ("t1-0001",)


def test_no_data_gives_no_rate_rather_than_zero(runtime):
    t = metrics.figures(DEC1).tally()
    assert t.questions == 0 and t.success_rate is None and t.satisfaction is None and t.mean_confidence is None
    assert all(k.met(k.value(t)) is None for k in metrics.KPIS)
    assert Answer.select().count() == 0


def test_the_same_figures_on_postgresql(settings, desk, postgres_url):
    rt = build_runtime(replace(settings, database_url=postgres_url), desk=desk)
    report_data.insert()
    try:
        t = metrics.figures(DEC1).tally()
        assert (t.questions, t.succeeded, t.uncovered, t.good, t.bad, t.shown) == (5, 3, 2, 2, 1, 4)
        assert t.mean_confidence == pytest.approx(0.68) and t.cost_jpy(150) == pytest.approx(6.0)
        assert {c.day for c in metrics.figures(DEC1).cells} == {dt.date(2026, 12, 1)}  # JST days on PG too
        esc = metrics.escalation_figures(DEC1)
        assert esc.by_reason == {"no_knowledge": 1, "human_request": 1}
        assert esc.mean_hours_to_answer == pytest.approx(2.0)
        assert metrics.open_escalations(report_data.at(24)).over_24h == 1
        assert metrics.line_pushes(DEC1) == metrics.Pushes(ok=1, failed=1)
        assert samples.low_confidence(DEC1).total == 2 and len(samples.rated_bad(DEC1).items) == 1
        assert new_question_themes(DEC1).themes[0].count == 2
    finally:
        rt.database.close()


def test_the_plans_timezone_sets_the_report_days_and_the_budget_month(settings, desk, plan_file):
    plan_file.write_text(plan_file.read_text(encoding="utf-8").replace("Asia/Tokyo", "UTC"), encoding="utf-8")
    rt = build_runtime(replace(settings, monthly_budget_jpy=1000, usd_jpy_rate=150), desk=desk)
    report_data.insert()
    utc_dec1 = period_for("daily", dt.date(2026, 12, 1), tz=rt.core.plan.timezone)
    assert utc_dec1.utc_bounds() == (dt.datetime(2026, 12, 1), dt.datetime(2026, 12, 2))
    nov30, dec2 = dt.date(2026, 11, 30), dt.date(2026, 12, 2)
    in_utc, in_tokyo = metrics.figures(utc_dec1.span(nov30, dec2)), metrics.figures(DEC1.span(nov30, dec2))
    # q1 (2026-11-30 15:30 UTC) is on 1 December in Tokyo, on 30 November in UTC; q6 moves into 1 December.
    assert [in_utc.tally(day=nov30).questions, in_utc.tally(day=DEC1.start).questions] == [2, 5]
    assert [in_tokyo.tally(day=nov30).questions, in_tokyo.tally(day=DEC1.start).questions] == [1, 5]
    with freeze_time("2026-12-01 03:00:00"):  # 12:00 in Tokyo: December in both zones
        question = Question.create(user=User.create(channel="line", external_id="U-cost"), channel="line", pattern=1,
                                   text="x", created_at=dt.datetime(2026, 11, 30, 20))  # December in Tokyo only
        Answer.create(question=question, text="x", source="ai", cost_usd=7.0, created_at=question.created_at)
        assert not rt.core.budget.check()  # 1,050 yen, but spent in November in UTC
        assert limits.month_spend_usd(tz=TOKYO) == pytest.approx(7.0 + 0.04)  # in Tokyo it is December's
    rt.stop()
    rt.database.close()

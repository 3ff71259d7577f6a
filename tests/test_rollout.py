"""Staged rollout: stage boundaries in JST, cohorts, the shipped plan, bad plan files."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.config import ConfigError
from bot.models import Escalation, Question
from bot.rollout import RolloutError, RolloutPlan
from app import build_runtime
from conftest import Chat

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = RolloutPlan.load(ROOT / "rollout.toml")
WEEK1 = min(s.start for s in SHIPPED.stages)


def jst_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHIPPED.timezone).astimezone(dt.timezone.utc)


@pytest.fixture
def shipped(settings, desk):
    rt = build_runtime(replace(settings, rollout_file=ROOT / "rollout.toml"), desk=desk)
    yield rt
    rt.database.close()


def test_the_shipped_plan_follows_the_operating_plan():
    week3, week4 = WEEK1 + dt.timedelta(days=14), WEEK1 + dt.timedelta(days=21)
    assert SHIPPED.open_patterns("academy_member", WEEK1) == [1]
    assert SHIPPED.open_patterns("doctor_trainee", week3 - dt.timedelta(days=1)) == []
    assert SHIPPED.open_patterns("doctor_trainee", week3) == [2]
    assert SHIPPED.open_patterns("corporate_trainee", week3) == [3]
    assert SHIPPED.open_patterns("academy_member", week4) == [1, 4]
    assert SHIPPED.open_patterns("staff", WEEK1 - dt.timedelta(days=30)) == [1, 2, 3, 4]


def test_a_stage_opens_at_midnight_jst_not_utc():
    week3 = WEEK1 + dt.timedelta(days=14)
    just_before = jst_midnight_utc(week3) - dt.timedelta(seconds=1)
    assert not SHIPPED.gate("doctor_trainee", 2, SHIPPED.today(just_before)).open
    assert SHIPPED.gate("doctor_trainee", 2, SHIPPED.today(jst_midnight_utc(week3))).open


def test_member_asking_pattern_2_in_week_1_is_told_when_it_opens_and_nothing_escalates(shipped):
    with freeze_time(jst_midnight_utc(WEEK1) + dt.timedelta(hours=3)):
        reply = Chat(shipped, cohort="academy_member").say("開業医の事業承継で最初に確認すべきことは？", pattern=2)
    week3 = WEEK1 + dt.timedelta(days=14)
    assert reply.kind == "notice"
    assert f"{week3.month}月{week3.day}日からドクター研修生の皆さま向け" in reply.text
    assert "現在のご所属ではご利用いただけません" in reply.text
    assert "Pattern 1" in reply.text and [b.value for b in reply.buttons] == ["1"]
    assert Question.get().status == "refused" and Escalation.select().count() == 0  # recorded, not answered


def test_pattern_4_not_yet_open_says_the_day(shipped):
    with freeze_time(jst_midnight_utc(WEEK1) + dt.timedelta(hours=3)):
        reply = Chat(shipped, cohort="academy_member").say("やる気が出ません", pattern=4)
    week4 = WEEK1 + dt.timedelta(days=21)
    assert f"{week4.month}月{week4.day}日から" in reply.text


def test_doctor_trainee_in_week_3_gets_an_answer(shipped):
    with freeze_time(jst_midnight_utc(WEEK1 + dt.timedelta(days=15))):
        reply = Chat(shipped, cohort="doctor_trainee").say("開業医の事業承継で最初に確認すべきことは？", pattern=2)
    assert reply.kind == "answer" and reply.knowledge_ids == ("t2-0001",)


def test_without_a_chosen_pattern_the_first_open_one_is_used(shipped):
    with freeze_time(jst_midnight_utc(WEEK1 + dt.timedelta(days=15))):
        reply = Chat(shipped, cohort="corporate_trainee").say("役員退職金の適正額はどう計算しますか？")
    assert reply.pattern == 3 and reply.kind == "answer"


@pytest.mark.parametrize("text, line, words", [
    ('timezone = "Asia/Tokyo"\n[[stage]]\nstart = "soon"\ncohorts = ["staff"]\npatterns = [1]\n', 2, "start"),
    ('[[stage]]\nstart = 2026-12-01\ncohorts = ["x"]\npatterns = [1]\n', 1, "cohorts"),
    ('[[stage]]\nstart = 2026-12-01\ncohorts = ["*"]\npatterns = [1]\n\n[[stage]]\nstart = 2026-12-08\n'
     'cohorts = ["*"]\npatterns = [5]\n', 6, "patterns"),
    ('timezone = "Mars/Base"\n[[stage]]\nstart = 2026-12-01\ncohorts = ["*"]\npatterns = [1]\n', 1, "timezone"),
    ('[[stage]\n', 1, ""),
])
def test_a_bad_plan_names_the_line(tmp_path, text, line, words):
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RolloutError) as info:
        RolloutPlan.load(path)
    assert f"plan.toml:{line}" in str(info.value) or f"plan.toml の {line} 行目" in str(info.value)
    assert words in str(info.value)


def test_a_bad_plan_stops_start_up(settings, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[stage]]\nstart = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ROLLOUT_FILE"):
        build_runtime(replace(settings, rollout_file=path))


def test_a_choice_that_is_no_longer_open_falls_back_to_an_open_pattern(shipped):
    with freeze_time(jst_midnight_utc(WEEK1 + dt.timedelta(days=15))):
        chat = Chat(shipped, user="changer", cohort="doctor_trainee")
        assert chat.say("開業医の事業承継で最初に確認すべきことは？").pattern == 2
        assert "切り替えました" in shipped.core.switch_pattern(channel="local", user_id="changer", pattern=2).text
        chat.cohort = "corporate_trainee"  # moved to the corporate course
        reply = chat.say("役員退職金の適正額はどう計算しますか？")
    assert reply.pattern == 3 and reply.kind == "answer"


def test_a_pattern_opened_for_others_on_a_past_day_reads_naturally(shipped):
    with freeze_time(jst_midnight_utc(WEEK1 + dt.timedelta(days=60))):
        reply = Chat(shipped, cohort="academy_member").say("開業医の事業承継で最初に確認すべきことは？", pattern=2)
    assert "ご利用いただけません" in reply.text and "公開される" not in reply.text and "月" not in reply.text.split("\n")[0]
    assert "今ご利用いただけるのは、Pattern 1「汎用Q&A」" in reply.text and "」 です" not in reply.text


def test_pattern_4_invites_a_struggling_member_as_the_academy_would(shipped):
    with freeze_time(jst_midnight_utc(WEEK1 + dt.timedelta(days=60))):
        Chat(shipped, user="tired", cohort="academy_member").say("こんにちは")
        text = shipped.core.switch_pattern(channel="local", user_id="tired", pattern=4).text
    assert "牧野先生" in text and "お話しください" in text
    assert "人格エージェントによる" not in text and "ご質問ください" not in text


def test_a_member_asking_their_own_pattern_before_its_day_is_told_the_day_once(shipped):
    week3 = WEEK1 + dt.timedelta(days=14)
    with freeze_time(jst_midnight_utc(WEEK1) + dt.timedelta(hours=3)):
        reply = Chat(shipped, cohort="corporate_trainee").say("法人保険の提案で最初に確認することは？", pattern=3)
    assert reply.text.count(f"{week3.month}月{week3.day}日") == 1, reply.text
    assert "Pattern 3" not in reply.text.split("\n", 1)[-1]  # a later line may name other Patterns' days only
    assert reply.text.startswith(f"Pattern 3「法人」は{week3.month}月{week3.day}日からご利用いただけます。"
                                 "もうしばらくお待ちください。")

"""What each learner struggles with: the answerer's one line, `users show`, `users forget`, the monthly section."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

import main
from app import build_runtime
from bot.models import Answer, Escalation, Feedback, Question, SafetyLabel, User
from conftest import Chat
from reports.cli import run_report
from test_claude import MESSAGES, message

COOLING = ["クーリング・オフはいつまでできますか？", "クーリングオフの期限は何日ですか？"]


@pytest.fixture
def claude_runtime(settings, desk, fake_anthropic):
    rt = build_runtime(replace(settings, anthropic_api_key="test-key"), desk=desk)
    yield rt
    rt.database.close()


def test_the_answerer_is_told_in_one_line_the_themes_this_member_asked_before(claude_runtime, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, message()))
    member = Chat(claude_runtime, user="u-member")
    for text in [*COOLING, "役員退職金の適正額はどう計算しますか？"]:
        member.say(text, pattern=1)
    first_request = fake_anthropic.calls_to(MESSAGES)[0].json["messages"][-1]["content"]
    assert "以前に質問したテーマ" not in first_request  # a first question has no history
    member.say("もう死にたいです", pattern=1)  # a crisis: escalated, and never brought up again in passing
    member.say("死亡保険金の非課税枠は？", pattern=1)
    last = fake_anthropic.calls_to(MESSAGES)[-1].json["messages"][-1]["content"]
    lines = [line for line in last.splitlines() if "以前に質問したテーマ" in line]
    assert len(lines) == 1 and "（2回）" in lines[0] and "クーリング" in lines[0] and "役員退職金" in lines[0]
    assert "死にたい" not in lines[0]
    Chat(claude_runtime, user="u-other").say("死亡保険金の非課税枠は？", pattern=1)
    other = fake_anthropic.calls_to(MESSAGES)[-1].json["messages"][-1]["content"]
    assert "以前に質問したテーマ" not in other  # never another member's questions


@pytest.fixture
def cli_env(monkeypatch, tmp_path, plan_file, knowledge_dir) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("ROLLOUT_FILE", str(plan_file))
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    return tmp_path


def test_users_show_gives_staff_one_members_themes_and_stumbles(cli_env, capsys):
    for text in COOLING + ["役員退職金の適正額はどう計算しますか？"]:
        assert main.main(["ask", text, "--user", "U-show", "--pattern", "1"]) == 0
    assert main.main(["ask", "死亡保険金の非課税枠は？", "--user", "U-else", "--pattern", "1"]) == 0
    answer = Answer.select().join(Question).where(Question.text == COOLING[1]).first()
    Feedback.create(answer=answer, rating="bad", reason="日数がわからない")
    capsys.readouterr()
    assert main.main(["users", "show", "local:U-show"]) == 0
    out = capsys.readouterr().out
    assert "利用者 local:U-show" in out and "質問 3件、テーマ 2" in out and "回答後の再質問 1件、Bad 1件" in out
    cooling = next(line for line in out.splitlines() if "クーリング" in line and "・" in line)
    assert "2件" in cooling and "回答後の再質問 1" in cooling and "Bad 1" in cooling
    assert "非課税枠" not in out  # another member's question
    assert main.main(["users", "show", "U-nobody"]) == 2


def test_users_forget_leaves_no_row_or_log_line_with_the_members_words(cli_env, capsys):
    words = ["ドル建て終身保険の為替リスクについて教えてください", "妻の医療保険の見直しを考えています"]
    for text in words:
        assert main.main(["ask", text, "--user", "U-forget", "--pattern", "1"]) == 0
    assert main.main(["ask", "クーリング・オフはいつまでできますか？", "--user", "U-keep", "--pattern", "1"]) == 0
    question = Question.get(Question.text == words[0])
    SafetyLabel.create(question=question, label="crisis_false_alarm", labelled_by="staff1")
    logging_dir = cli_env / "logs"
    import logging
    logging.getLogger("bansou.test").info("member said %s", words[1])  # as a debug line might
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert any(words[1] in p.read_text(encoding="utf-8") for p in logging_dir.glob("*.log*"))
    assert Escalation.select().count() >= 1
    assert words[0].encode() in b"".join(p.read_bytes() for p in cli_env.glob("cli.db*"))
    capsys.readouterr()

    assert main.main(["users", "forget", "U-forget"]) == 0
    out = capsys.readouterr().out
    assert "利用者 local:U-forget の情報を削除しました" in out and "質問: 2件" in out
    assert "安全チェックの分類: 1件" in out and "利用者情報: 1件" in out
    for handler in logging.getLogger().handlers:
        handler.flush()
    stored = b"".join(p.read_bytes() for p in cli_env.glob("cli.db*"))
    logs = "".join(p.read_text(encoding="utf-8") for p in logging_dir.glob("*.log*"))
    for text in words + ["U-forget"]:
        assert text.encode() not in stored and text not in logs
    assert "クーリング・オフはいつまでできますか？".encode() in stored  # the other member is kept
    assert User.select().where(User.external_id == "U-keep").count() == 1


def test_the_monthly_report_shows_stumbles_by_cohort_without_names(runtime, tmp_path):
    from freezegun import freeze_time
    doctor = Chat(runtime, user="U-doc", cohort="doctor_trainee")
    with freeze_time("2026-12-03 01:00:00"):
        doctor.say(COOLING[0], pattern=1, conversation="a")
        doctor.rate(good=False, reason="よくわからない")
    with freeze_time("2026-12-10 01:00:00"):
        doctor.say(COOLING[1], pattern=1, conversation="b")  # the same theme again, after an answer
    User.update(display_name="山田花子").where(User.external_id == "U-doc").execute()
    with freeze_time("2026-12-11 01:00:00"):
        corporate = Chat(runtime, user="U-corp", cohort="corporate_trainee")
        corporate.say("役員退職金の適正額はどう計算しますか？", pattern=1)
        corporate.say("役員の退職金はいくらまで損金にできますか？", pattern=1)
    now = dt.datetime(2027, 1, 2, tzinfo=dt.timezone.utc)
    assert run_report(runtime, "monthly", date="2026-12-01", out=tmp_path / "out", now=now) == 0
    text = (tmp_path / "out" / "monthly-2026-12" / "monthly-2026-12.md").read_text(encoding="utf-8")
    section = text.split("## つまずきの多いテーマ（コホート別）", 1)[1].split("\n## ", 1)[0]
    doctors = section.split("**ドクター研修生（doctor_trainee）**", 1)[1].split("**", 1)[0]
    row = next(line for line in doctors.splitlines() if "クーリング" in line)
    assert row.split(" | ")[1:5] == ["1人", "2件", "1件", "1件"]  # one member, two questions, one re-ask, one Bad
    assert "山田" not in section and "U-doc" not in section and "U-corp" not in section


def test_forgetting_takes_the_members_question_out_of_a_learned_phrasing_in_the_curated_file(runtime, knowledge_dir):
    from bot.forget import forget
    asked = "申し込んだ保険をやめたいと妻が言っています"
    Chat(runtime, user="U-phrase").say(asked, pattern=1)
    assert runtime.knowledge.add_phrasing("t1-0002", asked) is not None
    curated = next(p for p in knowledge_dir.rglob("*.md") if "t1-0002" in p.read_text(encoding="utf-8"))
    assert asked in curated.read_text(encoding="utf-8")
    result = forget(User.get(User.external_id == "U-phrase"), drop_phrasings=runtime.knowledge.drop_phrasings,
                    log_dir=None)
    assert result.phrasings == ["t1-0002"] and result.counts["質問"] == 1
    assert asked not in curated.read_text(encoding="utf-8")
    assert asked not in runtime.knowledge.get("t1-0002").phrasings
    assert "t1-0002" not in runtime.knowledge.sync().updated  # the file and the database agree

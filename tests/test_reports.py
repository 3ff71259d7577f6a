"""The daily, weekly and monthly reports: their sections and figures, the charts, --post and --date."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

import main
import report_data
from app import build_runtime
from reports.cli import run_report
from reports.themes import group

NOW = dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.timezone.utc)  # 09:00 on 2 December in Tokyo
PNG = b"\x89PNG\r\n\x1a\n"


class FakeDesk:
    """Stands in for the Slack desk: records what would be posted."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, list[Path]]] = []

    def post_report(self, summary: str, files: list[Path]) -> None:
        self.posts.append((summary, files))


@pytest.fixture
def data(runtime) -> report_data.Data:
    return report_data.insert()


def make(runtime, kind: str, tmp_path: Path, date: str = "2026-12-01", **kwargs) -> str:
    assert run_report(runtime, kind, date=date, out=tmp_path / "out", now=NOW, **kwargs) == 0
    key = {"daily": f"daily-{date}", "weekly": "weekly-2026-11-30", "monthly": "monthly-2026-12"}[kind]
    return (tmp_path / "out" / key / f"{key}.md").read_text(encoding="utf-8")


def test_daily_report_has_its_figures(runtime, data, tmp_path, capsys):
    text = make(runtime, "daily", tmp_path)
    assert text.startswith("# 日次レポート 2026年12月1日（火）")
    assert "質問数 5件（前日 1件）" in text
    assert "回答成功率 60.0%（目標 80% 以上）❌ 未達" in text
    assert "エスカレーション 2件（うち緊急 1件）" in text
    assert "未対応のエスカレーション 2件（24時間以上 1件）" in text
    assert "| P1 汎用Q&A | 2件 | 40.0% | 100.0% | 50.0% | 1/1 | 0.80 |" in text
    assert "| LINE | 3件 | 60.0% |" in text
    assert "| 新規質問率 | 40.0% | 0.0% | 20% 以下 | ❌ 未達 |" in text
    assert "| ユーザーが担当者を希望 | 1件 |" in text and "| 緊急 | 1件 |" in text
    assert "回答までの平均 2.0時間" in text
    assert f"| #{data.escalations['e0'].id} | 緊急 | 心の危機の兆候 | 対応待ち | 33.0時間 |" in text
    assert "| AI 利用額 | 6円（$0.04、1ドル=150円） |" in text
    assert "| キャッシュ読込の割合 | 40.9% |" in text and "| LINE プッシュ送信 | 1通（失敗 1通） |" in text
    assert "2026年12月の AI 利用額 6円（1日目まで） / 予算 30,000円（0.0%、月末見込み 186円）" in text
    assert "![patterns](patterns.png)" in text
    assert "daily-2026-12-01.md" in capsys.readouterr().out


def test_weekly_report_has_satisfaction_themes_and_low_confidence(runtime, data, tmp_path):
    text = make(runtime, "weekly", tmp_path)
    assert text.startswith("# 週次レポート 2026年11月30日（月）〜12月6日（日）（集計途中）")
    assert "| 満足度 Good/(Good+Bad) | 66.7% | — |" in text and "| 評価の回答率 | 75.0% | — |" in text
    assert "回答成功率 57.1%" in text  # q0 (30 Nov, Monday) is in this week: 4 of 7 answered
    # q3 and q5 ask about foreign-currency insurance: one theme by meaning, uncovered, so a knowledge candidate
    assert "| 外貨建て保険の手数料は？ | 外貨建て保険 | 0 → 0 → 0 → 2 | 2件 | 1件 | なし |  |" in text
    assert "1. **外貨建て保険の手数料は？**（今期 2件" in text
    assert "しきい値を下回った AI の回答: 2件" in text
    assert "| P4 人格エージェント | 1件 | 0件 | 14.3% | 100.0% | — | 0/0 | 0.60 |" in text
    assert "![trend](trend.png)" in text
    assert "![themes](themes.png)" in text and "赤い棒は、ナレッジでまだカバーできていないテーマです。" in text
    chart = (tmp_path / "out" / "weekly-2026-11-30" / "themes.png").read_bytes()
    assert chart.startswith(PNG)
    # drawn for a phone: at most ~480 px wide, so a 390 px screen shows its 10-point labels nearly full size
    assert int.from_bytes(chart[16:20], "big") <= 480


def test_monthly_report_has_the_five_sections_kpis_tuning_and_budget(runtime, data, tmp_path):
    text = make(runtime, "monthly", tmp_path)
    for heading in ("## KPI（目標との比較）", "## 1. 総質問数と相談メニュー別内訳", "## 2. 回答成功率の推移",
                    "## 3. エスカレーション傾向分析", "## 4. 低評価回答と改善案", "## 5. 追加すべきナレッジ候補",
                    "## ナレッジ更新・プロンプト調整の必要性", "## コストと予算"):
        assert heading in text
    assert "総質問数 6件（前月 1件）" in text  # q0 is 30 November in Tokyo
    assert "| 回答成功率 | 66.7% | 0.0% | 80% 以上 | ❌ 未達 |" in text
    assert "| 2026年11月 | 1件 | 0.0% |" in text and "| 2026年12月 | 6件 | 66.7% |" in text
    assert "この月のエスカレーション 2件（前月 1件）" in text
    assert "| 心の危機の兆候 | 0件 | 1件 | -1 |" in text
    assert "低評価（Bad）を付けられた回答 1件" in text and "わかりにくい" in text
    assert "ANTHROPIC_API_KEY が設定されていないため" in text
    assert "ナレッジ（t1-0001）を使って回答したのに低評価です" in text
    assert "| P2 ドクター | — | 0/0 | 0.40 | 100.0% | ナレッジ追加、ナレッジの内容更新 |" in text
    assert "| p1-v1 | 1件 | 1/0 | 100.0% | 0.90 | 12/01〜12/01 |" in text
    assert "2026年12月の AI 利用額 6円（2日目まで） / 予算 30,000円（0.0%、月末見込み 93円）" in text
    assert "![themes](themes.png)" in text
    for chart in ("patterns.png", "trend.png", "escalation_reasons.png", "themes.png"):
        assert (tmp_path / "out" / "monthly-2026-12" / chart).read_bytes().startswith(PNG)


def test_monthly_proposals_are_drafted_by_claude_when_a_key_is_set(settings, desk, data, tmp_path,
                                                                   fake_anthropic):
    fake_anthropic.route("POST", "/v1/messages", (200, {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-5-5",
        "content": [{"type": "text", "text": "1. クーリング・オフの期間を表で示すナレッジを追加する。"}],
        "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 10}}))
    runtime = build_runtime(replace(settings, anthropic_api_key="test-key"), desk=desk)
    text = make(runtime, "monthly", tmp_path)
    assert "改善案（Claude による下書き" in text and "表で示すナレッジを追加する" in text
    (call,) = fake_anthropic.calls_to("/v1/messages")
    assert "わかりにくい" in json.dumps(call.json, ensure_ascii=False)


def test_post_sends_the_summary_and_files_to_the_desk(runtime, data, tmp_path):
    fake = FakeDesk()
    make(runtime, "daily", tmp_path, post=True, desk=fake)
    (summary, files), = fake.posts
    assert summary.startswith("📊 日次レポート 2026年12月1日（火）") and "質問数 5件" in summary
    assert [f.name for f in files] == ["daily-2026-12-01.md", "patterns.png"] and all(f.exists() for f in files)


def test_post_without_slack_says_so_and_still_writes(runtime, data, tmp_path, capsys):
    assert run_report(runtime, "daily", date="2026-12-01", out=tmp_path, post=True, now=NOW) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err
    assert (tmp_path / "daily-2026-12-01" / "daily-2026-12-01.md").exists()


def test_bad_date_is_a_one_line_usage_error(runtime, tmp_path, capsys):
    assert run_report(runtime, "weekly", date="2026-13-01", out=tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー: --date") and err.count("\n") == 1


def test_the_command_line_writes_a_report(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("ROLLOUT_FILE", str(settings.rollout_file))
    assert main.main(["report", "monthly", "--date", "2026-10-15", "--out", str(tmp_path / "r")]) == 0
    text = (tmp_path / "r" / "monthly-2026-10" / "monthly-2026-10.md").read_text(encoding="utf-8")
    assert "この月に低評価（Bad）を付けられた回答はありません。" in text
    assert "KPI: 数える質問が 0 件のため計算できません（理由と対処は本文の KPI の節にあります）" in text
    assert "利用者からの質問は、まだ 1 件も記録されていません。" in text and "`./bansou doctor`" in text
    assert "2026年10月の AI 利用額 0円 / 予算 30,000円（0.0%）" in text
    assert main.main(["report", "daily", "--date", "yesterday"]) == 2
    assert capsys.readouterr().err.startswith("エラー: --date は 2026-12-01 の形の日付で")


def test_an_empty_month_before_the_first_question_says_when_the_questions_start(runtime, data, tmp_path):
    text = make_report(runtime, "monthly", "2026-10-15", tmp_path)
    note = text.split("## KPI（目標との比較）")[1].split("## 1.")[0]
    assert "この期間（2026年10月）に、利用者からの質問は 1 件もありませんでした。" in note
    assert "最初の質問は 2026年11月30日（月）です。" in note and "`--date 2026-11-30`" in note
    assert "テストの質問" not in note  # none was asked


def test_an_empty_period_names_the_test_questions_it_left_out_and_how_to_see_them(runtime, tmp_path):
    from bot.models import Question, User
    tester = User.create(channel="local", external_id="tester")
    for hours in (1, 2, 3):
        Question.create(user=tester, channel="local", pattern=1, text="試しの質問", covered=True, test=True,
                        created_at=report_data.at(hours))
    text = make(runtime, "daily", tmp_path)
    assert "KPI: 数える質問が 0 件のため計算できません" in text
    assert "ask・chat で試したテストの質問 3件は、数字に入れていません。" in text
    assert "`./bansou report daily --date 2026-12-01 --include-tests`" in text
    with_tests = make_report(runtime, "daily", "2026-12-01", tmp_path, include_tests=True, with_tests=True)
    assert "KPI 2/2 達成（データなし 2: ユーザー満足度、平均確信度）" in with_tests  # nobody rated them; no AI confidence
    assert "数えていません" not in with_tests and "数字に入れていません" not in with_tests


def test_a_period_of_greetings_only_says_the_kpis_leave_them_out(runtime, tmp_path):
    from bot.models import Question, User
    member = User.create(channel="line", external_id="U" + "a" * 32)
    for hours, scope in ((1, "greeting"), (2, "off_domain")):
        Question.create(user=member, channel="line", pattern=1, text="こんにちは", scope=scope,
                        created_at=report_data.at(hours))
    text = make(runtime, "daily", tmp_path)
    assert "この期間の質問 2件は、すべてあいさつや塾の内容と関係のないものでした。" in text
    assert "1 件もありませんでした" not in text


def make_report(runtime, kind: str, date: str, tmp_path: Path, with_tests: bool = False, **kwargs) -> str:
    """A report of any date, read back from its file."""
    assert run_report(runtime, kind, date=date, out=tmp_path / "any", now=NOW, **kwargs) == 0
    return next((tmp_path / "any").glob(f"*{'-with-tests' if with_tests else ''}/*.md")).read_text(encoding="utf-8")


def test_themes_group_by_the_most_shared_word_then_the_rest():
    rows = [("事業承継対策の進め方は？", "escalated"), ("事業承継で最初に確認すべきことは", "answered"),
            ("ドル建て終身の提案方法", "answered"), ("ドル建て終身のリスク", "escalated"),
            ("ドル建て終身と円建ての違い", "answered"), ("今日は雨ですね", "answered")]
    themes = group(rows)
    assert [(t.word, t.count, t.escalated) for t in themes.themes] == [("ドル建て終身", 3, 1), ("事業承継", 2, 1)]
    assert themes.other == 1 and themes.total == 6


def test_monthly_report_says_how_many_labels_staff_gave_and_whether_the_model_learned_them(runtime, data, tmp_path):
    from freezegun import freeze_time

    from bot.models import Escalation
    from bot.safety import labels
    escalation = Escalation.select().first()
    with freeze_time("2026-12-01 03:00:00"):  # 12:00 in Tokyo: inside the report's month
        labels.record(escalation.id, "not_crisis", by="U0STAFF")
    text = make(runtime, "monthly", tmp_path)
    assert "## 安全チェックの学習（スタッフの分類）" in text
    assert "この月にスタッフが付けた分類 1件。" in text and "| 誤検知：危機ではない | 1件 |" in text
    assert "まだ学習に使っていない分類が 1件あります" in text and "safety retrain" in text

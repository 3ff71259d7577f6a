"""The operators' documents agree with the code: the sections the code points to exist, commands are typed one
way, the log files named are the ones written, one name for Makino, the glossary has the operator's terms."""
from __future__ import annotations

import inspect
import re
import subprocess
from pathlib import Path

from bot import logs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CODE = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("cli/*.py"), *ROOT.glob("adapters/*.py"), ROOT / "main.py"]


def _docs() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}


def _headings(text: str) -> list[str]:
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


def test_every_section_the_code_points_to_exists():
    pointed = [(m.group(1), m.group(2), path.name) for path in CODE
               for m in re.finditer(r"docs/([a-z-]+\.md)[^「」\n]{0,12}「([^」]+)」", path.read_text(encoding="utf-8"))]
    assert len(pointed) >= 3
    for doc, section, source in pointed:
        headings = _headings((DOCS / doc).read_text(encoding="utf-8"))
        assert any(section in h for h in headings), f"{source} points to {doc}「{section}」, which has no such heading"


def test_commands_are_typed_one_way_in_every_document():
    for name, text in {**_docs(), "README.md": (ROOT / "README.md").read_text(encoding="utf-8")}.items():
        for line in text.splitlines():
            if "python main.py" in line and name != "README.md":
                # Procfile's line (a PaaS runs its own Python) and the troubleshooting note about the wrong way
                assert "--port $PORT" in line or "ではなく" in line, f"{name}: {line}"
    assert "./bansou doctor" in _docs()["manual.md"] and (ROOT / "bansou").stat().st_mode & 0o111


def test_the_log_files_the_documents_name_are_the_ones_written():
    written = {logs.LOG_FILE, logs.WORKER_LOG_FILE, logs.TEST_LOG_FILE}
    for name, text in _docs().items():
        for found in re.findall(r"var/log/(bansou[a-z-]*\.log)", text):
            assert found in written, f"{name} names var/log/{found}"
    trouble = _docs()["troubleshooting.md"]
    assert 'grep "Claude failed" var/log/bansou-worker.log' in trouble  # the worker answers, so it logs that
    assert "+09:00" in trouble and "?token=" not in _docs()["manual.md"]


def test_one_name_for_makino_and_for_the_menus():
    for name, text in _docs().items():
        assert "牧野氏" not in text, name
        assert "エージェント別" not in text and "相談内容" not in text, name
    for path in CODE:
        if "safety" not in path.parts and path.name not in ("claude.py", "patterns.py"):
            assert "牧野氏" not in path.read_text(encoding="utf-8"), path


def test_the_glossary_explains_every_term_the_operator_meets():
    glossary = _docs()["glossary.md"]
    for term in ("エスカレーション", "相談メニュー（Pattern", "コホート", "確信度", "Webhook", "トークン", "ワーカー",
                 "牧野さん", "KPI", "LINE のユーザー ID", "テストの質問", "doctor", "Markdown", "front matter", "YAML",
                 "manifest", "Socket Mode", "UTF-8", "リッチメニュー", "p99", "SIGTERM", "PATH", "venv"):
        assert f"| {term}" in glossary, term


def test_the_manual_starts_with_the_daily_tasks_and_keeps_installation_for_engineers():
    headings = [h for h in _headings(_docs()["manual.md"]) if not h.startswith("bansou")]
    assert headings[0].startswith("1. 毎日の仕事") and headings[1].startswith("1.1 朝")
    install = next(i for i, h in enumerate(headings) if "インストール" in h)
    assert headings[install].startswith("付録 A（エンジニア向け）") and install > len(headings) // 2


def test_the_crisis_procedure_answers_who_how_what_when_and_the_record():
    crisis = _docs()["crisis-procedure.md"]
    for part in ("当番", "この返信をユーザーに送る", "文例", "時間外", "119 番", "110 番", "記録"):
        assert part in crisis, part
    assert "[危機対応の手順](crisis-procedure.md)" in _docs()["manual.md"]


def test_the_set_up_guides_quote_doctor_s_green_lines_word_for_word(settings):
    """An operator compares the screen with the guide: the ✅ lines in them are what doctor prints."""
    from dataclasses import replace

    from adapters.doctor import check_line, check_slack
    from fakes import working_platforms
    platforms = working_platforms(channel="C0123OPS", staff="U0111", endpoint="https://bansou.example.com/line/webhook")
    connected = replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s",
                        slack_api_base_url=platforms.url + "/api/", slack_operator_channel="C0123OPS",
                        slack_staff_user_ids=("U0111", "U0222"), slack_makino_user_id="U0999",
                        line_channel_secret="s", line_channel_access_token="t", line_api_base_url=platforms.url)
    try:
        slack, line = check_slack(connected).render(), check_line(connected).render()
    finally:
        platforms.stop()
    assert slack.startswith("✅") and slack in _docs()["slack-setup.md"]
    assert line.startswith("✅") and line in _docs()["line-setup.md"]


def test_the_documents_write_the_public_address_as_manifest_yml_does():
    """The operator replaces the manifest's address: the guides must show that same one."""
    [address] = set(re.findall(r"https://([a-z.]+)/slack/events", (ROOT / "manifest.yml").read_text(encoding="utf-8")))
    for name, text in {**_docs(), "README.md": (ROOT / "README.md").read_text(encoding="utf-8")}.items():
        for found in re.findall(r"bansou\.example\.[a-z]+", text):
            assert found == address, f"{name} writes {found}, manifest.yml {address}"
    manifest = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    assert manifest.count(address) == 3 and "3 行" in _docs()["slack-setup.md"]  # as many as the guide says to replace


def test_every_document_that_names_the_engineer_points_to_the_contact_table():
    """「担当エンジニア」 is whoever the academy writes in handover.md's table on handover day."""
    assert "引き継ぎの日に、塾の方が記入します" in _docs()["handover.md"]
    for name, text in _docs().items():
        if "担当エンジニア" in text and name != "handover.md":
            first = text.index("担当エンジニア")
            assert "handover.md" in text[max(0, first - 60):first + 80], name


def test_the_no_account_checks_end_with_the_japanese_line_the_guides_quote():
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from webhooks import verdict
    finally:
        sys.path.remove(str(ROOT / "bench"))
    passed = verdict(True, events=10, once=10, missing=0, extra=0, p99=6.0)
    assert passed.splitlines()[0] == "PASS" and "結果: 合格" in passed and "答えなかったもの 0 件" in passed
    for guide in ("slack-setup.md", "line-setup.md"):
        assert passed in _docs()[guide], guide
    failed = verdict(False, events=10, once=8, missing=2, extra=0, p99=6.0)
    assert failed.startswith("FAIL\n結果: 不合格") and "ちょうど 1 回ずつ答えたもの 8 件、答えなかったもの 2 件" in failed


def test_env_example_speaks_japanese_and_the_member_lists_stay_out_of_git():
    """An operator copies .env.example: its commands are ./bansou, its comments Japanese; rosters are personal data."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "python main.py" not in example
    comments = [line for line in example.splitlines() if line.startswith("#") and "=" not in line]
    english = [line for line in comments if not re.search(r"[ぁ-んァ-ヶ一-龠]", line)]
    assert not english, english
    ignored = subprocess.run(["git", "check-ignore", "members.csv", "members-now.csv", "var/x-members.csv"], cwd=ROOT,
                             capture_output=True, text=True)
    assert ignored.stdout.split() == ["members.csv", "members-now.csv", "var/x-members.csv"]


def test_troubleshooting_quotes_the_server_s_start_and_stop_lines_as_written():
    """Task 9: the operator greps the words the server writes (test_shutdown.py checks that it writes them)."""
    import signal

    from adapters.web import stop_reason
    guide = _docs()["troubleshooting.md"]
    assert 'grep -h "サーバーを起動しました\\|サーバーを停止しました"' in guide
    for signum, ran in ((signal.SIGTERM, True), (signal.SIGINT, True), (None, False)):
        assert stop_reason(signum, ran).split("。")[0].split(":")[0] in guide


def test_the_operators_documents_have_no_english_sections():
    """English belongs in architecture.md (the engineers'); an operator's page has a Japanese heading everywhere."""
    for name, text in _docs().items():
        if name != "architecture.md":
            english = [h for h in _headings(text) if not re.search(r"[ぁ-んァ-ヶ一-龠]", h)]
            assert not english and "English summary" not in text, (name, english)
    assert "Slack set-up (summary for engineers)" in _docs()["architecture.md"]


def test_the_practice_command_the_documents_name_exists_and_the_guides_quote_its_words():
    from cli.parser import build_parser
    from cli.practice import health, server_state
    assert build_parser().parse_args(["practice", "質問", "--pattern", "1"]).command == "practice"
    trouble = _docs()["troubleshooting.md"]
    assert "./bansou practice" in trouble and "./bansou practice" in _docs()["manual.md"]
    stopped = server_state(1, health(1)).splitlines()[0]  # nothing listens on port 1
    assert stopped.replace("127.0.0.1:1 ", "127.0.0.1:8000 ") in trouble
    from cli import practice
    said = re.findall(r'"\\n(練習用の bansou を[^"]+)', inspect.getsource(practice))
    assert said and said[0].replace("\\n", "") in trouble  # the practice copy's own line, with its waiting time


def _flat(text: str) -> str:
    """A document's text with line breaks and blockquote marks gone, so a quote wrapped over lines matches."""
    return re.sub(r"\n(> ?)?\s*", "", text)


def test_the_rollout_notices_the_guides_quote_are_the_ones_the_bot_sends():
    from bot.patterns import PATTERNS
    from bot.texts import notices
    p1, p2, p3 = (PATTERNS[n].label for n in (1, 2, 3))
    before_p2 = (notices.for_others(p1, "塾生") + notices.own_patterns_open_on([p2], 12, 7)).replace("\n", "")
    manual, slack = _flat(_docs()["manual.md"]), _flat(_docs()["slack-setup.md"])
    assert before_p2 in manual and before_p2 in slack
    assert notices.opens_on(p3, 12, 10) in manual
    assert (notices.for_others(p1, "塾生") + notices.own_patterns_open_on([p3], 12, 10)).replace("\n", "") in manual
    assert notices.for_others(p2, "ドクター研修生", 12, 7) in manual


def test_the_with_tests_marks_the_guides_quote_are_the_ones_written(tmp_path):
    import datetime as dt
    from zoneinfo import ZoneInfo
    from reports.document import Report
    from reports.periods import monthly
    period = monthly(dt.date(2026, 11, 1), tz=ZoneInfo("Asia/Tokyo"))
    now = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)
    head = Report("monthly", period, tmp_path, now, with_tests=True).markdown().splitlines()[0]
    mark = head.removeprefix("> ")
    for name in ("manual.md", "reports.md"):
        assert mark in _flat(_docs()[name]), name

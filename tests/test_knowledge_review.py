"""What the knowledge base tells the operators: drafts awaiting Makino, checks older than a year, and the
corrections its content needed (no outcome promised in Makino's words, dated facts put right)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_dir, parse_entry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(tmp_path, plan_file):
    knowledge = Path(shutil.copytree(ROOT / "tests/data/knowledge", tmp_path / "knowledge"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/cli.db", KNOWLEDGE_DIR=str(knowledge), ROLLOUT_FILE=str(plan_file))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=60)
    run.knowledge = knowledge
    return run


def test_knowledge_approvals_lists_what_waits_and_list_shows_old_checks(run):
    path = run.knowledge / "t1-tax.md"
    path.write_text(path.read_text(encoding="utf-8").replace("source:", "checked: 2024-01\nsource:", 1),
                    encoding="utf-8")
    waiting = run("knowledge", "approvals")
    assert waiting.returncode == 0, waiting.stderr
    assert "t4-0001" in waiting.stdout and "承認待ち 1件" in waiting.stdout and "t1-0001" not in waiting.stdout
    listing = run("knowledge", "list").stdout
    tax = next(line for line in listing.splitlines() if line.startswith("t1-0001"))
    assert "確認 2024-01（1年以上前）" in tax and "確認から1年以上たったもの 1件: t1-0001" in listing
    posted = run("knowledge", "approvals", "--post")
    assert posted.returncode == 2 and "SLACK_MAKINO_USER_ID" in posted.stderr


def test_checked_is_a_year_and_a_month():
    good = "---\nid: p1-0100\npattern: 1\nquestion: q\nchecked: 2026-12\n---\nbody\n"
    assert parse_entry(good).checked == "2026-12" and parse_entry(good).check_older_than("2027-01")
    assert not parse_entry(good).check_older_than("2026-12")
    with pytest.raises(KnowledgeError, match="checked"):
        parse_entry(good.replace("2026-12", "12月"))


SHIPPED = {e.id: e for e in load_dir(ROOT / "knowledge")[0]}


@pytest.mark.parametrize("entry_id, promise", [("p4-0004", "関係は何も変わりません"), ("p4-0005", "紹介してくださいます。"),
                                               ("p4-0010", "必ず"), ("p4-0015", "最初に思い出すのはあなたです")])
def test_makinos_drafts_promise_no_outcome(entry_id, promise):
    assert promise not in SHIPPED[entry_id].body


def test_the_corrected_facts_and_their_check_dates():
    assert all("通算して1年6か月" in SHIPPED[i].body and "最長1年6か月" not in SHIPPED[i].body
               for i in ("p1-0019", "p2-0007"))
    assert "廃止" in SHIPPED["p1-0014"].body and "意向に沿って絞り込む" in SHIPPED["p1-0014"].body
    assert "保険積立金" in SHIPPED["p3-0013"].body and "特定役員退職手当等" in SHIPPED["p2-0006"].body
    assert "（または取締役会）" not in SHIPPED["p3-0015"].body and "一任" in SHIPPED["p3-0015"].body
    assert all(SHIPPED[i].checked == "2026-12" for i in ("p1-0014", "p1-0019", "p2-0006", "p2-0007", "p3-0013",
                                                         "p3-0015"))

"""Members: a re-import keeps a hand-set cohort unless the CSV changed it, LINE ids checked, export for Excel,
`ask --cohort` for that question only."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from freezegun import freeze_time

from bot import users
from bot.models import User

ROOT = Path(__file__).resolve().parent.parent
YAMADA, SATO = "U" + "a" * 32, "U" + "0123456789abcdef" * 2
HEADER = "channel,user_id,cohort,display_name\r\n"
TOKYO = ZoneInfo("Asia/Tokyo")


def _csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "members.csv"
    path.write_bytes((HEADER + rows).encode("utf-8-sig"))
    return path


def _cohort(external_id: str) -> str:
    return User.get(User.external_id == external_id).cohort


def test_a_reimport_keeps_a_hand_set_cohort_unless_the_csv_changes_it(runtime, tmp_path):
    original = f"line,{YAMADA},academy_member,山田 太郎\r\nline,{SATO},academy_member,佐藤 花子\r\n"
    assert users.import_csv(_csv(tmp_path, original)).added == 2
    users.set_cohort("line", YAMADA, "doctor_trainee")
    users.set_cohort("line", SATO, "corporate_trainee")
    again = users.import_csv(_csv(tmp_path, original))
    assert again.updated == 0 and again.unchanged == 2 and len(again.kept) == 2
    assert _cohort(YAMADA) == "doctor_trainee" and _cohort(SATO) == "corporate_trainee"
    changed = f"line,{YAMADA},staff,山田 太郎\r\nline,{SATO},academy_member,佐藤 花子\r\n"
    third = users.import_csv(_csv(tmp_path, changed))
    assert third.updated == 1 and third.kept == [f"佐藤 花子（line:{SATO}、corporate_trainee）"]
    assert _cohort(YAMADA) == "staff" and _cohort(SATO) == "corporate_trainee"


def test_reimporting_an_older_csv_names_the_people_it_moves_back(runtime, tmp_path):
    older = f"line,{YAMADA},academy_member,山田 太郎\r\n"
    users.import_csv(_csv(tmp_path, older))
    users.import_csv(_csv(tmp_path, f"line,{YAMADA},doctor_trainee,山田 太郎\r\n"))  # moved by editing the CSV
    back = users.import_csv(_csv(tmp_path, older))
    assert back.moved == [f"山田 太郎（line:{YAMADA}、doctor_trainee → academy_member）"]
    assert users.import_csv(_csv(tmp_path, older)).moved == []


def test_export_gives_the_day_registered_in_japan(runtime, tmp_path):
    with freeze_time("2026-12-06 16:38:00"):  # 01:38 on 12/07 in Japan
        users.add("line", YAMADA, "academy_member", "山田 太郎")
    path = tmp_path / "out.csv"
    users.export_csv(path, TOKYO)
    assert [r["created_at"] for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))] == ["2026-12-07"]


@pytest.mark.parametrize("bad", ["U1234…", "山田太郎", "U" + "A" * 32, "U" + "a" * 31, "X" + "a" * 32])
def test_a_line_id_that_is_not_u_and_32_hex_is_refused_with_its_row(runtime, tmp_path, bad):
    result = users.import_csv(_csv(tmp_path, f"line,{YAMADA},academy_member,山田\r\nline,{bad},staff,誰か\r\n"))
    assert result.added == 1 and len(result.rejected) == 1
    line, why = result.rejected[0]
    assert line == 3 and "LINE のユーザー ID" in why and "32 文字" in why and "./bansou users list" in why  # as the manual says
    with pytest.raises(users.UserError):
        users.add("line", bad, "staff")


def test_export_is_a_csv_excel_opens_and_import_reads_back(runtime, tmp_path):
    users.add("line", YAMADA, "doctor_trainee", "山田 太郎")
    users.add("slack", "W0SATO", "staff", "佐藤, 花子")
    users.add("local", "local-user", "staff")  # the terminal's test user is no member: not exported
    path = tmp_path / "out.csv"
    assert users.export_csv(path, TOKYO) == 2
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # the BOM tells Excel it is UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["channel"], r["user_id"], r["cohort"], r["display_name"]) for r in rows] == [
        ("line", YAMADA, "doctor_trainee", "山田 太郎"), ("slack", "W0SATO", "staff", "佐藤, 花子")]
    assert users.import_csv(path).unchanged == 2


@pytest.fixture
def run(tmp_path, plan_file):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/cli.db", KNOWLEDGE_DIR=str(ROOT / "tests/data/knowledge"),
               ROLLOUT_FILE=str(plan_file))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=120)
    return run


def test_the_commands_say_what_import_kept_and_where_export_wrote(run, tmp_path):
    _csv(tmp_path, f"line,{YAMADA},academy_member,山田 太郎\r\n")
    first = run("users", "import", "members.csv").stdout
    assert "登録 1 人" in first
    assert f"まだ bot に届いたことのない LINE のユーザー ID 1 人: 山田 太郎（line:{YAMADA}）" in first
    run("users", "set-cohort", "line", YAMADA, "doctor_trainee")
    again = run("users", "import", "members.csv").stdout
    assert "set-cohort で変えたコホートを残した人 1 人" in again and f"山田 太郎（line:{YAMADA}、doctor_trainee）" in again
    _csv(tmp_path, f"line,{YAMADA},corporate_trainee,山田 太郎\r\n")
    moved = run("users", "import", "members.csv").stdout
    assert f"この取り込みでコホートが変わった人 1 人: 山田 太郎（line:{YAMADA}、doctor_trainee → corporate_trainee）" in moved
    run("ask", "保険料の払込猶予期間は？", "--pattern", "1")  # a terminal test: its user is left out of the export
    exported = run("users", "export", "all.csv")
    assert exported.returncode == 0 and f"1 人を {tmp_path / 'all.csv'} に書き出しました" in exported.stdout
    assert "local-user" not in (tmp_path / "all.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "all.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_ask_with_a_cohort_applies_to_that_question_only(run):
    run("users", "add", "local", "op1", "--cohort", "academy_member")
    asked = json.loads(run("ask", "--json", "開業医の事業承継で最初に確認すべきことは？", "--pattern", "2", "--user", "op1",
                           "--cohort", "doctor_trainee").stdout)
    assert asked["pattern"] == 2
    row = next(line for line in run("users", "list").stdout.splitlines() if " op1 " in line)
    assert "academy_member" in row and "doctor_trainee" not in row


def test_members_who_added_the_account_get_their_cohort_by_export_edit_and_import(runtime, tmp_path):
    """The roster flow of the manual: members add the LINE account (registered as 塾生 with their LINE name),
    the operator exports, fills the cohort column in Excel (saved as Shift_JIS CSV) and imports it back."""
    users.get_or_create("line", YAMADA, display_name="やまだ")
    users.get_or_create("line", "U" + "b" * 32, display_name="さとう")
    path = tmp_path / "members-now.csv"
    assert users.export_csv(path, TOKYO) == 2
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert {r["cohort"] for r in rows} == {"academy_member"}
    for row in rows:
        if row["display_name"] == "やまだ":
            row["cohort"], row["display_name"] = "doctor_trainee", "山田 太郎"
    with path.open("w", encoding="cp932", newline="") as out:  # what Excel's 「CSV（コンマ区切り）」 writes
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = users.import_csv(path)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    yamada = users.find("line", YAMADA)
    assert (yamada.cohort, yamada.display_name) == ("doctor_trainee", "山田 太郎")


def test_an_import_names_the_line_ids_the_bot_has_never_heard_from(runtime, tmp_path):
    users.get_or_create("line", YAMADA, display_name="山田")  # Yamada added the account: LINE sent his ID
    result = users.import_csv(_csv(tmp_path, f"line,{YAMADA},academy_member,山田\r\nline,{SATO},staff,佐藤\r\n"))
    assert result.added == 1 and result.unseen_line == [f"佐藤（line:{SATO}）"]


def test_a_row_with_a_bad_line_id_and_a_bad_cohort_names_both(runtime, tmp_path):
    result = users.import_csv(_csv(tmp_path, "line,U1234,doctor,誰か\r\n"))
    (line, why), = result.rejected
    assert line == 2 and "コホート 'doctor' はありません" in why and "LINE のユーザー ID 'U1234' の形が違います" in why

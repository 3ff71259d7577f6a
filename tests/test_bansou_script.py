"""`./bansou`: one way to type every command, with nothing to activate; a missing install said in Japanese."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_", "BANSOU_"))}
    return {**env, **extra}


def test_the_script_runs_a_command_with_the_project_python(tmp_path):
    result = subprocess.run([str(ROOT / "bansou"), "users", "--help"], cwd=tmp_path, capture_output=True, text=True,
                            env=_env(BANSOU_PYTHON=sys.executable), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("使い方: ./bansou users")


def test_without_the_install_the_script_says_the_step_in_japanese(tmp_path):
    copy = tmp_path / "bansou-copy"
    copy.mkdir()
    shutil.copy(ROOT / "bansou", copy / "bansou")
    result = subprocess.run([str(copy / "bansou"), "doctor"], cwd=copy, capture_output=True, text=True, env=_env(),
                            timeout=60)
    assert result.returncode == 2 and "インストールがまだ済んでいません" in result.stderr
    assert "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" in result.stderr


def test_a_python_without_the_libraries_gets_the_install_step_not_a_traceback(tmp_path):
    bare = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    result = subprocess.run([bare, "-S", "-E", "-s", str(ROOT / "main.py"), "doctor"], cwd=tmp_path, capture_output=True,
                            text=True, env=_env(), timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "必要なライブラリ dotenv が見つかりません" in result.stderr and "./bansou doctor" in result.stderr

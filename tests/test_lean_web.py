"""The web process verifies, stores and acknowledges: it builds no search index, loads no encoder nor Sudachi, no
scikit-learn and no Claude client, and stays within 150 MB with the shipped knowledge. The worker answers
without scikit-learn or SciPy (their ~100 MB were for two small transforms, now in numpy), and without
FastAPI, which only the web process serves with."""
from __future__ import annotations

import json
import subprocess
import sys

from server_process import ROOT, server_env

PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from adapters.web import create_app
from app import build_runtime
from bot.config import load_settings
runtime = build_runtime(load_settings(), answering=False)
runtime.core.screener.check()
create_app(runtime)
rss = int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
print(json.dumps({{"modules": sorted(m for m in ("anthropic", "sklearn", "scipy", "sudachipy") if m in sys.modules),
                   "index": runtime.knowledge._index is not None, "rss_mb": rss}}))
"""


def test_the_web_process_builds_no_index_and_loads_no_model(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path}/bansou.db", "http://127.0.0.1:9", ANTHROPIC_API_KEY="k",
                     SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    env["KNOWLEDGE_DIR"] = str(ROOT / "knowledge")  # the shipped knowledge
    done = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT))], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["modules"] == [] and probe["index"] is False
    assert probe["rss_mb"] <= 150, probe  # it was 420 MB: the index, the encoder's libraries, the SDK


WORKER_PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from app import build_runtime
from bot.config import load_settings
from bot.messages import IncomingMessage
from bot.models import QuestionVector
runtime = build_runtime(load_settings(), channels=False)
runtime.core.screener.load()
replies = [runtime.core.handle(IncomingMessage(channel="local", user_id="u1", text=text, conversation_id="c1"))
           for text in ("死亡保険金の非課税枠は？", "相続税の非課税枠について教えて", "紹介をもらうコツはありますか？",
                        "もう消えたい")]
import reports.weekly, reports.monthly, reports.dashboard  # what the worker's scheduler runs
from reports.themes.rising import is_rising
assert is_rising([0, 1, 0, 5])
print(json.dumps({{"modules": sorted(m for m in ("sklearn", "scipy") if m in sys.modules),
                   "answered": sum(bool(r.text) for r in replies), "themes_read": QuestionVector.select().count()}}))
"""


def test_the_worker_answers_and_reports_without_scikit_learn_or_scipy(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path}/bansou.db", "http://127.0.0.1:9")
    env["KNOWLEDGE_DIR"] = str(ROOT / "knowledge")
    done = subprocess.run([sys.executable, "-c", WORKER_PROBE.format(root=str(ROOT))], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["answered"] == 4 and probe["themes_read"] >= 2  # the member's earlier questions were grouped
    assert probe["modules"] == [], probe  # safety read every message; its character features are numpy now


SPAWNED_WORKER_PROBE = """
import json, sys
sys.path.insert(0, {root!r})
import adapters.worker  # what `spawn` imports to start the worker process
from app import build_runtime
from bot.config import load_settings
runtime = build_runtime(load_settings())  # with its LINE and Slack adapters, as `work` builds it
print(json.dumps({{"channels": [runtime.line is not None, runtime.slack is not None],
                   "modules": sorted(m for m in ("fastapi", "uvicorn", "reports.dashboard") if m in sys.modules)}}))
"""


def test_the_worker_process_loads_no_web_framework(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path}/bansou.db", "http://127.0.0.1:9",
                     SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    done = subprocess.run([sys.executable, "-c", SPAWNED_WORKER_PROBE.format(root=str(ROOT))], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["channels"] == [True, True]
    assert probe["modules"] == [], probe  # it sends through the SDKs and serves nothing

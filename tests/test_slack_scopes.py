"""The manifest asks for every scope the code's Slack calls and events need, and nothing else; doctor names
the scope to add when Slack answers missing_scope."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml
from slack_sdk import WebClient

from adapters.doctor import check_slack
from adapters.slack_scopes import EVENT_SCOPES, MANIFEST, METHOD_SCOPES, api_methods, manifest_scopes
from bot.doctor import Status
from fakes import FakeServer

ROOT = Path(__file__).resolve().parent.parent
SDK_METHODS = {n for n in dir(WebClient) if not n.startswith("_") and "_" in n}


def called_api_methods() -> dict[str, set[str]]:
    """Every Slack Web API method the code calls (through the SDK), with the files that call it."""
    found: dict[str, set[str]] = {}
    for path in [*ROOT.glob("adapters/*.py"), *ROOT.glob("bot/**/*.py"), *ROOT.glob("reports/*.py"),
                 *ROOT.glob("cli/*.py"), ROOT / "app.py", ROOT / "main.py"]:
        text = path.read_text(encoding="utf-8")
        names = {m for m in re.findall(r"\.([a-z]+_[A-Za-z0-9_]+)\(", text) if m in SDK_METHODS}
        names |= set(re.findall(r"api_call\(\s*[\"']([a-zA-Z.]+)", text))
        for name in names:
            for method in api_methods(name) if "." not in name else (name,):
                found.setdefault(method, set()).add(path.name)
    return found


def test_the_scan_finds_the_calls_it_must():
    called = called_api_methods()
    assert {"chat.postMessage", "conversations.info", "users.info", "files.completeUploadExternal"} <= set(called)


def test_every_method_the_code_calls_has_its_scopes_in_the_manifest():
    manifest = manifest_scopes()
    for method, files in called_api_methods().items():
        assert method in METHOD_SCOPES, f"{method} (called in {sorted(files)}) needs its scopes in slack_scopes.py"
        missing = set(METHOD_SCOPES[method]) - manifest
        assert not missing, f"{method} (in {sorted(files)}) needs {missing} in manifest.yml"


def test_every_event_has_its_scope_and_the_manifest_asks_for_nothing_unused():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed = {s for e in events for s in EVENT_SCOPES[e]} | set(EVENT_SCOPES["slash_command"])
    needed |= {s for m in called_api_methods() for s in METHOD_SCOPES[m]}
    assert needed == manifest_scopes()


def test_doctor_says_which_scope_to_add_for_missing_scope(settings):
    platforms = FakeServer().start()
    platforms.route("POST", "/api/auth.test", (200, {"ok": True, "team": "牧野生保塾", "user": "bansou"}))
    platforms.route("POST", "/api/conversations.info", (200, {"ok": False, "error": "missing_scope",
                                                              "needed": "channels:read", "provided": "chat:write"}))
    platforms.route("POST", "/api/users.info", (200, {"ok": True, "user": {"id": "U1"}}))
    try:
        slack = check_slack(replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s",
                                    slack_api_base_url=platforms.url + "/api/", slack_operator_channel="C1",
                                    slack_staff_user_ids=("U1",)))
    finally:
        platforms.stop()
    assert slack.status == Status.ERROR and "足りない権限: channels:read" in slack.text
    assert "channels:read を追加" in slack.fix and "reinstall" in slack.fix and "ID を調べる" not in slack.fix

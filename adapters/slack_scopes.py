"""The Slack scopes each Web API method and event the app uses needs: the manifest's source of truth,
checked by a test against every call in the code, and read by `doctor` to say which scope to add."""
from __future__ import annotations

from pathlib import Path

import yaml

# Web API method -> the bot scopes that allow it (any one is enough; both listed when a public and a
# private operator channel need different ones). Empty: no scope (the token alone, or an app-level token).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.info": ("channels:read", "groups:read"),  # doctor: the operator channel, public or private
    "users.info": ("users:read",),
    "files.getUploadURLExternal": ("files:write",),  # files_upload_v2: report --post
    "files.completeUploadExternal": ("files:write",),
    "views.open": (),
    "views.publish": (),
    "apps.connections.open": (),  # Socket Mode, with the app-level token (connections:write), not a bot scope
    # The thinking status in a mention thread: only apps set up as Slack AI apps (assistant:write) may; the code
    # asks once and stops when Slack refuses, so the manifest does not ask for it (the placeholder shows progress).
    "assistant.threads.setStatus": (),
}
# What the SDK's helper methods call on the Web API, where the name does not say it.
SDK_CALLS: dict[str, tuple[str, ...]] = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}
# Events the app subscribes to, and the slash command: the scopes Slack requires for them.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_mention": ("app_mentions:read",), "message.im": ("im:history",), "message.channels": ("channels:history",),
    "message.groups": ("groups:history",), "app_home_opened": (), "slash_command": ("commands",),
}
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def api_methods(sdk_method: str) -> tuple[str, ...]:
    """`chat_postMessage` -> ("chat.postMessage",); the SDK's helpers -> what they call."""
    return SDK_CALLS.get(sdk_method, (sdk_method.replace("_", "."),))


def manifest_scopes(path: Path = MANIFEST) -> set[str]:
    """The bot scopes manifest.yml asks for."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def add_scope_advice(needed: str) -> str:
    """What the operator does about `missing_scope` (Slack names the scope in the error's `needed`)."""
    scopes = needed or "（エラーに書かれた権限）"
    return (f"Slack アプリの設定ページ（https://api.slack.com/apps）でこのアプリを開き、「OAuth & Permissions」の"
            f"「Bot Token Scopes」で「Add an OAuth Scope」を押して {scopes} を追加し、ページ上部の"
            "「reinstall to your workspace」でアプリを入れ直してください。入れ直した後に Bot User OAuth Token が"
            "変わっていたら、.env の SLACK_BOT_TOKEN も書き換えて再起動します。manifest.yml から作り直す場合は、"
            "最新の manifest.yml に必要な権限がすべて入っています。")

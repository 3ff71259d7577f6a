"""Pure conversions between Slack payloads and the core's messages (no I/O here)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot.messages import IncomingMessage

# What an event is for the bot; the adapter enqueues one job kind per route.
QUESTION = "question"
HOME = "home"
OPERATOR_REPLY = "operator_reply"
OPERATOR_EDIT = "operator_edit"
OPERATOR_DELETE = "operator_delete"
IGNORE = "ignore"
USER_SUBTYPES = (None, "file_share", "thread_broadcast")  # a person writing (with a file, or to the channel too)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Action:
    """One button press (block_actions), reduced to what the bot needs."""

    action_id: str
    value: str
    user_id: str
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    in_home: bool = False
    action_ts: str = ""


def route_event(event: Mapping[str, Any], *, operator_channel: str | None) -> str:
    """What an Events API event means for the bot (checks that return early, before any work)."""
    kind = event.get("type")
    channel = event.get("channel")
    if kind == "app_home_opened":
        return HOME if event.get("tab", "home") == "home" else IGNORE
    if kind == "app_mention":
        # In the operator channel a mention is staff talk; the `message` event carries the reply.
        if channel == operator_channel or _from_bot(event) or event.get("channel_type") == "im":
            return IGNORE
        return QUESTION
    if kind != "message":
        return IGNORE
    if operator_channel and channel == operator_channel:
        return _operator_route(event)
    if event.get("subtype") not in USER_SUBTYPES or _from_bot(event) or not event.get("user"):
        return IGNORE  # edits, deletions, joins, bot posts: never a question
    # Channel messages without a mention are people talking to each other; app_mention covers the rest.
    return QUESTION if event.get("channel_type") == "im" else IGNORE


def to_incoming(event: Mapping[str, Any], *, display_name: str = "",
                channel_patterns: Mapping[str, int] | None = None) -> IncomingMessage:
    """A trainee's DM or mention as the core's incoming message."""
    channel = event["channel"]
    return IncomingMessage(channel="slack", user_id=event["user"], text=plain_text(event.get("text", "")),
                           conversation_id=conversation_of(event), display_name=display_name,
                           pattern=(channel_patterns or {}).get(channel), raw=dict(event))


def reply_target(event: Mapping[str, Any]) -> tuple[str, str | None]:
    """Where the answer goes: the mention's thread, or the DM (in its thread if the user used one)."""
    channel = event["channel"]
    if event.get("type") == "app_mention":
        return channel, event.get("thread_ts") or event["ts"]
    return channel, event.get("thread_ts")


def conversation_of(event: Mapping[str, Any]) -> str:
    """The conversation whose earlier turns are context: a thread, or the whole DM."""
    channel, thread = reply_target(event)
    return f"{channel}:{thread}" if thread else channel


def parse_conversation(conversation_id: str) -> tuple[str, str | None]:
    """`C123:1700.01` -> (C123, 1700.01); `D123` -> (D123, None)."""
    channel, _, thread = conversation_id.partition(":")
    return channel, thread or None


def to_action(body: Mapping[str, Any]) -> Action:
    """The first action of a block_actions payload."""
    action = body["actions"][0]
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    return Action(action_id=action["action_id"], value=action.get("value", ""), user_id=body["user"]["id"],
                  channel=channel, message_ts=message.get("ts") or container.get("message_ts"),
                  thread_ts=message.get("thread_ts") or container.get("thread_ts"),
                  response_url=body.get("response_url"), trigger_id=body.get("trigger_id"),
                  in_home=container.get("type") == "view", action_ts=action.get("action_ts", ""))


def plain_text(text: str) -> str:
    """Slack's escaped mrkdwn as plain text: mentions dropped, links spelled out, entities decoded."""
    text = _MENTION.sub("", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    return html.unescape(text).strip()


def edited_message(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """(ts, new text) of a message_changed event, or None."""
    message = event.get("message") or {}
    if not message.get("ts") or "text" not in message:
        return None
    return message["ts"], plain_text(message["text"])


def deleted_ts(event: Mapping[str, Any]) -> str | None:
    return event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")


def _operator_route(event: Mapping[str, Any]) -> str:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return OPERATOR_EDIT
    if subtype == "message_deleted":
        return OPERATOR_DELETE
    is_reply = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
    if subtype not in USER_SUBTYPES or _from_bot(event) or not event.get("user") or not is_reply:
        return IGNORE
    return OPERATOR_REPLY


def _from_bot(event: Mapping[str, Any]) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile"))

"""Pure conversions between Slack payloads and the core's messages (no I/O here)."""
from __future__ import annotations

import html
import re
import json
from dataclasses import dataclass
from typing import Any, Mapping

from adapters.slack_blocks import BAD_REASON_BLOCK, BAD_REASON_INPUT
from bot.messages import IncomingMessage
from bot.states import Channel

# What an event is for the bot; the adapter enqueues one job kind per route.
QUESTION = "question"
HOME = "home"
OPERATOR_REPLY = "operator_reply"
OPERATOR_EDIT = "operator_edit"
OPERATOR_DELETE = "operator_delete"
IGNORE = "ignore"
USER_SUBTYPES = (None, "file_share", "thread_broadcast")  # a person writing (with a file, or to the channel too)

# The event fields the bot reads; read_event keeps these when they are strings and drops everything else.
EVENT_FIELDS = ("type", "subtype", "channel", "channel_type", "user", "text", "ts", "thread_ts", "event_ts",
                "bot_id", "tab", "deleted_ts")
NESTED_FIELDS = ("user", "text", "ts", "thread_ts", "bot_id")
AUTHORIZATION_FIELDS = ("enterprise_id", "team_id", "user_id", "is_bot", "is_enterprise_install")
ENVELOPE_TYPES = ("url_verification", "ssl_check", "event_callback", "block_actions", "view_submission",
                  "view_closed")

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


@dataclass(frozen=True)
class Unreadable:
    """A payload (or part of one) that is not what Slack sends; `reason` is for the log."""

    reason: str


@dataclass(frozen=True)
class BadReason:
    """The Bad modal, sent or closed: Bad is recorded either way, with the reason if one was typed."""

    user_id: str
    answer_id: str
    reason: str
    view_id: str
    channel: str | None = None
    thread_ts: str | None = None


def envelope_problem(body: Any, *, command: str, action_prefix: str, view_ids: tuple[str, ...]) -> str | None:
    """Why a verified body is not one the bot handles (bolt would 404 or crash on it), or None."""
    if not isinstance(body, dict):
        return "not an object"
    if "command" in body:  # slash commands come as a form: every value is a string
        return None if body.get("command") == command and _str(body.get("user_id")) else "unknown command"
    kind = body.get("type")
    if kind not in ENVELOPE_TYPES:
        return f"unhandled type {str(kind)[:40]!r}"
    if kind == "event_callback":
        event = read_event(body.get("event"))
        if isinstance(event, Unreadable):
            return event.reason
        return None if event["type"] in ("message", "app_mention", "app_home_opened") else "unhandled event"
    if kind == "block_actions":
        action = to_action(body)
        return action.reason if isinstance(action, Unreadable) else (
            None if action.action_id.startswith(action_prefix) else "not our action")
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or view.get("callback_id") not in view_ids or not _str(view.get("type")):
            return "not our view"
        reason = read_bad_reason(body)
        return reason.reason if isinstance(reason, Unreadable) else None
    return None


def clean_envelope(body: Mapping[str, Any]) -> dict[str, Any]:
    """What bolt is given: the envelope's fields of the types Slack sends, the rest dropped.

    bolt reads team, user, enterprise and authorizations while building its context and would crash on
    a mistyped one; the event and the first action are the bot's own reduced forms."""
    objects = ("team", "user", "enterprise", "channel", "container", "message")
    structured = (*objects, "authorizations", "event", "actions", "view")
    clean: dict[str, Any] = {k: v for k, v in body.items() if isinstance(v, str) and k not in structured}
    for key in objects:
        if isinstance(body.get(key), dict):
            clean[key] = _scalars(body[key])
    if isinstance(body.get("authorizations"), list):
        clean["authorizations"] = [{k: v for k, v in _scalars(a).items() if k in AUTHORIZATION_FIELDS}
                                   for a in body["authorizations"] if isinstance(a, dict)][:1]
    if isinstance(body.get("is_enterprise_install"), bool):
        clean["is_enterprise_install"] = body["is_enterprise_install"]
    if isinstance(event := read_event(body.get("event")), dict):
        clean["event"] = event
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        clean["actions"] = [_scalars(actions[0])]
        chosen = _str(_dict(actions[0].get("selected_option")).get("value"))
        if chosen:  # a select's choice (the label menu)
            clean["actions"][0]["selected_option"] = {"value": chosen}
    if isinstance(view := body.get("view"), dict):
        clean["view"] = {**_scalars(view), **({"state": view["state"]} if isinstance(view.get("state"), dict) else {})}
    return clean


def read_event(raw: Any) -> dict[str, Any] | Unreadable:
    """An Events API event reduced to its string fields (and those of a nested message); never raises."""
    if not isinstance(raw, dict) or not _str(raw.get("type")):
        return Unreadable("event without a type")
    event: dict[str, Any] = {k: v for k in EVENT_FIELDS if isinstance(v := raw.get(k), str)}
    if raw.get("bot_profile"):
        event["bot_profile"] = True
    for key in ("message", "previous_message"):
        if isinstance(nested := raw.get(key), dict):
            event[key] = {k: v for k in NESTED_FIELDS if isinstance(v := nested.get(k), str)}
    return event


def route_event(event: Mapping[str, Any], *, operator_channel: str | None) -> str:
    """What an Events API event means for the bot (checks that return early, before any work)."""
    kind = event.get("type")
    channel = event.get("channel")
    if not (channel and event.get("ts")) and kind != "app_home_opened":
        return IGNORE  # nowhere to answer
    if kind == "app_home_opened":
        if not event.get("user"):
            return IGNORE
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
    return IncomingMessage(channel=Channel.SLACK, user_id=event["user"], text=plain_text(event.get("text", "")),
                           conversation_id=conversation_of(event), display_name=display_name,
                           pattern=(channel_patterns or {}).get(channel), raw=dict(event), sent_at=_stamp(event.get("ts")))


def _stamp(ts: Any) -> float | None:
    """A Slack ts ("1700000000.000100") as epoch seconds."""
    try:
        return float(ts)
    except (TypeError, ValueError):
        return None


def asked_by_pressing(action: Action) -> dict[str, Any]:
    """A pressed related question as the message event it stands for: the member asking it, in the
    conversation (DM or thread) the answer was in, so it is answered as if typed there."""
    channel = action.channel or action.user_id
    event = {"type": "message", "channel": channel, "channel_type": "im" if channel.startswith("D") else "channel",
             "user": action.user_id, "text": action.value, "ts": action.action_ts or action.message_ts or ""}
    if action.thread_ts:
        event["thread_ts"] = action.thread_ts
    return event


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


def to_action(body: Mapping[str, Any]) -> Action | Unreadable:
    """The first action of a block_actions payload; Unreadable when a needed field is missing or mistyped."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    action_id, user_id = _str(action.get("action_id")), _str(_dict(body.get("user")).get("id"))
    if not (action_id and user_id):
        return Unreadable("block_actions without an action id or a user id")
    container, message = _dict(body.get("container")), _dict(body.get("message"))
    channel = _str(_dict(body.get("channel")).get("id")) or _str(container.get("channel_id"))
    value = _str(action.get("value")) or _str(_dict(action.get("selected_option")).get("value"))  # a select's choice
    return Action(action_id=action_id, value=value, user_id=user_id, channel=channel or None,
                  message_ts=_str(message.get("ts")) or _str(container.get("message_ts")) or None,
                  thread_ts=_str(message.get("thread_ts")) or _str(container.get("thread_ts")) or None,
                  response_url=_str(body.get("response_url")) or None,
                  trigger_id=_str(body.get("trigger_id")) or None,
                  in_home=container.get("type") == "view", action_ts=_str(action.get("action_ts")))


def read_bad_reason(body: Mapping[str, Any]) -> BadReason | Unreadable:
    """The Bad modal's submission or closing; the answer and thread ride in private_metadata."""
    view, user_id = _dict(body.get("view")), _str(_dict(body.get("user")).get("id"))
    try:
        meta = json.loads(_str(view.get("private_metadata")) or "{}")
    except (ValueError, RecursionError):
        meta = None
    if not user_id or not isinstance(meta, dict):
        return Unreadable("Bad modal without a user or with unreadable metadata")
    values = _dict(_dict(view.get("state")).get("values"))
    typed = _dict(_dict(values.get(BAD_REASON_BLOCK)).get(BAD_REASON_INPUT)).get("value")
    reason = _str(typed) if body.get("type") == "view_submission" else ""
    return BadReason(user_id=user_id, answer_id=_str(meta.get("answer_id")), reason=reason,
                     view_id=_str(view.get("id")), channel=_str(meta.get("channel")) or None,
                     thread_ts=_str(meta.get("thread_ts")) or None)


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
    is_reply = bool(event.get("thread_ts") and event.get("ts")) and event.get("thread_ts") != event.get("ts")
    if subtype not in USER_SUBTYPES or _from_bot(event) or not event.get("user") or not is_reply:
        return IGNORE
    return OPERATOR_REPLY


def _from_bot(event: Mapping[str, Any]) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile"))


def _scalars(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if isinstance(v, (str, bool, int, float)) or v is None}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def read_edit_form(body: Mapping[str, Any], block: str, input_id: str) -> tuple[str, dict[str, Any], str] | None:
    """A sent edit form (a modal): who sent it, its private metadata and the text typed in `block`/`input_id`;
    None when it is not readable."""
    view, user = body.get("view") or {}, (body.get("user") or {}).get("id")
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError):
        return None
    values = (view.get("state") or {}).get("values") or {}
    text = ((values.get(block) or {}).get(input_id) or {}).get("value") or ""
    if not (isinstance(user, str) and isinstance(meta, dict)):
        return None
    return user, meta, str(text)

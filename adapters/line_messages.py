"""Pure conversions between LINE webhook events and the core's messages, and core replies to LINE."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any, Iterable

from linebot.v3.messaging import MessageAction, PostbackAction, QuickReply, QuickReplyItem, TextMessage
from linebot.v3.webhooks import Event, MessageEvent, TextMessageContent, UserSource

from adapters.line_postback import CODES, PostbackCodec
from bot.messages import Button, IncomingMessage, Reply
from bot.render import plain
from bot.texts import notices
from bot.texts.buttons import said_by_tapping

CHANNEL = "line"
TEXT_LIMIT = 5000  # characters per text message, counted in UTF-16 code units
MAX_MESSAGES = 5  # message objects per reply or push request
MAX_QUICK_REPLIES = 13
LABEL_LIMIT = 20  # quick reply action label
REPLY_WINDOW_SECONDS = 50  # LINE guarantees a reply token for one minute; keep a margin
SEND_SECONDS = 5  # kept back from the reply window for sending the answer itself
MIN_ANSWER_SECONDS = 10  # less than this left of the window: it will be a push anyway; the core's own budget
HANDLED_TYPES = ("message", "postback", "follow", "unfollow")

SWITCH_LABEL = notices.SWITCH_LABEL
TEXT_ONLY = notices.TEXT_ONLY
INVALID_POSTBACK = notices.INVALID_POSTBACK
CHOOSE_PATTERN = notices.CHOOSE_PATTERN
NO_PATTERN = notices.NO_PATTERN
FAILED = notices.FAILED
TRUNCATED = notices.TRUNCATED

# Where a long text may be cut, best first: paragraphs, lines, sentences.
BOUNDARIES = (re.compile(r"\n[ \t\u3000]*\n\s*"), re.compile(r"\n"),
              re.compile(r"[。！？!?]+[」』）)]*|\.(?=\s)"))


# ---- webhook events in -----------------------------------------------------------------------

@dataclass(frozen=True)
class UnreadableEvent:
    """An event the SDK cannot read (a newer type, a broken field), with what could be salvaged."""

    reason: str
    kind: str = ""
    user_id: str | None = None
    reply_token: str | None = None
    timestamp_ms: int = 0
    text: str | None = None  # a text message's text, read from the raw event
    unblocked: bool = False  # a follow's follow.isUnblocked, when it is there
    expected: bool = False  # a sticker, image or the like: not read on purpose, nothing to warn about
    message_type: str = ""  # a message event's type (sticker, image…), read from the raw event


@dataclass(frozen=True)
class Job:
    """One queued job: a member's events of one webhook delivery, in the order LINE sent them (so the
    answers go out in that order), or a single group event."""

    payload: dict[str, Any]
    key: str | None


def events_of(body: Any) -> list[dict[str, Any]] | None:
    """The event objects of a webhook body, or None when it is not a LINE webhook."""
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return None
    return [e for e in events if isinstance(e, dict)]


def wanted(raw: dict[str, Any]) -> bool:
    """An event the bot acts on: a kind it handles, in a 1:1 chat, while it has chat control."""
    source = raw.get("source")
    return (isinstance(source, dict) and _text(raw.get("type")) in HANDLED_TYPES
            and raw.get("mode", "active") == "active" and source.get("type") == "user"
            and bool(_text(source.get("userId"))))


def invites(raw: dict[str, Any]) -> bool:
    """A group or room event the bot answers with one invitation to a 1:1 chat: it was added, or @mentioned."""
    source = raw.get("source")
    if not isinstance(source, dict) or source.get("type") not in ("group", "room") or not group_of(raw):
        return False
    if raw.get("type") == "join":
        return True
    message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    mention = message.get("mention") if isinstance(message.get("mention"), dict) else {}
    mentionees = mention.get("mentionees") if isinstance(mention.get("mentionees"), list) else []
    return raw.get("type") == "message" and any(isinstance(m, dict) and m.get("isSelf") is True for m in mentionees)


def group_of(raw: dict[str, Any]) -> str:
    """The group or room id of a group event ('' for a 1:1 chat)."""
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    return _text(source.get("groupId")) or _text(source.get("roomId"))


def jobs_of(events: list[dict[str, Any]]) -> list[Job]:
    """The jobs of one delivery: each member's events together, in order; each group invitation alone."""
    by_member: dict[str, list[dict[str, Any]]] = {}
    jobs = []
    for raw in events:
        if wanted(raw):
            by_member.setdefault(raw["source"]["userId"], []).append(raw)
        elif invites(raw):
            jobs.append(Job({"events": [{"event": raw, "key": dedupe_key(raw)}]}, dedupe_key(raw)))
    for member_events in by_member.values():
        keys = [dedupe_key(raw) for raw in member_events]
        # A redelivery of the same events makes the same key; one event keeps its own key.
        key = keys[0] if len(keys) == 1 or keys[0] is None else f"{keys[0]}+{len(keys) - 1}"
        jobs.append(Job({"events": [{"event": raw, "key": k} for raw, k in zip(member_events, keys)]}, key))
    return jobs


def dedupe_key(raw: dict[str, Any]) -> str | None:
    """LINE keeps webhookEventId across redeliveries: it makes a redelivery a duplicate job."""
    event_id = _text(raw.get("webhookEventId"))
    if len(event_id) > 64:  # the key column is 255 characters; LINE's ids are 26
        event_id = hashlib.sha256(event_id.encode()).hexdigest()
    return f"line:{event_id}" if event_id else None


def read_event(raw: Any) -> Event | UnreadableEvent:
    """The SDK's typed event, or what little can be read of one it cannot parse. Never raises.

    A message that is not text is not given to the SDK: only the text-only nudge answers it, and the SDK's
    models refuse real stickers (one without `stickerResourceType`) that LINE does send."""
    kind = _message_type(raw)
    if kind not in (None, "text"):
        return _salvage(raw, f"{kind or 'untyped'} message", expected=True)
    try:
        return Event.from_dict(raw)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # pydantic and its callers on foreign data
        return _salvage(raw, f"{type(exc).__name__}: {str(exc)[:200]}")


def is_text_message(raw: Any) -> bool:
    """A raw event that is a text message (the ones the member waits for an answer to)."""
    return _message_type(raw) == "text"


def _message_type(raw: Any) -> str | None:
    """The message's type of a raw message event ('' when it has none); None for other events."""
    if not isinstance(raw, dict) or raw.get("type") != "message":
        return None
    message = raw.get("message")
    return _text(message.get("type")) if isinstance(message, dict) else ""


def _salvage(raw: Any, reason: str, *, expected: bool = False) -> UnreadableEvent:
    raw = raw if isinstance(raw, dict) else {}
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    stamp = raw.get("timestamp")
    message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    text = message.get("text") if message.get("type") == "text" and isinstance(message.get("text"), str) else None
    follow = raw.get("follow") if isinstance(raw.get("follow"), dict) else {}
    return UnreadableEvent(reason, kind=_text(raw.get("type")), user_id=_text(source.get("userId")) or None,
                           reply_token=_text(raw.get("replyToken")) or None,
                           timestamp_ms=stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else 0,
                           text=text, unblocked=follow.get("isUnblocked") is True, expected=expected,
                           message_type=_text(message.get("type")))


def user_of(event: Event) -> str | None:
    """The LINE user id of a 1:1 chat event."""
    source = event.source
    return source.user_id if isinstance(source, UserSource) else None


def to_incoming(event: MessageEvent | UnreadableEvent, message_id: str = "",
                now: float | None = None) -> IncomingMessage | None:
    """A text message as the core's incoming message (from the typed event, or the text read from a raw one
    the SDK could not parse); None for stickers, images and the like."""
    if isinstance(event, UnreadableEvent):
        user_id, text = event.user_id, event.text
    else:
        user_id = user_of(event)
        text = (event.message.text or "") if isinstance(event.message, TextMessageContent) else None
    if user_id is None or text is None:
        return None
    return IncomingMessage(channel=CHANNEL, user_id=user_id, text=text,
                           conversation_id=f"{CHANNEL}:{user_id}", message_id=message_id, raw=event,
                           deadline=answer_deadline(event, time.time() if now is None else now),
                           sent_at=_sent_at(event))


def _sent_at(event: MessageEvent | UnreadableEvent) -> float | None:
    """Epoch seconds the member sent it (LINE's timestamp), for the model's oldest-first slots."""
    stamp = event.timestamp_ms if isinstance(event, UnreadableEvent) else event.timestamp
    return stamp / 1000 if isinstance(stamp, (int, float)) and stamp else None


def answer_deadline(event: Event | UnreadableEvent, now: float) -> float | None:
    """When the answer must be ready so that it still goes out as a (free) reply; None when the window is
    (nearly) gone: the answer is pushed, and the core's own budget applies."""
    deadline = reply_deadline(event) - SEND_SECONDS
    return deadline if deadline - now >= MIN_ANSWER_SECONDS else None


def reply_deadline(event: Event | UnreadableEvent) -> float:
    """Epoch seconds until which the event's reply token is worth trying."""
    stamp = event.timestamp_ms if isinstance(event, UnreadableEvent) else event.timestamp
    return stamp / 1000 + REPLY_WINDOW_SECONDS if isinstance(stamp, (int, float)) else 0.0


# ---- replies out -----------------------------------------------------------------------------

def to_line_messages(reply: Reply, codec: PostbackCodec) -> list[TextMessage]:
    """A core reply as LINE plain text messages (Markdown rendered away); its buttons become quick replies
    on the last one."""
    texts = [part for text in (reply.text, *reply.more) for part in split_text(plain(text))][:MAX_MESSAGES]
    quick = quick_reply(reply.buttons, codec, related=reply.related)
    messages = [TextMessage(text=t) for t in texts[:-1]]
    messages.append(TextMessage(text=texts[-1], quick_reply=quick))
    return messages


def quick_reply(buttons: Iterable[Button], codec: PostbackCodec, *, related: Iterable[str] = ()) -> QuickReply | None:
    """Postback quick replies; then the related questions, each a tap that sends the question as the member's
    message; under Good/Bad also a way to switch the Pattern."""
    buttons = [b for b in buttons if b.action in CODES]
    items = [_item(b.label, codec.encode(b.action, b.value), _display(b)) for b in buttons]
    items += [QuickReplyItem(action=MessageAction(label=short_label(q), text=q)) for q in related]
    actions = {b.action for b in buttons}
    if "feedback_good" in actions and "switch_pattern" not in actions:
        items.append(_item(SWITCH_LABEL, codec.encode("show_patterns", ""), said_by_tapping("show_patterns", "")))
    return QuickReply(items=items[:MAX_QUICK_REPLIES]) if items else None


def split_text(text: str, limit: int = TEXT_LIMIT, max_parts: int = MAX_MESSAGES) -> list[str]:
    """Cut a text into at most `max_parts` messages within `limit`, at paragraph, line or sentence ends."""
    text = text.strip() or "…"
    parts: list[str] = []
    current = ""
    for unit in _units(text, limit, 0):
        if current and utf16_len(current + unit) > limit:
            parts.append(current)
            current = ""
        current += unit
    parts.append(current)
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) > max_parts:
        room = limit - utf16_len(TRUNCATED)
        parts = parts[:max_parts - 1] + [_hard_cut(parts[max_parts - 1], room)[0].rstrip() + TRUNCATED]
    return parts


def short_label(text: str) -> str:
    """A quick reply's label within LINE's 20 characters; the full question goes as the tap's text."""
    return text if len(text) <= LABEL_LIMIT else text[:LABEL_LIMIT - 1] + "…"


def utf16_len(text: str) -> int:
    """Length as LINE counts it (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _display(button: Button) -> str:
    """What the chat shows as the member's words when they tap: what they would have said."""
    return said_by_tapping(button.action, button.value) or button.label


def _item(label: str, data: str, display: str) -> QuickReplyItem:
    return QuickReplyItem(action=PostbackAction(label=label[:LABEL_LIMIT], data=data, display_text=display))


def _units(text: str, limit: int, level: int) -> list[str]:
    # The largest pieces that fit: a paragraph if it fits, else its lines, else its sentences.
    if utf16_len(text) <= limit:
        return [text]
    if level == len(BOUNDARIES):
        return _hard_cut(text, limit)
    return [unit for segment in _cut(text, BOUNDARIES[level]) for unit in _units(segment, limit, level + 1)]


def _cut(text: str, boundary: re.Pattern[str]) -> list[str]:
    segments, start = [], 0
    for match in boundary.finditer(text):
        segments.append(text[start:match.end()])
        start = match.end()
    segments.append(text[start:])
    return [s for s in segments if s]


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks, current, size = [], [], 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    chunks.append("".join(current))
    return chunks

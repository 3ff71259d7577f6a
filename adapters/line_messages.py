"""Pure conversions between LINE webhook events and the core's messages, and core replies to LINE."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any, Iterable

from linebot.v3.messaging import PostbackAction, QuickReply, QuickReplyItem, TextMessage
from linebot.v3.webhooks import Event, MessageEvent, TextMessageContent, UserSource

from adapters.line_postback import CODES, PostbackCodec
from bot.messages import Button, IncomingMessage, Reply

CHANNEL = "line"
TEXT_LIMIT = 5000  # characters per text message, counted in UTF-16 code units
MAX_MESSAGES = 5  # message objects per reply or push request
MAX_QUICK_REPLIES = 13
LABEL_LIMIT = 20  # quick reply action label
REPLY_WINDOW_SECONDS = 50  # LINE guarantees a reply token for one minute; keep a margin
SEND_SECONDS = 5  # kept back from the reply window for sending the answer itself
MIN_ANSWER_SECONDS = 10  # less than this left of the window: it will be a push anyway; the core's own budget
HANDLED_TYPES = ("message", "postback", "follow", "unfollow")

SWITCH_LABEL = "🔄 相談内容を変える"
TEXT_ONLY = ("メッセージありがとうございます。申し訳ありませんが、このアシスタントが読み取れるのは文字のメッセージだけです。"
             "スタンプ・画像・音声・位置情報・ファイルにはお答えできませんので、ご質問を文章でお送りください。")
INVALID_POSTBACK = ("申し訳ありません。このボタンは有効期限が切れているか、正しく読み取れなかったため使えませんでした。"
                    "お手数ですが、もう一度メッセージでご質問ください。")
CHOOSE_PATTERN = "ご相談になりたい内容を、下のボタンからお選びください。"
NO_PATTERN = "申し訳ありません。現在ご利用いただける相談メニューはありません。"
FAILED = ("申し訳ありません。ただいまシステムの処理に失敗しました。"
          "お手数ですが、少し時間をおいてもう一度お試しください。")
TRUNCATED = "\n\n（メッセージの文字数の上限のため、ここから先は省略しました。続きが必要でしたら、もう一度お尋ねください。）"

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
    expected: bool = False  # a sticker, image or the like: not read on purpose, nothing to warn about


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
    return UnreadableEvent(reason, kind=_text(raw.get("type")), user_id=_text(source.get("userId")) or None,
                           reply_token=_text(raw.get("replyToken")) or None,
                           timestamp_ms=stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else 0,
                           expected=expected)


def user_of(event: Event) -> str | None:
    """The LINE user id of a 1:1 chat event."""
    source = event.source
    return source.user_id if isinstance(source, UserSource) else None


def to_incoming(event: MessageEvent, message_id: str = "", now: float | None = None) -> IncomingMessage | None:
    """A text message as the core's incoming message; None for stickers, images and the like."""
    user_id = user_of(event)
    if user_id is None or not isinstance(event.message, TextMessageContent):
        return None
    return IncomingMessage(channel=CHANNEL, user_id=user_id, text=event.message.text or "",
                           conversation_id=f"{CHANNEL}:{user_id}", message_id=message_id, raw=event,
                           deadline=answer_deadline(event, time.time() if now is None else now),
                           sent_at=event.timestamp / 1000 if isinstance(event.timestamp, (int, float)) else None)


def answer_deadline(event: Event, now: float) -> float | None:
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
    """A core reply as LINE text messages; its buttons become quick replies on the last one."""
    texts = split_text(reply.text)
    quick = quick_reply(reply.buttons, codec)
    messages = [TextMessage(text=t) for t in texts[:-1]]
    messages.append(TextMessage(text=texts[-1], quick_reply=quick))
    return messages


def quick_reply(buttons: Iterable[Button], codec: PostbackCodec) -> QuickReply | None:
    """Postback quick replies; under Good/Bad also a way to switch the Pattern."""
    buttons = [b for b in buttons if b.action in CODES]
    items = [_item(b.label, codec.encode(b.action, b.value), _display(b)) for b in buttons]
    actions = {b.action for b in buttons}
    if "feedback_good" in actions and "switch_pattern" not in actions:
        items.append(_item(SWITCH_LABEL, codec.encode("show_patterns", ""), SWITCH_LABEL))
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


def utf16_len(text: str) -> int:
    """Length as LINE counts it (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def switch_text(name: str) -> str:
    """What the chat shows as the member's words when they pick a Pattern."""
    return f"{name}に切り替え"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _display(button: Button) -> str:
    return switch_text(button.label) if button.action == "switch_pattern" else button.label


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

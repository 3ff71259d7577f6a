"""The core's own channel-neutral messages; adapters convert to and from them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncomingMessage:
    """One user turn as the core sees it, whatever channel it came from."""

    channel: str  # bot.states.Channel
    user_id: str  # the platform's id of the user
    text: str
    conversation_id: str = ""  # thread or chat: earlier turns here are context
    display_name: str = ""
    pattern: int | None = None  # a Pattern the channel asks for (bound channel, --pattern)
    cohort: str | None = None  # the cohort the channel asserts (local --cohort); else the channel default
    test: bool = False  # an operator trying the bot (the terminal): recorded, but not counted in the KPIs
    message_id: str = ""  # the inbound job's dedupe key: a retried job resumes the question it started
    deadline: float | None = None  # epoch seconds by which the answer must be ready (LINE: its reply window)
    sent_at: float | None = None  # epoch seconds the platform says the member sent it
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Button:
    """A button under a reply. `action` is what the core is asked to do, `value` its argument."""

    label: str
    action: str  # bot.states.ButtonAction
    value: str


@dataclass(frozen=True)
class Reply:
    """What the core answers; adapters render text and buttons for their platform."""

    text: str
    kind: str = "answer"  # bot.states.ReplyKind
    more: tuple[str, ...] = ()  # further messages after `text` (the crisis reply's other lines); buttons go last
    buttons: tuple[Button, ...] = ()
    pattern: int | None = None
    question_id: int | None = None
    answer_id: int | None = None
    escalation_id: int | None = None
    escalation_reason: str | None = None  # bot.states.Reason
    confidence: float | None = None
    knowledge_ids: tuple[str, ...] = ()
    source: str = "system"
    out_of_scope: bool = False  # a greeting or a question outside the academy's domain
    related: tuple[str, ...] = ()  # questions the member may ask next with one tap (bot/related)

    @property
    def escalated(self) -> bool:
        return self.escalation_id is not None


@dataclass(frozen=True)
class Recipient:
    """Where a later message (an escalation's answer) goes: a user on their own channel."""

    channel: str
    user_id: str
    conversation_id: str = ""

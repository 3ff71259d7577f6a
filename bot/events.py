"""The events the core takes through its one way in, `Core.receive`, besides an `IncomingMessage`."""
from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Button, IncomingMessage
from bot.patterns import Pattern
from bot.states import ButtonAction


@dataclass(frozen=True)
class ButtonPress:
    """A user pressed a button under a reply (Good/Bad, a Pattern) or a channel's menu."""

    channel: str
    user_id: str
    action: ButtonAction | str
    value: str = ""
    reason: str = ""  # what the user wrote with a Bad rating


@dataclass(frozen=True)
class ShowPatterns:
    """The user asks which Patterns they may use; answered with a `PatternMenu`."""

    channel: str
    user_id: str


@dataclass(frozen=True)
class PatternMenu:
    """The Patterns open to a user and the one they use now."""

    patterns: tuple[Pattern, ...]
    current: int | None

    @property
    def buttons(self) -> tuple[Button, ...]:
        return tuple(Button(p.name, ButtonAction.SWITCH_PATTERN, str(p.number)) for p in self.patterns)


@dataclass(frozen=True)
class Follow:
    """A user added the bot (a LINE friend; the terminal's user at the start of `chat`)."""

    channel: str
    user_id: str
    display_name: str = ""
    cohort: str | None = None  # the cohort the channel asserts (local --cohort)
    unblocked: bool = False  # the user had blocked the bot and comes back (LINE's follow.isUnblocked)


@dataclass(frozen=True)
class Unfollow:
    """A user blocked or removed the bot."""

    channel: str
    user_id: str


@dataclass(frozen=True)
class OperatorReply:
    """A message in an escalation's operator thread; `ref` names it for edits and deletions."""

    thread: str
    user_id: str | None
    text: str
    ref: str


@dataclass(frozen=True)
class OperatorEdit:
    ref: str
    text: str


@dataclass(frozen=True)
class OperatorDelete:
    ref: str


@dataclass(frozen=True)
class Sent:
    """An adapter's report of one send; `failure` says what could not be delivered (the operators'
    alert) when no answer id does."""

    channel: str
    method: str
    answer_id: int | None
    ok: bool = True
    error: str = ""
    failure: str | None = None


@dataclass(frozen=True)
class Failed:
    """Work that failed for good (its job ran out of attempts): a user's message, or `what` else."""

    error: str
    message: IncomingMessage | None = None
    what: str = ""

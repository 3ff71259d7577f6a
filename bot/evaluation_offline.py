"""End to end, offline: every question of a search golden set through the core as `ask` runs it (no Claude,
no Slack), and what the member got: an answer with a right or a wrong entry, staff, or the friendly reply."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from bot.config import Settings
from bot.escalation import LogDesk
from bot.messages import IncomingMessage, Reply
from bot.states import Channel, ReplyKind

OUTCOMES = ("right", "wrong", "staff", "friendly")
# Every Pattern open to everyone: the evaluation measures the answers, not the rollout plan of the day.
OPEN_PLAN = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n'


@dataclass(frozen=True)
class Outcome:
    question: str
    expected: tuple[str, ...]
    outcome: str  # one of OUTCOMES
    knowledge_ids: tuple[str, ...]
    reason: str | None  # the escalation's reason, when it went to staff
    confidence: float | None
    kind: str | None = None  # the set's own kind of question, when it gives one (covered, near_miss, uncovered, chat)
    awaiting: bool = False  # every entry that answers it is Makino's words he has not approved: never said offline


def run_offline(items: list[dict], settings: Settings, *, build: Callable[..., Any]) -> list[Outcome]:
    """Each question as a new member's first message, on a throw-away database (`build` wires the core)."""
    with tempfile.TemporaryDirectory(prefix="bansou-eval-") as tmp:
        plan = Path(tmp) / "rollout.toml"
        plan.write_text(OPEN_PLAN, encoding="utf-8")
        runtime = build(replace(settings, database_url=f"sqlite:///{tmp}/eval.db", anthropic_api_key=None,
                                slack_bot_token=None, slack_signing_secret=None, rollout_file=plan), desk=LogDesk())
        try:
            outcomes = [_outcome(item, runtime.core.handle(_message(item, n))) for n, item in enumerate(items, 1)]
            waiting = {entry.id for entry in runtime.knowledge.awaiting_approval()}
            return [replace(o, awaiting=bool(o.expected) and set(o.expected) <= waiting) for o in outcomes]
        finally:
            runtime.queue.stop()
            runtime.database.close()


def summarize_offline(outcomes: list[Outcome]) -> dict:
    """The shares the issue sets targets for: covered questions answered with a right entry, all questions
    answered with a wrong one, uncovered questions sent to staff or given the friendly reply. A set that says
    each question's kind also gets its near misses, in-domain uncovered questions and chat apart. A share of no
    questions (a set with no chat lines) is None, not 0: nothing was missed."""
    covered = [o for o in outcomes if o.expected]
    uncovered = [o for o in outcomes if not o.expected]
    def share(of: list[Outcome], *kinds: str) -> float | None:
        return round(sum(o.outcome in kinds for o in of) / len(of), 4) if of else None
    summary = {"offline_covered_answered_right": share(covered, "right"),
               "offline_answered_wrong": share(outcomes, "wrong"),
               "offline_uncovered_to_staff": share(uncovered, "staff"),
               "offline_uncovered_friendly": share(uncovered, "friendly"),
               "offline_uncovered_answered": share(uncovered, "wrong"),
               # Makino's words are his: a question only his unapproved entries answer goes to staff, rightly.
               "offline_awaiting_makino": sum(o.awaiting for o in covered),
               "offline_sayable_answered_right": share([o for o in covered if not o.awaiting], "right")}
    kinds = {o.kind for o in outcomes}
    if {"near_miss", "uncovered", "chat"} & kinds:
        of = lambda kind: [o for o in outcomes if o.kind == kind]
        summary |= {"offline_near_miss_to_staff": share(of("near_miss"), "staff"),
                    "offline_in_domain_uncovered_to_staff": share(of("uncovered"), "staff"),
                    "offline_chat_friendly": share(of("chat"), "friendly")}
    return summary


def _outcome(item: dict, reply: Reply) -> Outcome:
    expected = tuple(item.get("expected") or ())
    if reply.out_of_scope:
        outcome = "friendly"
    elif reply.kind != ReplyKind.ANSWER or not reply.knowledge_ids:  # an answer may also be looked at by staff
        outcome = "staff"
    else:
        outcome = "right" if set(reply.knowledge_ids) & set(expected) else "wrong"
    return Outcome(item["question"], expected, outcome, tuple(reply.knowledge_ids), reply.escalation_reason,
                   reply.confidence, item.get("kind"))


def _message(item: dict, number: int) -> IncomingMessage:
    return IncomingMessage(channel=Channel.LOCAL, user_id=f"eval-{number}", text=item["question"],
                           pattern=item.get("pattern"), cohort="staff")

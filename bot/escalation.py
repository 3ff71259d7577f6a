"""Escalations: questions handed to staff, their answers delivered and turned into knowledge.

`Escalations` puts together the store (the rows and their views), the outbox (the operator desk and
the users' channels) and learning (the knowledge base); the operator workflow (`bot.operators`) and
the core use it.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Mapping
from zoneinfo import ZoneInfo

from bot.escalation_outbox import Deliverer, EscalationOutbox, LogDesk, OperatorDesk
from bot.escalation_store import REASON_LABELS, AlreadyAnswered, DraftView, EscalationStore, EscalationView
from bot.knowledge_store import KnowledgeBase
from bot.learning import Learning
from bot.messages import Button, Recipient, Reply
from bot.models import Answer, Escalation, Question, utcnow
from bot.patterns import get_pattern
from bot.states import OPEN_ESCALATION, ButtonAction, Reason, ReplyKind, Source, Urgency
from bot.texts.holding import staff_answer_intro

__all__ = ["AlreadyAnswered", "Deliverer", "DraftView", "EscalationView", "Escalations", "LogDesk", "OperatorDesk",
           "REASON_LABELS", "Resolution", "feedback_buttons"]
log = logging.getLogger(__name__)
REPEAT_WINDOW = dt.timedelta(minutes=5)  # the same text again within this: the same escalation


@dataclass(frozen=True)
class Resolution:
    """The outcome of answering an escalation."""

    escalation_id: int
    answer_id: int
    delivered: bool
    knowledge_id: str | None  # the entry created, if any
    similar_id: str | None  # an existing entry that already says this, instead of a new one
    phrasing_added: bool = False  # the question became one of that entry's phrasings
    awaits_makino: bool = False  # a Pattern 4 draft, used once Makino approves it
    kept_out: bool = False  # a crisis: no knowledge was made


class Escalations:
    """Open, answer and follow up escalations."""

    def __init__(self, *, knowledge: KnowledgeBase, desk: OperatorDesk,
                 deliverers: Mapping[str, Deliverer] | None = None, tz: ZoneInfo = ZoneInfo("Asia/Tokyo")) -> None:
        self.tz = tz  # the members' days: a staff answer says when it was asked (今日, 昨日, 12月3日)
        self.store = EscalationStore()
        self.outbox = EscalationOutbox(store=self.store, desk=desk, deliverers=deliverers or {})
        self.learning = Learning(knowledge=knowledge)

    @property
    def desk(self) -> OperatorDesk:
        return self.outbox.desk

    def open(self, question: Question, reason: str, urgency: str = Urgency.NORMAL,
             draft: Answer | None = None) -> Escalation:
        """Record an escalation and post it to the operators; posting problems never lose it."""
        escalation = self.store.create(question, reason, urgency, draft)
        self.outbox.post(escalation.id)
        return escalation

    def open_once(self, question: Question, reason: str, urgency: str = Urgency.NORMAL, draft: Answer | None = None,
                  *, within: dt.timedelta = REPEAT_WINDOW) -> Escalation:
        """`open`, unless the member sent the same text minutes ago and staff have that one still open: a
        message sent twice is one thing for staff to answer."""
        since = question.created_at - within
        earlier = (Escalation.select().join(Question)
                   .where(Question.user == question.user, Question.text == question.text, Question.id != question.id,
                          Question.created_at >= since, Escalation.status.in_(OPEN_ESCALATION),
                          Escalation.reason != Reason.BAD_FEEDBACK)
                   .order_by(Escalation.id.desc()).first())
        if earlier is not None:
            log.info("question #%d repeats #%d: escalation #%d kept", question.id, earlier.question_id, earlier.id)
            return earlier
        return self.open(question, reason, urgency, draft)

    def post(self, escalation_id: int, desk: OperatorDesk | None = None) -> None:
        """(Re)post an escalation (a queued post passes the desk it goes to)."""
        self.outbox.post(escalation_id, desk)

    def resolve(self, escalation_id: int, text: str, *, answered_by: str, source: str,
                confirmed_by: str | None = None) -> Resolution:
        """Deliver a confirmed answer to the user, close the escalation, learn it as knowledge.

        Raises AlreadyAnswered when the escalation was answered before (a second tap sends nothing).
        """
        e = self.store.claim(escalation_id)
        resolved = False
        try:
            resolution = self._answer(e, text, answered_by=answered_by, source=source,
                                      confirmed_by=confirmed_by or answered_by)
            resolved = True
        finally:
            if not resolved:  # whatever failed, the escalation is open again for another try
                self.store.release(e)
        return resolution

    def undo_knowledge(self, escalation_id: int) -> str | None:
        """Take the entry an escalation created out of search; return its id."""
        return self.learning.undo(self.store.learned_entry(escalation_id))

    def remind_due(self, older_than: dt.timedelta) -> int:
        """Remind the operators of old open escalations; re-post those that never reached them."""
        views = self.store.due_reminders(older_than)
        self.outbox.remind(views)
        return len(views)

    def _answer(self, e: Escalation, text: str, *, answered_by: str, source: str, confirmed_by: str) -> Resolution:
        question = e.question
        answer = Answer.create(question=question, text=text.strip(), confidence=1.0, source=source,
                               answered_by=answered_by)
        delivered = self.outbox.deliver(
            recipient(question), staff_reply(question, answer, reason=e.reason, tz=self.tz),
            failure=f"エスカレーション回答（質問 #{question.id}）をユーザーにお届けできませんでした")
        learned = self.learning.learn(escalation_id=e.id, question=question.text, pattern=question.pattern,
                                      answer=answer.text, approved_by=confirmed_by, reason=e.reason,
                                      by_makino=source == Source.MAKINO)
        self.store.close(e.id, answered_by=answered_by, confirmed_by=confirmed_by, knowledge_id=learned.knowledge_id)
        return Resolution(e.id, answer.id, delivered, learned.knowledge_id, learned.similar_id, learned.phrasing_added,
                          awaits_makino=learned.awaits_makino, kept_out=learned.kept_out)


def recipient(question: Question) -> Recipient:
    """Where a later answer to `question` goes: its user, on their channel, in its conversation."""
    user = question.user
    return Recipient(channel=user.channel, user_id=user.external_id, conversation_id=question.conversation)


def staff_reply(question: Question, answer: Answer, *, reason: str = "",
                tz: ZoneInfo = ZoneInfo("Asia/Tokyo")) -> Reply:
    """A staff answer as the user gets it: the day they asked (their question named, unless they told of
    their feelings: a crisis, distress, Pattern 4), the answer, Good/Bad."""
    def local(stamp: dt.datetime) -> dt.date:
        return stamp.replace(tzinfo=dt.timezone.utc).astimezone(tz).date()

    feelings = reason == Reason.CRISIS or get_pattern(question.pattern).supports_feelings
    intro = staff_answer_intro(asked=local(question.created_at), today=local(utcnow()), question=question.text,
                               feelings=feelings)
    return Reply(
        text=f"{intro}\n\n{answer.text}",
        kind=ReplyKind.ANSWER, buttons=feedback_buttons(answer.id), pattern=question.pattern,
        question_id=question.id, answer_id=answer.id, confidence=1.0, source=answer.source)


def feedback_buttons(answer_id: int) -> tuple[Button, ...]:
    """Good / Bad under an answer."""
    return (Button("👍 Good", ButtonAction.FEEDBACK_GOOD, str(answer_id)),
            Button("👎 Bad", ButtonAction.FEEDBACK_BAD, str(answer_id)))


"""Escalations: questions handed to staff, their answers delivered and turned into knowledge."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Mapping, Protocol

from bot.knowledge import Entry, bigrams
from bot.knowledge_store import KnowledgeBase
from bot.messages import Button, Recipient, Reply
from bot.models import Answer, Delivery, Escalation, EscalationDraft, Feedback, Question, User, utcnow

log = logging.getLogger(__name__)

REASON_LABELS = {
    "needs_human": "AI が人の確認を求めた",
    "low_confidence": "確信度が低い",
    "no_knowledge": "該当ナレッジなし",
    "human_request": "ユーザーが担当者を希望",
    "crisis": "心の危機の兆候",
    "compliance": "コンプライアンス上の確認が必要",
    "api_error": "AI の障害で回答できなかった",
    "bad_feedback": "ユーザーが Bad と評価",
    "error": "システムエラー",
    "undeliverable": "回答をお届けできなかった",
}
SIMILAR_ANSWER = 0.6  # an entry whose answer has this share of the staff answer's bigrams already says it
OPEN_STATUSES = ("open", "waiting_makino")


class AlreadyAnswered(RuntimeError):
    """The escalation was answered before; a second answer is not sent."""


@dataclass(frozen=True)
class EscalationView:
    """What the operators see of an escalation, channel-neutral."""

    id: int
    question: str
    user_name: str
    user_channel: str
    cohort: str
    pattern: int
    reason: str
    urgency: str
    draft: str | None
    confidence: float | None
    knowledge_ids: tuple[str, ...]
    thread: str | None
    status: str = "open"  # open | waiting_makino | answering (being delivered) | answered
    user_id: str = ""  # the user's id on their channel
    comment: str = ""  # what the user wrote with a Bad rating

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class DraftView:
    """A reply proposed in the operator thread, not sent until someone authorised confirms it."""

    id: int
    escalation_id: int
    author: str
    text: str
    withdrawn: bool


class OperatorDesk(Protocol):
    """Where operators work (the Slack operator channel)."""

    def post_escalation(self, view: EscalationView) -> str | None:
        """Post it; return the thread id replies will come in."""

    def alert(self, text: str) -> None:
        """Tell the operators something went wrong."""

    def remind(self, view: EscalationView) -> None:
        """Remind the operators, in its thread, of an escalation still open."""


class Deliverer(Protocol):
    """Sends a later message to a user on their own channel; raises when it cannot."""

    def deliver(self, recipient: Recipient, reply: Reply) -> str:
        """Send it; return the method used (reply | push | post)."""


class LogDesk:
    """The desk when no operator channel is configured: escalations are logged (and stored)."""

    def __init__(self) -> None:
        self.posted: list[EscalationView] = []
        self.alerts: list[str] = []

    def post_escalation(self, view: EscalationView) -> str | None:
        self.posted.append(view)
        log.info("escalation #%d (%s, %s): %s", view.id, view.reason, view.urgency, view.question[:80])
        return None

    def alert(self, text: str) -> None:
        self.alerts.append(text)
        log.error("operator alert: %s", text)

    def remind(self, view: EscalationView) -> None:
        self.alerts.append(f"reminder #{view.id}")
        log.warning("escalation #%d is still open", view.id)


@dataclass(frozen=True)
class Resolution:
    """The outcome of answering an escalation."""

    escalation_id: int
    answer_id: int
    delivered: bool
    knowledge_id: str | None  # the entry created, if any
    similar_id: str | None  # an existing entry that already says this, instead of a new one
    phrasing_added: bool = False  # the question became one of that entry's phrasings


class Escalations:
    """Open, answer and follow up escalations."""

    def __init__(self, *, knowledge: KnowledgeBase, desk: OperatorDesk,
                 deliverers: Mapping[str, Deliverer] | None = None) -> None:
        self.knowledge = knowledge
        self.desk = desk
        self.deliverers: Mapping[str, Deliverer] = dict(deliverers or {})

    def open(self, question: Question, reason: str, urgency: str = "normal", draft: Answer | None = None) -> Escalation:
        """Record an escalation and post it to the operators; posting problems never lose it."""
        escalation = Escalation.create(question=question, draft=draft, reason=reason, urgency=urgency)
        Question.update(status="escalated").where(Question.id == question.id).execute()
        self.post(escalation.id)
        return escalation

    def post(self, escalation_id: int, desk: OperatorDesk | None = None) -> None:
        """(Re)post an escalation to the desk; remember its thread. Given a `desk` (a queued post), a post
        that is there already is not repeated, and a failure raises, so the job is retried."""
        view = self.view(escalation_id)
        if desk is not None and view.thread:
            return
        try:
            thread = (desk or self.desk).post_escalation(view)
        except Exception as exc:  # stored already; the reminder re-posts what has no thread
            if desk is not None:
                raise
            log.error("could not post escalation #%d: %s", escalation_id, exc)
            return
        if thread:
            Escalation.update(operator_thread=thread).where(Escalation.id == escalation_id).execute()

    def view(self, escalation_id: int) -> EscalationView:
        e = Escalation.get_by_id(escalation_id)
        q, user = e.question, e.question.user
        draft = e.draft
        return EscalationView(
            id=e.id, question=q.text, user_name=user.display_name or user.external_id, user_channel=user.channel,
            cohort=user.cohort, pattern=q.pattern, reason=e.reason, urgency=e.urgency,
            draft=draft.text if draft else None, confidence=draft.confidence if draft else None,
            knowledge_ids=tuple(draft.knowledge_ids or ()) if draft else (), thread=e.operator_thread,
            status=e.status, user_id=user.external_id, comment=_bad_reason(draft) if draft else "")

    def by_thread(self, thread: str) -> Escalation | None:
        return Escalation.get_or_none(Escalation.operator_thread == thread)

    def ask_makino(self, escalation_id: int) -> None:
        Escalation.update(status="waiting_makino").where(Escalation.id == escalation_id).execute()

    def add_draft(self, escalation_id: int, *, author: str, text: str, ref: str) -> DraftView:
        """Keep a reply from the operator thread as a candidate answer (nothing is sent)."""
        draft = EscalationDraft.create(escalation=escalation_id, author=author, text=text.strip(), ref=ref)
        return _draft_view(draft)

    def draft(self, draft_id: int | str) -> DraftView | None:
        try:
            row = EscalationDraft.get_or_none(EscalationDraft.id == int(draft_id))
        except (TypeError, ValueError):
            return None
        return _draft_view(row) if row else None

    def edit_draft(self, ref: str, text: str) -> bool:
        """The author edited their reply: the edited text is what a confirmation sends."""
        return EscalationDraft.update(text=text.strip(), updated_at=utcnow()).where(
            EscalationDraft.ref == ref, EscalationDraft.withdrawn == False).execute() > 0  # noqa: E712

    def withdraw_draft(self, ref: str) -> bool:
        """The author deleted their reply: it can no longer be confirmed."""
        return EscalationDraft.update(withdrawn=True, updated_at=utcnow()).where(
            EscalationDraft.ref == ref).execute() > 0

    def resolve(self, escalation_id: int, text: str, *, answered_by: str, source: str,
                confirmed_by: str | None = None) -> Resolution:
        """Deliver a confirmed answer to the user, close the escalation, learn it as knowledge.

        Raises AlreadyAnswered when the escalation was answered before (a second tap sends nothing).
        """
        e = Escalation.get_by_id(escalation_id)
        # The conditional update is the lock: of two confirmations only one delivers.
        claimed = Escalation.update(status="answering").where(
            Escalation.id == e.id, Escalation.status.in_(OPEN_STATUSES)).execute()
        if not claimed:
            raise AlreadyAnswered(f"escalation #{e.id} is {e.status}")
        try:
            return self._answer(e, text, answered_by=answered_by, source=source,
                                confirmed_by=confirmed_by or answered_by)
        except Exception:
            Escalation.update(status=e.status).where(Escalation.id == e.id).execute()
            raise

    def _answer(self, e: Escalation, text: str, *, answered_by: str, source: str, confirmed_by: str) -> Resolution:
        question = e.question
        answer = Answer.create(question=question, text=text.strip(), confidence=1.0, source=source,
                               answered_by=answered_by)
        delivered = self._deliver(question, answer)
        similar = self._similar(question, answer.text)
        knowledge_id = None
        phrasing_added = False
        if similar is not None:  # the entry says it, but was not found for this wording: teach it the wording
            phrasing_added = self.knowledge.add_phrasing(similar, question.text) is not None
        else:
            entry = Entry(id=f"p{question.pattern}-esc{e.id:04d}", pattern=question.pattern,
                          question=question.text[:300], body=answer.text, tags=(),
                          source=f"escalation #{e.id}", approved_by=confirmed_by)
            knowledge_id = self.knowledge.learn(entry).id
        Escalation.update(status="answered", answered_by=answered_by, answered_at=utcnow(), confirmed_by=confirmed_by,
                          knowledge_id=knowledge_id).where(Escalation.id == e.id).execute()
        return Resolution(e.id, answer.id, delivered, knowledge_id, similar, phrasing_added)

    def undo_knowledge(self, escalation_id: int) -> str | None:
        """Take the entry an escalation created out of search; return its id."""
        e = Escalation.get_by_id(escalation_id)
        if e.knowledge_id and self.knowledge.retire(e.knowledge_id):
            return e.knowledge_id
        return None

    def due_reminders(self, older_than: dt.timedelta) -> list[EscalationView]:
        """Open escalations past `older_than` not reminded since; marks them reminded."""
        cutoff = utcnow() - older_than
        due = Escalation.select().where(
            Escalation.status.in_(OPEN_STATUSES), Escalation.created_at <= cutoff,
            (Escalation.reminded_at.is_null()) | (Escalation.reminded_at <= cutoff))
        views = [self.view(e.id) for e in due]
        if views:
            Escalation.update(reminded_at=utcnow()).where(Escalation.id.in_([v.id for v in views])).execute()
        return views

    def remind_due(self, older_than: dt.timedelta) -> int:
        """Remind the operators of old open escalations; re-post those that never reached them."""
        views = self.due_reminders(older_than)
        for view in views:
            try:
                if view.thread:
                    self.desk.remind(view)
                else:
                    self.post(view.id)
            except Exception as exc:
                log.error("reminder for escalation #%d failed: %s", view.id, exc)
        return len(views)

    def recipient(self, question: Question) -> Recipient:
        user: User = question.user
        return Recipient(channel=user.channel, user_id=user.external_id, conversation_id=question.conversation)

    def _deliver(self, question: Question, answer: Answer) -> bool:
        recipient = self.recipient(question)
        reply = Reply(
            text=f"先日いただいたご質問「{_quote(question.text)}」について、スタッフから回答が届きました。\n\n{answer.text}",
            kind="answer", buttons=feedback_buttons(answer.id), pattern=question.pattern,
            question_id=question.id, answer_id=answer.id, confidence=1.0, source=answer.source)
        deliverer = self.deliverers.get(recipient.channel)
        try:
            if deliverer is None:
                raise RuntimeError(f"no delivery for channel {recipient.channel}")
            method = deliverer.deliver(recipient, reply)
        except Exception as exc:
            log.error("answer %d undeliverable: %s", answer.id, exc)
            Answer.update(delivered=False).where(Answer.id == answer.id).execute()
            Delivery.create(channel=recipient.channel, method="push", answer=answer, ok=False, error=str(exc)[:500])
            self.desk.alert(f"エスカレーション回答（質問 #{question.id}）をユーザーにお届けできませんでした: {exc}")
            return False
        Delivery.create(channel=recipient.channel, method=method or "push", answer=answer)
        return True

    def _similar(self, question: Question, answer: str) -> str | None:
        # "Already says it" is about the answer: the question may be worded so that search missed it.
        grams = set(bigrams(answer))
        if not grams:
            return None
        hits = self.knowledge.search(question.text, question.pattern, top=5)
        hits += self.knowledge.search(answer, question.pattern, top=3)
        for hit in hits:
            if len(grams & set(bigrams(hit.entry.body))) / len(grams) >= SIMILAR_ANSWER:
                return hit.entry.id
        return None


def feedback_buttons(answer_id: int) -> tuple[Button, ...]:
    """Good / Bad under an answer."""
    return (Button("👍 Good", "feedback_good", str(answer_id)), Button("👎 Bad", "feedback_bad", str(answer_id)))


def _draft_view(row: EscalationDraft) -> DraftView:
    return DraftView(id=row.id, escalation_id=row.escalation_id, author=row.author, text=row.text,
                     withdrawn=row.withdrawn)


def _bad_reason(draft: Answer) -> str:
    feedback = Feedback.get_or_none(Feedback.answer == draft.id, Feedback.rating == "bad")
    return feedback.reason if feedback else ""


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"

"""The escalations as stored: records, the views operators see, drafts, and the claim that answers once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.models import Answer, Escalation, EscalationDraft, Feedback, Question, utcnow
from bot.states import OPEN_ESCALATION, EscalationStatus, QuestionStatus, Rating, Reason, Urgency

REASON_LABELS = {
    Reason.NEEDS_HUMAN: "AI が人の確認を求めた",
    Reason.LOW_CONFIDENCE: "確信度が低い",
    Reason.NO_KNOWLEDGE: "該当ナレッジなし",
    Reason.HUMAN_REQUEST: "ユーザーが担当者を希望",
    Reason.CRISIS: "心の危機の兆候",
    Reason.COMPLIANCE: "コンプライアンス上の確認が必要",
    Reason.API_ERROR: "AI の障害で回答できなかった",
    Reason.BAD_FEEDBACK: "ユーザーが Bad と評価",
    Reason.ERROR: "システムエラー",
}


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
    status: str = EscalationStatus.OPEN
    user_id: str = ""  # the user's id on their channel
    comment: str = ""  # what the user wrote with a Bad rating
    asked_at: dt.datetime | None = None  # when the question came (UTC, naive as stored)
    test: bool = False  # a question typed in the terminal (ask / chat), never posted to the operators

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ESCALATION


@dataclass(frozen=True)
class DraftView:
    """A reply proposed in the operator thread, not sent until someone authorised confirms it."""

    id: int
    escalation_id: int
    author: str
    text: str
    withdrawn: bool


class EscalationStore:
    """Escalation rows in, channel-neutral views out."""

    def create(self, question: Question, reason: str, urgency: str = Urgency.NORMAL,
               draft: Answer | None = None) -> Escalation:
        """Record an escalation; its question counts as escalated from now on."""
        escalation = Escalation.create(question=question, draft=draft, reason=reason, urgency=urgency)
        Question.update(status=QuestionStatus.ESCALATED).where(Question.id == question.id).execute()
        return escalation

    def view(self, escalation_id: int) -> EscalationView:
        e = Escalation.get_by_id(escalation_id)
        q, user = e.question, e.question.user
        draft = e.draft
        return EscalationView(
            id=e.id, question=q.text, user_name=user.display_name or user.external_id, user_channel=user.channel,
            cohort=user.cohort, pattern=q.pattern, reason=e.reason, urgency=e.urgency,
            draft=draft.text if draft else None, confidence=draft.confidence if draft else None,
            knowledge_ids=tuple(draft.knowledge_ids or ()) if draft else (), thread=e.operator_thread,
            status=e.status, user_id=user.external_id, comment=_bad_reason(draft) if draft else "",
            asked_at=q.created_at, test=q.test)

    def open_views(self) -> list[EscalationView]:
        """Every escalation staff may still answer, oldest first."""
        rows = Escalation.select(Escalation.id).where(Escalation.status.in_(OPEN_ESCALATION)).order_by(Escalation.id)
        return [self.view(row.id) for row in rows]

    def by_thread(self, thread: str) -> EscalationView | None:
        escalation = Escalation.get_or_none(Escalation.operator_thread == thread) if thread else None
        return self.view(escalation.id) if escalation else None

    def set_thread(self, escalation_id: int, thread: str) -> None:
        Escalation.update(operator_thread=thread).where(Escalation.id == escalation_id).execute()

    def ask_makino(self, escalation_id: int) -> None:
        Escalation.update(status=EscalationStatus.WAITING_MAKINO).where(Escalation.id == escalation_id).execute()

    # ---- drafts -------------------------------------------------------------------------------

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

    # ---- answering ----------------------------------------------------------------------------

    def claim(self, escalation_id: int) -> Escalation:
        """Mark it as being answered; raises AlreadyAnswered unless it was open. Of two confirmations, the
        conditional update lets exactly one through."""
        e = Escalation.get_by_id(escalation_id)
        claimed = Escalation.update(status=EscalationStatus.ANSWERING).where(
            Escalation.id == e.id, Escalation.status.in_(OPEN_ESCALATION)).execute()
        if not claimed:
            raise AlreadyAnswered(f"escalation #{e.id} is {e.status}")
        return e

    def release(self, escalation: Escalation) -> None:
        """Answering failed: back to the status it had."""
        Escalation.update(status=escalation.status).where(Escalation.id == escalation.id).execute()

    def close(self, escalation_id: int, *, answered_by: str, confirmed_by: str, knowledge_id: str | None) -> None:
        Escalation.update(status=EscalationStatus.ANSWERED, answered_by=answered_by, answered_at=utcnow(),
                          confirmed_by=confirmed_by, knowledge_id=knowledge_id).where(
            Escalation.id == escalation_id).execute()

    def learned_entry(self, escalation_id: int) -> str | None:
        return Escalation.get_by_id(escalation_id).knowledge_id

    def due_reminders(self, older_than: dt.timedelta) -> list[EscalationView]:
        """Open escalations past `older_than` not reminded since; marks them reminded. A test question's
        (`ask`, `chat`) never reached the operators and must not: re-posting it would put practice in Slack."""
        cutoff = utcnow() - older_than
        due = Escalation.select().join(Question).where(
            Escalation.status.in_(OPEN_ESCALATION), Escalation.created_at <= cutoff,
            Question.test == False,  # noqa: E712
            (Escalation.reminded_at.is_null()) | (Escalation.reminded_at <= cutoff))
        views = [self.view(e.id) for e in due]
        if views:
            Escalation.update(reminded_at=utcnow()).where(Escalation.id.in_([v.id for v in views])).execute()
        return views


def _draft_view(row: EscalationDraft) -> DraftView:
    return DraftView(id=row.id, escalation_id=row.escalation_id, author=row.author, text=row.text,
                     withdrawn=row.withdrawn)


def _bad_reason(draft: Answer) -> str:
    feedback = Feedback.get_or_none(Feedback.answer == draft.id, Feedback.rating == Rating.BAD)
    return feedback.reason if feedback else ""

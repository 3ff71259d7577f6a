"""The operator workflow, channel-neutral: who may confirm, drafts, Makino's decision, delivery, learning.

An operator surface (the Slack operator channel; `./bansou escalations` on the server's terminal) turns its
events into these calls and renders the outcome each returns; the rules live here, so no surface copies them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Callable, Union

from bot.escalation import AlreadyAnswered, DraftView, Escalations, EscalationView, Resolution
from bot.learning import Preview
from bot.models import Escalation
from bot.safety import labels
from bot.states import EscalationStatus, OperatorCommand, Source

log = logging.getLogger(__name__)

NOT_ALLOWED = "この操作は、スタッフと牧野さんだけができます。"
ANSWERED = "このエスカレーションはすでに回答済みです。"
WAITING_MAKINO = "牧野さんの確認待ちです。牧野さんの返信か、牧野さんによる承認をお待ちください。"
NO_DRAFT = "この返信は削除されたため、送ることができません。"
NO_AI_DRAFT = "AI の下書きがありません。このスレッドに回答を返信してください。"
NO_MAKINO = "牧野さんの Slack ID（SLACK_MAKINO_USER_ID）が設定されていないため、確認を依頼できません。"
NOTHING_TO_UNDO = "取り消せるナレッジはありません（すでに取り消し済みか、作成されていません）。"
UNKNOWN = "このボタンは使えなくなっています。"
NO_SUCH = "その番号のエスカレーションはありません。"

# Who acts in a command typed on the server (./bansou escalations): whoever can run it there is staff.
TERMINAL = "terminal"


@dataclass(frozen=True)
class OperatorAction:
    """An operator pressed one of an escalation's buttons; `value` is what the button carries."""

    command: OperatorCommand
    user_id: str
    value: str


# ---- outcomes: what the surface shows -----------------------------------------------------------

@dataclass(frozen=True)
class Refused:
    """Nothing changed; only the person who acted is told why."""

    text: str


@dataclass(frozen=True)
class DraftOffered:
    """A reply in the thread became a draft; offer to send it, saying what it will be stored as."""

    view: EscalationView
    draft: DraftView
    preview: Preview


@dataclass(frozen=True)
class MakinoAsked:
    """Makino is asked to decide; `after` is the escalation as it is now (waiting for him)."""

    view: EscalationView
    makino_id: str
    requested_by: str
    after: EscalationView


@dataclass(frozen=True)
class AnswerSent:
    """The answer went to the user (or could not be delivered) and was learned; `after` is answered."""

    view: EscalationView
    text: str
    confirmed_by: str
    resolution: Resolution
    after: EscalationView


@dataclass(frozen=True)
class KnowledgeUndone:
    """The entry an escalation created is out of search."""

    view: EscalationView
    knowledge_id: str
    by: str


@dataclass(frozen=True)
class Labelled:
    """Staff said what the message really was; only they are told it was recorded."""

    label: str  # the label's Japanese name


Outcome = Union[Refused, MakinoAsked, AnswerSent, KnowledgeUndone, Labelled]


class Operators:
    """Staff and Makino answering escalations: drafts from thread replies, confirmations, Makino's say."""

    def __init__(self, *, escalations: Escalations, staff_ids: tuple[str, ...], makino_id: str | None) -> None:
        self.escalations = escalations
        self.store = escalations.store
        self.staff_ids = frozenset(staff_ids)
        self.makino_id = makino_id

    def authorised(self, user_id: str | None) -> bool:
        return bool(user_id) and (user_id in self.staff_ids or user_id == self.makino_id)

    # ---- thread messages ----------------------------------------------------------------------

    def reply(self, *, thread: str, user_id: str | None, text: str, ref: str) -> DraftOffered | None:
        """A staff or Makino reply in an open escalation's thread becomes a draft (nothing is sent)."""
        view = self.store.by_thread(thread)
        if view is None or not view.is_open or not self.authorised(user_id) or not text:
            return None  # someone else's remark, or a closed case: internal talk, nothing to offer
        preview = self.escalations.learning.preview(question=view.question, pattern=view.pattern, reason=view.reason)
        return DraftOffered(view, self.store.add_draft(view.id, author=user_id, text=text, ref=ref), preview)

    def edit(self, ref: str, text: str) -> bool:
        """The author edited their reply: the edited text is what a confirmation sends."""
        return self.store.edit_draft(ref, text)

    def withdraw(self, ref: str) -> bool:
        """The author deleted their reply: it can no longer be confirmed."""
        return self.store.withdraw_draft(ref)

    # ---- buttons ------------------------------------------------------------------------------

    def act(self, action: OperatorAction) -> Outcome:
        """One of the escalation buttons; anyone not authorised is refused and nothing changes."""
        steps: dict[OperatorCommand, Callable[[OperatorAction], Outcome]] = {
            OperatorCommand.SEND_AI_DRAFT: self._send_ai_draft, OperatorCommand.ASK_MAKINO: self._ask_makino,
            OperatorCommand.CONFIRM_REPLY: self._confirm_reply, OperatorCommand.UNDO_KNOWLEDGE: self._undo,
            OperatorCommand.LABEL_SAFETY: self._label}
        if not self.authorised(action.user_id):
            log.warning("refused %s by %s", action.command, action.user_id)
            return Refused(NOT_ALLOWED)
        return steps[action.command](action)

    def _confirm_reply(self, action: OperatorAction) -> Outcome:
        draft = self.store.draft(action.value)
        if draft is None or draft.withdrawn:
            return Refused(NO_DRAFT)
        view = self.store.view(draft.escalation_id)
        return self._blocked(action, view, author=draft.author) or self._resolve(action, view, draft.text,
                                                                                 author=draft.author)

    def _send_ai_draft(self, action: OperatorAction) -> Outcome:
        view = self._actionable_view(action)
        if isinstance(view, Refused):
            return view
        if not view.draft:
            return Refused(NO_AI_DRAFT)
        return self._resolve(action, view, view.draft, author=action.user_id)

    def _ask_makino(self, action: OperatorAction) -> Outcome:
        view = self._actionable_view(action)
        if isinstance(view, Refused):
            return view
        if not self.makino_id:
            return Refused(NO_MAKINO)
        self.store.ask_makino(view.id)
        return MakinoAsked(view, self.makino_id, action.user_id, after=self.store.view(view.id))

    def _undo(self, action: OperatorAction) -> Outcome:
        view = self._view(action)
        if isinstance(view, Refused):
            return view
        undone = self.escalations.undo_knowledge(view.id)
        if undone is None:
            return Refused(NOTHING_TO_UNDO)
        return KnowledgeUndone(view, undone, action.user_id)

    def _label(self, action: OperatorAction) -> Outcome:
        """`value` is "<escalation id>:<label>"; open or answered, a message can always be labelled."""
        escalation_id, _, label = action.value.partition(":")
        try:
            kind = labels.record(int(escalation_id), label, by=self._person(action.user_id))
        except (ValueError, Escalation.DoesNotExist) as exc:  # a forged or stale value
            log.warning("label value %r: %s", action.value, exc)
            return Refused(UNKNOWN)
        log.info("escalation #%s labelled %s", escalation_id, kind)
        return Labelled(labels.LABEL_NAMES[kind])

    # ---- the server's terminal: the same steps as the thread reply and the button, without Slack -----

    def answer_typed(self, escalation_id: int, text: str, *, makino: bool = False) -> Outcome:
        """An answer typed on the server: a thread reply by staff, confirmed at once (`makino`: his answer,
        passed on by whoever types it)."""
        author = self.makino_id if makino and self.makino_id else TERMINAL
        action = OperatorAction(OperatorCommand.CONFIRM_REPLY, author, str(escalation_id))
        view = self._view(action)
        if isinstance(view, Refused):
            return Refused(NO_SUCH)
        blocked = self._blocked(action, view, author=author)
        if blocked:
            return blocked
        draft = self.store.add_draft(view.id, author=author, text=text, ref=f"{TERMINAL}-{escalation_id}")
        return self._confirm_reply(replace(action, value=str(draft.id)))

    def ask_makino_typed(self, escalation_id: int) -> Outcome:
        """The 「牧野さんに確認」 button, pressed from the server's terminal."""
        return self._typed(self._ask_makino, OperatorCommand.ASK_MAKINO, escalation_id)

    def undo_typed(self, escalation_id: int) -> Outcome:
        """The 「取り消す」 button under the knowledge an answer made, pressed from the server's terminal."""
        return self._typed(self._undo, OperatorCommand.UNDO_KNOWLEDGE, escalation_id)

    def _typed(self, step: Callable[[OperatorAction], Outcome], command: OperatorCommand, escalation_id: int) -> Outcome:
        outcome = step(OperatorAction(command, TERMINAL, str(escalation_id)))
        return Refused(NO_SUCH) if outcome == Refused(UNKNOWN) else outcome

    # ---- steps ----------------------------------------------------------------------------------

    def _resolve(self, action: OperatorAction, view: EscalationView, text: str, *, author: str) -> Outcome:
        by_makino = self.makino_id in (action.user_id, author)
        try:
            resolution = self.escalations.resolve(view.id, text, answered_by=self._person(author),
                                                  source=Source.MAKINO if by_makino else Source.STAFF,
                                                  confirmed_by=self._person(action.user_id))
        except AlreadyAnswered:
            return Refused(ANSWERED)
        return AnswerSent(view, text, action.user_id, resolution, after=self.store.view(view.id))

    def _blocked(self, action: OperatorAction, view: EscalationView, *, author: str) -> Refused | None:
        """Closed, or waiting for Makino while neither the tapper nor the author is Makino."""
        if not view.is_open:
            return Refused(ANSWERED)
        if view.status == EscalationStatus.WAITING_MAKINO and self.makino_id not in (action.user_id, author):
            return Refused(WAITING_MAKINO)
        return None

    def _actionable_view(self, action: OperatorAction) -> EscalationView | Refused:
        """The button's escalation, if the one who tapped may act on it now."""
        view = self._view(action)
        if isinstance(view, Refused):
            return view
        return self._blocked(action, view, author=action.user_id) or view

    def _view(self, action: OperatorAction) -> EscalationView | Refused:
        try:
            return self.store.view(int(action.value))
        except (ValueError, TypeError, Escalation.DoesNotExist) as exc:  # a forged or stale button value
            log.warning("button value %r: %s", action.value, exc)
            return Refused(UNKNOWN)

    def _person(self, user_id: str) -> str:
        return "makino" if user_id == self.makino_id else user_id

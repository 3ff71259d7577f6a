"""The core: one way in (`handle`), one error path, and the answer-or-escalate decision."""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, replace
from typing import Callable, overload

from bot import users
from bot.answering import (HISTORY_TURNS, Answerer, AnswererRefused, AnswererStatus, AnswererUnavailable,
                           AnswerRequest, ModelAnswer, OfflineAnswerer, Turn)
from bot.approvals import ApprovalDecision, Approvals, Decided
from bot.escalation import Escalations, feedback_buttons
from bot.events import (ButtonPress, Failed, Follow, OperatorDelete, OperatorEdit, OperatorReply, PatternMenu, Sent,
                        ShowPatterns, Unfollow)
from bot.knowledge import Thesaurus
from bot.knowledge_store import KnowledgeBase
from bot.limits import BudgetGuard, rate_limit_message
from bot.logs import timed_turn
from bot.messages import Button, IncomingMessage, Reply
from bot.announcements import RESUME_LABEL, RESUMED, STOPPED, Announcements, asks_to_resume, asks_to_stop
from bot.member_themes import asked_before
from bot.models import Answer, Escalation, Feedback, Question, User
from bot.operators import DraftOffered, OperatorAction, Operators, Outcome, Refused
from bot.patterns import PATTERNS, Pattern, UnknownPattern, get_pattern
from bot.related import DEPTH as RELATED_DEPTH, RelatedQuestions
from bot.rollout import COHORT_LABELS, RolloutPlan
from bot.office_hours import OfficeHours
from bot.safety import Screening, crisis_message, crisis_more, gentle_line, someone_in_danger_message
from bot.safety.screener import Screener
from bot.search import Hit
from bot.scope import Reading as ScopeReading, classify, greeting, off_domain_text, read as read_scope
from bot.states import (UNANSWERED, ButtonAction, Channel, QuestionStatus, Rating, Reason, ReplyKind, Scope,
                        Source, Urgency, Waiting)
from bot.texts import notices, welcome
from bot.texts.holding import holding

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
ANSWER_HITS = 5  # the entries an answer is grounded on (Claude reads them all; offline quotes the first)

WAITING = {Reason.COMPLIANCE: Waiting.COMPLIANCE, Reason.HUMAN_REQUEST: Waiting.PERSON, Reason.API_ERROR: Waiting.ERROR}
RESUMED_REFUSAL = notices.RESUMED_REFUSAL
APOLOGY = notices.APOLOGY


@dataclass(frozen=True)
class Decision:
    reason: Reason | None  # why it goes to staff; None = the AI answer is sent
    urgency: str


class Core:
    """The channel-agnostic bot. Adapters call it; it never calls a platform directly."""

    def __init__(self, *, knowledge: KnowledgeBase, answerer: Answerer, plan: RolloutPlan, screener: Screener,
                 escalations: Escalations, operators: Operators, approvals: Approvals, budget: BudgetGuard,
                 rate_per_minute: int = 5, rate_per_day: int = 100, default_cohorts: dict[str, str] | None = None,
                 status: AnswererStatus | None = None, now: Callable | None = None,
                 remind_after: dt.timedelta = dt.timedelta(minutes=120), answer_seconds: float = 45.0,
                 office_hours: OfficeHours | None = None,
                 announcements: Announcements | None = None, related: RelatedQuestions | None = None) -> None:
        self.knowledge = knowledge
        self.answerer = answerer
        self.offline = OfflineAnswerer()
        self.plan = plan
        self.screener = screener
        self.escalations = escalations
        self.operators = operators
        self.budget = budget
        self.rate_per_minute = rate_per_minute
        self.rate_per_day = rate_per_day
        self.default_cohorts = default_cohorts or {}
        self.status = status or AnswererStatus(alert=escalations.desk.alert)  # for /healthz
        self.remind_after = remind_after
        self.answer_seconds = answer_seconds  # one answer's budget where the channel sets no deadline
        self._now = now
        self.approvals = approvals
        self.office_hours = office_hours or OfficeHours()
        self.announcements = announcements  # 「お知らせ停止」 is honoured here, on every channel
        self.related = related or RelatedQuestions(knowledge=knowledge, encoder=screener.encoder_name)  # follow-ups

    # ---- the way in -------------------------------------------------------------------------

    @overload
    def receive(self, event: IncomingMessage | ButtonPress | Follow | Failed) -> Reply: ...
    @overload
    def receive(self, event: ShowPatterns) -> PatternMenu: ...
    @overload
    def receive(self, event: OperatorReply) -> DraftOffered | None: ...
    @overload
    def receive(self, event: OperatorAction) -> Outcome: ...
    @overload
    def receive(self, event: ApprovalDecision) -> Decided | Refused: ...
    @overload
    def receive(self, event: OperatorEdit | OperatorDelete) -> bool: ...
    @overload
    def receive(self, event: Unfollow | Sent) -> None: ...

    def receive(self, event):
        """The one way in: every adapter hands the core its events here and gets back what goes out."""
        match event:
            case IncomingMessage():
                return self.handle(event)
            case ButtonPress():
                return self._press(event)
            case ShowPatterns():
                return self._patterns_of(event.channel, event.user_id)
            case Follow():
                return self._follow(channel=event.channel, user_id=event.user_id, display_name=event.display_name,
                                    cohort=event.cohort, unblocked=event.unblocked)
            case Unfollow():
                return users.deactivate(event.channel, event.user_id)
            case OperatorReply():
                return self.operators.reply(thread=event.thread, user_id=event.user_id, text=event.text,
                                            ref=event.ref)
            case OperatorEdit():
                return self.operators.edit(event.ref, event.text)
            case OperatorDelete():
                return self.operators.withdraw(event.ref)
            case OperatorAction():
                return self.operators.act(event)
            case ApprovalDecision():
                return self.approvals.decide(event)
            case Sent():
                return self._record_delivery(channel=event.channel, method=event.method, answer_id=event.answer_id,
                                             ok=event.ok, error=event.error, failure=event.failure)
            case Failed():
                return self._fail(event)
        raise TypeError(f"not an event the core takes: {event!r}")

    @timed_turn  # the log line per question (id, Pattern, outcome, latency)
    def handle(self, message: IncomingMessage) -> Reply:
        """Answer one user turn. Every failure ends here as an apology plus an escalation."""
        question: Question | None = None
        try:
            resumed = self._resume(message)  # a retried or recovered job: the question exists already
            if resumed is not None:
                return resumed
            user = self.user_for(message)
            if self.announcements is not None and (asks_to_stop(message.text) or asks_to_resume(message.text)):
                return self._announcements_wanted(user.channel, user.external_id, not asks_to_stop(message.text))
            invalid = _invalid(message.text, self.knowledge.thesaurus)
            if invalid is not None:
                return invalid
            try:
                pattern = get_pattern(message.pattern or self._chosen_pattern(user))
            except UnknownPattern as exc:
                return Reply(str(exc), kind=ReplyKind.INVALID, buttons=self._pattern_buttons(user))
            # Safety first: screened and recorded before the rate limit, the rollout gate and the budget.
            screening = self.screener.screen(message.text)
            limited = self._rate_limited(user, message)
            question = self._record_question(user, message, pattern)
            if screening.crisis:
                return self._to_staff(question, pattern, Reason.CRISIS, someone_in_danger=screening.someone_in_danger)
            refusal = limited or self._gate(user, pattern)
            if refusal is None:
                # One search serves the answer (its first ANSWER_HITS) and the follow-ups offered under it.
                hits = self.knowledge.search(question.text, pattern.number, top=max(ANSWER_HITS, RELATED_DEPTH),
                                             drafts=False)
                reply = self._answer(question, pattern, screening, self._deadline(message), message.sent_at,
                                     hits=hits[:ANSWER_HITS])
                return self.related.attach(reply, question.text, hits)
            if not limited and (screening.compliance or screening.wants_human):  # staff answer: no Pattern needed
                return self._to_staff(question, pattern, Reason.COMPLIANCE if screening.compliance
                                      else Reason.HUMAN_REQUEST, feelings=screening.feelings)
            if screening.distress:  # worn out, turned away by the gate or the limit: a person still looks
                escalation = self.escalations.open_once(question, Reason.CRISIS, Urgency.NORMAL)
                return replace(refusal, text=refusal.text + gentle_line(), question_id=question.id,
                               escalation_id=escalation.id, escalation_reason=Reason.CRISIS)
            Question.update(status=QuestionStatus.REFUSED).where(Question.id == question.id).execute()
            return replace(refusal, question_id=question.id)
        except Exception as exc:  # edge: the turn; every failure of it ends in the one error path
            log.exception("質問の処理に失敗しました（会員の方にはお詫びを送り、スタッフに回しました）: %s", exc)
            return self.give_up(message, f"{type(exc).__name__}: {exc}", question)

    def user_for(self, message: IncomingMessage) -> User:
        """The sender, registered on first contact; a cohort the channel asserts (local) is applied."""
        cohort = message.cohort or self.default_cohorts.get(message.channel, "academy_member")
        user = users.get_or_create(message.channel, message.user_id, display_name=message.display_name, cohort=cohort)
        if message.cohort and user.cohort != message.cohort:
            user.cohort = message.cohort
            user.save()
        return user

    def give_up(self, message: IncomingMessage, error: str, question: Question | None = None) -> Reply:
        """The one error path: keep the question, hand it to staff, alert, and apologise. Raises when the
        database itself is down (the job's retry keeps the message)."""
        if question is None and message.message_id:
            question = Question.get_or_none(Question.dedupe_key == message.message_id)
        if question is None:
            user = self.user_for(message)
            question = Question.create(user=user, channel=message.channel, pattern=message.pattern or 1,
                                       test=message.test, conversation=message.conversation_id or "",
                                       text=(message.text or "").strip()[:MAX_QUESTION_CHARS] or "（空）",
                                       dedupe_key=message.message_id or None)
        escalation = question.escalations.where(Escalation.reason == Reason.ERROR).first()
        if escalation is not None:  # a replayed failure: staff have it already
            return Reply(APOLOGY, kind=ReplyKind.ERROR, question_id=question.id, escalation_id=escalation.id,
                         escalation_reason=Reason.ERROR)
        escalation = self.escalations.open(question, Reason.ERROR, Urgency.NORMAL)
        self.escalations.desk.alert(f"質問 #{question.id} の処理でエラーが発生しました: {error}")
        return Reply(APOLOGY, kind=ReplyKind.ERROR, question_id=question.id, escalation_id=escalation.id,
                     escalation_reason=Reason.ERROR)

    # ---- other user actions -----------------------------------------------------------------

    def feedback(self, *, channel: str, user_id: str, answer_id: int | str, good: bool, reason: str = "") -> Reply:
        """Record Good/Bad (last click wins). Bad goes to staff. A forged button changes nothing."""
        answer = _answer_of(channel, user_id, answer_id)
        if answer is None:
            return Reply(notices.BUTTON_GONE, kind=ReplyKind.NOTICE)
        Feedback.insert(answer=answer, rating=Rating.GOOD if good else Rating.BAD, reason=reason[:1000]).on_conflict(
            conflict_target=[Feedback.answer], update={Feedback.rating: Rating.GOOD if good else Rating.BAD,
                                                      Feedback.reason: reason[:1000]}).execute()
        if good:
            return Reply(notices.THANKS_GOOD, kind=ReplyKind.NOTICE)
        question = answer.question
        already = [e for e in question.escalations if e.status in UNANSWERED]
        if not already:
            self.escalations.open(question, Reason.BAD_FEEDBACK, Urgency.NORMAL, draft=answer)
        return Reply(notices.THANKS_BAD, kind=ReplyKind.ESCALATED)

    def switch_pattern(self, *, channel: str, user_id: str, pattern: int | str) -> Reply:
        """Make `pattern` the user's Pattern, if it is open to them."""
        user = self.user_for(IncomingMessage(channel=channel, user_id=user_id, text=""))
        try:
            chosen = get_pattern(pattern)
        except UnknownPattern as exc:
            return Reply(str(exc), kind=ReplyKind.NOTICE, buttons=self._pattern_buttons(user))
        gate = self._gate(user, chosen)
        if gate is not None:
            return gate
        User.update(pattern=chosen.number).where(User.id == user.id).execute()
        return Reply(notices.switched(chosen.label, chosen.invitation),
                     kind=ReplyKind.NOTICE, pattern=chosen.number)

    # ---- periodic work (the scheduler calls these) -------------------------------------------

    def remind_open(self) -> int:
        """Remind the operators of escalations open longer than `remind_after`."""
        return self.escalations.remind_due(self.remind_after)

    def check_budget(self) -> bool:
        """Alert at 80% and 100% of the month's budget; True when over."""
        return self.budget.check()

    # ---- steps ------------------------------------------------------------------------------

    def _follow(self, *, channel: str, user_id: str, display_name: str = "", cohort: str | None = None,
                unblocked: bool = False) -> Reply:
        """A user added the bot: register them and offer the Patterns open to them; one who comes back (a
        re-follow after blocking) is welcomed back."""
        known = users.find(channel, user_id)
        again = unblocked or (known is not None and (not known.active or known.questions.count() > 0))
        user = self.user_for(IncomingMessage(channel=channel, user_id=user_id, text="", display_name=display_name,
                                             cohort=cohort))
        return Reply(welcome.welcome(display_name, again=again), kind=ReplyKind.NOTICE,
                     buttons=self._pattern_buttons(user))

    def _patterns_of(self, channel: str, user_id: str) -> PatternMenu:
        """The Patterns open to a user, and theirs (their last choice while open, else the first open one)."""
        user = self.user_for(IncomingMessage(channel=channel, user_id=user_id, text=""))
        opened = tuple(self._open_patterns(user))
        numbers = [p.number for p in opened]
        current = user.pattern if user.pattern in numbers else (numbers[0] if numbers else None)
        return PatternMenu(opened, current)

    def _open_patterns(self, user: User) -> list[Pattern]:
        return [PATTERNS[n] for n in self.plan.open_patterns(user.cohort, self.plan.today(self._clock()))]

    def _pattern_buttons(self, user: User) -> tuple[Button, ...]:
        return PatternMenu(tuple(self._open_patterns(user)), None).buttons

    def _record_delivery(self, *, channel: str, method: str, answer_id: int | None, ok: bool = True,
                        error: str = "", failure: str | None = None) -> None:
        """Adapters report each send (reply vs push, failures) here; reports count them."""
        if answer_id:
            failure = f"回答 #{answer_id} を {channel} でお届けできませんでした"
        self.escalations.outbox.record(channel=channel, method=method, answer_id=answer_id, ok=ok, error=error,
                                       alert=f"{failure}: {error[:200]}" if failure else None)

    def _fail(self, failed: Failed) -> Reply | None:
        """The one error path of work that failed for good: a user's message is kept, escalated, alerted
        and apologised for (as a failed turn is); anything else is alerted."""
        if failed.message is not None:
            return self.give_up(failed.message, failed.error)
        self.escalations.desk.alert(f"{failed.what}: {failed.error[:300]}")
        return None

    def _press(self, press: ButtonPress) -> Reply:
        if press.action == ButtonAction.SWITCH_PATTERN:
            return self.switch_pattern(channel=press.channel, user_id=press.user_id, pattern=press.value)
        if press.action in (ButtonAction.STOP_ANNOUNCEMENTS, ButtonAction.RESUME_ANNOUNCEMENTS):
            return self._announcements_wanted(press.channel, press.user_id,
                                              press.action == ButtonAction.RESUME_ANNOUNCEMENTS)
        return self.feedback(channel=press.channel, user_id=press.user_id, answer_id=press.value,
                             good=press.action == ButtonAction.FEEDBACK_GOOD, reason=press.reason)

    def _announcements_wanted(self, channel: str, user_id: str, wanted: bool) -> Reply:
        """「お知らせ停止」/「お知らせ再開」, typed or tapped: the one place a member's choice is recorded."""
        self.user_for(IncomingMessage(channel=channel, user_id=user_id, text=""))
        if self.announcements is not None:
            (self.announcements.resume if wanted else self.announcements.stop)(channel, user_id)
        if wanted:
            return Reply(RESUMED, kind=ReplyKind.NOTICE)
        return Reply(STOPPED, kind=ReplyKind.NOTICE,
                     buttons=(Button(RESUME_LABEL, ButtonAction.RESUME_ANNOUNCEMENTS, ""),))

    def _rate_limited(self, user: User, message: IncomingMessage) -> Reply | None:
        if message.channel == Channel.LOCAL:  # the operator's own terminal: limits guard the public channels
            return None
        limited = rate_limit_message(user, self.rate_per_minute, self.rate_per_day, tz=self.plan.timezone)
        return Reply(limited, kind=ReplyKind.NOTICE) if limited else None

    def _to_staff(self, question: Question, pattern: Pattern, reason: Reason, someone_in_danger: bool = False,
                  feelings: bool = False) -> Reply:
        """Straight to staff, no model: a crisis (help lines, urgent) or a closed Pattern's request for a person."""
        urgency = Urgency.HIGH if reason == Reason.CRISIS else Urgency.NORMAL
        escalation = self.escalations.open_once(question, reason, urgency)
        text, more = self.staff_words(question, reason, someone_in_danger=someone_in_danger, feelings=feelings)
        return Reply(text, more=more, kind=ReplyKind.ESCALATED, pattern=pattern.number, question_id=question.id,
                     escalation_id=escalation.id, escalation_reason=reason)

    def staff_words(self, question: Question, reason: str, *, someone_in_danger: bool = False,
                    feelings: bool = False) -> tuple[str, tuple[str, ...]]:
        """What the member is told when their message goes to staff, and any further messages: the crisis
        reply (worded for those around someone when the danger is someone else's), else a holding message
        by why a person looks and by the hour, at the time the message was asked."""
        when = self.local_time(question.created_at)
        if reason == Reason.CRISIS and someone_in_danger:
            return someone_in_danger_message(), ()
        if reason == Reason.CRISIS:
            return crisis_message(question.text, when), (crisis_more(when),)
        return holding(WAITING.get(reason, Waiting.QUESTION), when=when, hours=self.office_hours, said=question.text,
                       feelings=feelings), ()

    def local_time(self, stamp: dt.datetime | None = None) -> dt.datetime:
        """`stamp` (naive UTC, as stored; default now) in the plan's time zone."""
        if stamp is None:
            return (self._clock() or dt.datetime.now(dt.timezone.utc)).astimezone(self.plan.timezone)
        return stamp.replace(tzinfo=dt.timezone.utc).astimezone(self.plan.timezone)

    def _gate(self, user: User, pattern: Pattern) -> Reply | None:
        today = self.plan.today(self._clock())
        gate = self.plan.gate(user.cohort, pattern.number, today)
        if gate.open:
            return None
        if gate.opens_on:
            text = notices.opens_on(pattern.label, gate.opens_on.month, gate.opens_on.day)
        elif gate.others_on:
            whom = "・".join(COHORT_LABELS.get(c, c) for c in gate.others)
            when = (gate.others_on.month, gate.others_on.day) if gate.others_on > today else ()
            text = notices.for_others(pattern.label, whom, *when)
        else:
            text = notices.not_for_you(pattern.label)
        opened = self._open_patterns(user)
        if opened:
            text += notices.open_now([p.label for p in opened])
        elif upcoming := self._upcoming(user, today, told=pattern.number if gate.opens_on else None):
            day, labels = upcoming
            text += notices.own_patterns_open_on(labels, day.month, day.day)
        return Reply(text, kind=ReplyKind.NOTICE, buttons=self._pattern_buttons(user), pattern=pattern.number)

    def _upcoming(self, user: User, today: dt.date, told: int | None = None) -> tuple[dt.date, list[str]] | None:
        """The first day some Pattern opens to the member's own cohort, and the Patterns opening then; not
        Pattern `told`, whose day the notice has just given."""
        days = {n: gate.opens_on for n in PATTERNS
                if n != told and (gate := self.plan.gate(user.cohort, n, today)).opens_on}
        if not days:
            return None
        first = min(days.values())
        return first, [PATTERNS[n].label for n, day in sorted(days.items()) if day == first]

    def _chosen_pattern(self, user: User) -> int:
        # The user's last choice while it is open to them (a cohort may change), else the first open one.
        opened = [p.number for p in self._open_patterns(user)]
        if user.pattern in opened or (user.pattern and not opened):
            return user.pattern
        return opened[0] if opened else 1

    def _record_question(self, user: User, message: IncomingMessage, pattern: Pattern) -> Question:
        return Question.create(user=user, channel=message.channel, conversation=message.conversation_id or "",
                               pattern=pattern.number, text=message.text.strip(), test=message.test,
                               dedupe_key=message.message_id or None)

    # ---- idempotency: one inbound message is one question, however often its job runs --------

    def _resume(self, message: IncomingMessage) -> Reply | None:
        """The stored outcome of a message already seen; None for a new message."""
        if not message.message_id:
            return None
        question = Question.get_or_none(Question.dedupe_key == message.message_id)
        if question is None:
            return None
        log.info("message %s resumes question #%d", message.message_id, question.id)
        stored = stored_reply(question, self)
        if stored is not None:
            return stored
        if question.status == QuestionStatus.REFUSED:  # the notice was lost with the crash; the gate said no then
            return Reply(RESUMED_REFUSAL, kind=ReplyKind.NOTICE, pattern=question.pattern, question_id=question.id)
        return self._answer(question, get_pattern(question.pattern), self.screener.screen(question.text),
                            self._deadline(message), message.sent_at)

    def _deadline(self, message: IncomingMessage) -> float:
        return message.deadline or time.time() + self.answer_seconds

    def _answer(self, question: Question, pattern: Pattern, screening: Screening, deadline: float,
                sent_at: float | None = None, hits: list[Hit] | None = None) -> Reply:
        # Makino's drafts are not his words until he approves them: a member is never answered from one.
        if hits is None:
            hits = self.knowledge.search(question.text, pattern.number, top=ANSWER_HITS, drafts=False)
        covered = bool(hits) and hits[0].covers
        Question.update(covered=covered, top_score=hits[0].score if hits else 0.0).where(
            Question.id == question.id).execute()
        # Only an entry the Pattern would answer with vouches for the domain: a near coin-flip match
        # ("おすすめの…" against a study-tips entry) must not carry a question about ramen shops in.
        answerable = bool(hits) and hits[0].answers and hits[0].confidence >= pattern.threshold
        reading = read_scope(question.text, self.knowledge.closeness)
        scope = classify(question.text, answerable=answerable, knows=self.knowledge.knows,
                         feelings_welcome=pattern.supports_feelings, reading=reading)
        if scope is not Scope.IN_DOMAIN and not (screening.compliance or screening.wants_human or screening.distress):
            return _out_of_scope(question, pattern, scope, self.local_time(), reading)
        feelings = screening.feelings or pattern.supports_feelings
        request = AnswerRequest(pattern=pattern, question=question.text, hits=hits,
                                scope=self.knowledge.scope(pattern.number), history=self._history(question),
                                deadline=deadline, asked_before=asked_before(question, self.screener.encoder_name),
                                sent_at=sent_at)
        try:
            result = self._model_answer(request)
        except AnswererRefused as refused:  # Claude works, but declined this one: a person answers, no alert
            text, _ = self.staff_words(question, Reason.NEEDS_HUMAN, feelings=feelings)
            _store_refusal(question, refused, text)
            escalation = self.escalations.open_once(question, Reason.NEEDS_HUMAN, Urgency.NORMAL)
            return Reply(text, kind=ReplyKind.ESCALATED, pattern=pattern.number, question_id=question.id,
                         escalation_id=escalation.id, escalation_reason=Reason.NEEDS_HUMAN, source=Source.SYSTEM)
        if result is None:
            escalation = self.escalations.open_once(question, Reason.API_ERROR, Urgency.NORMAL)
            text, _ = self.staff_words(question, Reason.API_ERROR)
            return Reply(text, kind=ReplyKind.ESCALATED, pattern=pattern.number,
                         question_id=question.id, escalation_id=escalation.id, escalation_reason=Reason.API_ERROR,
                         source=Source.SYSTEM)
        answer = _store_answer(question, result)
        screening = screening | result.safety  # either the code or the model is enough
        judged = covered_by(result, covered)
        if judged != covered:
            Question.update(covered=judged).where(Question.id == question.id).execute()
        decision = decide(result, screening, judged, pattern)
        if decision.reason is None:
            reply = Reply(result.text, kind=ReplyKind.ANSWER, buttons=feedback_buttons(answer.id), pattern=pattern.number,
                          question_id=question.id, answer_id=answer.id, confidence=result.confidence,
                          knowledge_ids=result.knowledge_ids, source=result.source)
            if not screening.distress:
                return reply
            # Worn out, not in danger: answer what was asked, add a gentle word, and a person looks.
            escalation = self.escalations.open_once(question, Reason.CRISIS, Urgency.NORMAL, draft=answer)
            return replace(reply, text=reply.text + gentle_line(), escalation_id=escalation.id,
                           escalation_reason=Reason.CRISIS)
        escalation = self.escalations.open_once(question, decision.reason, decision.urgency, draft=answer)
        text, more = self.staff_words(question, decision.reason, someone_in_danger=screening.someone_in_danger,
                                      feelings=screening.feelings or pattern.supports_feelings)
        return Reply(text, more=more, kind=ReplyKind.ESCALATED, pattern=pattern.number, question_id=question.id,
                     answer_id=answer.id, escalation_id=escalation.id, escalation_reason=decision.reason,
                     confidence=result.confidence, knowledge_ids=result.knowledge_ids, source=result.source)

    def _model_answer(self, request: AnswerRequest) -> ModelAnswer | None:
        """Claude (offline over budget); when Claude fails, the offline answer if it is confident, else None."""
        if self.budget.over_budget():
            return self.offline.answer(request)
        try:
            result = self.answerer.answer(request)
        except AnswererRefused:
            self.status.answered()
            raise
        except AnswererUnavailable as exc:
            self.status.failed(exc)
            fallback = self.offline.answer(request)
            confident = not fallback.needs_human and fallback.confidence >= request.pattern.threshold
            return fallback if confident else None
        self.status.answered()
        return result

    def _history(self, question: Question) -> list[Turn]:
        if not question.conversation:
            return []
        earlier = (Question.select().where(Question.user == question.user, Question.id < question.id,
                                           Question.conversation == question.conversation)
                   .order_by(Question.id.desc()).limit(HISTORY_TURNS))
        turns = []
        for q in reversed(list(earlier)):
            last = q.answers.order_by(Answer.id.desc()).first()
            if last is not None:
                turns.append(Turn(q.text, last.text))
        return turns

    def _clock(self):
        return self._now() if self._now else None


def _invalid(text: str, thesaurus: Thesaurus) -> Reply | None:
    """Empty, too long, or no words at all: refused at once, nothing recorded."""
    text = text.strip()
    if not text:
        return Reply(notices.EMPTY, kind=ReplyKind.INVALID)
    if len(text) > MAX_QUESTION_CHARS:
        return Reply(notices.too_long(len(text), MAX_QUESTION_CHARS), kind=ReplyKind.INVALID)
    if not thesaurus.normalize(text):  # emoji or symbols alone
        return Reply(welcome.nudge(text), kind=ReplyKind.INVALID)
    return None


def decide(result: ModelAnswer, screening: Screening, covered: bool, pattern: Pattern) -> Decision:
    """Whether an answer goes to the user or to staff, and why (the first reason that applies).

    `screening` is the code's reading and the model's together; `covered` is `covered_by`'s judgement.
    Pattern 4 answers with Claude's general support when no approved entry covers the question.
    Pattern 4 also takes the model's high urgency as a crisis: the persona must never role-play through one.
    """
    if screening.crisis or (result.urgency == Urgency.HIGH and pattern.number == 4):
        return Decision(Reason.CRISIS, Urgency.HIGH)
    if screening.compliance:
        return Decision(Reason.COMPLIANCE, Urgency.NORMAL)
    if screening.wants_human:
        return Decision(Reason.HUMAN_REQUEST, Urgency.NORMAL)
    if result.needs_human:
        return Decision(Reason.NEEDS_HUMAN if covered else Reason.NO_KNOWLEDGE, result.urgency)
    # Pattern 4 may support a member in its own words (the academy's AI, never quoting Makino unapproved):
    # Claude's general support needs no entry; the offline answerer has nothing but entries.
    if not covered and not (pattern.supports_feelings and result.source == Source.AI):
        return Decision(Reason.NO_KNOWLEDGE, Urgency.NORMAL)
    if result.confidence < pattern.threshold:
        return Decision(Reason.LOW_CONFIDENCE, Urgency.NORMAL)
    return Decision(None, result.urgency)


def covered_by(result: ModelAnswer, lexical: bool) -> bool:
    """Whether knowledge covers the question: the answerer's own word on which entries it used (none =
    not covered; Claude judges, the offline answerer asks the coverage model); the search's otherwise."""
    return bool(result.knowledge_ids) if result.source in (Source.AI, Source.OFFLINE) else lexical


def _out_of_scope(question: Question, pattern: Pattern, scope: Scope, when: dt.datetime,
                  reading: ScopeReading | None = None) -> Reply:
    """A greeting or an off-domain question: a polite reply, recorded apart from the KPIs, no escalation."""
    if scope is Scope.GREETING:
        kind = greeting(question.text) or ("thanks" if reading is not None and reading.thanks else "hello")
        text = welcome.greeting_reply(kind, question.text, when, pattern.invitation)
    else:
        text = off_domain_text(pattern)
    Question.update(scope=scope.value, covered=False).where(Question.id == question.id).execute()
    answer = Answer.create(question=question, text=text, source=Source.SYSTEM)
    return Reply(text, kind=ReplyKind.NOTICE, pattern=pattern.number, question_id=question.id, answer_id=answer.id,
                 out_of_scope=True)


def stored_reply(question: Question, core: Core) -> Reply | None:
    """What the user was (or is to be) sent for a question already worked: its escalation's holding
    message, or its answer with the Good/Bad buttons; None when it got neither yet."""
    answer = question.answers.order_by(Answer.id.desc()).first()
    # The escalation the turn itself opened; a later Bad opens another, which the user was not told of so.
    escalation = question.escalations.where(Escalation.reason != Reason.BAD_FEEDBACK).order_by(Escalation.id).first()
    common = dict(pattern=question.pattern, question_id=question.id, answer_id=answer.id if answer else None,
                  confidence=answer.confidence if answer else None, source=answer.source if answer else "system",
                  knowledge_ids=tuple(answer.knowledge_ids or ()) if answer else ())
    if question.scope != Scope.IN_DOMAIN and answer is not None:
        return Reply(answer.text, kind=ReplyKind.NOTICE, out_of_scope=True, **common)
    if escalation is not None and escalation.reason == Reason.CRISIS and escalation.urgency != Urgency.HIGH and answer:
        # Distress: the answer went out with a gentle line, and a person looks.
        return Reply(answer.text + gentle_line(), kind=ReplyKind.ANSWER, buttons=feedback_buttons(answer.id),
                     escalation_id=escalation.id, escalation_reason=Reason.CRISIS, **common)
    if escalation is not None:
        if escalation.reason == Reason.ERROR:
            return Reply(APOLOGY, kind=ReplyKind.ERROR, escalation_id=escalation.id, escalation_reason=Reason.ERROR, **common)
        reading = core.screener.screen(question.text)
        text, more = core.staff_words(question, escalation.reason, someone_in_danger=reading.someone_in_danger,
                                      feelings=reading.feelings or get_pattern(question.pattern).supports_feelings)
        return Reply(text, more=more, kind=ReplyKind.ESCALATED, escalation_id=escalation.id,
                     escalation_reason=escalation.reason, **common)
    if answer is not None:
        return Reply(answer.text, kind=ReplyKind.ANSWER, buttons=feedback_buttons(answer.id), **common)
    return None


def _store_answer(question: Question, result: ModelAnswer) -> Answer:
    u = result.usage
    return Answer.create(question=question, text=result.text, confidence=result.confidence, source=result.source,
                         knowledge_ids=list(result.knowledge_ids), model=result.model,
                         prompt_version=result.prompt_version, input_tokens=u.input_tokens,
                         output_tokens=u.output_tokens, cache_write_tokens=u.cache_write_tokens,
                         cache_read_tokens=u.cache_read_tokens, cost_usd=u.cost_usd, latency_ms=result.latency_ms)


def _store_refusal(question: Question, refused: AnswererRefused, told: str) -> None:
    # What the member was told, with the tokens billed up to the refusal (spend and the budget count them).
    u = refused.usage
    Answer.create(question=question, text=told, source=Source.SYSTEM, model=refused.model,
                  input_tokens=u.input_tokens, output_tokens=u.output_tokens, cache_write_tokens=u.cache_write_tokens,
                  cache_read_tokens=u.cache_read_tokens, cost_usd=u.cost_usd)


def _answer_of(channel: str, user_id: str, answer_id: int | str) -> Answer | None:
    try:
        number = int(answer_id)
    except (TypeError, ValueError):
        return None
    return (Answer.select().join(Question).join(User)
            .where(Answer.id == number, User.channel == channel, User.external_id == user_id).first())

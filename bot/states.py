"""Every status, reason, urgency, source and channel the bot stores or passes around, as a `StrEnum`.

The stored values are the enum values, so rows written before these types existed read the same.
"""
from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Where a user talks to the bot."""

    LINE = "line"
    SLACK = "slack"
    LOCAL = "local"  # the terminal (`ask`, `chat`)


class QuestionStatus(StrEnum):
    ANSWERED = "answered"  # answered by the AI, or a polite out-of-scope reply
    ESCALATED = "escalated"  # handed to staff (whatever happened to the escalation since)
    REFUSED = "refused"  # the rate limit or the rollout gate said no


class EscalationStatus(StrEnum):
    OPEN = "open"
    WAITING_MAKINO = "waiting_makino"  # staff asked Makino to decide
    ANSWERING = "answering"  # a confirmed answer is being delivered (the claim that makes a second tap a no-op)
    ANSWERED = "answered"


# "Open": staff may still answer it. "Unanswered" adds one being delivered right now (reports, a second Bad).
OPEN_ESCALATION = (EscalationStatus.OPEN, EscalationStatus.WAITING_MAKINO)
UNANSWERED = (*OPEN_ESCALATION, EscalationStatus.ANSWERING)


class Scope(StrEnum):
    """What a question is about (bot/scope.py decides)."""

    IN_DOMAIN = "in_domain"
    GREETING = "greeting"
    OFF_DOMAIN = "off_domain"


class Reason(StrEnum):
    """Why a question went to staff."""

    CRISIS = "crisis"
    COMPLIANCE = "compliance"
    HUMAN_REQUEST = "human_request"
    NEEDS_HUMAN = "needs_human"
    NO_KNOWLEDGE = "no_knowledge"
    LOW_CONFIDENCE = "low_confidence"
    API_ERROR = "api_error"
    BAD_FEEDBACK = "bad_feedback"
    ERROR = "error"


class SafetyLabelKind(StrEnum):
    """What staff say a screened message really was: a kind, or a false alarm of one (the look-alikes)."""

    CRISIS = "crisis"
    SOMEONE_IN_DANGER = "someone_in_danger"
    COMPLIANCE = "compliance"
    HUMAN = "human"
    NOT_CRISIS = "not_crisis"
    NOT_COMPLIANCE = "not_compliance"
    NOT_HUMAN = "not_human"


class Waiting(StrEnum):
    """Why a person looks at a message, as the member's holding message words it."""

    FEELINGS = "feelings"  # the member told how they feel (distress, Pattern 4)
    COMPLIANCE = "compliance"
    PERSON = "person"  # the member asked for a person
    QUESTION = "question"  # the AI could not answer well enough
    ERROR = "error"  # the AI failed


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Source(StrEnum):
    """Who wrote an answer."""

    AI = "ai"  # Claude
    OFFLINE = "offline"  # the offline answerer, from the knowledge alone
    STAFF = "staff"
    MAKINO = "makino"
    SYSTEM = "system"  # a fixed text: a notice, an apology, an out-of-scope reply


class ReplyKind(StrEnum):
    ANSWER = "answer"
    ESCALATED = "escalated"
    NOTICE = "notice"
    INVALID = "invalid"  # bad input, refused before anything is recorded
    ERROR = "error"


class Rating(StrEnum):
    GOOD = "good"
    BAD = "bad"


class DeliveryMethod(StrEnum):
    REPLY = "reply"  # in answer to the user's message (LINE reply token, Slack thread)
    PUSH = "push"  # a later message
    POST = "post"  # printed (the terminal)


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # failed for good; its failure handler apologised, alerted and escalated
    DEAD = "dead"  # failed for good and the failure handler failed too (or there is none): replay by hand


class OperatorCommand(StrEnum):
    """The escalation buttons an operator may press."""

    SEND_AI_DRAFT = "send_ai_draft"
    ASK_MAKINO = "ask_makino"
    CONFIRM_REPLY = "confirm_reply"
    UNDO_KNOWLEDGE = "undo_knowledge"
    LABEL_SAFETY = "label_safety"  # what the message really was (teaches the safety model)


class ApprovalCommand(StrEnum):
    """Makino's buttons under a Pattern 4 draft."""

    APPROVE = "approve"
    APPROVE_EDITED = "approve_edited"  # his edited text replaces the draft's
    REJECT = "reject"


class ButtonAction(StrEnum):
    """What a button under a reply asks the core to do."""

    FEEDBACK_GOOD = "feedback_good"
    FEEDBACK_BAD = "feedback_bad"
    SWITCH_PATTERN = "switch_pattern"
    SHOW_PATTERNS = "show_patterns"  # a channel's own menu of the Patterns (LINE's rich menu)
    STOP_ANNOUNCEMENTS = "stop_announcements"  # under an announcement: the member stops them
    RESUME_ANNOUNCEMENTS = "resume_announcements"  # under the confirmation: they start again


class SendState(StrEnum):
    """One outbound message's record (bot/outbox.py)."""

    NEW = "new"  # never tried
    SENDING = "sending"  # tried; the outcome was not recorded
    SENT = "sent"


class CheckStatus(StrEnum):
    """A `doctor` finding."""

    OK = "ok"
    WARN = "warn"
    ERROR = "error"


class AnnouncementStatus(StrEnum):
    """Where a proactive announcement stands."""

    DRAFTED = "drafted"  # posted to the operators, awaiting a press
    SENDING = "sending"  # a staff member pressed 配信する: being sent (a second press does nothing)
    SENT = "sent"
    SKIPPED = "skipped"  # 見送る
    FAILED = "failed"  # not sent (the month's LINE quota would not hold it, or the platform refused)


class AnnouncementCommand(StrEnum):
    SEND = "send"
    SEND_EDITED = "send_edited"
    SKIP = "skip"

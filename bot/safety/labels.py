"""What staff say a message really was: one tap on an escalation, stored with the message, never posted
anywhere else. `safety retrain` learns from them (bot.safety.train.operator_examples)."""
from __future__ import annotations

import datetime as dt

from bot.models import Escalation, SafetyLabel, utcnow
from bot.states import SafetyLabelKind

LABEL_NAMES = {
    SafetyLabelKind.CRISIS: "危機（ご本人）",
    SafetyLabelKind.SOMEONE_IN_DANGER: "ほかの方の命の危険",
    SafetyLabelKind.COMPLIANCE: "コンプライアンス上の問題",
    SafetyLabelKind.HUMAN: "人との対応を希望",
    SafetyLabelKind.NOT_CRISIS: "誤検知：危機ではない",
    SafetyLabelKind.NOT_COMPLIANCE: "誤検知：コンプライアンスの問題ではない",
    SafetyLabelKind.NOT_HUMAN: "誤検知：人との対応の希望ではない",
}


def record(escalation_id: int, label: str, *, by: str) -> SafetyLabelKind:
    """Store `label` for the escalation's message (the last tap wins). Raises ValueError for an unknown
    label and Escalation.DoesNotExist for an unknown escalation."""
    kind = SafetyLabelKind(label)
    question = Escalation.get_by_id(escalation_id).question
    SafetyLabel.insert(question=question, label=kind, labelled_by=by, created_at=utcnow()).on_conflict(
        conflict_target=[SafetyLabel.question],
        update={SafetyLabel.label: kind, SafetyLabel.labelled_by: by, SafetyLabel.created_at: utcnow()}).execute()
    return kind


def counts_between(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """How many labels of each kind arrived in [start, end) (naive UTC), for the monthly report."""
    rows = SafetyLabel.select(SafetyLabel.label).where(SafetyLabel.created_at >= start, SafetyLabel.created_at < end)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.label] = counts.get(row.label, 0) + 1
    return counts


def total() -> int:
    return SafetyLabel.select().count()

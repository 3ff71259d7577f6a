"""The offline evaluation's summary: its shares are the outcomes counted, with a set's kinds apart and the
questions only Makino's unapproved words answer shown for what they are."""
from __future__ import annotations

from bot.evaluation_offline import Outcome, summarize_offline


def _o(outcome: str, expected: tuple[str, ...] = (), kind: str | None = None, awaiting: bool = False) -> Outcome:
    return Outcome("q", expected, outcome, (), None, None, kind, awaiting)


def test_kinds_are_counted_apart_when_the_set_gives_them():
    outcomes = [_o("right", ("p1-0001",), "covered"), _o("staff", ("p1-0002",), "covered"),
                _o("staff", kind="near_miss"), _o("wrong", kind="near_miss"),
                _o("staff", kind="uncovered"), _o("friendly", kind="chat"), _o("staff", kind="chat")]
    summary = summarize_offline(outcomes)
    assert summary["offline_covered_answered_right"] == 0.5
    assert summary["offline_answered_wrong"] == round(1 / 7, 4)
    assert summary["offline_near_miss_to_staff"] == 0.5
    assert summary["offline_in_domain_uncovered_to_staff"] == 1.0
    assert summary["offline_chat_friendly"] == 0.5


def test_a_set_without_kinds_has_no_kind_figures_and_makinos_unapproved_entries_are_shown_apart():
    outcomes = [_o("right", ("p1-0001",)), _o("staff", ("p4-0001",), awaiting=True), _o("staff", ("p1-0002",))]
    summary = summarize_offline(outcomes)
    assert "offline_chat_friendly" not in summary
    assert summary["offline_covered_answered_right"] == round(1 / 3, 4)
    assert summary["offline_awaiting_makino"] == 1
    assert summary["offline_sayable_answered_right"] == 0.5


def test_a_kind_the_set_has_no_question_of_is_none_not_zero():
    outcomes = [_o("right", ("p1-0001",), "covered"), _o("staff", kind="near_miss")]
    summary = summarize_offline(outcomes)
    assert summary["offline_chat_friendly"] is None and summary["offline_in_domain_uncovered_to_staff"] is None
    assert summary["offline_near_miss_to_staff"] == 1.0 and summary["offline_uncovered_to_staff"] == 1.0

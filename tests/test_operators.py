"""The operator workflow in the core, without Slack: what any operator surface gets from Core.receive."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app import build_runtime
from bot.events import OperatorDelete, OperatorEdit, OperatorReply
from bot.operators import (ANSWERED, NOT_ALLOWED, UNKNOWN, WAITING_MAKINO, AnswerSent, DraftOffered, MakinoAsked,
                           OperatorAction, Refused)
from bot.states import EscalationStatus, OperatorCommand
from fakes import RecordingDelivery

STAFF, MAKINO, OTHER = "S1", "M1", "X1"
THREAD = "thread-1"


@pytest.fixture
def delivery() -> RecordingDelivery:
    return RecordingDelivery()


@pytest.fixture
def runtime(settings, desk, delivery):
    rt = build_runtime(replace(settings, slack_staff_user_ids=(STAFF,), slack_makino_user_id=MAKINO), desk=desk,
                       deliverers={"local": delivery})
    yield rt
    rt.stop()
    rt.database.close()


@pytest.fixture
def escalation_id(runtime, chat) -> int:
    reply = chat.say("保険証券を紛失したときの再発行手続きは？", pattern=1)
    runtime.core.escalations.store.set_thread(reply.escalation_id, THREAD)
    return reply.escalation_id


def test_a_staff_reply_becomes_a_draft_and_its_confirmation_delivers_it(runtime, escalation_id, delivery):
    core = runtime.core
    assert core.receive(OperatorReply(THREAD, OTHER, "内部のメモです", "r0")) is None  # not staff: internal talk
    offered = core.receive(OperatorReply(THREAD, STAFF, "コールセンターで再発行できます。", "r1"))
    assert isinstance(offered, DraftOffered) and offered.view.id == escalation_id
    assert core.receive(OperatorEdit("r1", "保険会社のコールセンターで再発行できます。"))
    sent = core.receive(OperatorAction(OperatorCommand.CONFIRM_REPLY, STAFF, str(offered.draft.id)))
    assert isinstance(sent, AnswerSent) and sent.resolution.delivered
    assert sent.after.status == EscalationStatus.ANSWERED and sent.text.startswith("保険会社の")
    [(recipient, reply)] = delivery.sent
    assert recipient.user_id == "u1" and "保険会社のコールセンター" in reply.text
    again = core.receive(OperatorAction(OperatorCommand.CONFIRM_REPLY, STAFF, str(offered.draft.id)))
    assert again == Refused(ANSWERED) and len(delivery.sent) == 1


def test_only_staff_and_makino_may_act_and_a_wait_for_makino_holds_staff(runtime, escalation_id, delivery):
    core = runtime.core
    assert core.receive(OperatorAction(OperatorCommand.ASK_MAKINO, OTHER, str(escalation_id))) == Refused(NOT_ALLOWED)
    asked = core.receive(OperatorAction(OperatorCommand.ASK_MAKINO, STAFF, str(escalation_id)))
    assert isinstance(asked, MakinoAsked) and asked.after.status == EscalationStatus.WAITING_MAKINO
    offered = core.receive(OperatorReply(THREAD, STAFF, "再発行できます。", "r2"))
    held = core.receive(OperatorAction(OperatorCommand.CONFIRM_REPLY, STAFF, str(offered.draft.id)))
    assert held == Refused(WAITING_MAKINO) and delivery.sent == []
    approved = core.receive(OperatorAction(OperatorCommand.CONFIRM_REPLY, MAKINO, str(offered.draft.id)))
    assert isinstance(approved, AnswerSent) and len(delivery.sent) == 1


def test_a_withdrawn_draft_or_a_forged_button_changes_nothing(runtime, escalation_id, delivery):
    core = runtime.core
    offered = core.receive(OperatorReply(THREAD, STAFF, "再発行できます。", "r3"))
    assert core.receive(OperatorDelete("r3"))
    assert isinstance(core.receive(OperatorAction(OperatorCommand.CONFIRM_REPLY, STAFF, str(offered.draft.id))),
                      Refused)
    assert core.receive(OperatorAction(OperatorCommand.SEND_AI_DRAFT, STAFF, "not-a-number")) == Refused(UNKNOWN)
    assert delivery.sent == []

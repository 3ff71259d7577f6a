"""What leaves for people: escalations posted to the operators, reminders, alerts, and staff answers
delivered to users on their own channel (every delivery recorded; a failed one alerted, once, here)."""
from __future__ import annotations

import logging
from typing import Mapping, Protocol

from bot.escalation_store import EscalationStore, EscalationView
from bot.messages import Recipient, Reply
from bot.models import Answer, Delivery
from bot.states import DeliveryMethod

log = logging.getLogger(__name__)


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
    """The desk when no operator channel is configured: escalations are logged (and stored). The last
    `KEPT` posts and alerts are also kept in memory, for a look (tests, a shell): a server that runs
    without Slack must not hold every escalation for good."""

    KEPT = 100

    def __init__(self) -> None:
        self.posted: list[EscalationView] = []
        self.alerts: list[str] = []

    def post_escalation(self, view: EscalationView) -> str | None:
        self._keep(self.posted, view)
        log.info("escalation #%d (%s, %s): %s", view.id, view.reason, view.urgency, view.question[:80])
        return None

    def alert(self, text: str) -> None:
        self._keep(self.alerts, text)
        log.error("operator alert: %s", text)

    def remind(self, view: EscalationView) -> None:
        self._keep(self.alerts, f"reminder #{view.id}")
        log.warning("escalation #%d is still open", view.id)

    def _keep(self, kept: list, item: object) -> None:
        kept.append(item)
        del kept[:-self.KEPT]


class NoDeliverer(LookupError):
    """No channel adapter delivers to this channel (e.g. a terminal user while the server runs)."""


class EscalationOutbox:
    """Posts escalations and reminders to the desk; delivers staff answers through the channels' deliverers."""

    def __init__(self, *, store: EscalationStore, desk: OperatorDesk, deliverers: Mapping[str, Deliverer]) -> None:
        self.store = store
        self.desk = desk
        self.deliverers = dict(deliverers)

    def post(self, escalation_id: int, desk: OperatorDesk | None = None) -> None:
        """(Re)post an escalation to the desk; remember its thread. Given a `desk` (a queued post), a post
        that is there already is not repeated, and a failure raises, so the job is retried."""
        view = self.store.view(escalation_id)
        if desk is not None and view.thread:
            return
        try:
            thread = (desk or self.desk).post_escalation(view)
        except Exception as exc:  # edge: the desk's platform I/O; stored already, the reminder re-posts it
            if desk is not None:
                raise
            log.error("could not post escalation #%d: %s", escalation_id, exc)
            return
        if thread:
            self.store.set_thread(escalation_id, thread)

    def remind(self, views: list[EscalationView]) -> None:
        """Remind the operators of these open escalations; re-post those that never reached them."""
        for view in views:
            try:
                if view.thread:
                    self.desk.remind(view)
                else:
                    self.post(view.id)
            except Exception as exc:  # edge: a scheduled job's I/O; one failed reminder must not stop the rest
                log.error("reminder for escalation #%d failed: %s", view.id, exc)

    def deliver(self, recipient: Recipient, reply: Reply, *, failure: str) -> bool:
        """Send a later answer to its user; record it. `failure` starts the operators' alert if it fails."""
        deliverer = self.deliverers.get(recipient.channel)
        try:
            if deliverer is None:
                raise NoDeliverer(f"no delivery for channel {recipient.channel}")
            method = deliverer.deliver(recipient, reply)
        except Exception as exc:  # edge: another platform's I/O; the answer is stored, staff are told
            log.error("answer %d undeliverable: %s", reply.answer_id, exc)
            self.record(channel=recipient.channel, method=DeliveryMethod.PUSH, answer_id=reply.answer_id, ok=False,
                        error=str(exc), alert=f"{failure}: {exc}")
            return False
        self.record(channel=recipient.channel, method=method or DeliveryMethod.PUSH, answer_id=reply.answer_id)
        return True

    def record(self, *, channel: str, method: str, answer_id: int | None, ok: bool = True, error: str = "",
               alert: str | None = None) -> None:
        """Record one send (reply vs push, failures: reports count them); a failed answer is marked
        undelivered and, when `alert` says what failed, the operators hear of it."""
        Delivery.create(channel=channel, method=method, answer=answer_id, ok=ok, error=error[:500])
        if not ok and answer_id:
            Answer.update(delivered=False).where(Answer.id == answer_id).execute()
        if not ok and alert:
            self.desk.alert(alert)

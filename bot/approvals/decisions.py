"""What awaits Makino, and his decisions: approve, approve with his edit, reject."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from bot.approvals.files import write_decision
from bot.knowledge import MAKINO, Entry
from bot.knowledge_store import KnowledgeBase
from bot.operators import Refused
from bot.states import ApprovalCommand

log = logging.getLogger(__name__)

ONLY_MAKINO = "Pattern 4 の言葉を承認・却下できるのは牧野さんだけです。"
GONE = "この下書きはすでに承認・却下されたか、見つかりません。"
EMPTY_EDIT = "直した文章が空です。文章を入れてから「承認」を押してください。"


@dataclass(frozen=True)
class ApprovalDecision:
    """Makino pressed one of a draft's buttons; `text` is his edited wording for APPROVE_EDITED."""

    command: ApprovalCommand
    user_id: str
    entry_id: str
    text: str = ""


@dataclass(frozen=True)
class Decided:
    """The decision is recorded; `entry` is the entry as it is now."""

    command: ApprovalCommand
    entry: Entry


class Approvals:
    """Pattern 4 drafts (curated files without his approval, learned staff answers) and his say over them."""

    def __init__(self, *, knowledge: KnowledgeBase, makino_id: str | None, today: Callable[[], dt.date]) -> None:
        self.knowledge = knowledge
        self.makino_id = makino_id
        self._today = today

    def pending(self) -> list[Entry]:
        """The drafts awaiting him, oldest id first."""
        return self.knowledge.awaiting_approval()

    def draft(self, entry_id: str) -> Entry | None:
        """One draft still awaiting him (active: an undone learned answer is no draft), or None."""
        return next((e for e in self.pending() if e.id == entry_id), None)

    def may_decide(self, user_id: str | None) -> bool:
        return bool(self.makino_id) and user_id == self.makino_id

    def decide(self, decision: ApprovalDecision) -> Decided | Refused:
        """Record his decision; anyone else is refused and nothing changes."""
        if not self.may_decide(decision.user_id):
            log.warning("refused %s of %s by %s", decision.command, decision.entry_id, decision.user_id)
            return Refused(ONLY_MAKINO)
        entry = self.draft(decision.entry_id)
        if entry is None:
            return Refused(GONE)
        text = decision.text.strip()
        if decision.command == ApprovalCommand.APPROVE_EDITED and not text:
            return Refused(EMPTY_EDIT)
        changed = self._changed(entry, decision.command, text)
        if entry.path and Path(entry.path).is_file():
            write_decision(Path(entry.path), changed)  # the file is the truth for a curated entry
        self.knowledge.replace(changed)
        log.info("Makino %s %s", decision.command, entry.id)
        return Decided(decision.command, changed)

    def _changed(self, entry: Entry, command: ApprovalCommand, text: str) -> Entry:
        today = self._today().isoformat()
        if command == ApprovalCommand.REJECT:
            return replace(entry, rejected_by=MAKINO)
        body = text if command == ApprovalCommand.APPROVE_EDITED else entry.body
        return replace(entry, approved_by=MAKINO, approved_on=today, body=body)

"""Whether Makino's words are ready for the day Pattern 4 opens: `doctor` warns in the week before (and after)."""
from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.knowledge import MAKINO, load_dir
from bot.models import KnowledgeEntry
from bot.rollout import RolloutPlan

PERSONA = 4
WARN_BEFORE = dt.timedelta(days=7)


def persona_opens_on(plan: RolloutPlan) -> dt.date | None:
    """The first day Pattern 4 opens to members (staff always see it, so they do not count)."""
    days = [s.start for s in plan.stages if PERSONA in s.patterns and s.cohorts - {"staff"}]
    return min(days) if days else None


def waiting_drafts(settings: Settings, *, database_ok: bool) -> int:
    """Pattern 4 drafts awaiting Makino: curated files without his approval, learned answers in the database."""
    entries, _ = load_dir(settings.knowledge_dir) if settings.knowledge_dir.is_dir() else ([], [])
    waiting = sum(1 for e in entries if e.awaits_approval)
    if database_ok:
        waiting += KnowledgeEntry.select().where(
            KnowledgeEntry.origin == "escalation", KnowledgeEntry.pattern == PERSONA, KnowledgeEntry.active == True,  # noqa: E712
            (KnowledgeEntry.approved_by.is_null()) | (KnowledgeEntry.approved_by != MAKINO),
            KnowledgeEntry.rejected_by.is_null()).count()
    return waiting


def readiness(settings: Settings, now: dt.datetime | None = None, *, database_ok: bool = True) -> tuple[bool, str]:
    """(whether to warn, the line): a warning from seven days before the opening while drafts await."""
    plan = RolloutPlan.load(settings.rollout_file)
    opens, today = persona_opens_on(plan), plan.today(now)
    waiting = waiting_drafts(settings, database_ok=database_ok)
    if opens is None:
        return False, f"Pattern 4 の公開予定はありません（牧野さんの承認待ち {waiting}件）"
    when = f"{opens:%m/%d} に公開{'済み' if opens <= today else ''}"
    if not waiting:
        return False, f"Pattern 4 は {when}。牧野さんの承認待ちはありません"
    text = (f"Pattern 4 は {when}。牧野さんの承認待ちが {waiting}件あります。承認されるまで、AI はそれらを"
            "牧野さんの言葉として使わず、塾の AI として答えるか、スタッフに引き継ぎます")
    return today >= opens - WARN_BEFORE, text

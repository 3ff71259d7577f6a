"""What waits for a person in the knowledge base: Makino's drafts, and statements due for a new check."""
from __future__ import annotations

import datetime as dt

from app import Runtime
from bot.knowledge import Entry
from cli.parser import UsageError

STALE_AFTER_MONTHS = 12


def print_approvals(runtime: Runtime, *, post: bool) -> int:
    """`knowledge approvals`: the Pattern 4 drafts awaiting Makino; `--post` sends him the digest now."""
    drafts = runtime.core.approvals.pending()
    if not drafts:
        print("牧野さんの承認を待っている下書きはありません。")
        return 0
    print(f"{'ID':<14} {'出どころ':<6} 質問")
    for entry in drafts:
        origin = "スタッフの回答" if entry.source.startswith("escalation") else "ファイル"
        print(f"{entry.id:<14} {origin:<8} {entry.question}")
    print("（出どころ: 「ファイル」は knowledge/ に人が置いた下書き、「スタッフの回答」はエスカレーションへの回答から作られたもの）")
    print(f"\n牧野さんの承認待ち {len(drafts)}件。承認されるまで、Pattern 4 はこれらを牧野さんの言葉として使いません。"
          "\n牧野さんには毎朝 Slack の DM で一覧が届き、1件ずつ「承認」「直して承認」「却下」を選べます。")
    if post:
        sent = _post_digest(runtime)
        print(f"牧野さんの Slack DM に {sent}件の一覧を送りました。")
    return 0


def stale_month(today: dt.date) -> str:
    """The first month still within a year of `today`: a check before it is older than a year."""
    return f"{today.year - 1}-{today.month:02d}"


def check_mark(entry: Entry, stale: str) -> str:
    """`knowledge list`'s column for when the entry's tax or legal statements were checked."""
    if not entry.checked:
        return ""
    return f"  確認 {entry.checked}" + ("（1年以上前）" if entry.check_older_than(stale) else "")


def _post_digest(runtime: Runtime) -> int:
    from adapters.slack_approvals import ApprovalDesk
    from adapters.slack_desk import make_client
    settings = runtime.settings
    if not (settings.slack_bot_token and settings.slack_makino_user_id):
        raise UsageError("--post には SLACK_BOT_TOKEN と SLACK_MAKINO_USER_ID の設定が必要です")
    desk = ApprovalDesk(core=runtime.core, client=make_client(settings), makino_id=settings.slack_makino_user_id,
                        tz=runtime.core.plan.timezone)
    return desk.post_digest()

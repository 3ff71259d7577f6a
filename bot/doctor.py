"""Self-diagnosis of the core's side (`./bansou doctor`): each check says what it found, in Japanese."""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import peewee as pw

from bot import dbops
from bot.config import COHORTS, Settings
from bot.logs import LOG_FILE, WORKER_LOG_FILE, recent_errors
from bot.models import Job, KnowledgeEntry, ScheduledRun, init_db, utcnow
from bot.rollout import COHORT_LABELS, RolloutError, RolloutPlan
from bot.states import CheckStatus as Status
from bot.states import JobStatus

BACKUP_MAX_AGE = dt.timedelta(hours=36)
FAILED_JOBS_DAYS = 7  # a handled failure is worth a warning for a week, not for ever
DISK_WARN_BYTES = 1024 ** 3
DISK_ERROR_BYTES = 200 * 1024 ** 2


MARKS = {Status.OK: "✅", Status.WARN: "⚠️", Status.ERROR: "❌"}


@dataclass(frozen=True)
class Finding:
    """One line of the diagnosis: what was checked, what was found, and what to do about it."""

    status: Status
    topic: str
    text: str
    fix: str = ""

    def render(self) -> str:
        line = f"{MARKS[self.status]} {self.topic}: {self.text}"
        return line + (f"\n    → {self.fix}" if self.fix else "")


def ok(topic: str, text: str) -> Finding:
    return Finding(Status.OK, topic, text)


def warn(topic: str, text: str, fix: str = "") -> Finding:
    return Finding(Status.WARN, topic, text, fix)


def error(topic: str, text: str, fix: str = "") -> Finding:
    return Finding(Status.ERROR, topic, text, fix)


def core_findings(settings: Settings, now: dt.datetime | None = None) -> list[Finding]:
    """Database, backup, knowledge, rollout, Claude, jobs, scheduler, disk and the log's last errors."""
    found = [guarded("データベース", lambda: check_database(settings))]
    database_ok = found[0].status != Status.ERROR
    if database_ok:
        found += [guarded("サーバー", lambda: check_server(settings)),
                  guarded("バックアップ", lambda: check_backup(settings, now))]
    found.append(guarded("ナレッジ", lambda: check_knowledge(settings, database_ok)))
    found.append(guarded("段階リリース", lambda: check_rollout(settings, now)))
    found.append(guarded("牧野さんの承認", lambda: check_approvals(settings, now, database_ok)))
    found.append(guarded("Claude", lambda: check_claude(settings)))
    if settings.anthropic_api_key and found[-1].status == Status.OK:
        found.append(guarded("Claude モデル", lambda: check_models(settings, now)))
    if database_ok:
        found += [guarded("処理待ち・失敗", check_jobs), guarded("定期処理", check_scheduler)]
    found += [guarded("ディスク", lambda: check_disk(settings)), guarded("ログ", lambda: check_log(settings))]
    return found


def unreachable_text(service: str, detail: str = "") -> str:
    """The one way doctor and the commands say a service cannot be reached; the SDKs' own words are English,
    so they come last (`detail`), for the engineer."""
    english = f"。英語の詳細: {detail}" if detail else ""
    return f"{service} に接続できません（インターネットにつながっていないか、{service} のサーバーに届きません{english}）"


# The operator cannot check the server's network; slack-setup.md and line-setup.md say the same.
UNREACHABLE_FIX = ("担当エンジニア（連絡先は docs/handover.md の「1. 連絡先」の表）に、このサーバーからインターネットに"
                   "つながるか（ネットワーク・プロキシ・ファイアウォール）を確かめてもらってください。")


def unreachable(service: str) -> Finding:
    return error(service, unreachable_text(service), UNREACHABLE_FIX)


def guarded(topic: str, check: Callable[[], Finding]) -> Finding:
    """A check that fails unexpectedly is a red line with its cause, never a traceback."""
    try:
        return check()
    except Exception as exc:  # edge: a `doctor` check; the diagnosis must finish and say what it could not check
        return error(topic, f"点検できませんでした（{type(exc).__name__}: {dbops.first_line(exc)}）",
                     "この行を、引き継ぎ資料（docs/handover.md）の「連絡先」にある担当エンジニアに伝えてください。")


SERVICE_UNIT = Path("/etc/systemd/system/bansou.service")  # where deploy.md installs the service


def check_database(settings: Settings) -> Finding:
    url = settings.database_url
    where = dbops.sqlite_path(url) if dbops.is_sqlite(url) else url.split("@")[-1]
    try:
        database = init_db(url)
        with database.connection_context(), database.atomic() as txn:
            ScheduledRun.create(name="doctor", period=utcnow().isoformat())  # a real write, undone
            txn.rollback()
    except (pw.PeeweeException, OSError) as exc:
        return error("データベース", f"{where} に接続・書き込みできません（{dbops.first_line(exc)}）",
                     "DATABASE_URL を確認してください。PostgreSQL ならサーバーが動いているか、ユーザー名と"
                     "パスワードが正しいかを確認します。")
    size = ""
    if dbops.is_sqlite(url):
        size = f"、{_megabytes(sum(p.stat().st_size for p in Path(where).parent.glob(Path(where).name + '*')))}"
    return ok("データベース", f"{'SQLite' if dbops.is_sqlite(url) else 'PostgreSQL'} {where} に接続・書き込みできます"
                          f"{size}")


def check_server(settings: Settings, service_unit: Path = SERVICE_UNIT) -> Finding:
    """A stopped server is ❌ once LINE or Slack is connected: members are writing and nobody answers.
    How to start it depends on whether the engineer installed it as a service (deploy.md) or not."""
    if dbops.ServerLock(settings.database_url).held_elsewhere():
        return ok("サーバー", "./bansou serve が動いています")
    if service_unit.exists():
        how = "サービスとして登録されているので、sudo systemctl start bansou で起動します（docs/deploy.md の「1.」）。"
    else:
        how = ("bansou のフォルダでターミナルを開いて ./bansou を実行し、そのターミナルは開いたままにします"
               "（閉じると止まります。docs/manual.md の「1.4」）。")
    start = ("サーバーを起動してください。" + how +
             "止まった時刻と理由は、troubleshooting.md の「8. bot が止まったとき」の手順で分かります。")
    if settings.line_enabled or settings.slack_enabled:
        return error("サーバー", "サーバー（./bansou serve）が動いていません。いま、LINE・Slack で届く会員の方の"
                               "質問には誰も答えていません", start)
    return warn("サーバー", "このデータベースを使うサーバー（./bansou serve）が見つかりません",
                "LINE・Slack はまだつないでいないので、会員の方への影響はありません。つないだら、" + start)


def check_backup(settings: Settings, now: dt.datetime | None = None) -> Finding:
    latest = dbops.last_backup(settings.backup_dir, settings.database_url)
    auto = "毎日の自動バックアップ: " + (f"オン（{settings.backup_keep} 世代保存）" if settings.backup_daily else "オフ")
    if latest is None:
        kind = "" if dbops.is_sqlite(settings.database_url) else "PostgreSQL の"
        older = "（SQLite の .db は移行前のものです）" if kind and dbops.last_backup(settings.backup_dir) else ""
        daily = ("毎日取るには .env の「# BACKUP_DAILY=on」の行の「# 」を消して、BACKUP_DAILY=on にします"
                 "（docs/backup.md の「3.4」）。")
        fix = "./bansou db backup で今すぐ取れます。" + (daily if kind else "")
        return warn("バックアップ", f"{settings.backup_dir} に{' ' if kind else ''}{kind}バックアップがまだありません"
                                f"{older}（{auto}）", fix)
    age = (now or dt.datetime.now(dt.timezone.utc)) - dt.datetime.fromtimestamp(latest.stat().st_mtime,
                                                                               dt.timezone.utc)
    text = f"最新は {latest}（{_age(age)}前、{_megabytes(latest.stat().st_size)}）。{auto}"
    if age > BACKUP_MAX_AGE:
        return warn("バックアップ", text, "1日以上新しいバックアップがありません。サーバーが動いているか、"
                                    "BACKUP_DAILY=on かを確認し、./bansou db backup で取ってください。")
    return ok("バックアップ", text)


def check_knowledge(settings: Settings, database_ok: bool) -> Finding:
    from bot.knowledge import load_dir
    directory = settings.knowledge_dir
    if not directory.is_dir():
        return error("ナレッジ", f"KNOWLEDGE_DIR のフォルダ {directory} がありません",
                     ".env の KNOWLEDGE_DIR を正しいフォルダ（通常は knowledge）にしてください。")
    entries, errors = load_dir(directory)
    learned = ""
    if database_ok:
        count = KnowledgeEntry.select().where(KnowledgeEntry.origin == "escalation",
                                              KnowledgeEntry.active == True).count()  # noqa: E712
        learned = f"、スタッフの回答から学んだもの {count} 件"
    text = f"{directory} のファイル {len(entries)} 件{learned}"
    if not entries:
        return error("ナレッジ", text + "（1件もありません）", "KNOWLEDGE_DIR に Markdown のナレッジを置いてください。")
    if errors:
        return warn("ナレッジ", f"{text}。誤りのあるファイル {len(errors)} 件（最初: {errors[0]}）",
                    "./bansou knowledge validate で全部の誤りを表示し、直してください。")
    return ok("ナレッジ", text)


def check_rollout(settings: Settings, now: dt.datetime | None = None) -> Finding:
    try:
        plan = RolloutPlan.load(settings.rollout_file)
    except (OSError, RolloutError) as exc:
        return error("段階リリース", f"ROLLOUT_FILE を読めません（{dbops.first_line(exc)}）",
                     "rollout.toml の書き方を docs/manual.md の「公開の予定を変える」で確認してください。")
    today = plan.today(now)
    opened = "、".join(f"{COHORT_LABELS.get(c, c)} " + (",".join(f"P{n}" for n in plan.open_patterns(c, today)) or "なし")
                      for c in COHORTS if c != "staff")
    upcoming = sorted({s.start for s in plan.stages if s.start > today})
    # Every stage to come, not only the next: a date just changed shows whichever stage it was.
    following = "。この先の予定: " + "／".join(_stage_opening(plan, start, today) for start in upcoming) if upcoming \
        else "。この先の予定はありません"
    return ok("段階リリース", f"今日（{today:%m/%d}）使えるもの: {opened}{following}")


def _stage_opening(plan: RolloutPlan, start: dt.date, today: dt.date) -> str:
    """`12/07 に ドクター研修生へ P2、法人研修生へ P3` (the year too when it is not this one)."""
    day = f"{start:%m/%d}" if start.year == today.year else f"{start:%Y/%m/%d}"
    return f"{day} に " + "、".join(f"{'・'.join(COHORT_LABELS.get(c, c) for c in s.cohorts)}へ "
                                    f"P{','.join(map(str, s.patterns))}" for s in plan.stages if s.start == start)


def check_approvals(settings: Settings, now: dt.datetime | None, database_ok: bool) -> Finding:
    from bot.approvals.readiness import readiness
    due, text = readiness(settings, now, database_ok=database_ok)
    if due:
        return warn("牧野さんの承認", text, "./bansou knowledge approvals で一覧を確かめ、牧野さんに Slack の DM"
                                    "（--post で今すぐ送れます）で承認をお願いしてください。docs/manual.md の"
                                    "「牧野さんの承認」をご覧ください。")
    return ok("牧野さんの承認", text)


def check_claude(settings: Settings) -> Finding:
    if not settings.anthropic_api_key:
        return warn("Claude", "ANTHROPIC_API_KEY が未設定のため、ナレッジだけで答えるオフライン回答で動いています",
                    "AI で答えるには .env に ANTHROPIC_API_KEY を設定して、サーバーを再起動してください。")
    import anthropic
    client = anthropic.Anthropic(api_key=settings.anthropic_api_key, max_retries=0, timeout=15)
    try:
        client.models.list(limit=1)
    except anthropic.AuthenticationError:
        return error("Claude", "API キーが拒否されました（401: キーが無効・削除済み・入力ミス）",
                     "Anthropic Console で新しいキーを作り、.env の ANTHROPIC_API_KEY を書き換えてサーバーを"
                     "再起動してください（docs/manual.md「API キーの更新」）。")
    except anthropic.PermissionDeniedError:
        return error("Claude", "API キーに権限がありません（403）", "Anthropic Console でキーと組織の状態を確認してください。")
    except anthropic.APIConnectionError as exc:
        return error("Claude", unreachable_text("Anthropic", dbops.first_line(exc)),
                     UNREACHABLE_FIX + "つながるまでの間は、ナレッジで確実に答えられる質問だけ AI なしで答え、"
                     "それ以外はスタッフに回ります。")
    except anthropic.APIStatusError as exc:
        return warn("Claude", f"Anthropic が {exc.status_code} を返しました（先方の障害や利用上限の可能性）",
                    "しばらくして再度 doctor を実行し、続くときは status.anthropic.com と請求設定を確認します。")
    return ok("Claude", f"API キーは有効です（モデル {settings.claude_model}）")


def check_models(settings: Settings, now: dt.datetime | None = None) -> Finding:
    """Every configured model (default and per-Pattern) against the Models API and the price table."""
    import anthropic

    from bot.claude.lifecycle import model_problems
    client = anthropic.Anthropic(api_key=settings.anthropic_api_key, max_retries=0, timeout=15)
    problems, fixes, fine = model_problems(client, settings, now)
    if problems:
        return warn("Claude モデル", "、".join(problems), " ".join(fixes))
    return ok("Claude モデル", f"{'、'.join(fine)} は提供中で、料金表にあります（考える量 {settings.claude_effort}）")


def check_jobs() -> Finding:
    """Dead letters (what `jobs list` shows and `jobs retry` replays) apart from handled failures of the last week,
    whose apology and alert went out already and which no command replays."""
    since = utcnow() - dt.timedelta(days=FAILED_JOBS_DAYS)
    dead = Job.select().where(Job.status == JobStatus.DEAD).count()
    failed = Job.select().where(Job.status == JobStatus.FAILED, Job.updated_at >= since).count()
    pending = Job.select().where(Job.status == JobStatus.PENDING).count()
    if dead:
        return warn("処理待ち・失敗", f"やり直しを待っている処理（デッドレター）が {dead} 件あります（待ち {pending} 件）",
                    "./bansou jobs list で内容を確認し、原因を直してから ./bansou jobs retry --all で"
                    "やり直せます。")
    if failed:
        return warn("処理待ち・失敗", f"この {FAILED_JOBS_DAYS} 日間に、再試行しても失敗した処理が {failed} 件あります"
                                  f"（待ち {pending} 件）",
                    f"お詫びとオペレーター用チャンネルへのお知らせは済んでいます。原因は var/log/{WORKER_LOG_FILE} の"
                    "「再試行しても失敗しました」の行で確かめてください（docs/troubleshooting.md の「Slack のエラー」）。")
    return ok("処理待ち・失敗", f"失敗した処理はありません（待ち {pending} 件）")


def check_scheduler() -> Finding:
    last = {}
    for name in ("report_daily", "report_weekly", "report_monthly", "backup"):
        row = (ScheduledRun.select().where(ScheduledRun.name == name)
               .order_by(ScheduledRun.created_at.desc()).first())
        if row is not None:
            last[name] = row
    labels = {"report_daily": "日次", "report_weekly": "週次", "report_monthly": "月次", "backup": "バックアップ"}
    if not last:
        return warn("定期処理", "定期レポートがまだ一度も作られていません",
                    "サーバーが動いていれば、毎朝 9 時（日本時間）に前日のレポートが作られます。")
    text = "、".join(f"{labels[n]} {r.period}" + ("（失敗）" if not r.ok else "") for n, r in last.items())
    if any(not r.ok for r in last.values()):
        # The scheduler runs in the worker process, so its failures are in the worker's log.
        return warn("定期処理", f"最後の実行: {text}", f"オペレーター用チャンネルの通知とログ（var/log/{WORKER_LOG_FILE}）で"
                                                  "原因を確認してください。")
    return ok("定期処理", f"最後の実行: {text}")


def check_disk(settings: Settings) -> Finding:
    folder = Path(".")
    free = shutil.disk_usage(folder).free
    text = f"空き {_megabytes(free)}"
    if free < DISK_ERROR_BYTES:
        return error("ディスク", text, "古いバックアップ（var/backups）やレポート（var/reports）を消して空きを作ってください。")
    if free < DISK_WARN_BYTES:
        return warn("ディスク", text, "空きが 1 GB を切りました。BACKUP_KEEP を減らすか、古いファイルを消してください。")
    return ok("ディスク", text)


def check_log(settings: Settings) -> Finding:
    if settings.log_dir is None:
        return ok("ログ", "ファイルには書かず、標準出力だけに出しています（LOG_DIR=off）")
    errors = recent_errors(settings.log_dir)
    where = f"{settings.log_dir / LOG_FILE} と {WORKER_LOG_FILE}"
    if errors:
        return warn("ログ", f"{where} の最近のエラー: " + " / ".join(e[:160] for e in errors),
                    "docs/manual.md の「困ったとき」で、このエラーの意味と対処を確認してください。")
    return ok("ログ", f"{where} に最近のエラーはありません")


def _age(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24}日{hours % 24}時間" if hours >= 24 else f"{hours}時間{int(delta.total_seconds() % 3600 // 60)}分"


def _megabytes(size: int) -> str:
    return f"{size / 1024 ** 3:.1f} GB" if size >= 1024 ** 3 else f"{size / 1024 ** 2:.1f} MB"

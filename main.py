"""bansou command line: `python main.py [serve]`, chat, ask, knowledge, report, users, eval."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from bot.config import COHORTS, ConfigError, load_settings


class UsageError(Exception):
    """A user mistake: one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> Parser:
    parser = Parser(prog="main.py", description="bansou: the Makino academy AI companion")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    serve = commands.add_parser("serve", help="run the web app (default)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, help="default: $PORT or 8000")

    chat = commands.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--pattern", type=int)
    chat.add_argument("--user", default="local-user")
    chat.add_argument("--cohort", choices=COHORTS, default="academy_member")

    ask = commands.add_parser("ask", help="ask one question")
    ask.add_argument("text")
    ask.add_argument("--pattern", type=int)
    ask.add_argument("--user", default="local-user")
    ask.add_argument("--cohort", choices=COHORTS, default="academy_member")
    ask.add_argument("--json", action="store_true")

    knowledge = commands.add_parser("knowledge", help="the knowledge base")
    kcmd = knowledge.add_subparsers(dest="action", required=True, parser_class=Parser)
    search = kcmd.add_parser("search")
    search.add_argument("text")
    search.add_argument("--pattern", type=int)
    search.add_argument("--top", type=int, default=5)
    search.add_argument("--json", action="store_true")
    kcmd.add_parser("list")
    kcmd.add_parser("sync")
    kcmd.add_parser("validate")
    export = kcmd.add_parser("export")
    export.add_argument("--out", type=Path, help="folder (default: KNOWLEDGE_DIR)")

    report = commands.add_parser("report", help="daily, weekly or monthly report")
    report.add_argument("period", choices=("daily", "weekly", "monthly"))
    report.add_argument("--date")
    report.add_argument("--out", type=Path, default=Path("var/reports"))
    report.add_argument("--post", action="store_true")

    users = commands.add_parser("users", help="users and cohorts")
    ucmd = users.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = ucmd.add_parser("add")
    add.add_argument("channel", choices=("line", "slack", "local"))
    add.add_argument("user_id")
    add.add_argument("--cohort", choices=COHORTS, default="academy_member")
    add.add_argument("--name", default="")
    imp = ucmd.add_parser("import")
    imp.add_argument("csv", type=Path)
    ucmd.add_parser("list")
    setc = ucmd.add_parser("set-cohort")
    setc.add_argument("channel", choices=("line", "slack", "local"))
    setc.add_argument("user_id")
    setc.add_argument("cohort", choices=COHORTS)

    line = commands.add_parser("line", help="LINE official account set-up")
    lcmd = line.add_subparsers(dest="action", required=True, parser_class=Parser)
    lcmd.add_parser("richmenu", help="create the rich menu (Pattern buttons) and make it the default")

    ev = commands.add_parser("eval", help="golden-set evaluation of the knowledge search")
    ev.add_argument("file", type=Path)
    ev.add_argument("--json", action="store_true")
    add_jobs_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        settings = load_settings()
        return COMMANDS[args.command or "serve"](args, settings)
    except (UsageError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_serve(args, settings) -> int:
    from adapters.web import serve
    port = getattr(args, "port", None) or os.environ.get("PORT") or "8000"
    if not str(port).isdigit():
        raise UsageError(f"PORT must be a port number, got {port!r}")
    serve(settings, host=getattr(args, "host", "0.0.0.0"), port=int(port))
    return 0


def cmd_chat(args, settings) -> int:
    from adapters.local import chat
    _check_pattern(args.pattern)
    chat(_runtime(settings).core, user=args.user, pattern=args.pattern, cohort=args.cohort)
    return 0


def cmd_ask(args, settings) -> int:
    from adapters.local import render, reply_json, to_message
    _check_pattern(args.pattern)
    runtime = _runtime(settings)
    reply = runtime.core.handle(to_message(args.text, user=args.user, pattern=args.pattern, cohort=args.cohort))
    if reply.kind == "invalid":
        raise UsageError(reply.text)
    print(reply_json(reply) if args.json else render(reply))
    return 0


def cmd_knowledge(args, settings) -> int:
    from bot.knowledge import load_dir
    if args.action == "validate":
        entries, errors = load_dir(settings.knowledge_dir)
        for error in errors:
            print(error, file=sys.stderr)
        print(f"{len(entries)} entries OK, {len(errors)} with errors")
        return 2 if errors else 0
    runtime = _runtime(settings, sync=args.action != "sync")
    kb = runtime.knowledge
    if args.action == "sync":
        result = kb.sync()
        for error in result.errors:
            print(error, file=sys.stderr)
        print(f"added {len(result.added)}, updated {len(result.updated)}, deleted {len(result.deleted)}, "
              f"errors {len(result.errors)}")
        return 2 if result.errors else 0
    if args.action == "search":
        _check_pattern(args.pattern)
        hits = kb.search(args.text, args.pattern, top=max(1, args.top))
        if args.json:
            print(json.dumps([{"id": h.entry.id, "pattern": h.entry.pattern, "score": h.score,
                               "question": h.entry.question} for h in hits], ensure_ascii=False))
        else:
            for h in hits:
                print(f"{h.score:7.2f}  cover {h.coverage:.2f}  {h.entry.id:<12} {h.entry.question}")
        return 0
    if args.action == "list":
        for e in kb.all_entries():
            print(f"{e.id:<14} P{e.pattern or '*'}  {e.question}")
        return 0
    written = kb.export(args.out or settings.knowledge_dir)
    print(f"exported {len(written)} learned entries" + "".join(f"\n  {p}" for p in written))
    return 0


def cmd_report(args, settings) -> int:
    from reports.cli import run_report
    return run_report(_runtime(settings), args.period, date=args.date, out=args.out, post=args.post)


def cmd_users(args, settings) -> int:
    from bot import users
    runtime = _runtime(settings)
    try:
        if args.action == "add":
            user, outcome = users.add(args.channel, args.user_id, args.cohort, args.name)
            print(f"{outcome}: {user.channel}:{user.external_id} ({user.cohort})")
        elif args.action == "set-cohort":
            user = users.set_cohort(args.channel, args.user_id, args.cohort)
            print(f"updated: {user.channel}:{user.external_id} ({user.cohort})")
        elif args.action == "import":
            if not args.csv.is_file():
                raise UsageError(f"{args.csv} does not exist")
            result = users.import_csv(args.csv)
            print(f"added {result.added}, updated {result.updated}, unchanged {result.unchanged}, "
                  f"rejected {len(result.rejected)}")
            for line, why in result.rejected:
                print(f"  line {line}: {why}", file=sys.stderr)
        else:
            print(f"{'channel':<6} {'user':<24} {'cohort':<18} {'open':<10} {'this month':>10}")
            for row in users.list_rows(runtime.core.plan):
                opened = ",".join(map(str, row.open_patterns)) or "-"
                state = "" if row.active else " (inactive)"
                print(f"{row.channel:<6} {row.external_id:<24} {row.cohort:<18} {opened:<10} "
                      f"{row.questions_this_month:>10}{state}")
    except users.UserError as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_line(args, settings) -> int:
    from adapters.line import LineSetupError, setup_rich_menu
    try:
        menu_id = setup_rich_menu(settings)
    except LineSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"rich menu {menu_id} is now the default menu")
    return 0


def cmd_eval(args, settings) -> int:
    from bot.evaluation import EvalError, as_json, run_eval
    if not args.file.is_file():
        raise UsageError(f"{args.file} does not exist")
    try:
        results, summary = run_eval(args.file, settings.knowledge_dir)
    except EvalError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(as_json(results, summary))
        return 0
    for r in results:
        hit = "ok " if set(r.retrieved[:3]) & set(r.expected) or (not r.expected and not r.covered) else "NG "
        print(f"{hit} covered={'yes' if r.covered else 'no ':<3} expected={','.join(r.expected) or '-':<10} "
              f"retrieved={','.join(r.retrieved)}  {r.question}")
    print(f"\nrecall@1 {summary['recall_at_1']:.3f}  recall@3 {summary['recall_at_3']:.3f}  "
          f"coverage accuracy {summary['coverage_accuracy']:.3f}  ({summary['questions']} questions)")
    return 0


# ---- jobs: dead letters (failed for good, and their failure handler failed too) ----------------

def add_jobs_parser(commands) -> None:
    jobs = commands.add_parser("jobs", help="failed jobs (dead letters): list and replay")
    jcmd = jobs.add_subparsers(dest="action", required=True, parser_class=Parser)
    jcmd.add_parser("list", help="the dead letters")
    retry = jcmd.add_parser("retry", help="put dead letters back in the queue")
    retry.add_argument("ids", nargs="*", metavar="ID")
    retry.add_argument("--all", action="store_true")


def cmd_jobs(args, settings) -> int:
    from bot.jobs import dead_letters, replay
    if args.action == "retry" and bool(args.ids) == bool(args.all):
        raise UsageError("再実行するジョブの ID を指定するか、--all を付けてください（どちらか一方）")
    if args.action == "retry" and not all(i.isdigit() for i in args.ids):
        raise UsageError(f"ジョブの ID は数字で指定してください: {' '.join(args.ids)}")
    runtime = _runtime(settings, sync=False)
    with runtime.database.connection_context():
        dead = dead_letters()
        if args.action == "list":
            if not dead:
                print("デッドレター（処理に失敗し、再実行を待っているジョブ）はありません。")
            for job in dead:
                error = (job.last_error or "").splitlines()[0][:100] if job.last_error else ""
                print(f"#{job.id}  {job.kind}  試行 {job.attempts} 回  {job.updated_at:%Y-%m-%d %H:%M} UTC  {error}")
            return 0
        ids = None if args.all else [int(i) for i in args.ids]
        unknown = sorted(set(ids or ()) - {job.id for job in dead})
        if unknown:
            raise UsageError(f"デッドレターではないジョブです: {', '.join(f'#{i}' for i in unknown)}"
                             "（一覧は python main.py jobs list）")
        count = replay(ids)
    print(f"{count} 件のジョブを再実行待ちに戻しました。稼働中のサーバーが順に処理します。")
    return 0


def _runtime(settings, sync: bool = True):
    from bot.runtime import build_runtime
    desk = None
    if settings.slack_enabled and settings.slack_operator_channel:
        from adapters.slack import make_desk  # escalations from the terminal reach the operators too
        desk = make_desk(settings)
    return build_runtime(settings, desk=desk, sync_knowledge=sync)


def _check_pattern(number: int | None) -> None:
    if number is not None and number not in (1, 2, 3, 4):
        raise UsageError(f"unknown Pattern {number} (use 1, 2, 3 or 4)")


COMMANDS = {"serve": cmd_serve, "chat": cmd_chat, "ask": cmd_ask, "knowledge": cmd_knowledge,
            "report": cmd_report, "users": cmd_users, "line": cmd_line, "eval": cmd_eval, "jobs": cmd_jobs}

if __name__ == "__main__":
    sys.exit(main())

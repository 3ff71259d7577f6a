"""The commands: each takes the parsed arguments and the settings, prints Japanese, returns the exit code."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

from bot.config import Settings
from cli.parser import UsageError

JOB_ERROR_CHARS = 240  # `jobs list`: enough for a Slack error's reason, short enough for one terminal line


def cmd_serve(args, settings: Settings) -> int:
    from adapters.web import serve
    port = getattr(args, "port", None) or os.environ.get("PORT") or "8000"
    if not str(port).isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(f"ポート番号は 1〜65535 の数字で指定してください（指定された値: {port}）")
    serve(settings, host=getattr(args, "host", "0.0.0.0"), port=int(port))
    return 0


def cmd_chat(args, settings: Settings) -> int:
    from adapters.local import TerminalDelivery, chat
    from bot.users import cohort_for_once
    _check_pattern(args.pattern)
    runtime = _test_runtime(settings, deliverers={"local": TerminalDelivery(sys.stdout)})
    runtime.core.screener.load()  # a broken encoder stops here, with one line, not at the first message
    with runtime.database.connection_context(), cohort_for_once("local", args.user, args.cohort):
        chat(runtime.core, user=args.user, pattern=args.pattern, cohort=args.cohort)
    return 0


def cmd_ask(args, settings: Settings) -> int:
    from adapters.local import render, reply_json, to_message
    from bot.states import ReplyKind
    from bot.users import cohort_for_once
    _check_pattern(args.pattern)
    runtime = _test_runtime(settings)
    runtime.core.screener.load()
    with runtime.database.connection_context(), cohort_for_once("local", args.user, args.cohort):
        reply = runtime.core.receive(to_message(args.text, user=args.user, pattern=args.pattern, cohort=args.cohort))
    if reply.kind == ReplyKind.INVALID:
        raise UsageError(reply.text)
    print(reply_json(reply) if args.json else render(reply))
    return 0


def cmd_practice(args, settings: Settings) -> int:
    from cli.practice import run_practice
    _check_pattern(args.pattern)
    return run_practice(settings, args.text, pattern=args.pattern, cohort=args.cohort,
                        port=args.port or int(os.environ.get("PORT") or 8000))


def cmd_knowledge(args, settings: Settings) -> int:
    from bot.coverage import COVERS_AT
    from bot.knowledge import load_dir
    from cli.knowledge_review import check_mark, print_approvals, stale_month
    if args.action == "validate":
        entries, errors = load_dir(settings.knowledge_dir)
        for error in errors:
            print(error, file=sys.stderr)
        print(f"問題のないナレッジ {len(entries)} 件、誤りのあるファイル {len(errors)} 件")
        return 2 if errors else 0
    runtime = _runtime(settings, sync=args.action != "sync")
    kb = runtime.knowledge
    if args.action == "sync":
        result = kb.sync()
        for error in result.errors:
            print(error, file=sys.stderr)
        print(f"追加 {len(result.added)} 件、更新 {len(result.updated)} 件、削除 {len(result.deleted)} 件、"
              f"誤り {len(result.errors)} 件")
        return 2 if result.errors else 0
    if args.action == "search":
        _check_pattern(args.pattern)
        hits = kb.search(args.text, args.pattern, top=max(1, args.top))
        if args.json:
            print(json.dumps([{"id": h.entry.id, "pattern": h.entry.pattern, "score": h.score,
                               "question": h.entry.question} for h in hits], ensure_ascii=False))
        elif not hits:
            print("該当するナレッジはありません。")
        else:
            print(_columns(("   点数", " 一致度", "  ID"), (9, 9, 15)) + "質問")
            for h in hits:
                print(f"{h.score:7.2f}  {h.coverage:7.2f}  {h.entry.id:<12}   {h.entry.question}")
            print(f"（点数は並べる順番のための値です。一致度はそのナレッジで答えられる見込み（0〜1）で、{COVERS_AT:.2f} 以上が"
                  "ナレッジで答える目安です。届かなければスタッフに回ります。実際の扱いは ./bansou ask で確かめられます）")
        return 0
    if args.action == "approvals":
        return print_approvals(runtime, post=args.post)
    if args.action == "list":
        entries = kb.all_entries()
        stale = stale_month(runtime.core.plan.today())
        for e in entries:
            print(f"{e.id:<14} P{e.pattern or '*'}  {'承認待ち' if e.awaits_approval else '        '}  {e.question}"
                  f"{check_mark(e, stale)}")
        waiting = sum(1 for e in entries if e.awaits_approval)
        if waiting:
            print(f"\n承認待ち {waiting}件: Pattern 4 は牧野さんの言葉として話すため、牧野さんの承認が必要です"
                  "（./bansou knowledge approvals）。")
        old = [e.id for e in entries if e.check_older_than(stale)]
        if old:
            print(f"\n確認から1年以上たったもの {len(old)}件: {', '.join(old)}。税制・法令の記述を確かめ、"
                  "checked を更新してください。")
        return 0
    written = kb.export(args.out or settings.knowledge_dir)
    print(f"学習したナレッジ {len(written)} 件を書き出しました" + "".join(f"\n  {p}" for p in written))
    return 0


def cmd_report(args, settings: Settings) -> int:
    from reports.cli import run_report
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out にはフォルダを指定してください（{args.out} はファイルです）")
    return run_report(_runtime(settings), args.period, date=args.date, out=args.out, post=args.post,
                      include_tests=args.include_tests)


def cmd_users(args, settings: Settings) -> int:
    from bot import users
    runtime = _runtime(settings)
    if args.action in ("show", "forget"):
        from cli import members
        user = members.find_member(args.id)
        if args.action == "show":
            members.show(user, settings.encoder)
        else:
            members.forget(user, runtime, settings.log_dir)
        return 0
    outcomes = {"added": "登録しました", "updated": "更新しました", "unchanged": "変更はありません"}
    try:
        if args.action == "add":
            user, outcome = users.add(args.channel, args.user_id, args.cohort, args.name)
            print(f"{outcomes[outcome]}: {user.channel}:{user.external_id} {user.display_name}（{user.cohort}）")
        elif args.action == "set-cohort":
            user = users.set_cohort(args.channel, args.user_id, args.cohort)
            print(f"コホートを変更しました: {user.channel}:{user.external_id} {user.display_name}（{user.cohort}）")
        elif args.action == "import":
            if not args.csv.is_file():
                raise UsageError(f"{args.csv} が見つかりません")
            result = users.import_csv(args.csv)
            space = "" if result.encoding.endswith("）") else " "  # Japanese takes no space after a bracket
            print(f"文字コード: {result.encoding}{space}として読み込みました")
            print(f"登録 {result.added} 人、更新 {result.updated} 人、変更なし {result.unchanged} 人、"
                  f"取り込めなかった行 {len(result.rejected)} 行")
            if result.moved:
                print(f"この取り込みでコホートが変わった人 {len(result.moved)} 人: {' '.join(result.moved)}")
                print("  古い CSV を取り込むと、CSV で変えたコホートが元に戻ります。意図しない変更なら、最新の CSV を"
                      "取り込み直してください。")
            if result.kept:
                print(f"set-cohort で変えたコホートを残した人 {len(result.kept)} 人（CSV のコホートが前回の取り込みと"
                      f"同じため）: {' '.join(result.kept)}")
                print("  CSV のほうに合わせるときは、CSV のコホートを書き換えて取り込むか、set-cohort で戻してください。")
            if result.unseen_line:
                print(f"⚠ まだ bot に届いたことのない LINE のユーザー ID {len(result.unseen_line)} 人: "
                      f"{' '.join(result.unseen_line)}")
                print("  登録はしましたが、確かめられるのは ID の形だけです。友だち追加の前か、ID の写し間違いかもしれません。"
                      "友だち追加した方の ID は、取り込む前から ./bansou users list と users export に出ています。"
                      "そこから写し直してください（docs/manual.md の「4.」）。")
            for line, why in result.rejected:
                print(f"  {line} 行目: {why}", file=sys.stderr)
        elif args.action == "export":
            count = users.export_csv(args.csv, runtime.core.plan.timezone)
            print(f"{count} 人を {args.csv.resolve()} に書き出しました（UTF-8・BOM 付き。Excel でそのまま開けます）")
            print("列: channel, user_id, cohort, display_name（取り込みと同じ）、active（yes は友だち登録中、no はブロック・"
                  "友だち解除）、created_at（登録日、日本時間）。ask・chat で試したターミナルの利用者は入りません。")
        else:
            _print_users(users.list_rows(runtime.core.plan))
    except users.UserError as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_escalations(args, settings: Settings) -> int:
    """Answer escalations from the terminal: the Slack buttons' workflow, delivered through the channels."""
    from adapters.local import TerminalDelivery
    from cli import escalations
    runtime = _runtime(settings, delivering=True, deliverers={"local": TerminalDelivery(sys.stdout)})
    return escalations.run(args, runtime)


def cmd_line(args, settings: Settings) -> int:
    from adapters.line import LineSetupError, setup_rich_menu
    # urllib3 retries a failed connection with an English WARNING each time; the one Japanese line below says it.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    try:
        menu_id = setup_rich_menu(settings)
    except LineSetupError as exc:
        raise UsageError(str(exc)) from None
    print(f"リッチメニュー {menu_id} を作成し、既定のメニューにしました")
    return 0


def cmd_db(args, settings: Settings) -> int:
    from bot import dbops
    from bot.rollout import timezone_or_default
    url = settings.database_url
    tz = timezone_or_default(settings.rollout_file)
    try:
        if args.action == "backup":
            target = _in_backup_dir(args.file, settings) or dbops.default_backup_path(url, settings.backup_dir, tz=tz)
            result = dbops.backup(url, target)
            print(f"バックアップを作成しました: {result.path}")
            print("バックアップを開き直して確認した件数: " + _counts(result.counts))
        elif args.action == "restore":
            given = args.file
            if not given.is_file() and given.parent == Path(".") and (settings.backup_dir / given).is_file():
                given = settings.backup_dir / given  # a bare name: where `db backup NAME` put it
            kept, counts = dbops.restore(url, given, settings.backup_dir, tz=tz)
            print(f"{given} から復元しました。" + (f"復元前のデータは {kept} に残してあります。" if kept else
                                                  "（復元先にデータベースはまだありませんでした）"))
            print("復元したデータの件数: " + _counts(counts))
        else:
            target = args.to or settings.migrate_to
            if not target:
                raise UsageError("移行先がありません。.env に MIGRATE_TO=postgresql://… の行を書くか、"
                                 "--to postgresql://… で指定してください")
            result = dbops.migrate_to(url, target)
            print("PostgreSQL への移行が終わりました。件数（移行元 → 移行先）:")
            for table, count in result.source.items():
                mark = "" if result.target.get(table) == count else "  ← 一致しません"
                print("  " + _columns((dbops.table_label(table), f"{count:>8} → {result.target.get(table, 0)}"),
                                      (22, 0)).rstrip() + mark)
            if result.source != result.target:
                return 1
            print("次に .env の DATABASE_URL を移行先に書き換えて、サーバーを再起動してください。")
    except dbops.DbOpsError as exc:
        raise UsageError(str(exc)) from None
    return 0


def _in_backup_dir(file: Path | None, settings: Settings) -> Path | None:
    """`db backup NAME`: a bare name goes beside the other backups (BACKUP_DIR), a path where it says."""
    if file is None:
        return None
    return settings.backup_dir / file if file.parent == Path(".") else file


def cmd_doctor(args, settings: Settings) -> int:
    from cli.doctor import run_doctor
    return run_doctor(settings)


def cmd_eval(args, settings: Settings) -> int:
    from bot.evaluation import EvalError, as_json, read_questions, run_eval
    from bot.evaluation_offline import run_offline, summarize_offline
    from bot.safety.evaluation import is_safety_file
    if not args.file.is_file():
        raise UsageError(f"{args.file} が見つかりません")
    settings, source = _eval_knowledge(args.file, settings)
    if args.model is not None or args.compare or args.judge:
        from cli.model_eval import run_model_eval
        return run_model_eval(args, settings, source, _runtime)
    if is_safety_file(args.file):
        return _eval_safety(args, settings, source)
    try:
        results, summary = run_eval(args.file, settings.knowledge_dir)
    except EvalError as exc:
        raise UsageError(str(exc)) from None
    outcomes = run_offline(read_questions(args.file), settings, build=_runtime)
    summary.update(summarize_offline(outcomes))
    results = [replace(r, offline=o.outcome) for r, o in zip(results, outcomes)]
    if args.json:
        print(as_json(results, summary))
        return 0
    for r in results:
        hit = "ok " if set(r.retrieved[:3]) & set(r.expected) or (not r.expected and not r.covered) else "NG "
        print(f"{hit} covered={'yes' if r.covered else 'no ':<3} expected={','.join(r.expected) or '-':<10} "
              f"retrieved={','.join(r.retrieved)}  offline={r.offline:<8}  {r.question}")
    print(f"\nrecall@1 {summary['recall_at_1']:.3f}  recall@3 {summary['recall_at_3']:.3f}  "
          f"coverage accuracy {summary['coverage_accuracy']:.3f}  coverage AUC {summary['coverage_auc']:.3f}  "
          f"（{summary['questions']} 問）")
    print(source)
    if "cv_coverage_auc" in summary:
        print(f"交差検証（正解エントリごとに 5 分割し、各質問を自分のエントリの質問を除いて当て直したモデルで判定）: "
              f"coverage accuracy {summary['cv_coverage_accuracy']:.3f}  AUC {summary['cv_coverage_auc']:.3f}")
        if summary.get("cv_near_misses_rejected") is not None:
            print(f"答えるエントリを除いて同じ質問をしたとき（ニアミス）に「該当なし」と判定した割合: "
                  f"{summary['cv_near_misses_rejected']:.3f}")
    print(f"オフライン回答（ask と同じ流れ）: 該当ありの質問に正しいエントリで回答 "
          f"{_share(summary['offline_covered_answered_right'])}、全質問のうち違うエントリで回答 "
          f"{_share(summary['offline_answered_wrong'])}、該当なしの質問をスタッフへ {_share(summary['offline_uncovered_to_staff'])}"
          f"・あいさつ／範囲外の返信 {_share(summary['offline_uncovered_friendly'])}・回答してしまった "
          f"{_share(summary['offline_uncovered_answered'])}")
    if summary["offline_awaiting_makino"]:
        print(f"  うち牧野さんの承認待ちのエントリだけが答える質問 {summary['offline_awaiting_makino']} 問は、承認まで"
              f"スタッフへ回ります（それを除くと正しいエントリで回答 {_share(summary['offline_sayable_answered_right'])}）")
    if "offline_chat_friendly" in summary:
        print(f"  種類別: ニアミスをスタッフへ {_share(summary['offline_near_miss_to_staff'])}、領域内で該当なしをスタッフへ "
              f"{_share(summary['offline_in_domain_uncovered_to_staff'])}、あいさつ・雑談・範囲外に返信 "
              f"{_share(summary['offline_chat_friendly'])}")
    return 0


def _share(value: float | None) -> str:
    """A share for the evaluation's lines; a kind the set has no question of says so (not 0.000)."""
    return "対象の質問なし" if value is None else f"{value:.3f}"


def _eval_knowledge(file: Path, settings: Settings) -> tuple[Settings, str]:
    """The knowledge an evaluation file is run against, and a line saying which: KNOWLEDGE_DIR when it is
    set, else the knowledge/ folder beside the file (a golden set ships with the base it was written for)."""
    beside = file.parent / "knowledge"
    if settings.knowledge_dir_given or not beside.is_dir():
        origin = "KNOWLEDGE_DIR" if settings.knowledge_dir_given else "既定"
        return settings, f"ナレッジ: {settings.knowledge_dir}（{origin}）"
    return replace(settings, knowledge_dir=beside), f"ナレッジ: {beside}（評価ファイルと同じフォルダの knowledge/）"


def _eval_safety(args, settings: Settings, source: str) -> int:
    from bot.safety import evaluation as safety_eval
    try:
        results, summary = safety_eval.run_safety_eval(args.file, settings, build=_runtime)
    except safety_eval.SafetyEvalError as exc:
        raise UsageError(str(exc)) from None
    print(safety_eval.as_json(results, summary) if args.json else f"{safety_eval.as_text(results, summary)}\n{source}")
    return 0


def cmd_safety(args, settings: Settings) -> int:
    """Refit the safety model from the corpus and the operators' labels; keep the better one."""
    from bot.safety import train
    corpus = args.corpus or train.CORPUS
    if not corpus.is_dir() or not any(corpus.glob("*.jsonl")):
        raise UsageError(f"{corpus} に学習用の文例（*.jsonl）がありません")
    runtime = _runtime(settings, sync=False)
    current = runtime.core.screener.load()
    print("作り直しています（数分かかります）…", file=sys.stderr)
    with runtime.database.connection_context():
        result = train.retrain(encoder=current.encoder, current=current, target=settings.safety_model_dir,
                               cache=Path("var/cache") / f"encoder-{current.encoder.name}.npz", corpus=corpus)
    print(f"スタッフの分類: {result.labels} 件（前回のモデルより {result.new_labels} 件増）")
    print("書き手ごとの交差検証（見つけた割合 / 似ているが違う文を見逃した割合。左が今のモデル、右が新しいモデル）")
    for kind, name in SAFETY_KINDS.items():
        old, new = result.old[kind], result.new[kind]
        print(f"  {name:<12} 検知 {old['recall']:.3f} → {new['recall']:.3f}   "
              f"誤検知しなかった割合 {old['look_alikes_passed']:.3f} → {new['look_alikes_passed']:.3f}")
    print(f"新しいモデルを使います（{settings.safety_model_dir}）。サーバーを再起動すると反映されます。" if result.kept_new
          else "新しいモデルは今より悪かったため、今のモデルをそのまま使います。")
    return 0


SAFETY_KINDS = {"crisis": "危機（本人）", "someone_in_danger": "他の人の危険", "compliance": "コンプライアンス",
                "human": "有人対応の希望"}


def cmd_jobs(args, settings: Settings) -> int:
    """Dead letters: jobs that failed for good and whose failure handler failed too."""
    from bot.jobs import dead_letters, replay
    from bot.rollout import timezone_or_default
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
            tz = timezone_or_default(settings.rollout_file)
            for job in dead:
                # One line, long enough to hold the reason (a Slack error names it on its second line).
                error = " ".join((job.last_error or "").split())[:JOB_ERROR_CHARS]
                when = job.updated_at.replace(tzinfo=dt.timezone.utc).astimezone(tz).isoformat(" ", "minutes")
                print(f"#{job.id}  {job.kind}  試行 {job.attempts} 回  {when}  {error}")
            return 0
        ids = None if args.all else [int(i) for i in args.ids]
        unknown = sorted(set(ids or ()) - {job.id for job in dead})
        if unknown:
            raise UsageError(f"デッドレターではないジョブです: {', '.join(f'#{i}' for i in unknown)}"
                             "（一覧は ./bansou jobs list）")
        count = replay(ids)
    print(f"{count} 件のジョブを再実行待ちに戻しました。稼働中のサーバーが順に処理します。")
    return 0


COMMANDS = {"serve": cmd_serve, "chat": cmd_chat, "ask": cmd_ask, "knowledge": cmd_knowledge,
            "report": cmd_report, "users": cmd_users, "line": cmd_line, "db": cmd_db, "doctor": cmd_doctor,
            "eval": cmd_eval, "jobs": cmd_jobs, "safety": cmd_safety, "escalations": cmd_escalations,
            "practice": cmd_practice}


def _runtime(settings: Settings, sync: bool = True, **parts):
    """The core without the channels' adapters (escalations still reach the operators, but not a test's)."""
    from app import build_runtime
    return build_runtime(settings, sync_knowledge=sync, channels=False, **parts)


def _test_runtime(settings: Settings, **parts):
    """The core for the terminal's test questions: their escalations stay off the operators' Slack channel."""
    from adapters.local import TestDesk
    quiet = replace(settings, slack_bot_token=None, slack_signing_secret=None, slack_app_token=None)
    return _runtime(quiet, desk=TestDesk(), **parts)


def _check_pattern(number: int | None) -> None:
    if number is not None and number not in (1, 2, 3, 4):
        raise UsageError(f"Pattern {number} はありません（1・2・3・4 のどれかを指定してください）")


def _print_users(rows: list) -> None:
    if not rows:
        print("登録されている利用者はいません。")
        return
    widths = (8, 34, 16, 18, 10)
    print(_columns(("チャネル", "ユーザーID", "表示名", "コホート", "Pattern"), widths) + "今月の質問")
    for row in rows:
        opened = ",".join(map(str, row.open_patterns)) or "-"
        state = "（友だち解除）" if not row.active else ""
        print(_columns((row.channel, row.external_id, row.display_name or "-", row.cohort, opened), widths)
              + f"{row.questions_this_month:>6}{state}")


def _columns(values: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """Left-aligned columns in a terminal, where a Japanese character is two columns wide."""
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return "".join(v + " " * max(1, w - width(v)) for v, w in zip(values, widths))


def _counts(counts: dict[str, int]) -> str:
    from bot.dbops import table_label
    return "、".join(f"{table_label(table)} {count}" for table, count in counts.items())

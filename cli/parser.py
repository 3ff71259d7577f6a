"""The argument parser: every help text in Japanese; a mistake is one Japanese line, exit 2."""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import NoReturn

from bot.config import COHORTS

CHANNELS = ("line", "slack", "local")

# argparse's own messages, in the words an operator reads.
_ARGPARSE_MESSAGES = (
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), r"\1: \2 は選べません（選べる値: \3）"),
    (re.compile(r"argument (\S+): invalid int value: (.+)"), r"\1: 数字を指定してください（指定された値: \2）"),
    (re.compile(r"the following arguments are required: (.+)"), r"次の引数が必要です: \1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"知らない引数です: \1"),
    (re.compile(r"argument (\S+): expected one argument"), r"\1 の後に値を指定してください"),
)


class UsageError(Exception):
    """A user mistake: one line on stderr, exit code 2."""


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 (argparse's signature)
        return super().add_usage(usage, actions, groups, "使い方: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse with Japanese headings and one-line Japanese errors."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        self.add_argument("-h", "--help", action="help", help="このヘルプを表示して終了します")

    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        for pattern, japanese in _ARGPARSE_MESSAGES:
            if pattern.search(message):
                message = pattern.sub(japanese, message)
                break
        raise UsageError(f"{self.prog}: {message}（--help で使い方を表示します）")


def build_parser() -> Parser:
    parser = Parser(prog="./bansou", description="伴走（bansou）: 牧野生保塾の AI アシスタント")
    commands = parser.add_subparsers(dest="command", parser_class=Parser, title="コマンド", metavar="コマンド")

    serve = commands.add_parser("serve", help="Web サーバーを起動します（省略時はこれ）")
    serve.add_argument("--host", default="0.0.0.0", help="待ち受けるアドレス（既定: 0.0.0.0）")
    serve.add_argument("--port", type=int, help="ポート番号（既定: 環境変数 PORT、なければ 8000）")

    chat = commands.add_parser("chat", help="ターミナルで AI と会話して試します（テストとして記録）")
    _question_options(chat)

    ask = commands.add_parser("ask", help="質問を1つして答えを表示します（テストとして記録）")
    ask.add_argument("text", help="質問の文章")
    _question_options(ask)
    ask.add_argument("--json", action="store_true", help="結果を JSON で表示します")

    practice = commands.add_parser("practice", help="会員の方が LINE で質問したときに届く文を、練習用の bansou で確かめます"
                                                    "（本物のサーバーと会員データベースには触れません）")
    practice.add_argument("text", help="質問の文章")
    practice.add_argument("--pattern", type=int, help="会員の方が選んでいる Pattern の番号（1〜4、省略時は選ばない）")
    practice.add_argument("--cohort", choices=COHORTS, default="academy_member",
                          help="会員の方のコホート（既定: academy_member）")
    practice.add_argument("--port", type=int, help="動いているか確かめるサーバーのポート（既定: 環境変数 PORT、なければ 8000）")

    knowledge = commands.add_parser("knowledge", help="ナレッジの検索・一覧・取り込み・確認・書き出し")
    kcmd = knowledge.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    search = kcmd.add_parser("search", help="ナレッジを検索します")
    search.add_argument("text", help="検索する文章")
    search.add_argument("--pattern", type=int, help="Pattern の番号（1〜4）")
    search.add_argument("--top", type=int, default=5, help="表示する件数（既定: 5）")
    search.add_argument("--json", action="store_true", help="結果を JSON で表示します")
    kcmd.add_parser("list", help="ナレッジを一覧表示します")
    kcmd.add_parser("sync", help="KNOWLEDGE_DIR の Markdown をデータベースに取り込みます")
    approvals = kcmd.add_parser("approvals", help="牧野さんの承認を待っている Pattern 4 の下書きを一覧表示します")
    approvals.add_argument("--post", action="store_true", help="牧野さんの Slack DM に承認の一覧を今すぐ送ります")
    kcmd.add_parser("validate", help="KNOWLEDGE_DIR の Markdown に誤りがないか確認します")
    export = kcmd.add_parser("export", help="スタッフの回答から学んだナレッジを Markdown に書き出します")
    export.add_argument("--out", type=Path, help="書き出すフォルダ（既定: KNOWLEDGE_DIR）")

    report = commands.add_parser("report", help="日次・週次・月次レポートを作成します")
    report.add_argument("period", choices=("daily", "weekly", "monthly"), help="daily / weekly / monthly")
    report.add_argument("--date", help="対象の日付 YYYY-MM-DD（既定: 直前の期間）")
    report.add_argument("--out", type=Path, default=Path("var/reports"), help="出力フォルダ（既定: var/reports）")
    report.add_argument("--post", action="store_true", help="オペレーター用 Slack チャンネルに投稿します")
    report.add_argument("--include-tests", action="store_true",
                        help="ask / chat で試した質問も集計に含めます（既定では除きます）")

    users = commands.add_parser("users", help="利用者とコホート（所属）の管理")
    ucmd = users.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    add = ucmd.add_parser("add", help="利用者を登録します（登録済みなら更新）")
    add.add_argument("channel", choices=CHANNELS, help="line / slack / local")
    add.add_argument("user_id", help="LINE のユーザー ID（U…）や Slack のメンバー ID（U… / W…）")
    add.add_argument("--cohort", choices=COHORTS, default="academy_member", help="コホート（既定: academy_member）")
    add.add_argument("--name", default="", help="表示名")
    imp = ucmd.add_parser("import", help="CSV（channel,user_id,cohort,display_name）から登録します")
    imp.add_argument("csv", type=Path, help="CSV ファイル（UTF-8 / Excel の Shift_JIS どちらも可）")
    ucmd.add_parser("list", help="利用者を一覧表示します")
    exp = ucmd.add_parser("export", help="利用者を CSV に書き出します（Excel でそのまま開けます）")
    exp.add_argument("csv", type=Path, nargs="?", default=Path("users.csv"), help="書き出す CSV ファイル（既定: users.csv）")
    setc = ucmd.add_parser("set-cohort", help="利用者のコホートを変更します")
    setc.add_argument("channel", choices=CHANNELS, help="line / slack / local")
    setc.add_argument("user_id", help="ユーザー ID")
    setc.add_argument("cohort", choices=COHORTS, help="新しいコホート")
    for action, what in (("show", "1人の利用者のテーマ・つまずき・最近の質問を表示します（スタッフ用）"),
                         ("forget", "利用者の質問・回答・プロフィール・分類をすべて削除します（個人情報保護法）")):
        member = ucmd.add_parser(action, help=what)
        member.add_argument("id", metavar="ID", help="ユーザー ID（複数のチャネルにいるときは line:U… の形）")

    esc = commands.add_parser("escalations", help="スタッフに回った質問への回答（Slack が使えないときも）")
    ecmd = esc.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    ecmd.add_parser("list", help="回答を待っているエスカレーションを一覧表示します")
    answer = ecmd.add_parser("answer", help="回答を利用者に届け、ナレッジにします（Slack のスレッドでの返信と同じ）")
    answer.add_argument("number", type=int, metavar="番号", help="エスカレーションの番号（list の #番号）")
    answer.add_argument("text", metavar="回答", help="利用者に届ける回答の文章")
    answer.add_argument("--makino", action="store_true", help="牧野さんから聞いた答えを、牧野さんの回答として送ります")
    for action, what in (("makino", "牧野さんに確認を頼みます（Slack の「牧野さんに確認」ボタンと同じ）"),
                         ("undo", "回答から作られたナレッジを取り消します（Slack の「取り消す」ボタンと同じ）")):
        step = ecmd.add_parser(action, help=what)
        step.add_argument("number", type=int, metavar="番号", help="エスカレーションの番号")

    line = commands.add_parser("line", help="LINE 公式アカウントの設定")
    lcmd = line.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    lcmd.add_parser("richmenu", help="Pattern 切り替えのリッチメニューを作り、既定のメニューにします")

    db = commands.add_parser("db", help="データベースのバックアップ・復元・PostgreSQL への移行")
    dcmd = db.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    backup = dcmd.add_parser("backup", help="動かしたままバックアップを取ります")
    backup.add_argument("file", nargs="?", type=Path, help="保存先（既定: var/backups/bansou-日付.db）")
    restore = dcmd.add_parser("restore", help="バックアップから復元します（サーバーを止めてから）")
    restore.add_argument("file", type=Path, help="バックアップファイル")
    migrate = dcmd.add_parser("migrate", help="今のデータを空の PostgreSQL データベースに移します")
    migrate.add_argument("--to", help="移行先 postgresql://ユーザー:パスワード@ホスト:5432/データベース名"
                                       "（省略時は .env か環境変数の MIGRATE_TO。パスワードを画面や履歴に残さないため）")

    commands.add_parser("doctor", help="設定と接続を点検して、問題と対処を日本語で表示します")

    ev = commands.add_parser("eval", help="評価: ナレッジ検索（正解付きの質問集）または安全判定（\"expect\" のある行）")
    ev.add_argument("file", type=Path, help="JSON Lines の評価ファイル")
    ev.add_argument("--json", action="store_true", help="結果を JSON で表示します")
    ev.add_argument("--model", nargs="?", const="", default=None, metavar="MODEL",
                    help="実際のモデルで本番と同じ経路を評価します（Message Batch、半額）。省略時は CLAUDE_MODEL")
    ev.add_argument("--compare", metavar="MODEL2", help="--model と並べて比べるモデル")
    ev.add_argument("--judge", action="store_true", help="各回答を引用ナレッジと照らして採点します（2回目の呼び出し）")

    safety = commands.add_parser("safety", help="安全チェック（危機・コンプライアンス・有人対応の検知）のモデル")
    scmd = safety.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    retrain = scmd.add_parser("retrain", help="学習用の文例とスタッフの分類でモデルを作り直します"
                                              "（今より悪くなるときは今のモデルを残します）")
    retrain.add_argument("--corpus", type=Path, help="学習用の文例のフォルダ（既定: eval/safety-train）")

    jobs = commands.add_parser("jobs", help="失敗した処理（デッドレター）の一覧と再実行")
    jcmd = jobs.add_subparsers(dest="action", required=True, parser_class=Parser, title="操作", metavar="操作")
    jcmd.add_parser("list", help="デッドレターの一覧を表示します")
    retry = jcmd.add_parser("retry", help="デッドレターを処理待ちに戻します")
    retry.add_argument("ids", nargs="*", metavar="ID", help="ジョブの ID（jobs list の #番号）")
    retry.add_argument("--all", action="store_true", help="すべてのデッドレターを戻します")
    return parser


def _question_options(parser: Parser) -> None:
    parser.add_argument("--pattern", type=int, help="Pattern の番号（1〜4）")
    parser.add_argument("--user", default="local-user", help="利用者の ID（既定: local-user）")
    parser.add_argument("--cohort", choices=COHORTS,
                        help="この利用者のコホートにします（例: staff ですべての Pattern を試せます）。"
                             "省略すると登録済みのコホートのまま")

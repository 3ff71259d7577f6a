"""`escalations`: the operator workflow from the server's terminal, for when Slack is not at hand.

The steps are `bot.operators`' (the same as a thread reply and the buttons); this module only prints them and,
when Slack works, writes them in the escalation's thread as the buttons would.
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
from zoneinfo import ZoneInfo

from app import Runtime
from bot.escalation import EscalationView, Resolution
from bot.models import utcnow
from bot.operators import WAITING_MAKINO, AnswerSent, KnowledgeUndone, MakinoAsked, Refused
from bot.states import EscalationStatus
from cli.parser import UsageError

log = logging.getLogger(__name__)
CHANNELS = {"line": "LINE", "slack": "Slack", "local": "ターミナル"}


def run(args, runtime: Runtime) -> int:  # noqa: ANN001 (argparse's namespace)
    """list / answer / makino / undo, in the database's connection."""
    with runtime.database.connection_context():
        if args.action == "list":
            return print_open(runtime)
        operators = runtime.core.operators
        if args.action == "answer":
            if not args.text.strip():
                raise UsageError("回答の文章が空です（例: ./bansou escalations answer 12 \"回答の文章\"）")
            outcome = operators.answer_typed(args.number, args.text, makino=args.makino)
        elif args.action == "makino":
            outcome = operators.ask_makino_typed(args.number)
        else:
            outcome = operators.undo_typed(args.number)
        if isinstance(outcome, Refused):
            return _refused(outcome, args.number)
        print(_said(outcome))
        if args.action == "answer" and args.makino and not runtime.settings.slack_makino_user_id:
            print("⚠️ SLACK_MAKINO_USER_ID が設定されていないため、この回答は牧野さんではなく、スタッフの回答として"
                  "記録しました（レポートでもスタッフの回答として数えます）。")
        print(_in_slack(runtime, outcome))
    return 0


def print_open(runtime: Runtime) -> int:
    """The open escalations, oldest first, with what to type next."""
    views = runtime.core.escalations.store.open_views()
    tz = runtime.core.plan.timezone
    if not views:
        print("回答を待っているエスカレーションはありません。")
        return 0
    zone = "日本時間" if tz.key == "Asia/Tokyo" else tz.key
    print(f"回答を待っているエスカレーション {len(views)} 件（古い順、時刻は{zone}）")
    for view in views:
        print(_row(view, tz))
    print("\n回答する: ./bansou escalations answer 番号 \"回答の文章\"　"
          "牧野さんに確認を頼む: ./bansou escalations makino 番号")
    if any(view.test for view in views):
        print("［テスト］は ask・chat で試した質問です。オペレーターの Slack には送られていません。"
              "答えるとナレッジは本物として作られるので、練習のあとは ./bansou escalations undo 番号 で取り消してください。"
              "答えずにそのままにしておいてもかまいません（会員の方にも、Slack にも、レポートの数字にも出ません）。")
    return 0


# ---- what each step printed ----------------------------------------------------------------------

def _row(view: EscalationView, tz: ZoneInfo) -> str:
    asked = (view.asked_at or utcnow()).replace(tzinfo=dt.timezone.utc).astimezone(tz)
    state = "　牧野さんの確認待ち" if view.status == EscalationStatus.WAITING_MAKINO else ""
    who = f"{CHANNELS.get(view.user_channel, view.user_channel)} {view.user_name}"
    lines = [f"#{view.id}  {asked:%Y-%m-%d %H:%M}  {view.reason_label}  {who}（Pattern {view.pattern}）"
             f"{'　［テスト］' if view.test else ''}{state}", f"    質問: {view.question}"]
    if view.comment:
        lines.append(f"    Bad の理由: {view.comment}")
    if view.draft and view.knowledge_ids:
        lines.append(f"    AI の下書き: {view.draft[:120]}")
    elif view.draft:  # written from no knowledge: a "cannot answer" note, not an answer (Slack offers no button)
        lines.append("    AI の下書き: なし（使えるナレッジがなく、AI は答えを書けませんでした。回答の文章を書いて送ってください）")
    return "\n".join(lines)


def _said(outcome: AnswerSent | MakinoAsked | KnowledgeUndone) -> str:
    if isinstance(outcome, AnswerSent):
        view, done = outcome.view, outcome.resolution
        where = f"{view.user_name} さん（{CHANNELS.get(view.user_channel, view.user_channel)}）"
        sent = (f"エスカレーション #{view.id} の回答を {where}にお届けしました。" if done.delivered else
                f"⚠️ エスカレーション #{view.id} の回答を保存しましたが、{where}へのお届けに失敗しました。"
                "./bansou doctor で原因をご確認ください（docs/troubleshooting.md）。")
        practice = (f"\n⚠️ ［テスト］の質問でしたが、このナレッジは本物です。会員の方への回答にも使われます。練習だったなら、"
                    f"./bansou escalations undo {view.id} で取り消してください。") if view.test and done.knowledge_id else ""
        return f"{sent}\n{_learned(done)}{practice}"
    if isinstance(outcome, MakinoAsked):
        return f"エスカレーション #{outcome.view.id} を「牧野さんの確認待ち」にしました。"
    return (f"ナレッジ {outcome.knowledge_id} を取り消しました（エスカレーション #{outcome.view.id}）。"
            "今後の回答には使われません。")


def _learned(done: Resolution) -> str:
    if done.kept_out:
        return "危機対応の回答なので、ナレッジには保存していません。"
    if done.knowledge_id and done.awaits_makino:
        return (f"Pattern 4 の回答なので、牧野さんの承認待ちの下書き {done.knowledge_id} として保存しました。"
                "牧野さんが承認するまで、AI はこの回答を使いません。")
    if done.knowledge_id:
        return (f"ナレッジ {done.knowledge_id} を作成しました。次から同じような質問には、AI がこの回答を使います。"
                f"\n取り消すとき: ./bansou escalations undo {done.escalation_id}")
    added = "このご質問の聞き方をそのナレッジに覚えさせました。" if done.phrasing_added else ""
    return f"同じ内容のナレッジ {done.similar_id} がすでにあるため、新しいナレッジは作りませんでした。{added}"


def _in_slack(runtime: Runtime, outcome: AnswerSent | MakinoAsked | KnowledgeUndone) -> str:
    """Write the step in the escalation's Slack thread, as a button press would; say whether it could."""
    from adapters.slack_desk import SlackDesk
    desk, view = runtime.core.escalations.desk, outcome.view
    makino = isinstance(outcome, MakinoAsked)
    if not isinstance(desk, SlackDesk) or not view.thread:
        why = ("Slack が設定されていない" if not isinstance(desk, SlackDesk) else
               "テストの質問のため" if view.test else "Slack にまだ投稿されていない")
        return (f"{why}ため、牧野さんへの Slack のお知らせは送っていません。牧野さんに電話やメールで直接ご確認いただき、"
                f"答えを ./bansou escalations answer {view.id} --makino \"牧野さんの回答\" で送ってください。"
                if makino else f"（{why}ため、Slack のスレッドには書き込んでいません）")
    from adapters.slack_operator import OperatorLoop
    try:
        OperatorLoop(core=runtime.core, desk=desk).publish(outcome)
    except Exception as exc:  # edge: Slack may be the reason this command is used; the step itself is done
        log.warning("could not write escalation #%d's step in Slack: %s", view.id, exc)
        return (f"⚠️ Slack に書き込めませんでした（{exc}）。" + (
            f"牧野さんに電話やメールで直接ご確認いただき、答えを ./bansou escalations answer {view.id} --makino "
            "\"牧野さんの回答\" で送ってください。" if makino else "この操作そのものは終わっています。"))
    return ("Slack のスレッドで牧野さんにお知らせしました。牧野さんの返信か承認をお待ちください。" if makino
            else "Slack のスレッドにも書き込みました。")


def _refused(outcome: Refused, number: int) -> int:
    print(f"エラー: {outcome.text}", file=sys.stderr)
    if outcome.text == WAITING_MAKINO:
        print(f"牧野さんから電話やメールで答えを聞いたときは、./bansou escalations answer {number} --makino "
              "\"牧野さんの回答\" で、牧野さんの回答として送れます。")
    if "SLACK_MAKINO_USER_ID" in outcome.text:
        print("設定すると、このコマンドでエスカレーションが「牧野さんの確認待ち」になり、Slack のスレッドで牧野さんに"
              "お知らせが届きます。設定は担当エンジニアにお願いしてください（連絡先は docs/handover.md の表）。\n"
              f"それまでは、牧野さんに電話やメールで直接ご確認いただき、答えを ./bansou escalations answer {number} "
              "\"回答の文章\" で送ってください。この場合、回答は牧野さんではなく、スタッフの回答として記録されます。")
    return 2

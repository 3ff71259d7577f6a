"""The local channel: `ask` and `chat` in the terminal, with the same core as LINE and Slack."""
from __future__ import annotations

import json
from typing import Callable, TextIO

from bot.conversation import Core
from bot.events import ButtonPress, Follow
from bot.messages import IncomingMessage, Recipient, Reply
from bot.patterns import PATTERNS
from bot.render import plain
from bot.states import ButtonAction, Channel, DeliveryMethod, ReplyKind

CHANNEL = Channel.LOCAL
CHAT_HELP = ("コマンド: /good と /bad で直前の回答を評価、/pattern N で Pattern を切り替え、"
             "/patterns で一覧、/help でこの説明、/quit で終了")


def to_message(text: str, *, user: str, pattern: int | None, cohort: str | None, conversation: str = "") -> IncomingMessage:
    """A terminal line as the core's incoming message."""
    return IncomingMessage(channel=CHANNEL, user_id=user, text=text, conversation_id=conversation,
                           display_name=user, pattern=pattern, cohort=cohort, test=True)


def reply_json(reply: Reply) -> str:
    """The `ask --json` object (contract in DESIGN.md)."""
    return json.dumps({
        "question_id": reply.question_id, "pattern": reply.pattern, "answer": reply.text,
        "confidence": reply.confidence if reply.confidence is not None else 0.0,
        "escalated": reply.escalated, "escalation_id": reply.escalation_id,
        "escalation_reason": reply.escalation_reason, "out_of_scope": reply.out_of_scope,
        "knowledge_ids": list(reply.knowledge_ids), "source": reply.source,
    }, ensure_ascii=False)


# Who wrote an answer (Source), in the words an operator reads under `ask`.
SOURCE_WORDS = {"ai": "AI（Claude）の回答", "offline": "ナレッジからの回答（AI なし）", "staff": "スタッフの回答",
                "makino": "牧野さんの回答", "system": "決まった文"}


def render(reply: Reply, *, feedback: bool = False) -> str:
    """A reply as terminal text: the answer, then what happened to it; `feedback` where /good and /bad work
    (the chat)."""
    lines = [plain(text) for text in (reply.text, *reply.more)]
    if reply.confidence is not None:
        about = (f"確信度 {reply.confidence:.2f}・{SOURCE_WORDS.get(reply.source, reply.source)}"
                 + (f"・ナレッジ {', '.join(reply.knowledge_ids)}" if reply.knowledge_ids else ""))
        # A hand-off's text is a fixed notice; the figures are those of the draft the staff see.
        lines.append(f"（上は決まった文です。スタッフに渡す下書き: {about}）" if reply.kind == ReplyKind.ESCALATED
                     else f"（{about}）")
    if reply.escalated:
        lines.append(f"→ 本番ならスタッフに回る質問です（テスト用の記録 #{reply.escalation_id}）。"
                     "テストのため、オペレーターのチャンネルには送っていません。")
    if reply.related:  # what LINE and Slack show as buttons under the answer
        lines.append("関連する質問（LINE・Slack ではボタンで表示）:\n" + "\n".join(f"  ・{q}" for q in reply.related))
    if feedback and reply.answer_id and reply.kind == ReplyKind.ANSWER:
        lines.append("この回答は役に立ちましたか？ /good または /bad でお知らせください。")
    return "\n".join(lines)


class TestDesk:
    """The operator desk of `ask` and `chat`: a test question's escalation is recorded, and reaches neither the
    operators' channel nor their log (the terminal shows it instead)."""

    def __init__(self) -> None:
        self.posted: list = []
        self.alerts: list[str] = []

    def post_escalation(self, view) -> str | None:  # noqa: ANN001 (bot.escalation_store.EscalationView)
        self.posted.append(view)
        return None

    def alert(self, text: str) -> None:
        self.alerts.append(text)

    def remind(self, view) -> None:  # noqa: ANN001
        self.alerts.append(f"reminder #{view.id}")


class TerminalDelivery:
    """Staff answers to a local user are printed (the local channel has no push)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def deliver(self, recipient: Recipient, reply: Reply) -> str:
        print(f"\n[スタッフからの回答 → {recipient.user_id}]\n{render(reply)}", file=self.out)
        return DeliveryMethod.POST


def chat(core: Core, *, user: str, pattern: int | None, cohort: str | None,
         read: Callable[[str], str] = input, out: TextIO | None = None) -> None:
    """A terminal conversation: questions, Pattern switching, Good/Bad, escalations shown."""
    import sys
    out = out or sys.stdout
    print(f"牧野生保塾 AI アシスタント（ローカル）へようこそ。{CHAT_HELP}", file=out)
    print("（ここでの質問は「テスト」として記録され、KPI やレポートには含まれません）", file=out)
    core.receive(Follow(CHANNEL, user, display_name=user, cohort=cohort))  # --cohort applies from the first line
    if pattern is not None:  # --pattern becomes the user's chosen Pattern (if it is open to them)
        print(f"AI> {render(core.receive(ButtonPress(CHANNEL, user, ButtonAction.SWITCH_PATTERN, str(pattern))))}",
              file=out)
    last_answer: int | None = None
    conversation = f"chat-{user}"
    while True:
        try:
            line = read("あなた> ").strip()
        except (EOFError, KeyboardInterrupt):
            print("", file=out)
            return
        if line in ("/quit", "/exit"):
            return
        if line == "/patterns":
            print("\n".join(f"  {p.number}: {p.name} — {p.description}" for p in PATTERNS.values()), file=out)
            continue
        if line.startswith("/pattern ") or line == "/pattern":
            number = line.removeprefix("/pattern").strip()
            reply = core.receive(ButtonPress(CHANNEL, user, ButtonAction.SWITCH_PATTERN, number))
        elif line in ("/good", "/bad"):
            if last_answer is None:
                print("評価できる回答がまだありません。", file=out)
                continue
            action = ButtonAction.FEEDBACK_GOOD if line == "/good" else ButtonAction.FEEDBACK_BAD
            reply = core.receive(ButtonPress(CHANNEL, user, action, str(last_answer)))
        elif line.startswith("/"):  # /help, or a command mistyped: never a question to the staff
            print(("" if line == "/help" else f"{line} というコマンドはありません。") + CHAT_HELP, file=out)
            continue
        else:
            reply = core.receive(to_message(line, user=user, pattern=None, cohort=cohort, conversation=conversation))
            last_answer = reply.answer_id if reply.kind == ReplyKind.ANSWER else last_answer
        print(f"AI> {render(reply, feedback=True)}", file=out)

"""Pure Block Kit builders: the core's replies and the operators' views as Slack messages."""
from __future__ import annotations

import json
from typing import Any, Iterable

from bot.escalation import DraftView, EscalationView, Resolution
from bot.learning import Preview
from bot.messages import Button, Reply
from bot.operators import TERMINAL
from bot.patterns import PATTERNS, Pattern
from bot.render import mrkdwn, plain
from bot.safety.labels import LABEL_NAMES
from bot.states import EscalationStatus, Reason

Block = dict[str, Any]
Message = dict[str, Any]  # chat.postMessage keyword arguments: text (+ blocks)

ACTION_PREFIX = "bansou_"
FEEDBACK_GOOD = "bansou_feedback_good"
FEEDBACK_BAD = "bansou_feedback_bad"
SWITCH_PATTERN = "bansou_switch_pattern"  # + "_<n>": action ids must be unique within a message
ASK_RELATED = "bansou_ask_related"  # + "_<i>": a related question; pressing it asks it
RELATED_HEADING = "関連する質問（押すとそのまま質問できます）"
BUTTON_TEXT_LIMIT = 75  # Slack's most for a button's text
SEND_AI_DRAFT = "bansou_send_ai_draft"
ASK_MAKINO = "bansou_ask_makino"
CONFIRM_REPLY = "bansou_confirm_reply"
UNDO_KNOWLEDGE = "bansou_undo_knowledge"
LABEL_SAFETY = "bansou_label_safety"
BAD_REASON_VIEW = "bansou_bad_reason"
BAD_REASON_BLOCK, BAD_REASON_INPUT = "reason", "reason_input"

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text
PLACEHOLDER = "⏳ 回答を準備しています。少々お待ちください…"
CHANNEL_LABELS = {"line": "LINE", "slack": "Slack", "local": "ローカル"}
URGENCY_LABELS = {"high": "🔴 高", "normal": "🟡 通常", "low": "⚪ 低"}


def escape(text: str) -> str:
    """Plain text made safe for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str, limit: int = SECTION_LIMIT - 100) -> str:
    text = text if len(text) <= limit else text[:limit] + "…"
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


def action_id_for(button: Button) -> str:
    suffix = f"_{button.value}" if button.action == "switch_pattern" else ""
    return f"{ACTION_PREFIX}{button.action}{suffix}"


def reply_message(reply: Reply) -> Message:
    """A core reply as a Slack message: its text, then its buttons (Good/Bad, Pattern choices)."""
    blocks = [_section(chunk) for chunk in _chunks(mrkdwn(reply.text))]
    for more in reply.more:  # the further messages of a reply (the crisis reply's other lines), set apart
        blocks += [{"type": "divider"}, *(_section(chunk) for chunk in _chunks(mrkdwn(more)))]
    if reply.buttons:
        blocks.append(_actions(_button(b.label, action_id_for(b), b.value) for b in reply.buttons))
    if reply.related:
        blocks += [_context(RELATED_HEADING), _actions(_button(_short(q), f"{ASK_RELATED}_{i}", q)
                                                       for i, q in enumerate(reply.related))]
    return {"text": escape(plain(reply.text))[:3000], "blocks": blocks}  # the notification's plain text



def escalation_message(view: EscalationView, *, mention_ids: Iterable[str] = ()) -> Message:
    """The operator-channel post of an escalation, with its buttons while it is open."""
    mentions = " ".join(f"<@{u}>" for u in mention_ids)
    title = f"エスカレーション #{view.id}（{view.reason_label}）"
    fields = [("ユーザー", _user(view)), ("チャネル", CHANNEL_LABELS.get(view.user_channel, view.user_channel)),
              ("コホート", view.cohort), ("Pattern", _pattern_name(view.pattern)), ("理由", view.reason_label),
              ("緊急度", URGENCY_LABELS.get(view.urgency, view.urgency))]
    blocks: list[Block] = []
    if mentions:
        blocks.append(_section(f"{mentions} 緊急度の高いエスカレーションです。至急ご対応ください。"))
    blocks += [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
               _section("*質問*\n" + quote(view.question)),
               {"type": "section", "fields": [_mrkdwn(f"*{k}*\n{v}") for k, v in fields]}]
    if view.comment:
        blocks.append(_section("*ユーザーのコメント*\n" + quote(view.comment, 1000)))
    blocks.append(_section(_draft_text(view)))
    blocks.append(_context(_status_line(view)))
    if view.is_open:
        buttons = [_button("牧野さんに確認", ASK_MAKINO, str(view.id))]
        if view.draft and view.knowledge_ids:  # a draft from no knowledge is a "cannot answer" note, not an answer
            buttons.insert(0, _button("AI の下書きをそのまま送る", SEND_AI_DRAFT, str(view.id), style="primary"))
        blocks.append(_actions(buttons))
    blocks.append(_actions([_label_menu(view.id)]))
    return {"text": f"{mentions} {title}: {view.question[:200]}".strip(), "blocks": blocks}


def draft_offer(draft: DraftView, preview: Preview) -> Message:
    """Offered under each staff or Makino reply: nothing reaches the user until someone taps it, and staff
    see what it will be stored as before they tap."""
    text = (f"<@{draft.author}> さんの返信をユーザーへの回答として送りますか？"
            "（押せるのはスタッフと牧野さんだけです。押すまでユーザーには届きません）\n" + _stored_as(preview))
    return {"text": text, "blocks": [_section(text), _actions([
        _button("この返信をユーザーに送る", CONFIRM_REPLY, str(draft.id), style="primary")])]}


def sent_message(view: EscalationView, text: str, *, confirmed_by: str, delivered: bool) -> Message:
    """The thread is told exactly what was sent, and by whose confirmation."""
    where = f"{_user(view)}（{CHANNEL_LABELS.get(view.user_channel, view.user_channel)}）"
    head = (f"✅ {_person(confirmed_by)}の確認で、{where}に次の回答を送りました。" if delivered else
            f"⚠️ {_person(confirmed_by)}が確認した回答を保存しましたが、{where}へのお届けに失敗しました。"
            "アラートをご確認ください。")
    return {"text": head, "blocks": [_section(f"{head}\n{quote(text)}")]}


def knowledge_message(resolution: Resolution) -> Message:
    """Which knowledge entry the answer became (with an undo button), or the one that already says it."""
    if resolution.kept_out:
        text = "📚 危機対応の回答なので、ナレッジには保存していません。"
        return {"text": text, "blocks": [_section(text)]}
    if resolution.knowledge_id and resolution.awaits_makino:
        text = (f"📚 Pattern 4 の回答なので、牧野さんの承認待ちの下書き `{resolution.knowledge_id}` として保存しました。"
                "牧野さんが承認するまで、AI はこの回答を使いません。")
        undo = _button("取り消す", UNDO_KNOWLEDGE, str(resolution.escalation_id), style="danger")
        return {"text": text, "blocks": [_section(text), _actions([undo])]}
    if resolution.knowledge_id:
        text = (f"📚 ナレッジ `{resolution.knowledge_id}` を作成しました。次から同じような質問には、"
                "AI がこの回答を使います。")
        undo = _button("取り消す", UNDO_KNOWLEDGE, str(resolution.escalation_id), style="danger")
        return {"text": text, "blocks": [_section(text), _actions([undo])]}
    text = f"📚 同じ内容のナレッジ `{resolution.similar_id}` がすでにあるため、新しいナレッジは作りませんでした。"
    if resolution.phrasing_added:
        text += "このご質問の聞き方をそのナレッジに覚えさせたので、次からはこの聞き方でも AI がお答えします。"
    text += "内容を直す必要があれば、そのナレッジを更新してください。"
    return {"text": text, "blocks": [_section(text)]}


def undone_message(knowledge_id: str, by: str) -> Message:
    return {"text": f"↩️ {_person(by)}がナレッジ `{knowledge_id}` を取り消しました。今後の回答には使われません。"}


def makino_request(view: EscalationView, *, makino_id: str, requested_by: str) -> Message:
    text = (f"<@{makino_id}> 牧野さん、エスカレーション #{view.id} のご判断をお願いします"
            f"（{_person(requested_by)}より）。このスレッドに回答を返信いただくか、"
            "スタッフの返信の「この返信をユーザーに送る」を押して承認してください。")
    return {"text": text}


def reminder_message(view: EscalationView, *, mention_ids: Iterable[str] = ()) -> Message:
    mentions = " ".join(f"<@{u}>" for u in mention_ids)
    state = "牧野さんの確認待ちのままです" if view.status == EscalationStatus.WAITING_MAKINO else "まだ回答されていません"
    return {"text": f"{mentions} ⏰ エスカレーション #{view.id} は{state}。ご対応をお願いします。".strip()}


def pattern_message(patterns: list[Pattern], current: int | None, notice: str = "") -> Message:
    """The Patterns open to a user, for the slash command's answer."""
    blocks = [_section(escape(notice))] if notice else []
    blocks += _pattern_blocks(patterns, current)
    return {"text": notice or "ご利用いただける Pattern", "blocks": blocks}


def home_view(patterns: list[Pattern], current: int | None, notice: str = "") -> dict[str, Any]:
    """The App Home tab: what the bot is, and the Patterns to choose from."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "牧野生保塾 AI アシスタント"}},
        _section("このアプリとの DM、またはチャンネルでのメンションでご質問ください。"
                 "同じスレッドで続けて質問すると、前のやり取りを踏まえてお答えします。"
                 "`/bansou` でも Pattern を確認・切り替えできます。")]
    if notice:
        blocks.append(_section(f"*{escape(notice)}*"))
    blocks.append({"type": "divider"})
    return {"type": "home", "blocks": blocks + _pattern_blocks(patterns, current)}


def bad_reason_modal(metadata: dict[str, Any]) -> dict[str, Any]:
    """Bad asks for an optional reason; closing the modal still records Bad."""
    return {
        "type": "modal", "callback_id": BAD_REASON_VIEW, "notify_on_close": True,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "ご意見をお聞かせください"},
        "submit": {"type": "plain_text", "text": "送信する"},
        "close": {"type": "plain_text", "text": "理由なしで送る"},
        "blocks": [
            _section("十分な回答ができず申し訳ありません。よろしければ、足りなかった点を教えてください（任意）。"
                     "担当スタッフが確認して、改めてご回答します。"),
            {"type": "input", "block_id": BAD_REASON_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "理由（任意）"},
             "element": {"type": "plain_text_input", "action_id": BAD_REASON_INPUT, "multiline": True,
                         "max_length": 1000}},
        ],
    }


def bad_reason_of(view: dict[str, Any]) -> str:
    """The reason typed into the Bad modal, or ''."""
    values = (view.get("state") or {}).get("values") or {}
    return ((values.get(BAD_REASON_BLOCK) or {}).get(BAD_REASON_INPUT) or {}).get("value") or ""


# ---- helpers ------------------------------------------------------------------------------


def _pattern_blocks(patterns: list[Pattern], current: int | None) -> list[Block]:
    if not patterns:
        return [_section("現在ご利用いただける Pattern はありません。事務局にお問い合わせください。")]
    blocks = []
    for p in patterns:
        chosen = p.number == current
        label = "選択中" if chosen else "この Pattern にする"
        button = _button(label, f"{SWITCH_PATTERN}_{p.number}", str(p.number), style="primary" if chosen else None)
        blocks.append({"type": "section", "text": _mrkdwn(f"*{escape(p.label)}*{' ✅' if chosen else ''}\n"
                                                         f"{escape(p.description)}"), "accessory": button})
    return blocks


def _stored_as(preview: Preview) -> str:
    if preview.question is None:
        return "📚 危機対応のため、この回答はナレッジに保存しません。"
    question = escape(preview.question)
    if preview.awaits_makino:
        return (f"📚 送ると、質問「{question}」への回答を牧野さんの承認待ちの下書きとして保存します"
                "（承認されるまで AI は使いません）。")
    return f"📚 送ると、次の質問のナレッジとして保存します（お名前・病名などは一般的な言葉に置き換えます）:「{question}」"


def _pattern_name(number: int) -> str:
    pattern = PATTERNS.get(number)
    return f"{number}（{pattern.name}）" if pattern else str(number)


def _draft_text(view: EscalationView) -> str:
    if not view.draft:
        return "*AI の下書き*\n（下書きはありません。このスレッドに回答を返信してください）"
    confidence = f"{view.confidence:.2f}" if view.confidence is not None else "-"
    used = ", ".join(f"`{k}`" for k in view.knowledge_ids) or "なし"
    return f"*AI の下書き*（確信度 {confidence}・ナレッジ {used}）\n{quote(view.draft, 2000)}"


def _status_line(view: EscalationView) -> str:
    if view.status == EscalationStatus.ANSWERED:
        return "✅ 回答済み"
    if view.status == EscalationStatus.WAITING_MAKINO:
        return "⏳ 牧野さんの確認待ち。牧野さんの返信か承認で回答します。"
    return ("このスレッドに返信すると、送信前に確認ボタンが出ます。"
            "ボタンを押すまでユーザーには届きません。" + _learned_as(view))


def _learned_as(view: EscalationView) -> str:
    """What answering it will store, said before anyone answers (the send offer gives the stored question)."""
    if view.reason == Reason.CRISIS:
        return "📚 危機対応のため、回答はナレッジに保存しません。"
    if view.pattern == 4:
        return "📚 Pattern 4 のため、回答は牧野さんの承認待ちの下書きとして保存します（承認まで AI は使いません）。"
    return "📚 回答は、お名前・病名などを一般的な言葉に置き換えた質問とともにナレッジになります。"


def _user(view: EscalationView) -> str:
    name = escape(view.user_name)
    return f"{name} (`{view.user_id}`)" if view.user_id and view.user_id != view.user_name else name


def _label_menu(escalation_id: int) -> Block:
    """One choice that teaches the safety model what this message really was (stored, never posted)."""
    options = [{"text": {"type": "plain_text", "text": name}, "value": f"{escalation_id}:{kind}"}
               for kind, name in LABEL_NAMES.items()]
    return {"type": "static_select", "action_id": LABEL_SAFETY, "options": options,
            "placeholder": {"type": "plain_text", "text": "実際は？（安全チェックの学習用）"}}


def _chunks(text: str) -> list[str]:
    return [text[i:i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)] or [" "]


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text[:3000])}


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT_LIMIT else text[:BUTTON_TEXT_LIMIT - 1] + "…"


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _actions(buttons: Iterable[Block]) -> Block:
    return {"type": "actions", "elements": list(buttons)}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": label, "emoji": True},
                     "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _person(user_id: str) -> str:
    """Who acted, as the thread names them: a mention, or the server's terminal."""
    return "サーバーのコマンド（./bansou escalations）" if user_id == TERMINAL else f"<@{user_id}> さん"

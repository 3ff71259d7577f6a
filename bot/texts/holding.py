"""While staff look: what a member is told, by why a person looks and by the hour; and the opening of the
answer staff send later, which names the day it was asked and never quotes feelings back."""
from __future__ import annotations

import datetime as dt

from bot.office_hours import OfficeHours
from bot.states import Waiting
from bot.texts.feelings import acknowledge

OPENINGS = {
    Waiting.QUESTION: "このご質問は、より正確にお答えするため、担当スタッフが確認してからお答えします。",
    Waiting.COMPLIANCE: "このご質問は、法令やお客様保護に関わる大切な内容を含むため、担当スタッフが確認してからお答えします。",
    Waiting.PERSON: "承知しました。担当スタッフにおつなぎします。",
    Waiting.ERROR: "申し訳ありません。ただいま AI の回答でエラーが発生したため、担当スタッフに引き継ぎました。",
}
SOON = "お返事まで、少しお時間をください。"
KEEP_WRITING = "その間も、話したいことがあれば、いつでもここに書いてください。"
FEELINGS = "スタッフがきちんと読んで、お返事します。"
PERSON = "担当スタッフにおつなぎします。"


def holding(why: Waiting, *, when: dt.datetime, hours: OfficeHours, said: str = "", feelings: bool = False) -> str:
    """The message sent when a person will answer: why they look, and when the member will hear back.
    A member who told how they feel is thanked for it, never told their words were a question."""
    if why is Waiting.QUESTION and feelings:
        why = Waiting.FEELINGS
    if why is Waiting.FEELINGS:
        return f"{acknowledge(said)}{FEELINGS}{reply_by(when, hours)}\n\n{KEEP_WRITING}"
    if why is Waiting.PERSON and feelings:
        return f"{acknowledge(said)}{PERSON}{reply_by(when, hours)}\n\n{KEEP_WRITING}"
    return OPENINGS[why] + reply_by(when, hours)


def reply_by(when: dt.datetime, hours: OfficeHours) -> str:
    """'A little time' within office hours; outside them, when staff will be back."""
    if hours.is_open(when):
        return SOON
    back = hours.next_open(when)
    return (f"スタッフの対応時間は{hours.describe()}のため、お返事は{_day(back.date(), when.date())}"
            f"{back.hour}時以降になります。")


def staff_answer_intro(*, asked: dt.date, today: dt.date, question: str, feelings: bool) -> str:
    """The line above a staff answer: the day it was asked; the question named only when it was a question."""
    day = {0: "今日", 1: "昨日"}.get((today - asked).days, f"{asked.month}月{asked.day}日に")
    if feelings:
        return f"{day}いただいたメッセージに、スタッフからお返事が届きました。"
    return f"{day}いただいたご質問「{_quote(question)}」について、スタッフから回答が届きました。"


def _day(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "今日の"
    if day == today + dt.timedelta(days=1):
        return "明日の"
    return f"{day.month}月{day.day}日（{'月火水木金土日'[day.weekday()]}）の"


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"

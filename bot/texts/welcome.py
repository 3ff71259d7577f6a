"""First words and small talk: following the account, greetings by the hour, stickers and emoji, groups."""
from __future__ import annotations

import datetime as dt

SELF = "牧野生保塾の AI アシスタントです。"
CHOOSE = "下のボタンから、相談したい内容を選べます。"
SAD_EMOJI = ("😢", "😭", "😞", "😔", "😣", "😖", "😫", "😩", "💔", "🥲", "😿")
GROUP_INVITE = ("こんにちは。牧野生保塾の AI アシスタントです。ご質問やご相談は、グループではなく、"
                "このアカウントとの1対1のトークでお受けしています。個別のトークから話しかけてください。")
STICKER = "スタンプありがとうございます😊 ご質問やお話ししたいことを文章で送っていただければ、お返事します。"
EMOJI = "ありがとうございます😊 ご質問やお話ししたいことを文章で送っていただければ、お返事します。"
SAD = "何かつらいことがありましたか。よければ、今の気持ちを少しだけ言葉で聞かせてください。"
THANKS = "どういたしまして。お役に立てたならうれしいです。ほかにも気になることがあれば、いつでもどうぞ。"


def welcome(name: str = "", *, again: bool = False) -> str:
    """The first message after following the account; `again` for someone who comes back."""
    you = f"{name}さん、" if name else ""
    if again:
        return f"{you}おかえりなさい。また話しかけてくださって、うれしいです。\n気になることがあれば、いつでもどうぞ。{CHOOSE}"
    return (f"{you}友だち追加ありがとうございます。{SELF}\n"
            f"生命保険の営業や学習について、いつでもお気軽にご質問ください。{CHOOSE}")


def greeting_reply(kind: str, said: str, when: dt.datetime, invitation: str) -> str:
    """A greeting back in the member's own words where they gave some, else by the hour; thanks answered."""
    if kind == "thanks":
        return THANKS
    return f"{salutation(said, when)}{invitation}"


def salutation(said: str, when: dt.datetime) -> str:
    """お疲れさまです to お疲れ様, else the greeting of the hour."""
    if "疲れ" in said or "おつかれ" in said:
        return "お疲れさまです。"
    if "おはよう" in said or "お早う" in said or 5 <= when.hour < 10:
        return "おはようございます。"
    if "こんばんは" in said or "今晩は" in said or when.hour >= 18 or when.hour < 5:
        return "こんばんは。"
    return "こんにちは。"


def nudge(said: str = "") -> str:
    """Emoji alone: a friendly word back, and a gentle question when the emoji is a sad one."""
    return SAD if any(e in said for e in SAD_EMOJI) else EMOJI

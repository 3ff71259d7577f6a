"""What the member is told when the screening finds a crisis or distress: help lines and a gentle word.

The crisis reply is written for a phone: a short first message that answers what was said, asks the
person to keep writing, and gives the free lines that answer at this hour; the other lines follow in a
second message (`crisis_more`). When the danger sounds immediate (a place, a means, "now") it first asks
them to step away and call 119. The line about staff is worded gently: a salesperson among peers should
not feel exposed.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.helplines import HELPLINE_MARKERS, HELPLINES, LINES, SNS_URL, HelpLine  # the one list, with hours
from bot.texts.feelings import reflect

JAPAN = ZoneInfo("Asia/Tokyo")
STAFF_TOLD = "心配なので、スタッフにも知らせました。"  # every crisis reply carries it (is_crisis_reply)
KEEP_WRITING = "よければ、今どんな気持ちでいるのか、このままここに書いてください。ちゃんと受け止めます。"
IMMEDIATE = ("もし今、危ない場所にいるなら、まずそこから離れてください。手元に危ないものがあれば、遠くに置いてください。\n"
             "そして今すぐ 119 番に電話してください。つながったら、切らずにそのまま話し続けてください。")
STAY_HERE = "ここにも、いつでも書いてください。"
MORE_LINES = "ほかの相談先です。"
EMERGENCY = "命の危険が迫っているときは、迷わず 119 番（救急）に電話してください。"
# Signs that the danger is now: a place to fall from, a means at hand, a time that is now.
_PLACES = ("屋上", "ホーム", "線路", "踏切", "橋の上", "ベランダ", "柵", "崖", "飛び降り", "樹海", "海に", "川に",
           "高いところ", "高い所", "ビルの上")
_MEANS = ("薬を", "薬が", "錠", "ロープ", "練炭", "包丁", "刃物", "カッター", "首を")
_NOW = ("今から", "これから", "今夜", "今すぐ", "もうすぐ", "今日で", "今ここ")


def crisis_message(said: str = "", when: dt.datetime | None = None) -> str:
    """The first crisis message: what was heard, keep writing (or, when danger is immediate, step away and
    call 119), the free lines open at `when` (Japan time), and that staff were told."""
    when = (when or dt.datetime.now(JAPAN)).astimezone(JAPAN)
    if immediate(said):
        head = [f"{reflect(said)}知らせてくれて、ありがとうございます。", IMMEDIATE, STAY_HERE]
    else:
        head = [f"{reflect(said)}話してくれて、ありがとうございます。", KEEP_WRITING]
    lines = "\n".join(f"・{line.text}" for line in open_free_lines(when))
    return "\n\n".join([*head, f"声で話したいときは、今（{when.hour}時）つながる無料の電話があります。\n{lines}",
                        STAFF_TOLD])


def crisis_more(when: dt.datetime | None = None) -> str:
    """The second crisis message: the lines the first did not give, and 119."""
    when = (when or dt.datetime.now(JAPAN)).astimezone(JAPAN)
    shown = open_free_lines(when)
    rest = [line.text for line in LINES if line not in shown] + [HELPLINES[-1]]
    return MORE_LINES + "\n" + "\n".join(f"・{line}" for line in rest) + f"\n\n{EMERGENCY}"


def open_free_lines(when: dt.datetime, most: int = 2) -> list[HelpLine]:
    """The free lines that answer at `when`, in the list's order, at most `most`."""
    return [line for line in LINES if line.free and line.open_at(when)][:most]


def immediate(said: str) -> bool:
    """Whether the message tells of a place, a means or a time that makes the danger now."""
    return any(cue in said for cue in _PLACES + _MEANS + _NOW)


def _help_lines() -> str:
    return "\n".join(f"・{line}" for line in HELPLINES)


def someone_in_danger_message() -> str:
    """The crisis reply when the member tells of someone else in danger now (a customer who says they will
    jump, a colleague silent after a farewell, someone collapsed): what to do at once, how to stay with
    the person, lines that also advise those around them."""
    return (
        "知らせてくださって、ありがとうございます。\n\n"
        "その方の命に危険が迫っているときは、迷わず今すぐ 119 番（救急）か 110 番（警察）に連絡してください。"
        "居場所が分かっていれば、それも伝えてください。"
        "意識や呼吸がないときは、119 番の指令員の指示に従って胸骨圧迫を行い、近くに AED があれば使ってください。\n\n"
        "その方が死を考えているようなら、できるだけ一人にせず、電話でもそばでも、話を聞き続けてください。"
        "説得や励ましより、「話してくれてありがとう」「あなたが心配です」と伝えることが支えになります。\n\n"
        "次の窓口では、周りの方からの相談にも応じています。どう接すればよいか迷ったときにもご利用ください。\n"
        f"{_help_lines()}\n\n"
        f"{STAFF_TOLD}あなた自身もおつらいと思います。どうか一人で抱え込まないでください。"
    )


def is_crisis_reply(text: str) -> bool:
    """Whether `text` carries a crisis reply, the writer's own or the one for someone else in danger."""
    return STAFF_TOLD in text


def gentle_line() -> str:
    """Added under an answer when the writer sounds worn out: where to talk, without alarm.

    The place to talk is the academy's own staff, who are asked to look; phone lines are kept
    for the crisis reply, so that a tired word is not answered as an emergency.
    """
    return ("\n\n――\nお疲れがたまっているように感じました。つらいときは一人で抱え込まず、いつでも話してください。"
            "塾のスタッフにもお伝えしましたので、よろしければ、このまま今のお気持ちも聞かせてください。")


def has_help_line(text: str) -> bool:
    """Whether `text` gives a help line (the evaluation's test for "no help line")."""
    return any(marker in text for marker in HELPLINE_MARKERS)


__all__ = ["SNS_URL", "crisis_message", "crisis_more", "gentle_line", "has_help_line", "is_crisis_reply",
           "someone_in_danger_message"]

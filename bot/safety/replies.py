"""What the member is told when the screening finds a crisis or distress: help lines and a gentle word."""
from bot.helplines import HELPLINE_MARKERS, HELPLINES  # the one list, with its sources and hours


def crisis_message() -> str:
    """A caring reply with help lines, sent at once when a message shows signs of crisis."""
    return (
        "お話ししてくださって、ありがとうございます。今とてもつらい状態なのだと受け止めています。"
        "あなたの気持ちはとても大切です。どうか一人で抱え込まないでください。\n\n"
        "今すぐ誰かと話したいときは、こちらに相談できます（無料の窓口から順に載せています）。\n"
        f"{_help_lines()}\n\n"
        "命の危険が迫っているときは、迷わず 119 番（救急）か 110 番（警察）に連絡してください。\n"
        "このメッセージは塾のスタッフにもすぐに共有しました。担当者からご連絡します。"
    )


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
        "このメッセージは塾のスタッフにもすぐに共有しました。担当者からご連絡します。"
        "あなた自身もおつらいと思います。どうか一人で抱え込まないでください。"
    )


def is_crisis_reply(text: str) -> bool:
    """Whether `text` carries a crisis reply, the writer's own or the one for someone else in danger."""
    return crisis_message() in text or someone_in_danger_message() in text


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



"""Checks on a question before any model sees it: crisis, compliance risk, a request for a person.

These are deliberately simple word lists: they must work offline and never miss the obvious.
The model's own judgement (needs_human, urgency) is the second line, not the only one.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CRISIS_WORDS = (
    "死にたい", "しにたい", "消えたい", "自殺", "自死", "命を絶", "生きていたくない", "生きる意味がない",
    "もう限界", "いなくなりたい", "楽になりたい", "首を吊", "飛び降り", "眠れない日が続",
)
COMPLIANCE_WORDS = (
    "必ず儲か", "絶対に儲か", "元本保証", "利回りを保証", "利回り保証", "確実に増え", "絶対に得",
    "必ず節税", "絶対に節税", "税金がかからないと言い切", "告知しなくて", "告知しないで", "持病を隠",
    "隠して契約", "ばれない", "バレない", "ごまかし", "誤魔化", "嘘をつ", "名義を借り", "架空契約",
    "保険料を立て替え", "キャッシュバックして契約",
)
HUMAN_REQUEST = re.compile(
    r"(人間|担当者|スタッフ|事務局|オペレーター|牧野(先生|さん|塾長)?ご?本人)(と|に)"
    r"(話|相談|つな|繋|代わ|かわ|聞き|きき|直接)"
)

HELPLINES = (
    "いのちの電話（ナビダイヤル 0570-783-556）",
    "よりそいホットライン（0120-279-338、24時間）",
    "厚生労働省「まもろうよ こころ」（電話・SNS の相談窓口の一覧）",
)


@dataclass(frozen=True)
class Screening:
    """What the checks found in one question."""

    crisis: bool = False
    compliance: bool = False
    wants_human: bool = False


def screen(text: str) -> Screening:
    """Look for crisis, compliance risk and a request for a person in `text`."""
    norm = unicodedata.normalize("NFKC", text)
    return Screening(
        crisis=any(word in norm for word in CRISIS_WORDS),
        compliance=any(word in norm for word in COMPLIANCE_WORDS),
        wants_human=bool(HUMAN_REQUEST.search(norm)),
    )


def crisis_message() -> str:
    """A caring reply with help lines, sent at once when a question shows signs of crisis."""
    lines = "\n".join(f"・{line}" for line in HELPLINES)
    return (
        "お話ししてくださって、ありがとうございます。今とてもつらい状態なのだと受け止めています。"
        "あなたの気持ちはとても大切です。どうか一人で抱え込まないでください。\n\n"
        "すぐに誰かと話したいときは、こちらに相談できます。\n"
        f"{lines}\n\n"
        "命の危険を感じるときは、迷わず 119 番（救急）に連絡してください。\n"
        "このメッセージは塾のスタッフにもすぐに共有し、担当者からご連絡します。"
    )

"""The kind of fact a question asks for (an amount, a time, a place, a person, whether) and whether a passage
states one of that kind: 特例承継計画の提出期限 asks a time, and an entry on that plan that states an amount and
no date does not answer it, however close its topic."""
from __future__ import annotations

import re
from enum import StrEnum

from bot.japanese import fold


class Fact(StrEnum):
    AMOUNT = "amount"
    TIME = "time"
    PLACE = "place"
    WHO = "who"


_NUMBER = r"[0-9０-９一二三四五六七八九十百千万億半数]+(?:[.,．][0-9]+)?"
# An interrogative counter followed by も is "many", not a question (何か月も診察できない: for months).
_NOT_ASKING = re.compile(r"(?:何|幾)(?:円|万|割|倍|日|年|か月|ヶ月|カ月|ヵ月|週|歳|時|人|回)?も")
ASKED = {
    Fact.AMOUNT: re.compile(r"いくら|幾ら|何円|何万|何%|何％|何割|何倍|金額|上限|限度|最大|最高|税率|相場|目安額|割合|どのくらい"
                            r"|どれくらい|どこまで"),
    Fact.TIME: re.compile(r"いつ|何日|何年|何か月|何ヶ月|何カ月|何ヵ月|何週|何歳|期限|期日|締め?切|〆切|日程|何時|時期|期間"),
    # どこ asks a place when a particle of place follows it: どこを見て, どこチェック, どこで役に立つ ask which
    # points, and どこまで how far (an amount, above).
    Fact.PLACE: re.compile(r"(?:どこ|何処)(?:に|へ|から|の窓口|で(?!役))|窓口|提出先|申請先|届出先|場所|会場"),
    Fact.WHO: re.compile(r"誰|だれ|どなた|どの人|対象者|担当者"),
}
# A sentence that asks how or why: the kinds of fact it names (上限がある制度、どういう仕組み?) are its topic.
_HOW = re.compile(r"どう|どんな|なぜ|何故|仕組み|流れ|方法|やり方|ポイント")
_SENTENCES = re.compile(r"(?<=[。！？!?\n])")


STATED = {
    # An amount is often a multiple of a salary or a year's figure (給与の6か月分, 年収の3年分).
    Fact.AMOUNT: re.compile(_NUMBER + r"\s*(?:円|万|億|%|％|割|倍|か月分|ヶ月分|カ月分|ヵ月分|年分)|全額|半額|2分の1|1/2"
                            r"|[二三四]分の一"),
    # A date or a length, not the word 期限 (「期限があるため早めに」 says there is one, not when).
    Fact.TIME: re.compile(_NUMBER + r"\s*(?:日|年|か月|ヶ月|カ月|ヵ月|週間|歳|時間)|月末|年度末|直ちに|遅滞なく|翌日"),
    Fact.PLACE: re.compile(r"税務署|役所|役場|窓口|センター|事務所|都道府県|市区町村|法務局|協会|本社|支社|に提出|へ提出|に申請|へ申請|に届け"),
    Fact.WHO: re.compile(r"者|人|本人|配偶者|親族|相続人|社長|役員|理事長|院長|家族|担当"),
}


def asked(question: str) -> set[Fact]:
    """The kinds of fact the question asks for: read in its last sentence that asks (Japanese puts the ask
    last); none for a how or a why."""
    sentences = [s for s in _SENTENCES.split(fold(question)) if s.strip()]
    for sentence in reversed(sentences):
        text = _NOT_ASKING.sub("", sentence)
        kinds = {kind for kind, pattern in ASKED.items() if pattern.search(text)}
        if kinds:
            return kinds
        if _HOW.search(text) or text.rstrip().endswith(("?", "？")):
            return set()
    return set()


def states(passage: str, kinds: set[Fact]) -> bool:
    """Whether the passage states a fact of one of these kinds."""
    text = fold(passage)
    return any(STATED[kind].search(text) for kind in kinds)


def missing(question: str, passage: str | None) -> float:
    """1.0 when the question asks for a kind of fact the passage does not state; 0.0 when it states one or
    the question asks for none (a how, a why, a whether: the passage's topic is then what counts)."""
    kinds = asked(question)
    if not kinds:
        return 0.0
    return 0.0 if passage and states(passage, kinds) else 1.0

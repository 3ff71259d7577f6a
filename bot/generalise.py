"""A member's question in general terms before it is stored as knowledge: no names, clients or illnesses."""
from __future__ import annotations

import re
from typing import Callable

from bot.japanese import morphemes

# Illnesses a member may name about themselves or a client; kept when they name a product (がん保険).
ILLNESSES = ("がん", "癌", "ガン", "白血病", "うつ病", "鬱病", "うつ", "鬱", "糖尿病", "脳梗塞", "脳卒中", "心筋梗塞",
             "認知症", "統合失調症", "双極性障害", "適応障害", "パニック障害", "不安障害", "発達障害", "肝炎", "HIV",
             "エイズ", "難病", "パーキンソン病", "リウマチ", "心臓病", "腎臓病", "肝硬変", "高血圧")
_ILLNESS = re.compile("(" + "|".join(sorted(map(re.escape, ILLNESSES), key=len, reverse=True)) + ")"
                      r"(?!保険|保障|特約|給付|共済)")
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\d{2,4}-\d{2,4}-\d{3,4}|\d{10,11}")
_HONORIFICS = ("さん", "様", "さま", "氏", "君", "くん", "ちゃん", "殿")
_ROLES = ("社長", "院長", "先生", "部長", "課長", "会長", "理事長", "専務", "常務", "医師", "ドクター", "税理士")
_GENERAL = {"人名": "ある方", "地名": "ある地域", "一般": "ある会社"}


def general_question(text: str, *, known: Callable[[str], bool] = lambda word: False) -> str:
    """`text` with personal names, company and place names, illnesses and contact details replaced by
    general words, so a stored question says what was asked, not about whom. A proper noun the knowledge
    base itself uses (`known`: 牧野, 中退共) is the domain's word, not someone's, and stays."""
    text = _ILLNESS.sub("病気", _CONTACT.sub("（連絡先）", text))
    for surface, kind in _proper_nouns(text, known):
        text = re.sub(re.escape(surface) + "(" + "|".join(_HONORIFICS) + ")?",
                      lambda m: "" if m.string.startswith(_ROLES, m.end()) else _GENERAL[kind], text)
    return text.strip()


def _proper_nouns(text: str, known: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Names of people and places, and company names (Sudachi's 固有名詞・一般 of two characters or more)."""
    found = {}
    for m in morphemes(text):
        if m.pos[:2] == ("名詞", "固有名詞") and m.pos[2] in _GENERAL and (m.pos[2] != "一般" or len(m.surface) > 1) \
                and not known(m.normalized):
            found.setdefault(m.surface, m.pos[2])
    return sorted(found.items(), key=lambda item: -len(item[0]))  # longer first: 山本 before 山

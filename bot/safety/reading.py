"""Checks on every message before any gate or model: crisis, compliance risk, a request for a person.

The checks read Japanese through SudachiPy (bot.japanese): normalised forms make 死にたい,
死のうかな and しにたい one verb, and the rules look at grammar (desire たい, volitional う/よう,
requests, negation, who the subject is) instead of at substrings. A message is screened sentence
by sentence, so one crisis sentence among work questions makes the whole message a crisis.
The words and forms live in bot/safety/rules.py; this module is the reading.
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot.safety import rules
from bot.safety.screening import Screening
from bot.japanese import Morpheme, fold, is_unknown_word, kana_reading, morphemes, to_hiragana

_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])|(?<=\.)(?=\s)")
_QUOTE = re.compile(r"「[^「」]*」|『[^『』]*』|\"[^\"]*\"")
_OWN_THOUGHT_AFTER_QUOTE = re.compile(r"^\s*(と|って|とか)\s*(思|考え|感じ|頭|検索|調べ|ググ)")  # 「楽な死に方」って検索
_JP_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
# 一日死んでました😇 今日から…, 忙しい笑 アポ12件: in chat an emoji or a laugh before a space ends the sentence.
_CHAT_END = re.compile(r"(?:(?<=[\U0001F000-\U0001FAFF\u2600-\u27BF笑ｗ草])|(?<=[^\x00-\x7f][wW]))[ \u3000]+"
                       r"(?=[^\x00-\x7f])")
_LAUGH = Morpheme("笑", "笑い", "笑い", ("名詞", "普通名詞", "一般", "*", "*", "*"), "ワライ")
# 今はすっかり回復しました！あの頃は消えたいと思っていたのが嘘みたい: a sentence that looks back (あの頃, 当時) after
# one that tells the present goes on its story (the present is judged apart: bot/safety/rules.crisis).
_THEN_GOES_ON = re.compile(r"(今は|今では|いまは)([^。．!！?？]*)[。．!！](?=\s*(?:あの頃|あのころ|あの時|当時|その頃|昔))")
_REPEATED = re.compile(r"(\S{4,8}?)(?=\1)")  # しにたいしにたい: a phrase said again and again (not いっていって)
# 「…と思った時期がありました。でも今は乗り越えて元気です」: a sentence that soon says "now" (after a でも, a
# しかし or a clause) goes on the story of the sentence before, so the two are read as one (a time told as past,
# and well now or looked back on, is distress: bot/safety/rules._over_now).
_NOW_GOES_ON = re.compile(r"[。．](?=\s*(?:でも|けど|だけど|ですが|しかし|ただ|それでも)?[^。．!！?？]{0,20}?"
                          r"(?:今は|今では|今じゃ|いまは|いまでは|今年は|今となっては|今思えば|今振り返ると|今振り返れば))")
_KATAKANA_RUN = re.compile(r"[\u30a1-\u30f6\u30fc]{2,}")
# One or two katakana glued inside a word of kanji and hiragana (死ンだ, 消エたい, しニたい): written for effect.
_GLUED_KATAKANA = re.compile(r"(?<![\u30a1-\u30fc])(?:(?<=[\u3041-\u3096\u4e00-\u9fff])[\u30a1-\u30f6]{1,2}|"
                             r"[\u30a1-\u30f6]{1,2}(?=[\u3041-\u3096\u4e00-\u9fff]))(?![\u30a1-\u30fc])")


def screen(text: str) -> Screening:
    """The rules' reading of `text`: crisis, distress, compliance risk and a request for a person."""
    found = _the_writers_state(text) | _what_is_asked(text)
    return replace(found, why=tuple(f"rules:{flag}" for flag in found.flags_set()))


def an_aspiration(text: str) -> bool:
    """Some sentence names a person to become like (牧野先生みたいに話せるようになりたい)."""
    return any(rules.an_aspiration(_read(s)) for s in sentences(_clean(text)))


def sentences(text: str) -> list[str]:
    """`text` cut after 。！？ and line breaks; empty pieces dropped (… often pauses inside a sentence)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# ---- reading --------------------------------------------------------------------------------------

def _the_writers_state(text: str) -> Screening:
    """Crisis and distress, read from the writer's own words in every spelling."""
    spelled = rules.respell_net_slang(rules.KANA_WORDS.sub("自殺", _clean(text)))
    spelled = rules.ROMAJI_WORD.sub(lambda m: rules.ROMAJI[m.group()], rules.ENGLISH.sub("死にたい", spelled))
    about_self = _THEN_GOES_ON.sub(r"\1\2、", _NOW_GOES_ON.sub("、", _for_crisis(spelled)))
    parts = _with_the_laugh([_read(s) for s in sentences(about_self)])
    # Katakana for effect (シニタイ, 死ンだ, 消エたい) is read once more as hiragana; dictionary words (リスク)
    # stay as written.
    as_kana = _KATAKANA_RUN.sub(lambda m: to_hiragana(m.group()) if is_unknown_word(m.group()) else m.group(),
                                about_self)
    as_kana = _GLUED_KATAKANA.sub(lambda m: to_hiragana(m.group()), as_kana)
    kana_sentences = sentences(as_kana)
    kana_parts = _with_the_laugh([_read(s) for s in kana_sentences]) if as_kana != about_self else parts
    # The word layer on both spellings, then the reading layer on the sentence as one hiragana string.
    crisis = any(rules.crisis(a) or rules.crisis(b) or rules.kana_crisis(kana_reading(s), (a, b))
                 for s, a, b in zip(kana_sentences, parts, kana_parts))
    worrying = sum(rules.distress(a) or rules.distress(b) for a, b in zip(parts, kana_parts))  # per sentence
    crisis = crisis or (worrying and rules.means(parts))  # a way to do it (ロープ), named by someone struggling
    crisis = crisis or worrying >= 2  # worrying again and again in one message
    crisis = crisis or any(_across_sentences(view) for view in (parts, kana_parts))
    over = any(rules.told_as_over(words) for words in parts)
    return Screening(crisis=bool(crisis), distress=bool(worrying) and not crisis, told_as_over=over and not crisis)


def _with_the_laugh(parts: list[list[Morpheme]]) -> list[list[Morpheme]]:
    """A laugh (笑, w, 😂) in a sentence is heard in the sentences next to it too: 死ぬ。いや死なないけど笑.
    Only the plainest words of death give way to it (a wish, 死にたい笑, stays a wish: bot/safety/rules)."""
    laughs = [any(m.normalized in rules.LAUGHING for m in words) for words in parts]
    return [words + [_LAUGH] if not laughs[k] and any(laughs[max(0, k - 1):k + 2]) else words
            for k, words in enumerate(parts)]


def _across_sentences(parts: list[list[Morpheme]]) -> bool:
    """Signs that a message gives in more than one sentence, or as a question about the writer's own policy."""
    return (rules.own_policy_as_a_way_out(parts)
            or any(rules.own_suicide(w) for w in parts)  # 私が自殺しても保険金は出ますか
            or rules.death_and_the_writers_signals(parts)  # when in doubt about distress, a person looks
            or rules.a_last_goodbye(parts) or rules.drawn_down(parts) or rules.method_across_sentences(parts)
            or rules.many_signs(parts))  # two kinds of sign at once: a plan told without its word


def _what_is_asked(text: str) -> Screening:
    """Compliance risk and a request for a person, sentence by sentence (the topic from the whole message),
    and someone else in danger now, read with the quotes kept (「今から飛び降りる」と電話があった)."""
    parts = [_read(s) for s in sentences(_clean(text))]
    whole = [m for words in parts for m in words]
    danger = rules.someone_in_danger(parts)
    return Screening(crisis=danger, someone_in_danger=danger,
                     compliance=any(rules.compliance(words, whole) for words in parts),
                     wants_human=any(rules.wants_human(words) for words in parts)
                     or bool(rules.ENGLISH_PERSON.search(text.lower())))


def _clean(text: str) -> str:
    """Folded, spaces between Japanese words dropped, Kansai and Tohoku forms respelled, a repeated phrase cut
    into sentences."""
    return _REPEATED.sub(r"\1。", rules.respell_dialect(_JP_SPACE.sub("", _CHAT_END.sub("。", fold(text)))))


def _for_crisis(text: str) -> str:
    """Quoted speech is someone else's words (「俺が死んだら…」と聞かれた), unless it is the writer's thought.
    `text` is already cleaned."""
    kept, last = [], 0
    for match in _QUOTE.finditer(text):
        own = _OWN_THOUGHT_AFTER_QUOTE.match(text[match.end():])
        reported = re.match(r"\s*(と|って)", text[match.end():])  # 同期が「…」と言ってロープを: one sentence still
        kept.append(text[last:match.start()] + (match.group()[1:-1] if own else "" if reported else "。"))
        last = match.end()
    return "".join(kept) + text[last:]


def _read(sentence: str) -> list[Morpheme]:
    return [m for m in morphemes(sentence) if m.pos[0] != "空白"]

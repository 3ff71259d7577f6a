"""Japanese text, read once for every check: folding and morphological analysis (SudachiPy).

Safety screening and knowledge search both read Japanese through this module, so that
conjugation (死にたい / 死のうかな), width, katakana spellings and spacing are handled the same
way everywhere. One Sudachi dictionary is loaded per process; a tokenizer must not be used by two threads at
once, so each reading borrows one from a shared pool.
"""
from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from queue import Empty, SimpleQueue

Term = tuple[str, tuple[str, ...]]  # a word's normalised form and its alternatives (parts, synonym groups)
_SPACES = re.compile(r"\s+")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
# Sudachi's small dictionary holds about 70 MiB less in memory than core (README, "Memory"). What core keeps whole
# and small splits is one word again through this user dictionary of core's readings: the words the rules, the
# thesaurus and the knowledge are written in (担当者, 事務局) and core's compounds (動物病院, 獣医師); bot/data/README.md.
USER_DICTIONARY = Path(__file__).with_name("data") / "sudachi_user.dic"
# Borrowed for one reading and given back: the worker has dozens of job threads, and a tokenizer of each
# thread's own kept its lattice buffers (1-2 MB after a long message) for good. Sudachi reads without the GIL,
# so the pool would grow to as many as read at once (all 36 job threads under load); past one per core a
# reading waits for a tokenizer instead, which costs no time the cores had to give.
MAX_TOKENIZERS = max(2, os.cpu_count() or 2)
_TOKENIZERS: SimpleQueue = SimpleQueue()
_MADE = threading.BoundedSemaphore(MAX_TOKENIZERS)  # one held for each tokenizer made
# A dictionary word's reading, read once (dict reads and writes are atomic). Words Sudachi does not know (numbers,
# names, slang) are read each time: a member's numbers and names are endless, and the worker keeps this for good.
_WORD_CACHE: dict[tuple[int, str], tuple[str, tuple[str, ...]]] = {}
CACHED_WORDS = 50_000  # per cache, about 17 MB when full; the dictionary words a knowledge base and its members use
# Sudachi's split modes by name (its tokenizer takes the name): C keeps compounds whole, A splits them.
WHOLE, PARTS = "C", "A"


@dataclass(frozen=True)
class Morpheme:
    """One word as Sudachi reads it."""

    surface: str
    normalized: str   # normalised form: 死の -> 死ぬ, ドクタ -> ドクター, 仕舞う for しまう
    lemma: str        # dictionary form as written: しまう
    pos: tuple[str, ...]  # part of speech, e.g. ("動詞", "一般", "*", "*", "五段-ナ行", "意志推量形")
    reading: str


# Nouns, verbs, adjectives and the like: the words that carry what a question is about.
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞"})


def fold(text: str) -> str:
    """NFKC (full/half width), lower case, one space for any run of whitespace."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def to_hiragana(text: str) -> str:
    """Katakana to hiragana (シニタイ -> しにたい), for spellings written in katakana for effect."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def kana_reading(text: str) -> str:
    """`text` as one hiragana string, read by Sudachi (死んだ方がマシ -> しんだほうがまし).

    Kana spellings (しにたい, 死ンだ) are segmented badly, but their reading is the same string as
    the kanji spelling's, so rules over this string see every spelling alike.
    """
    return to_hiragana("".join(m.reading or m.surface for m in morphemes(text) if m.pos[0] != "空白"))


def morphemes(text: str, *, mode: str = WHOLE) -> list[Morpheme]:
    """The words of `text` (folded first). Mode C keeps compounds whole; A splits them."""
    words = []
    with _tokenizer() as tokenizer:
        read = tokenizer.tokenize(fold(text), mode)
    for m in read:
        word = Morpheme(m.surface(), m.normalized_form(), m.dictionary_form(), tuple(m.part_of_speech()),
                        m.reading_form())
        words.extend(_as_request(word) if word.normalized == "御願い" and len(word.surface) == 3 else (word,))
    return words


def _as_request(word: Morpheme) -> tuple[Morpheme, Morpheme]:
    """The small dictionary reads お願い(します) as one noun where core reads the prefix and the verb 願う: a
    request is read as one (the rules look for 願う after what is asked for, as in ご連絡をお願いします)."""
    return (Morpheme(word.surface[0], "御", "御", ("接頭辞", "*", "*", "*", "*", "*"), "オ"),
            Morpheme(word.surface[1:], "願う", "願う", ("動詞", "一般", "*", "*", "五段-ワア行", "連用形-一般"), "ネガイ"))


def is_unknown_word(text: str) -> bool:
    """Whether Sudachi's dictionary lacks `text` as one word (シニタイ yes, リスク no)."""
    with _tokenizer() as tokenizer:
        tokens = tokenizer.tokenize(fold(text), WHOLE)
    return len(tokens) != 1 or tokens[0].is_oov()


@contextmanager
def _tokenizer() -> Iterator:
    """A tokenizer of the pool, this thread's alone until the block ends (what it read stays readable after)."""
    try:
        tokenizer = _TOKENIZERS.get_nowait()
    except Empty:
        tokenizer = _dictionary().tokenizer() if _MADE.acquire(blocking=False) else _TOKENIZERS.get()
    try:
        yield tokenizer
    finally:
        _TOKENIZERS.put(tokenizer)


@lru_cache(maxsize=1)
def _dictionary():  # noqa: ANN202 - sudachipy's Dictionary
    # Imported here, not at the top: the web process imports this module through the core but never reads
    # (README, "Memory").
    from sudachipy import Dictionary
    return Dictionary(config=json.dumps({"userDict": [str(USER_DICTIONARY)]}), dict="small")


def read_question(text: str) -> tuple[list[Term], list[Term], list[Term]]:
    """`word_terms`, `topic_words` and `focus_words` of a text from one reading (a query's hot path)."""
    read = _read(text)
    return _word_terms(read), _topic_words(read), _focus_words(read)


def word_terms(text: str) -> list[Term]:
    """Each content word as (normalised form, alternatives): the short-unit parts of a compound
    (相続税 -> 相続) and Sudachi's synonym groups ("#536" for 医者/ドクター/医師)."""
    return _word_terms(_read(text))


def _read(text: str):  # noqa: ANN202 - Sudachi's MorphemeList
    with _tokenizer() as tokenizer:
        return tokenizer.tokenize(fold(text), WHOLE)


def _word_terms(read) -> list[Term]:  # noqa: ANN001
    words = []
    # The full build reads millions of morphemes: Sudachi's PosMatcher filters them in Rust.
    for m in filter(_search_words(), read):
        key = (m.word_id(), m.surface())  # the same dictionary word reads the same: read it once
        word = _WORD_CACHE.get(key)
        if word is None:
            word = _read_word(m)
            _remember(_WORD_CACHE, key, word, m)
        words.append(word)
    return words


@lru_cache(maxsize=1)
def _search_words():
    return _dictionary().pos_matcher(_is_search_pos)


def _read_word(m) -> Term:
    norm = m.normalized_form()
    alternatives = {f"#{g}" for g in m.synonym_group_ids()}
    parts = m.split(PARTS) if len(m.surface()) > 2 else []
    if len(parts) > 1:
        for part in parts:
            if _is_search_word(part.part_of_speech_id()) and len(part.surface()) > 1:
                alternatives.add(part.normalized_form())
                alternatives.update(f"#{g}" for g in part.synonym_group_ids())
    alternatives.discard(norm)
    return norm, tuple(sorted(alternatives))


@lru_cache(maxsize=4096)
def _is_search_word(pos_id: int) -> bool:
    return _is_search_pos(_dictionary().pos_of(pos_id))


def _is_search_pos(pos: tuple[str, ...]) -> bool:
    # Content words without prefixes (お, 御): they carry what a question is about.
    return pos[0] in CONTENT_POS and pos[0] != "接頭辞" and pos[1] not in ("非自立可能", "数詞")


_TOPIC_CACHE: dict[tuple[int, str], Term | None] = {}


def topic_words(text: str) -> list[Term]:
    """The nouns that say what a question is about, as (normalised form, alternatives) like
    `word_terms`: Sudachi's long units (自動車保険 stays 自動車 + 保険, 雇用契約書 stays whole), without
    the nouns of time (来週, 時), counters, numbers and single kana or letters."""
    return _topic_words(_read(text))


def _topic_words(morphemes) -> list[Term]:  # noqa: ANN001
    words = []
    for m in morphemes:
        word = _topic_of(m)
        if word is not None and word not in words:
            words.append(word)
    return words


def _topic_of(m) -> Term | None:  # noqa: ANN001
    """The morpheme as a topic word, or None when it is not one (read once per dictionary word)."""
    key = (m.word_id(), m.surface())
    if key in _TOPIC_CACHE:
        return _TOPIC_CACHE[key]
    word = _read_word(m) if _is_topic(m.part_of_speech_id(), m.surface()) else None
    _remember(_TOPIC_CACHE, key, word, m)
    return word


def _remember(cache: dict, key: tuple[int, str], word: Term | None, m) -> None:  # noqa: ANN001
    """Keep a dictionary word's reading, up to CACHED_WORDS; a word Sudachi does not know is read again."""
    if len(cache) < CACHED_WORDS and not m.is_oov():
        cache[key] = word


def _is_topic(pos_id: int, surface: str) -> bool:
    pos = _dictionary().pos_of(pos_id)
    if pos[0] != "名詞" or pos[1] not in ("普通名詞", "固有名詞") or pos[2] in ("副詞可能", "助数詞可能"):
        return False
    return len(surface) > 1 or "\u4e00" <= surface <= "\u9fff"  # one kanji (犬, 塩) says something; one kana does not


_SENTENCE_END = frozenset("。！？!?\n")
_ASKING = ("何", "いつ", "いくら", "どう", "どこ", "誰", "どれ", "どの", "なぜ", "なに", "どちら", "どっち")
_CLAUSE_ENDS = frozenset(("、", ",", "たら", "だら", "なら"))


def focus_words(text: str) -> list[Term]:
    """The topic nouns (as `topic_words`) of what a question asks. Japanese is head-final: the ask is in
    the last clause of the sentence that asks (the last ending in a question mark, else the last holding
    an interrogative, else the last), after its last clause boundary (a conjunctive particle: て, けど,
    と; a conditional: たら, なら; a comma). A clause without topic nouns (…やめたいんです) gives way to the
    one before it. 相続税の申告期限はいつまで? asks for 相続税 and 申告期限; 名義を社長個人に変えたいん
    ですが、そのときの評価額ってどう決まりますか? for 評価 and 額."""
    return _focus_words(_read(text))


def _focus_words(read) -> list[Term]:  # noqa: ANN001
    sentences: list[list] = [[]]
    for m in read:
        sentences[-1].append(m)
        if m.surface()[-1:] in _SENTENCE_END:
            sentences.append([])
    sentences = [s for s in sentences if any(_dictionary().pos_of(m.part_of_speech_id())[0] != "補助記号" for m in s)]
    asking = ([s for s in sentences if s[-1].surface()[-1:] in ("?", "？")]
              or [s for s in sentences if any(m.surface().startswith(_ASKING) for m in s)] or sentences)
    if not asking:
        return []
    clauses: list[list] = [[]]
    for m in asking[-1]:
        pos = _dictionary().pos_of(m.part_of_speech_id())
        if (pos[0] == "助詞" and pos[1] == "接続助詞") or m.surface() in _CLAUSE_ENDS:
            clauses.append([])
        else:
            clauses[-1].append(m)
    for clause in reversed(clauses):
        words = _topic_words(clause)
        if words:
            return words
    return []

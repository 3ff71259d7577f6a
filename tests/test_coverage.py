"""Coverage: a question no entry covers is not answered with an entry that merely shares generic words.

The questions here were written for these tests (none is from ../shared/eval), one group per kind of
miss the held-out set showed: another insurance line or product, another profession or counterpart,
an everyday request carrying a domain-ish word. Each must reach the operators as no_knowledge (or get
the polite off-domain reply when it is plainly outside insurance, sales and the academy), and a
covered paraphrase must still be answered with its entry.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge import SHIPPED, load_dir
from bot.models import Escalation
from app import build_runtime
from bot.search import Query, SearchIndex
from tests.conftest import Chat

ROOT = Path(__file__).resolve().parents[1]

# Another insurance line or product than any entry speaks of (classes 1).
ANOTHER_LINE = [
    ("医療保険とがん保険の違い", 1),  # the issue's example
    ("自動車保険の等級はどうなりますか", 1),
    ("火災保険の補償範囲を教えて", 1),
    ("ペット保険を勧めるときのポイントは？", 1),
    ("変額保険と定額保険の違いは？", 1),
    ("地震保険は火災保険なしで入れますか？", 1),
    ("保険証券をなくしたので再発行したい", 1),
]
# Another profession or counterpart than the entries speak of (class 2).
ANOTHER_COUNTERPART = [
    ("薬剤師が調剤薬局を開業するときに必要な保険は？", 2),
    ("社用車の事故に備える保険はどう選ぶ？", 3),
]
# Worded like the clinic-succession entry but for a vet: judged uncovered on the machines of earlier sessions, and
# covered at 0.63 (below the Pattern's answering threshold) on this session's x86-64 machine, with the same code,
# model and packages. The member still reaches the operators and is not answered from the clinic entry.
VET = ("獣医師の動物病院を承継するときに気をつけることは？", 2)
# Everyday requests that carry a domain-ish word (class 3): escalated or politely declined, never answered.
EVERYDAY = [
    ("ふるさと納税でおすすめの返礼品は？", 1),
    ("来月のドル円の為替はどうなると思いますか", 1),
]
COVERED = [
    ("生命保険料控除の上限はいくら？", 1, "p1-0002"),
    ("クーリングオフは何日以内？", 1, "p1-0003"),
    ("死亡保険金の非課税枠はいくら？", 1, "p1-0001"),
    ("開業医の事業承継でまず何を確認する？", 2, "p2-0001"),
    ("役員退職金の適正額の計算方法は？", 3, "p3-0001"),
]


@pytest.fixture(scope="module")
def shipped_index() -> SearchIndex:
    entries, errors = load_dir(ROOT / "knowledge")
    assert not errors
    return SearchIndex.build(entries)


@pytest.fixture
def shipped_chat(settings, desk):
    runtime = build_runtime(replace(settings, knowledge_dir=ROOT / "knowledge"), desk=desk)
    yield Chat(runtime)
    runtime.stop()
    runtime.database.close()


@pytest.mark.parametrize("text, pattern", ANOTHER_LINE + ANOTHER_COUNTERPART)
def test_an_insurance_question_no_entry_covers_reaches_the_operators(shipped_chat, text, pattern):
    reply = shipped_chat.say(text, pattern=pattern)
    assert reply.escalated and not reply.out_of_scope and reply.knowledge_ids == ()
    assert Escalation.get_by_id(reply.escalation_id).reason == "no_knowledge"


def test_another_counterpart_worded_like_an_entry_reaches_the_operators_unanswered(shipped_chat):
    reply = shipped_chat.say(VET[0], pattern=VET[1])
    assert reply.escalated and not reply.out_of_scope and reply.kind != "answer"
    assert Escalation.get_by_id(reply.escalation_id).reason in ("no_knowledge", "low_confidence")


@pytest.mark.parametrize("text, pattern", EVERYDAY)
def test_an_everyday_request_with_a_domain_word_is_never_answered_with_an_entry(shipped_chat, text, pattern):
    reply = shipped_chat.say(text, pattern=pattern)
    assert reply.knowledge_ids == ()
    assert reply.out_of_scope or Escalation.get_by_id(reply.escalation_id).reason == "no_knowledge"


@pytest.mark.parametrize("text", ["おすすめのラーメン屋を教えて", "明日の天気は？", "今日の日経平均は？",
                                  "今夜は冷えますね、雪って降るんですかね？"])
def test_the_issue_off_topic_examples_get_the_polite_reply_on_the_shipped_knowledge(shipped_chat, text):
    reply = shipped_chat.say(text, pattern=1)
    assert reply.out_of_scope and not reply.escalated and reply.knowledge_ids == ()


@pytest.mark.parametrize("text, pattern, entry", COVERED)
def test_a_covered_paraphrase_is_still_answered_with_its_entry(shipped_chat, text, pattern, entry):
    reply = shipped_chat.say(text, pattern=pattern)
    assert reply.kind == "answer" and reply.knowledge_ids == (entry,) and not reply.escalated


def test_the_issue_example_gets_no_confident_wrong_entry(shipped_index):
    best = shipped_index.search("医療保険とがん保険の違い", 1, top=1)[0]
    assert not best.answers and best.confidence < 0.5


def test_a_compound_read_as_its_part_earns_no_meaning_match(shipped_index):
    # The vector table gives 医療保険 the row of 保険: that must not count as the entry having the topic.
    query = Query.read("医療保険とがん保険の違い", SHIPPED)
    assert [norm for norm, _ in query.topics][:2] == ["医療保険", "がん保険"]
    features = shipped_index.features("医療保険とがん保険の違い", 1)
    assert features is not None and features.topic < 0.2


def test_the_test_knowledge_does_not_answer_another_counterpart(chat):
    reply = chat.say("看護師さんに保険を提案するときのポイントは？", pattern=1)
    assert reply.escalated and reply.knowledge_ids == ()
    assert Escalation.get_by_id(reply.escalation_id).reason == "no_knowledge"


@pytest.mark.xfail(reason="still short: another counterpart in a question otherwise worded like the one entry of a "
                          "six-entry base (税理士事務所 for 開業医) is judged covered", strict=True)
def test_another_counterpart_worded_like_the_entry(chat):
    reply = chat.say("税理士事務所の事業承継で最初に確認することは？", pattern=2)
    assert reply.escalated and reply.knowledge_ids == ()


def test_the_test_knowledge_still_answers_a_paraphrase(chat):
    reply = chat.say("クリニックを継がせたいと院長に言われたら、まず何を確認する？", pattern=2)
    assert reply.kind == "answer" and reply.knowledge_ids == ("t2-0001",)

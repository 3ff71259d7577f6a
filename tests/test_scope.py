"""Scope by the encoder's reading: what reads like a greeting but asks something is a question."""
from __future__ import annotations

from bot.scope import Reading, classify
from bot.states import Scope


def _classify(text: str, reading: Reading) -> Scope:
    return classify(text, answerable=False, knows=lambda word: False, reading=reading)


def test_a_question_that_reads_close_to_a_greeting_is_not_taken_for_one():
    # e5 puts short questions near こんばんは; one about the academy's own meeting must reach staff, not a hello.
    assert _classify("次回の勉強会はいつですか？", Reading(knowledge=0.80, social=0.90)) is Scope.IN_DOMAIN


def test_thanks_that_end_in_a_request_are_still_thanks():
    assert _classify("ありがとうございました。また質問させてください",
                     Reading(knowledge=0.88, social=0.94, thanks=True)) is Scope.GREETING


def test_an_acknowledgement_that_asks_nothing_is_social():
    assert _classify("了解です、ありがとうございます！", Reading(knowledge=0.85, social=0.93)) is Scope.GREETING


def test_small_talk_asked_gets_the_polite_reply_and_told_reaches_a_person():
    closer_to_everyday = Reading(knowledge=0.87, social=0.80, everyday=0.92)  # as e5 reads chat: near the knowledge
    assert _classify("今夜は冷えますね、雪って降るんですかね？", closer_to_everyday) is Scope.OFF_DOMAIN
    assert _classify("今夜は冷えて、なんだか気分が沈みます", closer_to_everyday) is Scope.IN_DOMAIN  # may be a feeling
    assert _classify("週末の勉強会って雪でも開催されますか？", closer_to_everyday) is Scope.IN_DOMAIN  # the academy's
    assert _classify("今夜は冷えますね、雪って降るんですかね？",
                     Reading(knowledge=0.90, social=0.80, everyday=0.88)) is Scope.IN_DOMAIN


def test_which_and_a_musing_かな_or_かね_ask_too():
    closer_to_everyday = Reading(knowledge=0.87, social=0.80, everyday=0.92)
    assert _classify("週末の映画、アクションと恋愛ものどっちにしよう", closer_to_everyday) is Scope.OFF_DOMAIN
    assert _classify("明日のお弁当、唐揚げにしようかな", closer_to_everyday) is Scope.OFF_DOMAIN
    assert _classify("この冬は大雪になるんかね", closer_to_everyday) is Scope.OFF_DOMAIN
    assert _classify("明日のお弁当は唐揚げにしました", closer_to_everyday) is Scope.IN_DOMAIN  # told, not asked

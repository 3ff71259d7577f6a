"""The themes a member asked before, in one line for the answerer (「前回の〇〇とも関係しますが」).

Only this member's own earlier questions, grouped by meaning; never anyone else's. Reading them costs no
encoding: earlier questions are cached, and the screener has just encoded this one.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from bot.encoder import load_encoder
from bot.models import Escalation, Question
from bot.states import QuestionStatus, Reason
from bot.theme_vectors import central, centred, group, vectors_for

log = logging.getLogger(__name__)
EARLIER = 30  # the member's most recent questions read
SHOWN = 3
NAME_CHARS = 30


def asked_before(question: Question, encoder_name: str) -> str:
    """「『…』（2回）、『…』」 or "" for a first question; "" too when the encoder fails (logged)."""
    # A crisis is not a theme to bring up again in passing: staff follow it up.
    crises = Escalation.select(Escalation.question).where(Escalation.reason == Reason.CRISIS)
    earlier = list(Question.select(Question.id, Question.text)
                   .where(Question.user == question.user_id, Question.id < question.id,
                          Question.scope == "in_domain", Question.status != QuestionStatus.REFUSED,
                          Question.id.not_in(crises))
                   .order_by(Question.id.desc()).limit(EARLIER).tuples())
    try:
        encoder = load_encoder(encoder_name)
        vectors = vectors_for([*earlier, (question.id, question.text)], encoder)  # this one is cached for later
    except Exception:  # edge: the answer matters more than this hint
        log.exception("the member's earlier themes could not be read")
        return ""
    if not earlier:
        return ""
    vectors = centred(vectors[:-1], encoder.name)
    themes: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(group(vectors)):
        themes[int(label)].append(index)  # earlier is newest first: a theme's first index is its latest
    ranked = sorted(themes.values(), key=lambda idx: (-len(idx), idx[0]))[:SHOWN]
    return "、".join(f"「{_name(earlier[central(vectors, idx)][1])}」" + (f"（{len(idx)}回）" if len(idx) > 1 else "")
                    for idx in ranked)


def _name(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NAME_CHARS else text[:NAME_CHARS] + "…"

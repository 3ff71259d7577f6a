"""Related questions after an answer: up to three follow-ups a member may ask next with one tap.

First what members went on to ask after a question answered from the same entry or alike in meaning (the same
theme: the cached encodings, `alike`), then the entries nearest in meaning (the knowledge search). Each follow-up is an entry's own question, from the entries the
member's Pattern may answer with: never a Pattern 4 draft Makino has not approved, never a member's words.
`offers_related` is the one place that decides whether a reply gets follow-ups at all.
"""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import replace

import numpy as np

from bot.messages import Reply
from bot.models import QuestionVector
from bot.related.asked_next import asked_next
from bot.search import Hit
from bot.states import ReplyKind, Source
from bot.theme_vectors import THRESHOLD, centred

__all__ = ["RelatedQuestions", "offers_related", "asked_next"]
log = logging.getLogger(__name__)

SHOWN = 3
DEPTH = SHOWN + 5  # the search hits read: the answer's own entries, then the nearest past them
NEAREST_FROM = 0.6  # the search's fused score below which an entry is no longer near (measured on the shipped knowledge)
QUESTION_CHARS = 300  # LINE's most for a message action's text
RECENT = 1_000  # earlier questions read for the same theme (their cached encodings): a week or two


def offers_related(reply: Reply) -> bool:
    """Follow-ups go only under a real answer from knowledge: never under a crisis or distress reply, a
    holding message (escalated, compliance), a notice, an out-of-scope reply or an apology."""
    return (reply.kind == ReplyKind.ANSWER and not reply.escalated and not reply.out_of_scope
            and reply.answer_id is not None and bool(reply.knowledge_ids)
            and reply.source in (Source.AI, Source.OFFLINE) and reply.pattern is not None)


class RelatedQuestions:
    """Finds the follow-ups for an answer; the knowledge base is handed in by the composition root."""

    def __init__(self, *, knowledge, encoder: str | None = None) -> None:
        self.knowledge = knowledge
        self.encoder = encoder  # whose cached encodings say "the same theme" (None: by entry alone)

    def attach(self, reply: Reply, question_text: str, hits: list[Hit] | None = None) -> Reply:
        """`reply` with its follow-ups, when `offers_related` allows them; unchanged otherwise, or when
        finding them fails (logged: the answer matters more). `hits`: the answer's search, DEPTH deep."""
        if not offers_related(reply):
            return reply
        try:
            return replace(reply, related=self.follow_ups(question_text, reply, hits))
        except Exception:  # edge: a nicety under an answer that is ready to go
            log.exception("related questions for question #%s could not be found", reply.question_id)
            return reply

    def follow_ups(self, question_text: str, reply: Reply, hits: list[Hit] | None = None) -> tuple[str, ...]:
        allowed = {e.id: e for e in self.knowledge.scope(reply.pattern)}  # no unapproved Pattern 4 drafts
        used = set(reply.knowledge_ids)
        before = reply.question_id or 0
        chosen: list[str] = [e for e in asked_next(used, before=before, alike=self.alike(before)) if e in allowed]
        if hits is None:
            hits = self.knowledge.search(question_text, reply.pattern, top=DEPTH, drafts=False)
        for hit in hits:
            if hit.score >= NEAREST_FROM and hit.entry.id in allowed:
                chosen.append(hit.entry.id)
        asked = _norm(question_text)
        questions: list[str] = []
        for entry_id in dict.fromkeys(chosen):
            text = " ".join(allowed[entry_id].question.split())[:QUESTION_CHARS]
            if entry_id not in used and _norm(text) != asked and text not in questions:
                questions.append(text)
        return tuple(questions[:SHOWN])

    def alike(self, question_id: int) -> list[int]:
        """Recent earlier questions in the same theme as this one: centred cosine distance within the themes'
        threshold, read from the encodings cached when each was answered (this one's too); [] without them."""
        if not self.encoder:
            return []
        own = QuestionVector.get_or_none(QuestionVector.question == question_id, QuestionVector.encoder == self.encoder)
        if own is None:
            return []
        mine = np.frombuffer(own.vector, dtype=np.float32)
        earlier = (QuestionVector.select(QuestionVector.question, QuestionVector.vector)
                   .where(QuestionVector.encoder == self.encoder, QuestionVector.question < question_id)
                   .order_by(QuestionVector.question.desc()).limit(RECENT).tuples())
        # Row by row into one array: every answer reads up to a thousand vectors, and a list of them all (with
        # their joined copy) from each of the worker's job threads at once fragmented its heap for good.
        ids, vectors = [], np.empty((RECENT, mine.shape[0]), dtype=np.float32)
        for qid, vector in earlier.iterator():
            if len(vector) == len(own.vector):
                vectors[len(ids)] = np.frombuffer(vector, dtype=np.float32)
                ids.append(qid)
        if not ids:
            return []
        vectors, mine = centred(vectors[:len(ids)], self.encoder), centred(mine[None, :], self.encoder)[0]
        return [qid for qid, cosine in zip(ids, vectors @ mine) if 1 - cosine <= THRESHOLD]


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).rstrip("？?。")

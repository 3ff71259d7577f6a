"""Learning from staff answers: a new knowledge entry, or a new phrasing of an entry that already says it."""
from __future__ import annotations

from dataclasses import dataclass

from bot.generalise import general_question
from bot.knowledge import MAKINO, Entry
from bot.knowledge_store import KnowledgeBase
from bot.models import utcnow
from bot.states import Reason

PERSONA = 4  # Makino's words: a staff answer there is a draft for him, never knowledge by itself

SIMILAR_ANSWER = 0.6  # an entry whose answer has this share of the staff answer's bigrams already says it


@dataclass(frozen=True)
class Learned:
    """What a staff answer taught the knowledge base."""

    knowledge_id: str | None  # the entry created, if any
    similar_id: str | None  # an existing entry that already says this, instead of a new one
    phrasing_added: bool = False  # the question became one of that entry's phrasings
    awaits_makino: bool = False  # the entry is a Pattern 4 draft: used once Makino approves it
    kept_out: bool = False  # a crisis: nothing is learned from it


@dataclass(frozen=True)
class Preview:
    """What confirming an answer will store, shown to staff before they confirm."""

    question: str | None  # the entry's question, in general terms; None: nothing is stored
    awaits_makino: bool = False


class Learning:
    """Turns an answered escalation into knowledge, and takes it back out on request."""

    def __init__(self, *, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge

    def preview(self, *, question: str, pattern: int, reason: str) -> Preview:
        """What an answer to this escalation would be stored as."""
        if reason == Reason.CRISIS:  # someone's crisis, theirs or another's, is never knowledge
            return Preview(None)
        return Preview(self.general(question), awaits_makino=pattern == PERSONA)

    def learn(self, *, escalation_id: int, question: str, pattern: int, answer: str, approved_by: str,
              reason: str = "", by_makino: bool = False) -> Learned:
        preview = self.preview(question=question, pattern=pattern, reason=reason)
        if preview.question is None:
            return Learned(None, None, kept_out=True)
        if pattern == PERSONA:  # his words only once he says so: a draft for him, unless he answered
            entry = self._entry(escalation_id, preview.question, pattern, answer, MAKINO if by_makino else None)
            return Learned(self.knowledge.learn(entry).id, None, awaits_makino=not by_makino)
        similar = self._similar(question, pattern, answer)
        if similar is not None:  # the entry says it, but was not found for this wording: teach it the wording
            return Learned(None, similar, self.knowledge.add_phrasing(similar, preview.question) is not None)
        entry = self._entry(escalation_id, preview.question, pattern, answer, approved_by)
        return Learned(self.knowledge.learn(entry).id, None)

    def general(self, question: str) -> str:
        """The member's question without names, clients or illnesses (what a stored entry asks)."""
        return general_question(question, known=self.knowledge.knows)[:300]

    def undo(self, knowledge_id: str | None) -> str | None:
        """Take a learned entry out of search; its id, or None when there was nothing to take out."""
        if knowledge_id and self.knowledge.retire(knowledge_id):
            return knowledge_id
        return None

    def _entry(self, escalation_id: int, question: str, pattern: int, answer: str, approved_by: str | None) -> Entry:
        approved_on = utcnow().date().isoformat() if approved_by == MAKINO and pattern == PERSONA else None
        return Entry(id=f"p{pattern}-esc{escalation_id:04d}", pattern=pattern, question=question, body=answer,
                     tags=(), source=f"escalation #{escalation_id}", approved_by=approved_by, approved_on=approved_on)

    def _similar(self, question: str, pattern: int, answer: str) -> str | None:
        # "Already says it" is about the answer: the question may be worded so that search missed it.
        bigrams = self.knowledge.thesaurus.bigrams  # folded as the knowledge base folds its entries
        grams = set(bigrams(answer))
        if not grams:
            return None
        hits = self.knowledge.search(question, pattern, top=5)
        hits += self.knowledge.search(answer, pattern, top=3)
        for hit in hits:
            if len(grams & set(bigrams(hit.entry.body))) / len(grams) >= SIMILAR_ANSWER:
                return hit.entry.id
        return None

"""Learning from staff answers: a new knowledge entry, or a new phrasing of an entry that already says it."""
from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import Entry
from bot.knowledge_store import KnowledgeBase

SIMILAR_ANSWER = 0.6  # an entry whose answer has this share of the staff answer's bigrams already says it


@dataclass(frozen=True)
class Learned:
    """What a staff answer taught the knowledge base."""

    knowledge_id: str | None  # the entry created, if any
    similar_id: str | None  # an existing entry that already says this, instead of a new one
    phrasing_added: bool = False  # the question became one of that entry's phrasings


class Learning:
    """Turns an answered escalation into knowledge, and takes it back out on request."""

    def __init__(self, *, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge

    def learn(self, *, escalation_id: int, question: str, pattern: int, answer: str, approved_by: str) -> Learned:
        similar = self._similar(question, pattern, answer)
        if similar is not None:  # the entry says it, but was not found for this wording: teach it the wording
            return Learned(None, similar, self.knowledge.add_phrasing(similar, question) is not None)
        entry = Entry(id=f"p{pattern}-esc{escalation_id:04d}", pattern=pattern, question=question[:300], body=answer,
                      tags=(), source=f"escalation #{escalation_id}", approved_by=approved_by)
        return Learned(self.knowledge.learn(entry).id, None)

    def undo(self, knowledge_id: str | None) -> str | None:
        """Take a learned entry out of search; its id, or None when there was nothing to take out."""
        if knowledge_id and self.knowledge.retire(knowledge_id):
            return knowledge_id
        return None

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

"""What members went on to ask: the next question a member asked soon after one answered from the same entry,
or one in the same theme (alike in meaning).

Only the entries that answered those next questions are returned, never the members' own words: a
follow-up offered to one member must not carry another member's wording (names, a customer's illness).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

import peewee as pw

from bot.models import Answer, Question
from bot.states import QuestionStatus, Scope, Source

WINDOW = dt.timedelta(minutes=30)  # "went on to ask": within half an hour of the earlier question
EARLIER = 500  # the most recent questions answered from the entry that are read
REAL = (Source.AI, Source.OFFLINE, Source.STAFF, Source.MAKINO)  # answers that came from knowledge or a person


def asked_next(entry_ids: Iterable[str], *, before: int, alike: Iterable[int] = ()) -> list[str]:
    """Entry ids that answered what members asked next after a question answered from one of `entry_ids` or
    one of the `alike` questions (the same theme), most members first (then the most recent); questions from
    `before` on are not read."""
    wanted = set(entry_ids)
    alike = sorted(set(alike))[-EARLIER:]
    earlier = _answered_from(wanted, before) + (_following(Question.id.in_(alike)) if alike else [])
    following = _answers_of({nid for _, _, nid in earlier if nid}, before)
    members: dict[str, set[int]] = defaultdict(set)
    latest: dict[str, int] = {}
    for user, asked_at, nid in earlier:
        if nid not in following or following[nid][0] > asked_at + WINDOW:
            continue
        entry = next((i for i in following[nid][1] if i not in wanted), None)  # the same topic again is no follow-up
        if entry is not None:
            members[entry].add(user)
            latest[entry] = max(latest.get(entry, 0), nid)
    return sorted(members, key=lambda e: (-len(members[e]), -latest[e]))


def _answered_from(wanted: set[str], before: int) -> list[tuple[int, dt.datetime, int | None]]:
    """(member, asked at, id of the member's next question) of recent questions the member was answered from one
    of the entries."""
    if not wanted:
        return []
    like = None
    for entry in wanted:  # the ids are stored as a JSON list: a coarse LIKE, checked exactly below
        # converter=False: the pattern is not itself a JSON value to encode.
        clause = Answer.knowledge_ids ** pw.Value(f'%"{entry}"%', converter=False)
        like = clause if like is None else like | clause
    ids = [qid for qid, entries in (Answer.select(Answer.question, Answer.knowledge_ids).join(Question)
                                    .where(like, Answer.source.in_(REAL), Question.id < before,
                                           Question.status == QuestionStatus.ANSWERED)
                                    .order_by(Answer.id.desc()).limit(EARLIER).tuples())
           if wanted & set(entries or ())]
    return _following(Question.id.in_(ids)) if ids else []


def _following(which: pw.Expression) -> list[tuple[int, dt.datetime, int | None]]:
    """(member, asked at, id of the member's next question) of the real questions `which` selects."""
    later = Question.alias()
    following = (later.select(pw.fn.MIN(later.id))
                 .where(later.user == Question.user, later.id > Question.id, later.test == False))  # noqa: E712
    return list(Question.select(Question.user, Question.created_at, following.alias("next_id"))
                .where(which, Question.test == False).tuples())  # noqa: E712


def _answers_of(question_ids: set[int], before: int) -> dict[int, tuple[dt.datetime, list[str]]]:
    """When each of these questions was asked and the entries its answer used, for those answered from knowledge."""
    found: dict[int, tuple[dt.datetime, list[str]]] = {}
    ids = sorted(q for q in question_ids if q < before)
    for chunk in range(0, len(ids), 900):  # SQLite's limit on bound parameters
        for qid, at, entry_ids in (Question.select(Question.id, Question.created_at, Answer.knowledge_ids)
                                   .join(Answer)
                                   .where(Question.id.in_(ids[chunk:chunk + 900]), Question.scope == Scope.IN_DOMAIN,
                                          Question.status == QuestionStatus.ANSWERED, Answer.source.in_(REAL))
                                   .tuples()):
            if entry_ids:
                found[qid] = (at, list(entry_ids))
    return found

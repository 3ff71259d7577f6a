"""What members went on to ask: the next question a member asked soon after one answered from an entry.

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

WINDOW = dt.timedelta(minutes=30)  # "went on to ask": within half an hour of the answered question
EARLIER = 500  # the most recent questions answered from the entry that are read
REAL = (Source.AI, Source.OFFLINE, Source.STAFF, Source.MAKINO)  # answers that came from knowledge or a person


def asked_next(entry_ids: Iterable[str], *, before: int) -> list[str]:
    """Entry ids that answered what members asked next after a question answered from one of `entry_ids`,
    most members first (then the most recent); questions from `before` on are not read."""
    wanted = set(entry_ids)
    earlier = _answered_from(wanted, before)
    if not earlier:
        return []
    following = _next_answers({user for user, _, _ in earlier}, earlier, before)
    members: dict[str, set[int]] = defaultdict(set)
    latest: dict[str, int] = {}
    for user, asked_at, qid in earlier:
        found = next(((nid, ids) for nid, at, ids in following.get(user, ())
                      if nid > qid and at <= asked_at + WINDOW), None)
        if found is None:
            continue
        nid, ids = found
        entry = next((i for i in ids if i not in wanted), None)  # the same topic again is no follow-up
        if entry is not None:
            members[entry].add(user)
            latest[entry] = max(latest.get(entry, 0), nid)
    return sorted(members, key=lambda e: (-len(members[e]), -latest[e]))


def _answered_from(wanted: set[str], before: int) -> list[tuple[int, dt.datetime, int]]:
    """(member, asked at, question id) of recent real questions answered from one of the entries."""
    if not wanted:
        return []
    like = None
    for entry in wanted:  # the ids are stored as a JSON list: a coarse LIKE, checked exactly below
        # converter=False: the pattern is not itself a JSON value to encode.
        clause = Answer.knowledge_ids ** pw.Value(f'%"{entry}"%', converter=False)
        like = clause if like is None else like | clause
    rows = (Answer.select(Question.user, Question.created_at, Question.id, Answer.knowledge_ids).join(Question)
            .where(like, Answer.source.in_(REAL), Question.id < before, Question.test == False)  # noqa: E712
            .order_by(Question.id.desc()).limit(EARLIER).tuples())
    return [(user, at, qid) for user, at, qid, ids in rows if wanted & set(ids or ())]


def _next_answers(users: set[int], earlier: list[tuple[int, dt.datetime, int]],
                  before: int) -> dict[int, list[tuple[int, dt.datetime, list[str]]]]:
    """Each member's answered questions in the window after their earliest one, in order, with the entries
    their answer used."""
    start = min(at for _, at, _ in earlier)
    end = max(at for _, at, _ in earlier) + WINDOW
    first = min(qid for _, _, qid in earlier)
    found: dict[int, list[tuple[int, dt.datetime, list[str]]]] = defaultdict(list)
    ids = sorted(users)
    for chunk in range(0, len(ids), 900):  # SQLite's limit on bound parameters
        rows = (Question.select(Question.user, Question.id, Question.created_at, Answer.knowledge_ids)
                .join(Answer)
                .where(Question.user.in_(ids[chunk:chunk + 900]), Question.id > first, Question.id < before,
                       Question.created_at >= start, Question.created_at <= end,
                       Question.scope == Scope.IN_DOMAIN, Question.status == QuestionStatus.ANSWERED,
                       Question.test == False, Answer.source.in_(REAL))  # noqa: E712
                .order_by(Question.id).tuples())
        for user, qid, at, entry_ids in rows:
            if entry_ids:
                found[user].append((qid, at, list(entry_ids)))
    return found

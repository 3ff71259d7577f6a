"""New-question themes: uncovered questions grouped by the key word they share.

The method is simple enough to explain to an operator: take the words written in kanji, katakana or
latin letters (事業承継, クリニック開業, NISA), find the word the most questions share, make those
questions a theme, and repeat with the rest.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.models import Question
from bot.states import QuestionStatus
from reports.metrics import counted
from reports.periods import Period

MAX_QUESTIONS = 50_000  # the most recent ones: enough to find the themes, bounded in memory
_CHAR = "[\u4e00-\u9fff\u3005\u30f6\u30a1-\u30fa\u30fc\u30fb]"  # kanji, katakana, ー, ・
# Runs of kanji and katakana (ドル建て終身, クーリング・オフ) may hold okurigana but not particles:
# 保険の説明 is two words.
WORD = re.compile(rf"{_CHAR}+(?:[てりしきちみいけえっ]{_CHAR}+)*|[a-z][a-z0-9]+")
STOP_WORDS = frozenset({
    "質問", "確認", "場合", "方法", "必要", "最初", "具体的", "可能", "今日", "明日", "自分", "相手", "注意",
    "説明", "提案", "大丈夫", "意味", "理由", "今後", "以上", "以下", "関係", "問題", "対応", "内容", "一番",
    "誤解", "参考", "違", "比較", "保険", "生命保険", "営業", "顧客", "客様", "先生", "会社",
})


@dataclass(frozen=True)
class Theme:
    """Questions sharing `word`; `escalated` of them went to staff."""

    word: str
    count: int
    escalated: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Themes:
    themes: tuple[Theme, ...]
    total: int  # uncovered questions read
    other: int  # those in no theme
    truncated: bool  # more uncovered questions than were read


@dataclass(frozen=True)
class _Item:
    text: str
    escalated: bool
    words: frozenset[str]


def new_question_themes(period: Period, top: int = 10, examples: int = 3) -> Themes:
    """Group the period's uncovered questions into at most `top` themes, the largest first."""
    start, end = period.utc_bounds()
    rows = (Question.select(Question.text, Question.status)
            .where(Question.created_at >= start, Question.created_at < end, Question.covered == False,  # noqa: E712
                   Question.scope == "in_domain", counted())
            .order_by(Question.created_at.desc()).limit(MAX_QUESTIONS + 1).tuples())
    texts = list(rows)
    truncated = len(texts) > MAX_QUESTIONS
    return group(texts[:MAX_QUESTIONS], top=top, examples=examples, truncated=truncated)


def group(rows: list[tuple[str, str]], *, top: int = 10, examples: int = 3, truncated: bool = False) -> Themes:
    """Greedy: the word most of the remaining questions share makes the next theme (at least two)."""
    words = [key_words(text) for text, _ in rows]
    vocabulary = set().union(*words)
    # 事業承継対策 also counts for 事業承継 when another question uses that shorter word.
    expanded = {w: _parts(w) & vocabulary | {w} for w in vocabulary}
    items = [_Item(text, status != QuestionStatus.ANSWERED, frozenset().union(*(expanded[w] for w in ws)))
             for (text, status), ws in zip(rows, words)]
    remaining = items
    themes: list[Theme] = []
    while remaining and len(themes) < top:
        counts = Counter(w for item in remaining for w in item.words)
        if not counts:
            break
        word, count = min(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
        if count < 2:
            break
        members = [item for item in remaining if word in item.words]
        themes.append(Theme(_surface(word, members[0].text), count, sum(m.escalated for m in members),
                            _examples(members, examples)))
        remaining = [item for item in remaining if word not in item.words]
    return Themes(tuple(themes), len(items), len(remaining), truncated)


def key_words(text: str) -> set[str]:
    """The content words of a question (kanji, katakana and latin runs), minus the generic ones."""
    norm = unicodedata.normalize("NFKC", text).lower()
    return {w for w in WORD.findall(norm) if len(w) >= 2 and not _generic(w)}


@lru_cache(maxsize=65536)
def _generic(word: str) -> bool:
    # A stop word, or stop words run together (提案方法 = 提案 + 方法).
    ends = {0}
    for i in range(1, len(word) + 1):
        if any(word[j:i] in STOP_WORDS for j in ends if j < i):
            ends.add(i)
    return len(word) in ends


def _surface(word: str, text: str) -> str:
    # Show the word as the user wrote it (NISA, not the normalized nisa).
    found = re.search(re.escape(word), unicodedata.normalize("NFKC", text), re.IGNORECASE)
    return found.group(0) if found else word


def _parts(word: str) -> set[str]:
    return {word[i:j] for i in range(len(word)) for j in range(i + 2, len(word) + 1) if j - i < len(word)}


def _examples(members: list[_Item], limit: int) -> tuple[str, ...]:
    seen: list[str] = []
    for item in members:
        text = " ".join(item.text.split())
        if text not in seen:
            seen.append(text)
        if len(seen) == limit:
            break
    return tuple(seen)

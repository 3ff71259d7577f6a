"""Themes by meaning: purity on the public questions, the rising rule, four weeks of questions, the cache."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from freezegun import freeze_time

from bot.encoder import load_encoder
from bot.models import Answer, Question, QuestionVector
from bot.theme_vectors import centred, group, vectors_for
from conftest import Chat
from reports.periods import weekly
from reports.themes import text
from reports.themes.meaning import candidates, theme_map
from reports.themes.rising import chance, is_rising

SHARED_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "questions.jsonl"
TOKYO = dt.timezone(dt.timedelta(hours=9))


@pytest.mark.skipif(not SHARED_EVAL.is_file(), reason="../shared/eval is not beside this clone")
def test_themes_on_the_public_questions_are_pure_and_keep_doctors_apart_from_companies():
    rows = [json.loads(line) for line in SHARED_EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["expected"]]
    encoder = load_encoder()
    labels = group(centred(encoder.encode([r["question"] for r in rows]), encoder.name))
    themes: dict[int, list[str]] = defaultdict(list)
    for row, label in zip(rows, labels):
        themes[int(label)].append(row["expected"][0])
    shown = [entries for entries in themes.values() if len(entries) >= 2]  # a theme is two questions or more
    grouped = sum(len(entries) for entries in shown)
    # Purity over the questions the themes hold: singletons (pure by definition) are left out of it.
    purity = sum(Counter(entries).most_common(1)[0][1] for entries in shown) / grouped
    assert purity >= 0.8, purity
    assert grouped >= 0.25 * len(rows), grouped  # not purity bought by leaving nearly everything alone
    mixed = [entries for entries in shown if {e[:2] for e in entries} >= {"p2", "p3"}]
    assert not mixed


def partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    for index, label in enumerate(labels):
        groups[int(label)].add(index)
    return {frozenset(members) for members in groups.values()}


@pytest.mark.parametrize("count", [2, 3, 30, 400])
def test_grouping_is_scikit_learns_average_linkage(count):
    """The numpy grouping (the worker keeps no scikit-learn) makes the groups scikit-learn makes."""
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(count)
    centres = rng.normal(size=(max(count // 6, 1), 48))
    rows = (centres[rng.integers(len(centres), size=count)] + rng.normal(scale=0.6, size=(count, 48))).astype(np.float32)
    rows = centred(rows / np.linalg.norm(rows, axis=1, keepdims=True), "no centre for this encoder")
    for threshold in (0.2, 0.5, 0.8):
        ours = group(rows, threshold)
        theirs = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=threshold).fit_predict(rows)
        assert partition(ours) == partition(theirs), threshold
        assert sorted(set(ours.tolist())) == list(range(len(set(ours.tolist()))))
    if count >= 30:
        assert 1 < len(set(group(rows, 0.5).tolist())) < count  # something merged, not everything


def test_a_rise_must_be_clear_not_noise_on_small_counts():
    assert is_rising([0, 1, 0, 5]) and is_rising([2, 2, 2, 8])
    assert not is_rising([0, 0, 0, 3])  # three questions is not yet a trend
    assert not is_rising([2, 3, 2, 5])  # within what a mean of 2.3 gives by chance
    assert not is_rising([6, 5, 7, 8])  # steady, not rising
    assert chance(5, 2.0) == pytest.approx(0.0527, abs=1e-3)


def test_the_chance_of_a_rise_is_the_poisson_tail():
    from scipy.stats import poisson  # the reference; the reports compute it without SciPy

    for mean in (0.0, 0.3, 1.0, 2.3, 5.0, 17.5, 60.0):
        for count in range(0, 90):
            expected = float(poisson.sf(count - 1, max(mean, 0.5)))
            assert chance(count, mean) == pytest.approx(expected, rel=1e-9, abs=1e-15), (count, mean)


def test_four_weeks_of_questions_show_an_uncovered_theme_rising_with_the_staff_answer_as_draft(runtime):
    chat = Chat(runtime, user="u-rise")
    steady = ["クーリング・オフはいつまでできますか？", "クーリングオフの期限を教えてください"]
    rising = ["外貨建て保険の為替リスクは？", "ドル建て保険で円高になったら損しますか？",
              "外貨建て終身保険の為替手数料はいくら？", "米ドル建ての保険は為替でどれくらい変動しますか？",
              "外貨建て保険の解約時に為替差損は出ますか？"]
    weeks = [dt.datetime(2026, 11, 9, 1), dt.datetime(2026, 11, 16, 1), dt.datetime(2026, 11, 23, 1),
             dt.datetime(2026, 11, 30, 1)]
    for number, monday in enumerate(weeks):
        asked = steady + (rising if number == 3 else rising[:1] if number == 1 else [])
        for day, question in enumerate(asked):
            with freeze_time(monday + dt.timedelta(hours=day)):
                chat.say(question, pattern=1, conversation=f"w{number}-{day}")
    first = Question.select().where(Question.text == rising[0]).order_by(Question.id.desc()).first()
    Answer.create(question=first, text="円高になると円に換えたときの受取額が減ります。為替の説明書面を必ず渡してください。",
                  source="staff")

    themes = theme_map(weekly(dt.date(2026, 12, 1), tz=TOKYO), load_encoder())

    rise = next(t for t in themes.themes if t.rising)
    assert rise.weekly == (0, 1, 0, 5) and not rise.covered
    assert "外貨建て保険" in rise.words and "為替" in rise.name
    assert candidates(themes)[0] is rise and rise.drafts[0].startswith("円高になると")
    assert all(not t.rising for t in themes.themes if t is not rise)  # the steady theme is not rising
    shown = text.candidates_text(themes)
    assert shown.index("📈 増加中") < shown.index("下書き（スタッフの回答）: 円高になると")


def test_a_question_is_encoded_once_however_many_reports_read_it(runtime):
    chat = Chat(runtime, user="u-cache")
    chat.say("事業承継の相談です", pattern=1)
    chat.say("役員退職金の計算方法は？", pattern=1)
    rows = list(Question.select(Question.id, Question.text).tuples())
    calls = []

    class Counting:
        name, dim = "e5-small", 384

        def encode(self, texts):
            calls.append(list(texts))
            return load_encoder().encode(texts)

    first = vectors_for(rows, Counting())
    again = vectors_for(rows, Counting())
    assert sum(len(c) for c in calls) <= len(rows)  # the second read came from the cache
    assert QuestionVector.select().count() == len(rows)
    assert np.allclose(first, again) and np.allclose(np.linalg.norm(again, axis=1), 1, atol=1e-5)

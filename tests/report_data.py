"""A small, hand-checked data set for the metrics, reports and dashboard tests.

JST day 2026-12-01 runs from 2026-11-30 15:00 to 2026-12-01 15:00 UTC. In it:
  questions 5 (P1 2, P2 1, P3 1, P4 1; line 3, slack 2), escalated 2 (q3, q4)  -> success 3/5 = 60%
  uncovered 2 (q3, q5)                                                          -> new-question rate 40%
  bot answers' confidence 0.9, 0.7, 0.4, 0.8, 0.6                              -> mean 0.68
  feedback Good 2 (a1, staff answer of q4), Bad 1 (a2)                          -> satisfaction 2/3
  answers shown 4 (a1, a2, a5, the staff answer; a3 and a4 were drafts)        -> response rate 3/4
  tokens in 300, out 150, cache write 1000, cache read 900                      -> cache-read share 900/2200
  cost $0.04 at 150 yen                                                          -> 6 yen
  escalations raised 2: no_knowledge/normal (open), human_request/high (answered in 2 h)
  LINE pushes 1 sent, 1 failed
Outside the day: q0 (11-30 23:59:59 JST, with an open crisis escalation) and q6 (12-02 00:00 JST).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.models import Answer, Delivery, Escalation, Feedback, Question, User

UTC_DAY_START = dt.datetime(2026, 11, 30, 15, 0)  # JST 2026-12-01 00:00


@dataclass
class Data:
    questions: dict[str, Question]
    answers: dict[str, Answer]
    escalations: dict[str, Escalation]


def at(hours: float) -> dt.datetime:
    """Hours after the start of JST 2026-12-01, as naive UTC."""
    return UTC_DAY_START + dt.timedelta(hours=hours)


def insert() -> Data:
    line = User.create(channel="line", external_id="U-line", display_name="山田")
    slack = User.create(channel="slack", external_id="U-slack", display_name="佐藤", cohort="doctor_trainee")

    def question(user: User, pattern: int, hours: float, covered: bool, status: str, text: str) -> Question:
        return Question.create(user=user, channel=user.channel, pattern=pattern, text=text, covered=covered,
                               status=status, created_at=at(hours))

    q = {
        "q0": question(line, 1, -1 / 3600, True, "escalated", "もう営業を続けられる気がしません"),
        "q1": question(line, 1, 0.5, True, "answered", "死亡保険金の非課税枠は？"),
        "q2": question(line, 1, 12, True, "answered", "クーリング・オフの期間は？"),
        "q3": question(slack, 2, 13, False, "escalated", "外貨建て保険の手数料は？"),
        "q4": question(slack, 3, 14, True, "escalated", "担当者と話したいです。役員退職金について"),
        "q5": question(line, 4, 24 - 1 / 3600, False, "answered", "外貨建て保険の解約について不安です"),
        "q6": question(line, 1, 24, True, "answered", "告知義務について教えてください"),
    }

    def answer(question: Question, source: str, confidence: float, hours: float, **usage) -> Answer:
        return Answer.create(question=question, text=f"回答: {question.text}", confidence=confidence, source=source,
                             prompt_version=f"p{question.pattern}-v1" if source == "ai" else "", created_at=at(hours),
                             knowledge_ids=["t1-0001"] if source != "staff" else [], **usage)

    a = {
        "a1": answer(q["q1"], "ai", 0.9, 0.5, input_tokens=100, output_tokens=50, cache_read_tokens=900,
                     cost_usd=0.02),
        "a2": answer(q["q2"], "offline", 0.7, 12),
        "a3": answer(q["q3"], "ai", 0.4, 13, input_tokens=200, output_tokens=100, cache_write_tokens=1000,
                     cost_usd=0.02),
        "a4": answer(q["q4"], "ai", 0.8, 14),
        "a4s": answer(q["q4"], "staff", 1.0, 16),
        "a5": answer(q["q5"], "ai", 0.6, 24 - 1 / 3600),
    }
    Feedback.create(answer=a["a1"], rating="good", created_at=at(1))
    Feedback.create(answer=a["a2"], rating="bad", reason="わかりにくい", created_at=at(12.5))
    Feedback.create(answer=a["a4s"], rating="good", created_at=at(17))
    e = {
        "e0": Escalation.create(question=q["q0"], reason="crisis", urgency="high", created_at=at(-1 / 3600)),
        "e3": Escalation.create(question=q["q3"], draft=a["a3"], reason="no_knowledge", created_at=at(13)),
        "e4": Escalation.create(question=q["q4"], draft=a["a4"], reason="human_request", urgency="high",
                                status="answered", answered_by="staff1", answered_at=at(16), created_at=at(14)),
    }
    Delivery.create(channel="line", method="push", answer=a["a4s"], created_at=at(16))
    Delivery.create(channel="line", method="push", ok=False, error="429", created_at=at(16.5))
    Delivery.create(channel="line", method="reply", created_at=at(1))
    Delivery.create(channel="slack", method="post", created_at=at(1))
    Delivery.create(channel="line", method="push", created_at=at(24))  # the next JST day
    return Data(q, a, e)

"""Claude's cost per answer by model, and the share of the prompt read from the cache (monthly report)."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

from bot.models import Answer, Question
from bot.states import Source
from reports import markdown as md
from reports.metrics import counted
from reports.periods import Period


@dataclass(frozen=True)
class ModelCost:
    """One model's answers in a period: how many, what they cost, how much of their prompt came from the cache."""

    model: str
    answers: int
    cost_usd: float
    prompt_tokens: int
    cache_read_tokens: int

    @property
    def per_answer_usd(self) -> float | None:
        return self.cost_usd / self.answers if self.answers else None

    @property
    def cache_read_share(self) -> float | None:
        return self.cache_read_tokens / self.prompt_tokens if self.prompt_tokens else None


def model_costs(period: Period) -> list[ModelCost]:
    """Claude's answers in `period` by model, dearest first."""
    start, end = period.utc_bounds()
    prompt = fn.SUM(Answer.input_tokens + Answer.cache_write_tokens + Answer.cache_read_tokens)
    rows = (Answer.select(Answer.model, fn.COUNT(Answer.id), fn.SUM(Answer.cost_usd), prompt,
                          fn.SUM(Answer.cache_read_tokens))
            .join(Question)
            .where(Answer.source == Source.AI, Answer.created_at >= start, Answer.created_at < end, counted())
            .group_by(Answer.model).tuples())
    found = [ModelCost(model or "?", int(n), float(cost or 0), int(tokens or 0), int(read or 0))
             for model, n, cost, tokens, read in rows]
    return sorted(found, key=lambda m: -m.cost_usd)


def model_cost_table(costs: list[ModelCost], usd_jpy: float) -> str:
    """Per model: answers, cost, cost per answer (yen), cache-read share."""
    rows = [[m.model, md.count(m.answers), md.yen(m.cost_usd * usd_jpy),
             md.NONE if m.per_answer_usd is None else f"{m.per_answer_usd * usd_jpy:,.2f}円",
             md.pct(m.cache_read_share)] for m in costs]
    return "モデル別:\n\n" + md.table(["モデル", "AI 回答数", "利用額", "1回答あたり", "キャッシュ読込の割合"], rows)

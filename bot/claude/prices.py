"""What Claude costs: the price table, the long-prompt tier, and an unknown model at the dearest price."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot.answering import Usage

log = logging.getLogger(__name__)

LONG_PROMPT_TOKENS = 100_000  # a prompt (input + cache write + cache read) above this bills every token at the long rate


@dataclass(frozen=True)
class Price:
    """USD per million tokens: input, output, cache write (5 min), cache read."""

    input: float
    output: float
    cache_write: float
    cache_read: float


# Anthropic's list prices (platform.claude.com/docs, models overview pages, 2026-12).
PRICES: dict[str, Price] = {
    "claude-haiku-5-5": Price(0.10, 0.50, 0.125, 0.01),
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 0.10),
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 0.20),
    "claude-opus-5-5": Price(4.00, 20.00, 5.00, 0.20),
    "claude-opus-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-fable-5-1": Price(10.00, 50.00, 12.50, 1.00),
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
}
# Models whose prompts above LONG_PROMPT_TOKENS bill at a second rate card.
LONG_PRICES: dict[str, Price] = {
    "claude-haiku-5-5": Price(0.50, 2.50, 0.625, 0.05),
}
# An unknown model: each rate at the dearest any known model charges, so the budget guard errs on the safe side.
DEAREST = Price(*(max(getattr(p, f) for p in [*PRICES.values(), *LONG_PRICES.values()])
                  for f in ("input", "output", "cache_write", "cache_read")))

_warned: set[str] = set()
_warned_lock = threading.Lock()


def price_known(model: str) -> bool:
    """Whether the table has `model`'s price (a dated id like claude-haiku-4-5-20251001 counts as its family)."""
    return _lookup(PRICES, model) is not None


def price_of(model: str, prompt_tokens: int = 0) -> Price:
    """The rate card for `model` at a prompt of `prompt_tokens`; the dearest, logged once, when unknown."""
    if prompt_tokens > LONG_PROMPT_TOKENS and (long := _lookup(LONG_PRICES, model)) is not None:
        return long
    price = _lookup(PRICES, model)
    if price is not None:
        return price
    with _warned_lock:
        first = model not in _warned
        _warned.add(model)
    if first:
        log.warning("no price for model %s: costed at the dearest rates (%s)", model, DEAREST)
    return DEAREST


def cost_usd(model: str, usage: Usage) -> float:
    """What `usage` costs on `model`."""
    prompt = usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens
    price = price_of(model, prompt)
    total = (usage.input_tokens * price.input + usage.output_tokens * price.output
             + usage.cache_write_tokens * price.cache_write + usage.cache_read_tokens * price.cache_read)
    return round(total / 1_000_000, 8)


def _lookup(table: dict[str, Price], model: str) -> Price | None:
    if model in table:
        return table[model]
    family = model.rsplit("-", 1)[0] if model[-8:].isdigit() else ""  # claude-x-y-20251001 -> claude-x-y
    return table.get(family)

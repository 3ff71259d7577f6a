"""Claude: the request, the answerer, prices, the model check and the evaluation through Message Batches.

The anthropic SDK takes ~2 s to import: only `bot.claude.answerer` and the modules that call the API load it.
"""
from bot.claude.prices import cost_usd
from bot.claude.request import ANSWER_SCHEMA, build_messages, build_system

__all__ = ["ANSWER_SCHEMA", "build_messages", "build_system", "cost_usd"]

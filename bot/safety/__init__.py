"""Safety screening, run first on every message: the rules (reading, rules) and a model of meaning
(model, fitted by train) read each message side by side (screener); replies says what the member is told."""
from typing import Any

from bot.safety.replies import (HELPLINE_MARKERS, HELPLINES, crisis_message, crisis_more, gentle_line, has_help_line,
                                is_crisis_reply, someone_in_danger_message)
from bot.safety.screening import Screening

__all__ = ["HELPLINES", "HELPLINE_MARKERS", "Screening", "crisis_message", "crisis_more", "gentle_line", "has_help_line",
           "is_crisis_reply", "screen", "sentences", "someone_in_danger_message"]


def __getattr__(name: str) -> Any:
    # The rules (~10 MB of patterns) load where a message is read, not in the web process that only stores it.
    if name in ("screen", "sentences"):
        from bot.safety import reading
        return getattr(reading, name)
    raise AttributeError(f"module 'bot.safety' has no attribute {name!r}")

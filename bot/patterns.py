"""The four Pattern personas: prompt file, knowledge scope, confidence threshold."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot import helplines

PROMPT_DIR = Path(__file__).with_name("prompts")


@dataclass(frozen=True)
class Pattern:
    """A persona. Knowledge scope: entries of this Pattern plus those for every Pattern."""

    number: int
    name: str
    description: str
    threshold: float  # below this confidence the answer goes to staff
    invitation: str = ""  # how the bot invites a first message when the user picks this Pattern

    @property
    def supports_feelings(self) -> bool:
        """The persona that gives psychological support: whatever a member brings is its topic."""
        return self.number == 4

    @property
    def prompt_file(self) -> Path:
        return PROMPT_DIR / f"pattern{self.number}.md"

    @property
    def label(self) -> str:
        return f"Pattern {self.number}「{self.name}」"


PATTERNS: dict[int, Pattern] = {
    1: Pattern(1, "汎用Q&A", "生命保険営業のノウハウや塾のルール、学習のこと", 0.6,
               "生命保険営業のノウハウや塾のルール、学習のことについて、どうぞお気軽にご質問ください。"),
    2: Pattern(2, "ドクター", "医師・クリニック向けの提案（承継、医療法人、所得補償）", 0.7,
               "医師・クリニック向けの提案（承継、医療法人、所得補償）について、どうぞお気軽にご質問ください。"),
    3: Pattern(3, "法人", "法人向けの提案（役員退職金、事業承継、経営者保険、税務）", 0.7,
               "法人向けの提案（役員退職金、事業承継、経営者保険、税務）について、どうぞお気軽にご質問ください。"),
    # The persona of Makino: a wrong word to someone struggling costs more, so it is strictest.
    4: Pattern(4, "人格エージェント", "牧野先生の考え方に基づく励ましと、営業の悩みのご相談", 0.75,
               "営業のことで悩んでいること、つらいと感じていることがあれば、どうぞ気軽にお話しください。"
               "牧野先生の考え方をもとに、一緒に考えます。"),
}


class UnknownPattern(ValueError):
    """A Pattern number outside 1-4."""


def get_pattern(number: int | str | None) -> Pattern:
    """The Pattern with this number; UnknownPattern with a clear message otherwise."""
    try:
        return PATTERNS[int(number)]  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        raise UnknownPattern(f"Pattern {number} はありません（1〜4 を指定してください）") from None


@cache
def system_prompt(number: int) -> str:
    """The persona's system prompt: the shared rules, then the persona itself."""
    common = (PROMPT_DIR / "common.md").read_text(encoding="utf-8").strip()
    persona = get_pattern(number).prompt_file.read_text(encoding="utf-8").strip()
    # The help lines come from the one list, so a prompt can never give a number the crisis reply does not.
    return f"{common}\n\n{persona}".replace("{helplines}", helplines.listed())


@cache
def prompt_version(number: int) -> str:
    """A short hash of the prompt text: reports compare satisfaction across prompt versions."""
    return f"p{number}-" + hashlib.sha256(system_prompt(number).encode()).hexdigest()[:8]

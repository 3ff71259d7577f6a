"""One list of help lines: every text in the repository that states a help-line number states one of these."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import helplines
from bot.knowledge import load_dir
from bot.patterns import PATTERNS, system_prompt
from bot.safety import crisis_message, crisis_more, someone_in_danger_message

ROOT = Path(__file__).resolve().parent.parent
# A Japanese phone number: 0 then three groups, with hyphens, dashes or spaces between them.
PHONE = re.compile(r"(?<![\d-])0\d{1,4}[-‐－ ]\d{1,4}[-‐－ ]\d{3,4}(?![\d-])")
TEXTS = ("bot/prompts/*.md", "knowledge/**/*.md", "docs/*.md", "README.md", "bot/*.py", "adapters/*.py",
         "tests/data/knowledge/*.md", "rollout.toml", "manifest.yml")


def unknown_numbers(text: str) -> list[str]:
    """The phone numbers in `text` the list does not have (separators read as hyphens)."""
    found = (re.sub(r"[‐－ ]", "-", number) for number in PHONE.findall(text))
    return [number for number in found if number not in helplines.NUMBERS]


def test_a_number_not_in_the_list_is_found():
    assert unknown_numbers("いのちの電話 0570-000-556 へ") == ["0570-000-556"]
    assert unknown_numbers("よりそいホットライン 0120 279 338（無料）") == []


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_every_prompt_gives_the_listed_lines_free_ones_first(pattern):
    prompt = system_prompt(pattern)
    assert "{helplines}" not in prompt and unknown_numbers(prompt) == []
    at = [prompt.index(line) for line in helplines.HELPLINES]
    assert at == sorted(at)
    free = [prompt.index(line.number) for line in helplines.LINES if line.free]
    paid = [prompt.index(line.number) for line in helplines.LINES if not line.free]
    assert max(free) < min(paid)


def test_no_text_in_the_repository_states_another_number():
    offenders = {}
    for pattern in TEXTS:
        for path in ROOT.glob(pattern):
            if path.name != "helplines.py" and (bad := unknown_numbers(path.read_text(encoding="utf-8"))):
                offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


def test_the_crisis_replies_and_the_help_line_entry_give_the_same_numbers():
    for text in (crisis_message() + crisis_more(), someone_in_danger_message()):
        assert all(line in text for line in helplines.HELPLINES)
    entries, _ = load_dir(ROOT / "knowledge")
    entry = next(e for e in entries if e.id == "p4-0014")
    numbers = [re.sub(r"[‐－ ]", "-", n) for n in PHONE.findall(entry.body)]
    assert numbers == list(helplines.NUMBERS)  # every line, free ones first, in the list's order
    assert all(line.hours in entry.body for line in helplines.LINES)

"""Makino's decision written into a curated knowledge file: only the lines it changes."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.knowledge import Entry, parse_entry

DECISION_KEYS = ("approved_by", "approved_on", "rejected_by")


def write_decision(path: Path, entry: Entry) -> None:
    """Set the decision's front-matter lines (and the body, when he edited it); the curator's comments,
    key order and other lines stay as written."""
    lines = path.read_text(encoding="utf-8").splitlines()
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    for key in DECISION_KEYS:
        value = getattr(entry, key)
        at = next((i for i in range(1, end) if lines[i].startswith(f"{key}:")), None)
        if value is None and at is not None:
            del lines[at]
            end -= 1
        elif value is not None and at is None:
            lines.insert(end, f"{key}: {_scalar(value)}")
            end += 1
        elif value is not None:
            lines[at] = f"{key}: {_scalar(value)}"
    text = "\n".join(lines[:end + 1] + entry.body.splitlines()) + "\n"
    written = parse_entry(text, path)
    if any(getattr(written, k) != getattr(entry, k) for k in (*DECISION_KEYS, "body")):
        raise ValueError(f"{path}: Makino's decision could not be written back")
    path.write_text(text, encoding="utf-8")


def _scalar(value: str) -> str:
    # A quoted date stays a string when read back ('2026-12-06'), as the parser keeps it.
    return yaml.safe_dump(value, allow_unicode=True, width=10_000).removesuffix("...\n").strip()

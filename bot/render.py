"""One answer, rendered for each channel: LINE and the terminal get plain text, Slack its mrkdwn.

Answers are written in a small Markdown (the knowledge files, Claude's answers): bold, headings, bullets,
numbered lists, tables, links and quotes. LINE shows every symbol as typed, so `plain` keeps the structure
(bullets as ・, headings as 【…】, a table as one line per row) and drops the markers; `mrkdwn` turns the same
into what Slack shows (*bold*, • bullets, <url|text> links).
"""
from __future__ import annotations

import re
from typing import Callable

BULLET = "・"
SLACK_BULLET = "• "
ZWSP = "\u200b"  # Slack reads *bold* only at a word boundary, which Japanese text lacks

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s*>\s?")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BLANKS = re.compile(r"\n{3,}")


def plain(text: str) -> str:
    """Markdown as plain text a phone shows well (LINE, the terminal): no **, ## or table pipes."""
    return _render(text, heading=lambda t: f"【{t}】", bullet=BULLET, inline=_plain_inline, rule="――")


def mrkdwn(text: str) -> str:
    """Markdown as Slack mrkdwn: *bold*, • bullets, <url|text> links, &, < and > escaped."""
    return _render(text, heading=lambda t: f"{ZWSP}*{t}*{ZWSP}", bullet=SLACK_BULLET, inline=_slack_inline, rule="――")


def is_plain(text: str) -> bool:
    """Whether a text shows no Markdown markers: no **, no ## heading, no table (what LINE must never get)."""
    return "**" not in text and not re.search(r"^\s*#{1,6}\s", text, re.M) and not any(
        _TABLE_ROW.match(line) or _TABLE_RULE.match(line) and "|" in line for line in text.splitlines())


def _render(text: str, *, heading: Callable[[str], str], bullet: str, inline: Callable[[str], str],
            rule: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _TABLE_ROW.match(lines[i]) and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and _TABLE_ROW.match(lines[end]):
                end += 1
            out += [inline(row) for row in _table(lines[i], lines[i + 2:end], bullet)]
            i = end
            continue
        out.append(_line(lines[i], heading=heading, bullet=bullet, inline=inline, rule=rule))
        i += 1
    return _BLANKS.sub("\n\n", "\n".join(out)).strip()


def _line(line: str, *, heading: Callable[[str], str], bullet: str, inline: Callable[[str], str],
          rule: str) -> str:
    if _RULE.match(line):
        return rule
    if m := _HEADING.match(line):
        return heading(inline(m.group(2).replace("**", "")))
    if m := _BULLET.match(line):
        depth = len(m.group(1).expandtabs(4)) // 2
        return "　" * depth + bullet + inline(m.group(2))
    if _QUOTE.match(line):
        return inline(_QUOTE.sub("", line))
    if _TABLE_ROW.match(line):  # a row without a header rule: its cells as one line
        return inline("　".join(_cells(line)))
    return inline(line)


def _table(header: str, rows: list[str], bullet: str) -> list[str]:
    """A table as one line per row: two columns as 'key：value', more as 'heading：value、…'."""
    names = _cells(header)
    lines = []
    for row in rows:
        cells = _cells(row)
        if len(names) == 2 and len(cells) == 2:
            lines.append(f"{bullet}{cells[0]}：{cells[1]}")
        else:
            pairs = [f"{n}：{c}" if n else c for n, c in zip(names + [""] * len(cells), cells) if c]
            lines.append(bullet + "、".join(pairs))
    return lines


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _plain_inline(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) == m.group(2) else f"{m.group(1)}（{m.group(2)}）", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


def _slack_inline(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    links: list[str] = []

    def keep(m: re.Match[str]) -> str:  # links are set aside so their URLs' underscores stay as they are
        links.append(f"<{m.group(2)}|{m.group(1)}>")
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(keep, text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _BOLD.sub(ZWSP + r"*\2*" + ZWSP, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)

"""Write bot/data/sudachi_user.csv: the nouns the code, the thesaurus and the shipped knowledge name that
Sudachi's core dictionary keeps whole and the small one splits (担当者, 事務局, 契約者, 保険金 …).

The bot reads with the small dictionary (about 75 MiB less resident memory in the worker, README "Memory");
this user dictionary keeps the words its rules and thesaurus are written in one word, as core read them.
Run it with sudachidict-core installed (a development step, not a requirement of the bot), then build:

    pip install sudachidict-core==20261015
    .venv/bin/python tools/sudachi_user_words.py
    .venv/bin/sudachipy ubuild -s "$(python -c 'import sudachidict_small,os;print(os.path.dirname(sudachidict_small.__file__))')/resources/system.dic" \
        -o bot/data/sudachi_user.dic bot/data/sudachi_user.csv
"""
from __future__ import annotations

import ast
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

from sudachipy import Dictionary, SplitMode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "data" / "sudachi_user.csv"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Connection ids of unidic-mecab 2.1.2 that Sudachi's user dictionary guide recommends; the POS written in the
# entry stays core's own (the ids only steer how the word joins its neighbours).
COMMON_NOUN, SURU_NOUN, PROPER_NOUN = 5146, 5133, 4786
# Low enough that the word is read whole where core reads it whole: of 1,000 and others tried (3,000, -1,000,
# -5,000), the development corpora read most like core (93% of 5,218 messages word for word).
COST = 1000


def texts() -> list[str]:
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and JAPANESE.search(node.value):
                found.append(node.value)
    for path in sorted([*(ROOT / "bot").rglob("*.yaml"), *(ROOT / "knowledge").rglob("*.md")]):
        found.append(path.read_text(encoding="utf-8"))
    return found


def reference(m) -> str:  # noqa: ANN001 - a Sudachi morpheme
    return ",".join([m.surface(), *m.part_of_speech(), m.reading_form()])


def units(m, mode, small) -> str:  # noqa: ANN001
    """Core's split of the word, when the small dictionary has every part as core has it (else none)."""
    parts = m.split(mode)
    if len(parts) < 2:
        return "*"
    for part in parts:
        read = small.tokenize(part.surface(), SplitMode.A)
        if len(read) != 1 or reference(read[0]) != reference(part):
            return "*"
    return "/".join(reference(p) for p in parts)


def row(m, small) -> list[str]:  # noqa: ANN001
    pos = m.part_of_speech()
    ids = PROPER_NOUN if pos[1] == "固有名詞" else SURU_NOUN if pos[2] == "サ変可能" else COMMON_NOUN
    a, b = units(m, SplitMode.A, small), units(m, SplitMode.B, small)
    b = "*" if b == a else b
    kind = "C" if b != "*" else "B" if a != "*" else "A"
    synonyms = "/".join(str(g) for g in m.synonym_group_ids()) or "*"
    # The headword as Sudachi looks words up: after its own normalisation (NFKC, lower case).
    headword = unicodedata.normalize("NFKC", m.surface()).lower()
    return [headword, str(ids), str(ids), str(COST), m.surface(), *pos, m.reading_form(), m.normalized_form(),
            "*", kind, a, b, "*", synonyms]


def _fixed(pos: tuple[str, ...]) -> bool:
    """Words that do not conjugate, so one entry is every form: nouns, adnominals, adverbs."""
    return pos[0] == "名詞" and pos[1] in ("普通名詞", "固有名詞") or pos[0] in ("連体詞", "副詞")


def corpus() -> list[str]:
    """Messages as members write them (the safety training corpus, the search development sets): where the
    code's words are spelt as people spell them (ご馳走 for 御馳走)."""
    lines = []
    for path in sorted([*(ROOT / "eval" / "safety-train").glob("*.jsonl"), *(ROOT / "eval").glob("fresh-*.jsonl")]):
        lines += [(lambda row: row.get("question") or row.get("text", ""))(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def main() -> int:
    core, small = Dictionary(dict="core").tokenizer(), Dictionary(dict="small").tokenizer()
    rows: dict[str, list[str]] = {}
    named: set[str] = set()  # the normalised forms of the nouns the code and knowledge name

    def read(text: str, keep) -> None:  # noqa: ANN001
        for chunk in re.findall(r"[^\s]+", text):
            chunk = chunk[:4000]
            # Where small ends a word, in this sentence: a word it splits here, though maybe not alone (今まで).
            ends = {m.end() for m in small.tokenize(chunk, SplitMode.C)}
            for m in core.tokenize(chunk, SplitMode.C):
                surface, pos = m.surface(), m.part_of_speech()
                if (surface in rows or m.is_oov() or len(surface) < 2 or not JAPANESE.search(surface)
                        or not _fixed(pos) or not keep(m)):
                    continue
                named.add(m.normalized_form())
                if any(m.begin() < end < m.end() for end in ends) or len(small.tokenize(surface, SplitMode.C)) > 1:
                    rows[surface] = row(m, small)

    for text in texts():
        read(text, lambda m: True)
    for text in corpus():
        read(text, lambda m: True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows[s] for s in sorted(rows))
    print(f"{len(rows)} words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write and build bot/data/sudachi_user.csv and .dic: core's readings of the words Sudachi's core dictionary
keeps whole and the small one splits.

The bot reads with the small dictionary (about 70 MiB less resident memory in the worker, README "Memory"). This
user dictionary holds (bot/data/README.md):
- the nouns, adnominals and adverbs of the code, the thesaurus, the shipped knowledge and the development corpora
  (担当者, 事務局, 今まで), read eagerly (COST);
- every common noun of core's in kanji and katakana only (動物病院, 獣医師), at the cost core gives it (_calibrate).
Run it with sudachidict-core installed (a development step, not a requirement of the bot):

    pip install sudachidict-core==20261015
    .venv/bin/python tools/sudachi_user_words.py
"""
from __future__ import annotations

import ast
import csv
import json
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

from sudachipy import Dictionary, SplitMode
from sudachipy.sudachipy import build_user_dic

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "data" / "sudachi_user.csv"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
COMPOUND = re.compile(r"[\u30a1-\u30ff\u4e00-\u9fff々]+")
# Connection ids of unidic-mecab 2.1.2 that Sudachi's user dictionary guide recommends; the POS written in the
# entry stays core's own (the ids only steer how the word joins its neighbours).
COMMON_NOUN, SURU_NOUN, PROPER_NOUN = 5146, 5133, 4786
# Low enough that the word is read whole where core reads it whole: of 1,000 and others tried (3,000, -1,000,
# -5,000), the development corpora read most like core (93% of 5,218 messages word for word).
COST = 1000
PLACES = ("の{}の", "。{}の", "。{}は", "。{}さ", "の{}を", "の{}に", "の{}が", "の{}。", "。{}。")
PASSES, STEP = 4, 1500  # how a compound that reads as two of this dictionary's words is made cheaper
MARGIN = 200  # how much cheaper than small's own parts a calibrated word is, in the place it is calibrated in


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
        if len(read) != 1 or read[0].is_oov() or reference(read[0]) != reference(part):
            return "*"
    return "/".join(reference(p) for p in parts)


def entry(m, small) -> list[str]:  # noqa: ANN001
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
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                lines.append(item.get("question") or item.get("text", ""))
    return lines


def main() -> int:
    core_dictionary = Dictionary(dict="core")
    core, small = core_dictionary.tokenizer(), Dictionary(dict="small").tokenizer()
    rows: dict[str, list[str]] = {}

    def read(text: str) -> None:
        for chunk in re.findall(r"[^\s]+", text):
            chunk = chunk[:4000]
            # Where small ends a word, in this sentence: a word it splits here, though maybe not alone (今まで).
            ends = {m.end() for m in small.tokenize(chunk, SplitMode.C)}
            for m in core.tokenize(chunk, SplitMode.C):
                surface, pos = m.surface(), m.part_of_speech()
                if (surface in rows or m.is_oov() or len(surface) < 2 or not JAPANESE.search(surface)
                        or not _fixed(pos)):
                    continue
                if any(m.begin() < end < m.end() for end in ends) or len(small.tokenize(surface, SplitMode.C)) > 1:
                    rows[surface] = entry(m, small)

    for text in [*texts(), *corpus()]:
        read(text)
    named_words = set(rows)  # the words the rules, the thesaurus and the knowledge are written in: read eagerly
    # And every common noun of core's that small splits: search reads a question's topic in long units, and
    # 動物病院 read as 動物 + 病院 (a hospital), or 獣医師 as 獣 + 医師 (a doctor), is another topic.
    for m in core_dictionary.entries():
        surface, pos = m.surface(), m.part_of_speech()
        # Compounds in kanji and katakana only: a noun with kana in it (した for 下, 死に, もう先) is read out of
        # particles, verb forms and adverbs wherever it stands.
        if (surface in rows or len(surface) < 2 or pos[:2] != ("名詞", "普通名詞") or not COMPOUND.fullmatch(surface)):
            continue
        if len(small.tokenize(surface, SplitMode.C)) > 1:
            rows[surface] = entry(m, small)
    for surface in _calibrate({s: item for s, item in rows.items() if s not in named_words}, core):
        del rows[surface]
    _write(rows, OUT)
    _build(OUT, OUT.with_suffix(".dic"))
    # Each cost was set against small alone; a long compound may now read as two shorter ones of this dictionary
    # (エボラ + 出血熱). Make those a little cheaper until they read whole, and leave out any that never do.
    for attempt in range(PASSES + 1):
        mine = Dictionary(config=json.dumps({"userDict": [str(OUT.with_suffix(".dic"))]}), dict="small").tokenizer()
        apart = [s for s, item in rows.items() if not _whole(mine.tokenize(f"の{item[4]}の", SplitMode.C), item[4])]
        if not apart:
            break
        for surface in apart:
            if attempt == PASSES:
                del rows[surface]
            else:
                rows[surface][3] = str(max(-32767, int(rows[surface][3]) - STEP))
        _write(rows, OUT)
        _build(OUT, OUT.with_suffix(".dic"))
    print(f"{len(rows)} words -> {OUT}, {OUT.with_suffix('.dic')}")
    return 0


def _whole(read, word: str) -> bool:  # noqa: ANN001 - a Sudachi MorphemeList
    return len(read) == 3 and read[1].surface() == word


def _write(rows: dict[str, list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows[s] for s in sorted(rows))


def _build(source: Path, target: Path) -> None:
    import sudachidict_small
    system = Path(sudachidict_small.__file__).parent / "resources" / "system.dic"
    target.unlink(missing_ok=True)
    build_user_dic(system=str(system), lex=[str(source)], output=str(target), description="bansou")


def _calibrate(rows: dict[str, list[str]], core) -> list[str]:  # noqa: ANN001 - core's tokenizer
    """Each word's cost as core has it, which SudachiPy does not expose: the cost of reading の + word + の with
    core, less the same with this dictionary at cost 0 (the connections to の are then counted alike, the ids
    being the guide's and not core's own). Returns the words core itself does not read whole there: left out."""
    uncalibrated = []
    with tempfile.TemporaryDirectory() as tmp:
        zero = {s: [*item[:3], "0", *item[4:]] for s, item in rows.items()}
        _write(zero, Path(tmp) / "zero.csv")
        _build(Path(tmp) / "zero.csv", Path(tmp) / "zero.dic")
        mine = Dictionary(config=json.dumps({"userDict": [str(Path(tmp) / "zero.dic")]}), dict="small").tokenizer()
        small = Dictionary(dict="small").tokenizer()
        for surface, item in rows.items():
            word = item[4]
            theirs, ours = core.tokenize(f"の{word}の", SplitMode.C), mine.tokenize(f"の{word}の", SplitMode.C)
            if not (_whole(theirs, word) and _whole(ours, word)):
                uncalibrated.append(surface)
                continue
            cost = theirs.get_internal_cost() - ours.get_internal_cost()
            # But never so high that small's own parts win where core reads it whole: in the places a noun
            # stands (after a sentence's start or a particle, before a particle or a full stop). The reading's
            # cost leaves out its first word, so each place opens with one (の, 。).
            for place in PLACES:
                text = place.format(word)
                theirs, ours = core.tokenize(text, SplitMode.C), mine.tokenize(text, SplitMode.C)
                if _whole(theirs, word) and _whole(ours, word):
                    cost = min(cost, small.tokenize(text, SplitMode.C).get_internal_cost() - ours.get_internal_cost()
                               - MARGIN)
            item[3] = str(max(-32767, min(32767, cost)))
    return uncalibrated


if __name__ == "__main__":
    sys.exit(main())

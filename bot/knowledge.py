"""The knowledge base: Markdown entries with front matter, their validation, and the text search compares."""
from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

MAKINO = "makino"  # approved_by of what Makino himself approved (a Slack button, his own answer)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
CHECKED_PATTERN = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")


class KnowledgeError(ValueError):
    """A knowledge file is malformed; `str()` names the file and the line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = str(path), line


@dataclass(frozen=True)
class Entry:
    """One knowledge entry: a question and its answer, for one Pattern or all (None)."""

    id: str
    question: str
    body: str
    pattern: int | None = None
    tags: tuple[str, ...] = ()
    source: str = ""
    approved_by: str | None = None
    path: str | None = None
    phrasings: tuple[str, ...] = ()  # other ways people ask it; search reads them as the question
    approved_on: str | None = None  # YYYY-MM-DD, when approved_by approved it
    checked: str | None = None  # YYYY-MM, when its tax or legal statements were last checked
    rejected_by: str | None = None  # Makino rejected this draft: it is never used

    @property
    def awaits_approval(self) -> bool:
        """Pattern 4 gives Makino's words: its entries are his only once he, no one else, approved them."""
        return self.pattern == 4 and self.approved_by != MAKINO and not self.rejected_by

    @property
    def makinos_words(self) -> bool:
        """A Pattern 4 entry Makino approved: the one kind that may be given as his words."""
        return self.pattern == 4 and self.approved_by == MAKINO and not self.rejected_by

    def check_older_than(self, month: str) -> bool:
        """Whether its statements were last checked before `month` (YYYY-MM)."""
        return bool(self.checked) and self.checked < month

    @property
    def checksum(self) -> str:
        text = "\x1f".join([self.id, str(self.pattern), self.question, self.body, ",".join(self.tags),
                            self.source, self.approved_by or "", "\x1e".join(self.phrasings),
                            self.approved_on or "", self.checked or "", self.rejected_by or ""])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_entry(text: str, path: Path | str = "<text>") -> Entry:
    """Parse one knowledge file; raise KnowledgeError naming the line at fault."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise KnowledgeError(path, 1, "ファイルの 1 行目は front matter の開始行 '---' にしてください")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise KnowledgeError(path, 1, "front matter が '---' の行で閉じられていません")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        raise KnowledgeError(path, line, f"front matter の書き方が YAML として正しくありません（{getattr(exc, 'problem', exc)}）") from None
    if not isinstance(meta, dict):
        raise KnowledgeError(path, 2, "front matter は「項目: 値」の行で書いてください")
    body = "\n".join(lines[end + 1:]).strip()
    return _entry_from_meta(meta, body, path, lines[:end])


def load_dir(directory: Path) -> tuple[list[Entry], list[KnowledgeError]]:
    """Read every entry under `directory`; return the good entries and the errors."""
    entries: list[Entry] = []
    errors: list[KnowledgeError] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            entry = parse_entry(path.read_text(encoding="utf-8"), path)
        except UnicodeDecodeError:
            errors.append(KnowledgeError(path, 1, "ファイルが UTF-8 のテキストではありません（UTF-8 で保存し直してください）"))
            continue
        except KnowledgeError as exc:
            errors.append(exc)
            continue
        if entry.id in seen:
            errors.append(KnowledgeError(path, _line_of(path, "id:"), f"id {entry.id} は {seen[entry.id]} でも使われています（id は重ならないようにしてください）"))
            continue
        seen[entry.id] = str(path)
        entries.append(entry)
    return entries, errors


def render_entry(entry: Entry) -> str:
    """The Markdown file text of an entry (inverse of parse_entry)."""
    meta: dict[str, object] = {"id": entry.id}
    if entry.pattern is not None:
        meta["pattern"] = entry.pattern
    meta["question"] = entry.question
    if entry.phrasings:
        meta["phrasings"] = list(entry.phrasings)
    meta["tags"] = list(entry.tags)
    meta["source"] = entry.source
    for key in ("approved_by", "approved_on", "rejected_by", "checked"):
        if getattr(entry, key):
            meta[key] = getattr(entry, key)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None).strip()
    return f"---\n{front}\n---\n{entry.body}\n"


class Thesaurus:
    """Folds domain synonyms (お医者さん → 医師) into one term before search reads text. A value handed to
    whatever folds, not a process global: each knowledge base folds by its own KNOWLEDGE_DIR's words."""

    def __init__(self, groups: dict[str, list[str]] | None = None) -> None:
        self._canonical: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self.add(groups or {})

    def add(self, groups: dict[str, list[str]]) -> None:
        for canonical, variants in groups.items():
            for variant in variants or []:
                key = unicodedata.normalize("NFKC", str(variant)).lower()
                self._canonical[key] = unicodedata.normalize("NFKC", str(canonical)).lower()
        if self._canonical:
            alternatives = sorted(self._canonical, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, alternatives)))

    def fold_synonyms(self, text: str) -> str:
        """NFKC, lower case, and the domain synonyms folded into one term."""
        text = unicodedata.normalize("NFKC", text).lower()
        return self._pattern.sub(lambda m: self._canonical[m.group(0)], text) if self._pattern else text

    def normalize(self, text: str) -> str:
        """NFKC, lower case, synonyms folded, only letters and digits: what search compares."""
        return _NOT_WORD.sub("", self.fold_synonyms(text))

    def bigrams(self, text: str, *, folded: bool = False) -> list[str]:
        """Character bigrams of the normalized text (a single character stays a unigram); `folded`
        says `text` has been through fold_synonyms already."""
        norm = _NOT_WORD.sub("", text) if folded else self.normalize(text)
        if len(norm) < 2:
            return [norm] if norm else []
        return list(map(operator.add, norm, norm[1:]))  # pairs by map: a fifth faster than slicing

    @classmethod
    def load(cls, *paths: Path) -> "Thesaurus":
        thesaurus = cls()
        for path in paths:
            if path.is_file():
                thesaurus.add(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        return thesaurus

    @classmethod
    def for_dir(cls, knowledge_dir: Path) -> "Thesaurus":
        """The shipped thesaurus plus KNOWLEDGE_DIR/thesaurus.yaml (if any)."""
        return cls.load(_SHIPPED_FILE, knowledge_dir / "thesaurus.yaml")


_SHIPPED_FILE = Path(__file__).with_name("thesaurus.yaml")
# For callers with no knowledge dir (tests, benchmarks, an index built from bare entries); never reassigned.
SHIPPED = Thesaurus.load(_SHIPPED_FILE)
_NOT_WORD = re.compile(r"[\W_]+")


def _entry_from_meta(meta: dict, body: str, path: Path | str, head: list[str]) -> Entry:
    def line(key: str) -> int:
        return next((i + 1 for i, text in enumerate(head) if text.lstrip().startswith(f"{key}:")), 1)

    entry_id = str(meta.get("id", "")).strip()
    if not ID_PATTERN.match(entry_id):
        raise KnowledgeError(path, line("id"), "id がないか、形が違います（例: p2-0007。使える文字は半角の英小文字・数字・- と _）")
    pattern = meta.get("pattern")
    if pattern is not None and (isinstance(pattern, bool) or pattern not in (1, 2, 3, 4)):
        raise KnowledgeError(path, line("pattern"), f"pattern は 1、2、3、4 のどれか（全 Pattern 共通なら省略）にしてください（今の値: {pattern!r}）")
    question = str(meta.get("question") or "").strip()
    if not question:
        raise KnowledgeError(path, line("question"), "question（質問文）がありません")
    phrasings = meta.get("phrasings") or []
    if isinstance(phrasings, str):
        phrasings = [phrasings]
    if not isinstance(phrasings, list) or not all(isinstance(p, str) and p.strip() for p in phrasings):
        raise KnowledgeError(path, line("phrasings"), "phrasings は [院長が息子に継がせたい] のような質問文のリストにしてください")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list):
        raise KnowledgeError(path, line("tags"), "tags は [事業承継, 医療法人] のようなリストにしてください")
    if not body:
        raise KnowledgeError(path, len(head) + 2, "front matter の後の回答本文が空です")
    checked = str(meta.get("checked") or "")[:7] or None
    if checked and not CHECKED_PATTERN.match(checked):
        raise KnowledgeError(path, line("checked"), f"checked は 2026-12 のように年と月で書いてください（今の値: {checked!r}）")
    return Entry(id=entry_id, question=question, body=body, pattern=pattern, tags=tuple(str(t) for t in tags),
                 source=str(meta.get("source") or ""), approved_by=_text(meta, "approved_by"),
                 path=str(path), phrasings=tuple(p.strip() for p in phrasings),
                 approved_on=_text(meta, "approved_on"), checked=checked, rejected_by=_text(meta, "rejected_by"))


def _text(meta: dict, key: str) -> str | None:
    value = meta.get(key)
    return str(value) if value else None


def _line_of(path: Path, prefix: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((i + 1 for i, text in enumerate(lines) if text.startswith(prefix)), 1)

"""The one list of help lines, with their hours: the crisis replies, the persona prompts and the knowledge
give these and no other numbers (tests/test_helplines.py fails on any other number in the repository).

Checked against public sources on 2026-11-25 and again on 2026-12-06 (search corpus "pages"):
- #いのちSOS 0120-061-338, free; Mon, Thu, Fri 24 hours, Tue, Wed, Sat, Sun 6:00 to midnight
  (mainichi.jp/articles/20220826/osg/00m/040/001000d; 野洲市広報 2024-09)
- よりそいホットライン 0120-279-338, free, 24 hours, every day (279338.jp; kotobank 共同通信; hurights.or.jp)
- いのちの電話 0120-783-556 free, daily 16:00-21:00 and the 10th of each month 8:00 to 8:00 next day;
  0570-783-556 (navi dial, charged) daily 10:00-22:00 (news-postseven 2020-11; tamainochi.com;
  city.hagi.lg.jp; city.akiruno.tokyo.jp 2023-03)
- こころの健康相談統一ダイヤル 0570-064-556 (野洲市広報; meikikai-home.com; 厚生労働省の案内)
- 厚生労働省「まもろうよ こころ」https://www.mhlw.go.jp/mamorouyokokoro/ lists the SNS (LINE etc.)
  counselling and every line above (meikikai-home.com; komei.or.jp 2021-02)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ALWAYS = (("0123456", 0, 24),)

EMERGENCY_NUMBERS = ("119", "110")  # 救急, 警察: given beside the lines, never instead of them


@dataclass(frozen=True)
class HelpLine:
    """A place to talk: how it is named in a reply (free lines say so), its number, and when it answers."""

    label: str
    number: str
    free: bool
    hours: str = ""  # "" when the label already says it (24時間) or it is not fixed
    # when it answers, for the crisis reply's "open now": (weekdays, 0 = Monday; from hour; to hour), local
    # time; None when it depends on the region
    spans: tuple[tuple[str, int, int], ...] | None = ALWAYS
    tenth: bool = False  # also from 8:00 on the 10th of each month to 8:00 the next day

    def open_at(self, when: dt.datetime) -> bool:
        """Whether the line answers at `when` (Japan time); a line with regional hours never counts as open."""
        if self.spans is None:
            return False
        if self.tenth and ((when.day == 10 and when.hour >= 8) or (when.day == 11 and when.hour < 8)):
            return True
        return any(str(when.weekday()) in days and start <= when.hour < end for days, start, end in self.spans)

    @property
    def text(self) -> str:
        return f"{self.label}{self.number}" + (f"（{self.hours}）" if self.hours else "")


LINES = (
    HelpLine("#いのちSOS（無料）", "0120-061-338", free=True, spans=(("034", 0, 24), ("1256", 6, 24))),
    HelpLine("よりそいホットライン（無料・24時間）", "0120-279-338", free=True),
    HelpLine("いのちの電話（無料）", "0120-783-556", free=True, hours="毎日16時〜21時、毎月10日は午前8時〜翌日午前8時",
             spans=(("0123456", 16, 21),), tenth=True),
    HelpLine("いのちの電話（ナビダイヤル）", "0570-783-556", free=False, hours="毎日10時〜22時", spans=(("0123456", 10, 22),)),
    HelpLine("こころの健康相談統一ダイヤル ", "0570-064-556", free=False, hours="お住まいの地域の公的な相談窓口につながります",
             spans=None),
)
SNS_URL = "https://www.mhlw.go.jp/mamorouyokokoro/"
HELPLINES = tuple(line.text for line in LINES) + (
    f"電話が苦手なときは、LINE などの SNS でも相談できます：厚生労働省「まもろうよ こころ」{SNS_URL}",)
NUMBERS = tuple(line.number for line in LINES)
HELPLINE_MARKERS = (*NUMBERS, "mamorouyokokoro")


def listed() -> str:
    """The lines as a bulleted list, free ones first (the prompts and the knowledge quote this)."""
    return "\n".join(f"・{line}" for line in HELPLINES)

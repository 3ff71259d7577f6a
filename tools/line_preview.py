"""Write a LINE-sized (390 px) HTML preview of what members see: the crisis reply and a long answer, as the
LINE adapter sends them (plain text, split into messages, quick replies under the last one).

    python tools/line_preview.py [OUT.html] [--hour H]

Open the file in a browser, or take a phone-sized screenshot:
    chromium --headless --no-sandbox --disable-gpu --screenshot=preview.png --window-size=390,844 OUT.html
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.line_messages import to_line_messages  # noqa: E402
from adapters.line_postback import PostbackCodec  # noqa: E402
from bot.answering import AnswerRequest, OfflineAnswerer  # noqa: E402
from bot.escalation import feedback_buttons  # noqa: E402
from bot.knowledge import load_dir  # noqa: E402
from bot.messages import Reply  # noqa: E402
from bot.patterns import PATTERNS  # noqa: E402
from bot.safety import crisis_message, crisis_more  # noqa: E402

CRISIS_SAID = "もう疲れました。消えてしまいたいです"
STYLE = """
body { margin: 0; width: 390px; background: #8cabd9; font: 15px/1.45 'Noto Sans CJK JP', 'Hiragino Sans', sans-serif; }
h2 { margin: 0; padding: 10px 14px; font-size: 13px; color: #fff; background: #2b3b57; }
.chat { padding: 10px 10px 4px; }
.me, .bot { max-width: 78%; padding: 8px 11px; border-radius: 16px; margin: 6px 0; white-space: pre-wrap;
            word-break: break-word; overflow-wrap: anywhere; }
.me { margin-left: auto; background: #85e249; }
.bot { background: #fff; }
.quick { display: flex; gap: 6px; overflow-x: auto; padding: 4px 0 10px; }
.quick span { flex: none; border: 1px solid #06c755; color: #06c755; background: #fff; border-radius: 16px;
              padding: 5px 10px; font-size: 13px; }
"""


def long_answer() -> tuple[str, Reply]:
    """The longest offline answer of the shipped knowledge, with its Good/Bad buttons."""
    entries, _ = load_dir(ROOT / "knowledge")
    entry = max((e for e in entries if e.pattern in (1, 2, 3)), key=lambda e: len(e.body))
    hit = type("Hit", (), {"entry": entry, "answers": True, "confidence": 0.9, "asked_as": 1.0, "passage": None})()
    request = AnswerRequest(pattern=PATTERNS[entry.pattern], question=entry.question, hits=[hit], scope=[],
                            history=[], deadline=time.time() + 10)
    return entry.question, Reply(OfflineAnswerer().answer(request).text, buttons=feedback_buttons(1))


def page(hour: int = 23) -> str:
    """The preview's HTML: each conversation as LINE shows it."""
    when = dt.datetime.now(ZoneInfo("Asia/Tokyo")).replace(hour=hour, minute=0)
    crisis = Reply(crisis_message(CRISIS_SAID, when), more=(crisis_more(when),))
    question, answer = long_answer()
    body = [_chat(f"危機のときの返信（{hour}時）", CRISIS_SAID, crisis), _chat("長い回答", question, answer)]
    head = f"<meta charset='utf-8'><meta name='viewport' content='width=390'><style>{STYLE}</style>"
    return f"<!doctype html><html lang='ja'><head>{head}</head><body>{''.join(body)}</body></html>"


def write_preview(path: Path, hour: int = 23) -> Path:
    """Write the preview to `path` and return it."""
    path.write_text(page(hour), encoding="utf-8")
    return path


def written(path: Path) -> str:
    """What the operator reads after the file is written: where it is, and how to open it."""
    path = path.resolve()
    return (f"LINE での見え方のプレビューを書き出しました: {path}\n"
            f"このファイルをパソコンのブラウザ（Chrome・Edge など）で開いてください（アドレス欄に {path.as_uri()} と入力するか、"
            "ファイルをブラウザの画面にドラッグします）。\n"
            "bansou が別のサーバーで動いているときは、先にこのファイルをお手元のパソコンにコピーしてから開きます"
            f"（例: パソコンで scp サーバー名:{path} . を実行。コピーの方法がわからなければ担当エンジニアにお願いしてください）。")


def _chat(title: str, said: str, reply: Reply) -> str:
    messages = to_line_messages(reply, PostbackCodec("preview"))
    bubbles = "".join(f"<div class='bot'>{html.escape(m.text)}</div>" for m in messages)
    quick = messages[-1].quick_reply
    chips = "".join(f"<span>{html.escape(item.action.label)}</span>" for item in quick.items) if quick else ""
    return (f"<h2>{html.escape(title)}</h2><div class='chat'><div class='me'>{html.escape(said)}</div>"
            f"{bubbles}<div class='quick'>{chips}</div></div>")


def main() -> None:
    parser = argparse.ArgumentParser(description="LINE 表示のプレビュー（390 px の HTML）を書き出します")
    parser.add_argument("out", nargs="?", default="var/line-preview.html")
    parser.add_argument("--hour", type=int, default=23, help="危機の返信を何時として書くか（0〜23）")
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    print(written(write_preview(out, args.hour)))


if __name__ == "__main__":
    main()

"""Write the dashboard, with the tests' sample data, as an HTML file and (when chromium is installed)
screenshots at a phone's and a desk's width: `python tools/dashboard_preview.py OUT_DIR`."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from freezegun import freeze_time  # noqa: E402

import report_data  # noqa: E402
from bot.models import init_db  # noqa: E402
from reports.dashboard import collect  # noqa: E402
from reports.dashboard_html import render  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

WIDTHS = {"phone": (390, 2400), "desk": (1280, 1600)}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = init_db(f"sqlite:///{tmp}/preview.db")
        report_data.insert()
        with freeze_time("2026-12-02 00:00:00"):
            page = render(collect(budget_jpy=20.0, usd_jpy=150.0, tz=ZoneInfo("Asia/Tokyo")))
        database.close()
    html = out / "dashboard.html"
    html.write_text(page, encoding="utf-8")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    for name, (width, height) in WIDTHS.items() if browser else ():
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--no-first-run", "--hide-scrollbars", f"--window-size={width},{height}",
                        f"--screenshot={out / f'dashboard-{name}.png'}", html.as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(out)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "var/preview"))

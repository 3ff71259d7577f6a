"""`./bansou doctor`: every check on one line with ✅/⚠️/❌; exit 0 only when nothing is ❌."""
from __future__ import annotations

from bot.config import ConfigError, Settings, load_settings
from bot.doctor import Finding, Status, core_findings, error, ok


def run_doctor(settings: Settings | None = None) -> int:
    findings = diagnose(settings)
    print("伴走（bansou）の点検結果です。")
    for finding in findings:
        print(finding.render())
    errors = sum(f.status == Status.ERROR for f in findings)
    warnings = sum(f.status == Status.WARN for f in findings)
    if errors:
        print(f"\n❌ が {errors} 件あります。→ の対処をしてから、もう一度 ./bansou doctor を実行してください。")
    else:
        print(f"\n問題はありません" + (f"（⚠️ {warnings} 件は必要に応じて対処してください）。" if warnings else "。"))
    return 1 if errors else 0


def diagnose(settings: Settings | None = None) -> list[Finding]:
    if settings is None:
        try:
            settings = load_settings()
        except ConfigError as exc:
            return [error("設定", str(exc), ".env（または環境変数）を直してから、もう一度実行してください。"
                                           "書き方は .env.example にあります。")]
    from adapters.doctor import platform_findings
    return [ok("設定", ".env と環境変数を読み込みました")] + core_findings(settings) + platform_findings(settings)

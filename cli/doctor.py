"""`./bansou doctor`: every check on one line with ✅/⚠️/❌; exit 0 only when nothing is ❌."""
from __future__ import annotations

from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.doctor import Finding, Status, core_findings, error, ok


def run_doctor(settings: Settings | None = None) -> int:
    findings = diagnose(settings)
    print("伴走（bansou）の点検結果です。")
    for finding in findings:
        print(finding.render())
    print("\n" + summary(findings))
    return 1 if any(f.status == Status.ERROR for f in findings) else 0


def summary(findings: list[Finding]) -> str:
    """The last line: never "no problem" while a ⚠️ is left; a stopped server is said first, in its own words."""
    errors = sum(f.status == Status.ERROR for f in findings)
    warnings = [f for f in findings if f.status == Status.WARN]
    if any(f.topic == "サーバー" and f.status == Status.ERROR for f in findings):
        return (f"❌ が {errors} 件あります。サーバーが止まっているため、いま会員の方の質問には誰も答えていません。"
                "まずサーバーを起動してください。")
    if errors:
        return f"❌ が {errors} 件あります。→ の対処をしてから、もう一度 ./bansou doctor を実行してください。"
    if not warnings:
        return "問題はありません。"
    return f"要対処（❌）の項目はありません。⚠️ {len(warnings)} 件は、上の行と → をご確認ください。"


def diagnose(settings: Settings | None = None) -> list[Finding]:
    if settings is None:
        try:
            settings = load_settings()
        except ConfigError as exc:
            return [error("設定", str(exc), ".env（または環境変数）を直してから、もう一度実行してください。"
                                           "書き方は .env.example にあります。")]
    from adapters.doctor import platform_findings
    return [settings_line()] + core_findings(settings) + platform_findings(settings)


def settings_line(env_file: Path = Path(".env")) -> Finding:
    """Which settings doctor read: the .env of this folder, or none (then the environment and the defaults)."""
    if env_file.is_file():
        return ok("設定", f".env（{env_file.resolve()}）と環境変数を読み込みました")
    return ok("設定", f".env がありません（{Path.cwd()} に見つかりませんでした）。環境変数と既定の値で動きます"
                      "（環境変数に設定がなければ、Claude・Slack・LINE はオフです）")

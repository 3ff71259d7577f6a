"""Settings: read once from the environment (and `.env`), validated, passed in."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from bot.encoder import DEFAULT_ENCODER, ENCODERS
from bot.office_hours import OfficeHours, OfficeHoursError

COHORTS = ("academy_member", "doctor_trainee", "corporate_trainee", "staff")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_MODEL = "claude-haiku-5-5"
EFFORTS = ("low", "medium", "high", "xhigh", "max")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every setting of the bot, typed. Build it with `load_settings`."""

    database_url: str = "sqlite:///var/bansou.db"
    migrate_to: str | None = None  # `db migrate`'s target, so its password need not be typed on the command line
    knowledge_dir: Path = Path("knowledge")
    knowledge_dir_given: bool = False  # KNOWLEDGE_DIR was set (environment or .env), not the default
    rollout_file: Path = Path("rollout.toml")
    anthropic_api_key: str | None = None
    claude_model: str = DEFAULT_MODEL
    claude_models: Mapping[int, str] = field(default_factory=dict)
    claude_timeout_seconds: float = 30.0
    claude_max_retries: int = 2
    claude_effort: str = "low"
    claude_max_tokens: int = 8000  # thinking + the answer's JSON; cut off, it is asked once more with twice
    claude_concurrency: int = 8  # Claude calls in flight at once, every lane's answers sharing them (a 429 lowers it)
    claude_deadline_seconds: float = 45.0  # one answer's whole budget where the channel sets none (Slack, terminal)
    claude_degraded_after_seconds: float = 60.0  # /healthz says degraded once Claude has failed this long
    line_channel_secret: str | None = None
    line_channel_access_token: str | None = None
    line_api_base_url: str = "https://api.line.me"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    slack_operator_channel: str | None = None
    slack_staff_user_ids: tuple[str, ...] = ()
    slack_makino_user_id: str | None = None
    slack_oncall_user_ids: tuple[str, ...] = ()
    slack_default_cohort: str = "doctor_trainee"
    slack_channel_patterns: Mapping[str, int] = field(default_factory=dict)  # channel id -> bound Pattern
    escalation_reminder_minutes: int = 120
    rate_limit_per_minute: int = 5
    rate_limit_per_day: int = 100
    monthly_budget_jpy: float = 30000.0
    usd_jpy_rate: float = 150.0
    dashboard_token: str | None = None
    job_max_attempts: int = 4
    job_workers: int = 2  # per lane (one lane per platform)
    job_lease_seconds: float = 60.0  # a claimed job's lease; a dead process's jobs come back after it
    job_retention_days: int = 30  # finished jobs keep their raw webhook payload this long (0: for ever)
    log_level: str = "WARNING"
    log_dir: Path | None = Path("var/log")  # None: no log files (stdout / stderr only)
    backup_dir: Path = Path("var/backups")
    backup_daily: bool = True
    backup_keep: int = 14
    encoder: str = DEFAULT_ENCODER  # the sentence encoder the safety model reads with (bot/encoder.py)
    safety_model_dir: Path = Path("var/models/safety")  # where `safety retrain` keeps a model it has refitted
    office_hours: OfficeHours = OfficeHours()  # when staff reply (the rollout plan's time zone)
    search_cache_dir: Path = Path("var/cache/encodings")  # the knowledge's sentence vectors, keyed by content

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every value no log line may show: the keys, tokens and the database password."""
        passwords = [urlsplit(url).password for url in (self.database_url, self.migrate_to or "") if "://" in url]
        return tuple(v for v in (self.anthropic_api_key, self.line_channel_secret, self.line_channel_access_token,
                                 self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
                                 self.dashboard_token, *passwords) if v)

    def model_for(self, pattern: int) -> str:
        """The Claude model a Pattern uses (CLAUDE_MODEL_P<n> overrides CLAUDE_MODEL)."""
        return self.claude_models.get(pattern, self.claude_model)


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | None = ".env") -> Settings:
    """Read settings from `environ` (default: the process) over the `.env` file."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        _check_env_file(Path(env_file))
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    env = _Env(values)
    settings = Settings(
        database_url=env.text("DATABASE_URL", Settings.database_url),
        migrate_to=env.optional("MIGRATE_TO"),
        knowledge_dir=Path(env.text("KNOWLEDGE_DIR", "knowledge")),
        knowledge_dir_given=bool(values.get("KNOWLEDGE_DIR", "").strip()),
        rollout_file=Path(env.text("ROLLOUT_FILE", "rollout.toml")),
        anthropic_api_key=env.optional("ANTHROPIC_API_KEY"),
        claude_model=env.text("CLAUDE_MODEL", DEFAULT_MODEL),
        claude_models={n: m for n in range(1, 5) if (m := env.optional(f"CLAUDE_MODEL_P{n}"))},
        claude_timeout_seconds=env.number("CLAUDE_TIMEOUT_SECONDS", 30.0),
        claude_max_retries=int(env.number("CLAUDE_MAX_RETRIES", 2)),
        claude_effort=env.choice("CLAUDE_EFFORT", "low", EFFORTS, fold=str.lower),
        claude_max_tokens=max(1024, int(env.number("CLAUDE_MAX_TOKENS", 8000))),
        claude_concurrency=max(1, int(env.number("CLAUDE_CONCURRENCY", 8))),
        claude_deadline_seconds=max(5.0, env.number("CLAUDE_DEADLINE_SECONDS", 45.0)),
        claude_degraded_after_seconds=env.number("CLAUDE_DEGRADED_AFTER_SECONDS", 60.0),
        line_channel_secret=env.optional("LINE_CHANNEL_SECRET"),
        line_channel_access_token=env.optional("LINE_CHANNEL_ACCESS_TOKEN"),
        line_api_base_url=env.text("LINE_API_BASE_URL", Settings.line_api_base_url),
        slack_bot_token=env.optional("SLACK_BOT_TOKEN"),
        slack_signing_secret=env.optional("SLACK_SIGNING_SECRET"),
        slack_app_token=env.optional("SLACK_APP_TOKEN"),
        slack_api_base_url=env.text("SLACK_API_BASE_URL", Settings.slack_api_base_url),
        slack_operator_channel=env.optional("SLACK_OPERATOR_CHANNEL"),
        slack_staff_user_ids=env.ids("SLACK_STAFF_USER_IDS"),
        slack_makino_user_id=env.optional("SLACK_MAKINO_USER_ID"),
        slack_oncall_user_ids=env.ids("SLACK_ONCALL_USER_IDS"),
        slack_default_cohort=env.choice("SLACK_DEFAULT_COHORT", "doctor_trainee", COHORTS),
        slack_channel_patterns=env.channel_patterns("SLACK_CHANNEL_PATTERNS"),
        escalation_reminder_minutes=int(env.number("ESCALATION_REMINDER_MINUTES", 120)),
        rate_limit_per_minute=int(env.number("RATE_LIMIT_PER_MINUTE", 5)),
        rate_limit_per_day=int(env.number("RATE_LIMIT_PER_DAY", 100)),
        monthly_budget_jpy=env.number("MONTHLY_BUDGET_JPY", 30000.0),
        usd_jpy_rate=env.number("USD_JPY_RATE", 150.0),
        dashboard_token=env.optional("DASHBOARD_TOKEN"),
        job_max_attempts=int(env.number("JOB_MAX_ATTEMPTS", 4)),
        job_workers=max(1, int(env.number("JOB_WORKERS", 2))),
        job_lease_seconds=max(1.0, env.number("JOB_LEASE_SECONDS", 60.0)),
        job_retention_days=int(env.number("JOB_RETENTION_DAYS", 30)),
        log_level=env.choice("LOG_LEVEL", "WARNING", LOG_LEVELS, fold=str.upper),
        log_dir=_log_dir(env.text("LOG_DIR", "var/log")),
        backup_dir=Path(env.text("BACKUP_DIR", "var/backups")),
        backup_daily=env.flag("BACKUP_DAILY", env.text("DATABASE_URL", "sqlite").startswith("sqlite")),
        backup_keep=int(env.number("BACKUP_KEEP", 14)),
        encoder=env.choice("ENCODER", DEFAULT_ENCODER, tuple(ENCODERS)),
        safety_model_dir=Path(env.text("SAFETY_MODEL_DIR", "var/models/safety")),
        office_hours=env.office_hours("OFFICE_HOURS"),
        search_cache_dir=Path(env.text("SEARCH_CACHE_DIR", "var/cache/encodings")),
    )
    _check_pairs(settings)
    return settings


def _check_env_file(path: Path) -> None:
    # python-dotenv skips a line it cannot read with an English warning: say it in Japanese, with the line.
    with path.open(encoding="utf-8-sig") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                text = binding.original.string.strip()
                raise ConfigError(f"{path} の {binding.original.line} 行目「{text[:60]}」が読めません"
                                  "（名前=値 の形で 1 行に 1 つ書いてください。値に空白や # があるときは \"…\" で囲みます）")


def _log_dir(value: str) -> Path | None:
    return None if value.lower() in ("-", "none", "off") else Path(value)


def _check_pairs(s: Settings) -> None:
    # Half a platform configured is a mistake worth stopping for, not a silent "adapter off".
    if bool(s.line_channel_secret) != bool(s.line_channel_access_token):
        missing = "LINE_CHANNEL_ACCESS_TOKEN" if s.line_channel_secret else "LINE_CHANNEL_SECRET"
        raise ConfigError(f"{missing} が設定されていません（LINE にはチャネルシークレットとアクセストークンの両方が必要です）")
    if bool(s.slack_bot_token) != bool(s.slack_signing_secret):
        missing = "SLACK_SIGNING_SECRET" if s.slack_bot_token else "SLACK_BOT_TOKEN"
        raise ConfigError(f"{missing} が設定されていません（Slack には Bot トークンと Signing Secret の両方が必要です）")
    if s.database_url.split(":", 1)[0] not in ("sqlite", "postgres", "postgresql", "postgresql+pool"):
        raise ConfigError("DATABASE_URL は sqlite:/// か postgresql:// で始めてください")


class _Env:
    """Typed reads of raw string values; every error names its variable."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def optional(self, name: str) -> str | None:
        value = self._values.get(name, "").strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def number(self, name: str, default: float) -> float:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} には数字を指定してください（今の値: {raw!r}）") from None
        if value < 0:
            raise ConfigError(f"{name} にマイナスの値は使えません（今の値: {raw!r}）")
        return value

    def ids(self, name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in (self.optional(name) or "").split(",") if part.strip())

    def channel_patterns(self, name: str) -> dict[str, int]:
        """`C123:2,C456:3`: Slack channels bound to a Pattern."""
        bound: dict[str, int] = {}
        for part in self.ids(name):
            channel, _, number = part.partition(":")
            if not channel.strip() or number.strip() not in ("1", "2", "3", "4"):
                raise ConfigError(f"{name} は C123:2,C456:3 の形（Pattern は 1〜4）で指定してください（今の値: {part!r}）")
            bound[channel.strip()] = int(number)
        return bound

    def flag(self, name: str, default: bool) -> bool:
        raw = self.optional(name)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} は on か off にしてください（今の値: {raw!r}）")

    def office_hours(self, name: str) -> OfficeHours:
        raw = self.optional(name)
        try:
            return OfficeHours.parse(raw) if raw else OfficeHours()
        except OfficeHoursError:
            raise ConfigError(f"{name} は「mon-fri 10-18」の形（曜日の範囲と時の範囲）にしてください（今の値: {raw!r}）") from None

    def choice(self, name: str, default: str, allowed: tuple[str, ...], fold=lambda v: v) -> str:  # noqa: ANN001
        value = fold(self.text(name, default))
        if value not in allowed:
            raise ConfigError(f"{name} は {' / '.join(allowed)} のどれかにしてください（今の値: {value!r}）")
        return value

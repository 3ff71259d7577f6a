"""The core's construction helpers (database, knowledge, answerer, plan); `app.build_runtime` wires them."""
from __future__ import annotations

import logging
import peewee as pw

from bot.answering import Answerer, OfflineAnswerer
from bot.config import ConfigError, Settings
from bot.knowledge import Thesaurus
from bot.knowledge_store import KnowledgeBase
from bot.models import init_db
from bot.rollout import RolloutError, RolloutPlan
from bot.search.encodings import shared_cache

log = logging.getLogger(__name__)


def open_database(settings: Settings) -> pw.Database:
    """Connect and migrate; an unusable DATABASE_URL is a ConfigError naming it."""
    try:
        return init_db(settings.database_url)
    except (pw.DatabaseError, pw.ImproperlyConfigured, OSError) as exc:
        raise ConfigError(f"DATABASE_URL: データベースを開けません（{str(exc).strip().splitlines()[0]}）") from None


def check_knowledge_dir(settings: Settings) -> None:
    """Before anything is opened: KNOWLEDGE_DIR must be a folder."""
    if not settings.knowledge_dir.is_dir():
        raise ConfigError(f"KNOWLEDGE_DIR: フォルダ {settings.knowledge_dir} がありません（ナレッジの Markdown を置くフォルダを指定してください）")


def load_knowledge(settings: Settings, *, sync: bool = True) -> KnowledgeBase:
    """The knowledge base, synced from KNOWLEDGE_DIR unless `sync` is off (another process synced it).

    Search folds synonyms with the shipped thesaurus plus KNOWLEDGE_DIR/thesaurus.yaml, loaded here once
    at start-up and handed to the knowledge base (nothing process-wide is replaced)."""
    thesaurus = Thesaurus.for_dir(settings.knowledge_dir)
    knowledge = KnowledgeBase(settings.knowledge_dir, thesaurus=thesaurus,
                              cache=shared_cache(path=settings.search_cache_dir))
    if sync:
        for error in knowledge.sync().errors:
            log.error("ナレッジのファイルを読み飛ばしました（knowledge validate で確かめてください）: %s", error)
    return knowledge


def make_answerer(settings: Settings) -> Answerer:
    """Claude when a key is set; otherwise the offline answerer, so everything runs without one."""
    if not settings.anthropic_api_key:
        log.info("ANTHROPIC_API_KEY が設定されていないため、ナレッジだけで回答します（Claude は使いません）")
        return OfflineAnswerer()
    from bot.claude.answerer import ClaudeAnswerer  # the SDK takes ~2 s to import: only when it is used
    from bot.claude.pool import ClaudePool
    # One pool for every lane's answers: Claude's slots are shared, sending stays in each platform's lane.
    return ClaudeAnswerer(api_key=settings.anthropic_api_key, models=settings.model_for,
                          effort=settings.claude_effort, max_tokens=settings.claude_max_tokens,
                          timeout=settings.claude_timeout_seconds, max_retries=settings.claude_max_retries,
                          pool=ClaudePool(limit=settings.claude_concurrency))


def load_plan(settings: Settings) -> RolloutPlan:
    if not settings.rollout_file.is_file():
        raise ConfigError(f"ROLLOUT_FILE: ファイル {settings.rollout_file} がありません")
    try:
        return RolloutPlan.load(settings.rollout_file)
    except RolloutError as exc:
        raise ConfigError(f"ROLLOUT_FILE: {exc}") from None

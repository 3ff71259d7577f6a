"""A child process for the sync race: open a new database and sync the knowledge at the same moment as the others."""
from __future__ import annotations

import multiprocessing as mp
import traceback
from pathlib import Path


def sync_at_once(url: str, directory: str, barrier: "mp.synchronize.Barrier", results: "mp.Queue") -> None:
    """Wait for the others, open (and create) the database, wait again, sync; report what happened."""
    try:
        from bot.knowledge import Thesaurus
        from bot.knowledge_store import KnowledgeBase
        from bot.models import init_db
        knowledge = KnowledgeBase(Path(directory), thesaurus=Thesaurus.for_dir(Path(directory)))
        barrier.wait(timeout=900)
        database = init_db(url)
        barrier.wait(timeout=900)
        result = knowledge.sync()
        database.close()
        results.put(("ok", len(result.added), len(result.updated)))
    except Exception:  # the parent asserts on this text
        results.put(("failed", traceback.format_exc(), 0))

"""Message Batches (half price, answered within 24 h): send many requests, wait with a progress line, read back."""
from __future__ import annotations

import logging
import sys
import time
from typing import Any, Callable, TextIO

import anthropic

log = logging.getLogger(__name__)

BATCH_DISCOUNT = 0.5  # batch requests cost half the list price
POLL_SECONDS = 10.0


class BatchFailed(RuntimeError):
    """The batch could not be sent or read back (the message says why)."""


def run_batch(client: anthropic.Anthropic, requests: dict[str, dict[str, Any]], *, what: str = "",
              poll_seconds: float = POLL_SECONDS, out: TextIO | None = None,
              sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Send `requests` (custom_id -> Messages params) as one batch and wait for it to end.

    Returns custom_id -> the Message, or a string saying why that request has no answer."""
    if not requests:
        return {}
    out = out or sys.stderr
    try:
        batch = client.messages.batches.create(
            requests=[{"custom_id": cid, "params": params} for cid, params in requests.items()])
        started = time.monotonic()
        while batch.processing_status != "ended":
            _progress(out, batch, what, time.monotonic() - started)
            sleep(poll_seconds)
            batch = client.messages.batches.retrieve(batch.id)
        _progress(out, batch, what, time.monotonic() - started, end="\n")
        return {item.custom_id: _outcome(item.result) for item in client.messages.batches.results(batch.id)}
    except anthropic.APIError as exc:
        raise BatchFailed(f"Message Batch に失敗しました: {type(exc).__name__}: {exc}") from exc


def _outcome(result: Any) -> Any:
    if result.type == "succeeded":
        return result.message
    if result.type == "errored":
        error = getattr(result.error, "error", None)
        return f"errored: {getattr(error, 'type', '')} {getattr(error, 'message', '')}".strip()
    return result.type  # canceled | expired


def _progress(out: TextIO, batch: Any, what: str, elapsed: float, end: str = "") -> None:
    counts = batch.request_counts
    total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired
    done = total - counts.processing
    state = "完了" if batch.processing_status == "ended" else "処理中"
    out.write(f"\r{what}バッチ {batch.id}: {state} {done}/{total}（成功 {counts.succeeded}・エラー {counts.errored}"
              f"・期限切れ {counts.expired}）経過 {int(elapsed)} 秒{end}")
    out.flush()

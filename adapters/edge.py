"""What both webhooks do before trusting a byte: a size limit, then (after the signature) a careful parse."""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # LINE and Slack send a few KB; anything near this is not from them
MAX_DEPTH = 32  # platform payloads nest about 8 deep; deeper is an attack on the parsers behind us


class Unreadable(ValueError):
    """A body or field that is not what the platform sends; the message says what was wrong."""


def request_id() -> str:
    """A short id for one request, in its log line and its error body, so the two can be matched."""
    return uuid.uuid4().hex[:12]


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The raw body, or None when it is larger than `limit` (checked before and while reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(text: str) -> Any:
    """JSON within MAX_DEPTH; raises Unreadable for anything else (never RecursionError)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Unreadable(f"not JSON ({type(exc).__name__})") from None
    if depth(value) > MAX_DEPTH:
        raise Unreadable(f"nested deeper than {MAX_DEPTH}")
    return value


def depth(value: Any) -> int:
    """How deep lists and objects nest (iterative, so it cannot overflow the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def refuse(status: int, why: str, rid: str, *, platform: str) -> JSONResponse:
    """One log line and a small JSON error; no traceback, nothing stored."""
    # Unsigned traffic is anyone's to send: a line at INFO each, so it cannot flood the warnings.
    log.log(logging.INFO if status in (401, 413) else logging.WARNING, "%s webhook %s refused (%d): %s",
            platform, rid, status, why)
    return JSONResponse({"error": why, "request_id": rid}, status_code=status)


def ignore(why: str, rid: str, *, platform: str) -> JSONResponse:
    """A signed request we cannot use: 200, so the platform does not redeliver what will never parse."""
    log.warning("%s webhook %s ignored: %s", platform, rid, why)
    return JSONResponse({"status": "ignored", "request_id": rid})

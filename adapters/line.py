"""LINE: the signed webhook, its events worked off the durable queue, pushes of staff answers, the rich menu."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import urllib3
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, MessagingApiBlob
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import Event, FollowEvent, MessageEvent, PostbackEvent, UnfollowEvent

from adapters import line_messages as lm
from adapters.line_client import RETRY_DELAYS, TIMEOUT, LineClient, SendResult
from adapters.line_postback import Postback, PostbackCodec
from adapters.line_richmenu import NAME as RICH_MENU_NAME
from adapters.line_richmenu import rich_menu_image, rich_menu_request
from bot.config import ConfigError, Settings
from bot.conversation import APOLOGY
from bot.messages import IncomingMessage, Recipient, Reply
from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVENT_JOB = "line_event"


class LineDeliveryError(RuntimeError):
    """A push to LINE failed after its retries."""


class LineSetupError(RuntimeError):
    """The rich menu could not be set up; the message says which call failed."""


class LineAdapter:
    """Turns LINE events into core calls and core replies into LINE messages."""

    def __init__(self, runtime: Runtime, *, retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        settings = runtime.settings
        if not settings.line_enabled:
            raise ConfigError("LINE を使うには LINE_CHANNEL_SECRET と LINE_CHANNEL_ACCESS_TOKEN の設定が必要です")
        self.core = runtime.core
        self.queue = runtime.queue
        self.database = runtime.database  # only to drop a broken connection; data goes through the queue
        self.validator = SignatureValidator(settings.line_channel_secret)
        self.codec = PostbackCodec(settings.line_channel_secret)
        self.client = LineClient(MessagingApi(ApiClient(configuration(settings))), retry_delays=retry_delays)
        # One thread stores the webhook's events: a burst of deliveries queues here instead of colliding in
        # SQLite's busy handler (which sleeps in growing steps), and it keeps one open connection.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="line-webhook")

    def mount(self, app: FastAPI) -> None:
        """Add POST /line/webhook, the queue's job kind and the push deliverer for staff answers."""
        self.queue.register(EVENT_JOB, self.run_event, self.event_failed)
        self.core.escalations.deliverers[lm.CHANNEL] = self
        app.add_api_route("/line/webhook", self.webhook, methods=["POST"], include_in_schema=False)
        app.state.line = self

    # ---- the edge: verify, store, acknowledge ---------------------------------------------

    async def webhook(self, request: Request) -> JSONResponse:
        """Check the signature on the raw body, queue each event, and answer 200 at once."""
        events = self._verified_events(await request.body(), request.headers.get("x-line-signature"))
        if isinstance(events, JSONResponse):
            return events
        wanted = [e for e in events if lm.wanted(e)]
        if not wanted:  # e.g. the console's verification request, which has no events
            return JSONResponse({"status": "ok", "queued": 0})
        try:
            queued = await asyncio.get_running_loop().run_in_executor(self._writer, self._enqueue, wanted)
        except Exception:  # a non-2xx makes LINE redeliver; the dedupe key keeps that safe
            log.exception("could not queue %d LINE events", len(wanted))
            return _error(503, "could not store the events")
        return JSONResponse({"status": "ok", "queued": queued})

    def _verified_events(self, body: bytes, signature: str | None) -> list[dict[str, Any]] | JSONResponse:
        if not signature:
            return _error(400, "missing X-Line-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "the body is not UTF-8")
        if not self.validator.validate(text, signature):
            return _error(401, "invalid X-Line-Signature")
        events = _events(text)
        return _error(400, "the body is not a LINE webhook") if events is None else events

    def _enqueue(self, events: list[dict[str, Any]]) -> int:
        try:
            return sum(self.queue.enqueue(EVENT_JOB, {"event": raw}, dedupe_key=lm.dedupe_key(raw)) for raw in events)
        except Exception:
            # A broken connection stays broken in this thread: drop it so the next delivery reconnects.
            with contextlib.suppress(Exception):
                self.database.close()
            raise

    # ---- the job: one event --------------------------------------------------------------

    def run_event(self, payload: dict[str, Any]) -> None:
        """Work one queued event. Raises (so the queue retries) only when the core could not run."""
        try:
            event = Event.from_dict(payload["event"])
        except ValueError as exc:
            self._unreadable(payload["event"], exc)
            return
        if isinstance(event, MessageEvent):
            self._on_message(event)
        elif isinstance(event, PostbackEvent):
            reply = self._postback_reply(lm.user_of(event), self.codec.decode(event.postback.data))
            self._answer(event, reply)
        elif isinstance(event, FollowEvent):
            user_id = lm.user_of(event)
            name = self.client.display_name(user_id)
            self._answer(event, self.core.follow(channel=lm.CHANNEL, user_id=user_id, display_name=name))
        elif isinstance(event, UnfollowEvent):
            self.core.unfollow(channel=lm.CHANNEL, user_id=lm.user_of(event))

    def event_failed(self, payload: dict[str, Any], error: str) -> None:
        """The job ran out of attempts: hand the question to staff and apologise to the user."""
        event = Event.from_dict(payload["event"])
        if isinstance(event, UnfollowEvent):
            log.error("unfollow of %s not recorded: %s", lm.user_of(event), error)
            return
        message = lm.to_incoming(event) if isinstance(event, MessageEvent) else None
        reply = Reply(lm.FAILED, kind="error")
        try:
            if message is not None:
                reply = self.core.give_up(message, error)
            else:
                self.core.escalations.desk.alert(f"LINE のイベント（{event.type}）を処理できませんでした: {error}")
        except Exception:  # the database is still down: apologise anyway
            log.exception("could not record the failed LINE event")
            reply = Reply(APOLOGY if message else lm.FAILED, kind="error")
        self._answer(event, reply)

    def _on_message(self, event: MessageEvent) -> None:
        message = lm.to_incoming(event)
        if message is None:
            self._answer(event, Reply(lm.TEXT_ONLY, kind="notice"))
            return
        self.client.show_loading(message.user_id)
        self._answer(event, self.core.handle(message))

    def _postback_reply(self, user_id: str, postback: Postback | None) -> Reply:
        if postback is None:
            return Reply(lm.INVALID_POSTBACK, kind="notice")
        if postback.action == "show_patterns":
            user = self.core.user_for(IncomingMessage(channel=lm.CHANNEL, user_id=user_id, text=""))
            buttons = self.core.pattern_buttons(user)
            return Reply(lm.CHOOSE_PATTERN if buttons else lm.NO_PATTERN, kind="notice", buttons=buttons)
        if postback.action == "switch_pattern":
            return self.core.switch_pattern(channel=lm.CHANNEL, user_id=user_id, pattern=postback.value)
        return self.core.feedback(channel=lm.CHANNEL, user_id=user_id, answer_id=postback.value,
                                  good=postback.action == "feedback_good")

    def _unreadable(self, raw: dict[str, Any], exc: Exception) -> None:
        # A message type newer than the SDK still deserves the polite "text only" answer.
        log.warning("LINE event %s not understood: %s", raw.get("webhookEventId"), exc)
        user_id = (raw.get("source") or {}).get("userId")
        if raw.get("type") == "message" and user_id:
            deadline = raw.get("timestamp", 0) / 1000 + lm.REPLY_WINDOW_SECONDS
            self._send(user_id, Reply(lm.TEXT_ONLY, kind="notice"), token=raw.get("replyToken"), deadline=deadline)

    # ---- sending -------------------------------------------------------------------------

    def deliver(self, recipient: Recipient, reply: Reply) -> str:
        """Push a later message (a staff answer); the escalation desk records it. Raises when it fails."""
        result = self.client.push(recipient.user_id, lm.to_line_messages(reply, self.codec))
        if not result.ok:
            raise LineDeliveryError(result.error)
        return result.method

    def _answer(self, event: Event, reply: Reply) -> SendResult:
        return self._send(lm.user_of(event), reply, token=getattr(event, "reply_token", None),
                          deadline=lm.reply_deadline(event))

    def _send(self, user_id: str, reply: Reply, *, token: str | None, deadline: float) -> SendResult:
        result = self.client.send(user_id, lm.to_line_messages(reply, self.codec), reply_token=token,
                                  reply_deadline=deadline)
        try:
            self.core.record_delivery(channel=lm.CHANNEL, method=result.method, answer_id=reply.answer_id,
                                      ok=result.ok, error=result.error)
            if not result.ok and reply.answer_id is None and reply.question_id is not None:
                self.core.escalations.desk.alert(
                    f"質問 #{reply.question_id} へのご案内を LINE でお届けできませんでした: {result.error[:200]}")
        except Exception:  # the message went out; failing the job would ask the core a second time
            log.exception("could not record the LINE %s of answer %s", result.method, reply.answer_id)
        return result


# ---- the rich menu (operator command) -------------------------------------------------------

def setup_rich_menu(settings: Settings) -> str:
    """Create the Pattern rich menu, upload its image, make it the default; return the new menu id."""
    if not settings.line_enabled:
        raise ConfigError("リッチメニューを作るには LINE_CHANNEL_SECRET と LINE_CHANNEL_ACCESS_TOKEN の設定が必要です")
    request = rich_menu_request(PostbackCodec(settings.line_channel_secret))
    image = rich_menu_image()
    with ApiClient(configuration(settings)) as client, ApiClient(configuration(settings, data=True)) as data:
        api, blob = MessagingApi(client), MessagingApiBlob(data)
        created = _call("リッチメニューの作成", lambda: api.create_rich_menu(request, _request_timeout=TIMEOUT))
        menu_id = created.rich_menu_id
        try:
            _call("リッチメニュー画像のアップロード", lambda: blob.set_rich_menu_image(
                menu_id, body=image, _headers={"Content-Type": "image/png"}, _request_timeout=TIMEOUT))
            _call("既定のリッチメニューの設定", lambda: api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT))
        except LineSetupError:
            with contextlib.suppress(ApiException):  # no half-made menu left behind
                api.delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
            raise
        _delete_older_menus(api, keep=menu_id)
    return menu_id


def configuration(settings: Settings, *, data: bool = False) -> Configuration:
    """SDK configuration at LINE_API_BASE_URL (tests point it at a fake server)."""
    host = settings.line_api_base_url.rstrip("/")
    if data:  # uploads go to api-data.line.me; a fake or proxy serves both at one address
        host = host.replace("://api.line.me", "://api-data.line.me")
    return Configuration(host=host, access_token=settings.line_channel_access_token)


def _delete_older_menus(api: MessagingApi, *, keep: str) -> None:
    # Each run makes a new menu; old ones of ours would pile up towards LINE's limit.
    try:
        menus = api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus
        for menu in menus:
            if menu.name == RICH_MENU_NAME and menu.rich_menu_id != keep:
                api.delete_rich_menu(menu.rich_menu_id, _request_timeout=TIMEOUT)
    except ApiException as exc:
        log.warning("older rich menus were not cleaned up: %s", exc.status)


def _call(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ApiException as exc:
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
        raise LineSetupError(f"{what}に失敗しました: LINE API {exc.status} {body[:200]}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise LineSetupError(f"{what}に失敗しました（LINE に接続できません）: {type(exc).__name__}: {exc}") from None


def _events(text: str) -> list[dict[str, Any]] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return None
    return [e for e in events if isinstance(e, dict)]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)

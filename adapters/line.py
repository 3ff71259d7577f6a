"""LINE: the signed webhook, its events worked off the durable queue, pushes of staff answers, the rich menu."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import hmac
import logging
import uuid
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import urllib3
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, MessagingApiBlob
from linebot.v3.webhooks import (Event, FollowEvent, MessageEvent, PostbackEvent, StickerMessageContent,
                                 UnfollowEvent)
from starlette.requests import Request
from starlette.responses import JSONResponse

from adapters import edge
from adapters import line_messages as lm
from adapters.line_client import LOADING_RENEW_SECONDS, RETRY_DELAYS, TIMEOUT, LineClient, SendResult
from adapters.line_postback import Postback, PostbackCodec
from adapters.line_signs import SignsOfLife
from adapters.line_richmenu import NAME as RICH_MENU_NAME
from adapters.line_richmenu import rich_menu_image, rich_menu_request
from bot.config import ConfigError, Settings
from bot.conversation import APOLOGY, Core
from bot.doctor import UNREACHABLE_FIX, unreachable_text
from bot.events import ButtonPress, Failed, Follow, Sent, ShowPatterns, Unfollow
from bot.intake import Intake
from bot.jobs import JobKind
from bot.messages import Recipient, Reply
from bot.outbox import Outbox, SendState
from bot.states import ButtonAction
from bot.texts import welcome

if TYPE_CHECKING:  # the worker process sends and never serves: it does not load FastAPI (adapters/worker.py)
    from fastapi import FastAPI

log = logging.getLogger(__name__)

EVENT_JOB = "line_event"


class LineDeliveryError(RuntimeError):
    """A push to LINE failed after its retries."""


class LineSetupError(RuntimeError):
    """The rich menu could not be set up; the message says which call failed."""


def line_client(settings: Settings, *, retry_delays: Sequence[float] = RETRY_DELAYS,
                alert: Callable[[str], None] | None = None) -> tuple[LineClient, PostbackCodec]:
    """The Messaging API client and the postback codec both the adapter and the deliverer use; `alert`
    tells the operators when the month's message quota is spent."""
    if not settings.line_enabled:
        raise ConfigError("LINE を使うには LINE_CHANNEL_SECRET と LINE_CHANNEL_ACCESS_TOKEN の設定が必要です")
    client = LineClient(MessagingApi(ApiClient(configuration(settings))), retry_delays=retry_delays, alert=alert)
    return client, PostbackCodec(settings.line_channel_secret)


class LineDelivery:
    """Deliverer: a later message (a staff answer) pushed to a LINE user. Raises when it fails."""

    def __init__(self, *, client: LineClient, codec: PostbackCodec) -> None:
        self.client = client
        self.codec = codec

    def deliver(self, recipient: Recipient, reply: Reply) -> str:
        result = self.client.push(recipient.user_id, lm.to_line_messages(reply, self.codec))
        if not result.ok:
            raise LineDeliveryError(result.error)
        return result.method


class LineAdapter:
    """Turns LINE events into core calls and core replies into LINE messages."""

    def __init__(self, *, settings: Settings, core: Core, intake: Intake, outbox: Outbox, client: LineClient,
                 codec: PostbackCodec, expected_wait: Callable[[], float] = lambda: 0.0,
                 waiting: Callable[[Iterable[str]], set[str]] = lambda keys: set()) -> None:
        self.core = core
        self.intake = intake  # the webhook's one writer
        self.outbox = outbox
        self._secret = settings.line_channel_secret.encode()
        self.codec = codec
        self.client = client
        self.loading_every = LOADING_RENEW_SECONDS  # the loading animation is renewed while the member waits
        self.signs = SignsOfLife(client=client, expected_wait=expected_wait, waiting=waiting)

    def jobs(self) -> list[JobKind]:
        """The LINE lane's one job kind: an event (the composition root registers it)."""
        return [JobKind(EVENT_JOB, self.run_event, self.event_failed, lm.CHANNEL)]

    def stop(self) -> None:
        """Stop renewing loading animations: the server is stopping and no answer will end them."""
        self.signs.close()

    def mount(self, app: FastAPI) -> None:
        """Add POST /line/webhook."""
        app.add_api_route("/line/webhook", self.webhook, methods=["POST"], include_in_schema=False)
        app.state.line = self

    # ---- the edge: verify, store, acknowledge ---------------------------------------------

    async def webhook(self, request: Request) -> JSONResponse:
        """Check the signature on the raw bytes, then parse with care, queue each event, answer at once."""
        rid = edge.request_id()
        body = await edge.read_body(request)
        if body is None:
            return edge.refuse(413, "body too large", rid, platform="LINE")
        if not self._signed(body, request.headers.get("x-line-signature", "")):
            return edge.refuse(401, "missing or invalid X-Line-Signature", rid, platform="LINE")
        try:
            events = lm.events_of(edge.parse_json(body.decode("utf-8")))
        except (UnicodeDecodeError, edge.Unreadable) as exc:
            return edge.ignore(f"body unreadable: {exc}", rid, platform="LINE")
        if events is None:
            return edge.ignore("not a LINE webhook body", rid, platform="LINE")
        wanted = lm.jobs_of(events)
        if not wanted:  # e.g. the console's verification request, which has no events
            return JSONResponse({"status": "ok", "queued": 0})
        for job in wanted:  # the busy note takes an event's reply token: its answer is pushed
            for item in _items(job.payload):
                if self.signs.will_note(item["event"]):
                    item["noted"] = True
        jobs = [(EVENT_JOB, job.payload, job.key) for job in wanted]
        try:
            fresh = await asyncio.wrap_future(self.intake.submit(jobs))
        except Exception:  # edge: the webhook ack; a non-2xx makes LINE redeliver (the dedupe key keeps that safe)
            log.error("LINE webhook %s: could not store %d job(s)", rid, len(wanted))
            return edge.refuse(503, "could not store the events", rid, platform="LINE")
        for job, new in zip(wanted, fresh):
            if new:  # a redelivery's member already saw them
                for item in _items(job.payload):
                    self.signs.stored(item["event"], noted=item.get("noted") is True, key=job.key)
        return JSONResponse({"status": "ok", "queued": sum(fresh)})

    def _signed(self, body: bytes, signature: str) -> bool:
        # HMAC-SHA256 of the raw bytes, as LINE signs them (the SDK's validator wants text, and a body
        # that is not UTF-8 must still be refused as unsigned, not crash the decoding).
        expected = base64.b64encode(hmac.new(self._secret, body, hashlib.sha256).digest())
        return bool(signature) and hmac.compare_digest(expected, signature.encode("utf-8", "replace"))

    # ---- the job: one event --------------------------------------------------------------

    def run_event(self, payload: dict[str, Any]) -> None:
        """Work one queued job: a member's events in order. Raises (so the queue retries) only when the core
        could not run; a retry skips what was answered already."""
        for item in _items(payload):
            self._run_one(item)

    def _run_one(self, payload: dict[str, Any]) -> None:
        event, key = lm.read_event(payload.get("event")), _key(payload)
        if lm.invites(payload.get("event") or {}):
            self._invite(payload["event"], event, key)
        elif isinstance(event, lm.UnreadableEvent):
            self._unreadable(event, key)
        elif isinstance(event, MessageEvent):
            self._on_message(event, key, noted=payload.get("noted") is True)
        elif isinstance(event, PostbackEvent):
            data = event.postback.data if event.postback else ""
            self._answer(event, self._postback_reply(lm.user_of(event), self.codec.decode(data or "")), key)
        elif isinstance(event, FollowEvent):
            self._follow(event, lm.user_of(event), key, unblocked=bool(event.follow and event.follow.is_unblocked))
        elif isinstance(event, UnfollowEvent):
            self.core.receive(Unfollow(lm.CHANNEL, lm.user_of(event)))

    def event_failed(self, payload: dict[str, Any], error: str) -> None:
        """The job ran out of attempts: for each event not answered yet, the core's error path (the question to
        staff), then the apology."""
        for item in _items(payload):
            key = _key(item)
            if key and self.outbox.find(f"{key}:answer").state == SendState.SENT:
                continue
            self._failed_one(item, error)

    def _failed_one(self, payload: dict[str, Any], error: str) -> None:
        event, key = lm.read_event(payload.get("event")), _key(payload)
        if lm.invites(payload.get("event") or {}):
            return
        if isinstance(event, UnfollowEvent):
            log.error("unfollow of %s not recorded: %s", lm.user_of(event), error)
            return
        readable = isinstance(event, (MessageEvent, lm.UnreadableEvent))
        message = lm.to_incoming(event, message_id=key) if readable else None
        kind = event.kind if isinstance(event, lm.UnreadableEvent) else event.type
        try:
            reply = self.core.receive(Failed(error, message, what=f"LINE のイベント（{kind}）を処理できませんでした"))
        except Exception:  # edge: a job's failure handler; the database is still down, apologise anyway
            log.exception("could not record the failed LINE event")
            reply = Reply(APOLOGY if message else lm.FAILED, kind="error")
        self._answer(event, reply or Reply(lm.FAILED, kind="error"), key)

    def _on_message(self, event: MessageEvent | lm.UnreadableEvent, key: str, *, noted: bool = False) -> None:
        message = lm.to_incoming(event, message_id=key)
        if message is None:
            sticker = (isinstance(event, MessageEvent) and isinstance(event.message, StickerMessageContent)
                       or isinstance(event, lm.UnreadableEvent) and event.message_type == "sticker")
            self._answer(event, Reply(welcome.STICKER if sticker else lm.TEXT_ONLY, kind="notice"), key)
            return
        if noted:  # the busy note took the reply token: no reply window to answer within
            message = dataclasses.replace(message, deadline=None)
        with self.client.loading(message.user_id, every=self.loading_every):
            reply = self.core.receive(message)
        self._answer(event, reply, key, token_spent=noted)

    def _postback_reply(self, user_id: str, postback: Postback | None) -> Reply:
        if postback is None:
            return Reply(lm.INVALID_POSTBACK, kind="notice")
        if postback.action == ButtonAction.SHOW_PATTERNS:
            buttons = self.core.receive(ShowPatterns(lm.CHANNEL, user_id)).buttons
            return Reply(lm.CHOOSE_PATTERN if buttons else lm.NO_PATTERN, kind="notice", buttons=buttons)
        return self.core.receive(ButtonPress(lm.CHANNEL, user_id, postback.action, postback.value))

    def _unreadable(self, event: lm.UnreadableEvent, key: str) -> None:
        # What the SDK cannot parse is read from the raw event: a text message's text (a missing quoteToken),
        # a follow without its detail; a message type newer than the SDK gets the polite "text only" answer.
        log.log(logging.DEBUG if event.expected else logging.WARNING, "LINE %s event not understood: %s",
                event.kind or "untyped", event.reason)
        if event.kind == "message" and event.user_id:
            self._on_message(event, key)
        elif event.kind == "follow" and event.user_id:
            self._follow(event, event.user_id, key, unblocked=event.unblocked)

    def _follow(self, event: FollowEvent | lm.UnreadableEvent, user_id: str, key: str, *, unblocked: bool) -> None:
        name = self.client.display_name(user_id)
        self._answer(event, self.core.receive(Follow(lm.CHANNEL, user_id, display_name=name, unblocked=unblocked)), key)

    def _invite(self, raw: dict[str, Any], event: Event | lm.UnreadableEvent, key: str) -> None:
        """Added to a group or room, or @mentioned there: one short message asking members to write 1:1."""
        attempt = self.outbox.begin(f"{key}:answer") if key else None
        if attempt is not None and attempt.state == SendState.SENT:
            return
        invitation = lm.to_line_messages(Reply(welcome.GROUP_INVITE, kind="notice"), self.codec)
        result = self.client.send(lm.group_of(raw), invitation, reply_token=getattr(event, "reply_token", None),
                                  reply_deadline=lm.reply_deadline(event))
        if key and result.ok:
            self.outbox.sent(f"{key}:answer", result.method)

    # ---- sending -------------------------------------------------------------------------

    def _answer(self, event: Event | lm.UnreadableEvent, reply: Reply, key: str, *,
                token_spent: bool = False) -> SendResult | None:
        """Send the event's one answer, unless a run of this job before a crash or retry sent it already."""
        user_id = event.user_id if isinstance(event, lm.UnreadableEvent) else lm.user_of(event)
        if not user_id:  # not a 1:1 chat (the webhook filters these): nobody to answer
            return None
        attempt = self.outbox.begin(f"{key}:answer") if key else None
        if attempt is not None and attempt.state == SendState.SENT:
            log.info("answer to LINE event %s was sent before; not again", key)
            return None
        # A fixed retry key per event: LINE refuses a second push with it (409), so a resend never doubles.
        retry_key = str(uuid.uuid5(uuid.NAMESPACE_URL, key)) if key else None
        resumed = attempt is not None and attempt.state == SendState.SENDING
        result = self._send(user_id, reply, token=None if token_spent else getattr(event, "reply_token", None),
                            deadline=lm.reply_deadline(event), retry_key=retry_key, resumed=resumed)
        if key and result.ok:
            self.outbox.sent(f"{key}:answer", result.method)
        return result

    def _send(self, user_id: str, reply: Reply, *, token: str | None, deadline: float, retry_key: str | None = None,
              resumed: bool = False) -> SendResult:
        result = self.client.send(user_id, lm.to_line_messages(reply, self.codec), reply_token=token,
                                  reply_deadline=deadline, retry_key=retry_key, resumed=resumed)
        guidance = reply.answer_id is None and reply.question_id is not None
        try:
            self.core.receive(Sent(lm.CHANNEL, result.method, reply.answer_id, ok=result.ok, error=result.error,
                                   failure=f"質問 #{reply.question_id} へのご案内を LINE でお届けできませんでした"
                                   if guidance else None))
        except Exception:  # edge: the job's send went out; failing the job would ask the core a second time
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
        raise LineSetupError(f"{what}に失敗しました。{unreachable_text('LINE')}。{UNREACHABLE_FIX}") from None


def _items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a job: a member's events in order (or, in a job queued before that, the one event)."""
    items = payload.get("events")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else [payload]


def _key(payload: dict[str, Any]) -> str:
    """The event's dedupe key: it names its question and its answer across retries ('' when LINE gave no id)."""
    key = payload.get("key")
    return key if isinstance(key, str) else ""

"""The Slack adapter: bolt receives (HTTP or Socket Mode), acks at once, and the durable queue works."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import threading
import uuid
from typing import TYPE_CHECKING, Any, Callable

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters import edge
from adapters.announce_slack import STOP as ANNOUNCE_STOP
from adapters.slack_announcements import ANNOUNCEMENT_JOB, STOP_JOB, AnnouncementDesk, is_announcement_action
from adapters.slack_announcements import EDIT_VIEW as ANNOUNCE_VIEW
from adapters.slack_announcements import SEND_EDITED as ANNOUNCE_EDIT
from adapters.slack_announcements import action_job as announce_job
from adapters.slack_announcements import edit_job as announce_edit_job
from adapters.slack_approvals import (APPROVAL_JOB, APPROVE_EDIT, EDIT_VIEW, ApprovalDesk, action_job, edit_job,
                                      is_approval_action)
from adapters.slack_blocks import (ACTION_PREFIX, ASK_RELATED, BAD_REASON_VIEW, FEEDBACK_BAD, FEEDBACK_GOOD,
                                   SWITCH_PATTERN)
from adapters.slack_convert import (HOME, IGNORE, QUESTION, Action, Unreadable, asked_by_pressing, clean_envelope,
                                    envelope_problem, read_bad_reason, read_event, route_event, to_action)
from adapters.slack_desk import LANE, SLACK_ERRORS, SlackDesk, make_desk, retry_handlers
from adapters.slack_operator import OperatorLoop, is_operator_action
from adapters.slack_trainee import QUESTION_JOB, SEND_JOB, TraineeSide
from bot.announcements import Announcements
from bot.config import Settings
from bot.conversation import Core
from bot.events import Failed
from bot.intake import Intake, NewJob
from bot.jobs import JobKind, JobQueue
from bot.outbox import Outbox
from bot.states import ButtonAction

if TYPE_CHECKING:  # the worker process sends and never serves: it does not load FastAPI (adapters/worker.py)
    from fastapi import FastAPI

__all__ = ["SlackAdapter", "SlackDesk", "make_desk", "COMMAND", "EVENTS_PATH"]
log = logging.getLogger(__name__)

COMMAND = "/bansou"  # also in manifest.yml
EVENTS_PATH = "/slack/events"
RESUME_ANNOUNCEMENTS = f"{ACTION_PREFIX}{ButtonAction.RESUME_ANNOUNCEMENTS}"  # under 「お知らせ停止」's confirmation
COMMAND_FAILED = "申し訳ありません。処理中にエラーが発生しました。少し時間をおいて、もう一度お試しください。"


class SlackAdapter:
    """Holds the core (does not extend it); converts Slack traffic into queued core work."""

    def __init__(self, *, settings: Settings, core: Core, queue: JobQueue, intake: Intake, outbox: Outbox,
                 client: WebClient, desk: SlackDesk | None, announcements: Announcements | None = None) -> None:
        self.settings = settings
        self.queue = queue
        self.intake = intake  # the Events API's one writer
        self.client = client
        self.trainee = TraineeSide(core=core, queue=queue, client=client, outbox=outbox,
                                   channel_patterns=settings.slack_channel_patterns)
        self.core = core
        self.operator = OperatorLoop(core=core, desk=desk) if desk else None
        self.approvals = ApprovalDesk(core=core, client=client, makino_id=settings.slack_makino_user_id,
                                      tz=core.plan.timezone)
        self.announcements = AnnouncementDesk(
            announcements=announcements or Announcements(knowledge=core.knowledge, staff_ids=(), broadcasters={}),
            client=client, channel=settings.slack_operator_channel, tz=core.plan.timezone, encoder=settings.encoder)
        self.verifier = SignatureVerifier(settings.slack_signing_secret)
        self.bolt = self._bolt_app()
        self._socket: Any = None
        self._identity: dict[str, str | None] = {}
        # SQLite has one writer and its busy handler backs off 1-100 ms per retry: a burst of acks racing
        # for it from the threadpool starved some for hundreds of ms. On a Python lock they take turns.
        self._enqueue_lock = threading.Lock()

    # ---- wiring -------------------------------------------------------------------------------

    def mount(self, app: FastAPI) -> None:
        """POST /slack/events; Socket Mode (SLACK_APP_TOKEN) starts with the app."""
        from fastapi import APIRouter
        router = APIRouter(lifespan=self._lifespan)
        router.add_api_route(EVENTS_PATH, self._endpoint, methods=["POST"], include_in_schema=False)
        app.include_router(router)
        app.state.slack = self

    def start_socket_mode(self) -> None:
        """Receive over Socket Mode instead of HTTP (non-blocking; the same listeners run). Idempotent."""
        if self._socket is not None:
            return
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        web = WebClient(base_url=self.settings.slack_api_base_url, retry_handlers=retry_handlers())
        self._socket = SocketModeHandler(self.bolt, self.settings.slack_app_token, web_client=web)
        self._socket.connect()
        log.info("Slack Socket Mode connected")

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()

    def learn_identity(self) -> None:
        """Best effort: the bot's own ids let its own events be dropped (the routing drops bot posts anyway)."""
        try:
            result = self.client.auth_test()
        except SLACK_ERRORS as exc:
            log.warning("auth.test failed, relying on the bot_id check alone: %s", exc)
            return
        self._identity = {"bot_id": result.get("bot_id"), "user_id": result.get("user_id")}

    # ---- bolt listeners: checks and an enqueue, then the ack ----------------------------------

    def _on_event(self, ack: Callable, body: dict) -> None:
        """Socket Mode's events (HTTP events take the fast path in `_endpoint`)."""
        job = self._event_job(body)
        if job is not None:
            self._enqueue(job[0], job[1], dedupe_key=job[2])
        ack()

    def _event_job(self, body: dict) -> NewJob | None:
        """The job an Events API event makes, or None when the bot has nothing to do with it."""
        event = read_event(body.get("event"))
        route = IGNORE if isinstance(event, Unreadable) else route_event(
            event, operator_channel=self.settings.slack_operator_channel)
        if route == IGNORE or not (route in (QUESTION, HOME) or self.operator):
            return None
        if self._identity.get("user_id") and event.get("user") == self._identity["user_id"]:
            return None  # the bot's own post (bolt's ignoring_self_events does this for Socket Mode)
        event_id = body.get("event_id") if isinstance(body.get("event_id"), str) else ""
        key = event_id[:100] or f"{event.get('channel')}:{event.get('event_ts') or event.get('ts')}"
        # The event id makes a redelivery (X-Slack-Retry-Num) a duplicate the queue refuses.
        return f"slack.{route}", {"event": event, "key": f"slack:event:{key}"}, f"slack:event:{key}"

    def _on_action(self, ack: Callable, body: dict) -> None:
        action = to_action(body)
        if isinstance(action, Unreadable):  # the envelope check refuses these; a second guard costs nothing
            ack()
            return
        payload = {"action": dataclasses.asdict(action)}
        if action.action_id in (FEEDBACK_GOOD, FEEDBACK_BAD):
            bad = action.action_id == FEEDBACK_BAD
            if not (bad and self.trainee.open_bad_reason(action)):
                self._enqueue_feedback(action.user_id, action.value, good=not bad, channel=action.channel,
                                       thread=action.thread_ts, key=_action_key(action))
        elif action.action_id.startswith(SWITCH_PATTERN):
            self._enqueue("slack.switch", payload, dedupe_key=_action_key(action))
        elif action.action_id.startswith(ASK_RELATED) and action.value.strip():
            key = _action_key(action)  # the question's job, as if the member had typed it where the answer is
            self._enqueue(QUESTION_JOB, {"event": asked_by_pressing(action), "key": key}, dedupe_key=key)
        elif is_operator_action(action.action_id) and self.operator:
            self._enqueue("slack.operator_action", payload, dedupe_key=_action_key(action))
        elif is_announcement_action(action.action_id):
            if not (action.action_id == ANNOUNCE_EDIT and self.announcements.open_editor(action)):
                self._enqueue(ANNOUNCEMENT_JOB, announce_job(action), dedupe_key=_action_key(action))
        elif action.action_id in (ANNOUNCE_STOP, RESUME_ANNOUNCEMENTS):
            self._enqueue(STOP_JOB, {"user_id": action.user_id, "channel": action.channel,
                                     "resume": action.action_id == RESUME_ANNOUNCEMENTS}, dedupe_key=_action_key(action))
        elif is_approval_action(action.action_id):
            if not (action.action_id == APPROVE_EDIT and self.approvals.open_editor(action)):
                self._enqueue(APPROVAL_JOB, action_job(action), dedupe_key=_action_key(action))
        ack()

    def _on_approval_edit(self, ack: Callable, body: dict) -> None:
        """Makino sent his edited wording: approved with it."""
        job = edit_job(body)
        view_id = str((body.get("view") or {}).get("id") or uuid.uuid4().hex)[:100]
        if job is not None:
            self._enqueue(APPROVAL_JOB, job, dedupe_key=f"slack:view:{view_id}")
        ack()

    def _on_announcement_edit(self, ack: Callable, body: dict) -> None:
        """Staff sent the edited announcement: sent with their wording."""
        job = announce_edit_job(body)
        view_id = str((body.get("view") or {}).get("id") or uuid.uuid4().hex)[:100]
        if job is not None:
            self._enqueue(ANNOUNCEMENT_JOB, job, dedupe_key=f"slack:view:{view_id}")
        ack()

    def _on_bad_reason(self, ack: Callable, body: dict) -> None:
        """The Bad modal was sent (with or without a reason) or closed: either way Bad is recorded."""
        bad = read_bad_reason(body)
        if not isinstance(bad, Unreadable):
            self._enqueue_feedback(bad.user_id, bad.answer_id, good=False, reason=bad.reason, channel=bad.channel,
                                   thread=bad.thread_ts, key=f"slack:view:{bad.view_id[:100] or uuid.uuid4().hex}")
        ack()

    def _on_command(self, ack: Callable, command: dict) -> None:
        try:
            ack(**self.trainee.command(command["user_id"], command.get("text", "")))
        except Exception:  # edge: the command's ack; whatever failed, Slack gets an answer within 3 s
            log.exception("slash command failed")
            ack(text=COMMAND_FAILED)

    def _enqueue_feedback(self, user: str, answer_id: str, *, good: bool, channel: str | None,
                          thread: str | None, key: str, reason: str = "") -> None:
        self._enqueue("slack.feedback", {"user": user, "answer_id": answer_id, "good": good, "reason": reason,
                                         "channel": channel, "thread_ts": thread}, dedupe_key=key)

    def _enqueue(self, kind: str, payload: dict[str, Any], *, dedupe_key: str) -> None:
        with self._enqueue_lock:
            self.queue.enqueue(kind, payload, dedupe_key=dedupe_key)

    # ---- private --------------------------------------------------------------------------------

    def _bolt_app(self) -> App:
        # process_before_response: a listener only enqueues, so the ack waits for the stored job.
        # Our own authorize: bolt's default calls auth.test on the first request and, if Slack fails
        # then, acks the event with 200 and drops it.
        bolt_client = WebClient(base_url=self.settings.slack_api_base_url, retry_handlers=retry_handlers())
        # The endpoint verifies every request before bolt sees it (Socket Mode needs no signature).
        app = App(client=bolt_client, signing_secret=self.settings.slack_signing_secret,
                  request_verification_enabled=False,
                  authorize=lambda enterprise_id, team_id: self._authorize(enterprise_id, team_id),
                  process_before_response=True, name="bansou")
        app.event("message")(self._on_event)
        app.event("app_mention")(self._on_event)
        app.event("app_home_opened")(self._on_event)
        app.action(re.compile(f"^{ACTION_PREFIX}"))(self._on_action)
        app.view_submission(BAD_REASON_VIEW)(self._on_bad_reason)
        app.view_closed(BAD_REASON_VIEW)(self._on_bad_reason)
        app.view_submission(EDIT_VIEW)(self._on_approval_edit)
        app.view_submission(ANNOUNCE_VIEW)(self._on_announcement_edit)
        app.command(COMMAND)(self._on_command)
        return app

    def jobs(self) -> list[JobKind]:
        """The Slack lane's job kinds (the composition root registers them)."""
        trainee = self.trainee
        kinds = [JobKind(QUESTION_JOB, trainee.on_question, trainee.question_failed, LANE),
                 JobKind(SEND_JOB, trainee.on_send, trainee.send_failed, LANE),
                 JobKind("slack.feedback", trainee.on_feedback, self._job_failed, LANE),
                 JobKind("slack.switch", trainee.on_switch, self._job_failed, LANE),
                 JobKind("slack.home", trainee.on_home, None, LANE),
                 JobKind(APPROVAL_JOB, self.approvals.on_decision, self._job_failed, LANE),
                 JobKind(ANNOUNCEMENT_JOB, self.announcements.on_decision, self._job_failed, LANE),
                 JobKind(STOP_JOB, trainee.on_announcements, self._job_failed, LANE)]
        if self.operator:
            operator = self.operator
            kinds += [JobKind("slack.operator_reply", operator.on_reply, self._job_failed, LANE),
                      JobKind("slack.operator_edit", operator.on_edit, self._job_failed, LANE),
                      JobKind("slack.operator_delete", operator.on_delete, self._job_failed, LANE),
                      JobKind("slack.operator_action", operator.on_action, self._job_failed, LANE)]
        return kinds

    def _authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """One workspace, one bot token: no network call on the ack path."""
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.settings.slack_bot_token,
                               bot_id=self._identity.get("bot_id"), bot_user_id=self._identity.get("user_id"))

    def _job_failed(self, payload: dict[str, Any], error: str) -> None:
        self.core.receive(Failed(error, what="Slack の処理に失敗しました（再試行済み）"))

    async def _endpoint(self, request: Request) -> Response:
        """Verify the raw bytes, then parse with care; only a readable, handled request reaches bolt."""
        rid = edge.request_id()
        body = await edge.read_body(request)
        if body is None:
            return edge.refuse(413, "body too large", rid, platform="Slack")
        text = self._verified_text(body, request.headers)
        if text is None:
            return edge.refuse(401, "missing, stale or invalid Slack signature", rid, platform="Slack")
        try:
            parsed = parse_body(text, request.headers.get("content-type"))
        except (ValueError, RecursionError) as exc:
            return edge.ignore(f"body unreadable ({type(exc).__name__})", rid, platform="Slack")
        problem = "too deep" if edge.depth(parsed) > edge.MAX_DEPTH else envelope_problem(
            parsed, command=COMMAND, action_prefix=ACTION_PREFIX, view_ids=(BAD_REASON_VIEW, EDIT_VIEW, ANNOUNCE_VIEW))
        if problem:
            return edge.ignore(problem, rid, platform="Slack")
        if parsed.get("type") == "event_callback":
            return await self._ack_event(parsed, rid)
        headers = {**request.headers, "content-type": "application/json"}
        bolt_request = BoltRequest(body=json.dumps(clean_envelope(parsed)), query=request.query_params,
                                   headers=headers)
        # bolt's dispatch is synchronous (and a button may call Slack): run it off the event loop.
        response = await run_in_threadpool(self.bolt.dispatch, bolt_request)
        return to_starlette_response(response)

    async def _ack_event(self, body: dict[str, Any], rid: str) -> Response:
        # The Events API wants only a quick 200: no bolt dispatch (and no thread hop) on this path, just
        # the job stored. bolt still receives Socket Mode events, actions, views and commands.
        job = self._event_job(body)
        if job is not None:
            try:
                await asyncio.wrap_future(self.intake.submit([job]))
            except Exception:  # edge: the webhook ack; not stored, a non-2xx makes Slack retry (deduplicated)
                log.error("Slack webhook %s: could not store the event", rid)
                return edge.refuse(503, "could not store the event", rid, platform="Slack")
        return Response(status_code=200)

    def _verified_text(self, body: bytes, headers: Any) -> str | None:
        """The body as text when its signature is Slack's; None otherwise (no header can make this raise)."""
        stamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        # slack_sdk parses the timestamp with int() and compares str digests: give it only what it expects.
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 and signature.isascii()):
            return None
        try:
            text = body.decode("utf-8")  # Slack signs UTF-8 text; other bytes cannot be Slack's
        except UnicodeDecodeError:
            return None
        return text if self.verifier.is_valid(text, stamp, signature) else None

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: FastAPI):
        self.learn_identity()
        if self.settings.slack_app_token:
            self.start_socket_mode()
        yield
        self.stop()


def _action_key(action: Action) -> str:
    stamp = action.action_ts or uuid.uuid4().hex
    return f"slack:action:{action.user_id}:{action.action_id}:{stamp}"

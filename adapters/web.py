"""The web app: platform webhooks, health check and dashboard; it starts the worker process (adapters/worker.py)."""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.process import BaseProcess

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from adapters.worker import DRAIN_SECONDS, work
from app import Runtime, build_runtime
from bot.config import ConfigError, Settings
from reports.dashboard import mount_dashboard
from reports.dashboard_html import not_found_page

log = logging.getLogger(__name__)


def create_app(runtime: Runtime) -> FastAPI:
    """Mount the adapters the runtime holds. The job workers run elsewhere (`start_worker_process`)."""
    app = FastAPI(title="bansou", docs_url=None, redoc_url=None)
    app.state.runtime = runtime

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            health = runtime.health()
        except Exception as exc:  # edge: the health endpoint; the check exists to say exactly this
            return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
        return JSONResponse(health)  # "degraded" (Claude failing) is still 200: the bot answers from knowledge

    if runtime.line is not None:
        runtime.line.mount(app)
    if runtime.slack is not None:
        runtime.slack.mount(app)
    else:
        _mount_slack_not_configured(app)
    mount_dashboard(app, runtime)
    app.add_exception_handler(HTTPException, _japanese_error)
    return app


async def _japanese_error(request: Request, exc: HTTPException) -> Response:
    """A wrong address or method, said in Japanese (a person opening a link reads it; platforms read the code)."""
    if exc.status_code == 404:
        return HTMLResponse(not_found_page(), status_code=404)
    words = {405: "この方法ではアクセスできません", 400: "リクエストの形が正しくありません"}
    return JSONResponse({"detail": words.get(exc.status_code, "リクエストを処理できませんでした")},
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _mount_slack_not_configured(app: FastAPI) -> None:
    """Before the Slack settings are in: Slack's URL check (sent when the app is created from the
    manifest, before its tokens exist) is answered; anything else says what is missing."""

    @app.post("/slack/events")
    async def slack_events(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("type") == "url_verification" and isinstance(body.get("challenge"), str):
            return JSONResponse({"challenge": body["challenge"]})
        log.warning("Slack からの通知が届きましたが、SLACK_BOT_TOKEN と SLACK_SIGNING_SECRET が設定されていません")
        return JSONResponse({"error": "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"},
                            status_code=503)


def freeze_start_up_heap() -> None:
    """The start-up heap (SDKs, models, the knowledge index) lives as long as the process. Frozen, it is
    not rescanned by every full collection, which otherwise paused webhook acks for 100-200 ms."""
    gc.freeze()


def start_worker_process(settings: Settings) -> BaseProcess:
    """The job workers and the scheduler in a process of their own. Answering is CPU-bound (search,
    tokenising) and would hold the GIL the webhook acks need; the queue is safe for several processes."""
    process = multiprocessing.get_context("spawn").Process(target=work, args=(settings, os.getpid()),
                                                           name="bansou-workers", daemon=True)
    process.start()
    return process


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run the app with uvicorn until stopped; the job workers run beside it in their own process.

    SIGTERM (or Ctrl-C): uvicorn stops taking requests, the worker process stops claiming jobs and lets
    the running ones finish (DRAIN_SECONDS), and the server lock is released."""
    import uvicorn

    from bot.dbops import DbOpsError, ServerLock
    lock = ServerLock(settings.database_url)  # `db restore` refuses while any server holds it
    try:
        held = lock.acquire(shared=True)
    except DbOpsError as exc:
        raise ConfigError(f"DATABASE_URL: {exc}") from None
    if not held:
        raise ConfigError("DATABASE_URL: このデータベースは復元の途中です。終わってから起動してください")
    stopping = _note_stop_signals()
    workers: BaseProcess | None = None
    runtime: Runtime | None = None
    ran = False
    try:
        runtime = build_runtime(settings, answering=False)  # lean: no index, no encoder, no Claude client
        runtime.core.screener.check()  # a broken safety model stops start-up; the worker loads it
        workers = start_worker_process(settings)
        app = create_app(runtime)
        freeze_start_up_heap()
        if not stopping.is_set():
            log.info("サーバーを起動しました（ポート %d）", port)  # the operators' start mark (troubleshooting.md)
            uvicorn.run(app, host=host, port=port, log_level="info",
                        log_config=None)  # our logging set-up (file + stdout) stays in charge
        ran = True
    finally:
        if workers is not None:
            stop_worker_process(workers)
        if runtime is not None:
            runtime.stop(drain=0)  # the web process runs no jobs: this ends its LINE signs' renewals
        lock.release()
        reason = stop_reason(stopping.signum, ran)
        (log.info if ran else log.warning)("サーバーを停止しました（%s）", reason)


def signal_received(signum: int) -> str:
    """The moment a stop signal arrives, in the same words as the stop line (not its number)."""
    if signum == signal.SIGINT:
        return "Ctrl-C が押されました"
    name = "SIGTERM" if signum == signal.SIGTERM else f"シグナル {signum}"
    return f"停止の指示（{name}）を受けました"


def stop_reason(signum: int | None, ran: bool) -> str:
    """Why the server stopped, in the words of the operators' log line."""
    if not ran:
        return "エラーのため。この行の前の ERROR の行に原因があります"
    if signum == signal.SIGTERM:
        return "停止の指示（SIGTERM）を受けたため: systemctl stop・restart、PaaS の再起動など"
    if signum == signal.SIGINT:
        return "Ctrl-C が押されたため"
    return "理由の記録はありません"


def stop_worker_process(workers: BaseProcess, drain: float = DRAIN_SECONDS) -> None:
    """SIGTERM to the workers: they stop claiming and finish what runs, within `drain`; then it is killed."""
    workers.terminate()
    workers.join(timeout=drain + 5)
    if workers.is_alive():
        log.warning("worker process still busy after %.0f s: killed (its jobs come back when their lease ends)", drain)
        workers.kill()
        workers.join(timeout=5)


class StopSignal(threading.Event):
    """Set by SIGTERM/SIGINT; `signum` says which, for the stop line."""
    signum: int | None = None


def _note_stop_signals() -> StopSignal:
    """Our own SIGTERM/SIGINT handler under uvicorn's. uvicorn re-raises the signal it caught once it has
    stopped; with the default handler that would kill this process before its clean-up runs."""
    stopping = StopSignal()

    def note(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.signum = signum
            log.info("%s。処理中の回答を終えてから止まります", signal_received(signum))
        stopping.set()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, note)
    return stopping

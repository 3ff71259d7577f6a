"""The LINE adapter end to end: signed webhooks into the app, the real SDK against a fake Messaging API."""
from __future__ import annotations

import copy
import io
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from adapters.line import LineSetupError, setup_rich_menu
from adapters.line_messages import (INVALID_POSTBACK, TEXT_LIMIT, TEXT_ONLY, TRUNCATED, split_text, to_incoming,
                                    utf16_len, wanted)
from adapters.line_postback import PostbackCodec
from adapters.web import create_app
from bot.conversation import APOLOGY
from bot.texts.welcome import STICKER
from bot.models import Answer, Delivery, Escalation, Feedback, Job, Question, User
from app import build_runtime
from fakes import FakeServer, line_signature
from linebot.v3.webhooks import Event

DATA = Path(__file__).parent / "data" / "line"
SECRET = "test-line-channel-secret"
TOKEN = "test-line-access-token"
ALICE = "U4af4980629000000000000000000aaaa"
BOB = "U4af4980629000000000000000000bbbb"
REPLY, PUSH, LOADING = "/v2/bot/message/reply", "/v2/bot/message/push", "/v2/bot/chat/loading/start"
SENT = (200, {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]})


# ---- fixtures and helpers --------------------------------------------------------------------

@pytest.fixture(scope="module")
def line_server() -> FakeServer:
    fake = FakeServer().start()  # one per module: stopping a server costs half a second
    yield fake
    fake.stop()


@pytest.fixture
def line_api(line_server) -> FakeServer:
    """The fake Messaging API, with no calls yet and LINE's usual answers."""
    line_server.calls.clear()
    line_server.routes.clear()
    line_server.route("POST", REPLY, SENT)
    line_server.route("POST", PUSH, SENT)
    line_server.route("POST", LOADING, (202, {}))
    line_server.route("GET", f"/v2/bot/profile/{BOB}", (200, {"displayName": "山田", "userId": BOB, "language": "ja"}))
    return line_server


@pytest.fixture
def line_settings(settings, line_api):
    return replace(settings, line_channel_secret=SECRET, line_channel_access_token=TOKEN,
                   line_api_base_url=line_api.url)


@pytest.fixture
def runtime(line_settings, desk):
    rt = build_runtime(line_settings, desk=desk)
    yield rt
    rt.stop()
    rt.database.close()


@pytest.fixture
def app(runtime):
    app = create_app(runtime)
    app.state.line.client.retry_delays = (0.01, 0.01)  # the back-off itself, without the wait
    return app


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


def webhook(name: str, *, age: float = 0.0, **changes: Any) -> dict[str, Any]:
    """A fixture body; its events happened `age` seconds ago; `changes` apply to every event."""
    body = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    for event in body["events"]:
        event["timestamp"] = int((time.time() - age) * 1000)
        for key, value in changes.items():
            if key == "text":
                event["message"]["text"] = value
            elif key == "data":
                event["postback"]["data"] = value
            elif key == "user":
                event["source"]["userId"] = value
            else:
                event[key] = value
    return body


def sign(body: bytes, secret: str = SECRET) -> str:
    return line_signature(body, secret)


def post(client: TestClient, body: dict[str, Any], signature: str | None = None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Line-Signature": signature or sign(raw)}
    return client.post("/line/webhook", content=raw, headers=headers)


def deliver(client: TestClient, runtime, body: dict[str, Any]) -> None:
    """What LINE and our worker do: post the webhook, then work the queue."""
    assert post(client, body).status_code == 200
    runtime.queue.run_pending()


def texts(call) -> list[str]:
    return [m["text"] for m in call.json["messages"]]


def quick_items(call) -> list[dict[str, Any]]:
    last = call.json["messages"][-1]
    return [item["action"] for item in (last.get("quickReply") or {}).get("items", [])]


def button(call, label_prefix: str) -> str:
    return next(a["data"] for a in quick_items(call) if a["label"].startswith(label_prefix))


# ---- the webhook edge ------------------------------------------------------------------------

def test_text_is_acknowledged_first_then_answered_by_reply_with_loading_and_buttons(client, runtime, line_api):
    response = post(client, webhook("text"))
    assert response.status_code == 200 and response.json()["queued"] == 1
    assert line_api.calls_to(REPLY) == [] == line_api.calls_to(PUSH)  # the answer comes after the ack, from the queue
    runtime.queue.run_pending()
    loading = line_api.calls_to(LOADING)
    assert loading and loading[0].json["chatId"] == ALICE and loading[0].json["loadingSeconds"] % 5 == 0
    [reply] = line_api.calls_to(REPLY)
    assert reply.json["replyToken"] == "38ef843bde154d9b91c21320ffd17a0f"
    assert reply.headers["authorization"] == f"Bearer {TOKEN}"
    assert "8日以内" in texts(reply)[0]
    labels = [a["label"] for a in quick_items(reply)]
    assert labels[:2] == ["👍 Good", "👎 Bad"] and labels[-1] == "🔄 相談メニューを変える"
    postbacks = [a for a in quick_items(reply) if a["type"] == "postback"]
    assert len(postbacks) == 3 and all(len(a["data"]) <= 300 for a in postbacks)  # between them, related questions
    assert line_api.calls_to(PUSH) == []
    delivery = Delivery.get()
    assert (delivery.channel, delivery.method, delivery.ok) == ("line", "reply", True)
    assert delivery.answer_id == Answer.get().id


def test_expired_reply_token_means_push(client, runtime, line_api):
    deliver(client, runtime, webhook("text", age=120))
    assert line_api.calls_to(REPLY) == []
    [push] = line_api.calls_to(PUSH)
    assert push.json["to"] == ALICE and "8日以内" in texts(push)[0]
    assert push.headers.get("x-line-retry-key")
    assert [d.method for d in Delivery.select()] == ["push"]


def test_reply_rejected_for_an_invalid_token_falls_back_to_push(client, runtime, line_api):
    line_api.route("POST", REPLY, (400, {"message": "Invalid reply token"}))
    deliver(client, runtime, webhook("text"))
    assert len(line_api.calls_to(REPLY)) == 1  # a dead token is not retried
    assert len(line_api.calls_to(PUSH)) == 1
    assert [(d.method, d.ok) for d in Delivery.select()] == [("push", True)]


def test_line_api_500_then_success_is_retried_inside_the_send(client, runtime, line_api):
    line_api.sequence("POST", REPLY, (500, {"message": "Internal error"}), SENT)
    deliver(client, runtime, webhook("text"))
    assert len(line_api.calls_to(REPLY)) == 2
    assert line_api.calls_to(PUSH) == []
    assert [(d.method, d.ok) for d in Delivery.select()] == [("reply", True)]
    assert Question.select().count() == 1


def test_undeliverable_answer_is_recorded_and_alerted_without_asking_again(client, runtime, line_api, desk):
    line_api.route("POST", REPLY, (500, {"message": "Internal error"}))
    line_api.route("POST", PUSH, (500, {"message": "Internal error"}))
    deliver(client, runtime, webhook("text"))
    pushes = line_api.calls_to(PUSH)
    assert len(pushes) == 3 and len({p.headers["x-line-retry-key"] for p in pushes}) == 1
    delivery = Delivery.get()
    assert (delivery.method, delivery.ok) == ("push", False) and "500" in delivery.error
    assert not Answer.get().delivered
    assert any("お届けできませんでした" in a for a in desk.alerts)
    assert Question.select().count() == 1 and Job.get().status == "done"


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU=", "wrong-secret"])
def test_missing_or_forged_signature_is_refused_and_nothing_is_queued(client, line_api, signature):
    raw = json.dumps(webhook("text")).encode()
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["X-Line-Signature"] = sign(raw, "another-secret") if signature == "wrong-secret" else signature
    response = client.post("/line/webhook", content=raw, headers=headers)
    assert response.status_code == 401
    assert Job.select().count() == 0 and line_api.calls == []


def test_signature_covers_the_raw_body(client):
    body = webhook("text")
    signature = sign(json.dumps(body, ensure_ascii=False).encode())
    body["events"][0]["message"]["text"] = "改ざんされた質問"
    assert post(client, body, signature=signature).status_code == 401
    assert Job.select().count() == 0


def test_console_verification_with_no_events_gets_200(client, line_api):
    response = post(client, webhook("verification"))
    assert response.status_code == 200
    assert Job.select().count() == 0 and line_api.calls == []


def test_wrong_method_and_malformed_body(client):
    assert client.get("/line/webhook").status_code == 405
    raw = b'{"events": "nope"}'
    # Signed by LINE but unusable: 200 and ignored, since a redelivery would be just as unusable.
    response = client.post("/line/webhook", content=raw, headers={"X-Line-Signature": sign(raw)})
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert Job.select().count() == 0


def test_redelivery_of_the_same_event_is_processed_once(client, runtime, line_api):
    assert post(client, webhook("text")).json()["queued"] == 1
    again = post(client, webhook("redelivery"))
    assert again.status_code == 200 and again.json()["queued"] == 0
    runtime.queue.run_pending()
    assert len(line_api.calls_to(REPLY)) == 1
    assert Question.select().count() == 1 and Job.select().count() == 1


def test_a_batch_of_events_is_queued_one_job_each(client, runtime, line_api):
    response = post(client, webhook("batch"))
    assert response.json()["queued"] == 3  # the group message is not the bot's business
    runtime.queue.run_pending()
    replies = {c.json["replyToken"]: texts(c)[0] for c in line_api.calls_to(REPLY)}
    assert set(replies) == {f"aaaa000000000000000000000000000{i}" for i in (1, 2, 3)}
    assert "8日以内" in replies["aaaa0000000000000000000000000001"]
    assert "500万円" in replies["aaaa0000000000000000000000000002"]
    assert "おかえりなさい" in replies["aaaa0000000000000000000000000003"]  # isUnblocked: a welcome back


# ---- followers, postbacks, other messages ----------------------------------------------------

def test_follow_greets_by_name_with_pattern_buttons_and_unfollow_deactivates(client, runtime, line_api):
    deliver(client, runtime, webhook("follow"))
    [reply] = line_api.calls_to(REPLY)
    assert texts(reply)[0].startswith("山田さん、友だち追加ありがとうございます")
    assert [a["label"] for a in quick_items(reply)] == ["汎用Q&A", "ドクター", "法人", "人格エージェント"]
    assert quick_items(reply)[1]["displayText"] == "ドクター向けの提案について質問したいです"
    user = User.get(User.external_id == BOB)
    assert user.active and user.cohort == "academy_member" and user.display_name == "山田"
    deliver(client, runtime, webhook("unfollow"))
    assert not User.get(User.external_id == BOB).active
    assert len(line_api.calls_to(REPLY)) == 1 and line_api.calls_to(PUSH) == []


def test_good_and_bad_feedback_postbacks(client, runtime, line_api, desk):
    deliver(client, runtime, webhook("text"))
    answered = line_api.calls_to(REPLY)[0]
    deliver(client, runtime, webhook("postback", data=button(answered, "👍"), webhookEventId="01GOOD"))
    assert "ありがとうございます" in texts(line_api.calls_to(REPLY)[-1])[0]
    assert Feedback.get().rating == "good"
    deliver(client, runtime, webhook("postback", data=button(answered, "👎"), webhookEventId="01BAD"))
    assert "担当スタッフ" in texts(line_api.calls_to(REPLY)[-1])[0]
    assert Feedback.get().rating == "bad"
    escalation = Escalation.get()
    assert escalation.reason == "bad_feedback" and desk.posted[-1].id == escalation.id


def test_tampered_or_foreign_postbacks_change_nothing(client, runtime, line_api):
    deliver(client, runtime, webhook("text"))
    data = parse_qs(button(line_api.calls_to(REPLY)[0], "👎"))
    forged = {k: v[0] for k, v in data.items()} | {"x": "999"}
    bodies = [urlencode(forged), "action=feedback_bad&answer=1", "v=1&a=b&x=1&t=&s=" + forged["s"]]
    for i, data in enumerate(bodies):
        deliver(client, runtime, webhook("postback", data=data, webhookEventId=f"01TAMPER{i}"))
        assert texts(line_api.calls_to(REPLY)[-1]) == [INVALID_POSTBACK]
    genuine = button(line_api.calls_to(REPLY)[0], "👎")
    deliver(client, runtime, webhook("postback", data=genuine, user=BOB, webhookEventId="01FOREIGN"))
    assert "使えなく" in texts(line_api.calls_to(REPLY)[-1])[0]  # valid button, someone else's answer
    assert Feedback.select().count() == 0 and Escalation.select().count() == 0


def test_pattern_menu_and_switch_by_postback(client, runtime, line_api):
    deliver(client, runtime, webhook("text"))
    menu = button(line_api.calls_to(REPLY)[0], "🔄")
    deliver(client, runtime, webhook("postback", data=menu, webhookEventId="01MENU"))
    choices = line_api.calls_to(REPLY)[-1]
    assert "お選びください" in texts(choices)[0]
    deliver(client, runtime, webhook("postback", data=button(choices, "ドクター"), webhookEventId="01SWITCH"))
    assert "切り替えました" in texts(line_api.calls_to(REPLY)[-1])[0]
    assert User.get(User.external_id == ALICE).pattern == 2


@pytest.mark.parametrize("name, answer", [("sticker", STICKER), ("image", TEXT_ONLY), ("location", TEXT_ONLY)])
def test_non_text_messages_get_a_polite_text_only_answer(client, runtime, line_api, name, answer):
    deliver(client, runtime, webhook(name))
    [reply] = line_api.calls_to(REPLY)
    assert texts(reply) == [answer]  # a sticker gets a friendly nudge
    assert line_api.calls_to(LOADING) == [] and Question.select().count() == 0


def test_a_sticker_without_its_resource_type_gets_the_nudge_and_no_warning(client, runtime, line_api, caplog):
    body = webhook("sticker")
    del body["events"][0]["message"]["stickerResourceType"]  # LINE sends such stickers; the SDK's model refuses them
    with caplog.at_level("INFO"):
        deliver(client, runtime, body)
    assert texts(line_api.calls_to(REPLY)[0]) == [STICKER]
    assert [r for r in caplog.records if r.levelno >= 30] == []
    assert not any("ValidationError" in r.getMessage() for r in caplog.records)


def test_unknown_message_type_still_gets_the_polite_answer(client, runtime, line_api):
    body = webhook("text")
    body["events"][0]["message"] = {"type": "hologram", "id": "1"}
    deliver(client, runtime, body)
    assert texts(line_api.calls_to(REPLY)[0]) == [TEXT_ONLY]
    assert Job.get().status == "done"


# ---- escalations answered in Slack, failures of the core ------------------------------------

def test_staff_answer_from_slack_arrives_as_a_push_quoting_the_question(client, runtime, line_api, desk):
    deliver(client, runtime, webhook("text", text="次回の勉強会はいつ開催されますか？"))
    assert "担当スタッフ" in texts(line_api.calls_to(REPLY)[0])[0]
    resolution = runtime.core.escalations.resolve(desk.posted[-1].id, "回答", answered_by="staff1", source="staff")
    assert resolution.delivered
    [push] = line_api.calls_to(PUSH)
    assert push.json["to"] == ALICE
    body = "\n".join(texts(push))
    assert "今日いただいたご質問「次回の勉強会はいつ" in body and body.endswith("回答")
    assert [a["label"] for a in quick_items(push)][:2] == ["👍 Good", "👎 Bad"]
    assert Delivery.get(Delivery.answer == resolution.answer_id).method == "push"


def test_staff_answer_that_cannot_be_pushed_is_alerted(client, runtime, line_api, desk):
    deliver(client, runtime, webhook("text", text="次回の勉強会はいつ開催されますか？"))
    line_api.route("POST", PUSH, (500, {"message": "Internal error"}))
    resolution = runtime.core.escalations.resolve(desk.posted[-1].id, "回答", answered_by="staff1", source="staff")
    assert not resolution.delivered and len(line_api.calls_to(PUSH)) == 3
    assert not Answer.get_by_id(resolution.answer_id).delivered and desk.alerts


def test_long_staff_answer_is_split_on_paragraphs(client, runtime, line_api, desk):
    deliver(client, runtime, webhook("text", text="次回の勉強会はいつ開催されますか？"))
    paragraphs = [f"第{i}段落。" + "保険の説明です。" * 400 for i in range(3)]  # about 3,200 characters each
    runtime.core.escalations.resolve(desk.posted[-1].id, "\n\n".join(paragraphs), answered_by="staff1",
                                     source="staff")
    [push] = line_api.calls_to(PUSH)
    messages = texts(push)
    assert 2 <= len(messages) <= 5 and all(utf16_len(m) <= TEXT_LIMIT for m in messages)
    assert messages[-1] == paragraphs[-1] and messages[1].startswith("第1段落")


def test_core_failure_is_retried_then_answered(client, runtime, line_api, monkeypatch):
    handle, calls = runtime.core.handle, []

    def flaky(message):
        calls.append(message)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return handle(message)
    monkeypatch.setattr(runtime.core, "handle", flaky)
    deliver(client, runtime, webhook("text"))
    assert Job.get().status == "pending" and line_api.calls_to(REPLY) == []
    Job.update(run_after=Job.created_at).execute()  # the back-off has passed
    runtime.queue.run_pending()
    assert len(calls) == 2 and "8日以内" in texts(line_api.calls_to(REPLY)[0])[0]


def test_core_failure_for_good_escalates_and_apologises(line_settings, desk, line_api, monkeypatch):
    rt = build_runtime(replace(line_settings, job_max_attempts=1), desk=desk)
    try:
        client = TestClient(create_app(rt))

        def broken(message):
            raise RuntimeError("database is down")
        monkeypatch.setattr(rt.core, "handle", broken)
        assert post(client, webhook("text", age=600)).status_code == 200
        rt.queue.run_pending()
        [push] = line_api.calls_to(PUSH)
        assert texts(push) == [APOLOGY]
        assert desk.posted[-1].reason == "error" and any("database is down" in a for a in desk.alerts)
        assert Question.get().text == "クーリング・オフはいつまで？"
    finally:
        rt.stop()
        rt.database.close()


# ---- the rich menu ---------------------------------------------------------------------------

def test_setup_rich_menu_creates_uploads_and_sets_default(line_settings, line_api, client, runtime):
    line_api.route("POST", "/v2/bot/richmenu", (200, {"richMenuId": "richmenu-new"}))
    line_api.route("POST", "/v2/bot/richmenu/richmenu-new/content", (200, {}))
    line_api.route("POST", "/v2/bot/user/all/richmenu/richmenu-new", (200, {}))
    old = {"richMenuId": "richmenu-old", "size": {"width": 2500, "height": 843}, "selected": True,
           "name": "bansou-patterns", "chatBarText": "相談メニュー", "areas": []}
    line_api.route("GET", "/v2/bot/richmenu/list", (200, {"richmenus": [old, old | {"richMenuId": "richmenu-new"}]}))
    line_api.route("DELETE", "/v2/bot/richmenu/richmenu-old", (200, {}))

    assert setup_rich_menu(line_settings) == "richmenu-new"
    [created] = line_api.calls_to("/v2/bot/richmenu")
    areas = created.json["areas"]
    assert created.json["size"] == {"width": 2500, "height": 843} and len(areas) == 4
    codec = PostbackCodec(SECRET)
    assert [codec.decode(a["action"]["data"]).value for a in areas] == ["1", "2", "3", "4"]
    [upload] = line_api.calls_to("/v2/bot/richmenu/richmenu-new/content")
    assert upload.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(upload.body)).size == (2500, 843)
    assert line_api.calls_to("/v2/bot/user/all/richmenu/richmenu-new")
    assert [c.method for c in line_api.calls_to("/v2/bot/richmenu/richmenu-old")] == ["DELETE"]
    # a member taps the menu: the permanent postback switches the Pattern
    deliver(client, runtime, webhook("postback", data=areas[2]["action"]["data"]))
    assert User.get(User.external_id == ALICE).pattern == 3


def test_rich_menu_setup_failure_is_one_clear_error_and_leaves_nothing(line_settings, line_api):
    line_api.route("POST", "/v2/bot/richmenu", (200, {"richMenuId": "richmenu-bad"}))
    line_api.route("POST", "/v2/bot/richmenu/richmenu-bad/content", (400, {"message": "Image size is too large"}))
    line_api.route("DELETE", "/v2/bot/richmenu/richmenu-bad", (200, {}))
    with pytest.raises(LineSetupError, match="リッチメニュー画像のアップロードに失敗しました: LINE API 400"):
        setup_rich_menu(line_settings)
    assert [c.method for c in line_api.calls_to("/v2/bot/richmenu/richmenu-bad")] == ["DELETE"]
    assert line_api.calls_to("/v2/bot/user/all/richmenu/richmenu-bad") == []


# ---- pure conversions ------------------------------------------------------------------------

def test_fixtures_convert_to_incoming_messages_and_filters():
    text = webhook("text")["events"][0]
    message = to_incoming(Event.from_dict(text))
    assert (message.channel, message.user_id, message.text) == ("line", ALICE, "クーリング・オフはいつまで？")
    assert to_incoming(Event.from_dict(webhook("sticker")["events"][0])) is None
    batch = webhook("batch")["events"]
    assert [wanted(e) for e in batch] == [True, True, True, False]
    assert not wanted(copy.deepcopy(text) | {"mode": "standby"})


def test_split_text_prefers_paragraphs_then_sentences_and_counts_utf16():
    assert split_text("短い回答です。") == ["短い回答です。"]
    parts = split_text("あ" * 30 + "。" + "い" * 30 + "。\n\n" + "う" * 10, limit=40)
    assert parts == ["あ" * 30 + "。", "い" * 30 + "。", "う" * 10]
    emoji = split_text("😀" * 30, limit=40)
    assert [utf16_len(p) for p in emoji] == [40, 20]
    many = split_text("\n\n".join("段落" * 15 for _ in range(9)), limit=40, max_parts=5)
    assert len(many) == 5 and many[-1].endswith(TRUNCATED)


def test_postback_codec_rejects_stale_and_foreign_data():
    now = [1_700_000_000.0]
    codec = PostbackCodec(SECRET, clock=lambda: now[0])
    data = codec.encode("feedback_good", "42")
    assert codec.decode(data).value == "42"
    now[0] += 31 * 24 * 3600
    assert codec.decode(data) is None  # stale
    assert codec.decode(codec.encode("switch_pattern", "2", permanent=True)).action == "switch_pattern"
    assert PostbackCodec("other-secret").decode(data) is None
    with pytest.raises(ValueError):
        codec.encode("feedback_bad", "1", permanent=True)


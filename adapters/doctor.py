"""Self-diagnosis of the platforms (`doctor`): Slack and LINE answer with their real APIs, or say why not."""
from __future__ import annotations

import urllib3
from linebot.v3.messaging import ApiClient, ApiException, MessagingApi
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.line_client import LineClient
from adapters.slack_scopes import add_scope_advice
from bot.config import Settings
from bot.doctor import Finding, error, guarded, ok, unreachable, warn

TIMEOUT = (5, 10)
QUOTA_WARN_SHARE = 0.8
SLACK_CAUSES = {
    "invalid_auth": "トークンが無効です", "token_revoked": "トークンが取り消されています（アプリの再インストールなど）",
    "account_inactive": "アプリまたはワークスペースが無効になっています", "not_authed": "トークンが空です",
    "channel_not_found": "チャンネルが見つかりません（ID の誤りか、非公開チャンネルにアプリが入っていません）",
    "user_not_found": "ユーザーが見つかりません", "missing_scope": "アプリに必要な権限（スコープ）がありません",
}


def platform_findings(settings: Settings) -> list[Finding]:
    return [guarded("Slack", lambda: check_slack(settings)), guarded("LINE", lambda: check_line(settings))]


def check_slack(settings: Settings) -> Finding:
    if not settings.slack_enabled:
        return warn("Slack", "SLACK_BOT_TOKEN と SLACK_SIGNING_SECRET が未設定のため、Slack 連携はオフです",
                    "使う場合は docs/slack-setup.md の手順で設定してください。")
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url, timeout=10)
    try:
        me = client.auth_test()
    except SlackApiError as exc:
        return error("Slack", f"Bot トークンが使えません（{_cause(exc)}）",
                     "Slack アプリの「OAuth & Permissions」で Bot User OAuth Token をコピーし直して .env の "
                     "SLACK_BOT_TOKEN に入れ、サーバーを再起動してください。")
    except OSError:  # urllib's English (`<urlopen error [Errno -2] …>`) tells an operator nothing
        return unreachable("Slack")
    problems: list[str] = []
    scopes: list[str] = []  # what Slack said is missing (missing_scope names it)
    if not settings.slack_operator_channel:
        problems.append("SLACK_OPERATOR_CHANNEL が未設定（エスカレーションが届きません）")
    else:
        problems += _probe(lambda: client.conversations_info(channel=settings.slack_operator_channel),
                           f"オペレーター用チャンネル {settings.slack_operator_channel}", scopes)
    people = [("スタッフ", u) for u in settings.slack_staff_user_ids]
    if settings.slack_makino_user_id:
        people.append(("牧野さん", settings.slack_makino_user_id))
    for role, user in people:
        problems += _probe(lambda user=user: client.users_info(user=user), f"{role} {user}", scopes)
    if not settings.slack_staff_user_ids:
        problems.append("SLACK_STAFF_USER_IDS が未設定（エスカレーションに回答できる人がいません）")
    team = f"ワークスペース {me.get('team')} の {me.get('user')}"
    if settings.slack_app_token and (socket := _probe_socket_mode(settings)):
        return error("Slack", f"{team} として接続できますが、Socket Mode の App-Level Token が使えません（{socket}）",
                     "Slack アプリの「Basic Information」→「App-Level Tokens」で connections:write の"
                     "トークン（xapp- で始まる）を作り直して .env の SLACK_APP_TOKEN に入れ、再起動してください。")
    if scopes:
        needed = ", ".join(dict.fromkeys(s for found in scopes for s in found.split(",") if s))
        return error("Slack", f"{team} として接続できますが、" + "、".join(problems), add_scope_advice(needed))
    if problems:
        return error("Slack", f"{team} として接続できますが、" + "、".join(problems),
                     "docs/slack-setup.md の「ID を調べる」で正しい ID を確認し、.env を直して再起動してください。")
    return ok("Slack", f"{team} として接続でき、オペレーター用チャンネルとスタッフ {len(settings.slack_staff_user_ids)} 人"
                       f"{'・牧野さん' if settings.slack_makino_user_id else ''}"
                       f"{'・Socket Mode の接続' if settings.slack_app_token else ''}を確認しました")


def check_line(settings: Settings) -> Finding:
    if not settings.line_enabled:
        return warn("LINE", "LINE_CHANNEL_SECRET と LINE_CHANNEL_ACCESS_TOKEN が未設定のため、LINE 連携はオフです",
                    "使う場合は docs/line-setup.md の手順で設定してください。")
    from adapters.line import configuration
    with ApiClient(configuration(settings)) as client:
        api = MessagingApi(client)
        try:
            bot = api.get_bot_info(_request_timeout=TIMEOUT)
            hook = api.get_webhook_endpoint(_request_timeout=TIMEOUT)
        except ApiException as exc:
            if exc.status in (401, 403):
                return error("LINE", f"チャネルアクセストークンが拒否されました（{exc.status}: 無効・期限切れ・再発行済み）",
                             "LINE Developers の「Messaging API設定」でチャネルアクセストークン（長期）を発行し直し、"
                             ".env の LINE_CHANNEL_ACCESS_TOKEN を書き換えて再起動してください。")
            return error("LINE", f"LINE API がエラー {exc.status} を返しました", "しばらくして再度 doctor を実行してください。")
        except (OSError, urllib3.exceptions.HTTPError):  # the SDK's urllib3 gives up with MaxRetryError
            return unreachable("LINE")
    name = f"公式アカウント「{bot.display_name}」"
    if not hook.endpoint or not hook.endpoint.endswith("/line/webhook"):
        return error("LINE", f"{name}の Webhook URL が {hook.endpoint or '未設定'} です",
                     "LINE Developers で Webhook URL を https://（公開アドレス）/line/webhook にしてください。")
    if not hook.active:
        return error("LINE", f"{name}の「Webhookの利用」がオフです",
                     "LINE Developers の「Messaging API設定」で「Webhookの利用」をオンにしてください。")
    text = f"{name}に接続でき、Webhook は {hook.endpoint} でオンです"
    try:
        quota = LineClient(api).quota()
    except (ApiException, OSError) as exc:
        return warn("LINE", f"{text}。送信数の上限を確認できません（{getattr(exc, 'status', exc)}）",
                    "しばらくして再度 doctor を実行してください。")
    if quota.limit is not None and quota.used >= quota.limit * QUOTA_WARN_SHARE:
        spent = quota.used >= quota.limit
        return warn("LINE", f"{text}。{quota.render()}" + ("（上限に達しています）" if spent else "（8割を超えました）"),
                    "上限を超えるとスタッフの回答など、プッシュで送るメッセージが届かなくなります。"
                    "LINE Official Account Manager でプランの変更を検討してください。")
    return ok("LINE", f"{text}。{quota.render()}")


def _probe_socket_mode(settings: Settings) -> str | None:
    """Why the App-Level Token cannot open a Socket Mode connection, or None when it can. Asking for the
    connection URL is what Socket Mode does first; no WebSocket is opened here."""
    client = WebClient(base_url=settings.slack_api_base_url, timeout=10)
    try:
        client.apps_connections_open(app_token=settings.slack_app_token)
    except SlackApiError as exc:
        return _cause(exc)
    return None


def _probe(call, what: str, scopes: list[str]) -> list[str]:  # noqa: ANN001
    try:
        call()
    except SlackApiError as exc:
        if exc.response is not None and exc.response.get("error") == "missing_scope":
            scopes.append(str(exc.response.get("needed") or ""))
        return [f"{what}: {_cause(exc)}"]
    return []


def _cause(exc: SlackApiError) -> str:
    code = exc.response.get("error", "") if exc.response is not None else ""
    needed = exc.response.get("needed", "") if code == "missing_scope" else ""
    cause = f"{SLACK_CAUSES.get(code, 'エラー')}: {code}" + (f"、足りない権限: {needed}" if needed else "")
    return cause if code else str(exc)

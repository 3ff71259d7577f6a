"""Short notices: input the bot cannot take, feedback, the rollout gate, failures."""
from __future__ import annotations

EMPTY = "ご質問の内容を文章でお送りください。"
TEXT_ONLY = ("メッセージありがとうございます。申し訳ありませんが、読み取れるのは文字のメッセージだけです。"
             "画像・音声・位置情報・ファイルにはお答えできませんので、ご質問を文章でお送りください。")
APOLOGY = ("申し訳ありません。システムでエラーが発生し、すぐにお答えできませんでした。"
           "ご質問は担当スタッフに引き継ぎましたので、改めてご連絡します。")
RESUMED_REFUSAL = "申し訳ありません。このメッセージは受け付けられませんでした。お手数ですが、時間をおいてもう一度お送りください。"
BUTTON_GONE = "このボタンは使えなくなっています。お手数ですが、もう一度ご質問ください。"
THANKS_GOOD = "ご評価ありがとうございます！お役に立てて嬉しいです。"
THANKS_BAD = "ご評価ありがとうございます。十分な回答ができず申し訳ありません。担当スタッフが確認して、改めてご回答します。"
INVALID_POSTBACK = ("申し訳ありません。このボタンは有効期限が切れているか、正しく読み取れなかったため使えませんでした。"
                    "お手数ですが、もう一度メッセージでご質問ください。")
CHOOSE_PATTERN = "ご相談になりたい内容を、下のボタンからお選びください。"
NO_PATTERN = "申し訳ありません。現在ご利用いただける相談メニューはありません。"
FAILED = "申し訳ありません。ただいまシステムの処理に失敗しました。お手数ですが、少し時間をおいてもう一度お試しください。"
TRUNCATED = "\n\n（メッセージの文字数の上限のため、ここから先は省略しました。続きが必要でしたら、もう一度お尋ねください。）"
SWITCH_LABEL = "🔄 相談メニューを変える"
TOO_FAST = "短い時間にたくさんのご質問をいただきました。恐れ入りますが、1分ほど置いてから改めてお送りください。"
NO_KNOWLEDGE = ("申し訳ありません。このご質問にお答えできる情報が、まだナレッジにありません。"
                "担当スタッフに確認して、改めてご連絡します。")


def too_long(length: int, limit: int) -> str:
    return (f"ご質問が長すぎるため、お受けできませんでした（{length:,}文字）。"
            f"恐れ入りますが、{limit:,}文字以内にまとめて、もう一度お送りください。")


def own_patterns_open_on(labels: list[str], month: int, day: int) -> str:
    """Said with a closed Pattern's notice when none is open to the member yet: when theirs opens."""
    return f"\nあなたがご利用になれる{'、'.join(labels)}は、{month}月{day}日から使えるようになります。"


def daily_limit(per_day: int) -> str:
    return (f"本日のご質問の上限（{per_day}件）に達しました。明日また、どうぞお気軽にご質問ください。"
            "お急ぎの場合は事務局までご連絡ください。")


def switched(label: str, invitation: str) -> str:
    return f"{label}に切り替えました。{invitation}"


def opens_on(label: str, month: int, day: int) -> str:
    return f"{label}は{month}月{day}日からご利用いただけます。もうしばらくお待ちください。"


def for_others(label: str, whom: str, month: int | None = None, day: int | None = None) -> str:
    """A Pattern meant for other cohorts: when it opens for them, if it has not yet."""
    if month is not None:
        return f"{label}は{month}月{day}日から{whom}の皆さま向けに公開する予定で、現在のご所属ではご利用いただけません。"
    return f"{label}は{whom}の皆さま向けにご用意しているため、現在のご所属ではご利用いただけません。"


def not_for_you(label: str) -> str:
    return f"{label}は、現在のご所属ではご利用いただけません。"


def open_now(labels: list[str]) -> str:
    return "\n今ご利用いただけるのは、" + "、".join(labels) + "です。"


def off_domain(description: str) -> str:
    """The polite reply to a question outside what the bot helps with."""
    return ("申し訳ありません。このご質問は、私がお手伝いできる内容の範囲外のようです。"
            f"私は牧野生保塾の AI アシスタントとして、{description}について、お手伝いしています。"
            "そうした内容でしたら、どうぞお気軽にご質問ください。")

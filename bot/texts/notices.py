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
NO_KNOWLEDGE = ("申し訳ありません。このご質問にお答えできる情報が、まだナレッジにありません。"
                "担当スタッフに確認して、改めてご連絡します。")


def too_long(length: int, limit: int) -> str:
    return (f"ご質問が長すぎるため、お受けできませんでした（{length:,}文字）。"
            f"恐れ入りますが、{limit:,}文字以内にまとめて、もう一度お送りください。")


def own_patterns_open_on(labels: list[str], month: int, day: int) -> str:
    """Said with a closed Pattern's notice when none is open to the member yet: when theirs opens."""
    return f"\nあなたがご利用になれる{'、'.join(labels)}は、{month}月{day}日から使えるようになります。"

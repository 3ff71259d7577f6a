"""A first sentence that answers what a member said about how they feel, without quoting it back."""
from __future__ import annotations

# (cue words, what is said back): the first theme whose cue appears wins, most specific first.
THEMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ありがとうございました", "お世話になりました", "さようなら", "さよなら", "今まで"),
     "お別れのような言葉を受け取って、とても心配になりました。"),
    (("保険金", "借金", "返済", "お金", "ローン"),
     "お金のことで、ここまで追い詰められているのですね。"),
    (("価値", "迷惑", "役に立た", "いない方", "いないほう", "楽になる", "必要ない"),
     "自分なんていない方がいい、と感じるほど、自分を責めているのですね。"),
    (("死に", "死の", "死ね", "自殺"), "死にたいと思うほど、今つらいのですね。"),
    (("消え", "いなくなり", "終わりに", "楽になりたい"), "消えてしまいたいと思うほど、今つらいのですね。"),
    (("疲れ", "頑張れ", "がんばれ", "限界", "しんどい", "眠りたい", "休みたい"),
     "もう頑張れないと感じるほど、疲れ切っているのですね。"),
)
TIRED = THEMES[5][0]
DEFAULT = "今、とてもつらい気持ちを抱えているのですね。"
WORN_OUT = "毎日、本当にお疲れさまです。"
SHARED = "話してくださって、ありがとうございます。"


def reflect(said: str) -> str:
    """One sentence that shows what was heard: the theme of `said`, never its words quoted."""
    return next((line for cues, line in THEMES if any(cue in said for cue in cues)), DEFAULT)


# Lighter feelings (not a crisis): what is said back first, by the first cue found.
MOODS: tuple[tuple[tuple[str, ...], str], ...] = (
    (TIRED, WORN_OUT),
    (("落ち込", "凹", "へこ", "自信", "空回り", "沈んで", "情けな"), "うまくいかない日が続くと、気持ちも沈みますよね。"),
    (("不安", "怖", "こわい", "心配"), "不安な気持ちを抱えたままだと、落ち着かないですよね。"),
    (("ひとり", "一人", "孤独", "誰にも"), "ひとりで抱えてきたのですね。"),
    (("悔し", "腹が立", "イライラ", "むかつ"), "悔しい思いをされたのですね。"),
)


def acknowledge(said: str) -> str:
    """A lighter opening for feelings that are not a crisis: the mood heard (tired, discouraged, anxious,
    alone, frustrated), then thanks for telling it."""
    heard = next((line for cues, line in MOODS if any(cue in said for cue in cues)), "")
    return heard + SHARED

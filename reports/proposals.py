"""Improvement proposals for Bad-rated answers: Claude drafts them when a key is set, else rules of thumb."""
from __future__ import annotations

import logging

from bot.patterns import PATTERNS
from reports import markdown as md
from reports.samples import Sample

log = logging.getLogger(__name__)

SYSTEM = ("あなたは生命保険営業の研修機関「牧野生保塾」の AI アシスタントの運用改善担当です。"
          "ユーザーが低評価（Bad）を付けた回答を読み、運用スタッフ（エンジニアではない）が実行できる改善案を、"
          "回答ごとに日本語で 1〜3 行で提案してください。改善の手段は「ナレッジの追加・修正」「プロンプトの調整」"
          "「スタッフへのエスカレーション基準の見直し」のいずれかです。保険業法に反する提案はしないでください。"
          "出力は Markdown の番号付きリストで、番号は入力の番号に合わせてください。")


def draft_with_claude(items: tuple[Sample, ...], *, api_key: str, model: str, timeout: float = 60.0) -> str | None:
    """One Messages call for all the answers; None when Claude cannot be reached (the report says so)."""
    import anthropic  # ~40 MB: only when a report drafts proposals, never in the web process

    client = anthropic.Anthropic(api_key=api_key, timeout=timeout, max_retries=1)
    try:
        response = client.messages.create(model=model, max_tokens=2000, system=SYSTEM,
                                          messages=[{"role": "user", "content": evidence_prompt(items)}])
    except anthropic.APIError as exc:
        log.warning("improvement proposals failed: %s", exc)
        return None
    text = "".join(getattr(block, "text", "") for block in response.content).strip()
    return text or None


def evidence_prompt(items: tuple[Sample, ...]) -> str:
    parts = []
    for number, s in enumerate(items, 1):
        parts.append(f"{number}. 相談メニュー: {md.pattern_label(s.pattern)} / 確信度: {md.num(s.confidence)} / "
                     f"使ったナレッジ: {', '.join(s.knowledge_ids) or 'なし'}\n"
                     f"   質問: {md.excerpt(s.question, 300)}\n   回答: {md.excerpt(s.answer, 500)}\n"
                     f"   Bad の理由: {md.excerpt(s.reason, 200) or '（記入なし）'}")
    return "低評価の回答:\n\n" + "\n\n".join(parts)


def rule_of_thumb(sample: Sample) -> str:
    """What the evidence suggests, without AI: a starting point for the operators."""
    threshold = PATTERNS[sample.pattern].threshold if sample.pattern in PATTERNS else 0.7
    if not sample.knowledge_ids:
        return "使えるナレッジがないまま回答しています。この質問に答えるナレッジの追加を検討してください。"
    if sample.confidence is not None and sample.confidence < threshold:
        return "AI 自身の確信度も低い回答です。参照したナレッジの内容が質問に合っているか確認してください。"
    return (f"ナレッジ（{', '.join(sample.knowledge_ids)}）を使って回答したのに低評価です。"
            "ナレッジの内容・表現、またはプロンプトの回答方針を見直してください。")

"""`users show ID` and `users forget ID`: one member's view for staff, and deleting a member (Japanese)."""
from __future__ import annotations

from pathlib import Path

from bot.models import Escalation, Question, User
from cli.parser import UsageError

RECENT = 10


def find_member(ident: str) -> User:
    """`channel:external_id`, or an external id registered on one channel only; UsageError otherwise."""
    channel, _, external = ident.partition(":") if ":" in ident else ("", "", ident)
    query = User.select().where(User.external_id == external)
    found = list(query.where(User.channel == channel) if channel else query)
    if not found:
        raise UsageError(f"利用者 {ident} は見つかりません（./bansou users list で確認してください）")
    if len(found) > 1:
        raise UsageError(f"{ident} は複数のチャネルにいます。チャネル:ID の形で指定してください（例: "
                         + "、".join(f"{u.channel}:{u.external_id}" for u in found) + "）")
    return found[0]


def show(user: User, encoder_name: str) -> None:
    """Profile, themes (the most stumbled-on first, month by month), the latest questions."""
    from bot.encoder import load_encoder
    from reports.themes.learners import member_struggles
    total = Question.select().where(Question.user == user).count()
    print(f"利用者 {user.channel}:{user.external_id}  {user.display_name or '（表示名なし）'}  コホート {user.cohort}"
          f"  登録 {user.created_at:%Y-%m-%d}{'' if user.active else '  （友だち解除）'}")
    struggles = member_struggles(user, load_encoder(encoder_name))
    reasked = sum(s.reasked for s in struggles)
    print(f"質問 {total}件、テーマ {len(struggles)}、回答後の再質問 {reasked}件、Bad {sum(s.bad for s in struggles)}件、"
          f"エスカレーション {Escalation.select().join(Question).where(Question.user == user).count()}件")
    if struggles:
        print("\nテーマ（つまずきの多い順。月ごとの質問数）:")
    for s in struggles:
        months = "、".join(f"{m}: {n}" for m, n in sorted(s.months.items()))
        marks = [f"回答後の再質問 {s.reasked}"] * bool(s.reasked) + [f"Bad {s.bad}"] * bool(s.bad) \
            + [f"エスカレーション {s.escalated}"] * bool(s.escalated)
        print(f"  ・{_short(s.name, 40)}  {s.questions}件（{months}）" + (f"  ⚠ {'、'.join(marks)}" if marks else ""))
    latest = Question.select().where(Question.user == user).order_by(Question.created_at.desc()).limit(RECENT)
    if total:
        print(f"\n最近の質問（新しい順に最大 {RECENT}件）:")
    for q in latest:
        print(f"  {q.created_at:%Y-%m-%d %H:%M} UTC  P{q.pattern}  {'エスカレーション' if q.status == 'escalated' else '回答':<8}"
              f"  {_short(q.text, 50)}")
    print("\nこの画面はスタッフ用です。内容を他の利用者に伝えないでください。")


def forget(user: User, runtime, log_dir: Path | None) -> None:
    """Delete the member and say what was deleted."""
    from bot.forget import forget as forget_member
    label = f"{user.channel}:{user.external_id}"
    result = forget_member(user, drop_phrasings=runtime.knowledge.drop_phrasings, log_dir=log_dir)
    print(f"利用者 {label} の情報を削除しました:")
    for name, count in result.counts.items():
        print(f"  {name}: {count}件")
    print(f"  ログファイルの該当行: {result.log_lines}行（「[削除済み]」に置き換えました）")
    if result.phrasings:
        print(f"  ナレッジの言い換えから削除: {', '.join(result.phrasings)}")
    if result.learned_entries:
        print(f"この方の質問から作ったナレッジ（スタッフが一般化したもの）は残しています: {', '.join(result.learned_entries)}。"
              "不要なら削除してください。")
    print("Slack のオペレーターチャンネルへの投稿とバックアップは自動では消えません。必要に応じて削除してください。")


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"

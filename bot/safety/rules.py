"""The screening rules, one function per judgement, over one sentence read as Sudachi morphemes.

Rules name words by Sudachi's normalised form (死の -> 死ぬ, ください -> 下さる, いい -> 良い) and
look at the grammar around them: a desire (たい), a volitional (死のう), "better off" (方がまし),
"no way but" (しかない), a request (ください, お願い, もらえますか), a negation, and whose words
they are (a third-person subject, a quote). Fit new rules to how Japanese is written, not to
particular sentences.

Three layers read a message: the words of each sentence (crisis, distress, compliance, wants_human);
the reading layer (kana_crisis), the same sentence as one hiragana string, for spellings Sudachi
cannot segment (しんだほうがらく, 死ンだ); and signs a message gives across its sentences
(death_and_the_writers_signals, own_suicide, method_across_sentences...): when in doubt about
distress, a person looks.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from bot.japanese import Morpheme

Words = Sequence[Morpheme]

# 死 written around filters: タヒ (looks like 死), 氏 (same reading) before a verb ending of 死ぬ;
# and the words typed in romaji (shinitai, kietai).
NET_SPELLINGS = re.compile(r"タヒ(?=[なにぬねのん])|氏(?=にた|にそ|ねば|のう|んだ|ぬし|ぬか|ねる)")
# タヒ also made a verb of its own, conjugated like 走る (タヒりたい, タヒる, タヒった): read as 死ぬ's forms.
SLANG_DEATH_VERB = re.compile(r"タヒ(?:っ([たて])|([りるろられ]))")
_SLANG_ENDINGS = {"た": "死んだ", "て": "死んで", "り": "死に", "る": "死ぬ", "ろ": "死の", "ら": "死な", "れ": "死ね"}
ROMAJI = {"shinitai": "死にたい", "sinitai": "死にたい", "kietai": "消えたい", "shinou": "死のう", "sinou": "死のう",
          "shinitaku": "死にたく", "kiechaitai": "消えちゃいたい"}
KANA_WORDS = re.compile(r"じさつ|ジサツ")  # written in kana, Sudachi reads them as other words
# Self-harm slang Sudachi splits by context (またリスカ → また|リ|スカ): spelled out before reading.
SELF_HARM_SLANG = re.compile(r"リスカ|アムカ|レグカ")
ENGLISH = re.compile(r"\b(want to die|wanna die|kill myself|killing myself|suicid\w*|end my life|self[- ]?harm)\b")
ENGLISH_PERSON = re.compile(r"\b(talk|speak|chat) (to|with) (a |an |the )?(real |actual )?(person|human|staff|someone)\b|"
                            r"\b(real|actual) (person|human)\b")  # Can I talk to a real person?
# Kansai negation: くれへん, できひん, おらへん are くれない, できない, いない. Spelled the standard way before
# reading, so that a request (つないでくれへん？) and a negation (死なへん) read as they do in 標準語. The kana before
# へん/ひん is a verb's negative base (not たいへん, このへん, ちょっとへん).
TOHOKU = ((re.compile(r"[ねな]ぐ(?=な)"), "なく"), (re.compile(r"(?<=て)けさい"), "ください"), (re.compile(r"(?<=[てで])けろ"), "くれ"),
          (re.compile(r"(?<=[きしちにひみりいぎじびぴ])てえ"), "たい"))  # わかんねぐなった, 代わってけさい, 行きてえ
KYUSHU = ((re.compile(r"(?<=じゃ)なか(?![っろ])"), "ない"),)  # 消えたいってほどじゃなかけど
KANSAI_NEGATION = re.compile(r"(?<=[らわかがさざたなばまえけきげせぜてでねべめれ])へん|(?<=[きしちにみりいぃ])ひん")
ROMAJI_WORD = re.compile(r"(?<![a-z])(" + "|".join(sorted(ROMAJI, key=len, reverse=True)) + r")(?![a-z])")



def respell_dialect(text: str) -> str:
    """Kansai and Tohoku negations and requests, spelled as the rules read them (くれへん -> くれない)."""
    for pattern, standard in TOHOKU + KYUSHU:
        text = pattern.sub(standard, text)
    return KANSAI_NEGATION.sub("ない", text)


def respell_net_slang(text: str) -> str:
    """死 as the net writes it around filters (タヒ, 氏, タヒる), spelled 死 again; self-harm slang as 自傷."""
    text = SELF_HARM_SLANG.sub("自傷", SLANG_DEATH_VERB.sub(lambda m: _SLANG_ENDINGS[m.group(1) or m.group(2)], text))
    return NET_SPELLINGS.sub("死", text)


# ---- vocabulary (normalised forms) ------------------------------------------------------------------

PLAIN_DEATH = frozenset({"死ぬ", "為る", "飛び下りる"})  # 為る: after 自殺/自死 (自殺する)
ENDING = frozenset({"終わり", "おしまい", "御仕舞い", "仕舞い", "終い"})
IDIOM_AFTER_DEATH = frozenset({"ほど", "程", "くらい", "ぐらい", "そう", "気", "かと", "か", "まで", "迄", "までに", "様",
                               "よう", "みたい", "思い", "位", "って", "も", "切れる", "切る", "ー"})  # 死んでも, 死ぬー
LAUGHING = frozenset({"笑い", "笑", "w", "W", "ｗ", "草", "www", "🤣", "😂", "😆", "🤭"})
AFFAIRS = frozenset({"保険証券", "通帳", "印鑑", "権利書", "遺言書", "暗証番号", "パスワード"})  # put in order for those left
PUT_AWAY = frozenset({"入れる", "置く", "纏める", "まとめる", "整理", "用意", "残す", "書く"})
RELIEF = frozenset({"楽", "終わる", "解放", "済む", "全部", "救う", "良い", "すっきり", "解決", "助かる", "喜ぶ", "幸せ"})
ESCAPE = frozenset({"楽", "解放", "救う"})  # 飛んだら楽に; not 契約が飛んだら全部終わる
FAREWELL = frozenset({"別れる", "去る", "おさらば", "さよなら", "さようなら"})
JUMP_VERBS = frozenset({"飛ぶ", "飛び込む", "飛び下りる"})
DEATH_VERBS = frozenset({"死ぬ", "消える", "消え去る", "消え失せる", "逝く", "飛び下りる", "自殺", "自死", "くたばる"})
QUIT = frozenset({"辞める", "止める", "やめる", "終える", "終わらせる", "降りる", "諦める", "捨てる"})
HIGH_PLACES = frozenset({"橋", "屋上", "崖", "線路", "踏切", "樹海"})
SELF_HARM = frozenset({"リスカ", "リストカット", "自傷", "自傷行為", "オーバードーズ", "od", "アムカ", "自害"})
IDEATION = frozenset({"希死念慮", "自殺念慮", "自殺願望", "希死", "念慮"})  # the writer's own, unless someone else's
HARM_VERBS = frozenset({"傷付ける", "切る", "殴る", "痛め付ける", "刺す", "消す", "消し去る", "殺す", "焼く", "打ち付ける",
                        "抓る", "掻き毟る", "引っ掻く"})
BODY = frozenset({"自分", "自身", "体", "身体", "腕", "手首", "首", "足", "太腿", "脚", "腿", "肌", "二の腕", "頭", "顔"})
PLACES_TO_JUMP = frozenset({"線路", "屋上", "ビル", "電車", "ホーム", "海", "川", "橋", "崖", "ベランダ", "窓"})
PILLS = frozenset({"薬", "睡眠薬", "睡眠導入剤", "錠剤", "市販薬", "抗うつ薬", "安定剤", "眠剤", "眠り薬"})
HOARD = frozenset({"ためる", "溜める", "貯める", "集める", "買い溜め", "溜め込む", "集まる", "溜まる", "貯まる"})
MANY = frozenset({"沢山", "大量", "全部", "まとめる", "纏める", "何錠", "一度", "全て", "一気", "沢山", "一箱", "有る", "だけ"})
UNBORN = frozenset({"生まれる", "覚める", "起きる", "生きる", "出会う"})  # 生まれてこなければよかった
STRONG_MEANS = frozenset({"遺書", "練炭", "首吊り", "目張り"})
MEANS = frozenset({"ロープ", "縄", "練炭", "睡眠薬", "眠剤", "睡眠導入剤", "刃物", "カッター", "剃刀", "カミソリ", "ナイフ"})
CUT_PLACES = frozenset({"腕", "手首", "太腿", "腿", "二の腕", "肌"})
BLADES = frozenset({"刃物", "カッター", "剃刀", "カミソリ", "ナイフ"})
HOLD = frozenset({"握る", "当てる", "持ち歩く", "隠し持つ", "忍ばせる"})  # a blade in hand, not a blade bought
CORDS = frozenset({"紐", "ひも", "ロープ", "縄", "ベルト", "コード", "ネクタイ"})
SEEK = frozenset({"探す", "調べる", "検索", "考える", "決める", "見つける", "選ぶ"})
READY = frozenset({"用意", "準備", "買う", "買い込む", "購入", "手に入れる", "握る", "当てる", "持ち歩く", "隠し持つ", "忍ばせる",
                   "結ぶ", "掛ける", "溜める", "貯める", "集める"})
INTRUSIVE = frozenset({"考える", "思う", "想像", "浮かぶ", "過る", "よぎる"})  # a thought that comes unbidden
STARED_AT = frozenset({"線路", "ホーム", "屋上", "橋", "崖", "踏切", "ロープ", "縄", "刃物", "カッター", "剃刀", "ナイフ", "薬"})
INSURANCE_FRAME = frozenset({"保険", "保険金", "告知", "給付", "給付金", "請求", "免責", "労災", "補償", "場合", "物件",
                             "火災保険", "医療保険", "支払う", "支払い", "契約", "被保険者", "方", "死亡", "亡くなる", "保障",
                             "対象", "加入", "入れる"})
WORN = frozenset({"疲れる", "疲れ", "限界", "辛い", "しんどい", "苦しい", "絶望", "疲れ果てる", "疲れ切る", "消耗", "追い詰める",
                  "参る", "孤独", "無理", "楽", "嫌", "嫌気"})  # with words of one's own death, a sign about the writer
MOVING = frozenset({"退会", "退職", "辞める", "異動", "転職", "卒業", "引っ越し", "引っ越す", "転勤", "最終", "退社", "塾",
                    "定年", "引退", "退任", "留学", "帰国", "産休", "育休", "休職", "独立", "移籍", "解約", "退塾",
                    "契約", "来週", "来月", "次", "又", "また", "研修", "講座", "セミナー"})  # a goodbye with somewhere to go
BUSINESS = frozenset({"会社", "法人", "事業", "相続", "相続税", "場合", "ケース", "対策", "提案", "借入金", "事業資金", "御客様"})
DEADLINES = [["今日", "で"], ["今夜", "で"], ["今晩", "で"], ["明日", "で"], ["今週", "で"], ["今月", "で"]]
# Where a fall or the water is near: with relief or an ending in the same message, being there now is a crisis.
EDGES = frozenset({"屋上", "橋", "崖", "海", "川", "ホーム", "線路", "踏切", "ビル", "ベランダ", "樹海", "岸壁", "埠頭", "ダム",
                   "鉄橋", "歩道橋", "展望台", "湖", "滝", "断崖", "港", "桟橋", "堤防", "窓", "海沿い", "海辺", "山奥"})
ARRIVE = frozenset({"居る", "来る", "着く", "立つ", "上がる", "登る", "上る", "座る", "向かう", "行く", "辿り着く", "居す"})
INTO = frozenset({"入る", "飛ぶ", "飛び込む", "落ちる", "進む", "行く", "踏み出す", "沈む", "突っ込む", "飛び下りる", "降りる",
                  "歩く", "落ちる", "滑る", "乗り出す", "越える"})  # このまま入ったら, このまま飛んだら
# Someone else in danger now, told by the writer: the act, and what makes it imminent.
ACTS = frozenset({"死ぬ", "飛び下りる", "飛び込む", "自殺", "自死", "首吊り"})
URGENT = frozenset({"警察", "救急", "救急車", "至急", "緊急", "119", "110", "通報"})  # the writer asks whom to call
EXAMS = frozenset({"診査", "健診", "健康診断", "検査", "再検査", "数値"})  # a dose before an exam is no overdose
HOLDING = frozenset({"手", "持つ", "握る", "構える", "振り回す", "持ち込む"})  # 包丁を手にしている
UNANSWERED = frozenset({"電話", "連絡", "返信", "返事", "既読", "LINE", "メール"})  # 電話に出ない, 既読がつかない
VITAL_SIGNS = frozenset({"意識", "息", "呼吸", "脈", "心臓", "血", "出血", "心肺", "反応"})  # 意識がない, 血が止まらない
IMMINENT = frozenset({"今", "いま", "今にも", "今夜", "今晩"})  # and これから (此れ + から)
CLAIM_TALK = frozenset({"保険金", "免責", "免責期間", "場合", "給付", "給付金", "請求", "支払い", "支払う", "保障", "対象",
                        "死亡保険金", "保険", "告知", "補償"})  # a question about a policy, not a life at stake
WEAK_MEANS = frozenset({"ロープ", "屋上", "睡眠薬", "線路", "樹海", "睡眠導入剤"})
DEMONSTRATIVES = frozenset({"此の", "この", "其の", "その", "あの", "彼の"})  # この/その + noun: a named thing
DEGREE = frozenset({"くらい", "ぐらい", "程", "ほど", "レベル"})  # 消えたいレベルで恥ずかしい: how much
NOW = frozenset({"今", "いま", "今年"})
SENTENCE_TAIL = frozenset({"わ", "よ", "ね", "な", "ぞ", "ぜ", "さ", "わい", "笑", "w", "ｗ", "…"})  # after 死んだ: said, done
# 今は… that says the past goes on, or worse: not a time that is over (今はもっと, 今も変わらず is no 今は)
STILL = frozenset({"まだ", "未だ", "相変わらず", "依然", "やはり", "やっぱり", "同じ", "然う", "そう", "ずっと", "更に", "もっと",
                   "余計", "一層", "毎日", "又", "また", "変わる"})
PAST_TIMES = frozenset({"時期", "頃", "当時", "昔", "以前", "年前", "ヶ月前", "去年", "昨年", "一昨年"})  # 3年前 is read 3 年 前: see _over_now
RECOVERED = frozenset({"回復", "元気", "大丈夫", "乗り越える", "立ち直る", "落ち着く", "克服", "復帰", "復職", "治る", "前向き", "楽しい",
                       "支える", "目指す", "頑張る", "楽しむ", "挑戦", "充実", "笑う", "救う", "卒業", "見える", "平気"})  # 今はMDRTを目指しています: a life going on
HYPERBOLE_CAUSES = frozenset({"暑さ", "寒さ", "忙しさ", "湿気", "花粉", "残業", "筋肉痛", "二日酔い"})
# Feelings one "could die" of in jest (恥ずかしすぎて死ねる); despair (辛い, 苦しい) is never among them.
HYPERBOLE_FEELINGS = frozenset({"恥ずかしい", "可愛い", "面白い", "嬉しい", "笑う", "尊い", "美味しい", "幸せ", "格好良い",
                                "眠い", "暑い", "寒い", "忙しい", "恥ずい"})
WHOLE = frozenset({"全部", "全て", "何もかも", "皆", "人生", "一切"})
FIRST_PERSON = frozenset({"自分", "私", "僕", "俺", "わたし", "あたし", "自身", "わし", "小生", "己", "おら"})  # おら: 東北
THIRD_PERSON = frozenset({
    "御客様", "客", "顧客", "御客", "父", "母", "父親", "母親", "御父様", "御母様", "親", "息子", "娘", "妻", "夫",
    "友人", "友達", "同僚", "同期", "先輩", "後輩", "部長", "課長", "係長", "支社長", "所長", "店長", "上司", "部下", "社長",
    "院長", "理事長", "先生", "ドクター", "医師", "彼", "彼女", "契約者",
    "被保険者", "家族", "祖父", "祖母", "ばっちゃ", "じっちゃ", "婆ちゃん", "爺ちゃん", "お婆ちゃん", "お爺ちゃん",
    "おかん", "おとん", "親父", "御袋", "ばあちゃん", "じいちゃん", "兄", "姉", "弟", "妹", "子供", "奥様", "旦那", "知人", "患者", "従業員",
    "社員", "役員", "相手", "主人", "御主人", "奥さん", "御子様", "子", "犬", "猫", "ペット",
    "主人公", "登場人物", "ヒロイン", "キャラクター", "作者", "著者"})  # the people of a story
OWN_POLICY = frozenset({"生命保険", "死亡保険金", "保険金", "死亡保険", "団信", "団体信用生命保険"})
SUBJECT_PARTICLES = frozenset({"が", "は", "も"})
HONORIFICS = frozenset({"さん", "様", "ちゃん", "君", "氏", "殿", "の", "方", "御"})

HEALTH = frozenset({"告知", "既往症", "持病", "通院", "病歴", "入院", "手術", "健診", "健康診断", "検査", "再検査",
                    "健康", "健康状態", "体調", "血圧", "薬", "病院", "糖尿病", "高血圧", "癌", "がん", "鬱病", "疾患",
                    "疾病", "既往",
                    "精密検査", "病気", "服薬", "診断", "治療", "通院歴", "既往歴", "病名", "症状", "障害"})
TELL_VERBS = frozenset({"書く", "言う", "告知", "申告", "伝える", "記入", "申し出る", "話す", "記載", "報告"})
CONCEAL_VERBS = frozenset({"隠す", "黙る", "伏せる", "誤魔化す", "偽る", "隠蔽", "省く", "消す", "空欄", "白紙"})
GIFTS = frozenset({"商品券", "ギフト券", "キャッシュバック", "キャッシュ", "金品", "プレゼント", "ギフトカード", "クオカード",
                   "図書カード", "品物", "食事券", "旅行券", "金券", "ギフト", "quo", "amazon", "食事", "接待",
                   "万", "円"})  # 5000円渡す: an amount handed over
MONEY = frozenset({"現金", "御金", "金", "謝礼", "謝金", "紹介料", "手数料", "キャッシュバック"})
HAND_OVER = frozenset({"上げる", "渡す", "包む", "手渡す", "握らせる", "贈る", "配る", "差し上げる", "送る", "プレゼント", "還元", "キャッシュバック",
                       "バック", "配布", "御馳走", "奢る", "接待"})
PAY_VERBS = frozenset({"負担", "払う", "支払う", "出す", "立て替える", "肩代わり", "持つ", "振り込む", "入金"})
CONTRACT = frozenset({"契約", "入る", "加入", "申し込み", "申込", "申し込む", "成約", "乗り換え", "入れる", "紹介",
                      "紹介料", "変更", "プラン", "解約", "サイン", "判子", "印鑑", "署名"})
PROMISE = frozenset({"必ず", "絶対", "確実", "間違い無い", "絶対に", "確実に", "間違いなく", "確定", "確約"})
RETURNS = frozenset({"元本", "利回り", "儲かる", "節税", "得", "利益", "%", "倍", "無税", "元本割れ", "損失", "非課税",
                     "損", "損する", "得する", "返戻金", "配当", "リターン", "利息", "儲け", "値上がり"})
TAXES = frozenset({"税金", "相続税", "所得税", "法人税", "贈与税", "税"})  # promised only as none: 絶対にかからない
RISE_VERBS = frozenset({"増える", "上がる", "戻る", "返る", "殖える"})  # money only: 必ず増えます, not 契約が増える
MONEY_NOUNS = frozenset({"元本", "資産", "積立金", "返戻金", "解約返戻金", "御金", "金", "円", "万", "運用", "貯蓄",
                         "積立", "保険料", "%", "ゼロ", "変額保険", "変額", "外貨建て", "投資", "年金", "ドル"})
CLAIM_VERBS = frozenset({"言う", "説明", "伝える", "謳う", "言い切る", "断言", "約束", "売る", "書く", "話す"})
PUSH_VERBS = frozenset({"急かす", "煽る", "焦らせる", "畳み掛ける", "押し切る", "丸め込む", "言いくるめる", "粘る"})
FABRICATE = frozenset({"でっち上げる", "捏造", "改竄", "改ざん", "偽造", "嘘", "誤魔化す", "偽る", "架空", "水増し"})
DATES = frozenset({"日付け", "日付", "契約日", "申込日", "告知日"})
BACKDATE = frozenset({"遡る", "書き直す", "書き換える", "変える", "ずらす", "前倒し"})
DOCUMENTS = ("申込書", "告知書", "署名", "サイン", "筆跡", "意向確認書", "同意書")  # matched in the joined text: 告知+書
SIGN_FOR = frozenset({"代わり", "代筆", "真似る", "偽る", "改竄"})
NAME_NOUNS = frozenset({"名義", "名前", "判子", "印鑑"})
BORROW_VERBS = frozenset({"借りる", "貸す", "使う", "借用", "貸し借り", "拝借"})
VULNERABLE = frozenset({"認知症", "高齢", "高齢者", "御婆ちゃん", "婆", "爺", "御爺ちゃん", "判断能力", "80", "90",
                        "年寄り", "御年寄り", "年配", "判断力", "物忘れ"})
HURRY = frozenset({"急ぐ", "急がせる", "急かす", "一人", "独り", "即日", "当日", "即決", "今日中", "日"})
PRESSURE = frozenset({"内緒", "秘密", "即決", "その場", "今日中", "考える時間"})
DOWNSIDES = frozenset({"損", "デメリット", "リスク", "不利", "元本割れ", "解約控除"})  # named only to be kept back
# A disadvantage of a switch or a new contract, told as a fact: 予定利率が下がる, 返戻金が減る, 告知がやり直し.
DISADVANTAGES = frozenset({"利率", "予定利率", "返戻金", "解約返戻金", "積立金", "保障", "保険料", "告知", "審査", "診査",
                           "免責", "免責期間", "待機期間", "不担保", "特約", "配当", "保険期間"})
WORSENS = frozenset({"下がる", "減る", "落ちる", "上がる", "増える", "無くなる", "なくなる", "途切れる", "切れる", "消える",
                     "必要", "遣り直す", "遣り直し", "やり直す", "やり直し", "掛かる", "高い", "低い", "少ない", "損", "外れる",
                     "リセット", "初めから", "一から", "元本割れ"})
HIDE = frozenset({"隠す", "黙る", "伏せる", "誤魔化す", "省く", "ぼかす", "濁す", "内緒", "秘密"})
TELL = frozenset({"言う", "伝える", "説明", "話す", "触れる", "話", "教える", "書く", "知らせる"})
# Asking how to tell it, or whether hiding it is allowed: the same words, honestly meant.
HOW_TO_TELL = frozenset({"どう", "方法", "仕方", "伝え方", "言い方", "説明方法", "違反", "駄目", "いけない", "禁止", "法律",
                         "ルール", "注意", "べき", "恐れ", "正直", "きちんと", "ちゃんと"})
# A client's personal data, and handing it on or taking it away (個人情報保護法, 守秘義務).
CLIENT_DATA = frozenset({"リスト", "名簿", "情報", "データ", "data", "契約内容", "スクショ", "写真", "健康診断", "診断書",
                         "診断結果", "結果", "住所", "年収", "連絡先", "家族構成", "病歴"})
PASS_ON = frozenset({"渡す", "共有", "share", "シェア", "コピー", "持ち出す", "持ち出し", "持ち帰る", "送る", "売る", "流す",
                     "教える", "見せる", "提供", "転送", "譲る", "横流し"})
# A comparison (比較表) made to run another product down: written worse than it is, inflated, the bad parts cut.
COMPARING = frozenset({"比較", "比べる", "比較表", "対比", "見比べる"})
SLANTED = frozenset({"盛る", "誇張", "大袈裟", "水増し", "歪める", "捻じ曲げる", "脚色", "改竄", "改ざん", "捏造"})
CUT = frozenset({"省く", "抜く", "外す", "消す", "隠す", "削る", "伏せる"})
WORSE_THAN_IT_IS = frozenset({"悪い", "低い", "高い", "少ない", "多い", "劣る", "不利", "安い", "良い", "酷い", "弱い"})
# A contract made for the numbers: in someone else's name, or cancelled soon after (作成契約).
QUOTA = frozenset({"ノルマ", "成績", "挙績", "数字", "目標", "件数", "達成", "キャンペーン", "コンテスト", "表彰", "計上", "自爆",
                   "予算", "入賞", "MDRT", "mdrt"})
SOON = frozenset({"直ぐ", "すぐ", "来月", "翌月", "後で", "直後", "早々", "数ヶ月", "一ヶ月", "1ヶ月", "翌日", "来週", "さっさと"})
OTHERS_NAMES = frozenset({"家族", "妻", "夫", "親", "父", "母", "子供", "息子", "娘", "兄", "姉", "弟", "妹", "友人", "友達",
                          "知人", "親戚", "祖父", "祖母", "嫁", "旦那", "他人", "実家"})
# Money borrowed from or lent to a client: insurers forbid it whatever the amount.
CLIENTS = frozenset({"御客様", "客", "顧客", "御客", "お客さん", "契約者", "見込み客", "被保険者", "患者", "お得意", "得意先"})
LENDING = frozenset({"借りる", "貸す", "借用", "融通", "用立てる", "借金", "貸し借り", "拝借", "貸し付ける", "前借り"})
CASH = frozenset({"円", "万", "お金", "御金", "金", "現金", "千円", "万円"})  # and a sum: 30万 is read 300000
LOANS = frozenset({"銀行", "ローン", "住宅ローン", "借入金", "融資", "借入", "借り入れ", "金融機関", "返済計画", "事業資金"})
# The agent filling in the client's disclosure or application (告知書は私が記入して、本人はサインだけ).
FORMS = frozenset({"告知", "告知書", "同意書", "確認書", "意向", "シート", "申込書", "申し込み", "申込", "意向確認書", "告知欄", "書類", "質問表"})
FILL_IN = frozenset({"押印", "記入", "書く", "埋める", "チェック", "書き込む", "付ける", "つける"})
TOGETHER = frozenset({"一緒", "説明", "方法", "仕方", "書き方", "教える", "確認", "見せる", "手伝い方", "説明書"})

SWITCH = frozenset({"乗り換える", "切り替える", "切り替え", "乗り換え", "転換", "入り直す", "入れ替え"})
DISPARAGING = frozenset({"危ない", "危険", "最悪", "駄目", "悪い", "酷い", "損", "終わる", "潰れる", "怪しい"})
CHECKUPS = frozenset({"検査", "再検査", "精密検査", "受診", "健診", "健康診断", "病院", "人間ドック", "診察"})
# A sentence asking what is allowed or how to do it right: the same words, honestly meant.
HONEST = frozenset({"正式", "避ける", "控える", "駄目", "いけない", "違反", "禁止", "禁じる", "恐れ", "正直", "正しい", "きちんと",
                    "特別利益", "法律上", "適切", "適正", "誠実",
                    "ルール", "法律", "注意", "注意点", "気を付ける", "NG", "ng", "程度", "問題点", "デメリット", "安全"})

STAFF = frozenset({"人", "人間", "担当者", "担当", "スタッフ", "事務局", "事務所", "塾", "オペレーター", "講師",
                   "牧野", "有人", "専門家", "窓口", "生身", "係", "係員", "運営", "コーチ", "メンター",
                   "事務", "職員", "プロ", "サポート", "誰", "何方", "どなた"})
CONTACT = frozenset({"話す", "話さす", "喋る", "相談", "聞く", "繋ぐ", "代わる", "連絡", "電話", "返事", "返信", "対応", "回答",
                     "答える", "伺う", "意見", "見解", "判断", "連絡先", "電話番号", "番号", "面談", "問い合わせる", "問い合わせ", "確認", "話", "切り替える", "取り次ぐ",
                     "教える", "見る", "診る", "説明", "アドバイス", "指導", "質問", "聞き", "遣り取り", "やりとり",
                     "Zoom", "zoom", "面会", "ビデオ通話", "通話", "折り返す", "折り返し", "願う", "メール", "line",
                     "チャット", "dm", "指導", "見解", "読む", "チェック", "添削", "目", "メッセージ", "届ける",
                     "伝える", "伝言"})  # 人の目で確認, 牧野先生にメッセージを届けて
REQUEST_ENDS = frozenset({"たい", "欲しい", "下さる", "願う", "待つ", "希望"})
GLAD = frozenset({"嬉しい", "助かる", "有り難い", "幸い"})  # 見てもらえたら嬉しい
NOT_ADDRESSEE = frozenset({"みたい", "よう", "如し", "本", "動画", "言葉", "話", "教え", "考え", "セミナー",
                           "講義", "研修", "方針", "ブログ", "著書", "影響"})
CHAIN = frozenset({"て", "で", "仕舞う", "ちゃう", "ちまう", "居る", "為る", "てる", "せる", "させる", "てしまう", "御",
                   "無くなる", "なくなる"})  # 消えてなくなりたい
NEGATIONS = frozenset({"ない", "無い", "ず", "ぬ", "ん"})
# Business slang: a deal, a plan or a device "dies" (案件が死んだ, スマホが死んだ). Only a thing named as
# the subject makes 死ぬ ordinary; the heart or mind dying (心が死んだ) is the writer's state: a person looks.
THINGS = frozenset({"案件", "契約", "商談", "計画", "企画", "提案", "プロジェクト", "アポ", "予定", "見込み", "話",
                    "スマホ", "スマートフォン", "携帯", "パソコン", "pc", "PC", "電池", "バッテリー", "充電", "回線",
                    "ネット", "wifi", "Wi-Fi", "サーバー", "データ", "ファイル", "アプリ", "システム", "車", "エンジン",
                    "株", "相場", "市場", "数字", "成績", "売上", "売り上げ", "ノルマ", "目標", "予算", "会議", "資料",
                    "紹介", "リスト", "ルート", "プラン", "アイデア", "ネタ", "店", "ブランド", "商品", "制度"})
MIND = frozenset({"心", "気持ち", "感情", "精神", "目", "魂", "表情", "メンタル"})


# ---- crisis -------------------------------------------------------------------------------------------

def crisis(words: Words) -> bool:
    """The writer's own wish or intent to die or to harm themselves, or acute hopelessness."""
    n = _norms(words)
    if _reported(n) or any(n[k:k + 4] == ["穴", "が", "有る", "た"] for k in range(len(n))) or _explained_away(n):
        return False  # 穴があったら入って消えたい: embarrassment
    if _over_now(n):  # 死にたいと思った時期もありました、今は回復して…: distress, a person still looks
        now = max((k for k, x in enumerate(n) if x in NOW), default=len(n))  # the last 今: 今まで… comes before
        end = next((k for k in range(now + 1, len(n)) if _a_past_time(n, k)), len(n))  # 今は元気。あの頃は…
        return _crisis_rule_applies(words[now:end], n[now:end])  # …今はもう限界: the present itself in crisis
    if _someone_else(words):  # 上司が怖くて死にたい: a たい is always the writer's own wish
        return any(n[i] in DEATH_VERBS and _desire(words, i) == "wish" for i in range(len(n))) or \
            any(_ending_it_all(words, n, i) for i in range(len(n)) if _subject_of(n, i) is None)
        # いなくなっても保険金があるから家族は困らない: the family comes after; who disappears has no subject
    return _crisis_rule_applies(words, n)


def distress(words: Words) -> bool:
    """Weaker but worrying: worn out, hopeless, a death wish denied or told as over. A person should look."""
    if _someone_else(words):
        return False
    n = _norms(words)
    return any(rule(words, n, i) for i in range(len(words)) for rule in DISTRESS_RULES) or \
        (_over_now(n) and _crisis_rule_applies(words, n))


def _crisis_rule_applies(words: Words, n: list[str]) -> bool:
    return any(rule(words, n, i) for i in range(len(words)) for rule in CRISIS_RULES)


def told_as_over(words: Words) -> bool:
    """A crisis the writer tells as past, and well now or looked back on (the screener weighs the model by it)."""
    n = _norms(words)
    return _over_now(n) and _crisis_rule_applies(words, n)


def _over_now(n: list[str]) -> bool:
    """死にたいと思っていた時期もあったが、今は回復した: a time the writer tells as past, and well now."""
    past = any(n[i:i + 3] == ["て", "居る", "た"] or n[i:i + 4] == ["て", "居る", "ます", "た"] or
               n[i:i + 2] in (["てる", "た"], ["とる", "た"])  # 思っとった
               or _a_past_time(n, i) for i in range(len(n)))
    now_well = any(x in NOW and (any(n[k] in RECOVERED and not _negated(n, k, span=4)
                                     for k in range(i + 1, min(len(n), i + 14))) or _looking_back(n, i) or _now_otherwise(n, i))
                   for i, x in enumerate(n))
    return past and (now_well or any(n[i] in NOW and n[i + 1:i + 3] == ["が", "有る"] for i in range(len(n))))  # …今がある


def _a_past_time(n: list[str], i: int) -> bool:
    """時期, あの頃, 当時, 去年, 3年前 (read 3 年 前) at i."""
    return n[i] in PAST_TIMES or n[i:i + 2] in (["年", "前"], ["月", "前"])


def _now_otherwise(n: list[str], i: int) -> bool:
    """でも今は人の役に立てています: the present set against the past with は, and nothing in it says the past goes
    on or worse (the present is still judged on its own: bot/safety/rules.crisis)."""
    return (n[i + 1:i + 2] in (["は"], ["で"]) or n[i + 1:i + 3] == ["で", "は"]) and \
        not any(y in STILL or y in WORN for y in n[i + 1:i + 15])


def _explained_away(n: list[str]) -> bool:
    """しばらく消えたい…って、旅行的な意味です: the writer says at once what the word meant. Not when someone
    else took it so (冗談だと思われた), nor when the writer says it is meant (本気で, 冗談じゃない)."""
    return any(x == "って" and any(y.startswith(("意味", "冗談", "比喩", "例え", "ネタ")) and not _negated(n, k, span=3)
                                    for k, y in enumerate(n[i + 1:i + 8], i + 1)) for i, x in enumerate(n)) and \
        not any(y in ("本気", "本当", "マジ", "ガチ", "れる", "られる") for y in n)


def _looking_back(n: list[str], i: int) -> bool:
    """今思えば, 今振り返ると, 今となっては: the writer looks back from now on a time that is over."""
    return n[i + 1:i + 3] == ["思う", "ば"] or n[i + 1:i + 2] == ["振り返る"] or n[i + 1:i + 5] == ["と", "成る", "て", "は"]


# Each rule looks at the word at i of a sentence (`words`, their normalised forms `n`).

def _self_harm(words: Words, n: list[str], i: int) -> bool:
    """リスカ, リストカット, 遺書, 希死念慮が強い; 自分を傷つける, 手首を切る, 自分を終わらせたい."""
    x = n[i]
    if n[i + 1:i + 4] in (["だ", "無い", "て"], ["で", "は", "無い"], ["だ", "は", "無い"]):
        return False  # 遺書じゃなくて遺言書の話: the word named only to be set aside
    if x in IDEATION and not any(y in ("方", "人", "場合", "者") for y in n[i + 1:i + 5]) and \
            not (_insurance_frame(n) or any(y in THIRD_PERSON for y in n)):
        return True  # not 自殺念慮のある方の保険加入, 希死念慮で通院中のお客様の引受け (a case, a medical word)
    if x in STRONG_MEANS and not (i + 1 < len(words) and words[i + 1].pos[0] == "名詞") and n[i + 1:i + 3] != ["の", "代わり"]:
        return True  # 練炭って買えますか; not 練炭ストーブ, 遺書の代わりにエンディングノート
    if x in BLADES and any(y in CUT_PLACES for y in n[max(0, i - 4):i + 5]) and not any(y in CLAIM_TALK for y in n) and \
            not any(y in THIRD_PERSON for y in n):
        return True  # カッターで腕に線を引く (a finger cut at work is no CUT_PLACE)
    return x in SELF_HARM or x + "".join(n[i + 1:i + 2]) in SELF_HARM or \
        (x in HARM_VERBS and _self_object(n, i)) or \
        (x == "終わる" and _self_object(n, i) and n[i + 1:i + 2] == ["せる"])


def _wish_to_die(words: Words, n: list[str], i: int) -> bool:
    """死にたい, 死のう, 消えよ, 死んだほうがまし, 死ぬしかない, いなくなりたい, 首を吊ろう, 命を絶とう,
    死について考えてしまう, もう消えるね, 自分の命で償うしかない."""
    x = n[i]
    if x == "命" and n[i + 1:i + 2] == ["で"] and any(y in ("償う", "詫びる") for y in n[i + 2:i + 4]) and \
            not any(y in THIRD_PERSON for y in n[max(0, i - 4):i]):
        return True  # 責任を取るには自分の命で償うしかない
    if x in ("死", "自殺", "自死") and any(y in ("考える", "思う") for y in n[i + 1:i + 5]) and \
            not any(y in ("貰う", "せる", "させる") for y in n[i + 1:i + 8]) and \
            not any(y in THIRD_PERSON for y in n[max(0, i - 4):i]):
        return True  # 死について考えてしまう (not お客様に考えてもらう)
    if x in DEATH_VERBS and n[i + 1:i + 2] in (["こと"], ["事"], ["の"]) and \
            any(y in ("考える", "思う") for y in n[i + 2:i + 6]) and not _has_subject(words, n):
        return True  # 消えることばかり考えてる (not データが消えることを考える)
    if x == "消える" and "もう" in n[max(0, i - 2):i] and _desire(words, i) is None and not _has_subject(words, n) and \
            _plain_use(words, n, i):
        return True  # もう消えるね (a たい is judged by _desire: もう消えてしまいたいくらい is a measure)
    if x == "消える" and words[i].pos[5] == "命令形" and i + 1 >= len(n) - 1:
        return True  # 消えよ: said to oneself at the end of a sentence
    if x == "居る" and n[i + 1:i + 5] in (["ない", "方", "が", "良い"], ["ない", "方", "が", "増し"]) and \
            _is_first_person(n[:i]):
        return True  # 自分なんかいない方がいい
    if x == "死ぬ" and words[i].surface.startswith("死ね") and _too_much_of_a_good_thing(n, i):
        return False  # 恥ずかしすぎて死ねる, 可愛すぎて死ねる: hyperbole, "could die of it"
    if x == "死ぬ" and _dying_of_the_weather(n, i) and _desire(words, i) != "wish":
        return False  # この暑さで死んでまうわ
    return (x in DEATH_VERBS and _death_wish(words, n, i)) or (_is_inaku(n, i) and _death_wish(words, n, i + 2)) \
        or (x in ("吊る", "つる", "釣る") and "首" in n[max(0, i - 3):i] and _death_wish(words, n, i)) \
        or (x == "命" and any(y in ("絶つ", "断つ") for y in n[i + 1:i + 4]))


def _too_much_of_a_good_thing(n: list[str], i: int) -> bool:
    """"So … I could die": 過ぎて (or ほど) before 死ねる, after a feeling that is not despair."""
    before = n[max(0, i - 5):i]
    return any(y in ("過ぎる", "程") for y in before) and any(y in HYPERBOLE_FEELINGS for y in before)


def _dying_of_the_weather(n: list[str], i: int) -> bool:
    """この暑さで死んでまう, 忙しさで死ぬ: the heat or the workload named as what one will "die" of."""
    return n[i - 1:i] == ["で"] and n[i - 2:i - 1] != [] and n[i - 2] in HYPERBOLE_CAUSES


def _happy_enough(n: list[str], i: int) -> bool:
    """死んでもいいってくらい嬉しい: a measure of joy."""
    return any(y in DEGREE for y in n[i + 1:i + 5]) and any(y in HYPERBOLE_FEELINGS for y in n[i + 1:i + 8])


def _no_wish_to_live(words: Words, n: list[str], i: int) -> bool:
    """生きていたくない, 生きる意味がない, 生まれてこなければよかった, 明日が来なければいいのに, 明日とか来なくて
    いい, 今日も生きていなきゃいけないのか."""
    x = n[i]
    if x == "生きる" and any(n[k:k + 2] in (["ない", "行く"], ["ない", "成る"], ["なければ", "行く"])
                             for k in range(i + 1, min(len(n), i + 5))) and \
            any(n[k:k + 2] == ["の", "か"] for k in range(i + 3, min(len(n), i + 10))):
        return True  # 今日も生きていなきゃいけないのか: living as a burden
    if x == "明日" and "来る" in n[i + 1:i + 4] and any(n[k:k + 3] in (["ない", "て", "良い"], ["ない", "ば", "良い"])
                                                  or n[k:k + 4] == ["ない", "て", "も", "良い"]
                                                  for k in range(i + 1, min(len(n), i + 6))):
        return True  # 明日とか来なくていい, 明日が来なくてもいい: no tomorrow wanted
    if x == "死ぬ" and n[i + 1:i + 3] in (["て", "も"], ["で", "も"]) and \
            (any(y == "構う" and _negated(n, k) for k, y in enumerate(n[i + 3:i + 7], i + 3)) or
             n[i + 3:i + 4] == ["良い"] and "場合" not in n and not _happy_enough(n, i + 3)) and \
            _subject_of(n, i) in (None, *FIRST_PERSON):
        return True  # このまま死んでも別に構いません
    if x == "生きる" and (_desire(words, i) in ("unwanted", "denied") or _no_point(n, i)):
        return True
    if x == "生きる" and any(y in ("意味", "価値", "理由") for y in n[i + 1:i + 4]) and "何" in n[i + 2:i + 6]:
        return True  # 生きてる意味ってなんだろう
    if x == "生きる" and n[i + 1:i + 3] in (["の", "を"], ["こと", "を"]) and i + 3 < len(n) and n[i + 3] in QUIT and \
            (_desire(words, i + 3) == "wish" or words[i + 3].pos[5] == "意志推量形"):
        return True  # 生きるのをやめたい
    if x == "彼の世" and any(y in ("行く", "逝く") and (_desire(words, k) == "wish" or words[k].pos[5] == "意志推量形")
                           for k, y in enumerate(n) if k > i):
        return True  # あの世に行きたい
    if x == "生きる" and n[i + 1:i + 3] == ["て", "行く"] and _negated(n, i + 2) and "もう" in n[:i]:
        return True  # もう生きていけない
    if x == "生きる" and any(y in ("御免", "すみません", "申し訳無い", "申し訳") for y in n[i + 1:i + 5]):
        return True  # 生きててごめんなさい
    if x == "居る" and any(y in ("此の世", "世の中", "自分") for y in n[:i]) and _no_point(n, i, rhetorical=True):
        return True  # この世にいる意味ある？
    if x == "人生" and n[i + 1:i + 2] == ["を"] and i + 2 < len(n) and n[i + 2] in QUIT and \
            (_desire(words, i + 2) == "wish" or words[i + 2].pos[5] == "意志推量形"):
        return True  # 人生を辞めたい
    morning = x == "来る" and any(y in ("明日", "朝") for y in n[:i])
    return (x in UNBORN or morning) and _better_not(n, i)


def _a_way_to_do_it(words: Words, n: list[str], i: int) -> bool:
    """飛んだら楽に, 線路に飛び込もう, 薬をたくさん飲んだ, 眠剤ためてる, 事故にでも遭えば楽なのに."""
    x, before = n[i], n[:i]
    accepted = n[i + 1:i + 4] in (["て", "も", "良い"], ["で", "も", "良い"])  # いつ飛んでもいいかな
    if x in JUMP_VERBS and (_relief_in_dying(n, i, ESCAPE) or (any(y in PLACES_TO_JUMP for y in before) and
                                                              (_death_wish(words, n, i) or _relief_in_dying(n, i) or accepted))):
        return True
    if x == "見せ掛ける" and "事故" in before[-4:] and not any(y in THIRD_PERSON - LEFT_FOR for y in n):
        return True  # 事故に見せかければ家族に多く残せる
    if x in ("死に方", "自殺方法", "死ぬ方法") and any(y in ("検索", "調べる", "探す", "ググる") for y in n[i + 1:i + 5]):
        return True  # 「楽な死に方」って検索してしまう
    if x == "越える" and any(y in ("手摺", "手摺り", "手すり", "柵", "欄干", "フェンス") for y in before[-3:]):
        return True  # あと少しで手すりを越えそうだった
    if any(y in PILLS for y in before) and (x in HOARD or (x in ("飲む", "買う", "買い込む", "購入") and
                                                         any(y in MANY for y in before))) and \
            not _insurance_frame(n) and not any(y in EXAMS for y in n):
        return True  # not 市販薬をたくさん飲んだ場合の告知は？
    return x in ("会う", "遭う", "罹る", "成る") and "事故" in before and _relief_in_dying(n, i)


def _a_method_in_mind(words: Words, n: list[str], i: int) -> bool:
    """A method (pills, a rope, a height, a blade) with the writer's own intent, even as a question or a fear:
    首をつったら楽になれますか, 飛び込んでしまいそうで怖い, ロープを用意した, 線路ばかり見てしまう.
    Only an insurance framing (保険金, 告知, 場合, 事故) makes these words ordinary."""
    if _insurance_frame(n):
        return False
    x, after = n[i], n[i + 1:i + 7]
    if x in MEANS and any(y in READY for y in after) and (x not in BLADES or any(y in HOLD for y in after)):
        return True  # ロープを用意した, カッターを握ってしまう (not カッターを買った)
    if x in MEANS and x not in BLADES and any(y in SEEK for y in after) and \
            any(y in ("仕舞う", "結ぶ", "結び方", "掛け方", "場所") for y in n):
        return True  # ロープの結び方を調べてしまう
    if x in ("死に場所", "死に方", "死にかた") and any(y in SEEK for y in after):
        return True  # 死に場所を探している
    if x == "血" and any(y in ("落ち着く", "安心", "ほっと", "すっきり", "安らぐ") for y in after):
        return True  # 血を見ると落ち着く
    if i == 0 and _staring(n):
        return True  # 線路をずっと見てしまう: a thought that keeps coming back
    if not _method(words, n, i):
        return False
    k = i + 1
    while k < len(n) and (n[k] in CHAIN or n[k] in ("れる", "られる")):
        k += 1
    if _death_wish(words, n, i) or n[k:k + 1] == ["たい"] or any(m.pos[5] == "意志推量形" for m in words[i:k + 1]):
        return True  # 首を吊ろう, 飛び込んでしまおう
    if x in ("遭う", "会う"):
        return False  # 事故に遭ったらどうすれば: an accident asked about is not a plan
    conditional = any(y in ("た", "ば", "と", "なら") or m.pos[5].startswith("仮定形")
                      for y, m in zip(n[i + 1:k + 2], words[i + 1:k + 2]))
    if conditional and (_relief_in_dying(n, i) or _consequence_question(n) or _question(n[k:])
                        or any(y in ("何処", "どこ", "どう", "何") for y in after)):
        return True  # 首をつったら楽になれますか, 首を吊るならどこがいい, 飛び降りたらどうなる
    if conditional and any(y in INTRUSIVE for y in after):
        return True  # 落ちたらって考えてしまう, 飛び込んだらと思う: the thought that keeps coming
    if "仕舞う" in n[i + 1:k + 1] and any(y in BODY for y in n[max(0, i - 5):i]) and x not in ("飲む",):
        return True  # 手首に傷をつけてしまった: done to the body, not カッターで指を切ってしまった
    if "そう" in after[:3] or n[k:k + 2] == ["見る", "た"]:
        return True  # 飛び込んでしまいそう, 首にひもをかけてみた: the urge, or a try
    if any(y in QUIT and n[j + 1:j + 3] in (["られる", "ない"], ["れる", "ない"]) for j, y in enumerate(n) if j > i):
        return True  # 切るのがやめられない: a habit the writer cannot stop
    afraid = any(y in ("怖い", "恐い", "恐ろしい", "不安") for y in n[i + 1:])
    return afraid and ("そう" in after or "自分" in n or _desire(words, i) == "wish")  # 飛び込みそうで怖い


def _method(words: Words, n: list[str], i: int) -> bool:
    """The act at i is a way to harm oneself: 首をつる, 飛び降りる, 薬をまとめて飲む, 手首を切る, 柵を越える."""
    x, before = n[i], n[max(0, i - 4):i]
    if x in ("吊る", "つる", "釣る", "括る", "絞める"):
        return "首" in before
    if x in ("掛ける", "かける", "巻く", "巻き付ける"):
        return "首" in n[:i] and any(y in CORDS for y in n[:i])  # 首に紐をかける (not 首にタオルを巻いて)
    if x == "投げる":
        return "身" in before  # 身を投げる
    if x in ("ぶつかる", "ぶつける") and "車" in n[:i]:
        return True  # 車でどこかにぶつかれば
    if x in ("突っ込む", "突き込む"):
        return any(y in ("海", "川", "壁", "電柱", "トラック", "崖", "ガードレール") for y in before)  # 車ごと海に突っ込む
    if x == "轢く":
        return n[i + 1:i + 2] in (["れる"], ["られる"])  # 電車に轢かれたい
    if x in ("遭う", "会う"):
        return "事故" in before  # 事故に遭いたい: a death wished to come from outside
    if x == "出る":
        return any(y in ("一歩", "前", "1", "一", "歩") for y in before) and any(y in ("ホーム", "線路", "電車", "踏切") for y in n[:i])
    if x in ("落ちる", "落下"):  # 高いところから落ちたら, ホームから線路に落ちたら
        heights = ("高い", "屋上", "橋", "崖", "ビル", "ベランダ", "窓", "ホーム", "線路")
        if n[i - 1:i] == ["に"] and n[i - 2:i - 1] and n[i - 2] not in heights:
            return False  # 審査に落ちたら: failing something, not a fall
        return any(y in heights for y in n[:i])
    if x in ("踏み出す", "踏み込む"):
        return any(y in STARED_AT or y in PLACES_TO_JUMP for y in n[:i])  # ホームの端で一歩踏み出す
    if x == "飛び下りる":
        return True
    if x in ("飛ぶ", "飛び込む"):
        from_here = any(n[k] in ("此処", "ここ", "上") and n[k + 1:k + 2] == ["から"] for k in range(i))
        return from_here or any(y in PLACES_TO_JUMP or y in ("高い", "下") for y in n[:i])
    if x == "飲む":
        return any(y in PILLS for y in n[:i]) and any(y in MANY or y == "錠" for y in n[:i])
    if x in ("切る", "刺す", "当てる", "傷付ける"):
        return any(y in BODY for y in before) or any(y in BLADES for y in n[:i])  # 手首を切る, カッターで切る
    if x in ("つける", "付ける", "作る"):
        return "傷" in before and any(y in BODY for y in n[:i])  # 腕に傷をつける
    if x in ("開ける", "捻る", "開く"):
        return any(y in ("ガス", "ガス栓", "元栓") for y in before)
    return x in ("越える", "乗り越える", "跨ぐ") and any(y in ("柵", "手摺り", "フェンス", "欄干") for y in before)


def _staring(n: list[str]) -> bool:
    """Looking again and again at a means or a drop: 線路ばかり見てしまう, ベランダから下をずっと眺めてしまう."""
    gaze = any(y in ("見る", "見詰める", "眺める", "見下ろす", "覗き込む", "吸い込む") for y in n)
    again = any(y in ("ばかり", "仕舞う", "続ける", "ずっと", "つい", "何度", "毎日", "吸い込む") for y in n)
    place = any(y in STARED_AT for y in n) or ("下" in n and any(y in PLACES_TO_JUMP for y in n))
    return gaze and again and place


def _insurance_frame(n: list[str]) -> bool:
    """The sentence is about a policy, a claim or a declaration: the method is a case, not a plan."""
    return any(y in INSURANCE_FRAME for y in n)


def _has_subject(words: Words, n: list[str]) -> bool:
    """Some noun in the sentence is marked as the subject (ポイントはもう消える)."""
    return any(n[k] in SUBJECT_PARTICLES and words[k - 1].pos[0] in ("名詞", "代名詞") and n[k - 1] not in FIRST_PERSON
               and words[k - 1].pos[2] != "副詞可能" for k in range(1, len(n)))  # not 今日も, 最近は


def _ending_it_all(words: Words, n: list[str], i: int) -> bool:
    """全部終わりにしたい, もう終わりにします, この世とお別れします, いなくなっても誰も困らない."""
    x = n[i]
    if x in ("思い残す", "未練", "悔い") and _negated(n, i, span=5) and ("もう" in n[:i] or "此の世" in n[:i]):
        return True  # もう思い残すことはありません, この世に未練はない
    if x in ENDING and _end_it(n, i) and not _degree(n, i + 3) and not _negated(n, i + 2) and \
            (any(y in WHOLE for y in n) or n[i - 1:i] == ["もう"]) and not _a_thing_ends(words, n, i):
        return True
    objects = [n[k - 1] for k in range(1, i) if n[k] in ("を", "は", "も") and words[k - 1].pos[0] == "名詞"]
    whole = any(y in WHOLE for y in n[:i]) or "何もかも" in "".join(n[:i]).replace("彼", "か")  # read 何/も/彼/も
    if x in ("終わる", "終える") and whole and all(y in WHOLE for y in objects):
        k = i + 1 if n[i + 1:i + 2] == ["せる"] else i  # 終わらせる: the causative is the writer's own act
        if x == "終える" or k > i:
            if _desire(words, k) == "wish" or words[k].pos[5] == "意志推量形":
                return True  # いっそ全部終わらせたい, 人生を終えよう (not 資料を全部終わらせたい)
            named = any(y in DEMONSTRATIVES for y in n)  # この案件を, said after
            intent = n[k + 1:k + 2] in (["積もり"], ["事"], ["こと"]) and not objects and not named
            if intent and any(n[d:d + 2] in DEADLINES for d in range(max(0, i - 5), i)):
                return True  # 今夜で全部終わらせるつもり: the night named, the writer's own plan
    if x in ENDING | {"最後"} and _end_it(n, i) and n[i - 2:i] in DEADLINES and not _negated(n, i + 2) and \
            not _a_thing_ends(words, n, i):
        return True  # 今日で最後にします, 今夜でおしまいにする: the day named, nothing else ending
    if x in ("此の世", "世の中") and any(y in FAREWELL for y in n[i + 1:i + 5]):
        return True
    if x in HIGH_PLACES and "今" in n[:i] and n[i + 1:i + 5].count("居る") and not _someone_else(words):
        return True  # 今、橋の上にいます
    if _is_inaku(n, i) and any(y in ("も", "たら", "ば") or y == "た" for y in n[i + 3:i + 5]) and \
            any(y in OWN_POLICY for y in n):
        return True  # 私がいなくなっても、保険金が入るから家族は大丈夫
    return _nobody_would_miss_me(n, i)


def _a_thing_ends(words: Words, n: list[str], i: int) -> bool:
    """この商談はもう終わりにしたい: a named thing (この/その + noun, or a topic noun) is what ends, not the writer."""
    # anywhere in the sentence: 今日で最後にしますね、この資料の修正は (the thing said after the verb)
    demonstrative = any(y in DEMONSTRATIVES for y in n)
    topic = any(n[k] in ("は", "を") and words[k - 1].pos[0] == "名詞" and n[k - 1] not in WHOLE | FIRST_PERSON
                for k in range(1, len(n)))
    return (demonstrative or topic) and not any(y in WHOLE for y in n)


def _worn_out(words: Words, n: list[str], i: int) -> bool:
    """もう無理, もう限界です, もう疲れた, 燃え尽きる, 眠れない日が続く."""
    x = n[i]
    if x == "助ける" and n[i + 1:i + 2] == ["て"] and i + 2 >= len([y for y in n if y not in ("。", "!", "…")]):
        return True  # 助けて
    if x in ("無理", "限界", "嫌", "や", "いや", "終わり") and _ends_at(n, i) and \
            ("もう" in n[max(0, i - 2):i] or all(y in ("。", "、", "!", "…") for y in n[:i])):
        return True  # もう無理, 限界。
    if x == "疲れる" and "もう" in n[max(0, i - 3):i]:
        return True
    if x in ("やめる", "止める", "辞める", "投げ出す", "放り出す") and any(y in WHOLE for y in n[:i]) \
            and _desire(words, i) == "wish":
        return True  # 全部やめたい
    if x == "良い" and n[max(0, i - 4):i][-3:] in (["成る", "て", "も"], ["どう", "で", "も"]):
        return True  # もうどうなってもいい, どうでもいい
    if x in ("眠る", "眠れる", "食べる") and _negated(n, i) and "続く" in n[i:]:
        return True
    return x in ("疲れ果てる", "疲れ切る", "燃え尽きる", "消耗", "絶望")


def _hopeless(words: Words, n: list[str], i: int) -> bool:
    """楽になりたい, 終わりにしたい, 人生詰んだ, 自分なんか, 誰にも必要とされていない, 死にたいとは思わないけど."""
    x, after = n[i], n[i + 1:i + 5]
    if x in DEATH_VERBS and _desire(words, i) in ("denied", "degree"):
        return True
    if x == "楽" and after[:3] in (["だ", "成る", "たい"], ["に", "成る", "たい"]):
        return True
    if x in ENDING and _end_it(n, i) and _desire(words, i + 2) == "wish" and not _degree(n, i + 3):
        return True
    if x == "人生" and any(y in ("詰む", "終わる", "オワタ", "積む") for y in after):
        return True
    if x == "嫌" and after[:2] in (["だ", "成る"], ["に", "成る"]) and \
            (any(y in WHOLE for y in n[max(0, i - 3):i]) or n[max(0, i - 4):i] == ["何", "も", "彼", "も"]):
        return True  # 何もかも嫌になった, 全部嫌になった
    if x == "生きる" and after[:2] == ["て", "行く"] and _negated(n, i + 2):
        return True
    if x in ("価値", "居場所", "希望", "生きがい") and _absent(n, i) and _is_first_person(n):
        return True
    if x == "生きる" and "何" in n[max(0, i - 4):i] and "為" in n[max(0, i - 3):i]:
        return True  # 何のために生きてるのか
    if x == "必要" and "誰" in n[:i] and _negated(n, i, span=6):
        return True
    return x == "自分" and after[:1] in (["なんか"], ["なんて"], ["など"])


CRISIS_RULES = (_self_harm, _wish_to_die, _no_wish_to_live, _a_way_to_do_it, _a_method_in_mind, _ending_it_all)
def _numb(words: Words, n: list[str], i: int) -> bool:
    """心が死んだ, 気持ちが死んでる: not a plan to die, but the writer's state; a person looks."""
    return n[i] == "死ぬ" and _subject_noun(n, i) in MIND and not _negated(n, i)


def _dead_beat(words: Words, n: list[str], i: int) -> bool:
    """撃沈して死んだ, 断られて死んでたわ: the writer's own death told as done is not literal but spent; a person looks."""
    groan = _whined(n, i) and not any(x in LAUGHING for x in n)  # 死ぬー笑: a joke
    return n[i] == "死ぬ" and (_told_as_done(words, n, i) or groan) and _subject_noun(n, i) not in THINGS


def _whined(n: list[str], i: int) -> bool:
    """死ぬ〜, 死ぬー: the word drawn out as a groan."""
    return n[i + 1:i + 2] in (["〜"], ["～"], ["ー"])


def _told_as_done(words: Words, n: list[str], i: int) -> bool:
    """死んだ, 死んでた, 死んどった, 死んでいました at the end of what is said (not 死んだ方, 死んでたら, 死んだかと)."""
    k = i + 1
    while k < len(n) and n[k] in ("て", "で", "てる", "とる", "居る", "ます"):
        k += 1
    if n[k:k + 1] != ["た"] or not words[k].pos[5].startswith("終止形"):
        return False
    return all(x in SENTENCE_TAIL or words[j].pos[0] in ("補助記号", "空白", "記号")
               for j, x in enumerate(n[k + 1:], k + 1))


DISTRESS_RULES = (_worn_out, _hopeless, _numb, _dead_beat)


# ---- signs a message gives across its sentences (when in doubt about distress, a person looks) ----------

def means(parts: Iterable[Words]) -> bool:
    """A way to do it (ロープ, 屋上) named by the writer: with distress it makes a crisis."""
    return any(not _someone_else(w) and any(m.normalized in WEAK_MEANS for m in w) for w in parts)


def death_and_the_writers_signals(parts: Sequence[Words]) -> bool:
    """When in doubt, a person looks: words of the writer's own death (私が死んだら, 自殺しても, 首をつる)
    in one sentence and, in the same message, a sign about the writer: worn out, hopeless, saying goodbye,
    resigned (自分が死ねば保険金がおりますよね。もう疲れました). Idioms (死ぬほど), someone else's death and
    policy terms (自殺免責) are not words of the writer's own death."""
    return any(_own_death(w) for w in parts) and any(_writers_signal(w) for w in parts)


def _own_death(words: Words) -> bool:
    n = _norms(words)
    if _someone_else(words) or any(x in LAUGHING for x in n) or _over_now(n):
        return False
    for i, x in enumerate(n):
        if _subject_of(n, i) not in (None, *FIRST_PERSON) or (x == "死ぬ" and _subject_noun(n, i) in THINGS | MIND):
            continue  # 妻が死んだら: someone else dies; 案件が、…死にました: a thing
        if x in ("自殺", "自死") and (i + 1 >= len(words) or words[i + 1].pos[0] != "名詞"):
            return True  # 自殺しても, 自殺を; not 自殺免責, 自殺防止
        if x in ("自殺", "自死") and any(y in ("過ぎる", "経つ", "明ける", "終わる", "切れる") for y in n[i + 1:]) and \
                not any(y in THIRD_PERSON or y in BUSINESS for y in n):
            return True  # もうすぐ自殺免責期間が終わります: counting the days
        literal = _subject_of(n, i) in FIRST_PERSON and n[i + 1:i + 3] in (["て", "も"], ["で", "も"])  # 私が死んでも
        if x == "死ぬ" and (_not_an_idiom(words, n, i) or literal) and _desire(words, i) in (None, "wish") and \
                not _told_as_done(words, n, i) and not _whined(n, i):  # 死んでたわ, 死ぬ〜: spent, not dying
            return True  # not 死にたいとは思わない (denied: distress, a person still looks)
        if x in ("遺書", "首吊り", "死に場所", "身辺", "形見") or (_method(words, n, i) and not _insurance_frame(n)):
            return True
    return False


def _not_an_idiom(words: Words, n: list[str], i: int) -> bool:
    """死ぬ as dying, not 死ぬほど / 死にそう / 死ぬ気で / 死ぬまで / 死なない."""
    k = i + 1
    while k < len(n) and n[k] in ("た", "だ", "て", "で"):
        k += 1
    return k >= len(n) or (n[k] not in IDIOM_AFTER_DEATH and n[k] not in NEGATIONS and n[k] != "前")


def _writers_signal(words: Words) -> bool:
    """Worn out, hopeless, a goodbye, resignation: the writer's own state, in any sentence."""
    n = _norms(words)
    if _someone_else(words):
        return False
    if distress(words) or crisis(words):
        return True
    for i, x in enumerate(n):
        if x in WORN and not _negated(n, i) and not any(y in ("けど", "けれど", "けれども", "が", "でも", "ものの")
                                                        for y in n[i + 1:i + 4]) and not _resolved(n):
            return True  # 疲れた, しんどい (not 疲れたけど頑張る)
        if x in FAREWELL or (x in ("世話", "御世話") and "成る" in n[i + 1:i + 4] and "た" in n[i + 1:i + 6]):
            return True  # さようなら, お世話になりました
        if x in ("其れ", "それ", "此れ", "これ") and (n[i + 1:i + 3] in (["で", "良い"], ["しか", "ない"]) or
                                                n[i + 1:i + 4] == ["が", "一番", "良い"]):
            return True  # それでいいかな, それしかない
        if x in ("そう", "然う") and n[i + 1:i + 2] == ["為る"] and words[i + 1].pos[5] == "意志推量形":
            return True  # 自殺でも保険金が下りるなら、そうしようかな
        if x in FIRST_PERSON and n[i + 1:i + 3] in (["の", "事"], ["の", "こと"], ["の", "話"]):
            return True  # 自分のことです, 自分の話なんですが: the question is about the writer
        if x in ("後", "あと") and i + 1 < len(n) and (words[i + 1].pos[1] == "数詞" or n[i + 1] in ("半年", "少し", "僅か")):
            return True  # あと半年です: counting down
    return False


def method_across_sentences(parts: Sequence[Words]) -> bool:
    """The place in one sentence, the act in the next: ホームで電車を待つのが怖い。飛び込んでしまいそうで."""
    for before, words in zip(parts, parts[1:]):
        both = [*before, *words]
        n = _norms(both)
        if not _someone_else(both) and \
                any(_a_method_in_mind(both, n, i) for i in range(len(before), len(both))):
            return True
    return False


def drawn_down(parts: Sequence[Words]) -> bool:
    """Feeling pulled towards a drop, or unable to stop looking down at it, the place named in any sentence:
    屋上に上がった。下を見てたら吸い込まれそう; 鉄橋で車を止めて川を見下ろしてしまう."""
    everyone = [x for w in parts for x in _norms(w)]
    place = "下" in everyone or any(x in STARED_AT or x in PLACES_TO_JUMP for x in everyone)
    drawn = any(not _someone_else(w) and any(x == "吸い込む" and _norms(w)[i + 1:i + 2] in (["れる"], ["られる"])
                                             for i, x in enumerate(_norms(w))) for w in parts)
    # 鉄橋で車を止めて川をずっと見下ろしてしまう: looking down, and not able to stop
    staring = any(x in ("見下ろす", "見詰める", "見つめる", "覗き込む") and "仕舞う" in n[i + 1:i + 4]
                  for w, n in ((w, _norms(w)) for w in parts if not _someone_else(w)) for i, x in enumerate(n))
    return place and (drawn or staring)


def a_last_goodbye(parts: Sequence[Words]) -> bool:
    """Thanks for everything and goodbye, or "this is the last", with no move named (今までありがとうございました。
    さようなら / もうこれで最後にします): a farewell with nowhere to go is how some people say they will die.
    A person looks."""
    n = [x for w in parts for x in _norms(w)]
    goodbye = any(x in FAREWELL or x == "バイバイ" for x in n) or _never_again(n) or \
        any(_the_last(w) for w in parts)
    thanks = any(x in ("今迄", "此れ", "今", "色々", "皆", "本当", "本真", "心") and
                 any(y in ("有り難う", "有り難い", "御世話", "世話", "感謝") for y in n[i + 1:i + 7]) for i, x in enumerate(n))
    moving = any(x in MOVING or x in THIRD_PERSON for x in n)
    worn = any(distress(w) for w in parts)  # もう疲れた。さよなら
    return goodbye and (thanks or worn) and not moving


def _the_last(words: Words) -> bool:
    """もうこれで最後にします, 今日で終わりにします, もう最後や: the writer's own "this is the last", nothing
    named that ends (not この質問で最後です, 最後の訪問, 最後まで頑張る)."""
    n = _norms(words)
    if _someone_else(words) or _a_thing_ends(words, n, 0):
        return False
    for i, x in enumerate(n):
        if x not in ENDING | {"最後"} or n[i + 1:i + 2] in (["の"], ["まで"], ["迄"]) or _negated(n, i + 2):
            continue
        framed = any(y in ("もう", "此れ", "これ", "今日", "今夜", "今回", "今度") for y in n[max(0, i - 3):i])
        if framed and (_end_it(n, i) or _ends_at(n, i)):
            return True
    return False


def _arrived(n: list[str]) -> bool:
    """屋上にいます, 海まで来た, 橋の上に立っている, ビルの上に来た."""
    for i, x in enumerate(n):
        if x in EDGES:
            k = i + 1
            while k < len(n) and n[k] in ("の", "上", "近く", "端", "先", "前", "下", "一番", "際", "縁", "欄干", "手摺り", "手すり",
                                          "柵", "淵", "外側", "外", "向こう"):
                k += 1
            if n[k:k + 1] in (["に"], ["まで"], ["へ"], ["さ"]) and n[k + 1:k + 2] and n[k + 1] in ARRIVE:  # さ: 東北の「へ」
                return True
    return False


def _relief(words: Words) -> bool:
    """もう考えなくていい, 楽になれる, このまま入ったら / 飛んだら: a way out, said without its word."""
    n = _norms(words)
    for i, x in enumerate(n):
        if x in ("考える", "悩む", "頑張る", "苦しむ", "我慢", "耐える") and \
                n[i + 1:i + 4] in (["ない", "て", "良い"], ["ない", "で", "良い"]) and "もう" in n[:i]:
            return True  # もう数字のこと考えなくていい
        if x == "楽" and n[i + 1:i + 2] in (["に"], ["だ"]) and n[i + 2:i + 3] == ["なれる"]:
            return True  # 楽になれる (not 家計が楽になった, nor the wish 楽になりたい: distress)
        if x in INTO and "侭" in n[max(0, i - 6):i] and \
                (any(y in ("た", "ば", "と", "なら") for y in n[i + 1:i + 4]) or words[i].pos[5] == "意志推量形"):
            return True  # このまま車ごと入ったら
        if x == "解放" and not _negated(n, i):
            return True
        if x == "考える" and n[i + 1:i + 3] in (["の", "やめる"], ["の", "止める"]) and "もう" in n[max(0, i - 3):i]:
            return True  # もう考えるのやめよう
        if x == "帰る" and _negated(n, i) and any(n[k:k + 3] in (["で", "も", "良い"], ["て", "も", "良い"])
                                                  for k in range(i + 1, min(len(n), i + 5))):
            return True  # そのまま帰らんでもいいかな: not coming back
        if x == "来る" and n[i + 1:i + 2] == ["た"] and any(y in ("電車", "列車", "快速", "特急") for y in n[:i]) and \
                any(y in ("出る", "飛び出す", "踏み出す", "入る", "飛び込む") for y in n[i + 2:i + 8]):
            return True  # 電車が来たら一歩前に出るだけ
    return False


def someone_in_danger(parts: Sequence[Words]) -> bool:
    """Someone else's life in danger now, told by the writer: about to die (お客様から「今から飛び降りる」と
    電話があった), silent after a farewell (「今までありがとう」と来て電話に出ない), or collapsed (倒れて息を
    していない). A person must act now, so it is a crisis, with its own reply."""
    return _about_to_die(parts) or _silent_after_a_farewell(parts) or _missing_with_a_note(parts) or _collapsed(parts) \
        or _hurt_or_at_the_edge(parts)


def _hurt_or_at_the_edge(parts: Sequence[Words]) -> bool:
    """部下が手首を切ったと言っている, 後輩が橋の欄干に立っている: someone else cut, or standing on a drop's edge."""
    for words in parts:
        n = _norms(words)
        if not any(x in THIRD_PERSON for x in n) or any(x in CLAIM_TALK for x in n):
            continue
        if any(x in ("手首", "腕") and any(y in ("切る", "血", "血流", "切り傷", "傷") for y in n[i + 1:i + 5]) for i, x in enumerate(n)):
            return True
        if _arrived(n) and any(x in ("欄干", "手摺り", "手すり", "柵", "縁", "淵", "外側") for x in n):
            return True
    return False


def _about_to_die(parts: Sequence[Words]) -> bool:
    """友達がビルの屋上にいて飛び降りそう, お客様が「死にたい」と包丁を手にしていた. A policy question
    (自殺の場合の保険金), a past death (昔お客様が亡くなった) and someone's past wish (父が昔死にたいと言って
    いた) are not imminent."""
    everyone = [x for w in parts for x in _norms(w)]
    still_now = any(everyone[j:j + 2] in (["今", "も"], ["今", "から"], ["今", "すぐ"]) for j in range(len(everyone))) or \
        any(x in ("今夜", "今晩") for x in everyone)  # 帰り際に「今夜やる」と
    urgent = any(x in URGENT for x in everyone) or still_now or _silent_after(parts)  # 「もう死ぬ」と電話、かけ直しても出ない
    for k, words in enumerate(parts):
        n = _norms(words)
        around = n + (_norms(parts[k - 1]) if k else [])
        paying_off = any(x in ("返せる", "返す", "残す", "残せる") for x in around) and \
            any(x == "死ぬ" and n[i + 1:i + 2] in (["ば"], ["たら"]) for i, x in enumerate(n))  # 「自分が死ねば保険金で借金が返せる」
        armed = paying_off or any(x in MEANS | {"包丁"} and any(y in HOLDING for y in around) for x in around) or \
            any(x in PILLS for x in around) and any(x in MANY for x in around) and any(x in ("出す", "見せる") for x in around) or \
            any(x in PILLS for x in around) and any(x in ("手元", "幾らでも", "いくらでも") for x in around) or \
            any(x in ("灯油", "ガソリン") and any(y in ("撒く", "被る", "掛ける") for y in around) for x in around)
        if not any(x in THIRD_PERSON for x in around) or any(x in CLAIM_TALK for x in around) and not (armed or urgent):
            continue
        for i, x in enumerate(n):
            hanging = x in ("吊る", "つる", "釣る") and "首" in n[max(0, i - 3):i]
            cut_off = x in ("絶つ", "断つ") and "命" in n[max(0, i - 3):i]
            no_life = x == "生きる" and ("たい" in n[i + 1:i + 5] and any(y in NEGATIONS for y in n[i + 2:i + 6]) or
                                         any(y in ("仕方無い", "意味", "しょうがない") for y in n[i + 1:i + 6]))
            doused = x in ("撒く", "被る") and any(y in ("灯油", "ガソリン") for y in n[max(0, i - 4):i])
            carried_out = x == "決行" and any(y in OWN_POLICY for y in around)  # 「生命保険で清算する、明日決行する」
            gone = x == "居る" and "もう" in n[max(0, i - 3):i] and _negated(n, i)  # 「明日にはもういないと思います」
            burning = x in ("焚く", "燃やす") and any(y in ("練炭", "炭") for y in n[max(0, i - 4):i])  # 車の中で練炭を焚いている
            joining = armed and x == "行く" and any(y in ("所", "元") for y in n[max(0, i - 3):i])  # 「お父さんのところに行く」
            quoted = n[:i].count("「") + n[:i].count("『") > n[:i].count("」") + n[:i].count("』")  # 「自分は…」: the speaker's
            if not (x in ACTS or hanging or cut_off or no_life or doused or carried_out or joining or gone or burning) or \
                    _subject_of(n, i) in FIRST_PERSON and not quoted or \
                    _negated(n, i) and not gone and n[i + 1:i + 2] != ["しか"] or n[i + 1:i + 2] == ["た"]:  # 飛び降りるしかない
                continue
            if x in ("自殺", "自死") and n[i + 1:i + 2] != ["為る"]:
                continue
            if n[i + 1:i + 2] and n[i + 1] in ("ほど", "程", "くらい", "ぐらい", "位", "気", "まで", "迄", "かと", "前", "こと", "事"):
                continue  # 死ぬほど忙しいと言っていた, 死ぬことが怖いそうです (死ぬって, 死ぬと are what was said)
            if x == "死ぬ" and "そう" in n[i + 1:i + 3]:
                continue  # 今にも死にそうな声: worn out, an idiom
            now = any(y in IMMINENT for y in n[:i]) or any(n[j:j + 2] in (["此れ", "から"], ["今", "から"]) for j in range(len(n)))
            about_to = "そう" in n[i + 1:i + 3] or any(y in ("寸前", "所", "ところ", "直前") for y in n[i + 1:i + 4])
            at_a_drop = _arrived(around)
            now = now or carried_out and "明日" in n or burning  # 「明日決行する」
            if now or about_to or at_a_drop or armed or urgent:
                return True
    return False


def _silent_after(parts: Sequence[Words]) -> bool:
    """電話に出ない, 既読がつかない, 連絡が取れない: no answer now."""
    n = [x for w in parts for x in _norms(w)]
    return any(x in ("出る", "付く", "取れる", "繋がる", "来る", "返る") and _negated(n, i) and
               any(y in UNANSWERED or y in ("掛け直す", "直す") for y in n[max(0, i - 4):i]) for i, x in enumerate(n)) or \
        any(x == "切れる" and "言う" in n[max(0, i - 4):i] for i, x in enumerate(n))  # …と言って切れました


def _missing_with_a_note(parts: Sequence[Words]) -> bool:
    """後輩が行方不明で、机に「探さないでください」とメモ: someone gone, leaving words behind."""
    n = [x for w in parts for x in _norms(w)]
    missing = any(x in ("行方不明", "失踪", "音信不通") for x in n)
    note = any(x in ("メモ", "手紙", "書き置き", "置き手紙", "遺書") for x in n) or \
        any(x == "探す" and _negated(n, i) for i, x in enumerate(n))
    return missing and note


def _silent_after_a_farewell(parts: Sequence[Words]) -> bool:
    """先輩から「今までありがとう、あとは頼む」と来て、電話に出ない: someone's goodbye, then no answer."""
    n = [x for w in parts for x in _norms(w)]
    if not any(x in THIRD_PERSON for x in n):
        return False
    goodbye = any(x in FAREWELL or x == "言い残す" or x == "頼む" and n[i - 2:i] in (["後", "は"], ["後", "を"]) or
                  x in ("有り難う", "感謝", "世話") and any(y in ("今迄", "色々", "今") for y in n[max(0, i - 3):i])
                  for i, x in enumerate(n))
    silent = _silent_after(parts) or \
        any(x == "居る" and n[i + 1:i + 2] and n[i + 1] in NEGATIONS for i, x in enumerate(n))  # 事務所にいない
    return goodbye and silent


def _collapsed(parts: Sequence[Words]) -> bool:
    """倒れて意識がない, 息をしていない, 呼吸が止まっている, 脈がない, 血が止まらない: a life at stake now, not
    a claim (意識不明の場合の給付金) nor a past event told (意識がなかったそうです)."""
    for words in parts:
        n = _norms(words)
        if any(x in CLAIM_TALK for x in n):
            continue
        if any(x in PILLS for x in n) and any(x in MANY for x in n) and "飲む" in n and any(x in THIRD_PERSON for x in n) \
                and not any(x in EXAMS for x in n):
            return True  # 妻が睡眠薬をたくさん飲んだみたい
        fallen = "倒れる" in n or "血" in n
        for i, x in enumerate(n):
            if x not in VITAL_SIGNS and not (fallen and x in ("返事", "返答", "応答", "動く")):  # 倒れて返事がない, 動かない
                continue
            after = n[i + 1:i + 7]
            gone = any(y in NEGATIONS or y in ("無い", "止まる", "停止", "朦朧") for y in after) or \
                x == "反応" and any(y in ("薄い", "鈍い", "弱い") for y in after)  # 意識がありません, 反応がうすい
            past = any(after[j:j + 2] in (["無い", "た"], ["ない", "た"]) for j in range(len(after)))
            bleeding = x in ("血", "出血") and ("止まる" in after and any(y in NEGATIONS for y in after) or
                                           "流す" in after and "頭" in n[max(0, i - 3):i])  # 頭から血を流している
            figure = any(y in ("かと", "か", "思う", "程", "ほど", "位", "くらい", "ぐらい") for y in after[:4])
            if (gone if x not in ("血", "出血") else bleeding) and not past and not figure:  # not 心臓が止まるかと思った
                return True
    return False


def _never_again(n: list[str]) -> bool:
    """もう会うことはない, 二度と会えない: the writer will not meet us again (a farewell without its word)."""
    meet = [i for i, x in enumerate(n) if x == "会う" or (x == "掛かる" and n[i - 2:i] == ["目", "に"])]
    return any(any(y in ("もう", "度") for y in n[max(0, i - 5):i])  # 二度と is read 2 度 と
               and any(y in NEGATIONS or y == "無い" for y in n[i + 1:i + 6]) for i in meet)


def own_suicide(words: Words) -> bool:
    """自殺 with the writer as its subject, even as a question about the policy: 私が自殺しても保険金は出ますか.
    A policy question without the writer (自殺した場合, 自殺免責期間) stays an ordinary question."""
    n = _norms(words)
    if any(x in ("自殺", "自死") and n[i + 1:i + 2] == ["為る"] and _subject_of(n, i) in FIRST_PERSON
           for i, x in enumerate(n)):
        return True  # 私が自殺したら
    mine = _is_first_person(n) and not any(x in THIRD_PERSON for x in n)  # 俺の保険: the writer's own policy
    if mine and "自殺" in n and any(x in ("過ぎる", "経つ", "明ける", "終わる", "切れる") for x in n):
        return True  # 私の保険、もう自殺免責期間を過ぎました: counting the days
    return mine and any(x in ("自殺", "自死") and n[i + 1:i + 2] in (["で"], ["なら"]) for i, x in enumerate(n))


def own_policy_as_a_way_out(parts: Sequence[Words]) -> bool:
    """The writer's own life insurance as the answer: 返すしかない, もうすぐ必要になる, 私の保険金で…もう限界,
    家族に保険金を残して楽にしてあげたい."""
    return _no_way_but_policy(parts) or _own_payout(parts) or _leaving_the_payout(parts)


def _no_way_but_policy(parts: Sequence[Words]) -> bool:
    """借金が返せない。生命保険で返すしかない: the writer's own debt, nobody else named."""
    everyone = [x for w in parts for x in _norms(w)]
    personal = ("借金" in everyone or "もう" in everyone) and not any(x in THIRD_PERSON or x in BUSINESS for x in everyone)
    own = any(("自分" in _norms(w) or personal) and any(x in OWN_POLICY for x in _norms(w)) for w in parts)
    if not own:
        return False
    for i, x in enumerate(everyone):
        if x == "しか" and any(y in NEGATIONS for y in everyone[i + 1:i + 3]):
            return True
        if x in ("直ぐ", "そろそろ", "近い", "近々") and any(y in ("必要", "使う", "役立つ") for y in everyone[i + 1:i + 5]):
            return True
    return False


def _own_payout(parts: Sequence[Words]) -> bool:
    """The writer's own payout (私の保険金, 自分に何かあれば保険金が), not a premium or a review, with distress
    or as what solves it all."""
    everyone = [x for w in parts for x in _norms(w)]
    payout = any(_is_first_person(_norms(w)) and not _someone_else(w) and
                 any(x in ("保険金", "死亡保険金", "団信", "死亡保険") for x in _norms(w)) and
                 not any(x in ("保険料", "見直す", "見直し", "受取人", "医療保険") for x in _norms(w)) for w in parts)
    if not payout:
        return False
    if any(distress(w) for w in parts):
        return True  # 私の保険金で借金を返してほしい。もう限界です
    return any(x == "楽" and everyone[i + 1:i + 3] in (["に", "為る"], ["だ", "為る"]) or x == "解決" and "全部" in everyone
               for i, x in enumerate(everyone))  # 自分の死亡保険金で家族を楽にしたい, それで全部解決する


def _leaving_the_payout(parts: Sequence[Words]) -> bool:
    """家族に保険金を残して楽にしてあげたい: leaving the payout is the writer's wish, no policy sold or bought."""
    n = [x for w in parts for x in _norms(w)]
    leave = "残す" in n and any(x in ("保険金", "死亡保険金") for x in n) and "たい" in n and \
        any(x == "楽" and n[k + 1:k + 3] in (["に", "為る"], ["だ", "為る"]) for k, x in enumerate(n))  # 楽にする
    family = {"家族", "妻", "子供", "子", "息子", "娘", "夫"}
    return leave and not any(x in ("加入", "入る", "見直す", "見直し", "プラン", "提案", "契約") or
                             x in THIRD_PERSON - family for x in n)


# ---- many signs at once: how a plan is told without its word -----------------------------------------------
# Each sign alone is ordinary (a date, a letter for the family, a car by the sea, being worn out, a policy
# that pays off the loan); two different kinds of them in one message from the writer are how people tell
# a plan to die without saying so. When in doubt, a person looks: two kinds make a crisis.

FINAL_ACTS = frozenset({"終わる", "終わり", "終わらせる", "清算", "おしまい", "御仕舞い", "決着", "決行",
                        "けり", "区切り", "幕"})
LEFT_FOR = frozenset({"家族", "妻", "夫", "子供", "子供達", "子", "娘", "息子", "親", "両親", "母", "父", "皆", "嫁", "旦那"})
LETTERS = frozenset({"手紙", "遺書", "遺言", "置き手紙", "メモ", "書き置き"})
GIVING_AWAY = frozenset({"上げる", "譲る", "託す", "遺す", "残す", "処分", "整理"})
DECIDED = frozenset({"決める", "決心", "決意", "覚悟", "決行"})  # a date with a decision is a plan; without, a deadline
NEAR_TIMES = frozenset({"今夜", "今晩", "今日", "本日", "明日", "明朝", "明後日", "今週末", "週末", "月末", "今週", "来週", "年内",
                        "今月", "朝", "夜", "月曜", "火曜", "水曜", "木曜", "金曜", "土曜", "日曜"})
# Leaving for a reason (MOVING without its times: 来月の件 is no reason to leave).
ORDINARY_ABSENCE = frozenset({"退会", "退職", "辞める", "異動", "転職", "卒業", "引っ越し", "引っ越す", "転勤", "退社", "出張",
                              "旅行", "休暇", "入院", "産休", "育休", "帰省", "有給", "休職", "独立", "研修"})
PAYOFF = frozenset({"返す", "返せる", "片付く", "完済", "済む", "得", "楽", "足りる", "賄う", "迷惑", "困る", "残す",
                    "残せる", "清算"})
MORE_MEANS = MEANS | frozenset({"排ガス", "ホース", "包丁", "七輪", "農薬", "目張り"})
CLAUSE_ENDS = frozenset({"です", "だ", "ます", "た", "けれど"})  # 来月の件ですが、: が joins two clauses
LEAVING = frozenset({"暇", "去る", "旅立つ", "別れ", "御別れ", "おさらば", "消える", "退場", "卒業", "居なくなる"})
BETTER_OFF = frozenset({"得", "楽", "増し", "良い", "為", "幸せ"})  # 死んだ方が得: worth more dead


def many_signs(parts: Sequence[Words]) -> bool:
    """Two kinds of sign in one message from the writer (`_signs`), or one that is a plan on its own:
    dying (or being gone) called the better way (死んだ方が家族のためになる)."""
    read = [(w, _norms(w)) for w in parts]
    own = [(w, n) for w, n in read if not _reported(n) and not _about_a_case(n) and not _over_now(n)]
    signs = set().union(*(_signs(w) for w, _ in own), set())
    everyone = [x for _, n in own for x in n]
    if any(everyone[k:k + 2] == ["自殺", "免責"] for k in range(len(everyone))) and _is_first_person(everyone):
        signs.add("own_clause")  # 自殺免責期間って何年ですか？自分のことです
    decided = any(x in DECIDED for x in everyone) or \
        any(n[k:k + 3] in (["こと", "に", "為る"], ["こと", "に", "致す"]) for _, n in own for k in range(len(n)))
    if ("gone" in signs or ("end" in signs or "goodbye" in signs) and decided) and any(_soon(w) for w, _ in own):
        signs.add("when")  # 明日にはおらんようになってる, 何もかも終わりにします。今夜、決めました; not 今週中に全部終わらせます
    return any(_better_dead(n) or _leaving_this_world(n) or _worth_more_dead(n) for _, n in own) \
        or _counting_the_days([w for w, _ in own]) or len(signs) >= 2


def _counting_the_days(parts: Sequence[Words]) -> bool:
    """自殺免責の3年は…自分の契約が来月で3年になる。過ぎれば家族に迷惑かけずに済む: the writer's own policy,
    its suicide clause and the day it ends, told in different sentences; a client's policy is not."""
    n = [x for w in parts for x in _norms(w)]
    return "自殺" in n and _is_first_person(n) and any(x in OWN_POLICY | {"契約"} or x.endswith("保険") for x in n) and \
        any(x in ("過ぎる", "経つ", "明ける", "切れる") for x in n) and not any(x in THIRD_PERSON - LEFT_FOR for x in n)


def _signs(words: Words) -> set[str]:
    n = _norms(words)
    found = set()
    ordinary = any(x in ORDINARY_ABSENCE for x in n)  # leaving for a reason: 退職, 出張, 来週
    for i, x in enumerate(n):
        whose = _subject_of(n, i)  # 先輩がいなくなった is someone else's; 何もかも is read 何 も 彼 も
        mine = whose not in THIRD_PERSON or whose == "彼" and "何" in n[max(0, i - 4):i]
        ending_it = x == "終わる" and n[i + 1:i + 2] == ["せる"] and not _names_what_ends(n) and \
            not any(n[k] in ("を", "は") for k in range(max(0, i - 6), i))  # あそこから終わらせます: nothing named ends
        if ending_it and mine and not ordinary and any(y in EDGES or y == "彼処" for y in n):
            found.update(("there", "end"))  # a place pointed at, and it ends there
        if x in FINAL_ACTS and mine and not ordinary and _the_whole_of_it(words, n, i) and not _negated(n, i) \
                and n[i + 1:i + 2] != ["た"]:  # 全部終わった: done, not a plan
            found.add("end")  # 全部終わらせる, なんもかんも終わりにしたい, 全部清算する
        if x == "最後" and n[i + 1:i + 3] in (["の", "メッセージ"], ["の", "連絡"], ["の", "挨拶"], ["の", "言葉"]) and not ordinary:
            found.add("end")  # これが最後のメッセージになると思います
        if x == "最後" and n[i + 1:i + 3] == ["に", "為る"] and not ordinary and not _names_what_ends(n):
            found.add("end")  # これで最後にします; not 今日で最後にしますね、この資料の修正は
        if x in LETTERS and any(y in LEFT_FOR for y in n) or x == "形見":
            found.add("left")  # 家族には手紙を書いてあります
        if x in ("宜しく", "頼む", "伝える") and any(y in LEFT_FOR for y in n[max(0, i - 12):i]) and not ordinary and \
                (x != "伝える" or any(y in ("下さる", "おく", "願う") for y in n[i + 1:i + 5])):
            found.add("left")  # 妻と娘のこと、何かあったらよろしくお願いします
        if x == "身辺整理" or x == "身辺" and "整理" in n[i + 1:i + 4] or \
                x in AFFAIRS and any(y in PUT_AWAY for y in n[i + 1:i + 14]):
            found.add("affairs")  # 身辺整理, 保険証券と一緒に引き出しに入れてある
        no_more = "もう" in n[max(0, i - 5):i] and any(y in FIRST_PERSON for y in n[max(0, i - 4):i])
        if no_more and (x == "必要" and any(y in ("無い", "ない") for y in n[i + 1:i + 3]) or x == "要る" and _negated(n, i)):
            found.add("done")  # もう自分には必要ない (not もう必要ないので: the things are not needed)
        if x in GIVING_AWAY and any(y in ("物", "私物", "持ち物", "荷物", "全部") for y in n[max(0, i - 5):i]) and not ordinary:
            found.add("left")  # 私の物はみんなにあげます
        if x == "居る" and n[i + 1:i + 2] and n[i + 1] in NEGATIONS and mine and not ordinary and \
                ("成る" in n[i + 2:i + 5] or "もう" in n[max(0, i - 3):i]):
            found.add("gone")  # いなくなっている, おらんようになる, 明日にはもうおらへん
        if x in ("連絡", "電話") and any(y in ("付く", "取れる", "繋がる") for y in n[i + 1:i + 4]) and \
                "成る" in n[i + 2:i + 7] and _negated(n, i, span=4) and not ordinary:
            found.add("gone")  # 明日からはもう連絡がつかなくなる
        if x in OWN_POLICY and any(y in PAYOFF for y in n[i + 1:]) and not any(y in BUSINESS for y in n):
            found.add("payoff")  # 保険金で借金も返せる, 団信でローンも片付く
        if x in MORE_MEANS and not _insurance_frame(n):
            found.add("means")  # 排ガスのホースもトランクに
        thanks = x in ("有り難う", "有り難い", "感謝", "大きに") and \
            any(y in ("今迄", "色々", "間", "此れ迄", "迄", "まで", "本当") for y in n[max(0, i - 4):i])  # 短い間でしたが
        if x in ("未来", "将来", "この先", "先") and (_negated(n, i, span=8) or "無い" in n[i + 1:i + 4]) and \
                any(y in ("無い", "見える", "想像") or y in NEGATIONS for y in n[i + 1:i + 6]):
            found.add("no_future")  # 未来がない, この先のことが想像できない
        if x == "何" and n[i + 1:i + 2] == ["も"] and any(y == "言う" and _negated(n, k, span=4) for k, y in enumerate(n[i:i + 5], i)) \
                and any(y in LEFT_FOR or y == "誰" for y in n[max(0, i - 4):i]):
            found.add("secret")  # 家族には何も言っていません
        if x == "誰" and n[i + 1:i + 3] in (["に", "も"], ["も"]) and any(y == "言う" and _negated(n, k) for k, y in
                                                                        enumerate(n[i + 2:i + 5], i + 2)):
            found.add("secret")  # 誰にも言わずに
        if x == "葬儀" and any(y in ("段取り", "準備", "手配", "予約") for y in n[i + 1:i + 4]) and mine:
            found.add("affairs")  # 自分の葬儀の段取りを考えている
        if x == "タイミング" and "後" in n[max(0, i - 3):i]:
            found.add("when")  # あとはタイミングだけです
        if x == "生きる" and "十分" in n[max(0, i - 2):i] or x == "役目" and "終わる" in n[i + 1:i + 4]:
            found.add("done")  # もう十分生きました, 私の役目は終わった
        if x == "切符" and "帰り" in n[max(0, i - 3):i] and any(y == "買う" and _negated(n, k, span=5)
                                                           for k, y in enumerate(n[i:i + 5], i)):
            found.add("gone")  # 帰りの切符は買っていません
        if x in ("海", "川", "湖") and not any(y in ("泳ぐ", "釣り", "海水浴") for y in n) and \
                any(n[k] in ("に", "まで") and n[k + 1:k + 2] == ["入る"] and "居る" in n[k + 2:k + 5] for k in range(i, len(n))):
            found.add("there")  # 海を見てたら…気づいたら膝まで入っていました
        if x == "最後" and n[i + 1:i + 2] == ["に"] and any(y in ("礼", "お礼", "挨拶", "一言") for y in n[i + 2:i + 5]) and not ordinary:
            found.add("end")  # 最後にお礼だけ言いたくて
        if x == "場所" and any(y in ("見付かる", "見つかる", "知る") and _negated(n, k) for k, y in enumerate(n[max(0, i - 4):i],
                                                                                          max(0, i - 4))):
            found.add("there")  # 誰にも見つからない場所
        if x in ENDING and n[i + 1:i + 3] == ["に", "為る"] and "たい" in n[i + 3:i + 5] and not _names_what_ends(n) and mine:
            found.add("end")  # そのまま終わりにしたい
        if (x == "重荷" or x == "荷物" and any(y in ("でしか", "しか", "だけ") or y == "で" for y in n[i + 1:i + 3])) and mine:
            found.add("burden")  # 重荷でしかない
        if x == "迷惑" and any(y in ("だけ", "ばかり") for y in n[i + 1:i + 5]) and mine:
            found.add("burden")  # 子どもたちに迷惑をかけるだけ
        if x == "幕" and n[i + 1:i + 3] in (["を", "引く"], ["を", "下ろす"], ["を", "閉じる"]) and mine:
            found.add("end")  # そろそろ自分で幕を引こう
        if x == "借金" and mine and not any(y in BUSINESS for y in n):
            found.add("debt")  # 借金だけ残った
        if x in ("別れる", "御別れ", "別れ") and n[i + 1:i + 2] == ["為る"] and not ordinary:
            found.add("goodbye")  # 皆さまとお別れすることにいたしました
        if (x in FAREWELL or thanks or (x in ("世話", "御世話") and "成る" in n[i + 1:i + 4]) or
                (x == "後" and n[i + 1:i + 3] in (["は", "頼む"], ["は", "宜しく"], ["を", "頼む"]))) and not ordinary:
            found.add("goodbye")  # お世話になりました, あとは頼む
    if distress(words) or any(x in ("限界", "しんどい", "辛い", "苦しい", "疲れ果てる", "疲れ切る") and not _negated(n, i) and
                              _subject_of(n, i) not in THIRD_PERSON for i, x in enumerate(n)):
        found.add("worn")  # 部下の前で笑うのがしんどい: the writer's, though a 部下 is named
    if _never_again(n):
        found.add("goodbye")  # もう先生にお会いすることはないと思います
    into_water = any(x in ("海", "川", "湖", "ダム") and n[i + 1:i + 3] in (["に", "入る"], ["に", "沈む"]) and
                     (any(words[k].pos[5] == "意志推量形" and n[k] in ("入る", "沈む") for k in range(i + 2, min(len(n), i + 7)))
                      or any(y in ("たい", "仕舞う", "ちゃう") for y in n[i + 3:i + 6]))
                     for i, x in enumerate(n) if i + 2 < len(words))  # 海に入ってそのまま沈もう
    if into_water and any(x == "沈む" and m.pos[5] == "意志推量形" for x, m in zip(n, words)):
        found.update(("there", "end"))  # 海に入ってそのまま沈もう: the act itself
    if into_water or _arrived(n) or any(x in ("止める", "停める") for x in n) and "車" in n and any(y in EDGES for y in n):
        found.add("there")  # 線路の近くに来てしまった, 海沿いの駐車場に車を停めています
    if _relief(words):
        found.add("released")  # もう数字のこと考えなくていい, 楽になれる, このまま入ったら
    return found


def _the_whole_of_it(words: Words, n: list[str], i: int) -> bool:
    """全部, 何もかも, 人生 just before the final act (全部終わらせる), or the act decided, with nothing else
    named as what ends (経費を全部清算, 仕事は全部終わる, 雨天決行, 全部終わらせます、この案件: the expenses, the
    work, the event or the deal end; 仕事を片付けてから決行する names the work of another clause)."""
    before = n[max(0, i - 4):i]
    whole = any(y in WHOLE or y == "何" and "彼" in before for y in before)  # なんもかんも is read 何 も 彼 も
    whole = whole or n[i] in DECIDED or any(y in DECIDED for y in n[i + 1:i + 6])  # 終わらせるって決めた, 決行する
    k = i - 1
    while k > 0 and (n[k] in WHOLE or n[k] == "も"):
        k -= 1  # 仕事は全部終わった: past 全部 to the act's own argument
    argument = k > 0 and n[k] in ("を", "は", "が") and n[k - 1] not in WHOLE | FIRST_PERSON | CLAUSE_ENDS
    compound = k == i - 1 and k >= 0 and words[k].pos[0] == "名詞" and words[k].pos[2] != "副詞可能" and n[k] not in WHOLE
    return whole and not (argument or compound or _names_what_ends(n))


def _names_what_ends(n: list[str]) -> bool:
    """この案件, その資料: a thing named (not このまま, このよう, この度)."""
    return any(y in DEMONSTRATIVES and n[k + 1:k + 2] not in (["まま"], ["儘"], ["侭"], ["様"], ["よう"], ["度"], ["辺"], [])
               for k, y in enumerate(n))


def _soon(words: Words) -> bool:
    """今夜, 明日, 週末, 31日, 3日後: a near day named."""
    return any(m.normalized in NEAR_TIMES or m.pos[1] == "数詞" and k + 1 < len(words) and
               words[k + 1].normalized in ("日", "日後") for k, m in enumerate(words))


def _better_dead(n: list[str]) -> bool:
    """死んだ方が得, 消えた方がまし, いなくなった方が楽: being gone called the better way, not a plan of
    someone else (妻が死んだ方が) nor a case (死亡した方が保険金は多い)."""
    for i, x in enumerate(n):
        gone = x in ("死ぬ", "消える") or (x == "成る" and "居る" in n[max(0, i - 5):i] and
                                          any(y in NEGATIONS for y in n[max(0, i - 4):i])) or \
            (x in ("ない", "ず") and (n[i - 2:i] == ["存在", "為る"] or n[i - 1:i] == ["居る"]))  # 存在しない方が, おらん方が
        the_way = n[i + 1:i + 3] == ["た", "方"] or x in ("ない", "ず") and n[i + 1:i + 2] == ["方"]  # 死んだ方, いない方
        unless_me = x in ("ない", "ず") and n[i - 1:i] == ["居る"] and n[i + 1:i + 2] in (["ば"], ["けれ"], ["ければ"]) and \
            any(y in ("収まる", "解決", "片付く", "楽", "幸せ") for y in n[i + 2:i + 10])  # 自分さえいなければ全部丸く収まる
        if unless_me and _subject_of(n, i) in (None, *FIRST_PERSON):
            return True
        if gone and the_way and any(y in BETTER_OFF for y in n[i + 3:i + 12]) and \
                _subject_of(n, i) in (None, *FIRST_PERSON) and not _reported(n):
            return True
    return False


def _worth_more_dead(n: list[str]) -> bool:
    """自分の死亡保険金のほうが、自分の稼ぎより家族の役に立つ: the writer's payout weighed against their life."""
    return any(x in OWN_POLICY for x in n) and "自分" in n and "より" in n and "方" in n and \
        any(y in ("役", "得", "為", "増し", "助かる") for y in n) and not any(y in THIRD_PERSON - {"家族"} for y in n)


def _leaving_this_world(n: list[str]) -> bool:
    """この世からお暇する, この世を去る, 来年にはこの世にいない, 亡くなった父のところへ行きたい: the writer
    leaving the world, said politely, or going to join someone who died."""
    leaving = any(x == "此の世" and (any(y in LEAVING for y in n[i + 1:i + 5]) or
                                  n[i + 1:i + 3] == ["に", "居る"] and _negated(n, i + 2)) and
                  _subject_of(n, i) not in THIRD_PERSON for i, x in enumerate(n))
    joining = any(x in ("亡くなる", "死ぬ", "逝く") and "た" in n[i + 1:i + 2] and
                  any(n[k:k + 2] in (["所", "へ"], ["所", "に"], ["元", "へ"], ["元", "に"]) and
                      any(y == "行く" for y in n[k + 2:k + 5]) and "たい" in n[k + 2:k + 6] for k in range(i, len(n)))
                  for i, x in enumerate(n))
    return leaving or joining


def _about_a_case(n: list[str]) -> bool:
    """A policy question about a case (自殺した場合, 死亡したときの保険金は): no sign of the writer's."""
    return any(x in ("場合", "ケース") for x in n) and _insurance_frame(n)


# ---- kana spellings: the reading layer ---------------------------------------------------------------------
# Written wholly in kana (しんだほうがらく) or with katakana inside a word (死ンだ, 消エたい), the words
# of death are segmented badly and the rules above never see 死ぬ. The same words are matched on the
# sentence's hiragana reading (japanese.kana_reading), where every spelling is one string; who the
# subject is and the idioms are still judged on the words (kana_crisis).

# The stems of the verbs of dying and disappearing, by conjugation base. Each base is followed below by
# the endings that make a wish, an intent or "better off": never a bare し, which is する everywhere.
_K_RENYO = "(?:しに|きえ|いなくなり|じさつし|じしし|とびおり|とびこみ|くびをつり|くびつり|いのちをたち)"
_K_TE = "(?:しんで|しんじゃ|きえて|きえちゃ|いなくなって|いなくなっちゃ|じさつして|とびおりて|とびこんで|くびをつって)"
_K_PAST = "(?:しんだ|きえた|いなくなった|じさつした|とびおりた|とびこんだ|くびをつった|おわりにした)"
_K_PLAIN = "(?:しぬ|きえる|いなくなる|じさつする|とびおりる|とびこむ|くびをつる)"
_K_VOLITIONAL = "(?:しんじゃお|しんでしまお|きえちゃお|きえてしまお|いなくなっちゃお|しの|きえよ|いなくなろ|" \
                "じさつしよ|とびおりよ|とびこも|くびをつろ|おわりにしよ|いのちをたと)"
_K_IF = "(?:しんだら|しねば|しねたら|しねれば|しんでしまえば|しんじゃえば|しんでしまったら|しんじゃったら|きえたら|きえれば|" \
        "きえられたら|いなくなれば|いなくなったら|とびおりたら|とびおりれば|とびこんだら|とびこめば|くびをつったら|" \
        "じさつしたら|じさつすれば|きえてしまえ(?:たら|れば|ば)|しんでしまえたら|しんじゃえたら|きえちゃえたら|" \
        "いなくなってしまえ(?:たら|れば|ば)|いなくなれ(?:たら|れば|ば))"
_K_RELIEF = "(?:らく|おわ|すっきり|かいほう|すく[わえ]|たすか|いい|よい|よかった|いっか|まし)"
_K_DEGREE = ("(?![^\u3041-\u3096]{0,4}(?:ほど|くらい|ぐらい|そう|きで|みたい|よう|れべる))"  # 死ぬほど, 死にそう: idioms
             "(?![^\u3041-\u3096]{0,3}(?:って|という)[^\u3041-\u3096]{0,3}(?:ほど|くらい|ぐらい|れべる))")  # きえたいってほど
_K_NOT_NEGATED = ("(?!くな[いかく]|くね|とは|って(?:は|わけ)|わけ|ません"  # 死にたくない, 死にたいとは思わない
                  "|とか[はも]?(?:ぜんぜん|べつに|まったく)?(?:ない|ねえ|なか))")  # きえたいとかはぜんぜんない

# A wish or an intent is always the writer's own, whoever else is in the sentence (上司がこわくてしにたい).
KANA_WISH = re.compile("|".join((
    # a wish: しにたい, きえたくなる, しんじゃいたい, きえてしまいたい
    _K_RENYO + "(?:た(?:い|く(?:て|なる|なっ|なり)|み|さ)|てえ|てぇ)" + _K_NOT_NEGATED + _K_DEGREE,  # しにたみ, しにてえ
    _K_TE + "(?:しまい|い|なくなり)たい" + _K_NOT_NEGATED + _K_DEGREE,  # きえてなくなりたい
    # a volitional: しのう, きえようかな, いなくなろっか
    _K_VOLITIONAL + "(?:う|ー|っか|っと)",
    # no wish to live: いきていたくない, いきるいみがない, うまれてこなければよかった
    "いき(?:て(?:い)?たく(?:な|ね)|る(?:いみ|かち|りゆう)(?:が|は|も)?(?:ない|なし|ねえ))",
    "うまれてこ(?:なければ|なきゃ|なかったら)",
)))
# "Better off dead" forms say nothing of who dies: they are the writer's unless a subject comes first
# (データはきえたほうがいい, いぬがしんだら).
KANA_BETTER_OFF = re.compile("|".join((
    # better off: しんだほうがまし / らく / いい, しぬほうがらく
    "(?:" + _K_PAST + "|" + _K_PLAIN + ")(?:ほう|ほー|かた)が(?:" + _K_RELIEF + "|.{0,8}?のため)",  # …よのなかのため
    # dying as the way out: しんだらおわる, しねたらいいのに, きえればらくになる
    _K_IF + "(?:.{0,5}?)" + _K_RELIEF,
    # "could I die": しねるかな, しねますか
    "しね(?:る|ます)(?:かな|か|のかな|のか|かも|ほうほう)",
    "しね(?:ない|ねえ|ません)(?:かな|か)",  # しねないかな: wishing one could
    # "may as well", "no way but": しんでもいいや, しぬしかない, いっそきえる
    "(?:しんで|きえて|いなくなって)もいい(?:か|や|よ|けど|と|って)(?!くらい|ぐらい|ほど|れべる)",  # not …ってくらい嬉しい
    _K_PLAIN + "しか(?:ない|なく|ねえ)",
    # asking leave: しんでいい？, きえてもいいですか, しんだらだめかな
    "(?:しんで|きえて|いなくなって)(?:も)?(?:いい|よい)(?:か|\\?|よね|でしょ|です)",
    "(?:しんだら|きえたら|いなくなったら)(?:だめ|いけない)(?:かな|か|です|\\?)",
    "いっそ.{0,6}?(?:しん|しの|しね|しぬ|きえ|いなくな|とびお|とびこ|くびを)",
)))
# Someone else's words, in kana: 「しにたい」っていわれた, といっていた (without a word for the writer).
KANA_REPORTED = re.compile("(?:と|って)(?:いって|いわれ|いう|きい|はなして|もらし|くちにし|そうだん)|って[。!?…]*$")
KANA_FIRST_PERSON = re.compile("わたし|わたくし|ぼく|おれ|じぶん|あたし|うち(?:が|は|も)")


_SMALL_KANA = str.maketrans("ぁぃぅぇぉ", "あいうえお")
_LENGTHENED = re.compile("(?<=た)[あーぁ〜~]+(?=い)|(?<=[たい])[ー〜~]+$")  # しにたーい, しにたぁい, きえたい〜


def plain_kana(kana: str) -> str:
    """Net spellings of the endings made plain: しにたぃ -> しにたい, きえたぁい -> きえたい."""
    return _LENGTHENED.sub("", kana.translate(_SMALL_KANA))


def kana_crisis(kana: str, variants: Sequence[Words]) -> bool:
    """A crisis form of 死ぬ / 消える / いなくなる in the hiragana reading of one sentence, which no
    reading of the words (`variants`) puts in someone else's mouth or turns into a joke.
    `kana` is the reading of the last variant, word by word."""
    # はしのうえ (橋の上) holds しのう: a match that starts in a word's middle is no word of death
    match = next((m for m in KANA_WISH.finditer(kana) if not _inside_a_word(variants[-1], m.start())), None)
    if not match and plain_kana(kana) != kana:
        match = KANA_WISH.search(plain_kana(kana))
    if not match:
        match = KANA_BETTER_OFF.search(kana)
        if not match or _subject_before(variants[-1], match.start()):
            return False
        if "どう" in match.group():
            return False  # しんだらどうすればいい: asking what to do
        n = _norms(variants[-1])
        if match.group().endswith("おわ") and any(_a_saying(n, i) for i, x in enumerate(n) if x == "死ぬ"):
            return False  # しんだらおわりなので、相続対策を
    if any(_someone_else(words) or any(m.normalized in LAUGHING for m in words) or _over_now(_norms(words))
           or _explained_away(_norms(words)) for words in variants):
        return False  # お客様がしにたいと言っていた, しにたいｗ, しにたいとおもっていたが、いまはげんき, …って比喩です
    reported = KANA_REPORTED.search(kana, match.end())
    return not (reported and not KANA_FIRST_PERSON.search(kana))


def _inside_a_word(words: Words, offset: int) -> bool:
    """The reading offset falls inside a word written with kanji (はしのうえ: 橋 is はし), not at a word's start."""
    start = 0
    for m in words:
        reading = m.reading or m.surface
        if start < offset < start + len(reading) and any("\u4e00" <= c <= "\u9fff" for c in m.surface):
            return True
        start += len(reading)
    return False


# ---- compliance -----------------------------------------------------------------------------------------

def compliance(words: Words, message: Words = ()) -> bool:
    """An intent to mislead a customer or to break the insurance-business law, not a question about it.

    The intent is judged in the sentence; its topic (health, a contract) may sit in another
    sentence of the same message (`message`): 通院歴を書くと落ちそう。書かない方向に誘導したい.
    """
    n = _norms(words)
    topic = set(_norms(message)) | set(n)
    if _omits_downside(n) or _hides_a_disadvantage(n, topic) or _one_sided(n):
        return True  # 損なことは言わずに乗り換えてもらう: the downside named only to hide it
    careful = any(n[k:k + 3] in (["気", "を", "付ける"], ["気", "を", "つける"]) for k in range(len(n)))  # 気をつけるべき点
    if any(x in HONEST for x in n) or careful or _consequence_question(n) or _which_cases_are_allowed(n) or \
            _where_the_line_is(n) or _asked_if_allowed(n) or _said_to_be_forbidden(n):
        return False  # asking what is allowed or what happens
    # What the writer did, though the customer then acted (…比較表を作ったら、お客様が乗り換えてくれました).
    if any(rule(n, topic) for rule in (_slanted_comparison, _contract_for_the_numbers, _money_with_a_client,
                                       _filled_in_for_the_client, _client_data_passed_on, _clients_money_used,
                                       _a_favour_for_a_contract, _stand_in_at_the_exam, _consent_signed_for_the_insured,
                                       _unregistered_selling, _cooling_off_blocked, _hidden_from_the_tax_office,
                                       _antisocial_client, _agent_as_beneficiary, _without_the_clients_say,
                                       _made_to_look, _papers_withheld, _not_what_it_is)):
        return True
    if _told_by_someone(n) or _acted_by_someone_else(n):
        return False  # about what someone else did
    return any(rule(n, topic) for rule in (_conceal_health, _gift_for_contract, _promise_returns,
                                           _borrowed_name, _forced_switch, _pressure_vulnerable,
                                           _running_down, _fabricate, _left_vague))


def _one_sided(n: list[str]) -> bool:
    """デメリットだけを強調して説明する: one side told alone (asking about disadvantages is honest, so this is
    read before that)."""
    return any(x in ("メリット", "デメリット", "長所", "短所") and "だけ" in n[i + 1:i + 3] and
               any(y in ("強調", "説明", "話す", "伝える") for y in n[i + 2:i + 7]) for i, x in enumerate(n))


def _omits_downside(n: list[str]) -> bool:
    downside = any(x in DOWNSIDES for x in n)
    if downside and "説明" in n and any(x in ("省く", "飛ばす", "端折る", "抜く", "省略") and not _negated(n, i) for i, x in enumerate(n)):
        return True  # 為替リスクの説明は省いて
    return downside and any(x in ("言う", "伝える", "説明", "話す", "触れる") and _not_told(n, i) for i, x in enumerate(n)) \
        and any(x in CONTRACT or x in ("乗り換える", "勧める", "売る") for x in n)


def _hides_a_disadvantage(n: list[str], topic: set[str]) -> bool:
    """予定利率が下がることは黙っておく, 返戻金が減る話はしなくていい: a disadvantage of a switch or a
    contract told as a fact, kept from the client. Asking how to tell it (どう説明すれば) is not."""
    if not topic & (CONTRACT | SWITCH) or any(x in HOW_TO_TELL for x in n):
        return False
    fact = any(x in DISADVANTAGES and any(y in WORSENS for y in n[i + 1:i + 6]) for i, x in enumerate(n)) or \
        any(x in DOWNSIDES | {"欠点", "弱点"} for x in n)
    hidden = any(x in HIDE and not _negated(n, i) for i, x in enumerate(n)) or \
        any(x in TELL and _not_told(n, i) for i, x in enumerate(n))
    return fact and hidden


def _asked_if_allowed(n: list[str]) -> bool:
    """5年以上前の入院は書かなくていいんでしょうか: asking whether the rule lets something go untold."""
    passed_on = any(x in ("と", "って") and n[k + 1:k + 2] != [] and n[k + 1] in TELL | CLAIM_VERBS
                    for k, x in enumerate(n))  # 書かなくていいと伝えてもいいですか: said so to the client
    return any(x in TELL_VERBS and _not_told(n, i) and "良い" in n[i + 1:i + 6] for i, x in enumerate(n)) and \
        (_question(n) or "っけ" in n) and not passed_on and not _hiding(n) and "内緒" not in n


def _said_to_be_forbidden(n: list[str]) -> bool:
    """言うたらいけん, 言ってはいけない, 言っちゃダメ: a claim named as forbidden (honest, often in dialect).
    Not 説明していく (て + 行く is "go on doing"): after a bare て (ちゃ) only 駄目 or a negated 行く count."""
    def forbidden(k: int) -> bool:
        after = n[k + 1:k + 3]
        if n[k] in ("た", "は"):  # 言うたら, 言っては
            return after[:1] in (["行く"], ["あく"], ["駄目"])
        return n[k] == "て" and (after[:1] == ["駄目"] or (after[:1] == ["行く"] and after[1:] != [] and after[1] in NEGATIONS))
    return any(x in CLAIM_VERBS | TELL and any(forbidden(k) for k in range(i + 1, min(len(n) - 1, i + 3)))
               for i, x in enumerate(n))


def _where_the_line_is(n: list[str]) -> bool:
    """どこからアウトですか, どこまで言っていいのか: asking where the rule draws its line (not どこまでならバレない)."""
    return any(x == "どこ" and n[i + 1:i + 2] in (["から"], ["まで"]) for i, x in enumerate(n)) and \
        (_question(n) or any(x in ("知る", "教える", "不安", "分かる") for x in n)) and not _hiding(n)


def _hiding(n: list[str]) -> bool:
    """Words of hiding (隠す, 黙る, ばれる): a question with them asks how to get away with it, not what the rule is."""
    return any(x in ("ばれる", "バレる") or x in CONCEAL_VERBS for x in n)


def _which_cases_are_allowed(n: list[str]) -> bool:
    """代筆が認められるのはどんなケース, 共有する場合、どんな同意が必要ですか: a question about the rule itself."""
    allowed = any(n[k:k + 2] in (["認める", "られる"], ["許す", "れる"], ["許可", "為る"]) for k in range(len(n)))
    which = any(x in ("どんな", "どういう", "如何") and n[i + 1:i + 2] in (["ケース"], ["場合"], ["時"], ["条件"], ["同意"],
                                                                    ["手続き"], ["書類"])
                for i, x in enumerate(n))
    asked = allowed and _question(n)  # 代筆は認められますか？
    return which and (allowed or "必要" in n or "場合" in n) or asked


def _client_data_passed_on(n: list[str], topic: set[str]) -> bool:
    """顧客リストを知り合いの税理士に渡す, お客様の情報を他社に流す: a client's personal data handed to others
    (個人情報保護法, 守秘義務). Sharing with the client themself or inside a form is not named here."""
    data = any(x in CLIENT_DATA or x.endswith(("リスト", "名簿", "情報")) for x in n) and any(x in CLIENTS for x in n) \
        or "個人情報" in n or "契約内容" in n  # 連絡先リスト, 顧客名簿, 契約内容のスクショ
    brought = any(x == "持つ" and n[i + 1:i + 3] == ["て", "来る"] for i, x in enumerate(n)) or \
        any(x in ("貰う", "入手", "手に入れる") for x in n) and any(x in ("名簿", "リスト") for x in n)  # 名簿をもらえる
    return data and (brought or any(x in PASS_ON and not _negated(n, i) for i, x in enumerate(n)))


def _slanted_comparison(n: list[str], topic: set[str]) -> bool:
    """他社商品を実際より悪く書いた比較表, 比較で自社を盛る, 都合の悪いところを省いた比較, うちの良い所だけ
    並べる: a comparison that misleads (保険業法 300条1項6号)."""
    if ("有利" in n and "見える" in n) or ("だけ" in n and "抜き出す" in n) or ("都合" in n and "良い" in n and "だけ" in n):
        return True  # 有利に見えるように, 都合の良い数字だけ
    if not topic & COMPARING:
        return False
    worse = "実際" in n and "より" in n and any(x in WORSE_THAN_IT_IS for x in n)  # 実際より悪く
    inflated = any(x in SLANTED and not _negated(n, i) for i, x in enumerate(n))
    cut = "都合" in n and "悪い" in n and any(x in CUT and not _negated(n, i) for i, x in enumerate(n))
    # うちの良い所だけ並べて、他社は悪い点だけ: one side's merits, the other's faults
    run_down = any("他社" in x for x in n) and any(x in DISPARAGING for x in n)  # 比較表で他社を「最悪」と書く
    only = any(x == "だけ" and (n[i - 1] in ("メリット", "デメリット", "長所", "短所", "弱点") or
                                n[i - 1] in ("所", "点", "面", "部分") and any(y in ("良い", "悪い") for y in n[i - 3:i - 1]))
               for i, x in enumerate(n) if i)
    ours = any(x in ("うち", "自社", "当社", "弊社") for x in n) and "有利" in n
    return worse or inflated or cut or only or ours or run_down


def _contract_for_the_numbers(n: list[str], topic: set[str]) -> bool:
    """家族の名義で契約してノルマを達成, 成績のために契約して来月すぐ解約: a contract in someone else's name
    or made only for the quota (作成契約). A family member who wants a policy names no quota and no cancelling."""
    if any(n[k:k + 2] == ["作成", "契約"] for k in range(len(n))):
        return True
    others_name = any(x == "名義" and n[i - 1:i] == ["の"] and n[i - 2:i - 1] and n[i - 2] in OTHERS_NAMES
                      for i, x in enumerate(n)) or any(x.endswith("名義") and x[:-2] in OTHERS_NAMES for x in n) or \
        any(x == "名義" and n[i - 1:i] and n[i - 1] in OTHERS_NAMES for i, x in enumerate(n))  # 家族名義, 親名義
    for_numbers = bool(topic & QUOTA)
    cancelled_soon = "解約" in n and any(x in SOON for x in n)
    return (others_name and (for_numbers or "解約" in topic)) or (for_numbers and cancelled_soon)


def _money_with_a_client(n: list[str], topic: set[str]) -> bool:
    """お客様から30万円お借りした, 顧客にお金を貸す: money lent or borrowed between agent and client.
    A client's own loan (借入金, 住宅ローン, お客様が銀行から借りる) is an ordinary topic."""
    if not topic & CLIENTS or any(x in LOANS for x in n):
        return False
    client_acts = any(x in CLIENTS and n[i + 1:i + 2] in (["が"], ["は"]) for i, x in enumerate(n))
    lent = any(x in LENDING for x in n)
    return lent and any(x in CASH or x.isdigit() and int(x) >= 1000 for x in n) and not client_acts


def _filled_in_for_the_client(n: list[str], topic: set[str]) -> bool:
    """告知書は私が記入して本人はサインだけ, 申込書を代わりに書いた: the agent answers for the client.
    Explaining how to fill it in, or checking it together, is not."""
    joined = "".join(n)
    carelessly = any(x in ("適当", "纏める", "まとめる") and any(y in FILL_IN for y in n[i + 1:i + 5]) for i, x in enumerate(n))
    if carelessly and (topic & FORMS or any(d in joined for d in DOCUMENTS)):
        return True  # 意向把握のシートは後でまとめて適当に埋めておく
    if not (topic & FORMS or any(d in joined for d in DOCUMENTS)) or \
            any(x in TOGETHER and not _negated(n, i) and n[i + 1:i + 2] not in (["欄"], ["書"]) for i, x in enumerate(n)):
        return False  # 一緒に確認する, お客様に見せる (not お客様に見せずに, nor the form's 確認欄)
    sign_only = any(x in ("サイン", "署名", "判子", "印鑑") and "だけ" in n[i + 1:i + 3] for i, x in enumerate(n))
    for_them = "代わり" in n or "代筆" in n or \
        (any(x in FIRST_PERSON or x in ("こちら", "此方", "当方") for x in n) and any(x in FILL_IN for x in n))
    return sign_only or (for_them and any(x in FILL_IN for x in n))


def _conceal_health(n: list[str], topic: set[str]) -> bool:
    if not topic & HEALTH:
        return False
    for i, x in enumerate(n):
        if x in CONCEAL_VERBS or (x == "ばれる" and _negated(n, i)) or x == "内緒":
            return True
        if x in TELL_VERBS and _not_told(n, i):
            return True  # 既往症は書かなくていい, 告知しないで
        if x == "前" and "結果" in n[:i] and any(y in CONTRACT or y == "申し込み" for y in n[i + 1:]):
            return True  # sign before the test result is in
        if x in ("なし", "無し") and n[i + 1:i + 3] == ["に", "為る"]:
            return True  # 病歴欄を「なし」にしておく
        if x in ("受ける", "行く") and _negated(n, i) and any(y in CHECKUPS for y in n[max(0, i - 3):i]):
            return True  # 告知の前に再検査は受けないでおいて: so nothing shows
        if x in ("なし", "無し", "いいえ", "ノー") and any(n[k:k + 2] in (["で", "良い"], ["で", "大丈夫"], ["で", "構う"])
                                                        for k in range(i + 1, min(len(n), i + 4))):
            return True  # 告知は「特になし」でええって言うといた
        if x == "こと" and n[i + 1:i + 3] == ["に", "為る"] and n[i - 2:i] in (["ない", "た"], ["無い", "た"]):
            return True  # 聞かなかったことにする
        if x in ("適当", "いい加減", "ざっくり") and any(y in TELL_VERBS for y in n[i + 1:i + 4]):
            return True  # 告知は適当に書いておいて
        if x in ("ノー", "いいえ", "なし", "無し", "無い") and n[i + 1:i + 2] in (["と"], ["って"]) and \
                any(y in ("書く", "答える", "記入", "チェック", "回答") for y in n[i + 2:i + 5]):
            return True  # 「いいえ」と書いてもらう
    return False


def _not_told(n: list[str], i: int) -> bool:
    """書かない, 告知しない, 言わなくていい: the telling itself negated, and not a past fact (告知しなかった事実)."""
    k = i + 1
    while k < len(n) and n[k] in ("を", "は", "も", "為る", "せる", "させる"):
        k += 1
    if k >= len(n) or n[k] not in NEGATIONS or _obliged(n, k):
        return False  # 説明しないといけないデメリット: what must be told
    after = n[k + 1:k + 3]
    return not (after[:1] == ["た"] and len(after) > 1 and after[1] not in ("方", "ら", "の"))


def _obliged(n: list[str], k: int) -> bool:
    """The negation at k is half of a "must": しないといけない, 伝えなきゃいけない, しなければならない,
    言わなくちゃいけない, しないとダメ."""
    j = k + 1
    while j < len(n) and n[j] in ("と", "ば", "て", "は"):
        j += 1
    return n[j:j + 1] == ["駄目"] or (n[j:j + 1] in (["行く"], ["成る"]) and n[j + 1:j + 2] != [] and n[j + 1] in NEGATIONS)


def _gift_for_contract(n: list[str], topic: set[str]) -> bool:
    """Something of value handed over for a contract; a premium paid for the customer."""
    hand_over = any(x in HAND_OVER and not _negated(n, i) for i, x in enumerate(n))
    pay = any(x in PAY_VERBS and not _negated(n, i) for i, x in enumerate(n))
    if "保険料" in n and pay and any(x in ("私", "自分", "こちら", "此方", "代わり", "僕", "当方", "上げる") for x in n):
        return True  # 保険料の一部をこちらで負担する
    if "手数料" in n and any(x in ("返す", "戻す", "還元", "キャッシュバック", "回す", "バック", "キックバック") for x in n):
        return True  # 私の手数料から保険料の一部をお返しする: the commission handed back (特別利益)
    if not topic & CONTRACT and "保険料" not in topic:
        return False  # 保険料の一部をキャッシュバック: the premium is the contract
    money = any(x in MONEY for x in n)
    gift = any(x in GIFTS or x.endswith(("券", "カード")) for x in n)  # 商品券, QUOカード
    return (gift and hand_over) or (money and (hand_over or pay))


def _promise_returns(n: list[str], topic: set[str]) -> bool:
    promised = any(x in PROMISE and n[i - 1:i] != ["不"] and not _a_must(n, i) for i, x in enumerate(n))  # not 不確実
    told = any(x in CLAIM_VERBS and any(y in ("と", "って") for y in n[max(0, i - 4):i]) for i, x in enumerate(n))
    money_rises = any(x in RISE_VERBS for x in n) and (told or any(x in MONEY_NOUNS for x in n))
    no_tax = any(x in TAXES for x in n) and (any(x in ("ゼロ", "無税", "免れる", "減る", "安い", "半分", "半減", "下がる")
                                                 for x in n) or
                                             any(x == "掛かる" and _negated(n, i) for i, x in enumerate(n)))
    if promised and any(x in ("税務調査", "税務署") for x in n) and any(x in CLAIM_VERBS or x == "言い切る" for x in n):
        return True  # 「税務調査で絶対に指摘されません」と言い切る
    all_of_it = any(x.startswith("全額") for x in n) and (any(w in x for x in n for w in ("非課税", "損金", "無税")) or
                                                          "解約" in n and any(x in ("戻る", "返る") for x in n))
    if all_of_it and (told or any(x in CLAIM_VERBS for x in n)):
        return True  # 「全額損金で落とせます」と説明する, 全額非課税で戻ってきます (a tax result stated as certain)
    if promised and (any(x in RETURNS for x in n) or money_rises or no_tax):
        return True  # 必ず元本の120%になります, 絶対に損しない, 必ず増えます, 税金は絶対にかからない
    for i, x in enumerate(n):
        if x == "保証" and any(y in RETURNS for y in n[max(0, i - 3):i]):
            rest = n[i + 1:i + 5]
            if rest[:1] in (["為る"], ["出来る"]) and not _negated(n, i + 1, span=5):
                return True  # 利回りを保証します, 5%は保証できます
            rest = [y for y in rest if y not in ("です", "だ", "為る", "ます", "」", "』")]
            if rest[:1] in (["と"], ["って"]) and any(y in CLAIM_VERBS for y in n[i + 1:i + 7]):
                return True  # 元本保証と言って売る, 元本保証ですと説明して
        if x in ("言い切る", "断言") and any(y in RETURNS or y in MONEY_NOUNS or y in TAXES for y in n[:i]):
            return True
    return False


def _borrowed_name(n: list[str], topic: set[str]) -> bool:
    if "名義" in n and any(x in ("実際", "実は", "本当", "実質") for x in n) and _is_first_person(n):
        return True  # 妻の名義で契約して、実際は私が払う
    return any(x in NAME_NOUNS and any(y in BORROW_VERBS for y in n[i + 1:i + 4]) for i, x in enumerate(n)) \
        or "架空" in n or "替え玉" in n or "代筆" in n


def _forced_switch(n: list[str], topic: set[str]) -> bool:
    for i, x in enumerate(n):
        if x in ("解約", "乗り換え", "入れ替え") and n[i + 1:i + 3] == ["為る", "せる"]:
            return True  # 解約させる: the customer's policy ended for our commission
        if x in ("止める", "やめる", "辞める", "乗り換える", "切り替える", "替える") and \
                n[i + 1:i + 2] in (["させる"], ["せる"]) and topic & {"保険", "契約", "他社", "商品"}:
            return True  # 他社の保険をやめさせて
        if x in ("解約", "入れ替える", "乗り換える") and "手数料" in n:
            return True
        if x == "解約" and "自分" in n[:i] and any(y in ("直ぐ", "すぐ") for y in n[max(0, i - 3):i]):
            return True  # sign up oneself and cancel at once to make the numbers
    return "自爆" in n and "契約" in n


def _pressure_vulnerable(n: list[str], topic: set[str]) -> bool:
    if any(x in ("内緒", "秘密", "こっそり") for x in n) or ("家族" in n and any(
            x in ("相談", "知らせる", "知る", "言う", "伝える", "話す", "同席") and
            (_negated(n, i, span=4) or n[i + 1:i + 2] in (["なし"], ["無し"])) for i, x in enumerate(n))):
        return bool(topic & CONTRACT)  # 家族に相談させずに, ご家族には言わずにこっそり: keeping the family out
    if any(x in ("分かる", "理解", "納得") and _negated(n, i) and "侭" in n[i + 1:i + 4] for i, x in enumerate(n)):
        return bool(topic & CONTRACT)  # よくわからないまま契約してもらう
    if not any(x in VULNERABLE or x in PRESSURE for x in n):
        return False
    declining = any(x in ("認知症", "判断力", "判断能力", "物忘れ", "惚ける", "ボケ") for x in n)
    if declining and any(x in ("勧める", "売る", "契約", "加入", "サイン", "申し込む") and
                         not _negated(n, i) for i, x in enumerate(n)) and "たい" in n:
        return True  # 判断力が落ちているお客様に、高額な保険を勧めたい
    if any(x in VULNERABLE for x in n) and (any(x in HURRY for x in n) or "今日" in n and "中" in n) and topic & CONTRACT:
        return True  # 認知症の疑いがあるお客様、サインできるうちに契約を急ぎたい; 90歳の方に一人で来てもらって
    for i, x in enumerate(n):
        if x in ("時間", "考える") and "与える" in n[i:i + 4] and _negated(n, n.index("与える", i)):
            return True  # 考える時間を与えず
        if x == "場" and "決める" in n[i:i + 5] and any(y in ("トーク", "方法", "言い方", "為る", "貰う") for y in n[i:]):
            return True
        if x == "即決" and n[i + 1:i + 3] in (["為る", "せる"], ["為る", "させる"]):
            return True  # その場で即決させる: the customer made to decide
        if x in ("判子", "印鑑", "サイン", "署名") and any(y in VULNERABLE for y in n) and "さえ" in n:
            return True
    return False


def _running_down(n: list[str], topic: set[str]) -> bool:
    """他社商品の悪口を言って切り替えてもらう, 損だと思わせる, 誤解させる: leading the customer to believe."""
    if any(x in ("悪口", "中傷", "貶す", "けなす", "誹謗") for x in n):
        return True
    for i, x in enumerate(n):
        if x in ("思う", "信じる") and n[i + 1:i + 2] in (["せる"], ["させる"]):
            return True  # 損だと思わせて
        if x in ("勘違い", "誤解", "錯覚") and n[i + 1:i + 3] in (["為る", "せる"], ["為る", "させる"]):
            return True  # 誤解させる
    run_down = any("他社" in x or x == "彼処" for x in n) and any(x in DISPARAGING and any(y in CLAIM_VERBS for y in n[i + 1:i + 9])
                                  for i, x in enumerate(n))
    never_pays = "他社" in n and any(x in ("下りる", "出る", "払う") and _negated(n, i) for i, x in enumerate(n)) and \
        any(x in CLAIM_VERBS for x in n)  # 他社は保険金がなかなか下りないって言う
    return never_pays or run_down and bool(topic & (CONTRACT | SWITCH))  # 他社の商品は危ないと言って乗り換えてもらう


def _clients_money_used(n: list[str], topic: set[str]) -> bool:
    """保険料の現金を預かって自分の生活費に使った, 来月まとめて入金する: the client's money spent or held over by
    the agent (着服, 流用, 預り金の遅延)."""
    held = any(x in ("預かる", "預かり", "集金") for x in n) or any(x in ("着服", "流用", "使い込む") for x in n)
    kept = any(x in ("使う", "流用", "着服", "使い込む", "回す") and not _negated(n, i) for i, x in enumerate(n)) or \
        any(x in ("来月", "纏める", "まとめる", "後で", "暫く", "来週", "口座", "数日", "運用") for x in n)  # 来月まとめて入金, 自分の口座に
    return held and kept and any(x in ("保険料", "現金", "御金", "金", "集金") for x in n)


def _consent_signed_for_the_insured(n: list[str], topic: set[str]) -> bool:
    """社長が代わりに同意のサインをする: the insured's consent signed by someone else (被保険者同意)."""
    return "代わり" in n and any(x in ("サイン", "署名", "判子", "印鑑") for x in n) and \
        any(x in ("同意", "同意書", "被保険者") for x in n)


def _unregistered_selling(n: list[str], topic: set[str]) -> bool:
    """募集人登録がまだの新人に商品説明をやらせる: selling by someone not registered (保険業法 275条)."""
    unregistered = any(x == "登録" and (any(y in ("未だ", "まだ", "無い", "ない", "前", "無し") for y in n[i + 1:i + 7]) or
                                     any(y in ("未だ", "まだ") for y in n[max(0, i - 3):i])) for i, x in enumerate(n))
    return unregistered and any(x in ("説明", "募集", "勧誘", "契約", "販売", "営業", "申込書", "申し込み") for x in n) and \
        (any(x in ("せる", "させる", "任せる", "頼む", "代わり", "貰う") for x in n) or "営業" in n)  # 登録前に先に営業して


def _kept_from_notice(n: list[str]) -> bool:
    """気づかせない, 気づかれないように: told so that the client does not notice."""
    return any(x == "気付く" and n[i + 1:i + 2] in (["せる"], ["れる"]) and _negated(n, i + 1, span=2)
               for i, x in enumerate(n))


def _cooling_off_blocked(n: list[str], topic: set[str]) -> bool:
    """クーリングオフしたいお客様を期限が過ぎるまで引き延ばす, その書面は渡さないでおく: keeping a client
    from withdrawing."""
    return any(x in ("クーリングオフ", "クーリング・オフ", "撤回", "解約") for x in topic) and \
        any(x in ("引き延ばす", "引き伸ばす", "引き留める", "妨げる", "諦めさせる") or
            x == "過ぎる" and "まで" in n[i + 1:i + 2] or
            x in ("渡す", "交付") and _negated(n, i) and any(y in ("書面", "書類") for y in n[max(0, i - 5):i])
            for i, x in enumerate(n))


def _without_the_clients_say(n: list[str], topic: set[str]) -> bool:
    """確認せずに受取人を変更した, 本人に知らせずに被保険者にした, 診査の前日に数値を下げる: the client's
    consent or the underwriting bypassed."""
    bypassed = any(x in ("確認", "同意", "知らせる", "知る", "承諾", "言う", "伝える") and _negated(n, i, span=4)
                   for i, x in enumerate(n))
    changed = "受取人" in n and any(x in ("変更", "変える") for x in n) or "被保険者" in n or \
        any(x in ("契約者貸付", "貸付", "貸し付け", "手続き", "解約") for x in n) and any(x in CLIENTS for x in n)  # 言わずに契約者貸付を
    exam = any(x in ("診査", "健診", "検査", "健康診断") for x in n) and "数値" in n and \
        any(x in ("下げる", "誤魔化す", "良くする") for x in n)
    return bypassed and changed or exam


def _agent_as_beneficiary(n: list[str], topic: set[str]) -> bool:
    """保険金の受取人を私にしてもらう: the agent named as the client's beneficiary."""
    return "受取人" in n and any(x in FIRST_PERSON and n[i + 1:i + 2] == ["に"] for i, x in enumerate(n))


def _hidden_from_the_tax_office(n: list[str], topic: set[str]) -> bool:
    """税務署にわからないように組む, 働いていない奥様を役員にして退職金: a tax scheme hidden or a sham role."""
    hidden = any(x in ("税務署", "当局", "国税") for x in n) and \
        any(x in ("分かる", "気付く", "ばれる", "知る") and _negated(n, i) for i, x in enumerate(n))
    sham = ("実際" in n and any(x == "働く" and _negated(n, i, span=4) for i, x in enumerate(n)) or "名目" in n) and \
        any(x in ("役員", "従業員", "社員", "給与", "退職金") for x in n)  # 名目上の従業員
    return hidden or sham


def _antisocial_client(n: list[str], topic: set[str]) -> bool:
    """反社っぽい会社だが気づかなかったことにして進める: a contract with organised crime let through."""
    return any(x in ("反社", "反社会的勢力", "暴力団", "ヤクザ", "やくざ") for x in n) and \
        (any(x in ("進める", "通す", "見逃す") and not _negated(n, i) for i, x in enumerate(n)) or
         "名義" in n and "契約" in n)  # 名義を奥さんにすれば契約しても  # not 反社チェックはいつ行うべきか


def _stand_in_at_the_exam(n: list[str], topic: set[str]) -> bool:
    """診査の日は別の健康な人に行ってもらう: someone else examined in the client's place (替え玉)."""
    return any(x in ("診査", "健康診断", "健診", "検査", "面接") for x in n) and \
        (any(x in ("替え玉", "身代わり") for x in n) or "別" in n and any(x in ("人", "方", "者") for x in n) and
         any(x in ("行く", "受ける", "来る") for x in n))


def _a_favour_for_a_contract(n: list[str], topic: set[str]) -> bool:
    """契約してもらう代わりに患者を紹介すると約束した, 「契約していただけたら患者さんを紹介します」: a favour
    promised for the contract (特別利益の提供)."""
    for i, x in enumerate(n):
        conditional = x in ("代わり", "たら", "ば") or x == "た" and any(y in ("約束", "持ち掛ける") for y in n)  # …たら…と約束した
        if conditional and any(y in ("契約", "加入", "入る") for y in n[max(0, i - 6):i]) and \
                any(y in ("紹介", "融通", "便宜") for y in n[i + 1:]):
            return True
    return False


def _left_vague(n: list[str], topic: set[str]) -> bool:
    """税務上の扱いは曖昧に説明する: a point that decides the sale blurred on purpose."""
    return any(x in ("曖昧", "ぼかす", "濁す", "はぐらかす") and any(y in CLAIM_VERBS for y in n[i + 1:i + 4])
               for i, x in enumerate(n))


def _made_to_look(n: list[str], topic: set[str]) -> bool:
    """全員加入の福利厚生プランということにして書類を作る, 診断書の数値だけ修正する: papers that say what is not."""
    pretend = any(n[k:k + 4] == ["こと", "に", "為る", "て"] and n[k - 1:k] in (["と"], ["という"], ["言う"])
                  for k in range(1, len(n))) and any(x in ("書類", "作る", "申込書", "申し込む") for x in n)
    # 30分説明したことにして書き直す, 行ったことにして日報を埋める: a record of what did not happen
    pretend = pretend or any(n[k - 1:k + 3] == ["た", "こと", "に", "為る"] for k in range(1, len(n))) and \
        any(x in RECORDS or x in ("日報", "書き直す", "埋める", "記入", "書く", "提出") for x in n)
    overstated = "実際" in n and "より" in n and any(x in ("多い", "少ない", "高い", "低い") for x in n) and \
        any(x in ("申込書", "告知書", "書く", "記入") for x in n)  # 収入を実際より多く申込書に書く
    if overstated:
        return True
    altered = any(x in ("診断書", "健康診断", "検査結果", "数値") for x in n) and \
        any(x in ("修正", "書き換える", "改竄", "直す") and not _negated(n, i) for i, x in enumerate(n))
    # 説明していない項目にもチェックを入れて出しておく: a record that says a deed was done that was not
    ticked = any(x in UNDONE_DEEDS and _negated(n, i, span=4) for i, x in enumerate(n)) and \
        any(x in ("チェック", "記入", "書く", "付ける", "入れる", "提出") and not _negated(n, i)
            for i, x in enumerate(n)) and any(x in RECORDS for x in n)
    return pretend or altered or ticked


UNDONE_DEEDS = frozenset({"説明", "確認", "会う", "面談", "渡す", "交付", "聞く", "読む", "読み上げる"})
RECORDS = frozenset({"記録", "項目", "チェック", "チェックシート", "確認書", "報告書", "日報", "シート", "欄"})


def _not_what_it_is(n: list[str], topic: set[str]) -> bool:
    """一時払終身を「定期預金と同じです」と売る, 審査を通さない自作の広告: a product told as something else,
    or advertised without the insurer's check."""
    as_deposit = any(x in ("預金", "定期預金", "貯金") for x in n) and any(x in ("同じ", "変わる", "一緒") for x in n) and \
        any(x in CLAIM_VERBS or x == "売る" for x in n)
    unchecked_ad = "広告" in topic and any(x == "審査" for x in n) and any(x == "通す" and _negated(n, i) for i, x in enumerate(n))
    return as_deposit or unchecked_ad


def _papers_withheld(n: list[str], topic: set[str]) -> bool:
    """重要事項説明書を渡さずに済ませた, クーリングオフは聞かれなければ説明しない: what the client must be given."""
    papers = any(d in "".join(n) for d in ("重要事項説明書", "契約概要", "注意喚起情報", "書面")) and \
        any(x in ("渡す", "交付") and _negated(n, i) for i, x in enumerate(n))
    untold = any(x in ("クーリングオフ", "クーリング・オフ") for x in topic) and \
        (any(x in ("説明", "言う", "伝える") and _not_told(n, i) for i, x in enumerate(n)) or _kept_from_notice(n))
    return papers or untold


def _hard_to_believe(n: list[str], i: int) -> bool:
    """嘘みたい, 嘘のよう: "hard to believe", no lie told."""
    return n[i] == "嘘" and (n[i + 1:i + 2] == ["みたい"] or n[i + 1:i + 3] == ["の", "よう"])


def _a_must(n: list[str], i: int) -> bool:
    """必ず伝えなきゃいけない: the 必ず of a duty to tell, not of a result promised."""
    return any(n[k] in NEGATIONS and _obliged(n, k) for k in range(i + 1, min(len(n), i + 5)))


def _fabricate(n: list[str], topic: set[str]) -> bool:
    if any(x in PUSH_VERBS and not _negated(n, i) for i, x in enumerate(n)):
        return True  # 今日決めないと損ですよと急かしたい
    if any(x == "ばれる" and (_negated(n, i) or "様" in n[i + 1:i + 4]) for i, x in enumerate(n)):
        return True  # 税務署にバレないように処理する
    if any(x in FABRICATE and not _negated(n, i, span=4) and not _hard_to_believe(n, i) for i, x in enumerate(n)) and \
            not any(x in ("れる", "られる") for x in n):
        return True  # 嘘をつく (not 嘘をつかれた, 嘘はつかない)
    if any(x in DATES for x in n) and (any(x in BACKDATE for x in n) or "バック" in n and "デート" in n):  # バックデート
        return True  # 申込書の日付をさかのぼって書き直す
    if any(d in "".join(n) for d in DOCUMENTS) and (any(x in SIGN_FOR for x in n) or (
            any(x in ("こちら", "此方", "私", "僕", "当方") for x in n) and
            any(x in ("やる", "遣る", "書く", "記入", "済ませる", "埋める") for x in n))):
        return True  # 告知書をお客様の代わりに書く, 記入はこちらでやっておきます
    if any(x in ("名前", "名義") for x in n) and any(x in ("計上", "成績", "挙績") for x in n):
        return True  # 新人の名前で契約を計上する
    if any(x in ("印鑑", "判子", "通帳", "キャッシュカード", "暗証番号") for x in n) and "預かる" in n:
        return True  # the customer's seal in the agent's hands
    if "勝手" in n and topic & CONTRACT:
        return True  # 勝手に変更しておく: without the customer
    return any(x == "理由" and "作る" in n[i + 1:i + 4] for i, x in enumerate(n))


# ---- a request for a person -------------------------------------------------------------------------------

def an_aspiration(words: Words) -> bool:
    """牧野先生みたいに話せるようになりたい, 先輩のようになりたい: a person named as a model to become like, not
    a request to talk to them (the model of meaning reads the name and 話す as a request)."""
    n = _norms(words)
    return any(x in ("みたい", "様", "よう") and any(n[k] == "成る" and _desire(words, k) == "wish"
                                                  for k in range(i + 1, min(len(n), i + 8)))
               for i, x in enumerate(n))


def wants_human(words: Words) -> bool:
    """Asking for staff, the office, a human or Makino: a request, not a mention."""
    n = _norms(words)
    if _told_by_someone(n):
        return False  # お客様から「人に相談したい」と言われた: someone else's wish
    if any(x in ("電話", "折り返す", "折り返し") and _asked_of_us(n[i + 1:i + 7]) for i, x in enumerate(n)) \
            and not any(x in THIRD_PERSON for x in n):
        return True  # 折り返しお電話いただけますか: only a person can call back
    for i, x in enumerate(n):
        someone = x == "方" and i > 0 and n[i - 1] in ("詳しい", "専門", "分かる", "担当")  # 詳しい方に
        named = words[i].pos[1:3] == ("固有名詞", "人名") and i + 1 < len(n) and n[i + 1] in HONORIFICS  # 田中さんと
        if (x not in STAFF and not someone and not named) or _not_addressee(n, i):
            continue
        if any(n[k] in THIRD_PERSON and n[k + 1:k + 2] == ["に"] for k in range(i)):
            continue  # お客様に事務所へ電話してもらう: the customer is the one to call
        if i >= 1 and words[i - 1].pos[1] == "数詞":
            continue  # 三人に連絡する: a count of people
        if i >= 1 and (n[i - 1] in ("出来る", "可能") or (n[i - 1] in CONTACT and words[i - 1].pos[0] == "動詞")) \
                and _question(n[i:]):
            return True  # 相談できる窓口はありますか, 話せる人はいますか
        j = _skip_honorifics(n, i + 1)
        if j < len(n) and n[j] in ("を", "で", "、") and _request_follows(words, n, j + 1, bare=True):
            return True  # 担当者をお願いします, 有人対応でお願いします
        if j < len(n) and n[j] in ("居る", "いらっしゃる") and _question(n[j:]):
            return True  # 人間の方いますか
        if n[j:j + 1] in (["は"], ["が"]) and n[j + 1:j + 2] in (["居る"], ["いらっしゃる"]) and _question(n[j + 1:]) \
                and x in ("人間", "有人", "生身", "担当者", "スタッフ", "オペレーター"):
            return True  # 人間の担当者はいないの？, おらへんの？
        if j < len(n) and n[j] == "が" and any(y in CONTACT for y in n[j + 1:j + 3]) and "所" in n[j:j + 7] \
                and _question(n[j:]):
            return True  # 人間が答えてくれるところはありますか
        if x == "有人" and _request_follows(words, n, j, bare=True):
            return True  # 有人対応をお願いします
        if x in STAFF and n[j:j + 1] in (["出る"], ["出す"]) and _brought_out(words, n, j):
            return True  # 人間出てこい, 担当者出して: a person called out to the chat
        if j < len(n) and n[j] in ("誰", "何方") and n[j + 1:j + 2] == ["か"]:  # スタッフの誰かと
            j += 1
        if j < len(n) and n[j] == "か":  # 誰か, どなたか
            j += 1
        if j < len(n) and n[j] in CONTACT and _contact_request(words, n, j):
            return True  # 牧野先生ご本人のご意見を伺いたい
        if j < len(n) and n[j] in ("と", "に", "から", "へ", "、", "さ") and _contact_request(words, n, j + 1):
            return True
    return False


def _brought_out(words: Words, n: list[str], j: int) -> bool:
    """出る/出す at `j` said as an order or a request: 出てこい, 出せ, 出して(ください), 出てきてくれ."""
    for k in range(j, min(len(n), j + 4)):
        if words[k].pos[5] == "命令形":
            return True
        if n[k] in ("。", "、", "?"):
            break
    return _request_follows(words, n, j + 1, bare=True)


def _contact_request(words: Words, n: list[str], start: int) -> bool:
    for k in range(start, min(len(n), start + 8)):
        if n[k] == "見る" and n[k - 1] == "て":
            continue  # 会ってみたい: みる is "try", not "look at"
        if n[k] in CONTACT and _request_follows(words, n, k + 1):
            return True  # 電話で話せませんか: the first contact word may be how, the next what
        if n[k] in ("。", "?"):
            return False
    return False


def _request_follows(words: Words, n: list[str], start: int, bare: bool = False) -> bool:
    """A desire, request or ability question right after a verb: 話したい, 代わってください, 話せますか,
    or a question for the way to do it: 相談する方法はありますか."""
    rest = n[start:start + 13]
    asked_how = rest[:1] in (["為る"], ["出来る"]) or words[start - 1].pos[0] == "動詞"  # 相談する方法, not 質問窓口
    if asked_how and any(x in ("方法", "手段", "やり方", "窓口", "連絡先") for x in rest[:4]) and _question(rest):
        return True
    for k, x in enumerate(rest):
        if x in REQUEST_ENDS or (bare and x == "下さる"):
            return not _negated(n, start + k)
        if x in ("出来る", "可能", "貰う", "頂く", "呉れる", "れる", "られる", "せる", "させる") and _question(rest[k:]):
            return True  # 話せますか, つないでくれる？, つないでくれへん？ (a negative question asks as much)
        if x == "呉れる" and words[start + k].pos[5] == "命令形":
            return True  # 話さしてくれ (東北の「けろ」も): asked outright
        if x == "呉れる" and rest[k + 1:k + 3] in (["ず", "ね"], ["ず", "か"], ["ない", "ね"], ["ない", "か"]):
            return True  # 代わってくれんね, くれないか: a negative question asks as much
        if k == 0 and (x == "?" or (x == "ます" and _question(rest[:4]))):
            return True  # 話せますか, 話せませんか, 話せる？ (Sudachi reads 話せる as 話す)
        if x in GLAD and any(y in ("た", "ば", "と") for y in rest[:k]):
            return True  # 見てもらえたら嬉しいです
        trailing = sum(1 for y in n[start + k + 1:] if y in ("。", "!", "?", "や", "よ", "ね", "な", "ほしい"))
        if x in ("て", "で") and start + k + 1 >= len(n) - trailing:  # 話させてや
            return True  # 代わって, 話させて, つないで: a request in the te-form that ends the sentence
        if x in ("。", "、", "ので", "けど", "が") and k > 0:
            break
        if x == "た" and start + k + 1 < len(words) and words[start + k + 1].pos[0] == "名詞":
            break  # 教えてもらった件を確認したい: the contact was past and names a thing now asked about
    if start < len(words) and words[start - 1].pos[5] == "命令形":
        return True
    return False


def _asked_of_us(rest: list[str]) -> bool:
    """ください, ほしい, お願い, いただけますか: something the writer asks us to do (not 電話したい)."""
    return any(x in ("下さる", "欲しい", "願う") for x in rest) or \
        (any(x in ("頂く", "貰う", "呉れる") for x in rest) and (_question(rest) or "たい" in rest))


def _question(rest: list[str]) -> bool:
    return "か" in rest or "?" in rest


def _not_addressee(n: list[str], i: int) -> bool:
    """牧野先生みたいに, 牧野先生の本: here the person is a model or an author, not someone asked for."""
    rest = n[i + 1:i + 4]
    return n[i + 1:i + 2] not in (["と"], ["に"]) and "本人" not in rest and any(x in NOT_ADDRESSEE for x in rest)


def _skip_honorifics(n: list[str], j: int) -> int:
    while j < len(n) and (n[j] in HONORIFICS or n[j] in ("先生", "本人", "方", "直接", "御", "塾長", "代表", "自身")):
        j += 1
    return j


# ---- grammar helpers ---------------------------------------------------------------------------------------

def _norms(words: Words) -> list[str]:
    return [w.normalized for w in words]


def _desire(words: Words, i: int) -> str | None:
    """After the verb at i: "wish" (死にたい), "unwanted" (死にたくない), "denied" (死にたいとは思わない),
    "degree" (死にたいくらい), or None when there is no たい."""
    k = i + 1
    while k < len(words) and words[k].normalized in CHAIN:
        k += 1
    if k < len(words) and words[k].normalized == "たい":
        n = _norms(words)
        if n[k + 1:k + 2] == ["て"]:
            return "wish"  # 死にたくてたまらない: the negation belongs to たまらない
        if _degree(n, k + 1):
            measure = next(j for j in range(k + 1, min(len(n), k + 7)) if n[j] in DEGREE)
            if any(x in NEGATIONS for x in n[measure + 1:measure + 4]):
                return "denied"  # 消えたいってほどじゃない: not as far as that
            return "degree"  # 消えたいくらい恥ずかしい: a measure, still worth a look
        if _negated(n, k):
            return "unwanted"
        tail = n[k + 1:k + 7]
        if tail[:1] in (["と"], ["って"]) and "思う" in tail and any(x in NEGATIONS for x in tail):
            return "denied"  # 死にたいとは思わない
        if "訳" in tail[:3] and any(x in NEGATIONS for x in tail):
            return "denied"  # 死にたいわけじゃない
        if tail[:2] == ["と", "か"] and any(x in NEGATIONS for x in tail[2:5]):
            return "denied"  # 消えたいとかは全然ない
        return "wish"
    return None


def _death_wish(words: Words, n: list[str], i: int) -> bool:
    w = words[i]
    if w.normalized in ("自殺", "自死"):
        if n[i + 1:i + 3] == ["を", "考える"]:
            return True
        if n[i + 1:i + 2] == ["未遂"]:  # not 過去の自殺未遂歴も告知対象ですか: a case in a declaration
            return not (n[i + 2:i + 3] in (["歴"], ["者"]) or _insurance_frame(n)) or _is_first_person(n)
        if n[i + 1:i + 2] != ["為る"]:
            return False
        i += 1  # 自殺 + する: judge the verb する
        w = words[i]
    if _desire(words, i) == "wish":
        return True  # 死にたい, 消えてしまいたい
    if w.pos[5] == "意志推量形" or any(m.pos[5] == "意志推量形" for m in words[i + 1:i + 3]
                                    if m.normalized in CHAIN):
        return True  # 死のう, 消えよう
    after = n[i + 1:i + 6]
    if after[:1] == ["た"] and after[1:3] == ["方", "が"] and after[3:4] and after[3] in ("増し", "良い", "楽") and \
            not _subject_before(words, sum(len(m.reading or m.surface) for m in words[:i])):
        return True  # 死んだほうがまし, いなくなった方がいい; not データは消えたほうがいい
    if after[:1] == ["しか"] and any(x in NEGATIONS for x in after[1:3]):
        return True  # 死ぬしかない
    if _relief_in_dying(n, i) and not _a_saying(n, i):
        return True  # 死んだら楽になれますか
    if after[:1] and after[0] in ("つもり", "予定", "覚悟", "方法", "場所", "やり方", "勇気", "準備", "用意", "計画", "練習"):
        return True  # 死ぬつもり, 首をつる準備
    return w.normalized in PLAIN_DEATH and _plain_use(words, n, i)


def _plain_use(words: Words, n: list[str], i: int) -> bool:
    """死ぬ said plainly by the writer (死んで詫びたい, 死ぬことばかり考える) is a crisis, except in the
    ways the word is ordinarily used: an idiom of degree (死ぬほど, 死にそう, 死ぬ気で), a negation,
    a hypothetical (死んだ場合, 死んだら保険金は), a noun it describes (死ぬまで, 死んだ祖父), or
    someone else as its subject (犬が死んだ)."""
    start = i - 1 if n[i - 1:i] in (["自殺"], ["自死"]) else i
    if _subject_noun(n, i) in THINGS | MIND:
        return False  # 案件が、社長交代で死にました: the deal died
    if start >= 2 and n[start - 1] in SUBJECT_PARTICLES and words[start - 2].pos[0] in ("名詞", "代名詞") \
            and n[start - 2] not in FIRST_PERSON:
        return False
    k = i + 1
    while k < len(words) and n[k] in ("た", "だ", "て", "で") and not words[k].pos[5].startswith("仮定形"):
        k += 1
    if _told_as_done(words, n, i) or _whined(n, i):
        return False  # 死んだ, 死んでたわ, 死ぬ〜: the writer is alive to say it; distress (_dead_beat), a person looks
    if k >= len(words):
        return True
    nxt = words[k]
    if any(x in LAUGHING for x in n):
        return False  # 疲れたー、死ぬー笑: a joke, not a plan
    if n[k] in IDIOM_AFTER_DEATH or n[k] in NEGATIONS or n[k] in ("たい", "れる", "られる"):
        return False  # たい is judged by _desire; れる is an honorific: nobody uses one of themselves
    if nxt.pos[5].startswith("仮定形") or n[k] in ("ば", "なら", "と", "場合"):
        trailing = all(x in ("た", "ば", "のに", "の", "に", "なあ", "な", "ね", "…", "。", "!", ".") for x in n[k:])
        return _relief_in_dying(n, i) or (trailing and n[k] != "場合")  # いっそ死ねたら…: a wish left unsaid  # 死んだら楽になれる, 死ねたらいいのに
    if nxt.pos[0] in ("名詞", "接尾辞") and n[k] not in ("こと", "事", "の", "気持ち") and n[k:k + 2] != ["方", "が"]:
        return False  # 死ぬまで, 死んだ祖父, 飛び降りた方の保険金
    return True


def _subject_noun(n: list[str], i: int) -> str | None:
    """The noun before the nearest subject particle before i in the clause, across commas:
    大型案件が、先方の社長交代で死にました -> 案件; a topic said with a comma: この契約、完全に死んだ -> 契約."""
    if i >= 1 and n[i - 1] in THINGS | MIND:
        return n[i - 1]  # メンタル死んだ, アポ死んだ: the particle dropped
    for k in range(i - 1, 0, -1):
        if n[k] in ("。", "!", "?"):
            return None
        if n[k] == "、" and n[k - 1] in THINGS | MIND:
            return n[k - 1]
        if n[k] in ("が", "は", "も"):
            j = k - 1
            while j > 0 and n[j] in HONORIFICS - {"の"}:
                j -= 1
            return n[j]
    return None


def _a_saying(n: list[str], i: int) -> bool:
    """死んだら終わりなので、相続対策を: "once you die it is over", said to plan for it, not a way out."""
    relief = [x for x in n[i + 1:i + 7] if x in RELIEF or x == "終わり"]
    return bool(relief) and all(x in ("終わる", "終わり") for x in relief) and \
        any(x in ("相続", "対策", "準備", "保険", "備える", "生きる", "今", "内") for x in n[i + 1:])


def _relief_in_dying(n: list[str], i: int, relief: frozenset[str] = frozenset()) -> bool:
    """死んだら楽になれる / 飛び込めば全部終わる: dying (or jumping) as the way out."""
    after = n[i + 1:i + 7]
    # (死んだ方がいい is not a condition: it is judged as "better off", with its subject)
    conditional = any(x in ("た", "ば", "と", "なら") for x in after[:2]) and after[1:3] != ["方", "が"]
    found = [x for x in after if x in (relief or RELIEF)]
    if "どう" in after:
        found = [x for x in found if x != "良い"]  # 遭ったらどうすればいい: asking what to do, not relief
    return conditional and bool(found)


def _is_inaku(n: list[str], i: int) -> bool:
    """居る + ない + 成る: いなくなる, which with a desire or "better off" is a wish to disappear."""
    return n[i:i + 3] == ["居る", "ない", "成る"]


def _no_point(n: list[str], i: int, rhetorical: bool = False) -> bool:
    """生きる意味がない, 生きてても仕方ない, 生きるのがつらい; rhetorical: いる意味ある？"""
    after = [x for x in n[i + 1:i + 9] if x not in CHAIN]  # 生きている理由もわかりません: the negation comes late
    point = any(x in ("意味", "価値", "理由", "仕方", "仕様", "気力", "希望", "力", "自信") for x in after[:3])
    if point and (any(x in NEGATIONS for x in after) or (rhetorical and "有る" in after and _question(after))):
        return True
    if "仕方無い" in after[:3] or "しょうが無い" in after[:3]:
        return True
    painful = ("辛い", "疲れる", "嫌", "しんどい", "苦しい")
    if after[:1] == ["の"] and after[1:2] and after[1] in painful:
        return True  # 生きてるのつらい: the particle dropped
    return after[:2] in (["の", "が"], ["の", "に"], ["こと", "に"], ["こと", "が"]) and \
        any(x in painful for x in after[2:4])


def _self_object(n: list[str], i: int) -> bool:
    """自分を傷つける, 手首を切る, 腕をカッターで切る: the writer's own body is what the verb acts on (an
    instrument may come between)."""
    if i >= 1 and n[i - 1] in BODY:
        return True  # 手首切った: the particle dropped
    k = i - 3 if i >= 3 and n[i - 1] == "で" else i - 1  # カッターで: one noun and で
    if k >= 1 and n[k] == "を" and n[k - 1] in BODY:
        return True
    if any(n[j] == "を" and n[j - 1] in BODY for j in range(max(1, i - 4), i)) and n[i] in ("打ち付ける", "抓る", "掻き毟る"):
        return True  # 自分の腕を強くつねる, 頭を壁に打ちつける
    return n[i - 1:i] == ["から"] and any(n[k:k + 2] in (["自分", "を"], ["自身", "を"]) for k in range(max(0, i - 6), i))
    # 自分をこの世から消す, 自分をこの世界から消し去りたい


def _better_not(n: list[str], i: int) -> bool:
    """〜なければよかった / 〜ないといいな: wishing one had not been born or would not wake."""
    after = n[i + 1:i + 7]
    return any(x in NEGATIONS for x in after[:4]) and any(x in ("ば", "と", "た", "たら") for x in after) and \
        any(x in ("良い", "楽") for x in after)


def _nobody_would_miss_me(n: list[str], i: int) -> bool:
    """いなくなっても誰も困らない / 死んでも誰も悲しまない."""
    if not (n[i] in ("死ぬ", "消える") or _is_inaku(n, i)):
        return False
    after = n[i + 1:i + 9]
    return "も" in after and "誰" in after and any(x in ("困る", "悲しむ", "気付く", "気にする") for x in after) \
        and any(x in NEGATIONS for x in after)


def _degree(n: list[str], i: int) -> bool:
    """死ぬほど, 終わりにしたいくらい, 消えたいレベルで: a measure of how much, not the wish itself."""
    return any(x in DEGREE for x in [y for y in n[i:i + 6] if y not in (".", "…")][:3])


def _end_it(n: list[str], i: int) -> bool:
    return n[i + 1:i + 3] == ["に", "為る"]


def _ends_at(n: list[str], i: int) -> bool:
    rest = [x for x in n[i + 1:i + 4] if x not in ("だ", "です", "。", "!", "…", ".", "ぽい", "ぽ", "よ", "な", "わ", "や")]
    return not rest or rest[0] in ("、", "。")


def _absent(n: list[str], i: int) -> bool:
    return any(x in NEGATIONS for x in n[i + 1:i + 4])


def _is_first_person(n: list[str]) -> bool:
    return any(x in FIRST_PERSON for x in n)


def _negated(n: list[str], i: int, span: int = 3) -> bool:
    """A negation within `span` words after position i (書かない, 保証されていない)."""
    return any(x in NEGATIONS for x in n[i + 1:i + 1 + span])


def _consequence_question(n: list[str]) -> bool:
    """どうなりますか: asking what happens, not planning it."""
    return any(n[i:i + 2] == ["どう", "成る"] for i in range(len(n)))


def _told_by_someone(n: list[str]) -> bool:
    """〜と言われた / 頼まれた / 〜というお客様 / 上司が「…」って言う: someone else's proposal, wish or words."""
    return any(x in ("言う", "頼む", "誘う", "持ち掛ける") and
               ("れる" in n[i + 1:i + 3] or any(y in THIRD_PERSON for y in n[i + 1:i + 3]) or
                n[i + 1:i + 3] == ["て", "来る"] and any(y in THIRD_PERSON for y in n[:i]) or
                x == "言う" and n[i - 1:i] in (["って"], ["と"]) and
                any(y in THIRD_PERSON and n[k + 1:k + 2] in (["が"], ["は"]) for k, y in enumerate(n[:i])))
               for i, x in enumerate(n))


def _someone_else(words: Words) -> bool:
    """The sentence is about someone else: a third-person subject and no word for the writer, or their words."""
    n = _norms(words)
    return _reported(n) or (not _is_first_person(n) and _third_person_subject(n))


def _reported(n: list[str]) -> bool:
    """Someone else's words: お客様から「死にたい」と言われた, 父が死にたいと言っています."""
    # 友達が死にたいって: what someone said; not 上司が怖くて死にたいって, where the て-clause makes it the writer's
    hearsay = [x for x in n if x not in ("。", "!", "?", "…")][-1:] in (["って"], ["だって"], ["とか"]) and \
        not any(x in ("て", "で") for x in n)
    return not _is_first_person(n) and any(y in THIRD_PERSON for y in n) and \
        (hearsay or any(x in ("言う", "話す", "聞く", "漏らす", "口にする") and i > 0 and n[i - 1] in ("と", "って")
                        for i, x in enumerate(n)))


def _acted_by_someone_else(n: list[str]) -> bool:
    """The last clause (what the sentence does) has a third-person subject: お客様が持病を伏せていた."""
    last = n[len(n) - n[::-1].index("、"):] if "、" in n else n
    return not _is_first_person(last) and _third_person_subject(last)


def _third_person_subject(n: list[str]) -> bool:
    for i, x in enumerate(n):
        if x == "彼" and n[max(0, i - 2):i] == ["何", "も"]:
            continue  # 何もかも is read 何/も/彼/も: nobody else
        if x in THIRD_PERSON:
            j = i + 1
            while j < len(n) and n[j] in HONORIFICS - {"の"}:
                j += 1
            if j < len(n) and n[j] in SUBJECT_PARTICLES:
                return True
    return False


def _resolved(n: list[str]) -> bool:
    """頑張る, 乗り切る: tired but going on; not 頑張れない."""
    return any(x in ("頑張る", "乗り切る", "踏ん張る") and not _negated(n, i) for i, x in enumerate(n))


def _subject_of(n: list[str], i: int) -> str | None:
    """The noun marked as subject (が, は, も) nearest before i, if any: 妻が死んだら -> 妻."""
    for k in range(i - 1, 0, -1):
        if n[k] == "が" and n[k - 1] in ("です", "だ", "ます", "た", "ない", "けれど"):
            return None  # 自分の話なんですが、: が joins two clauses; the subject is in the first
        if n[k] in SUBJECT_PARTICLES:
            j = k - 1
            while j > 0 and n[j] in HONORIFICS - {"の"}:
                j -= 1
            return n[j]
        if n[k] in ("。", "、") and k < i - 1:
            return None
    return None


def _subject_before(words: Words, end: int) -> bool:
    """A subject other than the writer (データは, いぬが) before the reading offset `end`."""
    offset, n = 0, _norms(words)
    for k, m in enumerate(words):
        if offset >= end:
            break
        if k and n[k] in SUBJECT_PARTICLES and words[k - 1].pos[0] in ("名詞", "代名詞") and \
                words[k - 1].pos[2] != "副詞可能" and n[k - 1] not in FIRST_PERSON and n[k - 1] not in ("方", "なんか"):
            return True
        offset += len(m.reading or m.surface)
    return False

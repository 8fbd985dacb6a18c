"""Spelling rules of the test-population generator: one name, many scripts and conventions.

Written for ``benchmarks/population.py`` from the references in ``SOURCES.md`` (the
Kazakh Latin alphabet decrees of 2017, 2018 and the 2021 revision, the Uyghur Latin and
Arabic alphabets, the Palladius system for Chinese in Cyrillic, the Kazakh Arabic script
as printed in Xinjiang) and deliberately **not** from the matcher's tables under
``src/amanat/names/``: a benchmark that spells names with the matcher's own rules
measures nothing. Where a rule is a simplification, the comment says so; realism, not
correctness, is the aim (real lists are written by people who do not follow standards).

A Turkic name is stored once in its native spelling (Kazakh or Kyrgyz Cyrillic, Uyghur
Latin) and turned into the others here. Chinese characters are made from a "pivot"
Latin spelling (close to Uyghur Latin) by syllables, with variant characters, because
different registration clerks wrote the same name differently. Hui names are stored in
characters with their pinyin.

Conventions (the ``conv`` argument):

=============  =====  =========================================================
kk-Cyrl        Cyrl   Kazakh Cyrillic
ru-Cyrl        Cyrl   Russian-style Cyrillic (ә→а, қ→к, ...; "Асель", "Адиль")
ky-Cyrl        Cyrl   Kyrgyz Cyrillic
ug-Cyrl        Cyrl   Uyghur Cyrillic as used in Kazakhstan (Илһам, Җаппар)
ru-Latn        Latn   Russian-passport Latin (Serikzhan, Kairat, Aigul)
en-Latn        Latn   English-style Latin of diaspora groups and media, variable
kk-Latn-2017   Latn   Kazakh Latin, decree of 26 October 2017 (apostrophes)
kk-Latn-2018   Latn   Kazakh Latin, decree of 19 February 2018 (acutes, sh ch)
kk-Latn-2021   Latn   Kazakh Latin, revision presented 28 January 2021 (ä ğ ş ı ū ñ)
ug-Latn        Latn   Uyghur Latin (ULY)
zh-Latn        Latn   pinyin of the Chinese form (Sailikejiang)
kk-Arab        Arab   Kazakh Arabic script as used in Xinjiang
ug-Arab        Arab   Uyghur Arabic script (UEY)
zh-Hans        Hans   Chinese characters
=============  =====  =========================================================
"""

from __future__ import annotations

import functools
import random

from pypinyin import lazy_pinyin

__all__ = [
    "CONVENTIONS",
    "SCRIPT_OF",
    "capitalize",
    "hui_forms",
    "kk_forms",
    "ky_forms",
    "patronymic",
    "surname_with_suffix",
    "typo",
    "ug_forms",
    "uly_surname",
    "uly_to_arabic",
]

SCRIPT_OF = {
    "kk-Cyrl": "Cyrl",
    "ru-Cyrl": "Cyrl",
    "ky-Cyrl": "Cyrl",
    "ug-Cyrl": "Cyrl",
    "ru-Latn": "Latn",
    "en-Latn": "Latn",
    "kk-Latn-2017": "Latn",
    "kk-Latn-2018": "Latn",
    "kk-Latn-2021": "Latn",
    "ug-Latn": "Latn",
    "zh-Latn": "Latn",
    "kk-Arab": "Arab",
    "ug-Arab": "Arab",
    "zh-Hans": "Hans",
}
CONVENTIONS = tuple(SCRIPT_OF)

_KK_VOWELS = set("аәеиоөұүыіэюяуё")
_KK_FRONT = set("әеөүіэ")


def _table(text: str) -> dict[str, str]:
    """'а=a ә=a' -> {'а': 'a', 'ә': 'a'}; '_' stands for the empty string."""
    out = {}
    for pair in text.split():
        key, value = pair.split("=", 1)
        out[key] = "" if value == "_" else value
    return out


# Kazakh Cyrillic -> Russian-style Cyrillic: the nine Kazakh letters lose their marks.
_KK_RU = _table("ә=а ғ=г қ=к ң=н ө=о ұ=у ү=у һ=х і=и")
# Kazakh Cyrillic -> Kyrgyz Cyrillic (a Kyrgyz clerk writing a Kazakh name).
_KK_KY = _table("ә=а ғ=г қ=к ұ=у і=и һ=х")
# Russian-passport (ICAO-like) Latin, as Kazakhstan's documents wrote names before 2018.
_KK_RU_LATN = _table(
    "а=a ә=a б=b в=v г=g ғ=g д=d е=e ё=yo ж=zh з=z и=i й=i к=k қ=k л=l м=m н=n ң=n "
    "о=o ө=o п=p р=r с=s т=t у=u ұ=u ү=u ф=f х=kh һ=h ц=ts ч=ch ш=sh щ=shch ъ=_ "
    "ы=y і=i ь=_ э=e ю=yu я=ya"
)
# Decree No. 569 of 26 October 2017: one Latin letter or letter + apostrophe per sound.
_KK_2017 = _table(
    "а=a ә=a' б=b в=v г=g ғ=g' д=d е=e ё=io ж=j з=z и=i' й=i' к=k қ=q л=l м=m н=n "
    "ң=n' о=o ө=o' п=p р=r с=s т=t у=y' ұ=u ү=u' ф=f х=h һ=h ц=ts ч=c' ш=s' щ=s's' "
    "ъ=_ ы=y і=i ь=_ э=e ю=iy' я=ia"
)
# Decree No. 637 of 19 February 2018: acute accents, and the digraphs sh and ch.
# И and Й are a dotless i with an acute (ı́, two code points); many typists use í.
_KK_2018 = _table(
    "а=a ә=á б=b в=v г=g ғ=ǵ д=d е=e ё=ıo ж=j з=z и=ı́ й=ı́ к=k қ=q л=l м=m н=n ң=ń "
    "о=o ө=ó п=p р=r с=s т=t у=ý ұ=u ү=ú ф=f х=h һ=h ц=ts ч=ch ш=sh щ=sh ъ=_ ы=y "
    "і=i ь=_ э=e ю=ıý я=ıa"
)
# The revision presented on 28 January 2021: closer to the common Turkic alphabet.
_KK_2021 = _table(
    "а=a ә=ä б=b в=v г=g ғ=ğ д=d е=e ё=io ж=j з=z и=i й=i к=k қ=q л=l м=m н=n ң=ñ "
    "о=o ө=ö п=p р=r с=s т=t у=u ұ=ū ү=ü ф=f х=h һ=h ц=ts ч=ç ш=ş щ=şş ъ=_ ы=y "
    "і=ı ь=_ э=e ю=iu я=ia"
)
# Kazakh Arabic script as printed in Xinjiang. Front-vowel letters share their shape
# with the back ones; a word whose frontness no other letter shows (е, к, г, э) gets
# one high hamza at its start.
_KK_ARAB = _table(
    "а=ا ә=ا б=ب в=ۆ г=گ ғ=ع д=د е=ە ё=يو ж=ج з=ز и=ي й=ي к=ك қ=ق л=ل м=م н=ن ң=ڭ "
    "о=و ө=و п=پ р=ر с=س т=ت у=ۋ ұ=ۇ ү=ۇ ф=ف х=ح һ=ھ ц=تس ч=چ ш=ش щ=ش ъ=_ ы=ى "
    "і=ى ь=_ э=ە ю=يۋ я=يا"
)
_HAMZA = "\u0674"
# Kazakh Cyrillic -> the pivot (close to Uyghur Latin), from which Chinese characters
# and Uyghur Arabic script are made.
_KK_PIVOT = _table(
    "а=a ә=e б=b в=w г=g ғ=gh д=d е=é ё=yo ж=j з=z и=i й=y к=k қ=q л=l м=m н=n ң=ng "
    "о=o ө=ö п=p р=r с=s т=t у=u ұ=u ү=ü ф=f х=x һ=h ц=s ч=ch ш=sh щ=sh ъ=_ ы=i "
    "і=i ь=_ э=e ю=yu я=ya"
)


_KK_LATIN = {"kk-Latn-2017": _KK_2017, "kk-Latn-2018": _KK_2018, "kk-Latn-2021": _KK_2021}


def _map(word: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in word)


def capitalize(text: str, conv: str = "") -> str:
    """Upper-case the first letter of each word, with the Kazakh Latin dotted capitals."""
    words = []
    for word in text.split(" "):
        if not word:
            words.append(word)
            continue
        first = word[0]
        if conv == "kk-Latn-2021" and first == "i":
            up = "İ"
        elif (conv == "kk-Latn-2021" and first == "ı") or (first == "ı" and word[1:2] == "\u0301"):
            up = "I"
        else:
            up = first.upper()
        words.append(up + word[1:])
    return " ".join(words)


def upper_all(text: str, conv: str) -> str:
    """Capitals as a passport writes them (İ for the dotted i of 2021)."""
    if conv == "kk-Latn-2021":
        text = text.replace("i", "İ")
    return text.upper()


def _kk_ru_cyrl(word: str) -> str:
    out = _map(word, _KK_RU)
    # A Russian clerk softens a final л after front vowels: Әділ -> Адиль, Әсел -> Асель.
    if out.endswith("л") and _KK_FRONT & set(word):
        out += "ь"
    return out


def _kk_latn(word: str, table: dict[str, str]) -> str:
    return _map(word, table)


def _kk_pivot(word: str) -> str:
    out = []
    for i, ch in enumerate(word):
        # у after a vowel is the glide w (Бауыржан -> bawirjan), otherwise the vowel u.
        if ch == "у" and i and word[i - 1] in _KK_VOWELS:
            out.append("w")
        else:
            out.append(_KK_PIVOT.get(ch, ch))
    return "".join(out)


def _kk_arab(word: str) -> str:
    body = _map(word, _KK_ARAB)
    letters = set(word)
    if letters & set("әөүі") and not letters & set("екгэ"):
        body = _HAMZA + body
    return body


def _en_latn_variants(word: str) -> tuple[str, ...]:
    """English-style Latin as diaspora groups and journalists write Kazakh names."""
    out = []
    # (ж, қ, ғ, ы, й, х, ә, ң, initial е)
    options = (
        ("zh", "k", "g", "y", "y", "kh", "a", "n", "ye"),
        ("j", "k", "g", "i", "y", "h", "a", "ng", "e"),
        ("zh", "q", "gh", "y", "i", "kh", "e", "ng", "e"),
        ("j", "q", "g", "i", "i", "h", "a", "n", "ye"),
    )
    for zh, q, gh, y, j, kh, ae, ng, ye in options:
        table = dict(_KK_RU_LATN)
        table.update({"ж": zh, "қ": q, "ғ": gh, "ы": y, "й": j, "х": kh, "ә": ae, "ң": ng})
        body = _map(word, table)
        if word[:1] == "е":
            body = ye + body[1:]
        out.append(body)
    return tuple(dict.fromkeys(out))


def kk_forms(word: str) -> dict[str, tuple[str, ...]]:
    """Every spelling of a Kazakh Cyrillic name (lower case), most usual first."""
    w = word.lower()
    ru_latn = _kk_latn(w, _KK_RU_LATN)
    ru_latn_ye = "ye" + ru_latn[1:] if w[:1] == "е" else ru_latn
    pivot = _kk_pivot(w)
    return {
        "kk-Cyrl": (w,),
        "ru-Cyrl": (_kk_ru_cyrl(w),),
        "ky-Cyrl": (_map(w, _KK_KY),),
        "ru-Latn": tuple(dict.fromkeys((ru_latn, ru_latn_ye))),
        "en-Latn": _en_latn_variants(w),
        "kk-Latn-2017": (_kk_latn(w, _KK_2017),),
        "kk-Latn-2018": tuple(
            dict.fromkeys((_kk_latn(w, _KK_2018), _kk_latn(w, _KK_2018).replace("ı\u0301", "í")))
        ),
        "kk-Latn-2021": (_kk_latn(w, _KK_2021),),
        "kk-Arab": (_kk_arab(w),),
        "pivot": (pivot,),
        "ug-Latn": (pivot,),
        "ug-Arab": (uly_to_arabic(pivot),),
        "ug-Cyrl": (_uly_to_ug_cyrl(pivot),),
    }


# --- Kyrgyz ---------------------------------------------------------------------------

_KY_BACK = set("аоуы")
_KY_FRONT = set("эеиөү")


def _ky_to_kk(word: str) -> str:
    """A Kazakh volunteer writing a Kyrgyz name: long vowels shortened, back к/г/у marked."""
    for long, short in (("оо", "о"), ("аа", "а"), ("ээ", "е"), ("үү", "ү"), ("өө", "ө")):
        word = word.replace(long, short)
    word = word.replace("уу", "у").replace("э", "е")
    back = bool(set(word) & _KY_BACK) and not set(word) & _KY_FRONT
    if back:
        word = word.replace("к", "қ").replace("г", "ғ").replace("у", "ұ")
    return word.replace("и", "і") if not back else word


def _ky_pivot(word: str) -> str:
    back = bool(set(word) & _KY_BACK) and not set(word) & _KY_FRONT
    table = dict(_KK_PIVOT)
    if back:
        table.update({"к": "q", "г": "gh"})
    for long, short in (("оо", "о"), ("аа", "а"), ("ээ", "е"), ("үү", "ү"), ("өө", "ө")):
        word = word.replace(long, short)
    return _map(word.replace("уу", "у"), table)


_KY_RU = _table("ң=н ө=о ү=у")
_KY_LATN = _table(
    "а=a б=b в=v г=g д=d е=e ё=yo ж=zh з=z и=i й=i к=k л=l м=m н=n ң=ng о=o ө=o п=p "
    "р=r с=s т=t у=u ү=u ф=f х=kh ц=ts ч=ch ш=sh щ=sch ъ=_ ы=y ь=_ э=e ю=yu я=ya"
)


def ky_forms(word: str) -> dict[str, tuple[str, ...]]:
    """Every spelling of a Kyrgyz Cyrillic name (lower case)."""
    w = word.lower()
    kk = _ky_to_kk(w)
    latn = _map(w, _KY_LATN)
    en = _map(w, {**_KY_LATN, "ж": "j", "ү": "ü", "ө": "ö", "ы": "i"})
    pivot = _ky_pivot(w)
    forms = kk_forms(kk)
    forms.update(
        {
            "ky-Cyrl": (w,),
            "ru-Cyrl": (_map(w, _KY_RU),),
            "ru-Latn": (latn,),
            "en-Latn": tuple(dict.fromkeys((latn, en, latn.replace("ng", "n")))),
            "pivot": (pivot,),
            "ug-Latn": (pivot,),
            "ug-Arab": (uly_to_arabic(pivot),),
            "ug-Cyrl": (_uly_to_ug_cyrl(pivot),),
        }
    )
    return forms


# --- Uyghur ---------------------------------------------------------------------------

_ULY_DIGRAPHS = ("sh", "ch", "gh", "zh", "ng")
_ULY_VOWELS = set("aeéiouöü")


def _uly_tokens(word: str) -> list[str]:
    out = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair in _ULY_DIGRAPHS:
            out.append(pair)
            i += 2
        elif word[i] == "'":
            i += 1
        else:
            out.append(word[i])
            i += 1
    return out


_UEY = _table(
    "a=ا e=ە é=ې i=ى o=و u=ۇ ö=ۆ ü=ۈ b=ب p=پ t=ت j=ج ch=چ x=خ d=د r=ر z=ز zh=ژ "
    "s=س sh=ش gh=غ f=ف q=ق k=ك g=گ ng=ڭ l=ل m=م n=ن h=ھ w=ۋ v=ۋ y=ي"
)


def uly_to_arabic(word: str) -> str:
    """Uyghur Latin -> Uyghur Arabic script; a vowel that starts a syllable takes ئ."""
    out = []
    previous_vowel = True  # the start of the word counts as a syllable start
    for token in _uly_tokens(word.lower()):
        vowel = token in _ULY_VOWELS
        if vowel and previous_vowel:
            out.append("ئ")
        out.append(_UEY.get(token, ""))
        previous_vowel = vowel
    return "".join(out)


_UG_CYRL = _table(
    "a=а e=ә é=е i=и o=о u=у ö=ө ü=ү b=б p=п t=т j=җ ch=ч x=х d=д r=р z=з zh=ж "
    "s=с sh=ш gh=ғ f=ф q=қ k=к g=г ng=ң l=л m=м n=н h=һ w=в v=в y=й"
)


def _uly_to_ug_cyrl(word: str) -> str:
    out = "".join(_UG_CYRL.get(t, t) for t in _uly_tokens(word.lower()))
    return out.replace("йа", "я").replace("йу", "ю")


_UG_RU = _table("ә=а ө=о ү=у җ=дж ғ=г қ=к ң=н һ=х")


def _uly_to_ru_cyrl(word: str) -> str:
    out = _map(_uly_to_ug_cyrl(word), _UG_RU)
    out = out.replace("йу", "ю").replace("йа", "я")
    # Russian writers soften l before a consonant after i: Ilham -> Ильхам.
    for cons in "хмтдкс":
        out = out.replace("ил" + cons, "иль" + cons)
    return out


_UG_KK = _table(
    "a=а e=ә é=е o=о u=ұ ö=ө ü=ү b=б p=п t=т j=ж ch=ч x=х d=д r=р z=з zh=ж s=с sh=ш "
    "gh=ғ f=ф q=қ k=к g=г ng=ң l=л m=м n=н h=һ w=у v=в y=й"
)


def _uly_to_kk_cyrl(word: str) -> str:
    tokens = _uly_tokens(word.lower())
    front = bool(set(tokens) & set("eéöü"))
    out = []
    for i, t in enumerate(tokens):
        if t == "i":
            out.append("и" if i == len(tokens) - 1 or not front else "і")
        else:
            out.append(_UG_KK.get(t, t))
    return "".join(out).replace("йа", "я").replace("йу", "ю")


def ug_forms(word: str) -> dict[str, tuple[str, ...]]:
    """Every spelling of a Uyghur Latin (ULY) name (lower case)."""
    w = word.lower()
    plain = w.replace("é", "e").replace("ö", "o").replace("ü", "u")
    kk = _uly_to_kk_cyrl(w)
    forms = kk_forms(kk)
    forms.update(
        {
            "pivot": (w,),
            "ug-Latn": (w, w.replace("é", "ë")),
            "ug-Arab": (uly_to_arabic(w),),
            "ug-Cyrl": (_uly_to_ug_cyrl(w),),
            "ru-Cyrl": (_uly_to_ru_cyrl(w),),
            "en-Latn": tuple(
                dict.fromkeys(
                    (
                        plain,
                        plain.replace("x", "h").replace("q", "k"),
                        plain.replace("x", "kh").replace("gh", "g"),
                    )
                )
            ),
            "ru-Latn": (plain.replace("x", "kh").replace("q", "k").replace("j", "zh"),),
        }
    )
    return forms


# --- Chinese characters for Turkic names --------------------------------------------
# Written by the author from the usual shape of transcriptions on Xinjiang documents:
# one character per open syllable, a coda n/ng absorbed into the syllable, and every
# other coda consonant written with a character of its own (ilham -> 伊力哈木). Columns:
# the vowels a e é i o u ö ü; "/" separates variant characters, the first the usual one.

_ZH_ROWS = """
-  阿 艾 叶/额 伊/依 奥 乌/吾 吾 玉/尤
b  巴 拜/别 别 比 波 布 布 布
p  帕 派 佩 皮 坡 普 普 普
t  塔 台/太 铁 提/堤 托 吐/图 吐 图
d  达 代/戴 德 迪/地 多 都/杜 都 杜
k  卡 开/凯 克 克/基 科 库 克 库
g  尕/嘎 盖 格 吉 果 古 古 古
q  卡/喀 凯/开 克 克 阔/库 库/胡 库 库
gh 哈/尕 海/盖 合 吉 果 古/胡 古 古
x  哈 海 赫 希 霍 胡 胡 胡
h  哈 海 和 希 霍 胡 胡 胡
j  加/佳 杰 杰 吉 卓 朱/居 朱 居
ch 恰 切 切 其/奇 乔 丘 丘 曲
sh 夏/沙 谢/夏 谢 希/西 肖 舒 舒 许
zh 扎 热 热 日 卓 如 如 如
s  萨 赛 赛 斯/思 索 苏 苏 苏
z  扎 再 泽 孜/兹 佐 祖 祖 居
l  拉 来/莱 列 力/丽/利 洛 鲁/路 吕 吕
m  马/玛 买/麦 买 米 莫 木/穆 木 木
n  纳/娜 乃 尼 尼 诺 努 努 努
r  热/拉 热 热 日/力 若 如/鲁 如 如
y  亚/娅 叶 叶 依 尤 尤/玉 尤 玉
w  瓦/娃 外/维 维 维/尉 沃 吾 吾 吾
f  帕/法 派 费 菲 福 福 福 福
v  瓦 外 维 维 沃 吾 吾 吾
"""
# Syllables closed by n or ng (columns: an en én in on un ön ün) and by y (ay ey).
_ZH_N_ROWS = """
-  安 艾 恩 因 翁 温 温 云
b  班 本 本 宾 邦 本 本 本
p  潘 盆 盆 品 蓬 盆 盆 盆
t  坦 坦 腾 丁 通 吞 吞 吞
d  丹 登 登 丁 东 敦 敦 敦
k  坎 肯 肯 肯 孔 昆 昆 昆
g  甘 根 根 金 贡 滚 滚 滚
q  坎 肯 肯 肯 孔 昆 昆 昆
gh 汗 汗 汗 金 洪 洪 洪 洪
x  汗 汗 汗 欣 洪 洪 洪 洪
h  汗 汗 汗 欣 洪 洪 洪 洪
j  江 坚 坚 金 江 君 君 君
ch 强 千 千 钦 琼 春 春 春
sh 山 先 先 新 雄 顺 顺 顺
zh 然 仁 仁 仁 荣 润 润 润
s  桑 森 森 新 松 孙 孙 孙
z  赞 增 增 津 宗 尊 尊 尊
l  兰 连 连 林 隆 伦 伦 伦
m  曼 曼 门 敏 蒙 蒙 蒙 蒙
n  南 能 能 宁 农 农 农 农
r  然 仁 仁 仁 荣 润 润 润
y  彦 燕 燕 尹 勇 云 云 云
w  万 文 文 温 翁 温 温 温
f  帆 芬 芬 芬 丰 丰 丰 丰
v  万 文 文 温 翁 温 温 温
"""
_ZH_Y = _table(
    "-ay=艾 bay=拜 pay=派 tay=泰 day=代 kay=凯 gay=盖 qay=凯 ghay=海 xay=海 hay=海 "
    "jay=杰 chay=柴 shay=夏 say=赛 zay=再 lay=来 may=麦 nay=乃 ray=莱 yay=亚 way=外 "
    "-ey=艾 bey=拜 tey=泰 dey=代 key=凯 qey=凯 xey=海 hey=海 jey=杰 sey=赛 ley=来 "
    "mey=麦 ney=乃 rey=热依 wey=外"
)
# A consonant with no vowel after it (l in ilham, t at the end of memet).
_ZH_LONE = {
    "b": ("布",),
    "p": ("甫",),
    "t": ("提", "特"),
    "d": ("德",),
    "k": ("克", "科"),
    "g": ("格",),
    "q": ("克",),
    "gh": ("合", "赫"),
    "x": ("合", "赫"),
    "h": ("合", "和"),
    "j": ("吉",),
    "ch": ("奇",),
    "sh": ("什",),
    "zh": ("日",),
    "s": ("斯", "思"),
    "z": ("孜",),
    "l": ("力", "勒", "里"),
    "m": ("木", "姆"),
    "n": ("恩",),
    "ng": ("恩",),
    "r": ("尔", "儿"),
    "y": ("伊",),
    "w": ("吾",),
    "f": ("夫",),
    "v": ("夫",),
}
# Female names take the "feminine" characters clerks prefer for them.
_ZH_FEMININE = {"纳": "娜", "亚": "娅", "力": "丽", "萨": "莎", "马": "玛"}
# Pieces transcribed as a whole (conventional renderings found on countless documents).
_ZH_PREFIXES = (("abdu", ("阿不都", "阿布都")), ("gül", ("古丽", "古力")))
# Medial r before a vowel is mostly written with an l-character (Серік -> 赛力克,
# Марат -> 马拉提); a word-initial r keeps the r-characters (Rahman -> 热合曼).
_ZH_R_MEDIAL = {
    "ra": ("拉", "热"),
    "re": ("热", "来"),
    "ré": ("列", "热"),
    "ri": ("力", "日"),
    "ro": ("洛", "若"),
    "ru": ("鲁", "如"),
}
# Polyphonic characters whose reading in a transcribed name differs from pypinyin's
# default (阿不都 is read abudu on documents, 什 shi).
_PINYIN_OF = {"什": "shi", "都": "du", "尉": "wei", "和": "he", "伽": "jia"}
_ZH_SUFFIXES = (
    ("gül", ("古丽", "古力")),
    ("jan", ("江",)),
    ("bek", ("别克", "伯克")),
    ("xan", ("汗",)),
    ("han", ("汗",)),
    ("nur", ("努尔",)),
    ("bay", ("拜",)),
)
_VOWELS = ("a", "e", "é", "i", "o", "u", "ö", "ü")


def _rows(text: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for line in text.strip().splitlines():
        onset, *cells = line.split()
        for vowel, cell in zip(_VOWELS, cells, strict=True):
            out[("" if onset == "-" else onset) + vowel] = tuple(cell.split("/"))
    return out


_ZH_OPEN = _rows(_ZH_ROWS)
_ZH_CLOSED = {key + "n": value for key, value in _rows(_ZH_N_ROWS).items()}


def _zh_core(tokens: list[str]) -> list[tuple[str, ...]]:
    """Syllable slots for a token list; each slot lists its variant characters."""
    slots: list[tuple[str, ...]] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        onset = ""
        if t not in _ULY_VOWELS:
            if i + 1 < n and tokens[i + 1] in _ULY_VOWELS:
                onset = t
                i += 1
            else:
                slots.append(_ZH_LONE.get(t, ("",)))
                i += 1
                continue
        vowel = tokens[i]
        i += 1
        nxt = tokens[i] if i < n else ""
        after = tokens[i + 1] if i + 1 < n else ""
        if nxt in ("n", "ng") and (after == "" or after not in _ULY_VOWELS):
            slots.append(_ZH_CLOSED.get(onset + vowel + "n", ("恩",)))
            i += 1
            continue
        if nxt == "y" and (after == "" or after not in _ULY_VOWELS):
            key = (onset or "-") + vowel.replace("é", "e") + "y"
            if key in _ZH_Y:
                slots.append((_ZH_Y[key],))
                i += 1
                continue
        if onset == "r" and slots and onset + vowel in _ZH_R_MEDIAL:
            slots.append(_ZH_R_MEDIAL[onset + vowel])
            continue
        slots.append(_ZH_OPEN.get(onset + vowel, ("",)))
    return [s for s in slots if s != ("",)]


def _zh_slots(pivot: str) -> list[tuple[str, ...]]:
    word = pivot.lower()
    head: list[tuple[str, ...]] = []
    tail: list[tuple[str, ...]] = []
    for prefix, chars in _ZH_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            head.append(chars)
            word = word[len(prefix) :]
            break
    else:
        # Initial ay before a consonant: Aynur -> 阿依努尔, Ayshem -> 阿依夏木.
        if word[:2] in ("ay", "ey") and word[2:3] and word[2] not in _ULY_VOWELS:
            head.append(("阿依", "艾"))
            word = word[2:]
    for suffix, chars in _ZH_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            tail.insert(0, chars)
            word = word[: -len(suffix)]
            break
    return head + _zh_core(_uly_tokens(word)) + tail


@functools.lru_cache(maxsize=4096)
def _pinyin(char: str) -> str:
    return _PINYIN_OF.get(char) or lazy_pinyin(char)[0]


def zh_variants(pivot: str, female: bool, attested: str = "", count: int = 4) -> tuple[str, ...]:
    """Up to ``count`` Chinese spellings, the usual one first; ``attested`` leads if given.

    Variants are drawn with a generator seeded by the name itself, so they are the same
    in every run and every process.
    """
    slots = _zh_slots(pivot)
    first = "".join(s[0] for s in slots)
    if female:
        first = "".join(_ZH_FEMININE.get(c, c) for c in first)
    out = [attested] if attested else []
    out.append(first)
    rng = random.Random(f"zh:{pivot}")
    for _ in range(count * 3):
        if len(dict.fromkeys(out)) >= count:
            break
        out.append("".join(rng.choice(s) if rng.random() < 0.35 else s[0] for s in slots))
    return tuple(dict.fromkeys(o for o in out if o))[:count]


def pinyin_of(chars: str) -> str:
    return "".join(_pinyin(c) for c in chars)


# Characters a clerk or a typist swaps for one that sounds the same.
HOMOPHONES: dict[str, tuple[str, ...]] = {}
for _table_rows in (_ZH_OPEN, _ZH_CLOSED, _ZH_LONE):
    for _variants in _table_rows.values():
        for _c in _variants:
            HOMOPHONES.setdefault(_c, ())
            HOMOPHONES[_c] = tuple(
                dict.fromkeys(HOMOPHONES[_c] + tuple(v for v in _variants if v != _c))
            )
for _plain, _fem in _ZH_FEMININE.items():
    HOMOPHONES[_plain] = (*HOMOPHONES.get(_plain, ()), _fem)
    HOMOPHONES[_fem] = (*HOMOPHONES.get(_fem, ()), _plain)


def turkic_zh(forms: dict[str, tuple[str, ...]], female: bool, attested: str) -> None:
    """Add zh-Hans and zh-Latn (pinyin of the characters) to a Turkic name's forms."""
    hans = zh_variants(forms["pivot"][0], female, attested)
    forms["zh-Hans"] = hans
    forms["zh-Latn"] = tuple(dict.fromkeys(pinyin_of(h) for h in hans))


# --- Hui names: pinyin -> Palladius Cyrillic and -> the pivot ---------------------

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h",
             "j", "q", "x", "r", "z", "c", "s", "y", "w")  # fmt: skip
_PALLADIUS_INITIAL = _table(
    "b=б p=п m=м f=ф d=д t=т n=н l=л g=г k=к h=х j=цз q=ц x=с zh=чж ch=ч sh=ш r=ж z=цз c=ц s=с"
)
_PALLADIUS_FINAL = _table(
    "a=а o=о e=э i=и ai=ай ei=эй ao=ао ou=оу an=ань en=энь ang=ан eng=эн ong=ун "
    "er=эр ia=я ie=е iao=яо iu=ю ian=янь in=инь iang=ян ing=ин iong=юн u=у ua=уа "
    "uo=о uai=уай ui=уй uan=уань un=унь uang=уан v=юй ve=юэ van=юань vn=юнь"
)
_PALLADIUS_WHOLE = _table(
    "yi=и ya=я ye=е yao=яо you=ю yan=янь yin=инь yang=ян ying=ин yong=юн yu=юй "
    "yue=юэ yuan=юань yun=юнь wu=у wa=ва wo=во wai=вай wei=вэй wan=вань wen=вэнь "
    "wang=ван weng=вэн hui=хуэй zi=цзы ci=цы si=сы"
)
_PIVOT_INITIAL = _table(
    "b=b p=p m=m f=f d=d t=t n=n l=l g=g k=k h=x j=j q=ch x=sh zh=j ch=ch sh=sh r=r z=z c=s s=s"
)
_PIVOT_FINAL = _table(
    "a=a o=o e=é i=i ai=ay ei=éy ao=aw ou=ow an=an en=én ang=ang eng=éng ong=ung "
    "er=ér ia=ya ie=yé iao=yaw iu=yu ian=yen in=in iang=yang ing=ing iong=yung u=u "
    "ua=wa uo=o uai=way ui=uy uan=wan un=un uang=wang v=ü ve=üé van=üen vn=ün"
)
_PIVOT_WHOLE = _table(
    "yi=yi ya=ya ye=yé yao=yaw you=yo yan=yen yin=yin yang=yang ying=ying yong=yung "
    "yu=yü yue=yüé yuan=yüen yun=yün wu=wu wa=wa wo=wo wai=way wei=wéy wan=wan "
    "wen=wén wang=wang weng=wéng"
)


def _split_pinyin(syllable: str) -> tuple[str, str]:
    for initial in _INITIALS:
        if syllable.startswith(initial) and initial not in ("y", "w"):
            final = syllable[len(initial) :]
            if initial in ("j", "q", "x") and final.startswith("u"):
                final = "v" + final[1:]
            return initial, final
    return "", syllable


def palladius(syllable: str) -> str:
    if syllable in _PALLADIUS_WHOLE:
        return _PALLADIUS_WHOLE[syllable]
    initial, final = _split_pinyin(syllable)
    return _PALLADIUS_INITIAL.get(initial, "") + _PALLADIUS_FINAL.get(final, final)


def pinyin_pivot(syllable: str) -> str:
    if syllable in _PIVOT_WHOLE:
        return _PIVOT_WHOLE[syllable]
    initial, final = _split_pinyin(syllable)
    return _PIVOT_INITIAL.get(initial, "") + _PIVOT_FINAL.get(final, final)


def hui_forms(chars: str, syllables: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every spelling of one Hui name part (a surname or a given name)."""
    joined = "".join(syllables)
    cyr = "".join(palladius(s) for s in syllables)
    pivot = ""
    for s in syllables:
        part = pinyin_pivot(s)
        # Uyghur Latin separates n from a following g or vowel with an apostrophe.
        if pivot.endswith("n") and part[:1] in ("g", *_ULY_VOWELS):
            pivot += "'"
        pivot += part
    latin = tuple(dict.fromkeys((joined, " ".join(syllables), "-".join(syllables))))
    return {
        "zh-Hans": (chars,),
        "zh-Latn": (joined,),
        "en-Latn": latin,
        "ru-Latn": (joined,),
        "ug-Latn": (pivot,),
        "kk-Latn-2017": (joined,),
        "kk-Latn-2018": (joined,),
        "kk-Latn-2021": (joined,),
        "ru-Cyrl": (cyr,),
        "kk-Cyrl": (cyr,),
        "ky-Cyrl": (cyr,),
        "ug-Cyrl": (_uly_to_ug_cyrl(pivot),),
        "pivot": (pivot,),
        "ug-Arab": (uly_to_arabic(pivot),),
        "kk-Arab": (_kk_arab(_uly_to_kk_cyrl(pivot)),),
    }


# --- Patronymics and surnames with suffixes ------------------------------------------


def patronymic(father: dict[str, tuple[str, ...]], conv: str, female: bool) -> str:
    """The patronymic from the father's name as ``conv`` writes it (lower case)."""
    if conv in ("kk-Cyrl", "kk-Arab"):
        base = father["kk-Cyrl"][0]
        word = base + ("қызы" if female else "ұлы")
        return _kk_arab(word) if conv == "kk-Arab" else word
    if conv == "ru-Cyrl":
        base = father["ru-Cyrl"][0].rstrip("ь")
        soft = base[-1:] in "йиеёюяжшчщц"
        if base[-1:] in "аеиоуыэюя":
            base = base[:-1]
        return base + (("евна" if soft else "овна") if female else ("евич" if soft else "ович"))
    if conv == "ky-Cyrl":
        return father["ky-Cyrl"][0] + (" кызы" if female else " уулу")
    if conv in ("kk-Latn-2017", "kk-Latn-2018", "kk-Latn-2021"):
        base = father[conv][0]
        if female:
            return base + "qyzy"
        return base + ("ūly" if conv == "kk-Latn-2021" else "uly")
    if conv in ("ru-Latn", "en-Latn"):
        base = father[conv][0]
        if conv == "ru-Latn":
            soft = base[-1:] in "iy"
            if base[-1:] in "aeiouy":
                base = base[:-1]
            return base + (
                ("evna" if soft else "ovna") if female else ("evich" if soft else "ovich")
            )
        return base + ("kyzy" if female else "uly")
    if conv in ("ug-Latn",):
        return father[conv][0] + (" qizi" if female else " oghli")
    return ""


def uly_surname(father: dict[str, tuple[str, ...]], conv: str, female: bool) -> str:
    """A family name of the form "son/daughter of the father", written as one word."""
    if conv in ("kk-Cyrl", "kk-Arab", "kk-Latn-2017", "kk-Latn-2018", "kk-Latn-2021", "ky-Cyrl"):
        if conv == "ky-Cyrl":
            return father[conv][0] + (" кызы" if female else " уулу")
        return patronymic(father, conv, female)
    if conv == "ru-Cyrl":
        return father[conv][0].rstrip("ь") + ("кызы" if female else "улы")
    if conv in ("ru-Latn", "en-Latn"):
        return father[conv][0] + ("kyzy" if female else "uly")
    return ""


def surname_with_suffix(father: dict[str, tuple[str, ...]], conv: str, female: bool) -> str:
    """A Kazakhstan-style family name made from the father's name: -ов/-ева, -ov/-eva.

    As in Russian: -ев after a vowel, й or a hushing consonant (Абай -> Абаев,
    Абдулла -> Абдуллаев), -ов otherwise (Серікжан -> Серікжанов)."""
    if conv in ("kk-Cyrl", "ru-Cyrl", "ky-Cyrl"):
        base = father[conv][0].rstrip("ь")
        if base.endswith("й"):
            base, soft = base[:-1], True
        else:
            soft = base[-1:] in "аеиоуыэюяәіұүөжшчщц"
        return base + ("ев" if soft else "ов") + ("а" if female else "")
    if conv in _KK_LATIN:
        return _map(surname_with_suffix(father, "kk-Cyrl", female), _KK_LATIN[conv])
    if conv in ("ru-Latn", "en-Latn"):
        base = father[conv][0]
        if base[-1:] in ("y", "i") and base[-2:-1] in tuple("aeou"):
            base = base[:-1]
            suffix = "yev"
        elif base[-1:] in tuple("aeiouyáúóäöüū") or base[-1:] == "\u0301":
            suffix = "yev"
        elif base.endswith(("zh", "sh", "ch", "j", "ş", "ç")):
            suffix = "ev"
        else:
            suffix = "ov"
        return base + suffix + ("a" if female else "")
    return father[conv][0]


# --- Typing mistakes ---------------------------------------------------------------

_CONFUSABLE = {
    "Cyrl": _table(
        "ә=а а=ә і=и и=і ұ=у у=ұ ү=у қ=к к=қ ғ=г г=ғ ң=н н=ң ө=о о=ө ы=и е=э э=е "
        "ш=щ с=з з=с й=и л=п т=г"
    ),
    "Latn": _table("a=e e=a i=y y=i k=q q=k s=z z=s o=u u=o n=m m=n l=i t=d d=t g=q j=y h=kh r=l"),
    "Arab": _table("ى=ې ې=ى ە=ا ا=ە ۇ=ۈ ۈ=ۇ ۆ=ۇ ك=ق ق=ك س=ش ش=س غ=ق ج=چ چ=ج ي=ى ز=ژ ت=ن ن=ت"),
}


def typo(text: str, script: str, rng: random.Random) -> str:
    """One typing or copying mistake: a confused letter, a lost one, two swapped."""
    if len(text) < 3:
        return text
    if script == "Hans":
        i = rng.randrange(len(text))
        alternatives = HOMOPHONES.get(text[i], ())
        if alternatives and rng.random() < 0.8:
            return text[:i] + rng.choice(alternatives) + text[i + 1 :]
        if text[i] == "·":
            return text
        return text[:i] + text[i + 1 :]
    i = rng.randrange(1, len(text))
    if text[i] == " " or text[i - 1] == " ":
        return text
    kind = rng.random()
    if kind < 0.45:
        swap = _CONFUSABLE.get(script, {}).get(text[i].lower())
        if swap is None:
            return text[:i] + text[i + 1 :]
        return text[:i] + swap + text[i + 1 :]
    if kind < 0.7:
        return text[:i] + text[i + 1 :]
    if kind < 0.9:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]

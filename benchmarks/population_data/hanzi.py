"""Chinese characters for Turkic names, and the spellings of Hui (Chinese) names.

Part of the test-population generator (see ``scripts.py`` and ``SOURCES.md``); written
independently of the matcher's tables in ``src/amanat/names/``.
"""

from __future__ import annotations

import functools
import random

from pypinyin import lazy_pinyin

from population_data import scripts as sc

__all__ = [
    "HOMOPHONES",
    "hui_forms",
    "palladius",
    "pinyin_of",
    "pinyin_pivot",
    "turkic_zh",
    "zh_variants",
]

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
_ZH_Y = sc.letter_table(
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
        if t not in sc.ULY_VOWELS:
            if i + 1 < n and tokens[i + 1] in sc.ULY_VOWELS:
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
        if nxt in ("n", "ng") and (after == "" or after not in sc.ULY_VOWELS):
            slots.append(_ZH_CLOSED.get(onset + vowel + "n", ("恩",)))
            i += 1
            continue
        if nxt == "y" and (after == "" or after not in sc.ULY_VOWELS):
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
        if word[:2] in ("ay", "ey") and word[2:3] and word[2] not in sc.ULY_VOWELS:
            head.append(("阿依", "艾"))
            word = word[2:]
    for suffix, endings in _ZH_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            tail.insert(0, endings)
            word = word[: -len(suffix)]
            break
    return head + _zh_core(sc.uly_tokens(word)) + tail


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
    # Not deduplicated: the n-th pinyin is the reading of the n-th character form.
    forms["zh-Latn"] = tuple(pinyin_of(h) for h in hans)


# --- Hui names: pinyin -> Palladius Cyrillic and -> the pivot ---------------------

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h",
             "j", "q", "x", "r", "z", "c", "s", "y", "w")  # fmt: skip
_PALLADIUS_INITIAL = sc.letter_table(
    "b=б p=п m=м f=ф d=д t=т n=н l=л g=г k=к h=х j=цз q=ц x=с zh=чж ch=ч sh=ш r=ж z=цз c=ц s=с"
)
_PALLADIUS_FINAL = sc.letter_table(
    "a=а o=о e=э i=и ai=ай ei=эй ao=ао ou=оу an=ань en=энь ang=ан eng=эн ong=ун "
    "er=эр ia=я ie=е iao=яо iu=ю ian=янь in=инь iang=ян ing=ин iong=юн u=у ua=уа "
    "uo=о uai=уай ui=уй uan=уань un=унь uang=уан v=юй ve=юэ van=юань vn=юнь"
)
_PALLADIUS_WHOLE = sc.letter_table(
    "yi=и ya=я ye=е yao=яо you=ю yan=янь yin=инь yang=ян ying=ин yong=юн yu=юй "
    "yue=юэ yuan=юань yun=юнь wu=у wa=ва wo=во wai=вай wei=вэй wan=вань wen=вэнь "
    "wang=ван weng=вэн hui=хуэй zi=цзы ci=цы si=сы"
)
_PIVOT_INITIAL = sc.letter_table(
    "b=b p=p m=m f=f d=d t=t n=n l=l g=g k=k h=x j=j q=ch x=sh zh=j ch=ch sh=sh r=r z=z c=s s=s"
)
_PIVOT_FINAL = sc.letter_table(
    "a=a o=o e=é i=i ai=ay ei=éy ao=aw ou=ow an=an en=én ang=ang eng=éng ong=ung "
    "er=ér ia=ya ie=yé iao=yaw iu=yu ian=yen in=in iang=yang ing=ing iong=yung u=u "
    "ua=wa uo=o uai=way ui=uy uan=wan un=un uang=wang v=ü ve=üé van=üen vn=ün"
)
_PIVOT_WHOLE = sc.letter_table(
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
        if pivot.endswith("n") and part[:1] in ("g", *sc.ULY_VOWELS):
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
        "ug-Cyrl": (sc.uly_to_ug_cyrl(pivot),),
        "pivot": (pivot,),
        "ug-Arab": (sc.uly_to_arabic(pivot),),
        "kk-Arab": (sc.kk_arab(sc.uly_to_kk_cyrl(pivot)),),
    }

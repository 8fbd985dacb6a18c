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

__all__ = [
    "CONVENTIONS",
    "SCRIPT_OF",
    "capitalize",
    "kk_forms",
    "ky_forms",
    "patronymic",
    "surname_with_suffix",
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


def letter_table(text: str) -> dict[str, str]:
    """'а=a ә=a' -> {'а': 'a', 'ә': 'a'}; '_' stands for the empty string."""
    out = {}
    for pair in text.split():
        key, value = pair.split("=", 1)
        out[key] = "" if value == "_" else value
    return out


# Kazakh Cyrillic -> Russian-style Cyrillic: the nine Kazakh letters lose their marks.
KK_RU = letter_table("ә=а ғ=г қ=к ң=н ө=о ұ=у ү=у һ=х і=и")
# Kazakh Cyrillic -> Kyrgyz Cyrillic (a Kyrgyz clerk writing a Kazakh name).
_KK_KY = letter_table("ә=а ғ=г қ=к ұ=у і=и һ=х")
# Russian-passport (ICAO-like) Latin, as Kazakhstan's documents wrote names before 2018.
_KK_RU_LATN = letter_table(
    "а=a ә=a б=b в=v г=g ғ=g д=d е=e ё=yo ж=zh з=z и=i й=i к=k қ=k л=l м=m н=n ң=n "
    "о=o ө=o п=p р=r с=s т=t у=u ұ=u ү=u ф=f х=kh һ=h ц=ts ч=ch ш=sh щ=shch ъ=_ "
    "ы=y і=i ь=_ э=e ю=yu я=ya"
)
# Decree No. 569 of 26 October 2017: one Latin letter or letter + apostrophe per sound.
_KK_2017 = letter_table(
    "а=a ә=a' б=b в=v г=g ғ=g' д=d е=e ё=io ж=j з=z и=i' й=i' к=k қ=q л=l м=m н=n "
    "ң=n' о=o ө=o' п=p р=r с=s т=t у=y' ұ=u ү=u' ф=f х=h һ=h ц=ts ч=c' ш=s' щ=s's' "
    "ъ=_ ы=y і=i ь=_ э=e ю=iy' я=ia"
)
# Decree No. 637 of 19 February 2018: acute accents, and the digraphs sh and ch.
# И and Й are a dotless i with an acute (ı́, two code points); many typists use í.
_KK_2018 = letter_table(
    "а=a ә=á б=b в=v г=g ғ=ǵ д=d е=e ё=ıo ж=j з=z и=ı́ й=ı́ к=k қ=q л=l м=m н=n ң=ń "
    "о=o ө=ó п=p р=r с=s т=t у=ý ұ=u ү=ú ф=f х=h һ=h ц=ts ч=ch ш=sh щ=sh ъ=_ ы=y "
    "і=i ь=_ э=e ю=ıý я=ıa"
)
# The revision presented on 28 January 2021: closer to the common Turkic alphabet.
_KK_2021 = letter_table(
    "а=a ә=ä б=b в=v г=g ғ=ğ д=d е=e ё=io ж=j з=z и=i й=i к=k қ=q л=l м=m н=n ң=ñ "
    "о=o ө=ö п=p р=r с=s т=t у=u ұ=ū ү=ü ф=f х=h һ=h ц=ts ч=ç ш=ş щ=şş ъ=_ ы=y "
    "і=ı ь=_ э=e ю=iu я=ia"
)
# Kazakh Arabic script as printed in Xinjiang. Front-vowel letters share their shape
# with the back ones; a word whose frontness no other letter shows (е, к, г, э) gets
# one high hamza at its start.
_KK_ARAB = letter_table(
    "а=ا ә=ا б=ب в=ۆ г=گ ғ=ع д=د е=ە ё=يو ж=ج з=ز и=ي й=ي к=ك қ=ق л=ل м=م н=ن ң=ڭ "
    "о=و ө=و п=پ р=ر с=س т=ت у=ۋ ұ=ۇ ү=ۇ ф=ف х=ح һ=ھ ц=تس ч=چ ш=ش щ=ش ъ=_ ы=ى "
    "і=ى ь=_ э=ە ю=يۋ я=يا"
)
_HAMZA = "\u0674"
# Kazakh Cyrillic -> the pivot (close to Uyghur Latin), from which Chinese characters
# and Uyghur Arabic script are made.
_KK_PIVOT = letter_table(
    "а=a ә=e б=b в=w г=g ғ=gh д=d е=é ё=yo ж=j з=z и=i й=y к=k қ=q л=l м=m н=n ң=ng "
    "о=o ө=ö п=p р=r с=s т=t у=u ұ=u ү=ü ф=f х=x һ=h ц=s ч=ch ш=sh щ=sh ъ=_ ы=i "
    "і=i ь=_ э=e ю=yu я=ya"
)


_KK_LATIN = {"kk-Latn-2017": _KK_2017, "kk-Latn-2018": _KK_2018, "kk-Latn-2021": _KK_2021}


def transliterate(word: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in word)


# Words of a patronymic that stay in lower case: "Асан уулу", "Исак кызы".
_PARTICLES = frozenset(("уулу", "кызы", "oghli", "qizi"))


@functools.lru_cache(maxsize=1 << 16)
def capitalize(text: str, conv: str = "") -> str:
    """Upper-case the first letter of each word, with the Kazakh Latin dotted capitals."""
    words = []
    for word in text.split(" "):
        if not word or word in _PARTICLES:
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
    out = transliterate(word, KK_RU)
    # A Russian clerk softens a final л after front vowels: Әділ -> Адиль, Әсел -> Асель.
    if out.endswith("л") and _KK_FRONT & set(word):
        out += "ь"
    return out


def _kk_latn(word: str, table: dict[str, str]) -> str:
    return transliterate(word, table)


def _kk_pivot(word: str) -> str:
    out = []
    for i, ch in enumerate(word):
        # у after a vowel is the glide w (Бауыржан -> bawirjan), otherwise the vowel u.
        if ch == "у" and i and word[i - 1] in _KK_VOWELS:
            out.append("w")
        else:
            out.append(_KK_PIVOT.get(ch, ch))
    return "".join(out)


def kk_arab(word: str) -> str:
    body = transliterate(word, _KK_ARAB)
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
        body = transliterate(word, table)
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
        "ky-Cyrl": (transliterate(w, _KK_KY),),
        "ru-Latn": tuple(dict.fromkeys((ru_latn, ru_latn_ye))),
        "en-Latn": _en_latn_variants(w),
        "kk-Latn-2017": (_kk_latn(w, _KK_2017),),
        "kk-Latn-2018": tuple(
            dict.fromkeys((_kk_latn(w, _KK_2018), _kk_latn(w, _KK_2018).replace("ı\u0301", "í")))
        ),
        "kk-Latn-2021": (_kk_latn(w, _KK_2021),),
        "kk-Arab": (kk_arab(w),),
        "pivot": (pivot,),
        "ug-Latn": (pivot,),
        "ug-Arab": (uly_to_arabic(pivot),),
        "ug-Cyrl": (uly_to_ug_cyrl(pivot),),
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
    return transliterate(word.replace("уу", "у"), table)


_KY_RU = letter_table("ң=н ө=о ү=у")
_KY_LATN = letter_table(
    "а=a б=b в=v г=g д=d е=e ё=yo ж=zh з=z и=i й=i к=k л=l м=m н=n ң=ng о=o ө=o п=p "
    "р=r с=s т=t у=u ү=u ф=f х=kh ц=ts ч=ch ш=sh щ=sch ъ=_ ы=y ь=_ э=e ю=yu я=ya"
)


def ky_forms(word: str) -> dict[str, tuple[str, ...]]:
    """Every spelling of a Kyrgyz Cyrillic name (lower case)."""
    w = word.lower()
    kk = _ky_to_kk(w)
    latn = transliterate(w, _KY_LATN)
    en = transliterate(w, {**_KY_LATN, "ж": "j", "ү": "ü", "ө": "ö", "ы": "i"})
    pivot = _ky_pivot(w)
    forms = kk_forms(kk)
    forms.update(
        {
            "ky-Cyrl": (w,),
            "ru-Cyrl": (transliterate(w, _KY_RU),),
            "ru-Latn": (latn,),
            "en-Latn": tuple(dict.fromkeys((latn, en, latn.replace("ng", "n")))),
            "pivot": (pivot,),
            "ug-Latn": (pivot,),
            "ug-Arab": (uly_to_arabic(pivot),),
            "ug-Cyrl": (uly_to_ug_cyrl(pivot),),
        }
    )
    return forms


# --- Uyghur ---------------------------------------------------------------------------

_ULY_DIGRAPHS = ("sh", "ch", "gh", "zh", "ng")
ULY_VOWELS = set("aeéiouöü")


def uly_tokens(word: str) -> list[str]:
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


_UEY = letter_table(
    "a=ا e=ە é=ې i=ى o=و u=ۇ ö=ۆ ü=ۈ b=ب p=پ t=ت j=ج ch=چ x=خ d=د r=ر z=ز zh=ژ "
    "s=س sh=ش gh=غ f=ف q=ق k=ك g=گ ng=ڭ l=ل m=م n=ن h=ھ w=ۋ v=ۋ y=ي"
)


def uly_to_arabic(word: str) -> str:
    """Uyghur Latin -> Uyghur Arabic script; a vowel that starts a syllable takes ئ."""
    out = []
    previous_vowel = True  # the start of the word counts as a syllable start
    for token in uly_tokens(word.lower()):
        vowel = token in ULY_VOWELS
        if vowel and previous_vowel:
            out.append("ئ")
        out.append(_UEY.get(token, ""))
        previous_vowel = vowel
    return "".join(out)


_UG_CYRL = letter_table(
    "a=а e=ә é=е i=и o=о u=у ö=ө ü=ү b=б p=п t=т j=җ ch=ч x=х d=д r=р z=з zh=ж "
    "s=с sh=ш gh=ғ f=ф q=қ k=к g=г ng=ң l=л m=м n=н h=һ w=в v=в y=й"
)


def uly_to_ug_cyrl(word: str) -> str:
    out = "".join(_UG_CYRL.get(t, t) for t in uly_tokens(word.lower()))
    return out.replace("йа", "я").replace("йу", "ю")


_UG_RU = letter_table("ә=а ө=о ү=у җ=дж ғ=г қ=к ң=н һ=х")


def _uly_to_ru_cyrl(word: str) -> str:
    out = transliterate(uly_to_ug_cyrl(word), _UG_RU)
    out = out.replace("йу", "ю").replace("йа", "я")
    # Russian writers soften l before a consonant after i: Ilham -> Ильхам.
    for cons in "хмтдкс":
        out = out.replace("ил" + cons, "иль" + cons)
    return out


_UG_KK = letter_table(
    "a=а e=ә é=е o=о u=ұ ö=ө ü=ү b=б p=п t=т j=ж ch=ч x=х d=д r=р z=з zh=ж s=с sh=ш "
    "gh=ғ f=ф q=қ k=к g=г ng=ң l=л m=м n=н h=һ w=у v=в y=й"
)


def uly_to_kk_cyrl(word: str) -> str:
    tokens = uly_tokens(word.lower())
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
    kk = uly_to_kk_cyrl(w)
    forms = kk_forms(kk)
    forms.update(
        {
            "pivot": (w,),
            "ug-Latn": (w, w.replace("é", "ë")),
            "ug-Arab": (uly_to_arabic(w),),
            "ug-Cyrl": (uly_to_ug_cyrl(w),),
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


# --- Patronymics and surnames with suffixes ------------------------------------------


def patronymic(father: dict[str, tuple[str, ...]], conv: str, female: bool) -> str:
    """The patronymic from the father's name as ``conv`` writes it (lower case)."""
    if conv in ("kk-Cyrl", "kk-Arab"):
        base = father["kk-Cyrl"][0]
        word = base + ("қызы" if female else "ұлы")
        return kk_arab(word) if conv == "kk-Arab" else word
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
        return transliterate(surname_with_suffix(father, "kk-Cyrl", female), _KK_LATIN[conv])
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

"""Names across scripts: analysis, comparison keys, query keys and similarity.

``analyse`` splits a name into words, reads each word in its own script into canonical
ASCII Latin (several readings where the script is ambiguous: Chinese characters, Arabic
letters shared by Uyghur and Kazakh), joins a patronymic written apart (Nurlan uly),
and gives each word a role. ``name_keys`` turns the readings into the keys the views
store and linkage blocks on; ``query_keys`` does the same for a search box entry;
``name_similarity`` compares two names. All are pure and cached.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from amanat.names.chinese import (
    SURNAME_PINYIN,
    han_pinyin,
    han_split_points,
    han_word_readings,
    looks_like_han_name,
    may_be_hui_name,
)
from amanat.names.palladius import palladius_name
from amanat.names.phonetic import phonetic_key, silent_variants
from amanat.names.pinyin import han_pinyin_name, pinyin_readings
from amanat.names.scripts import clean, detect_script, fold_lookalikes, split_words
from amanat.names.tables import read_table
from amanat.names.transliterate import (
    arabic_language,
    cyrillic_language,
    cyrillic_word,
    kazakh_arabic_word,
    latin_alphabet,
    latin_language,
    latin_word,
    tidy,
    uyghur_arabic_word,
    uyghur_latin_reading,
)
from amanat.names.uyghur_chinese import uyghur_chinese_name

__all__ = [
    "KINDS",
    "MAX_FORMS",
    "NameAnalysis",
    "NameKey",
    "NameToken",
    "analyse",
    "is_label",
    "name_keys",
    "name_similarity",
    "query_keys",
]

MAX_FORMS = 8
MAX_WORDS = 16  # a longer "name" is text pasted by mistake; the rest is not read
MAX_WORD = 64  # characters read of one word
KINDS = ("full", "sorted", "core", "token", "phonetic", "ptoken", "pcore")
ROLES = ("given", "surname", "patronymic", "particle", "unknown")


@dataclass(frozen=True, slots=True)
class NameToken:
    """One word of a name: as written, in canonical Latin, its role, its phonetic key."""

    text: str
    latin: str
    role: str
    phonetic: str


@dataclass(frozen=True, slots=True)
class NameAnalysis:
    """A name read: its script, a language guess, its words, and its Latin forms."""

    text: str
    script: str
    language_guess: str | None
    tokens: tuple[NameToken, ...]
    forms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NameKey:
    """A comparison key: ``kind`` (one of KINDS) and the key itself."""

    kind: str
    key: str


# ---- affixes ----------------------------------------------------------------------------------

_SON: dict[str, str] = {}
_DAUGHTER: dict[str, str] = {}
_WORDS: dict[str, str] = {}  # a patronymic word written apart -> the suffix to attach
_SURNAME: list[str] = []
_PARTICLES: set[str] = set()
_CONNECTIVES: set[str] = set()  # particles only where a word follows (bin, al)
_HEADS: set[str] = set()  # first parts of compound names written apart (Abdul Rahim)
_HONORIFICS: list[str] = []
_ROOTED: set[str] = set()  # endings whose word also gives a root (affixes.tsv, column root)
for _row in read_table("affixes.tsv"):
    kind, form, to = _row["kind"], _row["form"], _row["to"]
    if _row["root"] == "yes":
        _ROOTED.add(form)
    if kind in ("son", "daughter"):
        (_SON if kind == "son" else _DAUGHTER)[form] = to
        _WORDS[form] = to
    elif kind in ("son-word", "daughter-word"):
        _WORDS[form] = to
    elif kind == "surname":
        _SURNAME.append(form)
    elif kind in ("particle", "connective"):
        _PARTICLES.add(form)
        if kind == "connective":
            _CONNECTIVES.add(form)
    elif kind == "honorific":
        _HONORIFICS.append(form)
    elif kind == "head":
        _HEADS.add(form)
_ATTACHED = {**_SON, **_DAUGHTER}
_PATRONYMIC_RE = re.compile(
    "^(?P<stem>[a-z]{3,}?)(?P<suffix>" + "|".join(sorted(_ATTACHED, key=len, reverse=True)) + ")$"
)
_SURNAME_RE = re.compile(
    "^(?P<stem>[a-z]{3,}?)(?P<suffix>" + "|".join(sorted(_SURNAME, key=len, reverse=True)) + ")$"
)
_HONORIFIC_RE = re.compile(
    "^(?P<stem>[a-z]{3,}?)(" + "|".join(sorted(_HONORIFICS, key=len, reverse=True)) + ")$"
)
_SON_SUFFIXES = frozenset(_SON.values())


@dataclass(frozen=True, eq=False, slots=True)
class _Word:
    """One word read one way, with its keys precomputed. Instances are shared through
    ``_word``'s cache and compared by identity."""

    text: str
    latin: str
    role: str  # the role the word has on its own: patronymic, particle, surname or ""
    phonetic: str
    stem: str  # for the core key: the word without an honorific suffix
    in_core: bool
    core_phonetic: str
    token_key: NameKey | None = None
    ptoken_key: NameKey | None = None
    root: str = ""  # a patronymic's or surname's root (_root), "" when none


# An i before a vowel is written i, ii or iy (passports write Я as IA: Aliia, Aliya,
# Alia for Алия; Diyas, Dias for Диас; Aian for Аян): the token key spells it one way,
# so a search for one word finds the others (the phonetic key already reads them alike,
# but a one-word sound key of two symbols is too common to search on).
_I_BEFORE_VOWEL = re.compile("(?<=[aeou])i(?=[aeou])|(?<![aeou])i[iy]?(?=[aeou])")


def _token_spelling(latin: str) -> str:
    """``latin`` with an i before a vowel spelled one way (aliia, alia → aliya; iakub →
    yakub)."""
    if "i" not in latin:
        return latin

    def spelled(match: re.Match[str]) -> str:
        start = match.start()
        return "y" if start == 0 or latin[start - 1] in "aeou" else "iy"

    return _I_BEFORE_VOWEL.sub(spelled, latin)


def _new_word(
    text: str, latin: str, role: str, phonetic: str, stem: str, in_core: bool, core: str
) -> _Word:
    token = NameKey("token", _token_spelling(latin)) if len(latin) >= 2 else None
    ptoken = NameKey("ptoken", phonetic) if role != "particle" and len(phonetic) >= 2 else None
    root = (_root(latin) or "") if role in ("patronymic", "surname") else ""
    return _Word(text, latin, role, phonetic, stem, in_core, core, token, ptoken, root)


@functools.lru_cache(maxsize=1 << 17)
def _patronymic(latin: str) -> tuple[str, str] | None:
    """(normalised word, phonetic key) when ``latin`` is a patronymic, else None."""
    match = _PATRONYMIC_RE.match(latin)
    if match is None:
        return None
    stem, suffix = match.group("stem"), _ATTACHED[match.group("suffix")]
    mark = "s" if suffix in _SON_SUFFIXES else "d"
    return stem + suffix, f"{phonetic_key(stem)}-{mark}"


@functools.lru_cache(maxsize=1 << 17)
def _word(text: str, latin: str) -> _Word:
    """The role a word has on its own (patronymic, particle, surname) and its keys."""
    patronymic = _patronymic(latin)
    if patronymic is not None:
        word, phonetic = patronymic
        return _new_word(text, word, "patronymic", phonetic, word, False, "")
    if latin in _PARTICLES:
        return _new_word(text, latin, "particle", phonetic_key(latin), latin, False, "")
    surname = _SURNAME_RE.match(latin)
    if surname is not None:
        # a Russian-style surname sounds like its stem: Omarov = Omarova = Omar, and
        # Serikbaev = Serikbay, the bare form Kazakhs now often write
        phonetic = phonetic_key(surname.group("stem"))
        return _new_word(text, latin, "surname", phonetic, latin, True, phonetic)
    honorific = _HONORIFIC_RE.match(latin)
    stem = honorific.group("stem") if honorific else latin
    return _new_word(text, latin, "", phonetic_key(latin), stem, True, phonetic_key(stem))


@functools.lru_cache(maxsize=1 << 17)
def _root(latin: str) -> str | None:
    """The father's name inside a patronymic or Russian-style surname (Erjanov, Erjanuly →
    erjan; Khamitova, Khamitkyzy → khamit; Serikbaev → serikbay; Sergeevich → sergey), or
    None when the word has no such ending on a root of three letters or more."""
    match = _PATRONYMIC_RE.match(latin) or _SURNAME_RE.match(latin)
    if match is None or match.group("suffix") not in _ROOTED:
        return None
    stem, suffix = match.group("stem"), match.group("suffix")
    if suffix.startswith("ie"):  # Valievich → vali
        return stem + "i"
    if stem.endswith("i"):  # Aliyev, Aliev → ali
        return stem
    if suffix.startswith("y") or (suffix.startswith("e") and stem[-1] in "aeou"):
        return stem + "y"  # Serikbaev, Serikbayev → serikbay; Nikolaevich → nikolay
    return stem


def _rooted(form: tuple[_Word, ...]) -> tuple[_Word, ...] | None:
    """``form`` with each patronymic and Russian-style surname reduced to its root, or None
    when nothing changes or the name has fewer than two words besides particles."""
    if not any(w.root for w in form) or sum(1 for w in form if w.role != "particle") < 2:
        return None
    return tuple(_word(w.text, w.root) if w.root else w for w in form)


def _connected(form: tuple[_Word, ...]) -> tuple[_Word, ...]:
    """``form`` with a connective that ends it read as a name: "bin" joins two names
    ("Abdulla bin Omar"), so a name ending in it (Ma Bin, 马斌) uses it as a name."""
    if not form or form[-1].role != "particle" or form[-1].latin not in _CONNECTIVES:
        return form
    last = form[-1]
    phonetic = phonetic_key(last.latin)
    return (*form[:-1], _new_word(last.text, last.latin, "", phonetic, last.latin, True, phonetic))


# ---- reading words ------------------------------------------------------------------------------

_word_script = functools.lru_cache(maxsize=1 << 16)(detect_script)


@functools.lru_cache(maxsize=1 << 17)
def _readings(word: str, script: str, language: str | None, alphabet: str) -> tuple[str, ...]:
    """Canonical Latin readings of one word in ``script``, most likely first."""
    if script == "Latn":
        # a word that is pinyin (Nuerlan) is also read as the characters it stands for
        readings: tuple[str, ...] = (latin_word(word, alphabet), *pinyin_readings(word))
        if alphabet == "2017":
            # s' is ш in the 2017 Kazakh alphabet, and an apostrophe between two letters in
            # Uyghur Latin (Mes'ud): both are read
            uly = uyghur_latin_reading(word)
            readings += (uly,) if uly else ()
    elif script == "Cyrl":
        readings = (cyrillic_word(word, language == "ug"),)
    elif script == "Arab":
        if language == "kk":
            readings = (kazakh_arabic_word(word),)
        elif language == "ug":
            readings = (uyghur_arabic_word(word),)
        else:
            readings = (uyghur_arabic_word(word), kazakh_arabic_word(word))
    elif script == "Hani":
        readings = han_word_readings(word)
    else:
        readings = (tidy(word),)
    # then each reading without a letter another script may leave out (Rehim = Reim);
    # a title is not a name to read two ways (Haji is not Aji); a Chinese reading's h is
    # a consonant the characters wrote (海拉提 Gayrat, 巴合提 Bakhyt), so only its
    # initial j may be read otherwise (居素普 Jusup = Yusup)
    if readings and readings[0] not in _PARTICLES:
        silent = script != "Hani"
        readings += tuple(v for r in readings for v in silent_variants(r, letters=silent))
    return tuple(r for r in dict.fromkeys(readings) if r)


def _language(text: str, script: str, alphabet: str) -> str | None:
    if script == "Cyrl":
        return cyrillic_language(text)
    if script == "Latn":
        return latin_language(text, alphabet)
    if script == "Arab":
        return arabic_language(text)
    if script == "Hani":
        return "zh"
    return None


def _positional_roles(words: tuple[_Word, ...], *, dotted: bool) -> list[str]:
    """Roles for the words without one of their own, by position (docs/format/names.md)."""
    roles = [w.role for w in words]
    open_ = [i for i, role in enumerate(roles) if not role]
    patronymics = [i for i, role in enumerate(roles) if role == "patronymic"]
    has_surname = "surname" in roles
    for i in open_:
        roles[i] = "given"
    if len(words) == 1 and open_:
        roles[0] = "unknown"
    elif not has_surname and len(open_) >= 2:
        if patronymics and patronymics[-1] == len(words) - 1 and len(open_) == 2 and not dotted:
            roles[open_[0]] = "surname"  # official order: Bilash Serikjan Nurlanuly
        else:
            roles[open_[-1]] = "surname"
            for i in open_[1:-1]:
                roles[i] = "given" if dotted else "unknown"
    return roles


def _join_patronymic_words(
    words: list[tuple[str, tuple[str, ...]]],
) -> list[tuple[str, tuple[str, ...]]]:
    """Nurlan uly → Nurlanuly: a patronymic word written apart joins the word before."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for text, readings in words:
        suffix = _WORDS.get(readings[0])
        if suffix is not None and out:
            before_text, before = out[-1]
            out[-1] = (f"{before_text} {text}", tuple(r + suffix for r in before))
        else:
            out.append((text, readings))
    return out


@dataclass(frozen=True, slots=True)
class _Reading:
    script: str
    language: str | None
    dotted: bool
    han: bool  # the first form is a Han name, surname first (马明华)
    forms: tuple[tuple[_Word, ...], ...]  # the first is the likeliest; never empty
    rooted: tuple[tuple[_Word, ...], ...]  # forms with roots (_rooted): keys, not similarity


def _han_form(raw: str) -> tuple[_Word, ...]:
    """A Chinese name read the Han way: surname (its first character), given name."""
    surname = tidy(SURNAME_PINYIN.get(raw[0]) or han_pinyin(raw[0]))
    given = tidy(han_pinyin(raw[1:]))
    return (_word(raw[0], surname), _word(raw[1:], given)) if surname and given else ()


@functools.lru_cache(maxsize=1 << 15)
def _read(text: str, script: str | None, language: str | None) -> _Reading:
    cleaned = clean(text)
    raw_words, dotted = split_words(cleaned)
    raw_words = [fold_lookalikes(w[:MAX_WORD]) for w in raw_words[:MAX_WORDS]]
    scripts = [script or _word_script(w) for w in raw_words]
    if script:
        main = script
    else:
        letters = dict.fromkeys(("Latn", "Cyrl", "Arab", "Hani", "Mong"), 0)
        for word, word_script in zip(raw_words, scripts, strict=True):
            if word_script in letters:
                letters[word_script] += len(word)
        main = max(letters, key=letters.__getitem__)
        main = main if letters[main] else "Zyyy"
    latin_words = [w for w, s in zip(raw_words, scripts, strict=True) if s == "Latn"]
    alphabet = latin_alphabet(" ".join(latin_words)) if latin_words else "plain"
    guess = language or _language(cleaned, main, alphabet)

    words: list[tuple[str, tuple[str, ...]]] = []
    for raw, word_script in zip(raw_words, scripts, strict=True):
        if word_script == "Zyyy":
            continue
        word_language = language or (
            guess if word_script == main else _language(raw, word_script, alphabet)
        )
        readings = _readings(raw, word_script, word_language, alphabet)
        if readings:
            words.append((raw, readings))
    words = _join_patronymic_words(words)

    forms: list[tuple[_Word, ...]] = []
    undotted_han = main == "Hani" and len(words) == 1 and not dotted
    han_name = False
    if undotted_han and looks_like_han_name(words[0][0]):
        han_form = _han_form(words[0][0])
        if han_form:
            forms.append(han_form)
            han_name = True
    primary = [readings[0] for _, readings in words]
    forms.append(tuple(_word(text, latin) for (text, _), latin in zip(words, primary, strict=True)))
    if undotted_han and not han_name and may_be_hui_name(words[0][0]):
        # 海福 may be Hai Fu, a Hui name, as 海拉提 is Gayrat: both readings are kept
        han_form = _han_form(words[0][0])
        if han_form:
            forms.append(han_form)
    if main == "Cyrl":
        # a Chinese name in the Russian (Palladius) transcription: Ло Хайцзюнь = luo haijun
        raws = tuple(text for text, _ in words)
        pinyin = palladius_name(raws)
        if pinyin is not None:
            forms.append(tuple(_word(t, p) for t, p in zip(raws, pinyin, strict=True)))
    if main == "Arab":
        # a Chinese name in Uyghur letters: ياڭ شيۇيىڭ = yang xiuying
        for pinyin in uyghur_chinese_name(tuple(primary)):
            forms.append(tuple(_word(t, p) for (t, _), p in zip(words, pinyin, strict=True)))
    if main == "Latn":
        # a Han or Hui name in pinyin (Tuo Xiuying): the pinyin itself, x and q kept
        han = han_pinyin_name(tuple(text for text, _ in words))
        if han is not None:
            forms.append(tuple(_word(t, p) for (t, _), p in zip(words, han, strict=True)))
    if main == "Latn" and len(words) > 1:
        # a name printed as pinyin (Nuerlan Yeerjiang = nurlan erjan): every pinyin word
        # read from its pinyin at once, as the characters would be
        pinyin_form = [
            readings[1] if len(readings) > 1 and pinyin_readings(text) else readings[0]
            for text, readings in words
        ]
        if pinyin_form != primary:
            forms.append(tuple(_word(t, p) for (t, _), p in zip(words, pinyin_form, strict=True)))
    heads = [i for i, latin in enumerate(primary[:-1]) if latin in _HEADS]
    if heads:
        # a compound name written apart (Abdul Rahim = Abdurahim): the head joined to
        # the word after it, once for the first head
        i = heads[0]
        joined = _word(f"{words[i][0]} {words[i + 1][0]}", primary[i] + primary[i + 1])
        others = [_word(text, latin) for (text, _), latin in zip(words, primary, strict=True)]
        forms.append((*others[:i], joined, *others[i + 2 :]))
    if undotted_han and not han_name:
        # a transcribed name written without its dot (赛力克江别拉什): each likely division
        # into given name and father's name is another form
        raw = words[0][0]
        for point in han_split_points(raw):
            left, right = han_word_readings(raw[:point]), han_word_readings(raw[point:])
            if left and right:
                forms.append((_word(raw[:point], left[0]), _word(raw[point:], right[0])))
    softened = [next((r for r in rs if r == rs[0].replace("sh", "s")), rs[0]) for _, rs in words]
    if sum(a != b for a, b in zip(softened, primary, strict=True)) >= 2:
        # Chinese writes Turkic s and sh alike (沙 sha for Sa-, 山 shan for -san): a name
        # with two such words also gets the form with s in both (沙吾列·沙迪克 = Saule
        # Sadyk), which the forms changing one word at a time below never make
        forms.append(tuple(_word(t, r) for (t, _), r in zip(words, softened, strict=True)))
    if len(words) == 1 or any(len(readings) > 1 for _, readings in words):
        # Other forms change one word to one of its other readings, the likeliest first;
        # ties are broken by the readings, not by word order, so that which forms are kept
        # under the cap does not depend on the order the words were written in.
        swaps = sorted(
            (rank, readings[0], alternative, i)
            for i, (_, readings) in enumerate(words)
            for rank, alternative in enumerate(readings[1:], start=1)
        )
        for _, _, alternative, i in swaps[: MAX_FORMS - len(forms)]:
            variant = [*primary[:i], alternative, *primary[i + 1 :]]
            forms.append(
                tuple(_word(text, latin) for (text, _), latin in zip(words, variant, strict=True))
            )
    forms = [_connected(form) for form in forms]
    rooted = [r for r in dict.fromkeys(_rooted(form) for form in forms) if r is not None]
    if rooted:
        rooted = rooted[: max(1, MAX_FORMS - len(forms))]
        forms = forms[: MAX_FORMS - len(rooted)]
    return _Reading(main, guess, dotted and main == "Hani", han_name, tuple(forms), tuple(rooted))


@functools.lru_cache(maxsize=1 << 14)
def analyse(text: str, *, script: str | None = None, language: str | None = None) -> NameAnalysis:
    """Read a name written in any script (see the module docstring). Never raises."""
    reading = _read(text, script, language)
    first = reading.forms[0]
    roles = ["surname", "given"] if reading.han else _positional_roles(first, dotted=reading.dotted)
    return NameAnalysis(
        text=text,
        script=reading.script,
        language_guess=reading.language,
        tokens=tuple(
            NameToken(w.text, w.latin, role, w.phonetic)
            for w, role in zip(first, roles, strict=True)
        ),
        forms=tuple(
            dict.fromkeys(
                " ".join(w.latin for w in form) for form in reading.forms + reading.rooted if form
            )
        ),
    )


# ---- keys ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 18)
def _key(kind: str, key: str) -> NameKey:
    """One shared NameKey per (kind, key): cached results then hold references, not copies."""
    return NameKey(kind, key)


def _form_keys(form: tuple[_Word, ...], *, tokens: bool = True) -> list[NameKey]:
    """The keys of one form; ``tokens=False`` (a form with roots) leaves out its token and
    ptoken keys, so a search for a word ranks a word that is written so above a root."""
    if not form:
        return []
    latins = [w.latin for w in form]
    keys = [_key("full", " ".join(latins)), _key("sorted", " ".join(sorted(latins)))]
    core = sorted([w.stem for w in form if w.in_core])
    if core:
        keys.append(_key("core", " ".join(core)))
    if tokens:
        keys.extend([w.token_key for w in form if w.token_key is not None])
    phonetic = sorted([w.phonetic for w in form if w.role != "particle" and w.phonetic])
    if phonetic:
        keys.append(_key("phonetic", " ".join(phonetic)))
    if tokens:
        keys.extend([w.ptoken_key for w in form if w.ptoken_key is not None])
    pcore = sorted([w.core_phonetic for w in form if w.in_core and w.core_phonetic])
    if pcore:
        keys.append(_key("pcore", " ".join(pcore)))
    return keys


@functools.lru_cache(maxsize=1 << 16)
def name_keys(
    text: str, *, script: str | None = None, language: str | None = None
) -> tuple[NameKey, ...]:
    """The comparison keys of a name over all its forms, deduplicated, in a stable order."""
    reading = _read(text, script, language)
    forms = reading.forms
    if len(forms) == 1 and not reading.rooted:
        return tuple(dict.fromkeys(_form_keys(forms[0])))
    keys = [key for form in forms for key in _form_keys(form)]
    keys += [key for form in reading.rooted for key in _form_keys(form, tokens=False)]
    return tuple(dict.fromkeys(keys))


@functools.lru_cache(maxsize=1 << 14)
def query_keys(typed: str) -> tuple[NameKey, ...]:
    """Keys for a search box entry: one word gives its "token" and "ptoken" keys (over all
    its readings); several words give every kind, as ``name_keys``."""
    if len(_read(typed, None, None).forms[0]) <= 1:
        return tuple(k for k in name_keys(typed) if k.kind in ("token", "ptoken"))
    return name_keys(typed)


# ---- similarity ------------------------------------------------------------------------------


def _token_similarity(a: _Word, b: _Word) -> float:
    spelled = JaroWinkler.normalized_similarity(a.latin, b.latin)
    if a.phonetic and a.phonetic == b.phonetic:
        return max(spelled, 0.93)
    return max(spelled, 0.85 * JaroWinkler.normalized_similarity(a.phonetic, b.phonetic))


def _pinyin_similarity(a: _Word, b: _Word) -> float:
    """Two words of Han names in their pinyin: the same, or at most alike (0.85). A
    character typed wrong is mostly another of the same pinyin; another pinyin is
    another character, chosen (ming and min, jun and jing are different names), and
    no transcription is there to forgive."""
    if a.latin == b.latin:
        return 1.0
    return min(0.85, float(JaroWinkler.normalized_similarity(a.latin, b.latin)))


def _form_similarity(
    a: tuple[_Word, ...],
    b: tuple[_Word, ...],
    token: Callable[[_Word, _Word], float] = _token_similarity,
) -> float:
    left = [w for w in a if w.role != "particle"] or list(a)
    right = [w for w in b if w.role != "particle"] or list(b)
    if not left or not right:
        return 0.0
    pairs = sorted(
        ((token(x, y), i, j) for i, x in enumerate(left) for j, y in enumerate(right)),
        reverse=True,
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    total = 0.0
    for score, i, j in pairs:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            total += score
    small, large = sorted((len(left), len(right)))
    return total / small * (0.8 + 0.2 * small / large)


# ---- labels -----------------------------------------------------------------------------------

# Words that stand for a missing name (placeholders.tsv): "Unknown", "Неизвестный", "不详".
_PLACEHOLDERS = frozenset(row["form"] for row in read_table("placeholders.tsv"))
_LABEL_WORDS = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces, hyphens and dashes divide words
_LABEL_EDGES = ".,;:!?()[]{}<>\"'`«»“”„‘’№#*_~+=|\\…·0123456789"


def is_label(text: str) -> bool:
    """Whether a recorded "name" is a label rather than what anyone is called.

    It is a label when it holds a digit and fewer than two words without one ("DEMO-13",
    "AJ 0114", "Unknown 2", "№12 Серик"), when every word of it stands for a missing
    name (``placeholders.tsv``: "Unknown", "Неизвестный", "Аты белгісіз", "不详"; case,
    digits and the punctuation around a word left out), or when it holds no letter at
    all ("?", "—"). Read as a name, its letters alone would meet every other label of
    its kind (every DEMO-nn reads "demo", every "Неизвестный" of a roster is one
    person), so linkage and the review page leave it out. A name with a number or a
    placeholder beside it ("Серік Білаш 1975", "Серік белгісіз") is still a name: its
    words are read. Empty text is no label (and no name)."""
    if not text.strip():
        return False
    named = sum(1 for word in text.split() if not any(c.isdigit() for c in word))
    if named < 2 and any(c.isdigit() for c in text):
        return True
    if not any(c.isalpha() for c in text):
        return True
    words = [w.strip(_LABEL_EDGES).casefold() for w in _LABEL_WORDS.split(text)]
    return all(word in _PLACEHOLDERS for word in words if word)


@functools.lru_cache(maxsize=1 << 16)
def name_similarity(a: str, b: str) -> float:
    """0..1: how alike two names are, the best over their forms, whatever the word order.

    Words are paired greedily by Jaro-Winkler similarity of their canonical Latin (a
    shared phonetic key counts as at least 0.93); unpaired words (a patronymic one list
    adds) lower the score by up to a fifth.
    """
    read_a, read_b = _read(a, None, None), _read(b, None, None)
    if read_a.han and read_b.han:
        # Two names in characters, both read the Han way (王明, 王敏): compared in their
        # pinyin only. Their Turkic readings (van min, both) and the sound key that
        # forgives a transcription made different Han names "the same" (1.0, 0.965).
        return round(_form_similarity(read_a.forms[0], read_b.forms[0], _pinyin_similarity), 6)
    forms_a, forms_b = read_a.forms, read_b.forms
    best = 0.0
    for x in forms_a:
        for y in forms_b:
            best = max(best, _form_similarity(x, y))
            if best >= 1.0:
                return 1.0
    return round(min(best, 1.0), 6)

"""Properties of the name keys that must hold for any input (issue 6, part 1).

Names come from the public: a volunteer's typing, a pasted spreadsheet cell, a hostile
upload. The keys feed search and record linkage, so they must never raise, must be
the same every time, must not depend on case or spacing, and the order-free kinds must
not depend on word order.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.names import (
    analyse,
    analysis,
    detect_script,
    is_label,
    name_keys,
    name_similarity,
    query_keys,
)
from amanat.names.phonetic import phonetic_key
from amanat.names.tables import read_table

# Words as they appear in real lists, in every script the module reads. None is a
# patronymic particle written apart (uly, kyzy), which joins the word before it and so
# is order-sensitive by design; none contains ı or ß, whose case mapping is lossy.
WORDS = [
    "Серікжан",
    "Білаш",
    "Нұрланұлы",
    "Айгүл",
    "Ерлан",
    "Серикбаева",
    "Әсет",
    "Ғалым",
    "Serikjan",
    "Bilash",
    "Serikzhan",
    "Serikžan",
    "Bilaş",
    "Nurlanovich",
    "Aigül",
    "Ai'gu'l",
    "Aıgúl",
    "Memetahun",
    "Hajim",
    "Abdurehim",
    "Turghun",
    "Yusup",
    "Zhienbek",
    "Асанбек",
    "Төлөгөн",
    "Бакыт",
    "Абдурешит",
    "Җүмә",
    "سېرىكجان",
    "بىلاش",
    "ئابدۇرېھىم",
    "مەمەتجان",
    "ٵسەت",
    "ٶمىرزاق",
    "عالىم",
    "赛力克江",
    "别拉什",
    "买买提",
    "阿不都热合曼",
    "古丽娜尔",
    "吐尔逊",
    "马明华",
]
ORDER_FREE = ("sorted", "core", "phonetic", "pcore")
SET_KINDS = ("token", "ptoken")

names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)
# anything at all, weighted towards what breaks text code: controls, bidi overrides and
# isolates, zero-width characters, combining marks, Arabic presentation forms, CJK
hostile_chars = st.one_of(
    st.characters(),
    st.sampled_from(
        "\u202e\u202d\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u200e\u200f\ufeff\u0000\u0007"
        "\u0301\u0308\u0674\u0675\u0640\u064b\ufe8d\ufefb·•‧'-ıİßǰ\U00020000\U0010ffff"
    ),
)
hostile = st.text(alphabet=hostile_chars, max_size=200)


def _fresh_keys(text: str) -> tuple[object, ...]:
    for cached in (analysis._read, analysis._readings, analysis._word, name_keys, phonetic_key):
        cached.cache_clear()
    return name_keys(text)


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_nothing_raises_on_any_text(text: str) -> None:
    """Given any Unicode string, when analysed, keyed, searched and compared, then no
    exception escapes and every key is a non-empty lowercase ASCII string."""
    detect_script(text)
    a = analyse(text)
    assert len(a.forms) <= 8
    for key in (*name_keys(text), *query_keys(text)):
        assert key.key and key.key.isascii() and key.key == key.key.lower()
    assert 0.0 <= name_similarity(text, "Серікжан Білаш") <= 1.0


@settings(max_examples=25, deadline=None)
@given(
    st.text(alphabet=hostile_chars, min_size=1, max_size=300).map(lambda t: (t * 10_000)[:10_000])
)
def test_ten_thousand_characters_do_not_raise(text: str) -> None:
    assert len(text) == 10_000
    assert isinstance(name_keys(text), tuple)
    assert 0.0 <= name_similarity(text, text[:50]) <= 1.0


def test_pathological_inputs() -> None:
    for text in [
        "\ud800",  # a lone surrogate, as a broken decoder may leave
        "\u202eнажлибаш\u202c",  # right-to-left override around a name
        "\u0000" * 1000,
        "·" * 5000,
        "a" * 100_000,
        "赛" * 10_000,
        "ٴ" * 100,
        "'-'-'",
        "uly kyzy uulu",
    ]:
        name_keys(text)
        analyse(text)
        query_keys(text)


@settings(max_examples=200, deadline=None)
@given(names)
def test_keys_are_deterministic(words: list[str]) -> None:
    """Given a name, when keyed twice with every cache emptied between, then the keys are
    identical, in the same order."""
    text = " ".join(words)
    assert _fresh_keys(text) == _fresh_keys(text)


@settings(max_examples=200, deadline=None)
@given(names, st.sampled_from([str.lower, str.upper, str.title, str.casefold]), st.data())
def test_case_and_spacing_do_not_change_keys(
    words: list[str], case: object, data: st.DataObject
) -> None:
    """Given a name, when its case changes and its words are separated by other runs of
    spaces, tabs, no-break spaces or commas, then its keys are the same."""
    assert callable(case)
    gaps = data.draw(
        st.lists(
            st.sampled_from([" ", "  ", "\t", "\u00a0", " , ", "\u3000"]),
            min_size=len(words) + 1,
            max_size=len(words) + 1,
        )
    )
    varied = gaps[0] + "".join(case(w) + g for w, g in zip(words, gaps[1:], strict=True))
    assert name_keys(varied) == name_keys(" ".join(words))


@settings(max_examples=200, deadline=None)
@given(names, st.randoms(use_true_random=False))
def test_order_free_kinds_do_not_depend_on_word_order(words: list[str], random: object) -> None:
    """Given a name, when its words are shuffled, then the sorted, core, phonetic and
    pcore keys are the same, and so are the sets of token and ptoken keys."""
    shuffled = list(words)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = name_keys(" ".join(words)), name_keys(" ".join(shuffled))
    for kind in (*ORDER_FREE, *SET_KINDS):
        assert {k.key for k in a if k.kind == kind} == {k.key for k in b if k.kind == kind}, kind
    assert name_similarity(" ".join(words), " ".join(shuffled)) == 1.0


@settings(max_examples=100, deadline=None)
@given(names, names)
def test_similarity_is_symmetric_and_bounded(a: list[str], b: list[str]) -> None:
    x, y = " ".join(a), " ".join(b)
    assert name_similarity(x, y) == name_similarity(y, x)
    assert 0.0 <= name_similarity(x, y) <= 1.0
    assert name_similarity(x, x) == 1.0


PLACEHOLDERS = [row["form"] for row in read_table("placeholders.tsv")]


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Nd", "No", "Nl")), max_size=60),
    st.sampled_from(WORDS),
)
def test_a_name_word_without_digits_is_never_a_label(text: str, word: str) -> None:
    """Given any text with no digit and a word of a name beside it, then it is never
    taken for a label: a name is a name, however it is written and whatever words for
    "unknown" stand beside it."""
    assert not is_label(f"{text} {word}")
    assert not is_label(f"{word} {text}")


@given(
    st.lists(st.sampled_from(PLACEHOLDERS), min_size=1, max_size=3),
    st.lists(st.sampled_from(["", " ", "(2)", "№4", ".", "-", "?", " 17"]), max_size=3),
    st.booleans(),
)
def test_words_for_a_missing_name_are_a_label(
    words: list[str], marks: list[str], upper: bool
) -> None:
    """Given only words that stand for a missing name ("Неизвестный", "不详", "N/A"), in
    either case and with numbers or punctuation beside them, then the cell is a label:
    no two unnamed rows of a roster meet on them."""
    text = " ".join(words) + "".join(marks)
    assert is_label(text.upper() if upper else text)


@given(
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=4),
    st.lists(st.from_regex(r"[A-Z]{0,3}-?[0-9]{1,4}", fullmatch=True), min_size=1, max_size=2),
)
def test_a_number_beside_a_name_leaves_a_name(words: list[str], numbers: list[str]) -> None:
    """Given two or more words of a name and a number or case code beside them (before,
    after), then it is not a label: its words are still read; the same numbers with at
    most one word are a label ("DEMO-13", "AJ 0114", "Unknown 2")."""
    assert not is_label(" ".join([*numbers, *words]))
    assert not is_label(" ".join([*words, *numbers]))
    assert is_label(" ".join([*words[:1], *numbers]))
    assert is_label(" ".join(numbers))

"""What a flag says (``amanat.records.flags``): one sentence a kind, its values filled in
after translation. Given / When / Then."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from amanat.records import flags
from amanat.records.fold import Flag


def _upper(message: str) -> str:
    """A stand-in translation: the message in capitals, its placeholders kept."""
    out, i = [], 0
    while i < len(message):
        if message.startswith("%(", i):
            end = message.index(")s", i) + 2
            out.append(message[i:end])
            i = end
        else:
            out.append(message[i].upper())
            i += 1
    return "".join(out)


def test_a_flag_keeps_its_values_and_its_english_sentence() -> None:
    """Given an ID that says male and a source that says female, when the flag is made,
    then its English sentence names both and its args keep them apart."""
    flag = Flag.of("id_sex_conflict", "sex", id_sex="male", given="female")

    assert flag.detail == "The ID number says male; a source says female."
    assert dict(flag.args) == {"id_sex": "male", "given": "female"}


def test_the_sentence_is_translated_first_and_filled_after_with_codes_as_words() -> None:
    """Given the same flag, when it is said through a translation, then the translation
    is filled with the values, and the sex codes are translated as words."""
    flag = Flag.of("id_sex_conflict", "sex", id_sex="male", given="female")

    said = flags.sentence(flag.kind, dict(flag.args), flag.detail, _upper)

    assert said == "THE ID NUMBER SAYS MALE; A SOURCE SAYS FEMALE."


def test_an_unknown_kind_or_a_flag_without_values_is_said_as_stored() -> None:
    """Given a flag of a kind this Amanat does not know, or one stored before flags kept
    their values, then its stored sentence is shown as it is."""
    assert flags.sentence("new_kind", {"x": "1"}, "as stored", _upper) == "as stored"
    assert flags.sentence("disagreement", {}, "as stored", _upper) == "as stored"


def test_a_translation_that_lost_a_placeholder_falls_back_to_english() -> None:
    """Given a translation that misspelt a placeholder, then the English sentence is
    filled instead: a value is never lost and nothing raises."""

    def broken(message: str) -> str:
        return message.replace("%(values)s", "%(valeurs)s")

    assert flags.sentence("disagreement", {"values": "1978; 1980"}, "x", broken) == (
        "Sources disagree: 1978; 1980."
    )


@given(st.sampled_from(sorted(flags.SENTENCES)), st.text(max_size=30))
def test_every_kind_names_every_value_given_whatever_it_holds(kind: str, value: str) -> None:
    """Given any kind and any text as each of its values (a % sign, braces, a newline),
    when the flag is made and said, then each value appears whole in both sentences."""
    names = sorted({part.split(")s")[0] for part in flags.SENTENCES[kind].split("%(")[1:]})
    args = dict.fromkeys(names, value)

    flag = Flag.of(kind, "field", **args)
    said = flags.sentence(kind, args, flag.detail, lambda message: message)

    assert value in flag.detail and value in said
    assert set(flags.KINDS) == set(flags.SENTENCES)

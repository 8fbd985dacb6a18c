"""A list's row reasons put into words (``amanat.ingest.reasons``).

Given a check's message and its values, when the report's process says it in a
language, then the report shows every value, and the terminal never shows a value
taken from the list's cells (a name or an ID typed into the wrong column), while it
always names the column.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from amanat.i18n import translator
from amanat.ingest.reasons import Said, Voice, say

WORD = (
    "'%(value)s' is not a word Amanat knows here; add it to the mapping under `values: %(field)s`"
)
cells = st.text(st.characters(blacklist_categories=("Cs",)), min_size=3, max_size=40)


@given(value=cells, header=cells)
def test_the_terminal_never_shows_a_cells_value(value: str, header: str) -> None:
    # Given a value and a header that are not words of the message itself.
    assume(value.strip() and value not in header and header not in value)
    said = Said(WORD, (("value", value), ("field", "sex")), columns=(header,))
    kazakh = Voice(gettext=translator("kk").gettext)
    for voice in (Voice(), kazakh):
        shown = voice(said, terminal=True)
        # When it is said in the terminal, then the value is not there, the header is.
        assume(value not in voice(Said(WORD, (("value", ""), ("field", "sex")), (header,))))
        assert value not in shown
        assert header.replace("'", "’") in shown
        # and the report has both.
        assert value in voice(said)


def test_a_message_is_said_in_the_language_with_its_values_and_counts() -> None:
    # Given a message with a count, said in Russian with its way of grouping thousands.
    russian = Voice(gettext=translator("ru").gettext, number=lambda n: f"{n:,}".replace(",", " "))
    said = say(
        "this cell is %(length)s characters long; at most %(limit)s fit here",
        length=10_000,
        limit=300,
    )
    # Then the words are Russian and the count is grouped as Russian writes it.
    assert russian(said) == "в этой ячейке 10 000 символов; здесь помещается не больше 300"
    assert Voice()(said) == "this cell is 10,000 characters long; at most 300 fit here"
    # A problem of a column names it first; a sentence after it starts small, an
    # acronym does not.
    about = Said(said.template, said.params, columns=("Аты", "Тегі"))
    assert russian(about).startswith("столбец 'Аты' + 'Тегі': в этой ячейке")
    iin = Said("IIN is wrong", columns=("ЖСН",))
    assert Voice()(iin) == "column 'ЖСН': IIN is wrong"


def test_a_rejected_row_and_its_notes_read_as_sentences() -> None:
    voice = Voice()
    # Given two problems of a row, then they are one sentence, "; " between them.
    problems = [say("first problem."), say("second problem")]
    assert voice.rejected(problems) == "first problem; second problem."
    assert voice.rejected([]) == ""
    # Given notes, each said once, each a sentence.
    notes = [say("A note"), say("A note"), say("The same IIN as row %(row)d.", row=2)]
    assert voice.notes(notes) == "A note. The same IIN as row 2."


def test_a_catalogue_that_lost_a_placeholder_falls_back_to_english() -> None:
    # Given a translation without the message's placeholder.
    broken = Voice(gettext=lambda message: "%(other)s" if "%(value)s" in message else message)
    said = say("unknown county code '%(value)s'", value="999999")
    # Then the English sentence is said, with its value.
    assert broken(said) == "unknown county code '999999'"

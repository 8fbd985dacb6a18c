"""What a flag says: one sentence for each kind, and the values it names.

A flag (``fold.Flag``) marks what a person should check on a record: sources that
disagree, an ID number that says another birth date, sex or region than a source,
a doubt about the number itself, same-person decisions that a "different" decision
contradicts, a testimony recorded twice with other contents. It keeps its kind, the
field concerned, the values its sentence names (``args``) and that sentence in English
(``detail``: exports, the API, anything that reads the views without a language).

The staff app and the command line say the kind and the sentence in the reader's
language: the English texts here are message ids of the catalogue (``N_`` marks them
for ``scripts/i18n.py``), translated first and filled with ``args`` after
(:func:`sentence`), so a translation puts each value where its grammar wants it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["CODED", "FIELDS", "KINDS", "SENTENCES", "WORDS", "english", "sentence"]


def N_(message: str) -> str:
    return message


# What each kind of flag is about, as a short heading.
KINDS: Mapping[str, str] = {
    "disagreement": N_("Sources disagree"),
    "id_birth_conflict": N_("The ID number gives another birth date"),
    "id_sex_conflict": N_("The ID number gives another sex"),
    "id_region_differs": N_("The ID number was issued elsewhere"),
    "id_note": N_("A doubt about the ID number"),
    "link_conflict": N_("Decisions contradict each other"),
    "recorded_again": N_("A testimony was recorded twice"),
}

# A flag's field that is not a field of a person's values (those are named as
# ``amanat.web.labels.FIELDS`` names them)
FIELDS: Mapping[str, str] = {
    "identity": N_("Same-person decisions"),
    "testimony": N_("Testimony"),
}

# The sentence of each kind; %(name)s are the flag's args.
SENTENCES: Mapping[str, str] = {
    "disagreement": N_("Sources disagree: %(values)s."),
    "id_birth_conflict": N_("The ID number says born %(id_birth)s; a source says %(given)s."),
    "id_sex_conflict": N_("The ID number says %(id_sex)s; a source says %(given)s."),
    "id_region_differs": N_(
        "The ID number was issued in region %(region)s; the hometown given is %(place)s."
    ),
    "id_note": N_(
        "The ID number's region code %(region)s was abolished in %(last)s, before the "
        "birth year %(year)s; check the number."
    ),
    "link_conflict": N_(
        "%(a)s and %(b)s were decided different (%(date)s), yet same-person decisions "
        "join them; decide again on one of the pairs."
    ),
    "recorded_again": N_(
        "Testimony %(testimony)s was recorded again with other contents (entry "
        "%(entries)s), perhaps forged with a seized station key; until you find which is "
        "genuine it keeps the narrowest consent of the two, and its files are for staff only."
    ),
}

# Args that hold a stored code (a sex): said as the catalogue's word for the code
# itself, lower-case as in running text (the sentence is its own, not a table's).
CODED: frozenset[tuple[str, str]] = frozenset(
    {("id_sex_conflict", "id_sex"), ("id_sex_conflict", "given")}
)
WORDS = (N_("male"), N_("female"))  # the codes CODED args hold, for extraction


def english(kind: str, args: Mapping[str, str]) -> str:
    """The sentence of a flag in English (its ``detail``)."""
    return SENTENCES[kind] % dict(args)


def sentence(
    kind: str, args: Mapping[str, str], detail: str, translate: Callable[[str], str]
) -> str:
    """A flag's sentence in the reader's language (``translate`` gives a message's
    translation), its values filled in after, coded ones (``CODED``) as words.
    ``detail`` (the stored English sentence) when the kind is unknown here or the flag
    has no values: a flag from a newer or older Amanat is still shown, in English."""
    template = SENTENCES.get(kind)
    if template is None or not args:
        return detail
    values = {k: translate(v) if (kind, k) in CODED else v for k, v in args.items()}
    for text in (translate(template), template):
        try:
            return text % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            continue
    return detail

"""The views' tables, written once in SQLAlchemy Core for SQLite and PostgreSQL.

Every column has a comment: ``amanat export`` turns them into the data dictionary, so
the description of a column lives in exactly one place. Dates are ISO text
(``YYYY-MM-DD``; partial dates keep their canonical spelling beside their bounds),
which compares correctly as text on both databases. Values that are lists or objects
are JSON text.

``SCHEMA_VERSION`` counts changes to these tables. ``migrate`` brings an older views
database up to date, step by step (see ``MIGRATIONS``); a database from a newer Amanat
is refused. Views are derived data, so a version with no step is migrated by a rebuild
from the vault, never by guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)

from amanat.errors import Words

__all__ = [
    "MIGRATIONS",
    "NAME_TABLES_KEY",
    "SCHEMA_VERSION",
    "SEARCH_KINDS",
    "TABLES",
    "WORD_KINDS",
    "kind_bit",
    "metadata",
]

SCHEMA_VERSION = 12
NAME_TABLES_KEY = "names_tables"  # meta: the names tables the search keys were made with

metadata = MetaData()

_ID = 40  # p_/t_/s_/r_ + 32 hex digits, and room
_HASH = 64
_DATE = 10


def _person_fk(*, key: bool = False) -> Column[str]:
    return Column(
        "person_id", String(_ID), primary_key=key, nullable=False, comment="the person (p_…)"
    )


def _dated(*, required: bool) -> list[Column[str]]:
    """A partial date as said, and the first and last days it may mean."""
    return [
        Column(
            "date", String(30), nullable=not required, comment="the date as said (partial date)"
        ),
        Column("earliest", String(_DATE), nullable=not required, comment="earliest possible day"),
        Column("latest", String(_DATE), nullable=not required, comment="latest possible day"),
    ]


def _sourced() -> list[Column[str]]:
    """Where a claim's row comes from."""
    return [
        Column("source_kind", String(10), nullable=False, comment="testimony or source"),
        Column("source_id", String(_ID), nullable=False, comment="the testimony or source"),
    ]


meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True, comment="setting name"),
    Column("value", Text, nullable=False, comment="setting value"),
    comment="Bookkeeping of the views database itself (schema version).",
)

logs = Table(
    "projected_logs",
    metadata,
    Column("log", String(_HASH), primary_key=True, comment="writer key id of a vault log"),
    Column("size", Integer, nullable=False, comment="records of that log already projected"),
    comment="How far each vault log has been read into the views.",
)

entries = Table(
    "entries",
    metadata,
    Column("entry_id", String(_HASH), primary_key=True, comment="SHA-256 of the sealed entry"),
    Column("log", String(_HASH), nullable=False, comment="writer key id whose log holds it"),
    Column("seq", Integer, nullable=False, comment="position in that log"),
    Column("time", String(20), nullable=False, comment="signed creation time, UTC"),
    Column("type", String(20), nullable=False, comment="entry type: record, intake, files…"),
    Column("n_files", Integer, nullable=False, comment="sealed files in the entry"),
    Column("problem", Text, nullable=True, comment="why a record entry could not be used"),
    Index("ix_entries_log_seq", "log", "seq"),  # the last entry read of each log (v10)
    comment="Every vault entry the views have read.",
)

changes = Table(
    "changes",
    metadata,
    Column("entry_id", String(_HASH), primary_key=True, comment="the entry holding the change"),
    Column("idx", Integer, primary_key=True, comment="position of the change in its entry"),
    Column("time", String(20), nullable=False, comment="the entry's signed creation time"),
    Column("position", String(80), nullable=False, comment="<log>/<seq>: order within a writer"),
    Column("op", String(40), nullable=False, comment="what changed (person.created, …)"),
    Column("subject", String(80), nullable=False, comment="person, testimony, source or place"),
    Column("body", Text, nullable=False, comment="the change as sealed (JSON)"),
    Column("files", Text, nullable=False, comment="blob ids of the entry's files (JSON list)"),
    Index("ix_changes_subject", "subject"),
    comment="Every record change, as sealed: the input all other tables are folded from.",
)

links = Table(
    "links",
    metadata,
    Column("subject", String(_ID), primary_key=True, comment="a testimony or source"),
    Column("person_id", String(_ID), primary_key=True, comment="a person it concerns"),
    Index("ix_links_person", "person_id"),
    comment="Which persons each testimony and source concerns.",
)

persons = Table(
    "persons",
    metadata,
    Column("person_id", String(_ID), primary_key=True, comment="the person (p_…)"),
    Column("display_name", Text, nullable=False, comment="the first name recorded"),
    Column("sex", String(10), nullable=True, comment="male or female, as most sources say"),
    Column("birth", String(30), nullable=True, comment="birth date as said (partial date)"),
    Column("birth_earliest", String(_DATE), nullable=True, comment="earliest possible birth day"),
    Column("birth_latest", String(_DATE), nullable=True, comment="latest possible birth day"),
    Column("ethnicity", String(20), nullable=True, comment="ethnicity as most sources say"),
    Column("hometown_code", String(80), nullable=True, comment="hometown place code"),
    Column("hometown_text", Text, nullable=True, comment="hometown in words, as given"),
    Column("prefecture_code", String(10), nullable=True, comment="prefecture of the hometown"),
    Column("occupation", Text, nullable=True, comment="occupation as given"),
    Column("status", String(20), nullable=True, comment="current status: the latest event"),
    Column("status_date", String(30), nullable=True, comment="date of that event (as said)"),
    Column("status_latest", String(_DATE), nullable=True, comment="latest day of that event"),
    Column("status_updated", String(20), nullable=True, comment="when a status was last added"),
    Column("grade", Integer, nullable=False, comment="evidence grade 0-4 (see the rule)"),
    Column("grade_label", String(20), nullable=False, comment="the grade's name"),
    Column("grade_reasons", Text, nullable=False, comment="why this grade (JSON list)"),
    Column("n_testimonies", Integer, nullable=False, comment="testimonies about the person"),
    Column("n_sources", Integer, nullable=False, comment="sources about the person"),
    Column("n_rebuttals", Integer, nullable=False, comment="state rebuttals recorded"),
    Column("n_flags", Integer, nullable=False, comment="conflicts and disagreements"),
    Column(
        "n_records",
        Integer,
        nullable=False,
        comment="person records merged into this person by decisions (1: none; added in v5)",
    ),
    Column("created", String(20), nullable=False, comment="when the record was created"),
    Column("updated", String(20), nullable=False, comment="when anything about it last changed"),
    Column(
        "un_gaps",
        String(80),
        nullable=False,
        comment="what a case to the UN working group still needs, comma-separated (name, "
        "date, place, responsible, actions, consent); empty: nothing (added in v7)",
    ),
    Index("ix_persons_hometown", "hometown_code"),
    Index("ix_persons_prefecture", "prefecture_code"),
    Index("ix_persons_status", "status"),
    Index("ix_persons_updated", "updated", "person_id"),  # the list's order (added in v4)
    Index("ix_persons_id_updated", "person_id", "updated"),  # ranking search hits (v6)
    comment="One row per person: the values shown, chosen from all claims.",
)

names = Table(
    "person_names",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="the claim that gives the name"),
    Column("text", Text, nullable=False, comment="the name as written"),
    Column("folded", Text, nullable=False, comment="case-folded form, for search"),
    Column("script", String(4), nullable=False, comment="ISO 15924 script"),
    Column("language", String(12), nullable=True, comment="language of the name"),
    Column("form", String(12), nullable=True, comment="full, given, surname, alias…"),
    Index("ix_names_person", "person_id"),
    comment="Every name a person is recorded under, in any script.",
)

# The kinds of key the names module makes, plus "text" (the name as written), one bit
# each in ``search_keys.kinds``: a key that is several kinds of one person's names
# ("serik nurlanov": text, full and core of Серік Нұрланов) is one row, not three (v8).
SEARCH_KINDS = ("text", "full", "sorted", "core", "token", "phonetic", "ptoken", "pcore")
# Kinds that key one word of a name, kept apart from a whole name's keys ("word"): a
# typed word's beginning is a key range over words alone.
WORD_KINDS = frozenset({"token", "ptoken"})


def kind_bit(kind: str) -> int:
    """The bit of ``kind`` in ``search_keys.kinds`` (ValueError for a kind not listed)."""
    return 1 << SEARCH_KINDS.index(kind)


search_keys = Table(
    "search_keys",
    metadata,
    _person_fk(key=True),
    Column(
        "word",
        Boolean,
        primary_key=True,
        comment="a key of one word of a name (token, ptoken), else of a whole name",
    ),
    Column("key", String(300), primary_key=True, comment="a normalised name form"),
    Column(
        "kinds",
        Integer,
        nullable=False,
        comment="which normalisations made it, one bit each: text 1, full 2, sorted 4, "
        "core 8, token 16, phonetic 32, ptoken 64, pcore 128",
    ),
    # A search asks for keys, and a word's beginning as a range of word keys, each with
    # its kind's bit; with person_id and kinds in the index it never reads the table.
    Index("ix_search_keys_word_key", "word", "key", "person_id", "kinds"),
    # On SQLite the primary key is the table (v8): a rowid table kept each key a third
    # time (docs/operations/views.md).
    sqlite_with_rowid=False,
    comment="Normalised name forms for search, filled by the names module (added in v2; "
    "one row per key and not per kind since v8).",
)

claims = Table(
    "person_claims",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="<entry>.<change>.<claim>"),
    Column("field", String(20), nullable=False, comment="which value the claim is about"),
    Column("value", Text, nullable=False, comment="the claimed value (JSON)"),
    *_sourced(),
    Column("locator", Text, nullable=False, comment="where in the source (row, page)"),
    Column("entry_id", String(_HASH), nullable=False, comment="the entry that made the claim"),
    Column("time", String(20), nullable=False, comment="when the claim was made"),
    Column("retracted_by", String(40), nullable=True, comment="the change that retracted it"),
    Column("chosen", Boolean, nullable=False, comment="whether it is the value shown"),
    Column(
        "record_id",
        String(_ID),
        nullable=False,
        comment="the person record the claim was made on (differs once merged; added in v5)",
    ),
    Index("ix_claims_person", "person_id"),
    comment="Every value ever claimed about a person, with its provenance.",
)

identifiers = Table(
    "identifiers",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="the claim that gives it"),
    Column("kind", String(20), nullable=False, comment="cn_resident_id, kz_iin, passport…"),
    Column("number", String(64), nullable=False, comment="the number, normalised"),
    Column("country", String(3), nullable=True, comment="issuing country, for passports"),
    Column("decoded_birth", String(_DATE), nullable=True, comment="birth date in the number"),
    Column("decoded_sex", String(10), nullable=True, comment="sex in the number"),
    Column("decoded_region", String(6), nullable=True, comment="region code in the number"),
    Index("ix_identifiers_number", "number"),
    Index("ix_identifiers_person", "person_id"),
    comment="Identity document numbers, with what a resident ID number encodes.",
)

events = Table(
    "status_events",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="the claim that gives it"),
    Column("status", String(20), nullable=False, comment="detained, in_camp, sentenced…"),
    *_dated(required=True),
    Column("place_code", String(80), nullable=True, comment="place code"),
    Column("place_text", Text, nullable=True, comment="place in words"),
    Column("term", Text, nullable=True, comment="sentence term"),
    Column("charge", Text, nullable=True, comment="charge"),
    Column("note", Text, nullable=True, comment="what else was said"),
    Column(
        "responsible",
        String(20),
        nullable=True,
        comment="who is believed responsible: police, state_security… (added in v7)",
    ),
    Column(
        "acknowledged",
        Boolean,
        nullable=True,
        comment="whether the authorities acknowledge it; empty if not known (added in v7)",
    ),
    *_sourced(),
    Index("ix_events_person", "person_id"),
    Index("ix_events_dates", "earliest", "latest"),
    comment="The status timeline: dated, sourced events.",
)

relatives = Table(
    "relatives",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="the claim that gives it"),
    Column("relation", String(20), nullable=False, comment="how they are related"),
    Column("relative_id", String(_ID), nullable=True, comment="the relative's record, if any"),
    Column("name", Text, nullable=True, comment="the relative's name as given"),
    Index("ix_relatives_person", "person_id"),
    comment="Relatives of each person, linked where they have a record.",
)

actions = Table(
    "actions",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="the claim that gives it"),
    Column("target", String(30), nullable=False, comment="to whom: kz_foreign_ministry, un…"),
    *_dated(required=False),
    Column("reply", Text, nullable=True, comment="the reply, if one came"),
    Column("note", Text, nullable=True, comment="what else was said"),
    *_sourced(),
    Index("ix_actions_person", "person_id"),
    comment="What the family has done: petitions, letters, appeals (added in v7).",
)

contacts = Table(
    "contacts",
    metadata,
    _person_fk(),
    Column("claim_id", String(40), primary_key=True, comment="the claim that gives it"),
    *_dated(required=True),
    Column(
        "channel",
        String(20),
        nullable=True,
        comment="how: in_person, phone, video_call, message, letter, through_others, other",
    ),
    Column("note", Text, nullable=True, comment="what else was said of it"),
    *_sourced(),
    Index("ix_contacts_person", "person_id"),
    comment="The last contact each relative had with the person (added in v11).",
)

assessments = Table(
    "assessments",
    metadata,
    _person_fk(),
    Column("entry_id", String(_HASH), primary_key=True, comment="the entry holding it"),
    Column("idx", Integer, primary_key=True, comment="position of the change in its entry"),
    Column("n", Integer, nullable=False, comment="position among the person's assessments"),
    Column("time", String(20), nullable=False, comment="when it was sealed, UTC"),
    Column(
        "source_reliability",
        String(20),
        nullable=True,
        comment="the source's reliability (HURIDOCS terms): highly_reliable, likely_reliable, "
        "unsure, likely_unreliable, highly_unreliable; empty: not assessed here",
    ),
    Column(
        "information_reliability",
        String(20),
        nullable=True,
        comment="the information's reliability, in the same terms",
    ),
    Column(
        "violation",
        String(10),
        nullable=True,
        comment="violation status: confirmed, likely, possible, unlikely",
    ),
    Column("un_route", String(10), nullable=True, comment="UN procedure: urgent or standard"),
    Column("reason", Text, nullable=False, comment="what the assessment rests on"),
    Column("by", String(200), nullable=True, comment="who assessed"),
    Column("record_id", String(_ID), nullable=False, comment="the person record assessed"),
    Index("ix_assessments_person", "person_id"),
    comment="Reviewers' assessments of a person's record, each as sealed; the latest "
    "that gives an aspect is the one in force (added in v12).",
)

submissions = Table(
    "submissions",
    metadata,
    _person_fk(),
    Column("submission_id", String(40), primary_key=True, comment="<entry>.<change>"),
    Column(
        "recipient",
        String(20),
        nullable=False,
        comment="to whom: un_wgeid, un_wgad, un_rapporteur, un_other, government, other",
    ),
    *_dated(required=True),
    Column("reference", Text, nullable=True, comment="the reference number it was given"),
    Column("note", Text, nullable=True, comment="what else was recorded"),
    Column("by", String(200), nullable=True, comment="who recorded it"),
    Column("time", String(20), nullable=False, comment="when it was sealed, UTC"),
    Column("record_id", String(_ID), nullable=False, comment="the person record it is on"),
    Index("ix_submissions_person", "person_id"),
    comment="Where and when the group submitted each person's case, not retracted (added in v12).",
)

flags = Table(
    "flags",
    metadata,
    _person_fk(key=True),
    Column("n", Integer, primary_key=True, comment="position among the person's flags"),
    Column("kind", String(24), nullable=False, comment="disagreement, id_birth_conflict…"),
    Column("field", String(20), nullable=False, comment="the field concerned"),
    Column("detail", Text, nullable=False, comment="what disagrees, in words"),
    Column(
        "args",
        Text,
        nullable=True,
        comment="the values the sentence names, JSON (v9): shown in the reader's language",
    ),
    Index("ix_flags_person", "person_id"),
    comment="Disagreements between sources and conflicts with ID numbers, never resolved silently.",
)

history = Table(
    "history",
    metadata,
    Column("subject", String(_ID), primary_key=True, comment="a person or testimony"),
    Column("n", Integer, nullable=False, comment="order among the subject's changes"),
    Column("entry_id", String(_HASH), primary_key=True, comment="the entry of the change"),
    Column("idx", Integer, primary_key=True, comment="position of the change in its entry"),
    Column("time", String(20), nullable=False, comment="when"),
    Column("op", String(40), nullable=False, comment="what kind of change"),
    Column("reason", Text, nullable=False, comment="the reason given, for corrections"),
    comment="Every change to a person or testimony, in order.",
)

testimonies = Table(
    "testimonies",
    metadata,
    Column("testimony_id", String(_ID), primary_key=True, comment="the testimony (t_…)"),
    Column("title", Text, nullable=False, comment="title, for published videos"),
    Column("testifier_name", Text, nullable=True, comment="who testified (internal)"),
    Column(
        "relationship", String(20), nullable=False, comment="testifier's relation to the person"
    ),
    Column("testifier_contact", Text, nullable=True, comment="contact (never public)"),
    Column(
        "testifier_kz_status",
        String(20),
        nullable=True,
        comment="the testifier's status in Kazakhstan: citizen, permanent_resident, kandas, "
        "other (added in v7)",
    ),
    Column("recorded", String(30), nullable=True, comment="when it was recorded"),
    Column("place_code", String(80), nullable=True, comment="where it was recorded (code)"),
    Column("place_text", Text, nullable=True, comment="where it was recorded (words)"),
    Column("language", String(12), nullable=True, comment="language spoken"),
    Column("consent", String(20), nullable=False, comment="public_named, public_anonymised…"),
    Column("consent_detail", Text, nullable=False, comment="the whole consent (JSON)"),
    Column("consent_changed", String(20), nullable=False, comment="when consent was last set"),
    Column("risk_notes", Text, nullable=False, comment="risks to the testifier (internal)"),
    Column("transcript", Text, nullable=False, comment="transcript"),
    Column("n_media", Integer, nullable=False, comment="video, audio and photo files"),
    Column("external", Text, nullable=False, comment="where it was published (JSON)"),
    Column("entry_id", String(_HASH), nullable=False, comment="the entry that recorded it"),
    Column("time", String(20), nullable=False, comment="when it was sealed"),
    comment="Testimonies, with the testifier's current consent.",
)

testimony_persons = Table(
    "testimony_persons",
    metadata,
    Column("testimony_id", String(_ID), primary_key=True, comment="the testimony"),
    Column("person_id", String(_ID), primary_key=True, comment="a person it concerns"),
    Index("ix_testimony_persons_person", "person_id"),
    comment="Which persons each testimony is about.",
)

testimony_media = Table(
    "testimony_media",
    metadata,
    Column("testimony_id", String(_ID), primary_key=True, comment="the testimony"),
    Column("n", Integer, primary_key=True, comment="position"),
    Column("blob", String(_HASH), nullable=False, comment="the sealed file's blob id"),
    Column(
        "visibility",
        String(20),
        nullable=True,
        comment="public (if the consent allows), restricted or sensitive; empty: not said, "
        "staff only (added in v7)",
    ),
    comment="The sealed media files of each testimony.",
)

translations = Table(
    "translations",
    metadata,
    Column("testimony_id", String(_ID), primary_key=True, comment="the testimony"),
    Column("n", Integer, primary_key=True, comment="position"),
    Column("language", String(12), nullable=False, comment="language of the translation"),
    Column("text", Text, nullable=False, comment="the translation"),
    comment="Translations of transcripts.",
)

sources = Table(
    "sources",
    metadata,
    Column("source_id", String(_ID), primary_key=True, comment="the source (s_…)"),
    Column("kind", String(20), nullable=False, comment="official_notice, court_document…"),
    Column("title", Text, nullable=False, comment="what it is"),
    Column("date", String(30), nullable=True, comment="its date"),
    Column("reference", Text, nullable=False, comment="reference or address"),
    Column("issuer", Text, nullable=False, comment="who issued it"),
    Column("note", Text, nullable=False, comment="notes"),
    Column("n_files", Integer, nullable=False, comment="sealed files"),
    Column("entry_id", String(_HASH), nullable=False, comment="the entry that added it"),
    Column("time", String(20), nullable=False, comment="when it was sealed"),
    comment="Documents and external records.",
)

source_persons = Table(
    "source_persons",
    metadata,
    Column("source_id", String(_ID), primary_key=True, comment="the source"),
    Column("person_id", String(_ID), primary_key=True, comment="a person it concerns"),
    Index("ix_source_persons_person", "person_id"),
    comment="Which persons each source is about.",
)

source_files = Table(
    "source_files",
    metadata,
    Column("source_id", String(_ID), primary_key=True, comment="the source"),
    Column("n", Integer, primary_key=True, comment="position"),
    Column("blob", String(_HASH), nullable=False, comment="the sealed file's blob id"),
    comment="The sealed files of each source.",
)

rebuttals = Table(
    "rebuttals",
    metadata,
    Column("rebuttal_id", String(_ID), primary_key=True, comment="the rebuttal (r_…)"),
    _person_fk(key=True),
    Column("kind", String(20), nullable=False, comment="living_normally, fabricated…"),
    Column("by", Text, nullable=False, comment="who made the claim"),
    Column("text", Text, nullable=False, comment="what they claim"),
    Column("date", String(30), nullable=True, comment="when"),
    Column("source_kind", String(10), nullable=False, comment="testimony or source"),
    Column("source_id", String(_ID), nullable=False, comment="where it is recorded"),
    Column("entry_id", String(_HASH), nullable=False, comment="the entry that added it"),
    Column("time", String(20), nullable=False, comment="when it was sealed"),
    Index("ix_rebuttals_person", "person_id"),
    comment="State claims against an entry, each as its own sourced item.",
)

places = Table(
    "places",
    metadata,
    Column("place_id", String(80), primary_key=True, comment="GB/T 2260 code or user:…"),
    Column("kind", String(20), nullable=False, comment="prefecture, county, facility…"),
    Column("parent", String(80), nullable=True, comment="the place it lies in"),
    Column("name_zh", Text, nullable=True, comment="name in Chinese characters"),
    Column("name_pinyin", Text, nullable=True, comment="pinyin"),
    Column("name_ug", Text, nullable=True, comment="Uyghur (Arabic script)"),
    Column("name_kk", Text, nullable=True, comment="Kazakh"),
    Column("name_en", Text, nullable=True, comment="English"),
    Column("names", Text, nullable=False, comment="all names by language (JSON)"),
    Column("lat", String(16), nullable=True, comment="latitude, decimal degrees"),
    Column("lon", String(16), nullable=True, comment="longitude, decimal degrees"),
    Column("origin", String(20), nullable=False, comment="gazetteer or user"),
    comment="Places: the shipped gazetteer and places users added.",
)

aliases = Table(
    "person_aliases",
    metadata,
    Column("alias_id", String(_ID), primary_key=True, comment="a person record merged into…"),
    Column("person_id", String(_ID), nullable=False, comment="…this person, shown in its place"),
    Index("ix_aliases_person", "person_id"),
    comment="Person records merged into another by same-person decisions (added in v5).",
)

decisions = Table(
    "link_decisions",
    metadata,
    Column("entry_id", String(_HASH), primary_key=True, comment="the entry of the decision"),
    Column("idx", Integer, primary_key=True, comment="position of the change in its entry"),
    Column("subject", String(80), nullable=False, comment="the pair: link:<a>:<b>"),
    Column("a", String(_ID), nullable=False, comment="one person record (the smaller id)"),
    Column("b", String(_ID), nullable=False, comment="the other person record"),
    Column("decision", String(10), nullable=False, comment="same, different or unsure"),
    Column("reason", Text, nullable=False, comment="why, in the reviewer's words"),
    Column("by", String(200), nullable=False, comment="the account that decided (may be empty)"),
    Column("probability", String(10), nullable=False, comment="the model's, if shown (text)"),
    Column("model", String(200), nullable=False, comment="which model gave it, if any"),
    Column("time", String(20), nullable=False, comment="when it was sealed"),
    Column("position", String(80), nullable=False, comment="<log>/<seq>: order within a writer"),
    Column(
        "current",
        Boolean,
        nullable=False,
        comment="whether it is the decision in force on the pair",
    ),
    Index("ix_decisions_pair", "a", "b"),
    Index("ix_decisions_b", "b"),
    Index("ix_decisions_subject", "subject"),
    comment="Every decision on a pair of person records, the one in force marked (added in v5).",
)

candidates = Table(
    "link_candidates",
    metadata,
    Column("a", String(_ID), primary_key=True, comment="one person record (the smaller id)"),
    Column("b", String(_ID), primary_key=True, comment="the other person record"),
    Column("probability", Float, nullable=False, comment="the model's match probability, 0-1"),
    Column("outcome", String(10), nullable=False, comment="link, review or no_link"),
    Column("model", String(200), nullable=False, comment="which model computed it"),
    Column("computed", String(20), nullable=False, comment="when, UTC"),
    Index("ix_candidates_queue", "outcome", "probability"),
    comment=(
        "Pairs the linkage model proposes, for the review queue; computed, never sealed, "
        "and emptied by a rebuild until linkage runs again (added in v5)."
    ),
)

# Every table folded from changes, in the order rows are deleted and written.
TABLES = (
    persons,
    names,
    search_keys,
    claims,
    identifiers,
    events,
    actions,
    contacts,
    assessments,
    submissions,
    relatives,
    flags,
    history,
    testimonies,
    testimony_persons,
    testimony_media,
    translations,
    sources,
    source_persons,
    source_files,
    rebuttals,
    places,
    aliases,
    decisions,
)


@dataclass(frozen=True)
class Migration:
    """One step from ``from_version``.

    ``apply`` alters the tables in place and ``refold`` asks for every subject to be
    folded again; a step with no ``apply`` needs what the views never kept (a value from
    the sealed entries), so the views are emptied and projected again from the vault.
    ``rebuild_if`` asks that too, only when it finds such a need in these views.
    """

    from_version: int
    apply: Callable[[Connection], None] | None
    refold: bool
    what: Words
    rebuild_if: Callable[[Connection], bool] | None = None


def _add_search_keys(conn: Connection) -> None:
    if not inspect(conn).has_table("search_keys"):
        search_keys.create(conn)


def _add_updated_index(conn: Connection) -> None:
    index = next(i for i in persons.indexes if i.name == "ix_persons_updated")
    index.create(conn, checkfirst=True)


def _add_search_indexes(conn: Connection) -> None:
    # v6's index on search_keys (kind, key, person_id) is gone with v8's table, and
    # step 6 rebuilds the views after this step anyway; the persons index stays.
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_keys_key")
    index = next(i for i in persons.indexes if i.name == "ix_persons_id_updated")
    index.create(conn, checkfirst=True)


def _one_row_per_key(conn: Connection) -> None:
    """v8: the search keys' table made again empty, one row per key with a bit for each
    kind; forgetting which names tables made the keys has ``Views.prepare`` make them
    again from the names (no entry is read from the vault)."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS search_keys")
    search_keys.create(conn)
    conn.execute(meta.delete().where(meta.c.key == NAME_TABLES_KEY))


def _add_flag_args(conn: Connection) -> None:
    """v9: the values a flag's sentence names, so the staff app can say it in the
    reader's language; every person is folded again to fill them."""
    if "args" not in {c["name"] for c in inspect(conn).get_columns("flags")}:
        conn.exec_driver_sql("ALTER TABLE flags ADD COLUMN args TEXT")


def _add_entries_index(conn: Connection) -> None:
    """v10: entries found by their place in a log, so every update can check that the
    last record it read of each log is still the one it read."""
    index = next(i for i in entries.indexes if i.name == "ix_entries_log_seq")
    index.create(conn, checkfirst=True)


def _add_contacts(conn: Connection) -> None:
    """v11: the last contact with each person (records format 1.3), empty: views that
    read no entry they could not use hold none."""
    contacts.create(conn, checkfirst=True)


def _add_reviews(conn: Connection) -> None:
    """v12: reviewers' assessments and the submissions of cases (records format 1.4),
    empty: views that read no entry they could not use hold none."""
    assessments.create(conn, checkfirst=True)
    submissions.create(conn, checkfirst=True)


def _entries_refused(conn: Connection) -> bool:
    """Whether these views hold an entry they could not use: an Amanat before 1.3 could
    not read a contact, nor one before 1.4 an assessment, so such an entry must be read
    again from the vault."""
    refused = select(entries.c.entry_id).where(entries.c.problem.is_not(None)).limit(1)
    return conn.execute(refused).first() is not None


MIGRATIONS = (
    Migration(1, _add_search_keys, True, Words("name search keys (search_keys table)")),
    Migration(
        2, None, False, Words("log positions of changes (the views are rebuilt from the vault)")
    ),
    Migration(3, _add_updated_index, False, Words("an index for the person list's order")),
    Migration(
        4,
        None,
        False,
        Words("merged persons and link decisions (the views are rebuilt from the vault)"),
    ),
    Migration(5, _add_search_indexes, False, Words("indexes for name search")),
    Migration(
        6,
        None,
        False,
        Words("who is responsible and what the family did (the views are rebuilt from the vault)"),
    ),
    Migration(7, _one_row_per_key, False, Words("name search keys stored one row a key")),
    Migration(8, _add_flag_args, True, Words("flags said in the reader's language")),
    Migration(
        9, _add_entries_index, False, Words("an index of the entries by their place in a log")
    ),
    Migration(
        10,
        _add_contacts,
        False,
        Words("the last contact with each person"),
        rebuild_if=_entries_refused,
    ),
    Migration(
        11,
        _add_reviews,
        False,
        Words("reviewers' assessments and submissions of cases"),
        rebuild_if=_entries_refused,
    ),
)


def stored_version(conn: Connection) -> int | None:
    """The schema version a views database was made with; None for an empty database."""
    if not inspect(conn).has_table("meta"):
        return None
    row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return None if row is None else int(row[0])

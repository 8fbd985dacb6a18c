"""Record changes: the typed, versioned entries the victims database is made of.

Nothing in the database is edited in place. Every change — a person created, a claim
added, a value corrected with a reason, a consent withdrawn, a state rebuttal — is a
*change* sealed in a vault entry of type ``record``, whose ``data`` is::

    {"schema": "amanat.records/1", "changes": [CHANGE, ...]}

(``amanat.records/1.1``, ``/1.2``, ``/1.3`` or ``/1.4`` when a change needs what
those versions add.)

The format is specified in ``docs/format/records.md``; this module is its reference
implementation. ``check_changes`` refuses anything that does not follow it, with one
plain sentence, so a projection never folds a malformed change, and the builders
(``new_person`` …) give writers values that pass it.

Values on a person are *claims*: ``{"field", "value", "source"}``. A claim always says
where it came from (a testimony or a source, with a locator such as a spreadsheet
row), so two relatives who disagree about a birth year leave two claims, both kept.
Claims are named ``<entry id prefix>.<change>.<claim>`` once sealed (``claim_id``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from amanat.errors import FormatError, InputError, Words
from amanat.records.dates import PartialDate, stored_date
from amanat.records.ids import KazakhIin, PassportNumber, ResidentId

__all__ = [
    "ACTION_TARGETS",
    "CASE_SCHEMA",
    "CLAIM_OPS",
    "CONSENT_LEVELS",
    "CONTACT_CHANNELS",
    "CONTACT_SCHEMA",
    "DECISIONS",
    "ETHNICITIES",
    "FIELDS",
    "KZ_STATUSES",
    "LINK_SCHEMA",
    "OPS",
    "RELATIONS",
    "RELIABILITY",
    "RESPONSIBLE",
    "REVIEW_OPS",
    "REVIEW_SCHEMA",
    "SCHEMA",
    "SETTLE_SCHEMA",
    "SOURCE_KINDS",
    "STATUSES",
    "SUBMITTED_TO",
    "TAKEN",
    "UN_ROUTES",
    "VIOLATION",
    "VISIBILITIES",
    "Change",
    "check_changes",
    "claim_id",
    "detect_script",
    "link_decided",
    "new_id",
    "pair_subject",
    "read_changes",
    "schema_for",
    "submission_id",
    "version_id",
]

SCHEMA = "amanat.records/1"
# Version 1.1 adds the op ``link.decided`` and changes nothing else. A writer names it
# only in an entry that holds such a change (``schema_for``), so a desk that knows only
# version 1 still reads every other entry, and refuses a decision with "update Amanat".
LINK_SCHEMA = "amanat.records/1.1"
# Version 1.2 adds what a case for the UN Working Group on Enforced or Involuntary
# Disappearances needs beyond version 1.1: who is believed responsible for a status
# event (``by``) and whether the authorities acknowledge it (``acknowledged``), and the
# claim field ``action`` (what the family has done: petitions and their replies); who
# may see each of a testimony's files (``visibility``); and the testifier's status in
# Kazakhstan (``kz_status``). It too is named only by an entry that uses it.
CASE_SCHEMA = "amanat.records/1.2"
# Version 1.3 adds the claim field ``contact``: the last contact a relative had with the
# person (when, by what means), which the intake questionnaire asks and version 1.2 left
# to free text. Named only by an entry that holds such a claim.
CONTACT_SCHEMA = "amanat.records/1.3"
# Version 1.4 adds what reviewers record after intake, which is theirs and not a claim
# from a source: their assessment of a record (``person.assessed``: how reliable its
# source and its information are, how likely a violation is, which UN procedure fits)
# and where and when the group submitted the case (``person.submitted``). Named only by
# an entry that holds such a change.
REVIEW_SCHEMA = "amanat.records/1.4"
# Version 1.5 adds ``testimony.settled``: a reviewer's word on which version of a
# testimony recorded more than once with other contents is genuine (one of them possibly
# forged with a seized station's key). Named only by an entry that holds such a change.
SETTLE_SCHEMA = "amanat.records/1.5"
# oldest first: each reads all before it
SCHEMAS = (SCHEMA, LINK_SCHEMA, CASE_SCHEMA, CONTACT_SCHEMA, REVIEW_SCHEMA, SETTLE_SCHEMA)
MAX_CHANGES = 10_000
MAX_TEXT = 100_000  # a transcript may be long; nothing larger belongs in an entry
MAX_SHORT = 2_000

STATUSES = (
    "detained",
    "in_camp",
    "sentenced",
    "in_prison",
    "released",
    "house_arrest",
    "forced_labour",
    "travel_banned",
    "disappeared",
    "deceased",
)
# The statuses that say when a person was taken: linkage and the review page compare
# the first of them (a release, a sentence or a death is not when a person was taken).
TAKEN = ("detained", "disappeared", "in_camp")
# Who is believed responsible for a status event (version 1.2).
RESPONSIBLE = (
    "police",
    "state_security",
    "local_officials",  # village, township or neighbourhood cadres
    "court",
    "border_guards",
    "other",
    "unknown",
)
# To whom the family turned (version 1.2): petitions, letters, appeals.
ACTION_TARGETS = (
    "kz_foreign_ministry",
    "kz_akimat",
    "kz_police",
    "kz_other",  # another Kazakh body: the ombudsman, parliament, the president's office
    "cn_consulate",  # the Chinese embassy or a consulate
    "cn_authorities",
    "un",
    "media",
    "ngo",  # another human-rights organisation (Atajurt, Amnesty, Human Rights Watch…)
    "other",
)
# The testifier's status in Kazakhstan (version 1.2): it decides whom they may petition
# there, and what the Kazakh state will do for them. A kandas is an ethnic Kazakh
# returning from abroad, with papers in process.
KZ_STATUSES = ("citizen", "permanent_resident", "kandas", "other")
# How a relative last heard from the person (version 1.3). Contact by a message app
# (WeChat above all) is how most families lost touch: messages unanswered, then the
# account gone. ``through_others`` is news passed on by someone else, not the person.
CONTACT_CHANNELS = (
    "in_person",
    "phone",
    "video_call",
    "message",  # a message app: WeChat, QQ, WhatsApp…
    "letter",
    "through_others",
    "other",
)
# Who may see a testimony's file (version 1.2): published if the consent allows, staff
# only, or sensitive (an ID card, a document: staff only, and never shown unasked).
# A file without one is staff only.
VISIBILITIES = ("public", "restricted", "sensitive")
CONSENT_LEVELS = ("public_named", "public_anonymised", "internal", "withdrawn")
CONSENT_HOW = ("video", "written", "oral", "unknown")
RELATIONS = (
    "spouse",
    "parent",
    "child",
    "sibling",
    "other_relative",
    "friend",
    "co_detainee",
    "eyewitness",
    "self",
    "other",
    "unknown",
)
ETHNICITIES = (
    "kazakh",
    "uyghur",
    "kyrgyz",
    "hui",
    "uzbek",
    "tatar",
    "tajik",
    "mongol",
    "han",
    "other",
)
SOURCE_KINDS = (
    "official_notice",  # detention notice, police summons, official statement
    "court_document",  # indictment, verdict, sentencing papers
    "id_document",  # a photograph or scan of an identity document
    "other_database",  # another organisation's list or database entry
    "imported_list",  # a spreadsheet taken in with `amanat import`
    "media_report",
    "published_video",  # a testimony video published by others (e.g. from yt-dlp)
    "other",
)
OFFICIAL_KINDS = frozenset({"official_notice", "court_document"})
DOCUMENT_KINDS = ("cn_resident_id", "kz_iin", "passport", "other")
REBUTTAL_KINDS = ("living_normally", "fabricated", "released", "criminal", "other")
NAME_FORMS = ("full", "given", "surname", "patronymic", "alias", "chinese")

# Fields with one true value: several values mean the sources disagree.
SINGLE_FIELDS = ("sex", "birth", "ethnicity", "hometown", "occupation", "death")
# Fields where every value stands beside the others.
MULTI_FIELDS = (
    "name",
    "citizenship",
    "document",
    "photo",
    "relative",
    "status",
    "action",
    "contact",
)
CASE_FIELDS = frozenset({"action"})  # version 1.2
CONTACT_FIELDS = frozenset({"contact"})  # version 1.3
CASE_STATUS_KEYS = frozenset({"by", "acknowledged"})  # version 1.2
CASE_MEDIA_KEYS = frozenset({"visibility"})  # version 1.2
CASE_TESTIFIER_KEYS = frozenset({"kz_status"})  # version 1.2
CASE_OPS = frozenset({"testimony.visibility_changed"})  # version 1.2
FIELDS = SINGLE_FIELDS + MULTI_FIELDS

OPS = (
    "person.created",
    "person.amended",
    "person.corrected",
    "testimony.recorded",
    "testimony.linked",
    "testimony.consent_changed",
    "testimony.visibility_changed",  # version 1.2
    "source.added",
    "rebuttal.added",
    "place.added",
    "link.decided",  # version 1.1
    "person.assessed",  # version 1.4
    "person.submitted",  # version 1.4
    "testimony.settled",  # version 1.5
)
LINK_OPS = frozenset({"link.decided"})
# The ops that carry claims about a person; a person exists once one of them names it.
CLAIM_OPS = ("person.created", "person.amended", "person.corrected")
REVIEW_OPS = frozenset({"person.assessed", "person.submitted"})  # version 1.4
# A reviewer's assessment (version 1.4), in the terms of HURIDOCS's Events Standard
# Formats: reliability as a source (ESF field 0953) and of the information (2553) take
# the terms of its micro-thesaurus "Reliability", the violation status those of
# "Violation status" (docs/format/records.md cites them). Their "Unknown" is left out:
# a record no one assessed says so by having no assessment.
RELIABILITY = (
    "highly_reliable",
    "likely_reliable",
    "unsure",
    "likely_unreliable",
    "highly_unreliable",
)
VIOLATION = ("confirmed", "likely", "possible", "unlikely")
# The UN Working Group on Enforced or Involuntary Disappearances takes a case by its
# urgent action procedure when the person disappeared within the last three months,
# by its standard procedure otherwise.
UN_ROUTES = ("urgent", "standard")
ASSESSMENT = {
    "source_reliability": RELIABILITY,
    "information_reliability": RELIABILITY,
    "violation": VIOLATION,
    "un_route": UN_ROUTES,
}
SUBMISSION_KEYS = ("to", "date", "reference", "note", "by", "retract", "reason")
# To whom the group submitted a case (version 1.4).
SUBMITTED_TO = (
    "un_wgeid",  # the UN Working Group on Enforced or Involuntary Disappearances
    "un_wgad",  # the UN Working Group on Arbitrary Detention
    "un_rapporteur",  # a UN special rapporteur (on torture, on freedom of religion…)
    "un_other",  # another UN body: a treaty body, the High Commissioner's office
    "government",  # a government or parliament (of Kazakhstan, or another)
    "other",  # another organisation, a court, the press
)
# A reviewer's decision on a pair of person records.
DECISIONS = ("same", "different", "unsure")

_ID = re.compile(r"[ptsr]_[0-9a-f]{32}")
_PLACE_ID = re.compile(r"(65[0-9]{4}|[0-9]{6}|user:[a-z0-9][a-z0-9._-]{0,90}|osm:[a-z]+/[0-9]+)")
_CLAIM_ID = re.compile(r"[0-9a-f]{16}\.[0-9]+\.[0-9]+")
_SUBMISSION_ID = re.compile(r"[0-9a-f]{16}\.[0-9]+")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_COORD = re.compile(r"-?[0-9]{1,3}\.[0-9]{1,7}")
_SCRIPTS = ("Latn", "Cyrl", "Arab", "Hani", "Zyyy")
_PROBABILITY = re.compile(r"0(\.[0-9]{1,6})?|1(\.0{1,6})?")


def new_id(kind: str) -> str:
    """A new random id: ``p_`` person, ``t_`` testimony, ``s_`` source, ``r_`` rebuttal."""
    if kind not in ("p", "t", "s", "r"):
        raise ValueError(kind)
    return f"{kind}_{uuid.uuid4().hex}"


def claim_id(entry_id: str, change: int, claim: int) -> str:
    return f"{entry_id[:16]}.{change}.{claim}"


def submission_id(entry_id: str, change: int) -> str:
    """A submission's id: where the change recording it was sealed."""
    return f"{entry_id[:16]}.{change}"


def version_id(entry_id: str, change: int) -> str:
    """A testimony version's id: where its ``testimony.recorded`` change was sealed."""
    return f"{entry_id[:16]}.{change}"


def pair_subject(a: str, b: str) -> str:
    """The subject of a decision on two person records: ``link:<smaller>:<larger>``,
    the same whichever order the decision names them in."""
    first, second = sorted((str(a), str(b)))
    return f"link:{first}:{second}"


def link_decided(
    a: str,
    b: str,
    decision: str,
    reason: str,
    *,
    by: str | None = None,
    probability: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """A ``link.decided`` change: a reviewer's decision that two person records are the
    same person, different persons, or that they cannot tell (``docs/format/records.md``).
    ``probability`` is the model's, as decimal text ("0.87"); ``model`` names it."""
    change: dict[str, Any] = {
        "op": "link.decided",
        "a": a,
        "b": b,
        "decision": decision,
        "reason": " ".join(reason.split()),
    }
    if by:
        change["by"] = by
    basis = {k: v for k, v in (("probability", probability), ("model", model)) if v}
    if basis:
        change["basis"] = basis
    return change


def _version_needed(change: Mapping[str, Any]) -> int:
    """The index in ``SCHEMAS`` of the oldest version that has all this change uses."""
    needed = 0
    op = change.get("op")
    if op == "testimony.recorded":
        media = change.get("media")
        for ref in media if isinstance(media, list) else ():
            if isinstance(ref, Mapping) and CASE_MEDIA_KEYS & ref.keys():
                needed = 2
        testifier = change.get("testifier")
        if isinstance(testifier, Mapping) and CASE_TESTIFIER_KEYS & testifier.keys():
            needed = 2
    if op == "testimony.settled":
        needed = 5
    if op in REVIEW_OPS:
        needed = 4
    if op in CASE_OPS:
        needed = max(needed, 2)
    if op in LINK_OPS:
        needed = max(needed, 1)
    claims = change.get("claims")
    for claim in claims if isinstance(claims, list) else ():
        if not isinstance(claim, Mapping):
            continue
        field = claim.get("field")
        value = claim.get("value")
        keys = set(value) if isinstance(value, Mapping) else set()
        if field in CONTACT_FIELDS:
            needed = 3
        elif field in CASE_FIELDS or (field == "status" and CASE_STATUS_KEYS & keys):
            needed = max(needed, 2)
    return needed


def schema_for(changes: Sequence[Mapping[str, Any]]) -> str:
    """The schema a writer names for these changes: the oldest that has what they use,
    so an entry without the newer fields stays readable by an older desk."""
    return SCHEMAS[max((_version_needed(c) for c in changes), default=0)]


def detect_script(text: str) -> str:
    """The ISO 15924 code of the script most letters of ``text`` are in.

    A first hint for a volunteer; the names module does the real work. Latin, Cyrillic,
    Arabic (Uyghur and Xinjiang Kazakh) and Han; ``Zyyy`` when there are no letters.
    """
    counts = dict.fromkeys(_SCRIPTS, 0)
    for char in text:
        code = ord(char)
        if not char.isalpha():
            continue
        if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
            counts["Latn"] += 1
        elif 0x400 <= code <= 0x52F:
            counts["Cyrl"] += 1
        elif 0x600 <= code <= 0x6FF or 0xFB50 <= code <= 0xFEFF or 0x750 <= code <= 0x77F:
            counts["Arab"] += 1
        elif 0x3400 <= code <= 0x9FFF or 0x20000 <= code <= 0x2FA1F or 0xF900 <= code <= 0xFAFF:
            counts["Hani"] += 1
    best = max(_SCRIPTS[:-1], key=lambda s: counts[s])
    return best if counts[best] else "Zyyy"


@dataclass(frozen=True)
class Change:
    """One checked change, where it was sealed, and the entry's files it may refer to."""

    entry_id: str
    index: int
    time: str  # the entry's signed creation time, UTC, "YYYY-MM-DDTHH:MM:SSZ"
    op: str
    body: Mapping[str, Any]
    files: tuple[str, ...]  # blob ids of the entry's files, by position
    position: str = ""  # "<log>/<seq, 12 digits>": where the entry sits in its writer's log

    @property
    def order(self) -> tuple[str, bool, str, str, int]:
        """The one order every projection folds changes in.

        Time first (whole seconds, as signed). Within one second, a change that retracts
        claims comes after those that do not: it can only retract a claim made before
        it, so this keeps a correction after what it corrects even when a desk seals it
        in the same second as a station's entry. Then each writer's own log order, then
        the entry id and the change's index, so two writers' entries of the same second
        have one order everywhere.
        """
        retracts = bool(self.body.get("retract"))
        return (self.time, retracts, self.position, self.entry_id, self.index)

    @property
    def subject(self) -> str:
        """The aggregate this change belongs to: a person, testimony, source or place."""
        op = self.op
        if op.startswith("person.") or op == "rebuttal.added":
            return str(self.body["person"])
        if op.startswith("testimony."):
            return str(self.body["testimony"])
        if op == "source.added":
            return str(self.body["source"])
        if op in LINK_OPS:
            return pair_subject(self.body["a"], self.body["b"])
        return str(self.body["place"])

    def claim_id(self, n: int) -> str:
        return claim_id(self.entry_id, self.index, n)


# -- checking ------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _shape(
    required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[frozenset[str], frozenset[str]]:
    """The required and the allowed keys of one kind of object (a few dozen kinds)."""
    req = frozenset(required)
    return req, req | frozenset(optional)


class _Checker:
    """Walks one change; every failure is a FormatError naming the change and field."""

    def __init__(self, where: str, n_files: int) -> None:
        self.where = where
        self.n_files = n_files

    def fail(self, what: Words) -> FormatError:
        return FormatError("%(where)s: %(what)s", where=self.where, what=what)

    def obj(
        self, value: Any, what: str, required: Sequence[str], optional: Sequence[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(Words("%(what)s must be an object.", what=what))
        req, allowed = _shape(tuple(required), tuple(optional))
        keys = value.keys()
        if req <= keys and keys <= allowed:
            return value
        missing = req - keys
        if missing:
            names = ", ".join(sorted(missing))
            raise self.fail(Words("%(what)s lacks %(names)s.", what=what, names=names))
        unknown = keys - allowed
        names = ", ".join(sorted(unknown))
        raise self.fail(Words("%(what)s has unknown fields %(names)s.", what=what, names=names))

    def text(self, value: Any, what: str, *, limit: int = MAX_SHORT, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(Words("%(what)s must be text.", what=what))
        if len(value) > limit:
            raise self.fail(
                Words("%(what)s is longer than %(limit)d characters.", what=what, limit=limit)
            )
        if not empty and not value.strip():
            raise self.fail(Words("%(what)s is empty.", what=what))
        if "\x00" in value:
            raise self.fail(Words("%(what)s contains a NUL character.", what=what))
        return value

    def choice(self, value: Any, what: str, options: Sequence[str]) -> str:
        if value not in options:
            names = ", ".join(options)
            raise self.fail(Words("%(what)s must be one of %(names)s.", what=what, names=names))
        return str(value)

    def ident(self, value: Any, what: str, prefix: str) -> str:
        if not isinstance(value, str) or not _ID.fullmatch(value) or value[0] != prefix:
            raise self.fail(
                Words(
                    "%(what)s must be an identifier %(prefix)s_<32 hex digits>.",
                    what=what,
                    prefix=prefix,
                )
            )
        return value

    def ids(self, value: Any, what: str, prefix: str, *, empty: bool = True) -> list[str]:
        if not isinstance(value, list) or (not empty and not value):
            if empty:
                raise self.fail(Words("%(what)s must be a list.", what=what))
            raise self.fail(Words("%(what)s must be a non-empty list.", what=what))
        out = [self.ident(v, what, prefix) for v in value]
        if len(set(out)) != len(out):
            raise self.fail(Words("%(what)s names the same identifier twice.", what=what))
        return out

    def date(self, value: Any, what: str) -> PartialDate:
        text = self.text(value, what, limit=64)
        try:
            parsed = stored_date(text)
        except InputError as exc:
            raise self.fail(Words("%(what)s: %(reason)s", what=what, reason=exc)) from None
        if parsed.to_text() != text:
            raise self.fail(
                Words(
                    "%(what)s is not in its canonical form (%(date)s).",
                    what=what,
                    date=parsed.to_text(),
                )
            )
        return parsed

    def file_ref(self, value: Any, what: str, optional: Sequence[str] = ()) -> int:
        ref = self.obj(value, what, ["file"], optional)
        n = ref["file"]
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < self.n_files:
            raise self.fail(Words("%(what)s refers to a file this entry does not hold.", what=what))
        return n

    def place(self, value: Any, what: str) -> None:
        ref = self.obj(value, what, [], ["place", "text"])
        if not ref:
            raise self.fail(
                Words("%(what)s names neither a known place nor a place in words.", what=what)
            )
        if "place" in ref and (
            not isinstance(ref["place"], str) or not _PLACE_ID.fullmatch(ref["place"])
        ):
            raise self.fail(Words("%(what)s has a malformed place code.", what=what))
        if "text" in ref:
            self.text(ref["text"], f"{what} text")

    def source_ref(self, value: Any, what: str) -> None:
        ref = self.obj(value, what, [], ["testimony", "source", "locator"])
        kinds = [k for k in ("testimony", "source") if k in ref]
        if len(kinds) != 1:
            raise self.fail(Words("%(what)s must name exactly one testimony or source.", what=what))
        self.ident(ref[kinds[0]], what, kinds[0][0])
        if "locator" in ref:
            self.text(ref["locator"], f"{what} locator", limit=200)

    def claim(self, value: Any, what: str) -> None:
        claim = self.obj(value, what, ["field", "value", "source"])
        field = self.choice(claim["field"], f"{what} field", FIELDS)
        self.source_ref(claim["source"], f"{what} source")
        self.value(field, claim["value"], f"{what} ({field})")

    def value(self, field: str, v: Any, what: str) -> None:
        if field == "name":
            name = self.obj(v, what, ["text", "script"], ["language", "form"])
            self.text(name["text"], what, limit=300)
            self.choice(name["script"], f"{what} script", _SCRIPTS)
            if "language" in name and not (
                isinstance(name["language"], str) and _LANG.fullmatch(name["language"])
            ):
                raise self.fail(
                    Words("%(what)s language must be a language code such as kk or ug.", what=what)
                )
            if "form" in name:
                self.choice(name["form"], f"{what} form", NAME_FORMS)
        elif field == "sex":
            self.choice(v, what, ("male", "female"))
        elif field in ("birth", "death"):
            self.date(v, what)
        elif field == "ethnicity":
            self.choice(v, what, ETHNICITIES)
        elif field == "citizenship":
            if not isinstance(v, str) or not _COUNTRY.fullmatch(v):
                raise self.fail(
                    Words("%(what)s must be a two-letter country code such as CN or KZ.", what=what)
                )
        elif field == "occupation":
            self.text(v, what)
        elif field == "hometown":
            self.place(v, what)
        elif field == "document":
            doc = self.obj(v, what, ["kind", "number"], ["country"])
            kind = self.choice(doc["kind"], f"{what} kind", DOCUMENT_KINDS)
            number = self.text(doc["number"], f"{what} number", limit=64)
            self._document(kind, number, doc.get("country"), what)
        elif field == "photo":
            self.file_ref(v, what)
        elif field == "relative":
            rel = self.obj(v, what, ["relation"], ["person", "name"])
            self.choice(rel["relation"], f"{what} relation", RELATIONS)
            if "person" not in rel and "name" not in rel:
                raise self.fail(
                    Words("%(what)s names neither a recorded person nor a name.", what=what)
                )
            if "person" in rel:
                self.ident(rel["person"], what, "p")
            if "name" in rel:
                self.text(rel["name"], f"{what} name", limit=300)
        elif field == "status":
            st = self.obj(
                v,
                what,
                ["status", "date"],
                ["place", "term", "charge", "note", "by", "acknowledged"],
            )
            self.choice(st["status"], f"{what} status", STATUSES)
            if "by" in st:
                self.choice(st["by"], f"{what} by", RESPONSIBLE)
            if "acknowledged" in st and not isinstance(st["acknowledged"], bool):
                raise self.fail(Words("%(what)s acknowledged must be true or false.", what=what))
            self.date(st["date"], f"{what} date")
            if "place" in st:
                self.place(st["place"], f"{what} place")
            for key in ("term", "charge"):
                if key in st:
                    self.text(st[key], f"{what} {key}", limit=500)
            if "note" in st:
                self.text(st["note"], f"{what} note", limit=MAX_TEXT)
        elif field == "action":
            act = self.obj(v, what, ["to"], ["date", "reply", "note"])
            self.choice(act["to"], f"{what} to", ACTION_TARGETS)
            if "date" in act:
                self.date(act["date"], f"{what} date")
            if "reply" in act:
                self.text(act["reply"], f"{what} reply", limit=MAX_SHORT)
            if "note" in act:
                self.text(act["note"], f"{what} note", limit=MAX_TEXT)
        elif field == "contact":
            last = self.obj(v, what, ["date"], ["channel", "note"])
            self.date(last["date"], f"{what} date")
            if "channel" in last:
                self.choice(last["channel"], f"{what} channel", CONTACT_CHANNELS)
            if "note" in last:
                self.text(last["note"], f"{what} note", limit=MAX_SHORT)

    def _document(self, kind: str, number: str, country: Any, what: str) -> None:
        try:
            if kind == "cn_resident_id":
                if ResidentId.decode(number, today=dt.date.max).number != number:
                    raise self.fail(
                        Words("%(what)s must be stored in its normalised form.", what=what)
                    )
            elif kind == "kz_iin":
                KazakhIin.decode(number, today=dt.date.max)
            elif kind == "passport":
                if not isinstance(country, str):
                    raise self.fail(Words("%(what)s needs the issuing country.", what=what))
                PassportNumber(country, number)
        except InputError as exc:
            raise self.fail(Words("%(what)s: %(reason)s", what=what, reason=exc)) from None

    def consent(self, value: Any, what: str) -> None:
        c = self.obj(
            value, what, ["level"], ["given", "how", "un", "authorities", "identifiers", "note"]
        )
        self.choice(c["level"], f"{what} level", CONSENT_LEVELS)
        if "given" in c:
            self.date(c["given"], f"{what} date")
        if "how" in c:
            self.choice(c["how"], f"{what} how", CONSENT_HOW)
        for flag in ("un", "authorities", "identifiers"):
            if flag in c and not isinstance(c[flag], bool):
                raise self.fail(
                    Words("%(what)s %(flag)s must be true or false.", what=what, flag=flag)
                )
        if "note" in c:
            self.text(c["note"], f"{what} note", limit=MAX_SHORT)


def _check_one(ch: _Checker, change: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(change, dict) or not isinstance(change.get("op"), str):
        raise ch.fail(Words("a change must be an object with an op."))
    op = change["op"]
    if op not in OPS:
        raise ch.fail(Words("unknown op %(op)s.", op=repr(op[:40])))
    if op in ("person.created", "person.amended", "person.corrected"):
        body = ch.obj(change, op, ["op", "person", "claims"], ["retract", "reason"])
        ch.ident(body["person"], "person", "p")
        if not isinstance(body["claims"], list):
            raise ch.fail(Words("claims must be a list."))
        for i, claim in enumerate(body["claims"]):
            ch.claim(claim, f"claim {i}")
        retract = body.get("retract", [])
        if not isinstance(retract, list) or not all(
            isinstance(r, str) and _CLAIM_ID.fullmatch(r) for r in retract
        ):
            raise ch.fail(Words("retract must be a list of claim identifiers."))
        if op == "person.created" and retract:
            raise ch.fail(Words("a new person has no claims to retract."))
        if op == "person.corrected":
            ch.text(body.get("reason"), "a correction's reason")
        elif "reason" in body:
            ch.text(body["reason"], "reason")
        if not body["claims"] and not retract and op != "person.created":
            raise ch.fail(Words("%(op)s changes nothing.", op=op))
    elif op == "testimony.recorded":
        body = ch.obj(
            change,
            op,
            ["op", "testimony", "persons", "testifier", "consent"],
            [
                "recorded",
                "place",
                "language",
                "media",
                "transcript",
                "translations",
                "risk_notes",
                "title",
                "external",
            ],
        )
        ch.ident(body["testimony"], "testimony", "t")
        ch.ids(body["persons"], "persons", "p")
        t = ch.obj(
            body["testifier"],
            "testifier",
            ["relationship"],
            ["name", "contact", "iin", "language", "anonymous", "kz_status"],
        )
        ch.choice(t["relationship"], "testifier relationship", RELATIONS)
        if "kz_status" in t:
            ch.choice(t["kz_status"], "testifier kz_status", KZ_STATUSES)
        for key in ("name", "contact"):
            if key in t:
                ch.text(t[key], f"testifier {key}", limit=500)
        if "iin" in t:
            ch._document(
                "kz_iin", ch.text(t["iin"], "testifier IIN", limit=64), None, "testifier IIN"
            )
        if "language" in t and not (
            isinstance(t["language"], str) and _LANG.fullmatch(t["language"])
        ):
            raise ch.fail(Words("testifier language must be a language code."))
        ch.consent(body["consent"], "consent")
        if "recorded" in body:
            ch.date(body["recorded"], "recording date")
        if "place" in body:
            ch.place(body["place"], "recording place")
        if "language" in body and not (
            isinstance(body["language"], str) and _LANG.fullmatch(body["language"])
        ):
            raise ch.fail(Words("language must be a language code such as kk, ru or ug."))
        if not isinstance(body.get("media", []), list):
            raise ch.fail(Words("media must be a list."))
        for i, ref in enumerate(body.get("media", [])):
            ch.file_ref(ref, f"media {i}", ["visibility"])
            if "visibility" in ref:
                ch.choice(ref["visibility"], f"media {i} visibility", VISIBILITIES)
        for key in ("transcript", "risk_notes"):
            if key in body:
                ch.text(body[key], key, limit=MAX_TEXT, empty=True)
        if "title" in body:
            ch.text(body["title"], "title", limit=500)
        translations = body.get("translations", [])
        if not isinstance(translations, list):
            raise ch.fail(Words("translations must be a list."))
        for i, tr in enumerate(translations):
            tr = ch.obj(tr, f"translation {i}", ["language", "text"])
            ch.text(tr["text"], f"translation {i}", limit=MAX_TEXT)
        if "external" in body:
            ext = ch.obj(body["external"], "external", [], ["url", "channel", "uploaded", "site"])
            for key, value in ext.items():
                ch.text(value, f"external {key}", limit=500)
    elif op == "testimony.linked":
        body = ch.obj(change, op, ["op", "testimony", "persons"], ["reason"])
        ch.ident(body["testimony"], "testimony", "t")
        ch.ids(body["persons"], "persons", "p", empty=False)
    elif op == "testimony.consent_changed":
        body = ch.obj(change, op, ["op", "testimony", "consent"], ["reason"])
        ch.ident(body["testimony"], "testimony", "t")
        ch.consent(body["consent"], "consent")
        if "reason" in body:
            ch.text(body["reason"], "reason")
    elif op == "testimony.visibility_changed":
        body = ch.obj(change, op, ["op", "testimony", "media", "visibility", "reason"])
        ch.ident(body["testimony"], "testimony", "t")
        n = body["media"]
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < MAX_CHANGES:
            raise ch.fail(Words("media must be the position of a file in the testimony (0, 1, …)."))
        ch.choice(body["visibility"], "visibility", VISIBILITIES)
        ch.text(body["reason"], "reason")
    elif op == "testimony.settled":
        body = ch.obj(change, op, ["op", "testimony", "genuine", "set_aside", "reason"])
        ch.ident(body["testimony"], "testimony", "t")
        aside = body["set_aside"]
        versions = [body["genuine"], *aside] if isinstance(aside, list) else []
        if not versions[1:] or not all(
            isinstance(v, str) and _SUBMISSION_ID.fullmatch(v) for v in versions
        ):
            raise ch.fail(
                Words(
                    "genuine and set_aside must name versions of the testimony "
                    "(<entry>.<change>), at least one set aside."
                )
            )
        if len(set(versions)) != len(versions):
            raise ch.fail(Words("a version is both genuine and set aside, or set aside twice."))
        ch.text(body["reason"], "reason")
    elif op == "source.added":
        body = ch.obj(
            change,
            op,
            ["op", "source", "kind", "title", "persons"],
            ["date", "reference", "files", "note", "issuer"],
        )
        ch.ident(body["source"], "source", "s")
        ch.choice(body["kind"], "source kind", SOURCE_KINDS)
        ch.text(body["title"], "source title", limit=500)
        ch.ids(body["persons"], "persons", "p")
        if "date" in body:
            ch.date(body["date"], "source date")
        for key in ("reference", "issuer"):
            if key in body:
                ch.text(body[key], key, limit=1000)
        if "note" in body:
            ch.text(body["note"], "note", limit=MAX_TEXT)
        files = body.get("files", [])
        if not isinstance(files, list):
            raise ch.fail(Words("files must be a list."))
        for i, ref in enumerate(files):
            ch.file_ref(ref, f"file {i}")
    elif op == "rebuttal.added":
        body = ch.obj(
            change, op, ["op", "rebuttal", "person", "kind", "by", "text", "source"], ["date"]
        )
        ch.ident(body["rebuttal"], "rebuttal", "r")
        ch.ident(body["person"], "person", "p")
        ch.choice(body["kind"], "rebuttal kind", REBUTTAL_KINDS)
        ch.text(body["by"], "who made the claim", limit=500)
        ch.text(body["text"], "rebuttal text", limit=MAX_TEXT)
        ch.source_ref(body["source"], "rebuttal source")
        if "date" in body:
            ch.date(body["date"], "rebuttal date")
    elif op == "person.assessed":
        body = ch.obj(change, op, ["op", "person", "reason"], ["by", *ASSESSMENT])
        ch.ident(body["person"], "person", "p")
        if not ASSESSMENT.keys() & body.keys():
            raise ch.fail(Words("person.assessed assesses nothing."))
        for key, options in ASSESSMENT.items():
            if key in body:
                ch.choice(body[key], key, options)
        ch.text(body["reason"], "an assessment's reason")
        if "by" in body:
            ch.text(body["by"], "who assessed", limit=200)
    elif op == "person.submitted":
        body = ch.obj(
            change,
            op,
            ["op", "person"],
            ["to", "date", "reference", "note", "by", "retract", "reason"],
        )
        ch.ident(body["person"], "person", "p")
        if "to" in body or "date" in body:
            ch.choice(body.get("to"), "submitted to", SUBMITTED_TO)
            if "date" not in body:
                raise ch.fail(Words("a submission needs its date."))
            ch.date(body["date"], "submission date")
        elif "retract" not in body:
            raise ch.fail(Words("person.submitted names neither a submission nor one to retract."))
        else:
            for key in ("reference", "note"):
                if key in body:
                    raise ch.fail(
                        Words("%(key)s belongs to a submission; give its to and date.", key=key)
                    )
        if "reference" in body:
            ch.text(body["reference"], "submission reference", limit=200)
        if "note" in body:
            ch.text(body["note"], "note", limit=MAX_SHORT)
        if "retract" in body:
            if not isinstance(body["retract"], str) or not _SUBMISSION_ID.fullmatch(
                body["retract"]
            ):
                raise ch.fail(Words("retract must be a submission's identifier."))
            ch.text(body.get("reason"), "a correction's reason")
        elif "reason" in body:
            ch.text(body["reason"], "reason")
        if "by" in body:
            ch.text(body["by"], "who submitted", limit=200)
    elif op == "link.decided":
        body = ch.obj(change, op, ["op", "a", "b", "decision", "reason"], ["by", "basis"])
        a = ch.ident(body["a"], "a", "p")
        if ch.ident(body["b"], "b", "p") == a:
            raise ch.fail(Words("a decision is about two different person records."))
        ch.choice(body["decision"], "decision", DECISIONS)
        ch.text(body["reason"], "a decision's reason")
        if "by" in body:
            ch.text(body["by"], "who decided", limit=200)
        if "basis" in body:
            basis = ch.obj(body["basis"], "basis", [], ["probability", "model"])
            if not basis:
                raise ch.fail(Words("basis is empty; leave it out."))
            if "probability" in basis and (
                not isinstance(basis["probability"], str)
                or not _PROBABILITY.fullmatch(basis["probability"])
            ):
                raise ch.fail(
                    Words('basis probability must be decimal text from 0 to 1, e.g. "0.87".')
                )
            if "model" in basis:
                ch.text(basis["model"], "basis model", limit=200)
    else:  # place.added
        body = ch.obj(
            change, op, ["op", "place", "kind", "names"], ["parent", "lat", "lon", "note"]
        )
        if (
            not isinstance(body["place"], str)
            or not body["place"].startswith("user:")
            or not _PLACE_ID.fullmatch(body["place"])
        ):
            raise ch.fail(
                Words("a place a user adds is named user:<lower-case letters, digits, ., - or _>.")
            )
        ch.choice(
            body["kind"],
            "place kind",
            ("prefecture", "county", "township", "village", "facility", "border_post", "other"),
        )
        names = body["names"]
        if not isinstance(names, dict) or not names:
            raise ch.fail(Words("a place needs at least one name."))
        for lang, name in names.items():
            if not isinstance(lang, str) or not _LANG.fullmatch(lang):
                raise ch.fail(Words("place names are keyed by language code."))
            ch.text(name, f"place name ({lang})", limit=300)
        if "parent" in body and (
            not isinstance(body["parent"], str) or not _PLACE_ID.fullmatch(body["parent"])
        ):
            raise ch.fail(Words("a place's parent must be a place code."))
        if ("lat" in body) != ("lon" in body):
            raise ch.fail(Words("give both latitude and longitude, or neither."))
        for key in ("lat", "lon"):
            if key in body and (not isinstance(body[key], str) or not _COORD.fullmatch(body[key])):
                raise ch.fail(
                    Words('%(key)s must be a decimal number written as text, e.g. "43.9".', key=key)
                )
        if "note" in body:
            ch.text(body["note"], "note", limit=MAX_SHORT)
    return op, body


def check_changes(data: Any, n_files: int) -> list[tuple[str, dict[str, Any]]]:
    """The changes of one record entry's ``data``, each checked; FormatError otherwise."""
    if not isinstance(data, dict) or set(data) != {"schema", "changes"}:
        raise FormatError("A record entry must hold exactly a schema and its changes.")
    if data["schema"] not in SCHEMAS:
        raise FormatError("This record entry uses a schema this Amanat does not know; update it.")
    changes = data["changes"]
    if not isinstance(changes, list) or not 1 <= len(changes) <= MAX_CHANGES:
        raise FormatError(
            "A record entry holds between 1 and %(count)s changes.", count=MAX_CHANGES
        )
    checked = [_check_one(_Checker(f"change {i}", n_files), c) for i, c in enumerate(changes)]
    version = SCHEMAS.index(data["schema"])
    for i, (op, body) in enumerate(checked):
        needed = _version_needed({"op": op, **body})
        if needed > version:
            raise FormatError(
                "change %(index)s: %(op)s needs the schema %(schema)s.",
                index=i,
                op=op,
                schema=SCHEMAS[needed],
            )
    return checked


def read_changes(
    entry_id: str, time: str, data: Any, files: Sequence[str], position: str = ""
) -> list[Change]:
    """Checked ``Change`` values of one opened record entry, in their sealed order."""
    return [
        Change(entry_id, i, time, op, body, tuple(files), position)
        for i, (op, body) in enumerate(check_changes(data, len(files)))
    ]

"""One spreadsheet row into one ``person.created`` change, or the reasons it cannot be.

Every value becomes a claim citing the sealed spreadsheet (``source``) with the locator
``row N``. How cells become claims:

- ``name_latin``, ``name_native`` (with ``options.name_language``), ``name_chinese``
  (form ``chinese``, language ``zh``): one ``name`` claim each; a list of columns is
  joined with spaces (surname, given name, patronymic);
- ``sex``, ``ethnicity``, ``citizenship``: through the value words (``vocab.py`` and
  the mapping's ``values``); an unknown word rejects the row and names the word;
- ``birth``: a date as volunteers write it (12.04.1980, 1980-04, 1980, ~1980), a date
  cell of the spreadsheet, or an age (0-150) counted back from ``options.ages_as_of``;
- ``resident_id``, ``iin``, ``passport``: ``document`` claims, checked (check digit,
  birth date, region code); an ID that disagrees with the row's sex or birth date is
  accepted with a note in the report, since the disagreement is itself evidence;
- ``hometown``: a Xinjiang county or prefecture by name or code, resolved with the
  gazetteer (a historical code is followed to today's unit); unknown or ambiguous
  names reject the row;
- ``detained_date``: a ``detained`` status event on that date, at ``camp`` or
  ``status_place`` when no current status is given;
- ``status``: a status event dated ``status_date`` (else ``options.status_as_of``),
  at ``status_place`` or ``camp``, with ``sentence_term``, ``charge`` and ``notes``;
- ``responsible`` (who detained the person, through the value words): the detention's
  event, else the status's, names them as believed responsible;
- ``testifier_name`` and ``relationship``: a ``relative`` claim (what the reporter is
  to the person).

A row needs a name or an ID number to be a person. Cells that say "unknown" in so many
words (``vocab.NO_VALUE``) count as empty. Invisible direction controls (U+202E and
kin) and control characters reject the row: they can make a name read differently
from what it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from amanat.errors import FormatError, InputError, UsageError
from amanat.ingest.mapping import Mapping
from amanat.ingest.reasons import Said, said_error, say
from amanat.ingest.tables import CellValue, Row, column_letter
from amanat.ingest.vocab import NO_VALUE, fold
from amanat.records import build
from amanat.records.changes import check_changes, new_id, schema_for
from amanat.records.dates import PartialDate, stored_date
from amanat.records.ids import ResidentId
from amanat.records.places import Gazetteer, Place

__all__ = ["SAME_AS_ROW", "SAME_RECORDED", "RowChecker", "RowOutcome"]


def N_(message: str) -> str:
    """Mark a message for the catalogues (scripts/i18n.py extract)."""
    return message


# The longest cell each field takes (the record format's own limits, or tighter).
_LIMITS = {
    "name_latin": 300,
    "name_native": 300,
    "name_chinese": 300,
    "testifier_name": 300,
    "hometown": 200,
    "status_place": 300,
    "camp": 300,
    "sentence_term": 500,
    "charge": 500,
    "occupation": 2000,
    "notes": 100_000,
}
_DEFAULT_LIMIT = 200
# What the report says of a document number given before, by kind of document: one
# message each, so that a translation can decline the document's name.
SAME_AS_ROW = {
    "cn_resident_id": N_("The same resident ID as row %(row)d."),
    "kz_iin": N_("The same IIN as row %(row)d."),
    "passport": N_("The same passport number as row %(row)d."),
}
SAME_RECORDED = {
    "cn_resident_id": N_(
        "The same resident ID is recorded already, for person %(person)s: this row is a new "
        "record of its own until a reviewer joins them."
    ),
    "kz_iin": N_(
        "The same IIN is recorded already, for person %(person)s: this row is a new record "
        "of its own until a reviewer joins them."
    ),
    "passport": N_(
        "The same passport number is recorded already, for person %(person)s: this row is a "
        "new record of its own until a reviewer joins them."
    ),
}
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible characters that change nothing written but break search and matching when
# left in (copied from web pages and word processors): soft hyphen, zero-width space,
# left-to-right and right-to-left marks, the Arabic letter mark, word joiners, a byte
# order mark within the text. They are left out, with a note in the report. Zero-width
# (non-)joiners (U+200C, U+200D) are kept: they change how Arabic script is written.
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u061c\u2060-\u2064\ufeff]")
_SHOWN = 40


@functools.lru_cache(maxsize=65536)
def _says_nothing(text: str) -> bool:
    """Whether a short cell is empty or says "unknown" in so many words (cached: the
    same few words fill whole columns)."""
    return fold(text) in NO_VALUE


_folded = functools.lru_cache(maxsize=65536)(fold)


@dataclass(frozen=True)
class RowOutcome:
    number: int
    outcome: str  # "accepted", "rejected" or "empty"
    # why rejected; for an accepted row, notes for the reviewer (none: nothing to say),
    # put into the importer's words by the process that writes the report (reasons.py)
    reasons: tuple[Said, ...]
    change: dict[str, Any] | None = None
    person: str | None = None
    # the row's document numbers ("kind:number", the column's words), for the notes on
    # a number the list has already given (RowChecker.note_repeats)
    ids: tuple[tuple[str, str], ...] = ()


def _shown(text: str) -> str:
    text = " ".join(_BIDI.sub("", text).split()).replace("'", "’")
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


# What a check of the records layer says about a hometown or a place (``Gazetteer``),
# as the report shows it: here so that it is in the catalogues.
PLACE_CHECKS = (
    N_("unknown county '%(value)s'; check the spelling, or give its six-digit code."),
    N_("unknown place '%(value)s'; check the spelling, or give its six-digit code."),
    N_("'%(value)s' could be several places (%(places)s); give the full name or the code."),
)


def cell_text(value: CellValue) -> str:
    """A cell as the text a person sees: dates as ISO days, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@functools.lru_cache(maxsize=1 << 16)
def _parse_date(text: str, today: dt.date) -> PartialDate:
    """PartialDate.parse, remembered: a list repeats the same few thousand dates."""
    return PartialDate.parse(text, today=today)


class _Rejected(Exception):
    pass


class RowChecker:
    """Checks rows against a bound mapping and builds their changes."""

    def __init__(
        self,
        mapping: Mapping,
        headers: Sequence[str],
        *,
        source_id: str,
        gazetteer: Gazetteer,
        today: dt.date,
        extra_cells_ok: bool = False,
    ) -> None:
        self.mapping = mapping
        self.extra_cells_ok = extra_cells_ok
        self.headers = headers
        self.columns = mapping.bind(headers)
        # the columns the import reads: a formula elsewhere in a row costs it nothing
        self._used = frozenset(i for cols in self.columns.values() for i in cols)
        self.source_id = source_id
        self.gazetteer = gazetteer
        self.today = today
        self._places: dict[tuple[str, str], Place | Said] = {}
        self._ids: dict[str, int] = {}
        self._region_notes: dict[tuple[str, int], list[Said]] = {}
        self._problems: list[Said] = []
        self._notes: list[Said] = []
        self._row_ids: list[tuple[str, str]] = []
        # The list's own spellings of places (values: hometown), each checked once here.
        self._home_words: dict[str, str] = {}
        for word, target in mapping.values.get("hometown", {}).items():
            if target is None:
                continue
            found = self._place(target, ("county", "prefecture"))
            if not isinstance(found, Place):
                raise UsageError(
                    "The mapping %(mapping)s: `values: hometown` maps a word to a place Amanat "
                    "does not know, or knows several of; write that place's six-digit code "
                    "and run again.",
                    mapping=mapping.name,
                )
            self._home_words[word] = found.id

    # -- cells -------------------------------------------------------------------------

    def _about(self, fname: str, said: Said) -> Said:
        """``said`` about the field's columns (their headers shown before it)."""
        cols = self.columns[fname]
        names = tuple(_shown(self.headers[i]) or column_letter(i) for i in cols)
        return replace(said, columns=names)

    def _problem(self, fname: str, said: Said) -> None:
        self._problems.append(self._about(fname, said))

    def _raw(self, row: Row, fname: str) -> list[CellValue]:
        return [row.values[i] if i < len(row.values) else None for i in self.columns.get(fname, ())]

    def _text(self, row: Row, fname: str) -> str:
        """The field's cells as one text ('' when empty or 'unknown'); checked for
        length and hidden characters."""
        cols = self.columns.get(fname)
        if cols is None:
            return ""
        values = row.values
        if len(cols) == 1:  # the common case, without the generator machinery
            i = cols[0]
            value = values[i] if i < len(values) else None
            text = value.strip() if isinstance(value, str) else cell_text(value).strip()
        else:
            cells = (cell_text(values[i] if i < len(values) else None).strip() for i in cols)
            text = " ".join(t for t in cells if t)
        if len(text) < 20 and _says_nothing(text):
            return ""
        limit = _LIMITS.get(fname, _DEFAULT_LIMIT)
        if len(text) > limit:
            self._problem(
                fname,
                say(
                    "this cell is %(length)s characters long; at most %(limit)s fit here",
                    length=len(text),
                    limit=limit,
                ),
            )
            raise _Rejected
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
            self._notes.append(
                self._about(
                    fname,
                    say(
                        "invisible characters (a zero-width space, a direction mark or a "
                        "soft hyphen) were left out"
                    ),
                )
            )
        if _HIDDEN.search(text):
            if _BIDI.search(text):
                self._problem(
                    fname,
                    say(
                        "holds invisible text-direction controls (such as U+202E) that can "
                        "disguise what is written; remove them"
                    ),
                )
            else:
                self._problem(fname, say("holds invisible control characters; retype the cell"))
            raise _Rejected
        if text.startswith("="):
            self._problem(
                fname,
                say(
                    "starts with '=' like a spreadsheet formula; Amanat does not calculate "
                    "formulas: write the value itself"
                ),
            )
            raise _Rejected
        return text

    def _soft(self, fname: str, fn: Callable[[], Any]) -> Any:
        """Run a check; record its InputError as the field's problem and return None."""
        try:
            return fn()
        except InputError as exc:
            self._problem(fname, said_error(exc))
            return None

    def _word(self, row: Row, fname: str) -> str | None:
        text = self._text(row, fname)
        if not text:
            return None
        key = _folded(text)
        table = self.mapping.values[fname]
        if key not in table:
            self._problem(
                fname,
                say(
                    "'%(value)s' is not a word Amanat knows here; add it to the mapping under "
                    "`values: %(field)s`",
                    value=_shown(text),
                    field=fname,
                ),
            )
            return None
        return table[key]

    def _date(self, row: Row, fname: str, *, ages: bool = False) -> str | None:
        raw = [v for v in self._raw(row, fname) if v is not None and cell_text(v).strip()]
        if len(raw) == 1 and isinstance(raw[0], dt.date | dt.datetime):
            day = raw[0].date() if isinstance(raw[0], dt.datetime) else raw[0]
            if day > self.today:
                self._problem(fname, say("%(date)s is after today", date=day.isoformat()))
                return None
            return PartialDate.day(day.year, day.month, day.day).to_text()
        text = self._text(row, fname)
        if not text:
            return None
        if ages and text.isdigit() and len(text) <= 3 and int(text) <= 150:
            if self.mapping.ages_as_of is None:
                self._problem(
                    fname,
                    say(
                        "this is an age, and the mapping does not say when it was given; "
                        "set `options: ages_as_of`"
                    ),
                )
                return None
            on = self.mapping.ages_as_of
            return str(self._soft(fname, lambda: PartialDate.from_age(int(text), on=on).to_text()))
        parsed = self._soft(fname, lambda: _parse_date(text, self.today))
        return None if parsed is None else str(parsed.to_text())

    def _place(self, text: str, kinds: tuple[str, ...]) -> Place | Said:
        """A place found for ``text`` among ``kinds``, or the reason it was not."""
        key = (text, ",".join(kinds))
        if key not in self._places:
            found: Place | Said
            try:
                found = self.gazetteer.resolve(text, kinds=kinds)  # type: ignore[arg-type]
            except InputError as exc:
                found = said_error(exc)
                if re.fullmatch(r"\d{6}", text.strip()):
                    current = self.gazetteer.for_region_code(text)
                    found = (
                        current
                        if current is not None
                        else say("unknown county code '%(value)s'", value=text.strip())
                    )
            self._places[key] = found
        return self._places[key]

    def _where(self, text: str) -> dict[str, Any]:
        """A place reference for a status: the gazetteer's code when it names exactly one
        place, with the text as written in any case."""
        found = self._place(text, ("facility", "county", "prefecture"))
        return build.place_ref(found.id if isinstance(found, Place) else None, text)

    # -- the row -----------------------------------------------------------------------

    def check(self, row: Row) -> RowOutcome:
        """The row's outcome; an accepted row carries its ``person.created`` change."""
        problem = row.problem_in(self._used)
        if problem is not None:
            return RowOutcome(row.number, "rejected", (problem,))
        if row.empty:
            return RowOutcome(row.number, "empty", ())
        extra = [v for v in row.values[len(self.headers) :] if cell_text(v).strip()]
        if extra and not self.extra_cells_ok:
            too_many = say(
                "the row has %(cells)d cells but the header only %(columns)d columns; a "
                "separator inside a value may be missing its quotes.",
                cells=len(row.values),
                columns=len(self.headers),
            )
            return RowOutcome(row.number, "rejected", (too_many,))
        self._problems = []
        self._notes = []
        self._row_ids = []
        notes: list[Said] = []
        try:
            claims = self._claims(row, notes)
        except _Rejected:
            claims = []
        ids = tuple(self._row_ids)
        if self._problems:
            return RowOutcome(row.number, "rejected", tuple(self._problems), ids=ids)
        if not any(c["field"] in ("name", "document") for c in claims):
            nobody = say("the row has no name and no ID number, so it cannot be a person's record.")
            return RowOutcome(row.number, "rejected", (nobody,))
        person = new_id("p")
        change = {"op": "person.created", "person": person, "claims": claims}
        try:
            check_changes({"schema": schema_for([change]), "changes": [change]}, 0)
        except FormatError as exc:  # a backstop: the checks above should catch it first
            backstop = say("this row cannot be recorded: %(problem)s", problem=exc.message)
            return RowOutcome(row.number, "rejected", (backstop,), ids=ids)
        said = (*dict.fromkeys(self._notes), *notes)
        return RowOutcome(row.number, "accepted", said, change, person, ids)

    def note_repeats(self, outcome: RowOutcome) -> RowOutcome:
        """``outcome`` with a note for each document number an earlier row of the list
        gave (rejected rows count: the reviewer may want to see them). Called in the
        list's order by the process that reads the list, since its rows may be checked
        in other processes (spreadsheet.py)."""
        notes = []
        for key, label in outcome.ids:
            first = self._ids.setdefault(key, outcome.number)
            if first != outcome.number:
                notes.append(say(SAME_AS_ROW[label], row=first))
        if not notes or outcome.outcome != "accepted":
            return outcome
        return replace(outcome, reasons=(*outcome.reasons, *notes))

    def _claims(self, row: Row, notes: list[Said]) -> list[dict[str, Any]]:
        src = build.source_ref(source=self.source_id, locator=f"row {row.number}")
        out: list[dict[str, Any]] = []

        def add(fname: str, value: Any) -> None:
            out.append(build.claim(fname, value, src))

        m = self.mapping
        for fname, language, form in (
            ("name_latin", None, None),
            ("name_native", m.name_language, None),
            ("name_chinese", "zh", "chinese"),
        ):
            text = self._text(row, fname)
            if text:
                add("name", build.name(text, language=language, form=form))
        sex = self._word(row, "sex") if "sex" in self.columns else None
        if sex:
            add("sex", sex)
        birth = self._date(row, "birth", ages=True) if "birth" in self.columns else None
        if birth:
            add("birth", birth)
        for fname in ("ethnicity", "citizenship"):
            word = self._word(row, fname) if fname in self.columns else None
            if word:
                add(fname, word)
        occupation = self._text(row, "occupation")
        if occupation:
            add("occupation", occupation)
        self._documents(row, add, notes, sex, birth)
        home = self._text(row, "hometown")
        if home:
            found = self._place(self._home_words.get(fold(home), home), ("county", "prefecture"))
            if isinstance(found, Place):
                add("hometown", build.place_ref(found.id, home))
            else:
                self._problem("hometown", found)
        # an event before the birth is a mistyped year (an "about" date may be far off)
        born = stored_date(birth) if birth else None
        if born is not None and born.approximate:
            born = None
        for event in self._events(row, notes):
            happened = stored_date(event["date"])
            if born is not None and not happened.approximate and happened.latest < born.earliest:
                self._problem(
                    "birth",
                    say(
                        "the person was born (%(birth)s) after the %(status)s date "
                        "(%(date)s); check both",
                        birth=born.to_text(),
                        status=event["status"],
                        date=event["date"],
                    ),
                )
                raise _Rejected
            add("status", event)
        testifier = self._text(row, "testifier_name")
        relation = self._word(row, "relationship") if "relationship" in self.columns else None
        if testifier:
            add("relative", {"relation": relation or "unknown", "name": testifier})
        return out

    def _documents(
        self,
        row: Row,
        add: Callable[[str, Any], None],
        notes: list[Said],
        sex: str | None,
        birth: str | None,
    ) -> None:
        for fname, kind in (
            ("resident_id", "cn_resident_id"),
            ("iin", "kz_iin"),
            ("passport", "passport"),
        ):
            if fname not in self.columns:
                continue
            raw = self._raw(row, fname)
            if any(isinstance(v, float) or (isinstance(v, int) and len(str(v)) > 15) for v in raw):
                self._problem(
                    fname,
                    say(
                        "the number is stored as a number, so the spreadsheet may have rounded "
                        "its last digits; format the column as text and type the number again"
                    ),
                )
                continue
            text = self._text(row, fname)
            if not text:
                continue
            if kind == "kz_iin" and any(isinstance(v, int) for v in raw) and len(text) < 12:
                text = text.zfill(12)  # a number cell drops the leading zero of 2000s births
            country = self.mapping.passport_country
            if kind == "passport" and country is None:
                self._problem(
                    fname, say("set `options: passport_country` in the mapping (e.g. CN)")
                )
                continue
            rid = None
            try:
                if kind == "cn_resident_id":
                    # build.document's own steps, keeping the ResidentId for the notes.
                    rid = ResidentId.decode(text, today=self.today)
                    doc = {"kind": kind, "number": rid.number}
                else:
                    doc = build.document(kind, text, country=country, today=self.today)
            except InputError as exc:
                self._problem(fname, said_error(exc))
                continue
            self._row_ids.append((f"{kind}:{doc['number']}", kind))
            if rid is not None:
                notes += self._id_notes(rid, sex, birth)
            add("document", doc)

    def _id_notes(self, rid: ResidentId, sex: str | None, birth: str | None) -> list[Said]:
        """Where the ID disagrees with the row: for the reviewer, never a reason to refuse."""
        out = []
        if sex == "male" and rid.sex == "female":
            out.append(say("The resident ID says a woman; the row says a man."))
        elif sex == "female" and rid.sex == "male":
            out.append(say("The resident ID says a man; the row says a woman."))
        if birth is not None:
            parsed = PartialDate.parse(birth, today=dt.date.max)
            if not parsed.contains(rid.birth_date):
                out.append(
                    say(
                        "The resident ID's birth date is outside the row's (%(birth)s).",
                        birth=birth,
                    )
                )
        # The notes depend on the region code and birth year only; many rows share them.
        key = (rid.region_code, rid.birth_date.year)
        if key not in self._region_notes:
            last = rid.abolished_before_birth()
            self._region_notes[key] = (
                []
                if last is None
                else [
                    say(
                        "The region code %(code)s was abolished in %(year)s, before the birth "
                        "year %(born)s; check the number.",
                        code=rid.region_code,
                        year=str(last),
                        born=str(rid.birth_date.year),
                    )
                ]
            )
        return out + self._region_notes[key]

    def _events(self, row: Row, notes: list[Said]) -> list[dict[str, Any]]:
        status = self._word(row, "status") if "status" in self.columns else None
        detained = self._date(row, "detained_date") if "detained_date" in self.columns else None
        when = self._date(row, "status_date") if "status_date" in self.columns else None
        place_text = self._text(row, "status_place") or self._text(row, "camp")
        term = self._text(row, "sentence_term")
        charge = self._text(row, "charge")
        note = self._text(row, "notes")
        by = self._word(row, "responsible") if "responsible" in self.columns else None
        place = self._where(place_text) if place_text else None
        events: list[dict[str, Any]] = []
        if detained:
            events.append(
                build.status(
                    "detained",
                    detained,
                    place=None if status else place,
                    term=None if status else term,
                    charge=None if status else charge,
                    note=None if status else note,
                    by=by,
                )
            )
        if status:
            when = when or self.mapping.status_as_of
            if when is None:
                self._problem(
                    "status",
                    say(
                        "a status needs the date it is known for; fill the status date, or "
                        "set `options: status_as_of` in the mapping"
                    ),
                )
                return events
            events.append(
                build.status(
                    status,
                    when,
                    place=place,
                    term=term,
                    charge=charge,
                    note=note,
                    by=None if detained else by,
                )
            )
        elif not detained and (term or charge or place_text or by):
            what = (
                "status_place"
                if place_text
                else ("sentence_term" if term else ("charge" if charge else "responsible"))
            )
            if what in self.columns:
                self._problem(what, say("this needs a status or a detention date in the same row"))
        elif note and not detained:
            notes.append(
                say(
                    "The notes cell is kept only in the sealed spreadsheet (no status to "
                    "attach it to)."
                )
            )
        return events

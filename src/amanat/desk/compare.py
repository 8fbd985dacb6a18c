"""Two person records side by side, for a reviewer deciding whether they are one person
(issue 6, "Review").

``compare_persons`` reads what each record says of a field and how the two relate,
the way the linkage model compares them, so that the page shows a reviewer the same
evidence the model weighed:

- names by how they read, whatever the script (``names.name_similarity``): 赛力克江·别拉什
  and Serikzhan Bilash *agree*, and each name shows its Latin reading;
- birth dates as the ranges they stand for: 1980-01-01 lies within 1980 (*overlap*:
  they agree, one is more precise); 1980 and 1981 are *near*, a year apart;
- resident ID numbers: two numbers that differ in one or two places and do not both
  pass the check character are one number mistyped (*near*), not two persons;
- hometowns by code: the same county *agrees*, a county within the other's
  prefecture *overlaps*, two counties of one prefecture are *near*;
- when the person was first taken (the event the linkage model compares: detained,
  disappeared or sent to a camp, the one surely first): the same range *agrees*, a day
  within the other side's month or year *overlaps*, dates up to three months apart
  are *near* (a family's memory errs by a month or two), further apart they *differ*;
- statuses and relatives are listed, never a contradiction (a man detained and later
  released has both).

Verdicts: ``agree``, ``overlap``, ``near``, ``differ``, ``missing`` (one side is
silent) and ``compare`` (nothing to weigh: the reviewer reads both). A row's ``note``
says why, as a code the app words in the reviewer's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import JaroWinkler

from amanat.names import analyse, is_label, name_keys, name_similarity
from amanat.records.changes import TAKEN
from amanat.records.dates import stored_date
from amanat.records.ids import ric_check_character
from amanat.views.read import PersonDetail

__all__ = ["FIELDS", "NOTES", "VERDICTS", "Row", "Value", "compare_persons", "own_record"]

FIELDS = (
    "name",
    "sex",
    "birth",
    "document",
    "hometown",
    "ethnicity",
    "taken",
    "status",
    "relative",
)
VERDICTS = ("agree", "overlap", "near", "differ", "missing", "compare")
NOTES = (
    "sound_alike",  # names written differently that read the same
    "names_close",  # names alike, not the same
    "within",  # one birth date or place lies within the other
    "years_apart",  # births ``amount`` years apart
    "mistyped",  # ID numbers one or two digits apart, not both valid: one number
    "same_prefecture",  # two counties of one prefecture
    "months_apart",  # first taken ``amount`` months apart
    "words_alike",  # names that differ, yet ``amount`` of their words read the same
)
# name_similarity from which two names are read as the same, and as close
SAME_NAME = 0.95
CLOSE_NAME = 0.88
NEAR_BIRTH_YEARS = 2  # births close as a reader counts them: 1980 and 1982
NEAR_TAKEN_MONTHS = 3  # the model's "within three months"
MONTH_DAYS = 30.44  # two days' distance in months


@dataclass(frozen=True, slots=True)
class Value:
    """One value one side gives: ``text`` as recorded (or a place's names); ``reading``
    a second line (a name in Latin letters, a place's code); ``code`` a stored code the
    app translates (sex, ethnicity, status, relationship), else empty; ``person`` the
    record of a relative who has one (the app shows that person's name), else empty."""

    text: str
    reading: str = ""
    code: str = ""
    person: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    field: str
    a: tuple[Value, ...]
    b: tuple[Value, ...]
    verdict: str
    note: str = ""
    amount: int = 0


def compare_persons(a: PersonDetail, b: PersonDetail) -> list[Row]:
    """One row per field either side gives, in ``FIELDS`` order."""
    rows = [
        _names(a, b),
        _codes("sex", a.person.get("sex"), b.person.get("sex")),
        _birth(a.person, b.person),
        _documents(a, b),
        _hometown(a, b),
        _codes("ethnicity", a.person.get("ethnicity"), b.person.get("ethnicity")),
        _taken(a, b),
        _listed("status", _statuses(a), _statuses(b)),
        _relatives(a, b),
    ]
    return [r for r in rows if r is not None]


def _row(field: str, a: Sequence[Value], b: Sequence[Value], verdict: str, **kw: Any) -> Row:
    if not a or not b:
        verdict, kw = "missing", {}
    return Row(field, tuple(a), tuple(b), verdict, **kw)


def _distinct(texts: Iterable[object]) -> list[str]:
    out: list[str] = []
    for t in texts:
        if t and str(t) not in out:
            out.append(str(t))
    return out


# -- one record of a merged person -------------------------------------------------------


def own_record(detail: PersonDetail, record: str, *, concerns: Collection[str]) -> PersonDetail:
    """What one record of a merged person says by itself, so that a reviewer judging
    whether to split a merge sees each record's values side by side, not the merged
    person twice. The views keep, for every claim, the record it was sealed on
    (``record_id``): the record's names, ID numbers, events and relatives are those of
    its own standing claims; a single value (sex, birth, hometown…) is the one the
    merged person shows when this record gives it, else the one most of the record's
    sources give. ``concerns``: the testimonies and sources about this record (the
    views' links). ``hometown`` is kept only when it is the same place; the caller
    looks up another. Decisions and history stay the merged person's."""
    mine = [c for c in detail.claims if c.get("record_id") == record and not c.get("retracted_by")]
    ids = {str(c["claim_id"]) for c in mine}

    def pick(name: str) -> Any:
        claims = [c for c in mine if c["field"] == name]
        chosen = [c for c in claims if c.get("chosen")]
        if chosen:
            return chosen[0]["value"]
        support: dict[str, set[str]] = {}
        first: dict[str, Any] = {}
        for c in claims:
            key = json.dumps(c["value"], sort_keys=True, ensure_ascii=False)
            support.setdefault(key, set()).add(str(c.get("source_id")))
            first.setdefault(key, c["value"])
        return first[max(first, key=lambda k: len(support[k]))] if first else None

    names = [n for n in detail.names if str(n["claim_id"]) in ids]
    texts = [str(c["value"].get("text", "")) for c in mine if c["field"] == "name"]
    shown = str(detail.person.get("display_name") or "")
    birth = pick("birth")
    span = stored_date(str(birth)) if birth else None
    home = pick("hometown")
    home = home if isinstance(home, dict) else {}
    person = {
        **detail.person,
        "person_id": record,
        "display_name": shown if shown in texts else (texts[0] if texts else ""),
        "sex": pick("sex"),
        "birth": birth,
        "birth_earliest": span.earliest.isoformat() if span else None,
        "birth_latest": span.latest.isoformat() if span else None,
        "ethnicity": pick("ethnicity"),
        "occupation": pick("occupation"),
        "hometown_code": home.get("place"),
        "hometown_text": home.get("text"),
    }
    same_place = home.get("place") and home.get("place") == detail.person.get("hometown_code")

    def own(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if str(r.get("claim_id")) in ids]

    return dataclasses.replace(
        detail,
        person=person,
        names=names,
        claims=[c for c in detail.claims if c.get("record_id") == record],
        identifiers=own(detail.identifiers),
        timeline=own(detail.timeline),
        actions=own(detail.actions),
        contacts=own(detail.contacts),
        relatives=own(detail.relatives),
        flags=[],
        testimonies=[t for t in detail.testimonies if t["testimony_id"] in concerns],
        sources=[s for s in detail.sources if s["source_id"] in concerns],
        hometown=detail.hometown if same_place else None,
        records=[record],
        redirected_from=None,
    )


# -- names ------------------------------------------------------------------------------


def _names(a: PersonDetail, b: PersonDetail) -> Row | None:
    left = _distinct(n["text"] for n in a.names) or _distinct([a.person.get("display_name")])
    right = _distinct(n["text"] for n in b.names) or _distinct([b.person.get("display_name")])
    if not left and not right:
        return None
    # a label (a case number, the demo's DEMO-13) is shown, never weighed (names.is_label)
    weighed_l = [t for t in left if not is_label(t)]
    weighed_r = [t for t in right if not is_label(t)]
    if not weighed_l or not weighed_r:  # a label against a name: nothing to weigh
        return _row("name", _read(left, right), _read(right, left), "compare")
    best = max((name_similarity(x, y) for x in weighed_l for y in weighed_r), default=0.0)
    folded = {t.casefold() for t in weighed_l} & {t.casefold() for t in weighed_r}
    amount = 0
    if folded:
        verdict, note = "agree", ""
    elif best >= SAME_NAME:
        verdict, note = "agree", "sound_alike"
    elif best >= CLOSE_NAME:
        verdict, note = "near", "names_close"
    else:
        # a father's name in one list, a family name in the other: the given name alike
        amount = max((_words_alike(x, y) for x in weighed_l for y in weighed_r), default=0)
        verdict, note = "differ", "words_alike" if amount else ""
    return _row("name", _read(left, right), _read(right, left), verdict, note=note, amount=amount)


def _words_alike(a: str, b: str) -> int:
    """How many words of ``a`` read as a word of ``b`` does (the linkage model's word
    keys, ``ptoken``)."""
    keys_a = {k.key for k in name_keys(a) if k.kind == "ptoken"}
    keys_b = {k.key for k in name_keys(b) if k.kind == "ptoken"}
    return len(keys_a & keys_b)


def _read(names: list[str], others: list[str]) -> list[Value]:
    """Each name with the Latin reading of it closest to the other side's names, when
    that reading is not the name itself."""
    their = [f for o in others for f in analyse(o).forms]
    out = []
    for text in names:
        if is_label(text):  # a case number or "unknown" has no reading to show
            out.append(Value(text))
            continue
        forms = analyse(text).forms
        reading = max(
            forms,
            key=lambda f: max((JaroWinkler.similarity(f, o) for o in their), default=0.0),
            default="",
        )
        out.append(Value(text, "" if reading == text.casefold() else reading))
    return out


# -- codes, births, documents, places ------------------------------------------------------


def _codes(field: str, a: object, b: object) -> Row | None:
    if not a and not b:
        return None
    left = [Value(str(a), code=str(a))] if a else []
    right = [Value(str(b), code=str(b))] if b else []
    return _row(field, left, right, "agree" if a == b else "differ")


def _day(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _birth(a: dict[str, Any], b: dict[str, Any]) -> Row | None:
    left = [Value(str(a["birth"]))] if a.get("birth") else []
    right = [Value(str(b["birth"]))] if b.get("birth") else []
    if not left and not right:
        return None
    if not left or not right:
        return _row("birth", left, right, "missing")
    if a["birth"] == b["birth"]:
        return _row("birth", left, right, "agree")
    return _ranges(
        "birth",
        (left, (_day(a.get("birth_earliest")), _day(a.get("birth_latest")))),
        (right, (_day(b.get("birth_earliest")), _day(b.get("birth_latest")))),
        note="years_apart",
    )


Side = tuple[list[Value], tuple[dt.date | None, dt.date | None]]


def _ranges(field: str, a: Side, b: Side, *, note: str) -> Row:
    """Two dates as the ranges of days they stand for: one within the other *overlaps*;
    otherwise they are ``amount`` years (``note`` years_apart: births) or months apart
    (months_apart: first taken), counted as a reader counts them from the dates as
    written (1980 and 1983: three years; 2018-01 and 2018-05: four months; two days by
    the days between them), *near* up to two years or three months, else they *differ*.
    A first-taken date known only to the year is counted in years (2018 and 2019: a
    year apart, not the month between December and January). A range not read is left
    to the reviewer."""
    (left, (lo_a, hi_a)), (right, (lo_b, hi_b)) = a, b
    if lo_a is None or hi_a is None or lo_b is None or hi_b is None:
        return _row(field, left, right, "compare")
    if lo_a <= hi_b and lo_b <= hi_a:
        return _row(field, left, right, "overlap", note="within")
    (end, start) = (hi_a, lo_b) if lo_b > hi_a else (hi_b, lo_a)
    years = start.year - end.year
    if note == "years_apart" or _whole_years(lo_a, hi_a) or _whole_years(lo_b, hi_b):
        amount = max(1, years)
        close = note == "years_apart" and amount <= NEAR_BIRTH_YEARS
        verdict = "near" if close else "differ"
        return _row(field, left, right, verdict, note="years_apart", amount=amount)
    if lo_a == hi_a and lo_b == hi_b:  # two days: 3 April and 20 May are 1.5 months apart
        months = max(1, round((start - end).days / MONTH_DAYS))
    else:
        months = max(1, years * 12 + start.month - end.month)
    verdict = "near" if months <= NEAR_TAKEN_MONTHS else "differ"
    return _row(field, left, right, verdict, note=note, amount=months)


def _whole_years(lo: dt.date, hi: dt.date) -> bool:
    """Whether a range is one or more whole years (a date known only to the year)."""
    return (lo.month, lo.day) == (1, 1) and (hi.month, hi.day) == (12, 31)


def _one_number_mistyped(x: str, y: str) -> bool:
    """Two 18-character resident ID numbers one or two places apart, not both valid."""
    if len(x) != 18 or len(y) != 18:
        return False
    apart = sum(p != q for p, q in zip(x, y, strict=True))

    def valid(n: str) -> bool:
        try:
            return ric_check_character(n[:17]) == n[17].upper()
        except ValueError:
            return False

    return 1 <= apart <= 2 and not (valid(x) and valid(y))


def _documents(a: PersonDetail, b: PersonDetail) -> Row | None:
    """ID numbers, each with its kind (a Chinese resident ID, a Kazakh IIN, a passport
    and its country). Only numbers of one kind are weighed against each other: a
    passport and a resident ID of the same man are two documents, not a contradiction
    (the model compares resident IDs alone), so records with no kind in common are left
    to the reviewer to read."""
    left, right = _numbers(a), _numbers(b)
    if not left and not right:
        return None
    values_a = [Value(n, reading=country, code=kind) for (kind, country), n in left]
    values_b = [Value(n, reading=country, code=kind) for (kind, country), n in right]
    same_kind = [(x, y) for kx, x in left for ky, y in right if kx == ky]
    if any(x == y for x, y in same_kind):
        return _row("document", values_a, values_b, "agree")
    if any(_one_number_mistyped(x, y) for x, y in same_kind):
        return _row("document", values_a, values_b, "near", note="mistyped")
    return _row("document", values_a, values_b, "differ" if same_kind else "compare")


def _numbers(detail: PersonDetail) -> list[tuple[tuple[str, str], str]]:
    """Each distinct (kind, country) and number the record gives."""
    out: list[tuple[tuple[str, str], str]] = []
    for i in detail.identifiers:
        item = ((str(i.get("kind") or ""), str(i.get("country") or "")), str(i["number"]))
        if i.get("number") and item not in out:
            out.append(item)
    return out


def _place(detail: PersonDetail) -> list[Value]:
    code = detail.person.get("hometown_code")
    text = detail.person.get("hometown_text")
    place = detail.hometown
    if code and place:
        names = _distinct(
            place.get(k) for k in ("name_kk", "name_zh", "name_ug", "name_en", "name_pinyin")
        )
        return [Value(" · ".join(names[:3]) or str(code), str(code))]
    if code or text:
        return [Value(str(text or code), str(code) if code and text else "")]
    return []


def _hometown(a: PersonDetail, b: PersonDetail) -> Row | None:
    left, right = _place(a), _place(b)
    if not left and not right:
        return None
    ca, cb = str(a.person.get("hometown_code") or ""), str(b.person.get("hometown_code") or "")
    if not (ca.isdigit() and cb.isdigit() and len(ca) == len(cb) == 6):
        same = bool(left and right) and left[0].text.casefold() == right[0].text.casefold()
        return _row("hometown", left, right, "agree" if same else "compare")
    if ca == cb:
        return _row("hometown", left, right, "agree")
    pa, pb = _prefecture(ca, a.hometown), _prefecture(cb, b.hometown)
    if ca == pb or cb == pa:  # a prefecture and a county in it
        return _row("hometown", left, right, "overlap", note="within")
    if pa and pa == pb:
        return _row("hometown", left, right, "near", note="same_prefecture")
    return _row("hometown", left, right, "differ")


def _prefecture(code: str, place: dict[str, Any] | None) -> str:
    """The prefecture a county lies in: the gazetteer's parent, or without the place,
    the code's first four digits; "" for a prefecture itself and for the cities under
    the region directly (6590xx, Shihezi, Aral...: GB/T 2260 writes them under "90")."""
    if place is not None and "parent" in place:
        parent = str(place["parent"] or "")
        return parent if parent and not parent.endswith("0000") else ""
    if code.endswith("00") or code[2:4] == "90":
        return ""
    return code[:4] + "00"


def _first_taken(detail: PersonDetail) -> dict[str, Any] | None:
    """The event that says when the person was first taken, as linkage reads it."""
    events = [
        e
        for e in detail.timeline
        if e.get("status") in TAKEN and e.get("earliest") and e.get("latest")
    ]
    # surely first: the earliest last day; of two, the more precise (the later first day)
    return min(
        events,
        key=lambda e: (str(e["latest"]), -(_day(e["earliest"]) or dt.date.min).toordinal()),
        default=None,
    )


def _taken(a: PersonDetail, b: PersonDetail) -> Row | None:
    ea, eb = _first_taken(a), _first_taken(b)
    if ea is None and eb is None:
        return None
    left = [Value(str(ea.get("date") or ea["earliest"]), code=str(ea["status"]))] if ea else []
    right = [Value(str(eb.get("date") or eb["earliest"]), code=str(eb["status"]))] if eb else []
    if ea is None or eb is None:
        return _row("taken", left, right, "missing")
    range_a = (_day(ea["earliest"]), _day(ea["latest"]))
    range_b = (_day(eb["earliest"]), _day(eb["latest"]))
    if range_a == range_b and None not in range_a:
        return _row("taken", left, right, "agree")
    return _ranges(
        "taken",
        (left, range_a),
        (right, range_b),
        note="months_apart",
    )


# -- statuses and relatives: listed, never a contradiction ----------------------------------


def _statuses(detail: PersonDetail) -> list[Value]:
    out: list[Value] = []
    for e in detail.timeline:
        value = Value(str(e.get("date") or ""), code=str(e["status"]))
        if value not in out:
            out.append(value)
    return out


def _listed(field: str, left: list[Value], right: list[Value]) -> Row | None:
    if not left and not right:
        return None
    return _row(field, left, right, "agree" if set(left) == set(right) else "compare")


def _relatives(a: PersonDetail, b: PersonDetail) -> Row | None:
    def values(detail: PersonDetail) -> list[Value]:
        out: list[Value] = []
        for r in detail.relatives:
            value = Value(
                str(r.get("name") or ""),
                code=r["relation"],
                person=str(r.get("relative_id") or ""),
            )
            if value not in out:
                out.append(value)
        return out

    left, right = values(a), values(b)
    if not left and not right:
        return None
    named = [(x.text, y.text) for x in left for y in right if x.text and y.text]
    linked = {x.person for x in left if x.person} & {y.person for y in right if y.person}
    if linked or any(x.casefold() == y.casefold() for x, y in named):
        return _row("relative", left, right, "agree")
    if any(name_similarity(x, y) >= SAME_NAME for x, y in named):
        return _row("relative", left, right, "agree", note="sound_alike")
    return _row("relative", left, right, "compare")

"""Person records made ready for linkage: one Arrow table with the derived columns.

Input records have the fields of ``RECORD_FIELDS`` (every value a string, "" or None
for unknown), given as one sequence per field (``columns_of`` turns one mapping per
record into that). ``prepare_records`` derives, per record:

- from the name (``name``, else surname, given name and patronymic joined; none when it
  is a label, ``names.is_label``: "Unknown 2", a case number), through
  ``amanat.names.name_keys`` (or another keyer: the benchmark's baseline), as lists
  of 64-bit key hashes: ``nm_words`` (its canonical words, sorted: "sorted" and
  "core" keys), ``nm_sounds`` ("phonetic" and "pcore"), ``nm_ptok`` (each word's
  phonetic key), ``nm_ptok2`` (every two of those), ``nm_pairs`` (every two words'
  first three phonetic letters: "Erzhanov Talgat" and "Talğat Erjan" share "alj tlg"
  though neither their words nor their sounds are equal); ``nm_fuzzy`` (the longer
  sounds as text, for blocking with one symbol left out); ``name_block`` (the hash of
  the first phonetic key), ``name_form`` (the first sorted form, as text) and
  ``nm_single`` (a name of one word in every reading, a title aside: "Ali", "Haji
  Ali"); with ``other_names`` (other writings of the same name, in other scripts:
  ``;``, ``|`` or a line break between them), the keys of every writing together
  (``namekeys.merged``), so that each writing meets its like in another list, and the
  first writing's block and form;
- the birth date as a range of days (``birth_lo``..``birth_hi``: a year alone is the
  whole year; from a valid resident ID when the birth is missing), ``birth_day`` when
  it is one day, ``birth_year`` when it lies in one year;
- the resident ID in its 18-character form (``rid``; 15-digit numbers are widened)
  and whether its check character is right (``rid_ok``);
- ``county`` and ``prefecture`` from the county code or, failing that, from a hometown
  the gazetteer knows by one name (or by one of its parts: "Каракаш уезд", the county
  at the end of 伊犁哈萨克自治州新源县; "prefecture, county" as "Алтай, Бурылтоғай"),
  or by the sound of one of its names when spelt otherwise (``Gazetteer.find_by_sound``:
  Кунес for Күнес, one or
  two letters apart at most); a name that sounds like two counties gives only their
  prefecture; ``id_county``, the
  county of a valid resident ID's region code (where it was issued: usually, not
  always, the hometown);
  ``home_keys``, the phonetic keys of the hometown's words as written, without those
  that more than ``COMMON_PLACE_WORD`` of the list's hometowns share ("county",
  "ауданы", "县"): a hometown the gazetteer does not know still meets the same
  spelling in another row;
- ``rel_keys``, the phonetic and sorted keys of the relatives' names; ``sex``;
- when the person was detained or disappeared (``detained``: a day, a month or a
  year, read as a birth date is) as a range of days, ``detained_lo``..``detained_hi``.
  Two lists of one man mostly name the same month; two namesakes of one village and
  age rarely do.

Keys are hashed to 64 bits (``namekeys.py``, which also keys the names, several
processes at a time if asked). Every derived value is computed once per distinct
input string: a list of 1,000,000 records has about 700,000 distinct names and far
fewer distinct birth dates, places and IDs' parts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import pyarrow as pa  # type: ignore[import-untyped]

from amanat.errors import InputError
from amanat.linkage.namekeys import NameKeyer, key_hash, merged
from amanat.names import NameKey, is_label, name_keys
from amanat.records.dates import PartialDate
from amanat.records.ids import FULL_WIDTH, ric_check_character
from amanat.records.places import Gazetteer, Place, PlaceKind

__all__ = [
    "COMMON_PLACE_WORD",
    "RECORD_FIELDS",
    "Columns",
    "Keyer",
    "columns_of",
    "key_hash",
    "normalise_resident_id",
    "prepare_records",
]

RECORD_FIELDS = (
    "record_id",
    "source",
    "name",
    "given",
    "surname",
    "patronymic",
    "other_names",
    "script",
    "birth",
    "sex",
    "resident_id",
    "county_code",
    "hometown",
    "relative_name",
    "detained",
)

Keyer = Callable[[str], Sequence[NameKey]]
Columns = Mapping[str, Sequence[object]]
Progress = Callable[[int], None]

# A word in more than this share of the hometowns (and in more than 20 of them) is an
# administrative word, not a place's name.
COMMON_PLACE_WORD = 0.02
_OTHER_SPLIT = re.compile(r"[;|\n]")
_RID_SEPARATORS = re.compile(r"[\s\-]")
_RID18 = re.compile(r"\d{17}[\dX]")
_RID15 = re.compile(r"\d{15}")
_COUNTY = re.compile(r"\d{6}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_KINDS: tuple[PlaceKind, ...] = ("county", "prefecture")
_SEX = {"male": "male", "m": "male", "female": "female", "f": "female"}
# A fixed "today" for reading birth dates: linkage gives the same answer every day.
_TODAY = dt.date(2100, 1, 1)
_BATCH = 10_000
_LIST = pa.list_(pa.int64())
_TYPES: dict[str, pa.DataType] = {
    "unique_id": pa.int64(),
    "record_id": pa.string(),
    "source": pa.string(),
    "nm_words": _LIST,
    "nm_sounds": _LIST,
    "nm_ptok": _LIST,
    "nm_ptok2": _LIST,
    "nm_initials": _LIST,
    "nm_pairs": _LIST,
    "nm_fuzzy": pa.list_(pa.string()),
    "name_block": pa.int64(),
    "name_form": pa.string(),
    "nm_single": pa.bool_(),
    "birth_lo": pa.date32(),
    "birth_hi": pa.date32(),
    "birth_day": pa.date32(),
    "birth_year": pa.int32(),
    "rid": pa.string(),
    "rid_ok": pa.bool_(),
    "county": pa.string(),
    "prefecture": pa.string(),
    "id_county": pa.string(),
    "home_keys": _LIST,
    "rel_keys": _LIST,
    "sex": pa.string(),
    "detained_lo": pa.date32(),
    "detained_hi": pa.date32(),
}


def normalise_resident_id(text: str | None) -> tuple[str | None, bool]:
    """(18-character form, check character right) of an ID as written, or (None, False).

    Lenient where ``ResidentId.decode`` is strict: a number with a wrong check
    character is kept (flagged), because one mistyped digit must still link. Anything
    that is not 18 (or 15) characters of digits is no resident ID.
    """
    if not text:
        return None, False
    compact = _RID_SEPARATORS.sub("", text.translate(FULL_WIDTH)).upper()
    if _RID15.fullmatch(compact):
        first17 = compact[:6] + "19" + compact[6:]
        return first17 + ric_check_character(first17), True
    if not _RID18.fullmatch(compact):
        return None, False
    return compact, ric_check_character(compact[:17]) == compact[17]


class _Deriver:
    """Dates (of birth, of detention) and places, each read once per distinct input
    string."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.dates: dict[str, tuple[dt.date, dt.date] | None] = {}
        self.places: dict[tuple[str, str], tuple[str | None, str | None]] = {}

    def date(self, text: str) -> tuple[dt.date, dt.date] | None:
        if text in self.dates:
            return self.dates[text]
        try:
            parsed = PartialDate.parse(text, today=_TODAY)
            found: tuple[dt.date, dt.date] | None = (parsed.earliest, parsed.latest)
        except InputError:
            found = None
        self.dates[text] = found
        return found

    def place(self, code: str, hometown: str) -> tuple[str | None, str | None]:
        found = self.places.get((code, hometown))
        if found is not None:
            return found
        out: tuple[str | None, str | None] = (None, None)
        if _COUNTY.fullmatch(code):
            current = self.gazetteer.for_region_code(code)
            out = self._county_and_prefecture(current.id if current is not None else code)
        elif hometown:
            out = self._chosen(self._named(hometown))
        self.places[(code, hometown)] = out
        return out

    def _chosen(self, matches: Sequence[Place]) -> tuple[str | None, str | None]:
        """The county (and its prefecture) the matches agree on, else the prefecture
        they agree on. A prefecture named beside several counties keeps those inside
        it ("Іле, Құлжа": the Ghulja of Ili)."""
        counties = {p.id: p for p in matches if p.kind == "county"}
        named = {p.id for p in matches if p.kind == "prefecture"}
        if len(counties) > 1 and named:
            inside = {c for c, p in counties.items() if p.parent in named}
            counties = {c: counties[c] for c in inside} or counties
        prefectures = named | {p.parent for p in counties.values() if p.parent}
        if len(counties) == 1:
            return self._county_and_prefecture(next(iter(counties)))
        if len(prefectures) == 1:
            return None, prefectures.pop()
        return None, None

    def _named(self, hometown: str) -> tuple[Place, ...]:
        """The places ``hometown`` names: the whole text, else each comma-separated
        part as a whole ("Іле, Құлжа ауданы"), else each word ("Каракаш уезд"); a
        part or word the gazetteer does not know as written is looked up by its sound
        (``_by_sound``: Кунес, Кулжа, Нылкы as written in Russian). Chinese, which
        writes the province, prefecture and county in one run, is looked up by its
        longest ending the gazetteer knows (伊犁哈萨克自治州新源县: 新源县)."""
        found = self.gazetteer.find(hometown, kinds=_KINDS)
        if found:
            return found
        if _HAN.search(hometown):
            run = "".join(hometown.split())
            for start in range(1, max(len(run) - 1, 1)):
                found = self.gazetteer.find(run[start:], kinds=_KINDS)
                if found:
                    return found
            return ()
        parts = [part.strip() for part in hometown.split(",") if part.strip()]
        if len(parts) > 1:
            # "Алтай, Бурылтоғай": the last part that names one county within the
            # prefectures the other parts name (Алтай is a city and a prefecture).
            for i in range(len(parts) - 1, -1, -1):
                counties = [p for p in self._one(parts[i]) if p.kind == "county"]
                others = [p for j, part in enumerate(parts) if j != i for p in self._one(part)]
                regions = {p.id for p in others if p.kind == "prefecture"}
                regions |= {p.parent for p in others if p.kind == "county" and p.parent}
                inside = [p for p in counties if not regions or p.parent in regions]
                if len(inside) == 1:
                    return (inside[0],)
        whole = tuple(p for part in parts for p in self._one(part))
        if any(p.kind == "county" for p in whole):
            return whole
        words = sorted({w for part in parts for w in part.split()} - set(parts))
        return whole + tuple(p for w in words for p in self._one(w))

    def _one(self, text: str) -> tuple[Place, ...]:
        found = self.gazetteer.find(text, kinds=_KINDS)
        return found or self.gazetteer.find_by_sound(text, kinds=_KINDS)

    def _county_and_prefecture(self, county: str) -> tuple[str | None, str | None]:
        place = self.gazetteer.get(county)
        if place is not None and place.kind == "prefecture":
            return None, place.id
        if place is not None and place.parent:
            return county, place.parent
        return county, county[:4] + "00"


def _without_common(lists: list[object]) -> None:
    """Drop, in place, the keys in more than ``COMMON_PLACE_WORD`` of the non-empty
    tuples of ``lists``."""
    counts: dict[int, int] = {}
    filled = 0
    for keys in lists:
        if keys:
            filled += 1
            for k in keys:  # type: ignore[attr-defined]
                counts[k] = counts.get(k, 0) + 1
    limit = max(20, int(filled * COMMON_PLACE_WORD))
    common = {k for k, c in counts.items() if c > limit}
    for i, keys in enumerate(lists):
        if keys and not common.isdisjoint(keys):  # type: ignore[arg-type]
            lists[i] = tuple(k for k in keys if k not in common)  # type: ignore[attr-defined]


def columns_of(records: Iterable[Mapping[str, object]]) -> dict[str, list[object]]:
    """Records (one mapping each) as one list per field of ``RECORD_FIELDS``."""
    out: dict[str, list[object]] = {f: [] for f in RECORD_FIELDS}
    for record in records:
        for f, values in out.items():
            values.append(record.get(f))
    return out


def _field(columns: Columns, name: str, n: int) -> Sequence[object]:
    values = columns.get(name)
    if values is None:
        return [None] * n
    if len(values) != n:
        raise InputError(
            "the field %(field)s has %(count)s values for %(records)s records.",
            field=name,
            count=len(values),
            records=n,
        )
    return values


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _other_names(value: object) -> tuple[str, ...]:
    """The other writings of a record's name: ``;``, ``|`` or a line break between them,
    labels ("Unknown 2") left out."""
    parts = (p.strip() for p in _OTHER_SPLIT.split(_str(value)))
    return tuple(p for p in parts if p and not is_label(p))


def _birth_from_id(rid: str) -> tuple[dt.date, dt.date] | None:
    try:
        day = dt.date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
    except ValueError:
        return None
    return day, day


def prepare_records(
    columns: Columns,
    *,
    keyer: Keyer = name_keys,
    gazetteer: Gazetteer | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    unread: dict[str, int] | None = None,
) -> pa.Table:
    """The Arrow table of the records in ``columns`` with the derived columns above;
    names are keyed in ``workers`` processes (``namekeys.NameKeyer.key_all``).

    ``unique_id`` is each record's position (0, 1, …); ``record_id`` is kept as given
    (its position as text when missing). ``progress`` is called with the number of
    records done since its last call. ``unread``, when given, is filled with how many
    values were given but could not be read, and so count as not known: ``birth`` and
    ``detained`` (no date ``PartialDate`` reads), ``resident_id`` (not 18 or 15 digits).
    """
    derive = _Deriver(gazetteer or Gazetteer.load_builtin())
    n = max((len(v) for v in columns.values()), default=0)
    field = {f: _field(columns, f, n) for f in RECORD_FIELDS}
    names = [
        _str(field["name"][i])
        or " ".join(p for p in (_str(field[f][i]) for f in ("surname", "given", "patronymic")) if p)
        for i in range(n)
    ]
    # a label ("Unknown 2", a case number) is not a name: the record is compared as
    # nameless, on what else it gives (names.is_label)
    names = ["" if is_label(name) else name for name in names]
    others = [_other_names(v) if v else () for v in field["other_names"]]
    keying = NameKeyer(keyer)
    keying.key_all(
        [*names, *(o for these in others if these for o in these)],
        (t for t in map(_str, field["relative_name"]) if t),
        (t for t in map(_str, field["hometown"]) if t),
        workers=workers,
    )
    out: dict[str, list[object]] = {name: [] for name in _TYPES}
    put = {name: values.append for name, values in out.items()}
    done = 0
    bad_birth = bad_detained = bad_rid = 0
    for i in range(n):
        put["unique_id"](i)
        put["record_id"](_str(field["record_id"][i]) or str(i))
        put["source"](_str(field["source"][i]) or None)
        name = keying.name(names[i])
        if others[i]:
            name = merged([name, *map(keying.name, others[i])])
        put["nm_words"](name.words)
        put["nm_sounds"](name.sounds)
        put["nm_ptok"](name.ptok)
        put["nm_ptok2"](name.ptok2)
        put["nm_initials"](name.initials)
        put["nm_pairs"](name.pairs)
        put["nm_fuzzy"](name.sound_text)
        put["name_block"](name.block)
        put["name_form"](name.form)
        put["nm_single"](name.single if name.form is not None else None)
        rid_text = _str(field["resident_id"][i])
        rid, rid_ok = normalise_resident_id(rid_text)
        if rid is None and rid_text:
            bad_rid += 1
        put["rid"](rid)
        put["rid_ok"](rid_ok if rid else None)
        birth_text = _str(field["birth"][i])
        birth = derive.date(birth_text) if birth_text else None
        if birth is None and birth_text:
            bad_birth += 1
        if birth is None and rid is not None and rid_ok:
            birth = _birth_from_id(rid)
        lo, hi = birth if birth is not None else (None, None)
        put["birth_lo"](lo)
        put["birth_hi"](hi)
        put["birth_day"](lo if lo is not None and lo == hi else None)
        put["birth_year"](
            lo.year if lo is not None and hi is not None and lo.year == hi.year else None
        )
        hometown = _str(field["hometown"][i])
        county, prefecture = derive.place(_str(field["county_code"][i]), hometown)
        put["county"](county)
        put["prefecture"](prefecture)
        put["id_county"](derive.place(rid[:6], "")[0] if rid is not None and rid_ok else None)
        put["home_keys"](keying.home(hometown) if hometown else ())
        relative = _str(field["relative_name"][i])
        put["rel_keys"](keying.relative(relative) if relative else ())
        put["sex"](_SEX.get(_str(field["sex"][i]).lower()))
        taken_text = _str(field["detained"][i])
        taken = derive.date(taken_text) if taken_text else None
        if taken is None and taken_text:
            bad_detained += 1
        put["detained_lo"](taken[0] if taken is not None else None)
        put["detained_hi"](taken[1] if taken is not None else None)
        done += 1
        if progress is not None and done == _BATCH:
            progress(done)
            done = 0
    if progress is not None and done:
        progress(done)
    if unread is not None:
        unread.update(birth=bad_birth, detained=bad_detained, resident_id=bad_rid)
    _without_common(out["home_keys"])
    return pa.table({name: pa.array(values, type=_TYPES[name]) for name, values in out.items()})

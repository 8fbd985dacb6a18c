"""Places: Xinjiang's prefectures and counties, detention facilities, and places users add.

The gazetteer is shipped as data files beside this module (``records/data/``, each with
its source, date and licence in ``SOURCES.md``) and read with ``importlib.resources``;
nothing is downloaded. Three kinds of place come with it:

- ``prefecture`` and ``county``: the GB/T 2260 codes of Xinjiang (prefix 65), with names
  in Chinese characters and toneless pinyin, and the Uyghur, Kazakh, Russian and English
  names of ``places-xinjiang-names.csv`` (Құлжа, Ghulja, غۇلجا for 伊宁市), so that
  ``find`` knows a place by any of them. Their years of validity are not shipped:
  they are read from python-stdnum's table (``stdnum.numdb.get("cn/loc")``) when the
  gazetteer loads, so that LGPL file is never copied.
- ``facility``: camps, detention centres and prisons from an OpenStreetMap extract
  (ODbL), one point per polygon (its centroid), coordinates as decimal strings because
  the vault's canonical JSON refuses floats.
- ``user``: places a desk adds (``user_place``); their ids start with ``user:``.

``Gazetteer.find`` matches what a volunteer typed (伊宁市, "Yining Shi", "yi ning shi",
a code) and returns candidates without raising; ``Gazetteer.resolve`` insists on one
and raises ``InputError`` otherwise. ``Gazetteer.for_region_code`` maps the region code
of a resident ID, which may be a historical one (吐鲁番地区 652100 until 2015), onto
today's place.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, get_args

from rapidfuzz.distance import Levenshtein
from stdnum import numdb

from amanat.errors import InputError
from amanat.names import name_keys

__all__ = [
    "Gazetteer",
    "Place",
    "PlaceKind",
    "PlaceName",
    "builtin_gazetteer",
    "stdnum_xinjiang_codes",
    "user_place",
]

PlaceKind = Literal["prefecture", "county", "facility", "user"]
_KINDS: frozenset[str] = frozenset(get_args(PlaceKind))

_PACKAGE = "amanat.records"
_PLACES_FILE = "places-xinjiang.csv"
_NAMES_FILE = "places-xinjiang-names.csv"
_FACILITIES_FILE = "facilities-osm.csv"

# Longer text is not a place name but something pasted in by mistake; never searched,
# never echoed.
_MAX_QUERY = 200
# Administrative words written after a place's name ("Кунес уезд", "Күнес ауданы",
# "Künes County", "كۈنەس ناھىيىسى"): left out before a name is looked up by its sound.
_ADMIN_WORDS = frozenset(
    (
        *("ауданы", "қаласы", "аймағы", "облысы", "ауылы"),
        *("уезд", "уезда", "район", "города", "город", "г"),
        *("county", "city", "prefecture", "district", "town", "village"),
        *("xian", "shi", "diqu", "nahiyisi", "shehiri", "shehri", "wilayiti", "rayoni"),
        *("yéza", "yeza", "ناھىيىسى", "شەھىرى", "ۋىلايىتى", "رايونى", "يېزىسى"),
    )
)
# Names looked up as written only: characters, and pinyin (whose syllables read as
# Turkic words would meet names they are not).
_SOUNDLESS_LANGS = frozenset({"zh-Hans", "zh-Latn-pinyin"})
_MAX_ID = 100
_SHOWN = 40
_CODE = re.compile(r"65\d{4}")
_USER_ID = re.compile(r"user:[a-z0-9][a-z0-9._-]{0,90}")
_COORDINATE = re.compile(r"-?\d{1,3}(\.\d{1,7})?")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# Characters that differ between two spellings of one name and carry no meaning here:
# spaces, apostrophes (Xi'an), hyphens, dots, the middle dot of transcribed names, and
# the Arabic tatweel and zero-width joiners that keyboards insert into Uyghur text.
_IGNORED = re.compile(r"[\s'’`´\-‐.·・\u0640\u200c\u200d]+")
# Generic words at the end of a typed name, in pinyin as the gazetteer stores them.
# English and Uyghur Latin generics are turned into their pinyin equivalent so that
# "Yining City" finds 伊宁市 (yi ning shi) and not 伊宁县 as well.
_GENERIC_WORDS = {
    "city": "shi",
    "county": "xian",
    "district": "qu",
    "prefecture": "diqu",
    "shehiri": "shi",
    "shehri": "shi",
    "nahiyisi": "xian",
    "rayoni": "qu",
    "wilayiti": "diqu",
}
_GENERIC_PINYIN = ("zizhizhou", "zizhixian", "diqu", "shi", "xian", "qu")
_GENERIC_HANZI = ("自治州", "自治县", "地区", "市", "县", "区")


@dataclass(frozen=True)
class PlaceName:
    """One name of a place in one language and script.

    ``lang`` is a BCP 47 tag: ``zh-Hans``, ``zh-Latn-pinyin``, ``ug-Arab``, ``ug-Latn``,
    ``kk-Cyrl``, ``kk-Arab``, ``en``. ``reviewed`` says whether a native speaker has
    checked the form; machine-made and unreviewed forms stay ``False``.
    """

    lang: str
    text: str
    source: str = ""
    reviewed: bool = False

    def __post_init__(self) -> None:
        if not _LANG.fullmatch(self.lang):
            raise InputError("a place name's language must be a tag such as ug-Arab or zh-Hans.")
        if not self.text.strip() or len(self.text) > _MAX_QUERY:
            raise InputError("a place name must be between 1 and 200 characters.")


@dataclass(frozen=True)
class Place:
    """A prefecture, county, facility or user-added place, with its names.

    ``id`` is the six-digit GB/T 2260 code for prefectures and counties,
    ``osm:way/N`` or ``osm:relation/N`` for facilities and ``user:…`` for places a desk
    added. ``lat`` and ``lon`` are WGS 84 decimal degrees as strings ("39.358882"),
    both or neither. ``valid_from``/``valid_until`` are the years the current name was
    in force (None: open).
    """

    id: str
    kind: PlaceKind
    names: tuple[PlaceName, ...]
    parent: str | None = None
    lat: str | None = None
    lon: str | None = None
    valid_from: int | None = None
    valid_until: int | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InputError("a place is a prefecture, a county, a facility or a user place.")
        if not self.id or len(self.id) > _MAX_ID:
            raise InputError("a place id must be between 1 and 100 characters.")
        if (self.kind == "user") != self.id.startswith("user:"):
            raise InputError("ids starting with user: are for places a user added, and only them.")
        if self.kind == "user" and not _USER_ID.fullmatch(self.id):
            raise InputError(
                "a user place id is user: followed by lower-case letters, digits, dots, "
                "hyphens or underscores."
            )
        if self.kind in ("prefecture", "county") and not _CODE.fullmatch(self.id):
            raise InputError("a prefecture or county id is its six-digit code starting with 65.")
        if not self.names:
            raise InputError("a place needs at least one name.")
        if (self.lat is None) != (self.lon is None):
            raise InputError("a place has both a latitude and a longitude, or neither.")
        if self.lat is not None and self.lon is not None:
            _check_coordinate(self.lat, 90, "latitude")
            _check_coordinate(self.lon, 180, "longitude")
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from > self.valid_until
        ):
            raise InputError("a place's name cannot end before it begins.")

    @property
    def name(self) -> str:
        """The name to show: Chinese characters if known, else the first name given."""
        return self.name_in("zh-Hans") or self.names[0].text

    def name_in(self, lang: str) -> str | None:
        """The first name whose language tag is ``lang`` or starts with ``lang-``."""
        for n in self.names:
            if n.lang == lang or n.lang.startswith(lang + "-"):
                return n.text
        return None

    def label(self) -> str:
        """A short human label such as "伊宁市 (654002)"."""
        return f"{self.name} ({self.id})"


def _check_coordinate(value: str, limit: int, what: str) -> None:
    if not _COORDINATE.fullmatch(value) or abs(float(value)) > limit:
        if what == "latitude":
            raise InputError(
                "a latitude is a decimal number of degrees between -%(limit)s and %(limit)s.",
                limit=limit,
            )
        raise InputError(
            "a longitude is a decimal number of degrees between -%(limit)s and %(limit)s.",
            limit=limit,
        )


def user_place(
    name: str,
    *,
    slug: str | None = None,
    lang: str = "und",
    parent: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
    names: Iterable[PlaceName] = (),
) -> Place:
    """A place a desk adds: a village, a camp no map shows. Its id is ``user:<slug>``,
    or ``user:<random uuid>`` without a slug so that two desks never collide."""
    ident = f"user:{slug}" if slug is not None else f"user:{uuid.uuid4()}"
    return Place(
        ident,
        "user",
        (PlaceName(lang, name.strip(), "user"), *names),
        parent=parent,
        lat=lat,
        lon=lon,
        source="user",
    )


def _fold(text: str) -> str:
    """Case, width, tone marks and separators folded away: the matching key of a name."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", _IGNORED.sub("", text))


def _query_keys(text: str) -> tuple[str, ...]:
    """Matching keys for typed text: as typed, and with an English or Uyghur generic
    word at the end turned into pinyin ("Yining City" -> "yiningshi")."""
    keys = [_fold(text)]
    words = unicodedata.normalize("NFKC", text).split()
    if len(words) > 1:
        last = _fold(words[-1])
        if last in _GENERIC_WORDS:
            keys.append(_fold("".join(words[:-1])) + _GENERIC_WORDS[last])
    return tuple(dict.fromkeys(k for k in keys if k))


def _stripped(key: str) -> str | None:
    """The key without a trailing administrative word (伊宁市 -> 伊宁, yiningxian -> yining)."""
    for suffix in (*_GENERIC_HANZI, *_GENERIC_PINYIN):
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return None


def _place_sounds(text: str) -> tuple[tuple[str, str], ...]:
    """(phonetic key, canonical Latin spelling) pairs (``amanat.names``) of a place's
    name without its administrative words: Кунес, Күнес, Künes and كۈنەس share
    one sound."""
    words = text.replace(",", " ").split()
    words = [w for w in words if w.casefold().strip(".") not in _ADMIN_WORDS]
    if not words:
        return ()
    keys = name_keys(" ".join(words))
    sounds = [nk.key for nk in keys if nk.kind == "phonetic"]
    spellings = [nk.key for nk in keys if nk.kind == "sorted"]
    return tuple((sound, spelling) for sound in sounds for spelling in spellings)


def _spelling_slack(known: str) -> int:
    """How far a spelling may be from a known name of the same sound and still name
    it: one letter in a short name (Куйтин, Küytun), two in a long one (Бұыршын,
    Burchin)."""
    return 1 if len(known) <= 7 else 2


class Gazetteer:
    """An immutable set of places, looked up by id, by name, by parent and by region code.

    Built from the shipped files by ``load_builtin()``; ``with_user_places`` returns a
    new gazetteer with a desk's own places added, leaving this one as it was.
    """

    def __init__(self, places: Iterable[Place]) -> None:
        by_id: dict[str, Place] = {}
        for place in places:
            if place.id in by_id:
                raise InputError("the place id %(place)s is given twice.", place=place.id[:_SHOWN])
            by_id[place.id] = place
        for place in by_id.values():
            if place.parent is not None and place.parent not in by_id:
                raise InputError(
                    "the place %(place)s names a parent %(parent)s that is not in the gazetteer.",
                    place=place.id[:_SHOWN],
                    parent=place.parent[:_SHOWN],
                )
        self._by_id = by_id
        exact: dict[str, list[str]] = {}
        loose: dict[str, list[str]] = {}
        for place in by_id.values():
            for n in place.names:
                key = _fold(n.text)
                exact.setdefault(key, []).append(place.id)
                short = _stripped(key)
                if short is not None:
                    loose.setdefault(short, []).append(place.id)
        self._exact = {k: tuple(dict.fromkeys(v)) for k, v in exact.items()}
        self._loose = {k: tuple(dict.fromkeys(v)) for k, v in loose.items()}
        self._sounds: dict[str, tuple[tuple[str, str], ...]] | None = None

    @classmethod
    def load_builtin(cls) -> Gazetteer:
        """The gazetteer shipped with Amanat: Xinjiang's divisions and OSM facilities."""
        return cls(_builtin_places())

    def with_user_places(self, places: Iterable[Place]) -> Gazetteer:
        """A new gazetteer with ``places`` (kind ``user``) added to these."""
        added = list(places)
        for place in added:
            if place.kind != "user":
                raise InputError("only user places can be added to the gazetteer.")
        return Gazetteer([*self._by_id.values(), *added])

    def __iter__(self) -> Iterator[Place]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._by_id

    def get(self, place_id: str) -> Place | None:
        """The place with this id (a code, ``osm:…`` or ``user:…``), or None."""
        return self._by_id.get(place_id.strip())

    def children(self, place_id: str) -> tuple[Place, ...]:
        """The places whose parent is ``place_id``, in id order."""
        return tuple(sorted((p for p in self if p.parent == place_id), key=lambda p: p.id))

    def region_path(self, place_id: str) -> tuple[Place, ...]:
        """The place and its ancestors, outermost first: prefecture, county, facility.

        () for an unknown id. XPCC cities (6590xx) have no prefecture above them.
        """
        path: list[Place] = []
        current = self._by_id.get(place_id)
        while current is not None and len(path) < 8:
            path.append(current)
            current = self._by_id.get(current.parent) if current.parent else None
        return tuple(reversed(path))

    def find(self, text: str, *, kinds: Iterable[PlaceKind] | None = None) -> tuple[Place, ...]:
        """Places whose name matches ``text``; never raises.

        Matching ignores case, tone marks, spaces and apostrophes, so 伊宁市, "Yining Shi",
        "yi ning shi" and "YININGSHI" all find 654002. A six-digit code finds its place.
        If no full name matches, names without their administrative word are tried, so
        "Yining" finds both 伊宁市 and 伊宁县: the caller decides. ``kinds`` limits
        the kinds returned (e.g. ``{"county"}`` for a bulk import's county column).
        """
        if not isinstance(text, str) or len(text) > _MAX_QUERY:
            return ()
        wanted = frozenset(kinds) if kinds is not None else _KINDS
        direct = self._by_id.get(text.strip())
        if direct is not None:
            return (direct,) if direct.kind in wanted else ()
        keys = _query_keys(text)
        for index in (self._exact, self._loose):
            ids = [i for k in keys for i in index.get(k, ())]
            if index is self._loose:
                ids += [i for k in keys for i in self._loose.get(_stripped(k) or "", ())]
            found = [self._by_id[i] for i in dict.fromkeys(ids)]
            found = [p for p in found if p.kind in wanted]
            if found:
                return tuple(sorted(found, key=lambda p: p.id))
        return ()

    def find_by_sound(
        self, text: str, *, kinds: Iterable[PlaceKind] | None = None
    ) -> tuple[Place, ...]:
        """Places one of whose names sounds like ``text`` (``amanat.names`` phonetic
        keys, administrative words such as уезд, ауданы, county left out) and is spelt
        within one letter of it (two in names longer than seven letters); never raises.

        For a spelling ``find`` does not know: Кунес finds Күнес (新源县), Нылкы finds
        Нылқы. The sound alone is too coarse for short names (Küytun and Xoten both
        sound "ktn"), hence the spelling. Characters and pinyin are matched by ``find``
        only. Several places may come back (Кулжа: Ghulja city and county): the caller
        decides.
        """
        if not isinstance(text, str) or len(text) > _MAX_QUERY:
            return ()
        wanted = frozenset(kinds) if kinds is not None else _KINDS
        index = self._sound_index()
        ids: set[str] = set()
        for sound, spelling in _place_sounds(text):
            for known, place_id in index.get(sound, ()):
                if Levenshtein.distance(spelling, known) <= _spelling_slack(known):
                    ids.add(place_id)
        found = (self._by_id[i] for i in sorted(ids))
        return tuple(p for p in found if p.kind in wanted)

    def _sound_index(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Phonetic key of each place's local names -> (the name's canonical Latin
        spelling, the place's id); built on first use."""
        if self._sounds is None:
            index: dict[str, set[tuple[str, str]]] = {}
            for place in self._by_id.values():
                for name in place.names:
                    if name.lang in _SOUNDLESS_LANGS:
                        continue
                    for sound, spelling in _place_sounds(name.text):
                        index.setdefault(sound, set()).add((spelling, place.id))
            self._sounds = {key: tuple(sorted(found)) for key, found in index.items()}
        return self._sounds

    def code_named(self, text: str) -> str:
        """The six-digit code of the division a hometown written in words names, as near
        as it can be told: the place ``find`` (else ``find_by_sound``) gives when it
        gives one (Ақсу, Кульджа), their prefecture when all it gives lie in one, else
        "". For comparing hometowns ("may already be recorded"), never for storing."""
        found = self.find(text) or self.find_by_sound(text)
        codes = {p.id for p in found if p.id.isdigit() and len(p.id) == 6}
        if len(codes) == 1:
            return codes.pop()
        prefectures = {code[:4] for code in codes}
        return prefectures.pop() + "00" if len(prefectures) == 1 else ""

    def resolve(self, text: str, *, kinds: Iterable[PlaceKind] | None = None) -> Place:
        """The one place ``text`` names; ``InputError`` if none or several match."""
        wanted = tuple(kinds) if kinds is not None else None
        found = self.find(text, kinds=wanted)
        what = "county" if wanted is not None and set(wanted) <= {"county"} else "place"
        shown = text.strip() if isinstance(text, str) else ""
        shown = shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "…"
        shown = shown.replace("'", "’")
        if not found and what == "county":
            raise InputError(
                "unknown county '%(value)s'; check the spelling, or give its six-digit code.",
                value=shown,
            )
        if not found:
            raise InputError(
                "unknown place '%(value)s'; check the spelling, or give its six-digit code.",
                value=shown,
            )
        if len(found) > 1:
            listed = ", ".join(p.label() for p in found[:5]) + (", …" if len(found) > 5 else "")
            raise InputError(
                "'%(value)s' could be several places (%(places)s); give the full name or the code.",
                value=shown,
                places=listed,
            )
        return found[0]

    def for_region_code(self, code: str, *, year: int | None = None) -> Place | None:
        """Today's place for a resident ID's region code, or None outside the table.

        A current code is its own place. A historical code (from python-stdnum's table)
        is followed to the unit that took its territory: by ``_SUCCESSORS`` where the
        name changed, otherwise to the current place of the same level with the same
        name (塔城地区 652500 -> 654200). ``year`` picks which name to use where the
        code carried several; by default the last one.
        """
        code = code.strip()
        if not re.fullmatch(r"\d{6}", code):
            return None
        if code in self._by_id and self._by_id[code].kind in ("prefecture", "county"):
            return self._by_id[code]
        if code in _SUCCESSORS:
            return self._by_id.get(_SUCCESSORS[code])
        names = _stdnum_names(code)
        if not names:
            return None
        if names[-1][0] == "市辖区":  # "districts under the city": the city itself
            return self._by_id.get(code[:4] + "00")
        level: PlaceKind = "prefecture" if code.endswith("00") else "county"
        chosen = [n for n, start, end in names if year is None or _in(year, start, end)]
        name = (chosen or [names[-1][0]])[-1]
        same = [p for p in self._by_id.values() if p.kind == level and p.name == name]
        return same[0] if len(same) == 1 else None


def _in(year: int, start: int | None, end: int | None) -> bool:
    return (start is None or start <= year) and (end is None or year <= end)


# Historical codes whose successor has another name or another code, from the years in
# python-stdnum's table (names as cited there) and the reorganisations they record:
# Turpan and Hami prefectures became prefecture-level cities (2015, 2016), their seats
# districts; 米泉市 and 东山区 were merged into 米东区 (2007); counties became cities.
_SUCCESSORS = {
    "650120": "650100",  # 乌鲁木齐市市区 (-1983)
    "650108": "650109",  # 东山区 (1987-2007) -> 米东区
    "650300": "659001",  # 石河子市 (-1986)
    "652100": "650400",  # 吐鲁番地区 -> 吐鲁番市
    "652101": "650402",  # 吐鲁番市 (county-level, 1984-2015) -> 高昌区
    "652121": "650402",  # 吐鲁番县 (-1984)
    "652122": "650421",
    "652123": "650422",
    "652200": "650500",  # 哈密地区 -> 哈密市
    "652201": "650502",  # 哈密市 (county-level, -2016) -> 伊州区
    "652221": "650502",  # 哈密县 (-1983)
    "652222": "650521",
    "652223": "650522",
    "652303": "650109",  # 米泉市 (1996-2007) -> 米东区
    "652321": "652301",  # 昌吉县 -> 昌吉市
    "652322": "650109",  # 米泉县 (-1996)
    "652326": "652302",  # 阜康县 -> 阜康市
    "652400": "654000",  # 伊犁哈萨克自治州 (old code, -1984)
    "652500": "654200",
    "652521": "654201",  # 塔城县 -> 塔城市
    "652523": "654202",  # 乌苏县 -> 乌苏市
    "652524": "654203",  # 沙湾县 -> 沙湾市
    "652600": "654300",
    "652621": "654301",  # 阿勒泰县 -> 阿勒泰市
    "652721": "652701",  # 博乐县 -> 博乐市
    "652821": "652801",  # 库尔勒县 -> 库尔勒市
    "652921": "652901",  # 阿克苏县 -> 阿克苏市
    "652923": "652902",  # 库车县 -> 库车市 (2019)
    "653021": "653001",  # 阿图什县 -> 阿图什市
    "654001": "654003",  # 奎屯市 (1984-2001)
    "654100": "654000",  # 伊犁地区 (1984-2001), merged into the autonomous prefecture
    "654222": "654202",  # 乌苏县 (1984-1996)
    "654223": "654203",  # 沙湾县 (1984-2021)
}

_STDNUM_ENTRY = re.compile(r"\[([0-9]*)-([0-9]*)\](.+)")


def _stdnum_names(code: str) -> list[tuple[str, int | None, int | None]]:
    """The names python-stdnum records for a Xinjiang code, oldest first, with years."""
    parts = numdb.get("cn/loc").info(code)
    if len(parts) < 2 or not code.startswith("65") or "county" not in parts[1][1]:
        return []
    out: list[tuple[str, int | None, int | None]] = []
    for raw in parts[1][1]["county"].split(","):
        match = _STDNUM_ENTRY.fullmatch(raw)
        if match is None:
            out.append((raw, None, None))
        else:
            start, end, name = match.groups()
            out.append((name, int(start) if start else None, int(end) if end else None))
    return out


def stdnum_xinjiang_codes() -> tuple[str, ...]:
    """Every six-digit Xinjiang code in python-stdnum's table, current or not."""
    out: list[str] = []
    for length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if length != 2 or not low <= "65" <= high:
            continue
        for sub_length, sub_low, sub_high, _p, _c in children:
            if sub_length != 4:
                continue
            for n in range(int(sub_low), int(sub_high) + 1):
                out.append(f"65{n:04d}")
    return tuple(sorted(set(out)))


def _rows(name: str) -> list[dict[str, str]]:
    data = importlib.resources.files(_PACKAGE).joinpath("data", name)
    text = data.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def builtin_gazetteer() -> Gazetteer:
    """The shipped gazetteer, one for the process: the places a long-running part
    (the staff app, the views' live check) reads, with their indexes built once."""
    return Gazetteer.load_builtin()


@functools.lru_cache(maxsize=1)
def _builtin_places() -> tuple[Place, ...]:
    # Cached: the files never change while the program runs, and parsing them is the
    # whole cost of load_builtin().
    extra: dict[str, list[PlaceName]] = {}
    for row in _rows(_NAMES_FILE):
        extra.setdefault(row["place_id"], []).append(
            PlaceName(
                row["lang"],
                row["name"],
                f"{row['source']} ({row['licence']})",
                row["reviewed_by_native_speaker"] == "yes",
            )
        )
    places: list[Place] = []
    for row in _rows(_PLACES_FILE):
        code = row["code"]
        names = [PlaceName("zh-Hans", row["name_zh"], row["source_zh"])]
        if row["name_zh_short"] != row["name_zh"]:
            names.append(PlaceName("zh-Hans", row["name_zh_short"], row["source_zh"]))
        names.append(PlaceName("zh-Latn-pinyin", row["name_pinyin"], row["source_pinyin"]))
        if row["name_pinyin_short"] != row["name_pinyin"]:
            names.append(
                PlaceName("zh-Latn-pinyin", row["name_pinyin_short"], row["source_pinyin"])
            )
        names += extra.get(code, [])
        years = [(s, e) for n, s, e in _stdnum_names(code) if n == row["name_zh"]]
        start, end = years[-1] if years else (None, None)
        level: PlaceKind = "prefecture" if row["level"] == "prefecture" else "county"
        places.append(
            Place(
                code,
                level,
                tuple(names),
                parent=row["parent_code"] or None,
                valid_from=start,
                valid_until=end,
                source=row["source_zh"],
            )
        )
    for row in _rows(_FACILITIES_FILE):
        osm = "© OpenStreetMap contributors (ODbL 1.0)"
        names = [
            PlaceName(lang, row[col], osm)
            for lang, col in (("zh", "name"), ("zh-Hant", "name_zh_hant"), ("en", "name_en"))
            if row[col]
        ]
        if row["alt_name"]:
            names.append(PlaceName("zh", row["alt_name"], osm))
        if not names:
            names = [PlaceName("en", f"unnamed facility {row['id']}", "Amanat")]
        places.append(
            Place(
                row["id"],
                "facility",
                tuple(names),
                parent=row["parent_code"] or None,
                lat=row["lat"],
                lon=row["lon"],
                source=osm,
                notes=tuple(n for n in (row["osm_note"],) if n),
            )
        )
    return tuple(places)

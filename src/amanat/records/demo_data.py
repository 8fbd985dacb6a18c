"""Demo data: a few dozen fictional persons and testimonies, so a new user sees a
populated database (``amanat demo``).

Everything here is invented, and says so where it is shown:

- names are composed from syllables (``records.fiction``), not taken from any list of
  real people, and every person also carries the alias ``DEMO-nn``;
- every ``person.created`` gives the reason "Fictional demo record (DEMO)", every
  testimony's transcript starts with ``DEMO``, every file is named ``DEMO-…`` and every
  picture has "DEMO" drawn into it;
- resident ID numbers are valid, on real Xinjiang county codes, but with sequence codes
  kept for centenarians, so they should belong to no one (``records.fiction``).

Every feature of the database appears at least once: names in Latin, Cyrillic, Chinese
and Uyghur Arabic script; two persons recorded a second time from other lists (a leaked
roster in pinyin with the same resident ID; a Bishkek group's list in Russian spelling,
a year off), for the review queue to show; birth dates said to the day, month, year,
"about" a year or as a range; status timelines; testimonies by relatives at every
consent level, one of them later withdrawn; an official notice, a court document, an
identity document and another group's list; a state rebuttal; a correction with its
reason; two relatives who give different birth years (a disagreement); an ID number
whose birth date differs from what the family says (an ID conflict); and a released man
taken again five weeks before the day the demo is made (the UN's urgent action).

``demo_data(seed, today)`` is deterministic: the same seed and day give the same changes
and files.
Its ``intake`` batches are sealed first; ``follow_up(entry_ids)`` builds the later
changes, which name claims of the sealed intake entries (a correction retracts a claim
by its id, ``<entry>.<change>.<claim>``). Standard library and this package only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pypinyin import lazy_pinyin

from amanat.records import build as b
from amanat.records.changes import claim_id
from amanat.records.dates import PartialDate
from amanat.records.fiction import (
    MARKER,
    FictionalName,
    cyrillic,
    demo_png,
    folded,
    given_name,
    hui_name,
    kazakh_iin,
    resident_id,
    said_birth,
    turkic_name,
)
from amanat.records.places import Gazetteer

__all__ = ["MARKER", "DemoBatch", "DemoData", "DemoFile", "demo_data"]

REASON = "Fictional demo record (DEMO): this person does not exist."

# Real county codes of Xinjiang where people of each group live, so that searching by
# county and the region names of the ID numbers look as they will with real records.
COUNTIES = {
    "kazakh": (
        "654021", "654023", "654024", "654025", "654026", "654027", "654028", "654201",
        "654221", "654224", "654225", "654301", "654321", "654322", "654324", "654326",
        "652328",
    ),
    "uyghur": ("653101", "653121", "653122", "653201", "652901", "650402", "654002"),
    "kyrgyz": ("653001", "653022", "653023", "653024"),
    "hui": ("652301", "652826", "652302"),
}  # fmt: skip
_PLAN = ["kazakh"] * 20 + ["uyghur"] * 10 + ["kyrgyz"] * 6 + ["hui"] * 4
_LANGUAGE = {"kazakh": "kk", "uyghur": "ug", "kyrgyz": "ky", "hui": "zh"}


_OCCUPATIONS = (
    "teacher", "herder", "farmer", "driver", "trader", "student", "doctor", "accountant",
    "imam", "tailor", "engineer", "retired",
)  # fmt: skip
_RELATIONS = ("spouse", "child", "sibling", "parent")
_RU_RELATIVE = {
    ("spouse", "male"): "мой муж",
    ("spouse", "female"): "моя жена",
    ("child", "male"): "мой отец",
    ("child", "female"): "моя мать",
    ("sibling", "male"): "мой брат",
    ("sibling", "female"): "моя сестра",
    ("parent", "male"): "мой сын",
    ("parent", "female"): "моя дочь",
}
_RU_STATUS = {
    "detained": "задержан(а)",
    "in_camp": "отправлен(а) в лагерь",
    "sentenced": "осужден(а)",
    "in_prison": "в тюрьме",
    "released": "освобожден(а)",
    "house_arrest": "под домашним арестом",
    "forced_labour": "на принудительном труде",
    "travel_banned": "не может выехать",
    "disappeared": "пропал(а) без вести",
    "deceased": "умер(ла)",
}
_TIMELINES = (
    ("detained", "in_camp", "released", "travel_banned"),
    ("detained", "in_camp", "sentenced", "in_prison"),
    ("detained", "disappeared"),
    ("detained", "in_camp", "forced_labour"),
    ("detained", "house_arrest"),
    ("detained", "in_camp", "released"),
)


@dataclass(frozen=True)
class DemoFile:
    """A small generated file, sealed with its batch (a picture or a text)."""

    name: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class DemoBatch:
    """Record changes and the files they refer to by position: one entry to seal."""

    changes: tuple[dict[str, Any], ...]
    files: tuple[DemoFile, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class _Later:
    """What the follow-up changes need to know about the intake."""

    showcase: str
    sibling: str
    brother_testimony: str
    wife_testimony: str
    hometown_claim: tuple[int, int, int]  # batch, change, claim of the claim to correct
    corrected_hometown: str
    withdrawn_testimony: str
    amended: str
    amended_testimony: str
    released: PartialDate
    taken_again: str  # a person taken again five weeks before the demo was made
    taken_again_county: str
    today: dt.date


@dataclass(frozen=True)
class DemoData:
    persons: tuple[str, ...]
    intake: tuple[DemoBatch, ...]
    # what each featured person shows -> person id ("imported_video": a testimony id)
    featured: dict[str, str]
    # (first record, second record): persons the demo records twice, for linkage to find
    twice: tuple[tuple[str, str], ...]
    _later: _Later = field(repr=False)
    _seed: int = field(repr=False)

    def follow_up(self, entry_ids: Sequence[str]) -> tuple[DemoBatch, ...]:
        """Later changes: a correction, a withdrawn consent, a link, rebuttals, an update.

        ``entry_ids`` are the sealed intake entries' ids, in the order of ``intake``.
        """
        if len(entry_ids) != len(self.intake):
            raise ValueError("one entry id per intake batch is needed")
        later = self._later
        rng = _rng(self._seed + 1)
        press = _id(rng, "s")
        batch, change, n = later.hometown_claim
        changes: list[dict[str, Any]] = [
            {
                "op": "person.corrected",
                "person": later.showcase,
                "claims": [
                    b.claim(
                        "hometown",
                        b.place_ref(later.corrected_hometown),
                        b.source_ref(testimony=later.brother_testimony, locator="phone call"),
                    )
                ],
                "retract": [claim_id(entry_ids[batch], change, n)],
                "reason": "The wife gave the city the family later lived in; the brother "
                "confirmed by phone that the home village is in the county (DEMO).",
            },
            {
                "op": "testimony.consent_changed",
                "testimony": later.withdrawn_testimony,
                "consent": {"level": "withdrawn", "how": "oral"},
                "reason": "The testifier asked to withdraw: relatives in Xinjiang were "
                "questioned about the interview (DEMO).",
            },
            {
                "op": "testimony.linked",
                "testimony": later.brother_testimony,
                "persons": [later.sibling],
                "reason": "The brother also speaks about his younger brother (DEMO).",
            },
            {
                "op": "source.added",
                "source": press,
                "kind": "media_report",
                "title": "DEMO: regional press conference answering foreign reports",
                "persons": [later.showcase, later.sibling],
                "date": "2020-01",
                "issuer": "Regional government spokesperson (fictional, DEMO)",
            },
            {
                "op": "rebuttal.added",
                "rebuttal": _id(rng, "r"),
                "person": later.showcase,
                "kind": "criminal",
                "by": "Regional government spokesperson (fictional, DEMO)",
                "text": "He was sentenced according to law for crimes; the reports are "
                "slander. (Fictional demo text.)",
                "source": b.source_ref(source=press, locator="minute 14"),
                "date": "2020-01",
            },
            {
                "op": "rebuttal.added",
                "rebuttal": _id(rng, "r"),
                "person": later.sibling,
                "kind": "living_normally",
                "by": "Regional government spokesperson (fictional, DEMO)",
                "text": "He lives and works normally in his hometown. (Fictional demo text.)",
                "source": b.source_ref(source=press, locator="minute 16"),
                "date": "2020-01",
            },
            {
                "op": "person.amended",
                "person": later.amended,
                "claims": [
                    b.claim(
                        "status",
                        b.status(
                            "released",
                            later.released,
                            note="Came home thin; may not leave the village (DEMO).",
                        ),
                        b.source_ref(testimony=later.amended_testimony, locator="second call"),
                    )
                ],
                "reason": "A second call from the relative (DEMO).",
            },
            # a reviewer's assessment and the case sent to the UN (records format 1.4)
            b.assessed(
                later.showcase,
                "The wife's and the brother's accounts agree; the detention notice and the "
                "verdict are official documents (DEMO).",
                source_reliability="likely_reliable",
                information_reliability="highly_reliable",
                violation="confirmed",
                un_route="standard",
                by="demo reviewer",
            ),
            b.submitted(
                later.showcase,
                "un_wgeid",
                "2020-03",
                reference="DEMO-WGEID-0001",
                note="Sent with the wife's testimony and the notice (DEMO).",
                by="demo publisher",
            ),
            *self._taken_again(),
        ]
        return (DemoBatch(tuple(changes), note="DEMO follow-up: corrections and rebuttals"),)

    def _taken_again(self) -> list[dict[str, Any]]:
        """A released man taken again five weeks before the demo was made, as his
        daughter tells the desk a week ago: the UN working group's urgent action fits
        his case, so the staff app flags it (the dates follow the day of the demo)."""
        later = self._later
        rng = _rng(self._seed + 13)  # drawn apart, so the rest stays as it was
        tid = _id(rng, "t")
        recorded = later.today - dt.timedelta(days=6)
        taken = later.today - dt.timedelta(days=37)
        return [
            {
                "op": "testimony.recorded",
                "testimony": tid,
                "persons": [later.taken_again],
                "testifier": {
                    "relationship": "child",
                    "name": f"{given_name(rng, 'female')[0]} (DEMO)",
                    "contact": "DEMO: no real contact",
                    "language": "kk",
                },
                "consent": {"level": "internal", "given": recorded.isoformat(), "how": "oral"},
                "recorded": recorded.isoformat(),
                "place": b.place_ref(text="Almaty"),
                "language": "kk",
                "title": "DEMO testimony: taken again",
                "transcript": f"{MARKER} — вымышленное свидетельство, созданное командой "
                "`amanat demo`. Такого человека нет.\n\nМоего отца снова забрали из дома "
                "бабушки пять недель назад. Нам никто ничего не объясняет.",
                "media": [],
            },
            {
                "op": "person.amended",
                "person": later.taken_again,
                "claims": [
                    b.claim(
                        "status",
                        b.status(
                            "detained",
                            PartialDate.day(taken.year, taken.month, taken.day),
                            place=b.place_ref(later.taken_again_county),
                            by="police",
                            note="Taken again from his mother's house (DEMO).",
                            today=later.today,
                        ),
                        b.source_ref(testimony=tid, locator="01:10"),
                    )
                ],
                "reason": "His daughter came back to the desk: he was taken again (DEMO).",
            },
        ]


# -- making things up ------------------------------------------------------------------


_RESPONSIBLE = ("police", "police", "state_security", "local_officials", "unknown")
_TARGETS = ("kz_foreign_ministry", "kz_akimat", "cn_consulate", "un", "media")
_REPLIES = (
    None,
    None,
    "No answer (DEMO).",
    "The request was forwarded to the Chinese side (DEMO).",
    "He is studying and will come home when he finishes (DEMO).",
)


_CHANNELS = ("message", "message", "message", "phone", "video_call", "through_others")
_CONTACT_NOTES = (
    None,
    None,
    "His WeChat account was gone the next week (DEMO).",
    "He said only that he was well and hung up (DEMO).",
    "A neighbour passed on that he had been taken (DEMO).",
)


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret


def _id(rng: random.Random, kind: str) -> str:
    return f"{kind}_{rng.getrandbits(128):032x}"


def _text_file(name: str, text: str) -> DemoFile:
    return DemoFile(name, text.encode("utf-8"), "text/plain")


# -- one person's intake ---------------------------------------------------------------


@dataclass
class _Intake:
    """One intake visit being written: changes, files, and the person's claims."""

    n: int
    person: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    files: list[DemoFile] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)

    def file(self, item: DemoFile) -> dict[str, int]:
        self.files.append(item)
        return {"file": len(self.files) - 1}

    def claim(self, name: str, value: Any, source: dict[str, Any]) -> int:
        self.claims.append(b.claim(name, value, source))
        return len(self.claims) - 1

    def batch(self, note: str) -> DemoBatch:
        created = {"op": "person.created", "person": self.person, "claims": self.claims}
        created["reason"] = REASON
        return DemoBatch((*self.changes, created), tuple(self.files), note)


@dataclass(frozen=True)
class _Plan:
    ethnicity: str
    sex: str
    county: str
    born: dt.date
    with_id: bool
    timeline: tuple[str, ...]


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = _rng(seed)
        # who did it and what the family did: drawn apart, so the rest stays as it was
        self.case_rng = _rng(seed + 2)
        # the last contact: drawn apart too, so demo data made before it stays the same
        self.contact_rng = _rng(seed + 3)
        self.gazetteer = Gazetteer.load_builtin()
        facilities: dict[str, list[str]] = {}
        for place in self.gazetteer:
            if place.kind == "facility" and place.parent:
                facilities.setdefault(place.parent[:4], []).append(place.id)
        self.facilities = {k: sorted(v) for k, v in facilities.items()}
        self.used_words: set[str] = set()

    def county_name(self, code: str) -> str:
        place = self.gazetteer.get(code)
        if place is None:
            raise ValueError(f"demo county {code} is not in the gazetteer")
        return place.name_in("zh-Latn") or place.name

    def testimony(
        self,
        intake: _Intake,
        plan: _Plan,
        name: FictionalName,
        relation: str,
        *,
        consent: str,
        recorded: dt.date,
        with_still: bool = False,
    ) -> tuple[str, dict[str, Any]]:
        """A relative's testimony about the person; its id and the testifier."""
        rng = self.rng
        tid = _id(rng, "t")
        testifier_sex = (
            rng.choice(("male", "female"))
            if relation != "spouse"
            else ("female" if plan.sex == "male" else "male")
        )
        if plan.ethnicity == "hui":
            testifier_name = hui_name(rng).latin
        else:
            testifier_name = given_name(rng, testifier_sex)[0] + " " + given_name(rng, "male")[0]
        testifier: dict[str, Any] = {
            "relationship": relation,
            "name": f"{testifier_name} (DEMO)",
            "contact": "DEMO: no real contact",
            "language": _LANGUAGE[plan.ethnicity],
        }
        if plan.ethnicity == "kazakh" and rng.random() < 0.5:
            testifier["iin"] = kazakh_iin(
                dt.date(rng.randrange(1955, 1995), 6, 15), testifier_sex, rng
            ).number
        who = _RU_RELATIVE[(relation, plan.sex)]
        events = ", затем ".join(_RU_STATUS[s] for s in plan.timeline)
        transcript = (
            f"{MARKER} — вымышленное свидетельство, созданное командой `amanat demo`. "
            "Такого человека нет.\n\n"
            f"{who.capitalize()} {name.cyrillic} из {self.county_name(plan.county)}: "
            f"{events}. Мы ничего не знаем больше."
        )
        body: dict[str, Any] = {
            "op": "testimony.recorded",
            "testimony": tid,
            "persons": [intake.person],
            "testifier": testifier,
            "consent": {"level": consent, "given": recorded.isoformat(), "how": "video"},
            "recorded": recorded.isoformat(),
            "place": b.place_ref(text=rng.choice(("Almaty", "Astana", "Bishkek", "Istanbul"))),
            "language": _LANGUAGE[plan.ethnicity],
            "title": f"DEMO testimony {intake.n:02d}",
            "transcript": transcript,
            "translations": [
                {
                    "language": "en",
                    "text": f"{MARKER}: a fictional testimony made by `amanat demo` about "
                    f"{name.latin}, who does not exist.",
                }
            ],
            "risk_notes": "DEMO: the testifier's parents still live in the county.",
            "media": [],
        }
        if with_still:
            still = intake.file(
                DemoFile(f"DEMO-still-{intake.n:02d}.png", demo_png(rng), "image/png")
            )
            # who may see it: drawn apart from ``rng``, so the rest stays as it was
            visibility = self.case_rng.choice(("public", "restricted", "sensitive"))
            body["media"] = [{**still, "visibility": visibility}]
        intake.changes.append(body)
        return tid, testifier

    def new_name(self, plan: _Plan) -> FictionalName:
        """A name sharing no word with an earlier person's, so that in the demo each
        person is easy to tell apart and a name search finds one person."""
        for _ in range(1000):
            if plan.ethnicity == "hui":
                name = hui_name(self.rng)
            else:
                name = turkic_name(self.rng, plan.sex, plan.ethnicity)
            words = {
                folded(word)
                for text in (name.latin, name.cyrillic, name.chinese, name.arabic or "")
                for word in text.split()
            }
            if not words & self.used_words:
                self.used_words |= words
                return name
        raise ValueError("the demo ran out of distinct names")

    def dates(self, plan: _Plan) -> list[dt.date]:
        """The days the person's status events happened on, first to last."""
        rng = self.rng
        when = dt.date(rng.randrange(2017, 2020), rng.randrange(1, 13), rng.randrange(1, 29))
        out = []
        for _ in plan.timeline:
            out.append(when)
            when = min(when + dt.timedelta(days=rng.randrange(30, 400)), dt.date(2021, 6, 30))
        return out

    def timeline(self, intake: _Intake, plan: _Plan, tid: str, days: list[dt.date]) -> None:
        """The person's status events, dated as a relative would date them."""
        rng = self.rng
        camps = self.facilities.get(plan.county[:4], [])
        camp = (
            b.place_ref(rng.choice(camps))
            if camps
            else b.place_ref(text=f"a camp near {self.county_name(plan.county)} (DEMO)")
        )
        for step, (kind, when) in enumerate(zip(plan.timeline, days, strict=True)):
            date: PartialDate
            if step == 0:
                date = PartialDate.day(when.year, when.month, when.day)
            elif kind in ("travel_banned", "in_prison", "forced_labour"):
                date = PartialDate.year(when.year, approximate=rng.random() < 0.3)
            elif kind == "disappeared":
                date = PartialDate.between(dt.date(when.year, 1, 1), dt.date(when.year + 1, 12, 31))
            else:
                date = PartialDate.month(when.year, when.month)
            extra: dict[str, Any] = {}
            if kind == "detained":
                extra["place"] = b.place_ref(plan.county)
                extra["by"] = self.case_rng.choice(_RESPONSIBLE)
                if self.case_rng.random() < 0.6:
                    extra["acknowledged"] = self.case_rng.random() < 0.2
            elif kind in ("in_camp", "in_prison"):
                extra["place"] = camp
            elif kind == "sentenced":
                extra["term"] = f"{rng.choice((7, 10, 12, 15, 20))} years"
                extra["charge"] = "extremism (as the family was told)"
            elif kind == "forced_labour":
                extra["place"] = b.place_ref(text="a garment factory (DEMO)")
            elif kind == "disappeared":
                extra["note"] = "The family has had no news since (DEMO)."
            locator = f"{3 + 4 * step:02d}:{rng.randrange(60):02d}"
            intake.claim(
                "status",
                b.status(kind, date, **extra),
                b.source_ref(testimony=tid, locator=locator),
            )

    def person(self, n: int, plan: _Plan, special: str = "") -> tuple[_Intake, dict[str, Any]]:
        rng = self.rng
        intake = _Intake(n, _id(rng, "p"))
        name = self.new_name(plan)
        lang = _LANGUAGE[plan.ethnicity]
        days = self.dates(plan)
        recorded = min(days[-1] + dt.timedelta(days=rng.randrange(30, 600)), dt.date(2023, 12, 1))
        relation = "spouse" if special == "showcase" else rng.choice(_RELATIONS)
        consent = rng.choice(("public_named", "public_anonymised", "internal"))
        tid, testifier = self.testimony(
            intake,
            plan,
            name,
            relation,
            consent=consent,
            recorded=recorded,
            with_still=rng.random() < 0.3,
        )
        said = b.source_ref(testimony=tid, locator="00:40")
        intake.claim("name", b.name(name.latin, language=f"{lang}-Latn", form="full"), said)
        intake.claim("name", b.name(name.cyrillic, language="ru" if lang == "zh" else lang), said)
        intake.claim("name", b.name(name.chinese, language="zh", form="chinese"), said)
        if name.arabic:
            intake.claim("name", b.name(name.arabic, language=lang), said)
        intake.claim("name", b.name(f"{MARKER}-{n:02d}", form="alias"), said)
        intake.claim("sex", plan.sex, said)
        intake.claim("ethnicity", plan.ethnicity, said)
        intake.claim("occupation", rng.choice(_OCCUPATIONS), said)
        intake.claim("citizenship", "CN", said)
        home_claim = intake.claim("hometown", b.place_ref(plan.county), said)
        intake.claim(
            "relative",
            {"relation": relation, "name": str(testifier["name"])},
            said,
        )
        if special == "id_conflict":
            birth = PartialDate.year(plan.born.year + 2)  # the family is two years off
        else:
            birth = said_birth(plan.born, rng)
        intake.claim("birth", birth.to_text(), said)
        if plan.with_id:
            rid = resident_id(plan.county, plan.born, plan.sex, rng)
            intake.claim("document", b.document("cn_resident_id", rid.number), said)
        if rng.random() < 0.35:
            photo = intake.file(DemoFile(f"DEMO-photo-{n:02d}.png", demo_png(rng), "image/png"))
            intake.claim("photo", photo, said)
        self.timeline(intake, plan, tid, days)
        self.actions(intake, tid, days)
        self.last_contact(intake, tid, days)
        return intake, {"testimony": tid, "home_claim": home_claim, "days": days, "name": name}

    def actions(self, intake: _Intake, tid: str, days: list[dt.date]) -> None:
        """What the family did after the first event: none to three petitions."""
        rng = self.case_rng
        when = days[0]
        for target in rng.sample(_TARGETS, rng.choice((0, 1, 1, 2, 3))):
            when = min(when + dt.timedelta(days=rng.randrange(20, 300)), dt.date(2022, 6, 30))
            reply = rng.choice(_REPLIES)
            intake.claim(
                "action",
                b.action(target, PartialDate.month(when.year, when.month), reply=reply),
                b.source_ref(testimony=tid),
            )

    def last_contact(self, intake: _Intake, tid: str, days: list[dt.date]) -> None:
        """When the family last heard from the person: around the first event, most
        often by a message app; not known in one testimony in four."""
        rng = self.contact_rng
        if rng.random() < 0.25:
            return
        when = days[0] + dt.timedelta(days=rng.randrange(-40, 120))
        date = (
            PartialDate.month(when.year, when.month)
            if rng.random() < 0.6
            else PartialDate.day(when.year, when.month, when.day)
        )
        intake.claim(
            "contact",
            b.contact(date, rng.choice(_CHANNELS), note=rng.choice(_CONTACT_NOTES)),
            b.source_ref(testimony=tid),
        )


def _plans(rng: random.Random) -> list[_Plan]:
    ethnicities = list(_PLAN)
    rng.shuffle(ethnicities)
    ethnicities[:3] = ["kazakh", "kazakh", "kazakh"]  # the featured family is Kazakh
    plans = []
    for ethnicity in ethnicities:
        plans.append(
            _Plan(
                ethnicity=ethnicity,
                sex=rng.choice(("male", "male", "female")),
                county=rng.choice(COUNTIES[ethnicity]),
                born=dt.date(rng.randrange(1950, 1996), rng.randrange(1, 13), rng.randrange(1, 29)),
                with_id=rng.random() < 0.6,
                timeline=rng.choice(_TIMELINES),
            )
        )
    return plans


def demo_data(seed: int = 2018, today: dt.date | None = None) -> DemoData:
    """Forty fictional persons, each from one intake visit, and what follows.

    ``today`` (the day the demo is made, by default the computer's) dates the one recent
    event, a man taken again five weeks before, so the urgent action shows in the demo.
    """
    w = _Writer(seed)
    rng = w.rng
    plans = _plans(rng)
    # Featured persons, each showing one thing: a family of two brothers (index 0 and
    # 1), an ID conflict (2), a withdrawn testimony (3), a Kazakh citizen (4), an
    # identity document (5), a death in custody (6) and a later update (7).
    plans[0] = _Plan("kazakh", "male", "654021", dt.date(1978, 3, 2), False, _TIMELINES[1])
    plans[1] = _Plan("kazakh", "male", "654021", dt.date(1983, 9, 20), False, _TIMELINES[2])
    plans[2] = _Plan("kazakh", "female", "654301", dt.date(1971, 5, 14), True, _TIMELINES[0])
    plans[3] = _Plan("uyghur", "male", "653101", dt.date(1966, 11, 3), False, _TIMELINES[1])
    plans[4] = _Plan("kazakh", "male", "654201", dt.date(1960, 1, 25), False, _TIMELINES[0])
    plans[5] = _Plan("kyrgyz", "female", "653022", dt.date(1985, 7, 7), False, _TIMELINES[3])
    plans[6] = _Plan("uyghur", "male", "653122", dt.date(1951, 2, 18), True, _TIMELINES[0][:2])
    plans[7] = _Plan("kazakh", "female", "654324", dt.date(1990, 12, 1), True, _TIMELINES[0][:2])
    specials = {0: "showcase", 2: "id_conflict"}
    intakes: list[_Intake] = []
    facts: list[dict[str, Any]] = []
    for n, plan in enumerate(plans):
        intake, fact = w.person(n + 1, plan, specials.get(n, ""))
        intakes.append(intake)
        facts.append(fact)
    showcase, sibling = intakes[0], intakes[1]

    # The showcase: the wife's account (above), the brother's, and two official papers.
    detained_on = facts[0]["days"][0]
    brother_tid, _ = w.testimony(
        showcase,
        plans[0],
        turkic_name(_rng(seed + 7), "male", "kazakh"),
        "sibling",
        consent="public_named",
        recorded=facts[0]["days"][-1] + dt.timedelta(days=90),
        with_still=True,
    )
    brother = b.source_ref(testimony=brother_tid, locator="02:15")
    wife_birth = next(c for c in showcase.claims if c["field"] == "birth")
    wife_birth["value"] = "1978"
    showcase.claim("birth", "1980", brother)  # the brother remembers another year
    showcase.claim("relative", {"relation": "sibling", "person": sibling.person}, brother)
    notice, verdict = _id(rng, "s"), _id(rng, "s")
    showcase.changes.append(
        {
            "op": "source.added",
            "source": notice,
            "kind": "official_notice",
            "title": "DEMO: notice of criminal detention given to the family",
            "persons": [showcase.person],
            "date": detained_on.isoformat(),
            "issuer": "Public Security Bureau of 伊宁县 (fictional, DEMO)",
            "files": [showcase.file(_text_file("DEMO-notice-01.txt", "DEMO detention notice.\n"))],
        }
    )
    showcase.changes.append(
        {
            "op": "source.added",
            "source": verdict,
            "kind": "court_document",
            "title": "DEMO: first-instance verdict",
            "persons": [showcase.person],
            "date": b.date_text(PartialDate.month(facts[0]["days"][2].year, 11)),
            "reference": "(2019) DEMO 0000",
            "issuer": "Intermediate People's Court (fictional, DEMO)",
            "files": [showcase.file(_text_file("DEMO-verdict-01.txt", "DEMO verdict.\n"))],
        }
    )
    events = {c["value"]["status"]: c for c in showcase.claims if c["field"] == "status"}
    events["sentenced"]["source"] = b.source_ref(source=verdict, locator="page 3")
    events["detained"]["source"] = b.source_ref(source=notice)
    home = next(c for c in showcase.claims if c["field"] == "hometown")
    home["value"] = b.place_ref("654002")  # the wife says the city; corrected later

    # A Kazakh citizen (4): the IIN of a man who went to visit his mother.
    iin = kazakh_iin(plans[4].born, "male", rng)
    intakes[4].claim("citizenship", "KZ", intakes[4].claims[0]["source"])
    intakes[4].claim("document", b.document("kz_iin", iin.number), intakes[4].claims[0]["source"])

    # An identity document (5), and another group's list naming several persons.
    scan = _id(rng, "s")
    intakes[5].changes.append(
        {
            "op": "source.added",
            "source": scan,
            "kind": "id_document",
            "title": "DEMO: photograph of an identity card",
            "persons": [intakes[5].person],
            "files": [intakes[5].file(DemoFile("DEMO-id-card-06.png", demo_png(rng), "image/png"))],
        }
    )
    listed = [i.person for i in intakes[10:16]]
    intakes[10].changes.append(
        {
            "op": "source.added",
            "source": _id(rng, "s"),
            "kind": "other_database",
            "title": "DEMO: list shared by another documentation group",
            "persons": listed,
            "date": "2020-03",
            "note": "Fictional list (DEMO).",
        }
    )

    # A video downloaded from a channel and imported (`amanat import FOLDER`): its title
    # names the showcase person in Latin letters, but nothing links it to him yet, and its
    # consent is the channel's, not the testifier's. The staff app's "Add a testimony
    # recorded without a person" on the showcase's page offers it first.
    video_rng = _rng(seed + 11)  # drawn apart from ``rng``, so the rest stays as it was
    shown_name: FictionalName = facts[0]["name"]
    intakes[12].changes.append(
        {
            "op": "testimony.recorded",
            "testimony": _id(video_rng, "t"),
            "persons": [],
            "testifier": {"relationship": "unknown"},
            "consent": {
                "level": "internal",
                "how": "unknown",
                "note": "published by DEMO channel; consent not recorded by us",
            },
            "title": f"DEMO video: the wife of {shown_name.latin} speaks about his detention",
            "transcript": f"{MARKER}: a fictional video, as imported from a channel.",
            "external": {"channel": "DEMO channel", "uploaded": "2019-05-14"},
            "media": [],
        }
    )
    featured_video = intakes[12].changes[-1]["testimony"]

    # A death in custody (6).
    dead = intakes[6]
    dead_source = dead.claims[0]["source"]
    died = facts[6]["days"][-1] + dt.timedelta(days=200)
    dead.claim(
        "status", b.status("deceased", PartialDate.month(died.year, died.month)), dead_source
    )
    dead.claim("death", PartialDate.month(died.year, died.month).to_text(), dead_source)

    released = facts[7]["days"][-1] + dt.timedelta(days=150)
    batches = tuple(i.batch(f"DEMO intake {i.n:02d}") for i in intakes)
    showcase_n = len(showcase.changes)  # person.created comes last in its batch
    later = _Later(
        showcase=showcase.person,
        sibling=sibling.person,
        brother_testimony=brother_tid,
        wife_testimony=facts[0]["testimony"],
        hometown_claim=(0, showcase_n, facts[0]["home_claim"]),
        corrected_hometown="654021",
        withdrawn_testimony=facts[3]["testimony"],
        amended=intakes[7].person,
        amended_testimony=facts[7]["testimony"],
        released=PartialDate.month(released.year, released.month),
        taken_again=intakes[4].person,
        taken_again_county=plans[4].county,
        today=today or dt.date.today(),
    )
    featured = {
        "showcase": showcase.person,
        "disagreement": showcase.person,
        "corrected": showcase.person,
        "rebuttal": showcase.person,
        "sibling": sibling.person,
        "id_conflict": intakes[2].person,
        "withdrawn": intakes[3].person,
        "kazakh_citizen": intakes[4].person,
        "id_document": intakes[5].person,
        "deceased": intakes[6].person,
        "amended": intakes[7].person,
        "taken_again": intakes[4].person,  # taken again five weeks ago: urgent action
        "imported_video": featured_video,  # a testimony id: linked to no person
    }
    twice = _recorded_twice(_rng(seed + 3), plans, intakes, facts)
    batches += tuple(copy.batch(f"DEMO list {copy.n:02d}") for _, copy in twice)
    persons = tuple(i.person for i in intakes) + tuple(copy.person for _, copy in twice)
    pairs = tuple((first.person, copy.person) for first, copy in twice)
    return DemoData(persons, batches, featured, pairs, later, seed)


# -- persons recorded twice ------------------------------------------------------------

# Kazakh letters as a Russian-language list writes them.
_RUSSIAN_LETTERS = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")


def _listed(
    rng: random.Random, n: int, name: dict[str, Any], title: str, date: str, note: str
) -> tuple[_Intake, dict[str, Any]]:
    """A person as another list names them: a new record named ``name`` (and DEMO-``n``)
    citing a new source of kind ``other_database``; the intake and the citation for its
    other claims."""
    intake = _Intake(n, _id(rng, "p"))
    source = _id(rng, "s")
    intake.changes.append(
        {
            "op": "source.added",
            "source": source,
            "kind": "other_database",
            "title": title,
            "persons": [intake.person],
            "date": date,
            "note": note,
        }
    )
    cited = b.source_ref(source=source, locator=f"row {rng.randrange(20, 400)}")
    intake.claim("name", name, cited)
    intake.claim("name", b.name(f"{MARKER}-{n:02d}", form="alias"), cited)
    return intake, cited


def _recorded_twice(
    rng: random.Random, plans: list[_Plan], intakes: list[_Intake], facts: list[dict[str, Any]]
) -> tuple[tuple[_Intake, _Intake], ...]:
    """Two persons a second time, as other lists bring them to a desk: one from a leaked
    police roster (the name in pinyin only, the birth date and resident ID from the ID
    card: the model is sure and proposes a link), one from a Bishkek group's list (the
    given name in Russian letters with the family name the relatives abroad use instead
    of the father's name, a birth year one off, the month of detention: the model is
    not sure, and a reviewer decides). Drawn from ``rng`` alone, so every other change
    of the demo stays as it was."""
    ordinary = range(8, len(plans))  # not one of the featured persons
    n = len(plans)

    def said(intake: _Intake, script: str, form: str | None = None) -> str:
        return next(
            str(c["value"]["text"])
            for c in intake.claims
            if c["field"] == "name" and c["value"]["script"] == script
            and c["value"].get("form") == form
        )  # fmt: skip

    at = next(i for i in ordinary if plans[i].with_id and plans[i].ethnicity != "hui")
    first, plan = intakes[at], plans[at]
    chinese = said(first, "Hani", "chinese")
    pinyin = " ".join("".join(lazy_pinyin(part)).capitalize() for part in chinese.split("·"))
    roster, cited = _listed(
        rng,
        n + 1,
        b.name(pinyin, language="zh-Latn", form="full"),
        "DEMO: detainees of one county, copied from a leaked police roster",
        "2019-05",
        "Fictional list (DEMO): names in pinyin as the roster prints them.",
    )
    number = next(c["value"]["number"] for c in first.claims if c["field"] == "document")
    roster.claim("sex", plan.sex, cited)
    roster.claim("birth", f"{number[6:10]}-{number[10:12]}-{number[12:14]}", cited)
    roster.claim("hometown", b.place_ref(plan.county), cited)
    roster.claim("document", b.document("cn_resident_id", number), cited)
    out = [(first, roster)]

    at = next(
        i for i in ordinary
        if not plans[i].with_id and plans[i].ethnicity == "kazakh" and plans[i].sex == "male"
    )  # fmt: skip
    first, plan = intakes[at], plans[at]
    given = said(first, "Cyrl", None).split(" ")[0].translate(_RUSSIAN_LETTERS)
    family = cyrillic(given_name(rng, "male")[0])  # not the father's name
    listed, cited = _listed(
        rng,
        n + 2,
        b.name(f"{given} {family}ов", language="ru"),
        "DEMO: list of missing relatives gathered by a group in Bishkek",
        "2020-11",
        "Fictional list (DEMO), in Russian.",
    )
    listed.claim("sex", plan.sex, cited)
    listed.claim("birth", str(plan.born.year + rng.choice((-1, 1))), cited)
    taken = facts[at]["days"][0]
    month = PartialDate.month(taken.year, taken.month)
    listed.claim("status", b.status("detained", month, by="police"), cited)
    out.append((first, listed))
    return tuple(out)

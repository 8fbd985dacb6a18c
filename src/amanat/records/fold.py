"""Folding changes into what is known: the state of a person, a testimony, a source.

A fold is a pure function of a *set* of changes: the result does not depend on the
order the changes arrived in (a desk may pull a station's entries before or after a
researcher's correction), because each fold first sorts by ``Change.order`` and
retractions apply whatever their position. So a view rebuilt from the whole vault and
a view updated entry by entry after each sync hold the same rows.

Nothing is overwritten. All claims stay, with their sources; a retracted claim moves
to ``retracted`` with the change that retracted it; where active claims of a
single-valued field disagree, the fold reports a disagreement and keeps every value.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from amanat.records import flags
from amanat.records.changes import (
    ASSESSMENT,
    CLAIM_OPS,
    LINK_OPS,
    MULTI_FIELDS,
    OFFICIAL_KINDS,
    SINGLE_FIELDS,
    Change,
    submission_id,
    version_id,
)
from amanat.records.consent import narrowest
from amanat.records.dates import stored_date
from amanat.records.grade import Grade, grade_person
from amanat.records.ids import ResidentId

__all__ = [
    "Assessment",
    "Claim",
    "Decision",
    "Flag",
    "HistoryItem",
    "Merge",
    "PersonState",
    "RebuttalState",
    "SourceState",
    "Submission",
    "TestimonyState",
    "current_decisions",
    "fold_person",
    "fold_source",
    "fold_testimony",
    "merges",
    "read_decision",
    "testimony_versions",
    "value_key",
]

_FAR_FUTURE = dt.date.max


def value_key(value: Any) -> str:
    """A canonical text for comparing two claimed values."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_date = stored_date


@functools.lru_cache(maxsize=4096)
def _resident_id(number: str) -> ResidentId:
    """A stored (already checked) resident ID number, decoded once per projection."""
    return ResidentId.decode(number, today=_FAR_FUTURE)


@dataclass(frozen=True)
class Claim:
    claim_id: str
    field: str
    value: Any  # as sealed, with file references resolved to blob ids
    source_kind: str  # "testimony" or "source"
    source_id: str
    locator: str
    entry_id: str
    time: str
    order: tuple[str, bool, str, str, int, int]
    record: str = ""  # the person record the claim was sealed on (a merged person has several)


@dataclass(frozen=True)
class HistoryItem:
    entry_id: str
    index: int
    time: str
    op: str
    reason: str


@dataclass(frozen=True)
class Assessment:
    """A reviewer's assessment of a record (``person.assessed``), as sealed."""

    entry_id: str
    index: int
    time: str
    record: str  # the person record it was sealed on
    aspects: Mapping[str, str]  # source_reliability, information_reliability, …
    reason: str
    by: str


@dataclass(frozen=True)
class Submission:
    """A case the group submitted (``person.submitted``), not retracted."""

    submission_id: str
    record: str
    to: str
    date: str
    reference: str
    note: str
    by: str
    entry_id: str
    time: str


@dataclass(frozen=True)
class Flag:
    """Something to check (``records.flags``): its kind (disagreement,
    id_birth_conflict, id_sex_conflict, id_region_differs, id_note, link_conflict,
    recorded_again), the
    field concerned, its sentence in English, and the values that sentence names."""

    kind: str
    field: str
    detail: str
    args: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, kind: str, field: str, **args: str) -> Flag:
        """A flag of ``kind`` whose sentence names ``args``."""
        return cls(kind, field, flags.english(kind, args), tuple(sorted(args.items())))


@dataclass
class TestimonyState:
    testimony_id: str
    persons: list[str]
    testifier: dict[str, Any]
    consent: dict[str, Any]
    consent_changed: str  # time of the change that set the current consent
    recorded: str
    place: dict[str, Any]
    language: str
    media: list[str]  # blob ids
    # who may see each file (``media``'s order): public, restricted, sensitive, or ""
    # when the entry does not say (staff only)
    visibility: list[str]
    transcript: str
    translations: list[dict[str, Any]]
    risk_notes: str
    title: str
    external: dict[str, Any]
    entry_id: str
    time: str
    history: list[HistoryItem]
    # Other entries that recorded this testimony with other contents (see
    # ``fold_testimony``): the consent is then the narrowest of them, no file is public.
    recorded_again: list[str] = field(default_factory=list)

    @property
    def withdrawn(self) -> bool:
        return self.consent.get("level") == "withdrawn"


@dataclass
class SourceState:
    source_id: str
    kind: str
    title: str
    persons: list[str]
    date: str
    reference: str
    issuer: str
    note: str
    files: list[str]
    entry_id: str
    time: str

    @property
    def official(self) -> bool:
        return self.kind in OFFICIAL_KINDS


@dataclass(frozen=True)
class RebuttalState:
    rebuttal_id: str
    person_id: str
    kind: str
    by: str
    text: str
    date: str
    source_kind: str
    source_id: str
    entry_id: str
    time: str


@dataclass
class PersonState:
    person_id: str
    created: str
    updated: str
    claims: list[Claim]
    retracted: list[tuple[Claim, str]]  # the claim and the change that retracted it
    history: list[HistoryItem]
    testimonies: list[TestimonyState]
    sources: list[SourceState]
    rebuttals: list[RebuttalState]
    flags: list[Flag] = field(default_factory=list)
    chosen: dict[str, Claim] = field(default_factory=dict)
    status: Claim | None = None
    status_updated: str = ""
    grade: Grade | None = None
    # The person records folded together: the person's own id, and those merged into
    # it by same-person decisions (``merges``), sorted; the first is the person's id.
    records: list[str] = field(default_factory=list)
    # reviewers' assessments in fold order, and the submissions not retracted, by date
    assessments: list[Assessment] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    _by_field: dict[str, list[Claim]] | None = field(default=None, repr=False, compare=False)

    def values(self, name: str) -> list[Claim]:
        if self._by_field is None:
            by_field: dict[str, list[Claim]] = {}
            for c in self.claims:
                by_field.setdefault(c.field, []).append(c)
            self._by_field = by_field
        return self._by_field.get(name, [])

    def value(self, name: str) -> Any:
        chosen = self.chosen.get(name)
        return None if chosen is None else chosen.value

    def assessment(self) -> dict[str, Assessment]:
        """Each aspect assessed, with the latest assessment that gives it."""
        return {k: a for a in self.assessments for k in a.aspects}


def _resolve(value: Any, files: tuple[str, ...]) -> Any:
    """Replace ``{"file": n}`` references by ``{"blob": id}`` using the entry's files."""
    if isinstance(value, dict):
        if set(value) == {"file"} and isinstance(value["file"], int):
            return {"blob": files[value["file"]]}
        return {k: _resolve(v, files) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, files) for v in value]
    return value


def fold_testimony(testimony_id: str, changes: Iterable[Change]) -> TestimonyState | None:
    """The testimony as recorded, linked and consented now; None if not yet recorded."""
    mine = _testimony_changes(testimony_id, changes)
    versions = [c for c in mine if c.op == "testimony.recorded"]
    if not versions:
        return None
    # The same testimony recorded again with other contents: a station that sealed an
    # intake twice after editing it, or an entry forged with a seized station key and
    # dated before the genuine one to come first. Which one is genuine is for a person
    # to tell (the person's flag ``recorded_again``); until then the testimony is held
    # at what every version allows, so a forged one can never widen a consent or
    # publish a file: its consent is the narrowest, and every file is for staff only.
    # It concerns the persons of every version.
    # A reviewer's ``testimony.settled`` names the genuine version and the versions set
    # aside: the testimony is then the genuine one, and the set-aside versions count for
    # nothing. A version the settlement did not name (one recorded since) is a new
    # conflict, flagged again.
    # A desk's later consent or visibility change still applies, as always.
    recorded, again = _in_force(versions, mine)
    b = recorded.body
    state = TestimonyState(
        testimony_id=testimony_id,
        persons=list(b["persons"]),
        testifier=dict(b["testifier"]),
        consent=dict(b["consent"]),
        consent_changed=recorded.time,
        recorded=b.get("recorded", ""),
        place=dict(b.get("place", {})),
        language=b.get("language", ""),
        media=[recorded.files[m["file"]] for m in b.get("media", [])],
        visibility=[m.get("visibility", "") for m in b.get("media", [])],
        transcript=b.get("transcript", ""),
        translations=[dict(t) for t in b.get("translations", [])],
        risk_notes=b.get("risk_notes", ""),
        title=b.get("title", ""),
        external=dict(b.get("external", {})),
        entry_id=recorded.entry_id,
        time=recorded.time,
        history=[],
        recorded_again=sorted(c.entry_id for c in again),
    )
    if again:
        state.consent = narrowest([b["consent"], *(c.body["consent"] for c in again)])
        state.visibility = ["" for _ in state.visibility]
        # concerning every person any version names, so that each of them is flagged
        # and a forged version cannot take the testimony off the genuine person's page
        for c in again:
            state.persons.extend(p for p in c.body["persons"] if p not in state.persons)
    for c in mine:
        state.history.append(
            HistoryItem(c.entry_id, c.index, c.time, c.op, str(c.body.get("reason", "")))
        )
        if c.op == "testimony.linked":
            state.persons.extend(p for p in c.body["persons"] if p not in state.persons)
        elif c.op == "testimony.consent_changed":
            state.consent = dict(c.body["consent"])
            state.consent_changed = c.time
        elif c.op == "testimony.visibility_changed" and c.body["media"] < len(state.visibility):
            # a file's "who may see it" corrected (a position the testimony lacks: ignored)
            state.visibility[c.body["media"]] = c.body["visibility"]
    # A second "recorded" for the same id is kept in the history but does not replace
    # the first; one with the same contents (a replayed or duplicated intake) is no
    # conflict.
    return state


def _in_force(versions: Sequence[Change], mine: Sequence[Change]) -> tuple[Change, list[Change]]:
    """The version that gives a testimony's contents, and the versions recorded again
    with other contents (each the first of its contents in fold order).

    The last ``testimony.settled`` that names one of these versions genuine gives the
    first, and the versions it sets aside count for nothing; without one, the first
    version in fold order."""
    by_id = {version_id(c.entry_id, c.index): c for c in versions}
    recorded, set_aside = versions[0], set()
    for c in mine:
        if c.op == "testimony.settled" and c.body["genuine"] in by_id:
            recorded, set_aside = by_id[c.body["genuine"]], set(c.body["set_aside"])
    genuine = _recorded_content(recorded)
    contents = {
        _recorded_content(c): c
        for c in reversed(versions)
        if version_id(c.entry_id, c.index) not in set_aside
    }
    again = [c for content, c in contents.items() if content != genuine]
    return recorded, sorted(again, key=lambda c: c.order)


def _testimony_changes(testimony_id: str, changes: Iterable[Change]) -> list[Change]:
    """A testimony's own changes, in fold order."""
    return sorted(
        (
            c
            for c in changes
            if c.op.startswith("testimony.") and c.body["testimony"] == testimony_id
        ),
        key=lambda c: c.order,
    )


def testimony_versions(testimony_id: str, changes: Iterable[Change]) -> list[Change]:
    """The versions of a testimony for a reviewer to settle: the one that gives its
    contents now, then each recorded again with other contents (none that a settlement
    set aside). One version when there is nothing to settle; none when not recorded."""
    mine = _testimony_changes(testimony_id, changes)
    versions = [c for c in mine if c.op == "testimony.recorded"]
    if not versions:
        return []
    recorded, again = _in_force(versions, mine)
    return [recorded, *again]


def _recorded_content(c: Change) -> str:
    """A ``testimony.recorded`` change's contents, its files by their blob ids (two
    entries number their files each their own way)."""
    media = [{**m, "file": c.files[m["file"]]} for m in c.body.get("media", [])]
    return value_key({**c.body, "media": media})


def fold_source(source_id: str, changes: Iterable[Change]) -> SourceState | None:
    first = min(
        (c for c in changes if c.op == "source.added" and c.body["source"] == source_id),
        key=lambda c: c.order,
        default=None,
    )
    if first is None:
        return None
    b = first.body
    return SourceState(
        source_id=source_id,
        kind=b["kind"],
        title=b["title"],
        persons=list(b["persons"]),
        date=b.get("date", ""),
        reference=b.get("reference", ""),
        issuer=b.get("issuer", ""),
        note=b.get("note", ""),
        files=[first.files[f["file"]] for f in b.get("files", [])],
        entry_id=first.entry_id,
        time=first.time,
    )


def fold_person(
    person_id: str, changes: Iterable[Change], *, members: Collection[str] = ()
) -> PersonState | None:
    """Everything known about one person; None if no change creates or amends them.

    ``changes`` may hold more than this person's: the fold picks the person's own
    changes, rebuttals about them, and the testimonies and sources that concern them.

    ``members``: the person records merged into this one by same-person decisions
    (``merges``); the fold is then the fold of the union of their changes, shown under
    ``person_id``. A retraction still applies only to claims of its own record, so a
    merge adds claims and never removes one.
    """
    changes = list(changes)
    records = set(members) | {person_id}
    mine = sorted(
        (c for c in changes if c.op.startswith("person.") and c.body["person"] in records),
        key=lambda c: c.order,
    )
    own = [c for c in mine if c.op in CLAIM_OPS]
    if not own:
        return None
    # A testimony or source concerns the person if it lists them, or if a claim about
    # them cites it (an imported list cannot name persons that do not exist yet) and is
    # not retracted: a testimony cited by mistake and corrected concerns them no more
    # (its consent must not make their case one for the UN).
    withdrawn = {(c.body["person"], claim) for c in own for claim in c.body.get("retract", [])}
    cited = {
        str(raw["source"].get("testimony") or raw["source"].get("source"))
        for c in own
        for n, raw in enumerate(c.body["claims"])
        if (c.body["person"], c.claim_id(n)) not in withdrawn
    }
    testimony_ids = sorted({c.body["testimony"] for c in changes if c.op.startswith("testimony.")})
    testimonies = [
        t
        for t in (fold_testimony(t, changes) for t in testimony_ids)
        if t is not None and (not records.isdisjoint(t.persons) or t.testimony_id in cited)
    ]
    source_ids = sorted({c.body["source"] for c in changes if c.op == "source.added"})
    sources = [
        s
        for s in (fold_source(s, changes) for s in source_ids)
        if s is not None and (not records.isdisjoint(s.persons) or s.source_id in cited)
    ]
    rebuttals = sorted(
        (c for c in changes if c.op == "rebuttal.added" and c.body["person"] in records),
        key=lambda c: c.order,
    )
    all_claims: list[Claim] = []
    retractions: dict[tuple[str, str], str] = {}  # (record, claim) -> retracting change
    history = [
        HistoryItem(c.entry_id, c.index, c.time, c.op, str(c.body.get("reason", ""))) for c in mine
    ]
    for c in own:
        for n, raw in enumerate(c.body["claims"]):
            src = raw["source"]
            kind = "testimony" if "testimony" in src else "source"
            all_claims.append(
                Claim(
                    claim_id=c.claim_id(n),
                    field=raw["field"],
                    # Only a photo refers to the entry's files.
                    value=_resolve(raw["value"], c.files)
                    if raw["field"] == "photo"
                    else raw["value"],
                    source_kind=kind,
                    source_id=src[kind],
                    locator=src.get("locator", ""),
                    entry_id=c.entry_id,
                    time=c.time,
                    order=(*c.order, n),
                    record=c.body["person"],
                )
            )
        for claim in c.body.get("retract", []):
            # The first retraction in fold order is the one shown; order of arrival
            # does not matter because the fold order is fixed.
            retractions.setdefault((c.body["person"], claim), f"{c.entry_id[:16]}.{c.index}")
    state = PersonState(
        person_id=person_id,
        created=own[0].time,
        updated=max(
            [mine[-1].time]
            + [r.time for r in rebuttals]
            + [t.consent_changed for t in testimonies]
            + [t.time for t in testimonies]
        ),
        claims=[c for c in all_claims if (c.record, c.claim_id) not in retractions],
        retracted=[
            (c, retractions[(c.record, c.claim_id)])
            for c in all_claims
            if (c.record, c.claim_id) in retractions
        ],
        history=history,
        testimonies=testimonies,
        sources=sources,
        # A rebuttal sealed twice (a replayed entry) is shown once: the first in fold order.
        rebuttals=list({c.body["rebuttal"]: _rebuttal(c) for c in reversed(rebuttals)}.values())[
            ::-1
        ],
        records=sorted({c.body["person"] for c in own}, key=lambda r: (r != person_id, r)),
    )
    _review(state, [c for c in mine if c.op not in CLAIM_OPS])
    _choose(state)
    _status(state)
    _id_flags(state)
    for t in testimonies:
        if t.recorded_again:
            state.flags.append(
                Flag.of(
                    "recorded_again",
                    "testimony",
                    testimony=t.testimony_id,
                    entries=", ".join(e[:16] for e in t.recorded_again),
                )
            )
    # A source cited only by a state rebuttal (a press conference denying the detention)
    # says the opposite of the record: it is shown with the rebuttal, never counted as
    # evidence for the record.
    # An official document (a notice, a verdict) proves the state's own act whoever
    # cites it, so it always counts.
    cited = {c.source_id for c in state.claims}
    denials = {r.source_id for r in state.rebuttals if r.source_kind == "source"} - cited
    state.grade = grade_person(
        state.claims,
        testimonies,
        [s for s in sources if s.official or s.source_id not in denials],
    )
    return state


def _review(state: PersonState, changes: Iterable[Change]) -> None:
    """The assessments and the submissions of a person's records, in fold order; a
    retraction takes back a submission of its own record only, whatever its position."""
    made: dict[tuple[str, str], Submission] = {}
    retracted: set[tuple[str, str]] = set()
    for c in changes:
        b = c.body
        record = str(b["person"])
        if c.op == "person.assessed":
            state.assessments.append(
                Assessment(
                    entry_id=c.entry_id,
                    index=c.index,
                    time=c.time,
                    record=record,
                    aspects={k: str(b[k]) for k in ASSESSMENT if k in b},
                    reason=str(b["reason"]),
                    by=str(b.get("by", "")),
                )
            )
            continue
        if "retract" in b:
            retracted.add((record, str(b["retract"])))
        if "to" in b:
            sid = submission_id(c.entry_id, c.index)
            made[(record, sid)] = Submission(
                submission_id=sid,
                record=record,
                to=str(b["to"]),
                date=str(b["date"]),
                reference=str(b.get("reference", "")),
                note=str(b.get("note", "")),
                by=str(b.get("by", "")),
                entry_id=c.entry_id,
                time=c.time,
            )
    kept = [s for key, s in made.items() if key not in retracted]
    state.submissions = sorted(kept, key=lambda s: (stored_date(s.date), s.submission_id))


def _rebuttal(c: Change) -> RebuttalState:
    b = c.body
    kind = "testimony" if "testimony" in b["source"] else "source"
    return RebuttalState(
        rebuttal_id=b["rebuttal"],
        person_id=b["person"],
        kind=b["kind"],
        by=b["by"],
        text=b["text"],
        date=b.get("date", ""),
        source_kind=kind,
        source_id=b["source"][kind],
        entry_id=c.entry_id,
        time=c.time,
    )


def _compatible(name: str, a: Any, b: Any) -> bool:
    """Whether two values of a single-valued field can both be true."""
    if name in ("birth", "death"):
        return _date(a).overlaps(_date(b))
    if name == "hometown":
        if "place" in a and "place" in b:
            return bool(a["place"] == b["place"])
        if "place" in a or "place" in b:
            return True  # a code and words: a person must judge
        return bool(a["text"].strip().casefold() == b["text"].strip().casefold())
    if name == "occupation":
        return bool(a.strip().casefold() == b.strip().casefold())
    return bool(a == b)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or value.get("place") or value_key(value))
    return str(value)


def _span(claim: Claim) -> int:
    if claim.field in ("birth", "death"):
        d = _date(claim.value)
        return (d.latest - d.earliest).days
    return 0


def _choose(state: PersonState) -> None:
    """Pick the value shown for each single field; flag fields whose claims disagree."""
    for name in SINGLE_FIELDS:
        claims = state.values(name)
        if not claims:
            continue
        if len(claims) == 1:  # most fields of most persons: nothing to weigh
            state.chosen[name] = claims[0]
            continue
        support: dict[str, set[str]] = {}
        first: dict[str, Claim] = {}
        for c in claims:
            key = value_key(c.value)
            support.setdefault(key, set()).add(c.source_id)
            first.setdefault(key, c)
        best = min(first, key=lambda k: (-len(support[k]), _span(first[k]), first[k].order))
        state.chosen[name] = first[best]
        values = list(first.values())
        clashing = sorted(
            {
                _shown(x.value)
                for i, a in enumerate(values)
                for b in values[i + 1 :]
                if not _compatible(name, a.value, b.value)
                for x in (a, b)
            }
        )
        if clashing:
            state.flags.append(Flag.of("disagreement", name, values="; ".join(clashing)))
    for name in MULTI_FIELDS:
        claims = state.values(name)
        if claims:
            state.chosen[name] = claims[0]


def _status(state: PersonState) -> None:
    events = state.values("status")
    if not events:
        return

    def key(c: Claim) -> tuple[dt.date, dt.date, tuple[str, bool, str, str, int, int]]:
        d = _date(c.value["date"])
        return (d.latest, d.earliest, c.order)

    state.status = max(events, key=key)
    state.status_updated = max(c.time for c in events)


def _id_flags(state: PersonState) -> None:
    births = state.values("birth")
    sexes = state.values("sex")
    homes = [c for c in state.values("hometown") if "place" in c.value]
    for doc in state.values("document"):
        if doc.value["kind"] != "cn_resident_id":
            continue
        rid = _resident_id(doc.value["number"])
        last = rid.abolished_before_birth()
        if last is not None:
            state.flags.append(
                Flag.of(
                    "id_note",
                    "document",
                    region=rid.region_code,
                    last=str(last),
                    year=str(rid.birth_date.year),
                )
            )
        born = rid.birth_date
        for b in births:
            if not _date(b.value).contains(born):
                state.flags.append(
                    Flag.of("id_birth_conflict", "birth", id_birth=born.isoformat(), given=b.value)
                )
        for s in sexes:
            if s.value != rid.sex:
                state.flags.append(Flag.of("id_sex_conflict", "sex", id_sex=rid.sex, given=s.value))
        for h in homes:
            code = h.value["place"]
            if code[:4] != rid.region_code[:4] and code[:1].isdigit():
                state.flags.append(
                    Flag.of("id_region_differs", "hometown", region=rid.region_code, place=code)
                )
    # One flag per distinct text, in a stable order.
    seen: dict[tuple[str, str, str], Flag] = {}
    for f in state.flags:
        seen.setdefault((f.kind, f.field, f.detail), f)
    state.flags = sorted(seen.values(), key=lambda f: (f.field, f.kind, f.detail))


def persons_of(change: Change, links: Mapping[str, Iterable[str]]) -> set[str]:
    """The persons whose fold a change can alter; ``links`` maps testimonies/sources to persons."""
    op, b = change.op, change.body
    if op.startswith("person.") or op == "rebuttal.added":
        return {b["person"]}
    if op in LINK_OPS:
        return {b["a"], b["b"]}
    found: set[str] = set(b.get("persons", []))
    subject = change.subject
    found.update(links.get(subject, ()))
    return found


# -- decisions on pairs of records: merged persons -------------------------------------


@dataclass(frozen=True)
class Decision:
    """One ``link.decided`` change, with its pair in one order (``a`` < ``b``)."""

    a: str
    b: str
    decision: str  # same, different, unsure
    reason: str
    by: str
    probability: str
    model: str
    entry_id: str
    index: int
    time: str
    position: str

    @property
    def order(self) -> tuple[str, bool, str, str, int]:
        return (self.time, False, self.position, self.entry_id, self.index)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b)


def read_decision(change: Change) -> Decision:
    b = change.body
    first, second = sorted((str(b["a"]), str(b["b"])))
    basis = b.get("basis", {})
    return Decision(
        a=first,
        b=second,
        decision=str(b["decision"]),
        reason=str(b["reason"]),
        by=str(b.get("by", "")),
        probability=str(basis.get("probability", "")),
        model=str(basis.get("model", "")),
        entry_id=change.entry_id,
        index=change.index,
        time=change.time,
        position=change.position,
    )


def current_decisions(decisions: Iterable[Decision]) -> dict[tuple[str, str], Decision]:
    """The decision in force on each pair: the latest in fold order."""
    out: dict[tuple[str, str], Decision] = {}
    for d in decisions:
        held = out.get(d.pair)
        if held is None or d.order > held.order:
            out[d.pair] = d
    return out


@dataclass(frozen=True)
class Merge:
    """Person records that decisions join into one person.

    ``person_id`` is the smallest id among the members that exist (have a change of
    their own); the other existing members are its aliases. ``members`` holds every
    record the component reaches, sorted, existing or not. ``conflicts`` are the
    decisions in force that say *different* about two members: the merge stands, and
    the person is flagged until a reviewer decides again on one of the pairs.
    """

    person_id: str
    members: tuple[str, ...]
    conflicts: tuple[Decision, ...]


def merges(current: Iterable[Decision], exists: Collection[str]) -> list[Merge]:
    """The merged persons that decisions in force make (see ``docs/format/records.md``,
    "Merged persons"): the connected components of the pairs whose decision in force is
    *same*, with two members or more and at least one existing member. A pure function
    of the set of decisions, like every fold."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    held = list(current)
    for d in held:
        if d.decision == "same":
            ra, rb = find(d.a), find(d.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    conflicts: dict[str, list[Decision]] = {}
    for d in held:
        if d.decision == "different" and d.a in parent and d.b in parent:
            root = find(d.a)
            if root == find(d.b):
                conflicts.setdefault(root, []).append(d)
    out = []
    for root, members in groups.items():
        existing = [m for m in members if m in exists]
        if len(members) < 2 or not existing:
            continue
        out.append(
            Merge(
                person_id=min(existing),
                members=tuple(sorted(members)),
                conflicts=tuple(sorted(conflicts.get(root, []), key=lambda d: d.order)),
            )
        )
    return sorted(out, key=lambda m: m.person_id)

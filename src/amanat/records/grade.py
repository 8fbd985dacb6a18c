"""Evidence grade: how well a record is supported, computed only from what exists.

The rule (also in ``docs/format/records.md``, "Evidence grade"):

====  ================  ==========================================================
 0    unsupported       no testimony and no source (or only withdrawn testimonies)
 1    testimony         at least one testimony or one unofficial source
 2    identified        grade 1, plus an identity document: a valid PRC resident ID
                        number among the claims, or an ``id_document`` source
 3    documented        an official document about the person: an ``official_notice``
                        or a ``court_document`` source
 4    corroborated      grade 2 or 3, plus at least two independent accounts
====  ================  ==========================================================

*Independent accounts*: testimonies count once per testifier (the same relative
testifying twice is one account; an anonymous testifier counts per testimony),
and every source other than an identity document counts once. A withdrawn testimony
is not counted: the witness has taken it back. Rebuttals by the state do not lower a
grade; they are shown beside it, and a source cited only by a rebuttal (the press
conference that denies the detention) is not counted as evidence for the record,
unless it is an official document, which proves the state's own act whoever cites it.
The grade comes with its reasons in plain words so
that a reviewer can see why, and no one can set it by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["GRADE_LABELS", "Grade", "grade_person"]

GRADE_LABELS = ("unsupported", "testimony", "identified", "documented", "corroborated")


class Claim(Protocol):
    @property
    def field(self) -> str: ...
    @property
    def value(self) -> Any: ...


class TestimonyState(Protocol):
    @property
    def testimony_id(self) -> str: ...
    @property
    def testifier(self) -> Mapping[str, Any]: ...
    @property
    def withdrawn(self) -> bool: ...


class SourceState(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def official(self) -> bool: ...


@dataclass(frozen=True)
class Grade:
    level: int
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return GRADE_LABELS[self.level]


def _accounts(testimonies: Sequence[TestimonyState], sources: Sequence[SourceState]) -> int:
    testifiers: set[str] = set()
    for t in testimonies:
        name = str(t.testifier.get("name", "")).strip().casefold()
        testifiers.add(
            f"name:{name}" if name and not t.testifier.get("anonymous") else t.testimony_id
        )
    return len(testifiers) + sum(1 for s in sources if s.kind != "id_document")


def grade_person(
    claims: Sequence[Claim],
    testimonies: Sequence[TestimonyState],
    sources: Sequence[SourceState],
) -> Grade:
    living = [t for t in testimonies if not t.withdrawn]
    reasons: list[str] = []
    if living:
        reasons.append(f"{len(living)} testimon{'y' if len(living) == 1 else 'ies'}")
    withdrawn = len(testimonies) - len(living)
    if withdrawn:
        reasons.append(
            f"{withdrawn} withdrawn testimon{'y' if withdrawn == 1 else 'ies'} not counted"
        )
    unofficial = [s for s in sources if not s.official and s.kind != "id_document"]
    if unofficial:
        reasons.append(f"{len(unofficial)} other source{'s' if len(unofficial) > 1 else ''}")
    has_id = any(
        c.field == "document" and c.value.get("kind") == "cn_resident_id" for c in claims
    ) or any(s.kind == "id_document" for s in sources)
    if has_id:
        reasons.append("an identity document")
    official = [s for s in sources if s.official]
    if official:
        reasons.append(f"{len(official)} official document{'s' if len(official) > 1 else ''}")
    accounts = _accounts(living, sources)
    level = 0
    if living or unofficial or has_id or official:
        level = 1 if (living or unofficial) else 0
    if level >= 1 and has_id:
        level = 2
    if official:
        level = 3
    if level >= 2 and accounts >= 2:
        level = 4
        reasons.append(f"{accounts} independent accounts")
    if level == 0:
        reasons.append("no testimony or source yet")
    return Grade(level, tuple(reasons))

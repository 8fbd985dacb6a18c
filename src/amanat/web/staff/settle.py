"""Which version of a testimony recorded more than once is genuine (records format 1.5,
``docs/format/records.md``).

A testimony recorded again with other contents (a station that sealed an intake twice
after editing it, or an entry forged with a seized station's key) is held at what every
version allows and its persons are flagged ``recorded_again``. A reviewer compares the
versions side by side, the fields that differ marked, with who signed each, and seals
which one is genuine; the others are set aside and count for nothing, and the flag
goes.

    GET  /persons/{id}/settle?testimony=T   the versions side by side
    POST /persons/{id}/settle               seal testimony.settled, with the reason

Who: reviewers, publishers and administrators (``REVIEW_ROLES``). The form names the
versions it showed: if another arrived since, nothing is sealed and the page shows
them all again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from amanat.desk.service import Desk, Version
from amanat.errors import NotFound
from amanat.records.changes import version_id
from amanat.views.read import PersonDetail
from amanat.web.staff.edit import (
    N_,
    Errors,
    FormProblem,
    _limits,
    _person,
    _sealed,
    _testimony_of,
    _text,
    form_page,
)
from amanat.web.staff.state import REVIEW_ROLES

__all__ = ["SETTLE_ROLES", "settle", "settle_form"]

SETTLE_ROLES = REVIEW_ROLES

CHOOSE_VERSION = N_("Choose the version that is genuine.")
WHY_SETTLED = N_(
    "Say how you know: who recorded it, what the testifier or the volunteer confirmed."
)
ANOTHER_VERSION = N_(
    "Another version of this testimony arrived after this page was opened. Compare them "
    "all again below, then choose."
)
TRANSCRIPT_SHOWN = 600  # characters of each version's transcript on the page


# One piece of a value as the page shows it: ("", text) as written; ("msg", msgid)
# translated; (kind, code) a stored code in words (``web.labels.label``); ("place", …)
# a place code as the place's name in the reader's language; ("person", id) a person
# by name, with a link to their page.
Part = tuple[str, str]
CONSENT_USES = {
    "un": N_("UN bodies"),
    "authorities": N_("Kazakh authorities (petitions)"),
    "identifiers": N_("Publish ID numbers (sensitive)"),
}


@dataclass(frozen=True)
class Row:
    """One field of the versions side by side: each version's value, in parts."""

    label: str  # a catalogue message
    values: tuple[tuple[Part, ...], ...]  # one a version

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


def _text_part(value: Any, limit: int = 0) -> tuple[Part, ...]:
    text = "" if value is None else str(value)
    if limit and len(text) > limit:
        text = text[:limit] + "…"
    return (("", text),) if text else ()


def _code(kind: str, value: Any) -> tuple[Part, ...]:
    """A stored code, to be shown in words; nothing when there is none."""
    return ((kind, str(value)),) if value else ()


def _consent(consent: Mapping[str, Any]) -> tuple[Part, ...]:
    uses = [("msg", CONSENT_USES[u]) for u in CONSENT_USES if consent.get(u) is True]
    return (*_code("consent", consent.get("level")), *uses)


def _testifier(testifier: Mapping[str, Any]) -> tuple[Part, ...]:
    return (*_code("relationship", testifier.get("relationship")),
            *_text_part(testifier.get("name")))  # fmt: skip


def _place(place: Mapping[str, Any]) -> tuple[Part, ...]:
    return (*_code("place", place.get("place")), *_text_part(place.get("text")))


def _files(version: Version) -> tuple[Part, ...]:
    c = version.change
    parts: list[Part] = []
    for m in c.body.get("media", []):
        parts += [("", c.files[m["file"]][:12]), *_code("visibility", m.get("visibility"))]
    return tuple(parts)


def rows(versions: Sequence[Version]) -> list[Row]:
    """What each version says, field by field, for the reviewer to compare."""
    bodies = [v.change.body for v in versions]
    fields: list[tuple[str, list[tuple[Part, ...]]]] = [
        (N_("Title"), [_text_part(b.get("title")) for b in bodies]),
        (N_("Recorded on"), [_text_part(b.get("recorded")) for b in bodies]),
        (N_("Where it was recorded"), [_place(b.get("place", {})) for b in bodies]),
        (N_("Language"), [_code("language", b.get("language")) for b in bodies]),
        (N_("Testifier"), [_testifier(b["testifier"]) for b in bodies]),
        (N_("Consent level"), [_consent(b["consent"]) for b in bodies]),
        (N_("About"), [tuple(("person", p) for p in b["persons"]) for b in bodies]),
        (N_("Files"), [_files(v) for v in versions]),
        (N_("Transcript"), [_text_part(b.get("transcript"), TRANSCRIPT_SHOWN) for b in bodies]),
        (N_("Risk notes"), [_text_part(b.get("risk_notes")) for b in bodies]),
    ]
    return [Row(label, tuple(values)) for label, values in fields]


async def _versions(desk: Desk, testimony: str) -> list[Version]:
    versions = await run_in_threadpool(desk.testimony_versions, testimony)
    if len(versions) < 2:
        raise NotFound("This testimony has no versions to compare: it was settled already.")
    return versions


async def _render(
    request: Request,
    desk: Desk,
    detail: PersonDetail,
    testimony: dict[str, Any],
    versions: Sequence[Version],
    values: Mapping[str, str],
    errors: Errors | None = None,
) -> Response:
    ids = [version_id(v.change.entry_id, v.change.index) for v in versions]
    about = [p for v in versions for p in v.change.body["persons"]]
    return form_page(
        request,
        "settle.html",
        detail,
        values,
        errors,
        t=testimony,
        versions=list(zip(ids, versions, strict=True)),
        shown=",".join(ids),
        rows=rows(versions),
        persons=await run_in_threadpool(desk.shown_names, about),
    )


async def settle_form(request: Request) -> Response:
    desk, detail = await _person(request)
    testimony = _testimony_of(detail, str(request.query_params.get("testimony", ""))[:40])
    versions = await _versions(desk, testimony["testimony_id"])
    return await _render(request, desk, detail, testimony, versions, {})


async def settle(request: Request) -> Response:
    """Seal which version is genuine, every other one shown set aside, with the reason."""
    desk, detail = await _person(request)
    form = {k: str(v) for k, v in (await request.form(max_files=0)).items()}
    testimony = _testimony_of(detail, _text(form, "testimony")[:40])
    versions = await _versions(desk, testimony["testimony_id"])
    ids = [version_id(v.change.entry_id, v.change.index) for v in versions]
    errors = _limits(form)
    genuine = _text(form, "genuine")
    if _text(form, "versions")[:2000].split(",") != ids:
        errors["form"] = (ANOTHER_VERSION, {})
        form = {k: v for k, v in form.items() if k != "genuine"}
    elif genuine not in ids:
        errors["genuine"] = (CHOOSE_VERSION, {})
    reason = " ".join(_text(form, "reason").split())
    if not reason and "reason" not in errors:
        errors["reason"] = (WHY_SETTLED, {})
    try:
        if errors:
            raise FormProblem(errors)
        change = {
            "op": "testimony.settled",
            "testimony": testimony["testimony_id"],
            "genuine": genuine,
            "set_aside": [v for v in ids if v != genuine],
            "reason": reason,
        }
        return await _sealed(request, desk, detail, change)
    except FormProblem as exc:
        return await _render(request, desk, detail, testimony, versions, form, exc.errors)

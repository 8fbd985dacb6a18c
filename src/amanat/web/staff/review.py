"""The review queue: pairs of person records the linkage model doubts, decided by a
reviewer (issue 6, "Review").

``GET /review`` lists the pairs awaiting a decision (the doubtful band first; a second
list holds the model's confident proposals, which are merged only when a reviewer says
so too). ``GET /review/{person_id}/{other_id}`` shows the two side by side, every name
form, the values that differ highlighted, and their sources; the decision (same
person / different / unsure, with a reason) is ``POST``\\ ed back and sealed as a
``link.decided`` record entry (``Desk.decide``). *Same* merges the two into one person;
*different* on a merged pair splits it again: nothing sealed before is changed, and
the person's history keeps every decision. ``POST /review/find`` runs the model again
over the whole desk.

Addresses carry person ids only, never a name. Every pair shown is audited as a view
of both persons; every decision as ``review.decided``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amanat.desk import Desk
from amanat.errors import AmanatError, NotFound
from amanat.views.read import CandidatePair, PersonDetail
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import staff

__all__ = ["DECISIONS", "REVIEW_ROLES", "decide", "find", "pair_page", "queue"]

REVIEW_ROLES = frozenset({"reviewer"})  # decides merges (issue 5: reviewer)
DECISIONS = ("same", "different", "unsure")
PAGE = 50
MAX_REASON = 2000
# The values compared side by side, in the order shown.
FIELDS = ("name", "sex", "birth", "document", "hometown", "ethnicity", "status", "relative")


def _values(detail: PersonDetail) -> dict[str, list[str]]:
    """Field -> the distinct values the person's chosen and other claims give, as text."""
    out: dict[str, list[str]] = {f: [] for f in FIELDS}

    def add(field: str, text: Any) -> None:
        if text and str(text) not in out[field]:
            out[field].append(str(text))

    for n in detail.names:
        add("name", n["text"])
    for i in detail.identifiers:
        add("document", i["number"])
    person = detail.person
    add("sex", person.get("sex"))
    add("birth", person.get("birth"))
    add("ethnicity", person.get("ethnicity"))
    add("hometown", person.get("hometown_code") or person.get("hometown_text"))
    for e in detail.timeline:
        add("status", f"{e['status']} {e['date']}")
    for r in detail.relatives:
        add("relative", f"{r['relation']}: {r.get('name') or r.get('relative_id') or ''}")
    return out


def compare(a: PersonDetail, b: PersonDetail) -> list[dict[str, Any]]:
    """One row per field: both sides' values and whether they agree, differ or one side
    is silent (names are compared by their keys, so scripts do not count as a
    difference: the template shows every form)."""
    va, vb = _values(a), _values(b)
    rows = []
    for field in FIELDS:
        left, right = va[field], vb[field]
        if not left or not right:
            verdict = "missing" if left or right else "none"
        elif field == "name":
            verdict = "compare"
        elif set(left) & set(right):
            verdict = "agree" if set(left) == set(right) else "overlap"
        else:
            verdict = "differ"
        if verdict != "none":
            rows.append({"field": field, "a": left, "b": right, "verdict": verdict})
    return rows


def _desk(request: Request) -> Desk:
    return staff(request).reader()


async def queue(request: Request) -> Response:
    state = staff(request)
    desk = _desk(request)
    try:
        page = max(1, min(int(str(request.query_params.get("page", "1"))[:6]), 10_000))
    except ValueError:
        page = 1
    doubtful = await run_in_threadpool(
        desk.review_queue, outcome="review", limit=PAGE, offset=(page - 1) * PAGE
    )
    confident = await run_in_threadpool(desk.review_queue, outcome="link", limit=PAGE)
    names = await run_in_threadpool(_display_names, desk, [*doubtful.pairs, *confident.pairs])
    found = str(request.query_params.get("found", ""))[:9]
    return state.render(
        request,
        "review_queue.html",
        doubtful=doubtful,
        confident=confident,
        names=names,
        page=page,
        pages=max(1, -(-doubtful.total // PAGE)),
        found=int(found) if found.isdigit() else None,
    )


def _display_names(desk: Desk, pairs: list[CandidatePair]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        for pid in (pair.person_a, pair.person_b):
            if pid not in out:
                try:
                    out[pid] = str(desk.person(pid).person["display_name"])
                except NotFound:
                    out[pid] = pid
    return out


async def find(request: Request) -> Response:
    """Run the linkage model over the desk again (a reviewer's button)."""
    state = staff(request)
    session: Session = request.state.session
    found = await run_in_threadpool(_desk(request).find_duplicates)
    state.audit.record(
        "review.find", account=session.account, role=session.role, target=str(len(found))
    )
    return RedirectResponse(f"/review?found={len(found)}", status_code=303)


def _pair_ids(request: Request) -> tuple[str, str]:
    return (
        str(request.path_params["person_id"])[:80],
        str(request.path_params["other_id"])[:80],
    )


def _candidate(desk: Desk, a: str, b: str) -> CandidatePair | None:
    for outcome in ("review", "link"):
        for pair in desk.review_queue(outcome=outcome, limit=10_000).pairs:
            if {pair.a, pair.b} == {a, b} or {pair.person_a, pair.person_b} == {a, b}:
                return pair
    return None


async def pair_page(
    request: Request, *, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    state = staff(request)
    session: Session = request.state.session
    desk = _desk(request)
    a, b = _pair_ids(request)
    left = await run_in_threadpool(desk.person, a)
    right = await run_in_threadpool(desk.person, b)
    for target in (a, b):
        state.audit.record("person.view", account=session.account, role=session.role, target=target)
    same = left.person["person_id"] == right.person["person_id"]
    candidate = await run_in_threadpool(_candidate, desk, a, b)
    return state.render(
        request,
        "review_pair.html",
        status=status,
        a=a,
        b=b,
        left=left,
        right=right,
        rows=compare(left, right),
        merged=same,
        candidate=candidate,
        errors=errors or {},
        decisions=DECISIONS,
    )


async def decide(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    desk = _desk(request)
    a, b = _pair_ids(request)
    form = await request.form(max_files=0, max_fields=20, max_part_size=4 * MAX_REASON)
    decision = str(form.get("decision", ""))
    reason = str(form.get("reason", "")).strip()
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = "Choose same person, different persons or not sure."
    if not reason:
        errors["reason"] = "Say why, in a few words: the next reviewer reads it."
    elif len(reason) > MAX_REASON or "\x00" in reason:
        errors["reason"] = f"Keep the reason under {MAX_REASON:,} characters, without NUL."
    if errors:
        return await pair_page(request, errors=errors, status=400)
    candidate = await run_in_threadpool(_candidate, desk, a, b)
    try:
        await run_in_threadpool(
            lambda: desk.decide(
                a,
                b,
                decision,
                reason,
                by=session.account,
                probability=f"{candidate.probability:.6f}" if candidate else None,
                model=candidate.model if candidate else None,
            )
        )
    except AmanatError as exc:
        return await pair_page(request, errors={"decision": exc.message}, status=400)
    state.audit.record(
        "review.decided", account=session.account, role=session.role, target=f"{a} {b}"
    )
    nxt = await run_in_threadpool(desk.review_queue, outcome="review", limit=1)
    if nxt.pairs:
        pair = nxt.pairs[0]
        return RedirectResponse(f"/review/{pair.a}/{pair.b}?decided=1", status_code=303)
    return RedirectResponse("/review?decided=1", status_code=303)

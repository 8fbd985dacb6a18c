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
over the whole desk in a thread of the primary (``DuplicateSearch``: one at a time),
while the queue page shows how far it has got and reloads when it is done.

Addresses carry person ids only, never a name. Every pair shown is audited as a view
of both persons; every decision as ``review.decided``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amanat.desk import Desk
from amanat.desk.compare import compare_persons
from amanat.errors import AmanatError, NotFound
from amanat.views.read import CandidatePair
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import staff

__all__ = [
    "DECISIONS",
    "REVIEW_ROLES",
    "DuplicateSearch",
    "confirm",
    "decide",
    "find",
    "find_progress",
    "pair_page",
    "queue",
]

REVIEW_ROLES = frozenset({"reviewer"})  # decides merges (issue 5: reviewer)
DECISIONS = ("same", "different", "unsure")
PAGE = 50
MAX_REASON = 2000


def _desk(request: Request) -> Desk:
    return staff(request).reader()


async def queue(request: Request, *, confirm_error: str = "", status: int = 200) -> Response:
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
    try:
        confirmed = max(0, int(str(request.query_params.get("confirmed", ""))[:6]))
    except ValueError:
        confirmed = None
    return state.render(
        request,
        "review_queue.html",
        status=status,
        confirmed=confirmed,
        confirm_error=confirm_error,
        max_reason=MAX_REASON,
        doubtful=doubtful,
        confident=confident,
        names=names,
        page=page,
        pages=max(1, -(-doubtful.total // PAGE)),
        search=duplicate_search(request),
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


def N_(message: str) -> str:
    """Mark a message for the catalogues (scripts/i18n.py extract); the page translates."""
    return message


SEARCH_FAILED = N_("The search for duplicates stopped on an error; try again.")

# The linkage run's stages (linkage.link: ``progress(stage, done, of)``) in order, with
# their rough share of its time at 100,000 to 1,000,000 persons (docs/performance.md):
# reading and keying the names is most of it.
STAGES = (("prepare", 0.55), ("block", 0.15), ("train", 0.05), ("score", 0.2), ("cluster", 0.05))


@dataclass
class DuplicateSearch:
    """The search for duplicates a desk runs: one at a time, in a thread of the primary,
    so a reviewer's request never waits minutes for it and can see how far it is."""

    running: bool = False
    stage: str = ""  # the stage now running ("prepare" ... "cluster", then "store")
    done: int = 0  # names read, while preparing
    total: int = 0
    started: float = 0.0
    found: int | None = None  # pairs the last finished run put in the queue
    failed: str = ""  # what went wrong in the last run, in a sentence
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def start(self, desk: Desk, finished: Any) -> bool:
        """Start a run unless one is running; ``finished(found_or_None)`` is called in
        the thread at its end. False when one was already running."""
        with self.lock:
            if self.running:
                return False
            self.running, self.stage, self.done, self.total = True, "prepare", 0, 0
            self.started, self.failed = time.monotonic(), ""
        threading.Thread(
            target=self._run, args=(desk, finished), name="amanat-duplicates", daemon=True
        ).start()
        return True

    def _run(self, desk: Desk, finished: Any) -> None:
        found: int | None = None
        try:
            found = len(desk.find_duplicates(progress=self._progress))
        except AmanatError as exc:
            self.failed = exc.message
        except Exception:  # the reviewer sees a sentence, never a traceback
            self.failed = SEARCH_FAILED
        with self.lock:
            self.running, self.found = False, found
        finished(found)

    def _progress(self, stage: str, done: int, of: int) -> None:
        if stage == "prepare" and of > 1:
            self.done, self.total = done, of
            return
        names = [name for name, _ in STAGES]
        if stage in names:  # that stage has finished: the next one runs
            at = names.index(stage)
            self.stage = names[at + 1] if at + 1 < len(names) else "store"

    def share(self) -> float:
        """0..1: how much of the run is done, by the stages' usual shares of its time."""
        got = 0.0
        for name, weight in STAGES:
            if name == self.stage:
                if name == "prepare" and self.total:
                    got += weight * min(1.0, self.done / self.total)
                return round(got, 3)
            got += weight
        return 1.0 if not self.running else round(got, 3)


def duplicate_search(request: Request) -> DuplicateSearch:
    search: DuplicateSearch = request.app.state.duplicate_search
    return search


async def find(request: Request) -> Response:
    """Start the linkage model over the desk again (a reviewer's button); the queue page
    then shows its progress."""
    state = staff(request)
    session: Session = request.state.session

    def finished(found: int | None) -> None:
        state.audit.record(
            "review.found", account=session.account, role=session.role,
            target="failed" if found is None else str(found),
        )  # fmt: skip

    if duplicate_search(request).start(_desk(request), finished):
        state.audit.record("review.find", account=session.account, role=session.role)
    return RedirectResponse("/review", status_code=303)


async def find_progress(request: Request) -> Response:
    """How far the search for duplicates is (the queue page asks every two seconds);
    once it is over, the page is told to reload and show the new queue."""
    search = duplicate_search(request)
    response = staff(request).render(request, "review_progress.html", search=search)
    if not search.running:
        response.headers["HX-Refresh"] = "true"
    return response


def _pair_ids(request: Request) -> tuple[str, str]:
    return (
        str(request.path_params["person_id"])[:80],
        str(request.path_params["other_id"])[:80],
    )


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
    candidate = await run_in_threadpool(desk.candidate, a, b)
    return state.render(
        request,
        "review_pair.html",
        status=status,
        a=a,
        b=b,
        left=left,
        right=right,
        rows=await run_in_threadpool(compare_persons, left, right),
        merged=same,
        candidate=candidate,
        errors=errors or {},
        max_reason=MAX_REASON,
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
    if problem := _reason_problem(reason):
        errors["reason"] = problem
    if errors:
        return await pair_page(request, errors=errors, status=400)
    candidate = await run_in_threadpool(desk.candidate, a, b)
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


def _reason_problem(reason: str) -> str:
    """What is wrong with a decision's reason (a msgid, ``%(num)d`` the longest
    allowed), or "" when nothing is."""
    if not reason:
        return N_("Say why, in a few words: the next reviewer reads it.")
    if len(reason) > MAX_REASON or "\x00" in reason:
        return N_("Keep the reason under %(num)d characters, without NUL.")
    return ""


_PAIR_VALUE = re.compile(r"^(p_[0-9a-f]{1,64}) (p_[0-9a-f]{1,64})$")


async def confirm(request: Request) -> Response:
    """``POST /review/confirm``: the proposed links a reviewer ticked on the queue page,
    confirmed as the same person with one reason, each sealed as its own decision (and
    each undone from its pair page like any other). Only pairs still proposed and
    undecided are taken: one decided meanwhile, or merged through another of the
    batch, is left as it is. Redirects to the queue, which says how many were merged."""
    state = staff(request)
    session: Session = request.state.session
    desk = _desk(request)
    form = await request.form(max_files=0, max_fields=PAGE + 10, max_part_size=4 * MAX_REASON)
    reason = str(form.get("reason", "")).strip()
    ticked = {
        (m.group(1), m.group(2))
        for v in form.getlist("pair")
        if (m := _PAIR_VALUE.match(str(v)[:200])) is not None
    }
    error = N_("Tick the links to confirm.") if not ticked else _reason_problem(reason)
    if error:
        return await queue(request, confirm_error=error, status=400)
    proposed = await run_in_threadpool(desk.review_queue, outcome="link", limit=500)
    merged = 0
    for pair in proposed.pairs:
        if (pair.a, pair.b) not in ticked:
            continue
        try:
            await run_in_threadpool(
                functools.partial(
                    desk.decide,
                    pair.a,
                    pair.b,
                    "same",
                    reason,
                    by=session.account,
                    probability=f"{pair.probability:.6f}",
                    model=pair.model,
                )
            )
        except AmanatError:
            continue  # merged through another of the batch, or decided meanwhile
        merged += 1
        state.audit.record(
            "review.decided",
            account=session.account,
            role=session.role,
            target=f"{pair.a} {pair.b}",
        )
    return RedirectResponse(f"/review?confirmed={merged}", status_code=303)

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

A pair already merged is shown as what each of its records said by itself
(``Desk.record_detail``), so that a reviewer can judge whether to split it. The form
carries the decision on the pair that the page showed (``seen``): when another
reviewer, or the same one on another page, has decided the pair since, nothing is
sealed and the page says who decided what, and when; a form sent twice (a
double-click) seals once. Reviewers, publishers and admins decide (the guide's roles).

Addresses carry person ids only, never a name. Every pair shown is audited as a view
of both persons; every decision as ``review.decided``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amanat.desk import Desk
from amanat.desk.compare import Row, compare_persons
from amanat.errors import AmanatError, BusyError, InputError, IntegrityError, NotFound
from amanat.views.read import CandidatePair, UnsurePair
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import REVIEW_ROLES, staff

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

DECISIONS = ("same", "different", "unsure")
PAGE = 50
MAX_REASON = 2000


def _desk(request: Request) -> Desk:
    return staff(request).reader()


async def queue(
    request: Request,
    *,
    confirm_error: str = "",
    status: int = 200,
    confirm_reason: str = "",
    ticked: set[str] | None = None,
) -> Response:
    """The queue; after a refused confirmation, with the reason and the ticks as sent."""
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
    unsure_total, unsure = await run_in_threadpool(functools.partial(desk.unsure_pairs, limit=PAGE))
    names = await run_in_threadpool(
        _display_names, desk, [*doubtful.pairs, *confident.pairs, *unsure]
    )
    confirmed, skipped = _count(request, "confirmed"), _count(request, "skipped") or 0
    return state.render(
        request,
        "review_queue.html",
        status=status,
        confirmed=confirmed,
        skipped=skipped,
        decided=request.query_params.get("decided") == "1",
        confirm_error=confirm_error,
        confirm_reason=confirm_reason,
        ticked=ticked,
        max_reason=MAX_REASON,
        doubtful=doubtful,
        confident=confident,
        unsure=unsure,
        unsure_total=unsure_total,
        names=names,
        page=page,
        pages=max(1, -(-doubtful.total // PAGE)),
        search=duplicate_search(request),
    )


def _count(request: Request, name: str) -> int | None:
    """A count the address carries back from a form (``?confirmed=3``), or None."""
    try:
        return max(0, int(str(request.query_params.get(name, ""))[:6]))
    except ValueError:
        return None


def _display_names(desk: Desk, pairs: list[CandidatePair | UnsurePair]) -> dict[str, str]:
    return _names_of(desk, [pid for pair in pairs for pid in (pair.person_a, pair.person_b)])


def _names_of(desk: Desk, ids: Iterable[str], *, missing: str | None = None) -> dict[str, str]:
    """The name each person record is shown under; for one the desk lacks, ``missing``
    (its id when None)."""
    out: dict[str, str] = {}
    for pid in ids:
        if pid not in out:
            try:
                out[pid] = str(desk.person(pid).person["display_name"])
            except NotFound:
                out[pid] = pid if missing is None else missing
    return out


def _in_order(decision: dict[str, Any]) -> tuple[str, str, int]:
    return str(decision["time"]), str(decision["position"]), int(decision["idx"])


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


NO_PERSON = N_("This pair names a person who is not in this desk's database.")
SAME_RECORD = N_("This pair names one record twice: a record cannot be compared with itself.")
NOT_SEALED = N_("The decision could not be sealed, and nothing was saved. Please try again.")
NO_DECISION = N_("Choose same person, different persons or not sure.")
ALREADY_ONE = N_("These two records are one person already; nothing was sealed.")
STALE = N_(
    "This page was out of date, and nothing was sealed; check the pair again and send "
    "your decision."
)
BUSY = N_(
    "Another task is updating the database (an import or a sync), so nothing was sealed; "
    "please send your decision again in a minute."
)
BUSY_BATCH = N_(
    "Another task is updating the database (an import or a sync), so the links still "
    "ticked were not confirmed; please send them again in a minute."
)
NOT_CONFIRMED = N_(
    "The links still ticked could not be confirmed, and nothing more was saved. Please try again."
)
VAULT_BEHIND = N_(
    "The desk's archive no longer holds everything these pages show, so nothing was "
    "sealed; ask the desk's administrator to run amanat verify."
)
NONE_SEEN = "none"  # the form's ``seen`` when the page showed no decision on the pair

# Decisions are checked against what the page showed and sealed one at a time, so that
# two forms sent together (a double-click) cannot both pass the check.
_SEALING = threading.Lock()


def _refused(request: Request, message: str, status: int = 404) -> Response:
    return staff(request).render(request, "error.html", status=status, message=message)


def _latest_on_pair(decisions: list[dict[str, Any]], a: str, b: str) -> dict[str, Any] | None:
    """The last decision sealed on the pair of records ``a`` and ``b`` (either order),
    or None; ``decisions`` oldest first, as the desk gives them."""
    on_pair = [d for d in decisions if {d["a"], d["b"]} == {a, b}]
    return on_pair[-1] if on_pair else None


def _seen(decision: dict[str, Any] | None) -> str:
    return NONE_SEEN if decision is None else f"{decision['entry_id']}.{decision['idx']}"


async def pair_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    posted: dict[str, str] | None = None,
    changed: dict[str, Any] | None = None,
) -> Response:
    """The pair side by side. ``posted``: the form as sent, shown again; ``changed``:
    the decision sealed on the pair since the reviewer's page was made."""
    state = staff(request)
    session: Session = request.state.session
    desk = _desk(request)
    a, b = _pair_ids(request)
    if a == b:
        return _refused(request, SAME_RECORD)
    try:
        left = await run_in_threadpool(desk.person, a)
        right = await run_in_threadpool(desk.person, b)
        same = left.person["person_id"] == right.person["person_id"]
        if same:  # merged: what each record said by itself, not the merged person twice
            left = await run_in_threadpool(desk.record_detail, a)
            right = await run_in_threadpool(desk.record_detail, b)
    except NotFound:
        return _refused(request, NO_PERSON)
    for target in (a, b):
        state.audit.record("person.view", account=session.account, role=session.role, target=target)
    candidate = await run_in_threadpool(desk.candidate, a, b)
    rows = await run_in_threadpool(compare_persons, left, right)
    merges = (await run_in_threadpool(desk.person, a)).merges() if same else []
    earlier = {(d["position"], d["idx"]): d for d in [*left.decisions, *right.decisions]}
    on_pair = [d for d in earlier.values() if {d["a"], d["b"]} == {a, b}]
    on_others = [d for d in earlier.values() if {d["a"], d["b"]} != {a, b}]
    others = {x for d in on_others for x in (d["a"], d["b"])}
    other_names = await run_in_threadpool(_names_of, desk, sorted(others))
    return state.render(
        request,
        "review_pair.html",
        status=status,
        a=a,
        b=b,
        left=left,
        right=right,
        rows=rows,
        merged=same,
        merges=merges,
        direct=same and _merged_directly(merges, a, b),
        people=await run_in_threadpool(_relative_names, desk, rows),
        candidate=candidate,
        errors=errors or {},
        posted=posted or {},
        changed=changed,
        decided=_decided_note(request) if status == 200 else "",
        seen=_seen(_latest_on_pair(left.decisions, a, b)),
        on_pair=sorted(on_pair, key=_in_order),
        on_others=sorted(on_others, key=_in_order),
        other_names=other_names,
        max_reason=MAX_REASON,
        decisions=DECISIONS,
    )


def _decided_note(request: Request) -> str:
    """What the page says of a decision just sealed (``?decided=``): "1" the next pair,
    "joined" the pair sealed still one person through other merges; else nothing."""
    said = request.query_params.get("decided", "")
    return said if said in ("1", "joined") else ""


def _merged_directly(merges: list[dict[str, Any]], a: str, b: str) -> bool:
    """Whether the pair itself is one of the merges (decided *same*, in force), so that
    deciding *different* on it splits: not a pair joined only through other records."""
    return any({m["a"], m["b"]} == {a, b} for m in merges)


def _relative_names(desk: Desk, rows: list[Row]) -> dict[str, str]:
    """The shown name of each relative who has a record ("" for one not found)."""
    relatives = [v.person for row in rows for v in (*row.a, *row.b) if v.person]
    return _names_of(desk, relatives, missing="")


async def decide(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    desk = _desk(request)
    a, b = _pair_ids(request)
    if a == b:
        return _refused(request, SAME_RECORD)
    form = await request.form(max_files=0, max_fields=20, max_part_size=4 * MAX_REASON)
    decision = str(form.get("decision", ""))[:20]
    reason = _reason(form.get("reason", ""))
    seen = str(form.get("seen", NONE_SEEN))[:200]
    posted = {"decision": decision, "reason": reason}
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = NO_DECISION
    if problem := _reason_problem(reason):
        errors["reason"] = problem
    if errors:
        return await pair_page(request, errors=errors, status=400, posted=posted)
    candidate = await run_in_threadpool(desk.candidate, a, b)

    def seal_unless_changed() -> tuple[str, dict[str, Any] | None]:
        # the views brought up to date and held, so the check sees a colleague's
        # decision sealed while an import held them, and this one is shown once sealed
        with _SEALING, desk.views_current():
            latest = _latest_on_pair(desk.decisions(a), a, b)
            if _seen(latest) != seen:
                repeat = latest is not None and (
                    (latest["decision"], latest["reason"], latest["by"])
                    == (decision, reason, session.account)
                )
                return ("repeat" if repeat else "changed"), latest
            if decision == "same" and _one_person(desk, a, b):
                return "already", None
            desk.decide(
                a,
                b,
                decision,
                reason,
                by=session.account,
                probability=f"{candidate.probability:.6f}" if candidate else None,
                model=candidate.model if candidate else None,
            )
            return "sealed", None

    try:
        outcome, latest = await run_in_threadpool(seal_unless_changed)
    except NotFound:
        return _refused(request, NO_PERSON)
    except BusyError:
        return await pair_page(request, errors={"decision": BUSY}, status=503, posted=posted)
    except IntegrityError:  # a vault log cut short or put back: `amanat verify` says more
        return await pair_page(
            request, errors={"decision": VAULT_BEHIND}, status=409, posted=posted
        )
    except AmanatError:  # the reviewer reads a sentence in their language, never the desk's
        return await pair_page(request, errors={"decision": NOT_SEALED}, status=400, posted=posted)
    if outcome == "changed" and latest is None:  # the form's ``seen`` was not this page's
        return await pair_page(request, errors={"decision": STALE}, status=409, posted=posted)
    if outcome == "changed":
        return await pair_page(request, status=409, posted=posted, changed=latest)
    if outcome == "already":
        return await pair_page(request, errors={"decision": ALREADY_ONE}, status=409, posted=posted)
    if outcome == "sealed":
        state.audit.record(
            "review.decided", account=session.account, role=session.role, target=f"{a} {b}"
        )
        if decision != "same" and await run_in_threadpool(_one_person, desk, a, b):
            # still one person through other merges: the page says so and lists them
            return RedirectResponse(f"/review/{a}/{b}?decided=joined#joined", status_code=303)
    nxt = await run_in_threadpool(desk.review_queue, outcome="review", limit=1)
    if nxt.pairs:
        pair = nxt.pairs[0]
        return RedirectResponse(f"/review/{pair.a}/{pair.b}?decided=1", status_code=303)
    return RedirectResponse("/review?decided=1", status_code=303)


def _one_person(desk: Desk, a: str, b: str) -> bool:
    """Whether two records are shown as one person now (merged, directly or not)."""
    return bool(desk.person(a).person["person_id"] == desk.person(b).person["person_id"])


def _reason(value: object) -> str:
    """A decision's reason as the form sent it, its spaces as the sealed record keeps
    them (one space between words: ``records.changes``), so that a form sent twice is
    known for the same decision whatever lines and spaces it was typed with."""
    return " ".join(str(value).split())


# control characters (but the spaces ``_reason`` has made of tabs and line ends): a
# reason is printed by ``amanat person`` too, where they would reach the terminal
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _reason_problem(reason: str) -> str:
    """What is wrong with a decision's reason (a msgid, ``%(num)d`` the longest
    allowed), or "" when nothing is."""
    if not reason:
        return N_("Say why, in a few words: the next reviewer reads it.")
    if len(reason) > MAX_REASON or _CONTROL.search(reason):
        return N_("Keep the reason under %(num)d characters, without control characters.")
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
    reason = _reason(form.get("reason", ""))
    ticked = {
        (m.group(1), m.group(2))
        for v in form.getlist("pair")
        if (m := _PAIR_VALUE.match(str(v)[:200])) is not None
    }
    error = N_("Tick the links to confirm.") if not ticked else _reason_problem(reason)
    if error:
        return await queue(
            request,
            confirm_error=error,
            status=400,
            confirm_reason=reason,
            ticked={f"{x} {y}" for x, y in ticked},
        )
    proposed = await run_in_threadpool(desk.review_queue, outcome="link", limit=500)
    merged = 0
    for pair in proposed.pairs:
        if (pair.a, pair.b) not in ticked:
            continue
        try:
            sealed = await run_in_threadpool(
                functools.partial(_confirm_undecided, desk, pair, reason, by=session.account)
            )
        except (NotFound, InputError):
            continue  # merged through another of the batch
        except AmanatError as exc:
            # Busy, or a vault that no longer holds what the views show, or a seal that
            # failed: the links not confirmed stay ticked, and the page says why.
            error, status = (
                (BUSY_BATCH, 503)
                if isinstance(exc, BusyError)
                else (VAULT_BEHIND, 409)
                if isinstance(exc, IntegrityError)
                else (NOT_CONFIRMED, 400)
            )
            done = {(p.a, p.b) for p in proposed.pairs[: proposed.pairs.index(pair)]}
            return await queue(
                request,
                confirm_error=error,
                status=status,
                confirm_reason=reason,
                ticked={f"{x} {y}" for x, y in ticked - done},
            )
        if not sealed:
            continue  # decided meanwhile (or this form sent twice): left as it is
        merged += 1
        state.audit.record(
            "review.decided",
            account=session.account,
            role=session.role,
            target=f"{pair.a} {pair.b}",
        )
    # a ticked pair not merged was decided meanwhile, or is one person already
    return RedirectResponse(
        f"/review?confirmed={merged}&skipped={len(ticked) - merged}", status_code=303
    )


def _confirm_undecided(desk: Desk, pair: CandidatePair, reason: str, *, by: str) -> bool:
    """Seal "same" on a proposed pair unless someone has decided it meanwhile, or its
    records are one person already (through another pair of the batch: a "same" on it
    would join them a second way, and undoing one link would then split nothing)."""
    with _SEALING, desk.views_current():
        if _latest_on_pair(desk.decisions(pair.a), pair.a, pair.b) is not None:
            return False
        if _one_person(desk, pair.a, pair.b):
            return False
        desk.decide(
            pair.a,
            pair.b,
            "same",
            reason,
            by=by,
            probability=f"{pair.probability:.6f}",
            model=pair.model,
        )
        return True

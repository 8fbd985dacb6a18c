"""A log's times never go backwards, whatever the writer's clock says.

Given / When / Then. Which reviewer decision is in force on a pair of records is the
latest in fold order, and the fold sorts by the signed seal time first. A desk whose
clock is stepped back (no network time, a manual fix, a restored machine) used to seal a
later decision at an earlier time, so that it sorted before the one it overrides and had
no effect. Sealing now holds a record's time at the time of the record before it in the
same log (docs/format/vault.md, "Log records"); records of equal time fold in log order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.desk.service import Desk
from amanat.records.fold import Decision, current_decisions
from amanat.vault import crypto, log, opening, seal
from amanat.vault.log import Envelope
from amanat.vault.org import key_id
from amanat.vault.store import Vault
from amanat.vault.verify import verify_vault
from conftest import Org, copy_org
from test_merge_desk import _two_records

_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _text(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Clock:
    """The clock ``seal.utc_now`` reads, set by the test."""

    now: str = "2026-03-01T10:00:00Z"

    def read(self) -> str:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A desk clock the test sets: sealing reads the time through ``seal.utc_now``."""
    fake = Clock()
    monkeypatch.setattr(seal, "utc_now", fake.read)
    return fake


@contextmanager
def fresh_org(template: Org) -> Iterator[Org]:
    """A copy of the organisation of its own, for one hypothesis example."""
    with tempfile.TemporaryDirectory() as tmp:
        yield copy_org(template, Path(tmp) / "org")


def _log_times(vault: Vault, kid: str) -> list[str]:
    lines, _ = vault.log(kid).read_records()
    return [Envelope.parse(line, where=f"{kid}/{n}").time for n, line in enumerate(lines)]


times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda t: t.replace(microsecond=0)
)


@st.composite
def clock_readings(draw: st.DrawFn) -> list[tuple[str, bool]]:
    """Clock readings one after another, stepping forward or back by a second to a few
    months, each with whether the writer opens a new session before sealing (so that
    the log's last time is read back from the log, as each command or decision does)."""
    when = draw(times)
    out = []
    for step in draw(
        st.lists(
            st.one_of(st.integers(-3, 3), st.integers(-(10**7), 10**7)), min_size=1, max_size=8
        )
    ):
        when += timedelta(seconds=step)
        out.append((_text(when), draw(st.booleans())))
    return out


@given(reading=times, previous=st.none() | times)
def test_a_record_is_timed_at_the_clock_or_at_the_record_before_it(
    reading: datetime, previous: datetime | None
) -> None:
    """Given any clock reading and any time of the log's last record (or none), when a
    record's time is taken, then it is the later of the two."""
    last = None if previous is None else _text(previous)
    taken = log.not_before(_text(reading), last)
    assert taken == max(_text(reading), last or "")
    assert taken == _text(max(reading, previous or reading))


@_SETTINGS
@given(readings=clock_readings())
def test_times_in_one_log_never_go_backwards(
    _org_template: Org, clock: Clock, readings: list[tuple[str, bool]]
) -> None:
    """Given any sequence of clock readings, going back as well as forward, when records
    are sealed to one log one after another (in one session or in several), then their
    times never decrease; each is the clock's reading or the time of the record before
    it, whichever is later; the entry, its signed record and the receipt carry that same
    time; and the vault verifies with nothing to note."""
    with fresh_org(_org_template) as org:
        vault, seed = org.desk.vault(), org.desk_keys.signing_seed
        kid = key_id(crypto.ed25519_public_key(seed))
        before = _log_times(vault, kid)
        previous = before[-1] if before else ""
        receipts = []
        session = seal.SealSession(vault, seed).__enter__()
        try:
            for reading, reopen in readings:
                if reopen:
                    session.__exit__(None, None, None)
                    session = seal.SealSession(vault, seed).__enter__()
                clock.now = reading
                receipts.append(session.seal(entry_type="note", note=reading))
        finally:
            session.__exit__(None, None, None)

        sealed = [r.time for r in receipts]
        for (reading, _), taken in zip(readings, sealed, strict=True):
            assert taken in (reading, previous)
            assert taken == max(reading, previous)
            previous = taken
        assert _log_times(vault, kid) == before + sealed
        assert sealed == sorted(sealed)
        ring = vault.read_keyring()
        for r in receipts:
            env = opening.find_record(vault, r.entry_id)
            assert env.signature_ok(ring.keys[kid].key) and env.time == r.time
            opened = opening.open_record(vault, env, [org.desk_keys.identity])
            assert opened.content["created"] == r.time
        report = verify_vault(vault.root)
        assert report.ok, report.problems
        assert report.notes == []


@_SETTINGS
@given(back=st.integers(1, 10**7))
def test_a_record_left_beyond_the_checkpoint_holds_the_next_time(
    _org_template: Org, clock: Clock, back: int
) -> None:
    """Given a log whose last record was appended but not yet checkpointed (a seal
    interrupted at that point), when the clock has stepped back and the next session
    seals, then that session rolls the record forward and seals at its time."""
    with fresh_org(_org_template) as org:
        vault, seed = org.station.vault(), org.station_seed
        clock.now = "2026-03-01T12:00:00Z"
        first = seal.seal_entry(vault, seed, entry_type="note", note="first")
        checkpoint = vault.log(first.log).checkpoint_path
        acknowledged = checkpoint.read_bytes()
        clock.now = "2026-03-01T12:30:00Z"
        interrupted = seal.seal_entry(vault, seed, entry_type="note", note="interrupted")
        checkpoint.write_bytes(acknowledged)  # as if the seal stopped before step 3

        clock.now = _text(datetime(2026, 3, 1, 12, 30) - timedelta(seconds=back))
        with seal.SealSession(vault, seed) as session:
            assert session.recovered == "an interrupted write was completed"
            after = session.seal(entry_type="note", note="after")
        assert (after.seq, after.time) == (interrupted.seq + 1, interrupted.time)
        assert verify_vault(vault.root).ok


@_SETTINGS
@given(back=st.integers(1, 10**7))
def test_a_log_sealed_with_times_going_backwards_still_verifies(
    _org_template: Org, clock: Clock, monkeypatch: pytest.MonkeyPatch, back: int
) -> None:
    """Given a log sealed by an older Amanat, which took the clock as it was, while the
    clock stepped back, when the vault is verified, then it verifies (the log is
    genuine) and the step back is a note naming the log and the record."""
    with fresh_org(_org_template) as org, monkeypatch.context() as older:
        older.setattr(log, "not_before", lambda reading, previous: reading)
        vault, seed = org.station.vault(), org.station_seed
        clock.now = "2026-03-01T12:00:00Z"
        first = seal.seal_entry(vault, seed, entry_type="note", note="first")
        clock.now = _text(datetime(2026, 3, 1, 12) - timedelta(seconds=back))
        second = seal.seal_entry(vault, seed, entry_type="note", note="second")
        older.undo()
        assert second.time < first.time
        report = verify_vault(vault.root)
        assert report.ok, report.problems
        [said] = report.notes
        assert f"logs/{first.log}/log.jsonl" in said and "record 1" in said


@settings(_SETTINGS, max_examples=5)
@given(back=st.integers(1, 10**7))
def test_a_split_after_the_clock_steps_back_takes_effect(
    _org_template: Org, clock: Clock, back: int
) -> None:
    """Given a desk where two records of one man were decided "same" at 12:00, when the
    desk's clock steps back (by a second to a few months) and a reviewer decides
    "different" on the same pair, then the two records are two persons again: the
    split is sealed at 12:00, after the merge in its log, and is the decision in force,
    also after a rebuild from the vault."""
    with fresh_org(_org_template) as org, Desk(org.desk, org.desk_keys) as desk:
        clock.now = "2026-03-01T11:00:00Z"
        first, second = _two_records(desk)
        clock.now = "2026-03-01T12:00:00Z"
        merge = desk.decide(second, first, "same", "same village, same wife", by="aru")
        assert desk.person(second).redirected_from == second

        clock.now = _text(datetime(2026, 3, 1, 12) - timedelta(seconds=back))
        split = desk.decide(first, second, "different", "the IDs differ", by="dana")

        for _ in range(2):  # as projected after the seal, then as rebuilt from the vault
            assert desk.person(second).redirected_from is None
            assert desk.person(first).records == [first]
            assert desk.person(second).records == [second]
            made = desk.decisions(first)
            assert [(d["entry_id"], d["decision"]) for d in made] == [
                (merge, "same"),
                (split, "different"),
            ]
            assert made[0]["time"] == made[1]["time"] == "2026-03-01T12:00:00Z"
            assert [d["current"] for d in made] == [False, True]
            desk.rebuild_views()
        assert verify_vault(org.desk.vault().root).ok


@given(seq=st.integers(0, 10**11 - 2), reverse=st.booleans())
def test_the_fold_orders_one_log_s_decisions_of_one_second_by_position(
    seq: int, reverse: bool
) -> None:
    """Given two decisions on one pair from one log, sealed in the same second (the
    later one's time held at the earlier's), at any positions in the log and whatever
    their entry ids, when the decision in force is taken, then it is the one later in
    the log, whichever arrived first (a position's fixed-width seq sorts as numbers
    do)."""

    def made(decision: str, at: int, entry: int) -> Decision:
        return Decision(
            "p1", "p2", decision, "why", "", "", "", f"{entry:064x}", 0,
            "2026-03-01T12:00:00Z", f"0123456789abcdef/{at:012d}",
        )  # fmt: skip

    same = made("same", seq, 2 if reverse else 1)
    different = made("different", seq + 1, 1 if reverse else 2)
    for arrived in ([same, different], [different, same]):
        assert current_decisions(arrived)[("p1", "p2")].decision == "different"

"""Property tests of what a desk applies of an entry a station signed
(``views.project.prepare_entry``): a station's key is on the laptop likeliest to be
seized, so what it may sign is narrow, and the rule must hold for any entry.

Given any entry of testimonies recorded and claims added, whatever the claims cite,
when the desk prepares it as signed by a station, then it applies the entry exactly
when every claim cites a testimony the same entry records about that claim's person;
signed by the desk, the same entry is always applied."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.records import build as b
from amanat.records.changes import SCHEMA
from amanat.views.project import SealedEntry, prepare_entry

PERSONS = [f"p_{n:032x}" for n in range(1, 4)]
TESTIMONIES = [f"t_{n:032x}" for n in range(1, 4)]
SOURCES = [f"s_{n:032x}" for n in range(1, 3)]

_cite = st.one_of(
    st.sampled_from(TESTIMONIES).map(lambda t: {"testimony": t}),
    st.sampled_from(SOURCES).map(lambda s: {"source": s, "locator": "row 1"}),
)
_claim = st.builds(lambda src: b.claim("occupation", "teacher", src), _cite)
_recorded = st.builds(
    lambda t, persons: {
        "op": "testimony.recorded",
        "testimony": t,
        "persons": persons,
        "testifier": {"relationship": "other"},
        "consent": {"level": "internal"},
    },
    st.sampled_from(TESTIMONIES),
    st.lists(st.sampled_from(PERSONS), min_size=1, max_size=2, unique=True),
)
_added = st.builds(
    lambda op, person, claims: {"op": op, "person": person, "claims": claims},
    st.sampled_from(["person.created", "person.amended"]),
    st.sampled_from(PERSONS),
    st.lists(_claim, min_size=1, max_size=3),
)


def _entry(changes: list[dict[str, Any]]) -> SealedEntry:
    data = {"schema": SCHEMA, "changes": changes}
    return SealedEntry("e" * 64, "station", 1, "2026-11-30T12:00:00Z", "record", data, ())


@settings(max_examples=300, deadline=None)
@given(
    recorded=st.lists(_recorded, max_size=2, unique_by=lambda c: c["testimony"]),
    added=st.lists(_added, min_size=1, max_size=3),
)
def test_a_station_entry_is_applied_exactly_when_its_claims_cite_its_own_testimonies(
    recorded: list[dict[str, Any]], added: list[dict[str, Any]]
) -> None:
    """Given any testimonies recorded and claims added in one entry, when it is prepared
    as a station's and as the desk's, then the station's is applied exactly when every
    claim cites a testimony of the entry that is about the claim's person, and the
    desk's always is."""
    about = {(p, c["testimony"]) for c in recorded for p in c["persons"]}
    own = all(
        (a["person"], claim["source"].get("testimony")) in about
        for a in added
        for claim in a["claims"]
    )
    changes = [*recorded, *added]
    station = prepare_entry(_entry(changes), station=True)
    desk = prepare_entry(_entry(changes))
    assert desk.problem is None
    assert len(desk.changes) == len(changes)
    if own:
        assert station.problem is None
        assert len(station.changes) == len(changes)
    else:
        assert station.problem is not None
        assert "signed by a station" in station.problem
        assert station.changes == ()
        assert station.change_rows == ()

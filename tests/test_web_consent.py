"""The testifier's consent changed from the person page (``testimony.consent_changed``).

A relative who calls to take back the consent to publish, or to send the case to the
UN, is heard by a researcher on the person page; the change is sealed by the desk with
its reason and the projected views follow at once. Given / When / Then, against a real
desk; "nothing sealed" is checked by counting the record entries. The rule that tells
a wider consent from a narrower one is property-tested against the uses each consent
allows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from amanat.cli.records_commands import person_page
from amanat.records.changes import CONSENT_LEVELS, Change, version_id
from amanat.records.consent import CONSENT_FLAGS, allows_more, narrowest
from amanat.records.fold import fold_testimony
from amanat.records.places import Gazetteer
from amanat.vault.opening import open_entry
from conftest import Org
from web_staff import Site, csrf_of, staff_site


def _entries(site: Site) -> list[str]:
    with site.desk.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT entry_id FROM entries WHERE type = 'record'")
        return [r[0] for r in rows]


def _records(site: Site) -> int:
    return len(_entries(site))


def _researcher(site: Site) -> Any:
    client = site.client()
    assert site.sign_in(client, "researcher") == 303
    return client


def _consent_of(site: Site, person: str) -> dict[str, Any]:
    return dict(site.desk.person(person).testimonies[0]["consent_detail"])


def _change(client: Any, person: str, testimony: str, data: dict[str, str]) -> Any:
    token = csrf_of(client, f"/persons/{person}/consent?testimony={testimony}")
    return client.post(
        f"/persons/{person}/consent", data={"testimony": testimony, **data, "csrf": token}
    )


def _gaps(site: Site, person: str) -> str:
    return str(site.desk.person(person).person["un_gaps"])


def test_consent_to_the_un_given_then_withdrawn_is_sealed_and_followed(org: Org) -> None:
    """Given a testimony whose consent allows anonymised publication and nothing else,
    when a researcher records that the relative now agrees to a UN submission, then
    that needs the box saying the testifier gave it, and once sealed the case no
    longer lacks consent; when the relative later withdraws the consent, then it is
    sealed with its reason alone, no use stays allowed, the case lacks consent again,
    and the sealed entry holds the reason."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = str(site.desk.person(person).testimonies[0]["testimony_id"])
        client = _researcher(site)
        page = client.get(f"/persons/{person}")
        assert f"/persons/{person}/consent?testimony={testimony}" in page.text
        form = client.get(f"/persons/{person}/consent?testimony={testimony}")
        assert form.status_code == 200
        assert 'value="public_anonymised" checked' in form.text
        assert "consent" in _gaps(site, person)
        before = _records(site)

        wider_form = {
            "level": "public_anonymised", "un": "1", "how": "oral", "given": "2026-11-02",
            "reason": "Her brother called the office.",
        }  # fmt: skip
        refused = _change(client, person, testimony, wider_form)
        assert refused.status_code == 400
        assert "Tick the box only if the testifier gave this wider consent" in refused.text
        assert _records(site) == before
        assert "Her brother called the office." in refused.text  # what was typed is kept

        done = _change(client, person, testimony, {**wider_form, "confirm": "1"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/persons/{person}?edited=1#h-testimonies"
        assert _records(site) == before + 1
        now = _consent_of(site, person)
        assert (now["level"], now["un"], now["authorities"], now["how"], now["given"]) == (
            "public_anonymised",
            True,
            False,
            "oral",
            "2026-11-02",
        )
        assert "consent" not in _gaps(site, person)
        assert "UN bodies" in client.get(f"/persons/{person}").text
        printed = person_page(site.desk.person(person), Gazetteer.load_builtin())
        assert "consent: public_anonymised (oral, 2026-11-02); also to: UN bodies" in printed

        sealed_before = set(_entries(site))
        withdrawn = _change(client, person, testimony, {
            "level": "withdrawn", "un": "1", "how": "oral",
            "reason": "The sister asked us by phone to take it all down.",
        })  # fmt: skip
        assert withdrawn.status_code == 303
        now = _consent_of(site, person)
        assert now["level"] == "withdrawn"
        assert not any(now[flag] for flag in CONSENT_FLAGS)
        assert "consent" in _gaps(site, person)
        page = client.get(f"/persons/{person}").text
        assert "Withdrawn" in page
        history = page.split('id="h-history"')[1]
        assert history.count("Consent changed") == 2
        assert "The sister asked us by phone to take it all down." in history

        (entry,) = set(_entries(site)) - sealed_before
        changes = open_entry(site.desk.vault, entry, [org.desk_keys.identity]).content["data"]
        assert changes["changes"] == [{
            "op": "testimony.consent_changed", "testimony": testimony,
            "consent": {"level": "withdrawn", "how": "oral", "given": now["given"],
                        "un": False, "authorities": False, "identifiers": False},
            "reason": "The sister asked us by phone to take it all down.",
        }]  # fmt: skip


def test_a_consent_change_without_what_it_needs_seals_nothing(org: Org) -> None:
    """Given a testimony, when its consent is changed without a reason, without how it
    was given, with no level, with a date that is no date, with the consent already
    recorded, or with a NUL character, then the form comes back with one sentence by
    the field and nothing is sealed."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = str(site.desk.person(person).testimonies[0]["testimony_id"])
        client = _researcher(site)
        before = _records(site)
        narrower = {"level": "internal", "how": "written", "reason": "Asked in a letter."}
        cases = [
            ({**narrower, "reason": "  "}, "Say why the consent changes"),
            ({**narrower, "how": ""}, "Choose how the testifier gave this consent."),
            ({**narrower, "level": "everyone"}, "Choose one from the list."),
            ({**narrower, "given": "31.02.2019"}, 'class="field-error" id="given-error"'),
            ({**narrower, "level": "public_anonymised"}, "This is the consent already recorded."),
            ({**narrower, "reason": "a\x00b"}, "This contains a NUL character"),
            ({**narrower, "note": "x" * 5000}, "This is longer than"),
        ]
        for data, sentence in cases:
            got = _change(client, person, testimony, data)
            assert got.status_code == 400, data
            assert sentence in got.text, data
        assert _records(site) == before
        assert _consent_of(site, person)["level"] == "public_anonymised"


def test_a_consent_change_for_a_testimony_of_someone_else_is_not_found(org: Org) -> None:
    """Given two persons, when the consent form of one person is asked for with the
    other person's testimony, or with no testimony, then 404 and nothing is sealed;
    and an intake volunteer gets 403."""
    with staff_site(org) as site:
        first, second = site.person_ids[:2]
        other = str(site.desk.person(second).testimonies[0]["testimony_id"])
        client = _researcher(site)
        assert client.get(f"/persons/{first}/consent?testimony={other}").status_code == 404
        assert client.get(f"/persons/{first}/consent").status_code == 404
        before = _records(site)
        got = _change(client, first, other, {"level": "withdrawn", "how": "oral", "reason": "x"})
        assert got.status_code == 404
        assert _records(site) == before
        volunteer = site.client()
        assert site.sign_in(volunteer, "intake") == 303
        assert volunteer.get(f"/persons/{first}/consent?testimony={other}").status_code == 403


# -- which consent allows more -----------------------------------------------------------

USES_OF_LEVEL = {
    "public_named": {"keep", "publish anonymised", "publish named"},
    "public_anonymised": {"keep", "publish anonymised"},
    "internal": {"keep"},
    "withdrawn": set(),
}


def _uses(consent: dict[str, Any]) -> set[str]:
    """What a consent allows, read from the record format's words alone."""
    uses = set(USES_OF_LEVEL[consent["level"]])
    if consent["level"] != "withdrawn":
        uses |= {flag for flag in CONSENT_FLAGS if consent.get(flag) is True}
    return uses


consents = st.fixed_dictionaries(
    {"level": st.sampled_from(CONSENT_LEVELS)},
    optional={flag: st.booleans() for flag in CONSENT_FLAGS},
)


@given(new=consents, old=consents)
def test_a_consent_is_wider_exactly_when_it_allows_a_use_the_old_did_not(
    new: dict[str, Any], old: dict[str, Any]
) -> None:
    """Given any two consents, when the new one is compared with the old, then it is
    called wider exactly when it allows a use (keeping, publishing, a submission) that
    the old did not, so a narrowing never asks for the testifier's confirmation and
    a widening always does."""
    assert allows_more(new, old) == (not _uses(new) <= _uses(old))


@given(many=st.lists(consents, min_size=1, max_size=5))
def test_the_narrowest_consent_allows_exactly_what_all_of_them_allow(
    many: list[dict[str, Any]],
) -> None:
    """Given any consents, when the narrowest of them is taken (a testimony recorded
    twice with other contents), then it allows exactly the uses every one allows."""
    assert _uses(narrowest(many)) == set.intersection(*(_uses(c) for c in many))


_RECORDED_TIMES = st.lists(
    st.datetimes(min_value=dt.datetime(2017, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    min_size=2,
    max_size=4,
)


def _versions(
    consents: list[dict[str, Any]], times: list[dt.datetime], *, persons: int = 0
) -> list[Change]:
    """One testimony recorded by several entries, each with its consent, its person
    (p_0, p_1, …, or of ``persons`` taken in turn) and a public file of its own."""
    return [
        Change(
            entry_id=f"{n + 1:x}" * 64,
            index=n % 3,
            time=times[n % len(times)].strftime("%Y-%m-%dT%H:%M:%SZ"),
            op="testimony.recorded",
            body={
                "op": "testimony.recorded", "testimony": "t_1",
                "persons": [f"p_{n % (persons or n + 1)}"],
                "testifier": {"relationship": "wife"}, "consent": consent,
                "media": [{"file": 0, "visibility": "public"}],
            },
            files=(f"{n + 1:064x}",),
            position=f"log{n}/{n:012d}",
        )
        for n, consent in enumerate(consents)
    ]  # fmt: skip


@given(
    versions=st.lists(consents, min_size=2, max_size=4),
    times=_RECORDED_TIMES,
    data=st.data(),
)
def test_a_testimony_recorded_again_allows_only_what_every_version_allows(
    versions: list[dict[str, Any]], times: list[dt.datetime], data: st.DataObject
) -> None:
    """Given one testimony recorded by several entries with other consents and files,
    dated in any order (a forged entry dated first among them), when the testimony is
    folded, then its consent allows only what every version allows, none of its files
    is public, it concerns the persons of every version, and it names the other
    entries; the same whichever comes first."""
    changes = _versions(versions, times, persons=2)
    state = fold_testimony("t_1", data.draw(st.permutations(changes)))
    assert state is not None
    assert _uses(state.consent) == set.intersection(*(_uses(c) for c in versions))
    assert state.visibility == [""]
    assert sorted(state.persons) == ["p_0", "p_1"]
    assert sorted([state.entry_id, *state.recorded_again]) == [c.entry_id for c in changes]


def _settlement(genuine: Change, aside: list[Change], time: str) -> Change:
    body = {
        "op": "testimony.settled", "testimony": "t_1",
        "genuine": version_id(genuine.entry_id, genuine.index),
        "set_aside": [version_id(c.entry_id, c.index) for c in aside],
        "reason": "the volunteer who filmed it confirms this one",
    }  # fmt: skip
    return Change("f" * 64, 0, time, body["op"], body, ())


@given(
    versions=st.lists(consents, min_size=2, max_size=4),
    times=_RECORDED_TIMES,
    data=st.data(),
)
def test_a_settled_testimony_is_exactly_its_genuine_version(
    versions: list[dict[str, Any]], times: list[dt.datetime], data: st.DataObject
) -> None:
    """Given one testimony recorded by several entries with other consents, persons and
    files, dated in any order, when a reviewer settles it, naming any one version
    genuine and the others set aside, then the testimony is that version: its consent,
    its file's visibility, its person only, its entry, and no flag; folded in any order.
    A version recorded after the settlement with other contents is flagged again, and
    held at what it and the genuine one allow, the set-aside versions still counting
    for nothing."""
    changes = _versions(versions, times)
    chosen = data.draw(st.sampled_from(changes))
    aside = [c for c in changes if c is not chosen]
    settled = _settlement(chosen, aside, "2031-01-01T00:00:00Z")
    state = fold_testimony("t_1", data.draw(st.permutations([*changes, settled])))
    assert state is not None
    assert (state.entry_id, state.consent, state.visibility, state.persons) == (
        chosen.entry_id, chosen.body["consent"], ["public"], chosen.body["persons"]
    )  # fmt: skip
    assert state.recorded_again == []
    assert [h.op for h in state.history].count("testimony.settled") == 1

    later_consent = data.draw(consents)
    (later,) = _versions([later_consent], [dt.datetime(2032, 1, 1)])
    later = dataclasses.replace(later, entry_id="e" * 64, body={**later.body, "persons": ["p_9"]})
    again = fold_testimony("t_1", [*changes, settled, later])
    assert again is not None and again.recorded_again == [later.entry_id]
    both = set.intersection(_uses(chosen.body["consent"]), _uses(later_consent))
    assert _uses(again.consent) == both and again.visibility == [""]
    assert sorted(again.persons) == sorted([*chosen.body["persons"], "p_9"])


def test_a_settlement_naming_no_version_of_the_testimony_changes_nothing() -> None:
    """Given a testimony recorded twice with other contents, when a settlement names
    versions the testimony does not have, then it is folded as if unsettled: the
    narrower consent, the files for staff only, still flagged."""
    changes = _versions([{"level": "public_named"}, {"level": "internal"}], [
        dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)])  # fmt: skip
    stray = Change("9" * 64, 5, "2026-01-03T00:00:00Z", "testimony.recorded", {}, ())
    settled = _settlement(stray, [changes[1]], "2026-02-01T00:00:00Z")
    unsettled = fold_testimony("t_1", changes)
    state = fold_testimony("t_1", [*changes, settled])
    assert state is not None and unsettled is not None
    assert (state.consent, state.visibility, state.recorded_again) == (
        {"level": "internal"}, [""], [changes[1].entry_id]
    )  # fmt: skip
    assert (state.consent, state.persons) == (unsettled.consent, unsettled.persons)


def test_a_testimony_recorded_twice_alike_is_no_conflict() -> None:
    """Given one intake sealed twice with the same contents (a retried seal), when the
    testimony is folded, then nothing is held back and nothing is flagged."""
    body = {
        "op": "testimony.recorded", "testimony": "t_1", "persons": ["p_1"],
        "testifier": {"relationship": "wife"}, "consent": {"level": "public_named"},
        "media": [{"file": 1, "visibility": "public"}],
    }  # fmt: skip
    twice = [
        Change("a" * 64, 0, "2026-01-01T00:00:00Z", body["op"], body, ("x", "blob")),
        Change("b" * 64, 2, "2026-01-02T00:00:00Z", body["op"], {**body, "media": [
            {"file": 0, "visibility": "public"}]}, ("blob",)),
    ]  # fmt: skip
    state = fold_testimony("t_1", twice)
    assert state is not None
    assert (state.consent, state.visibility, state.recorded_again) == (
        {"level": "public_named"}, ["public"], []
    )  # fmt: skip

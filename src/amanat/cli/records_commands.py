"""The victims-database commands: ``id check``, ``persons``, ``person``, ``views``, ``export``.

Each command checks what was typed first (a mistyped date or county is one sentence,
before any passphrase is asked), opens the desk, brings its views up to date with the
vault (so whatever ``amanat sync`` pulled is visible), calls one library function and
prints plain words, or JSON with ``--json``. ``persons_table`` and ``person_page`` are
also what ``amanat demo`` shows.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from amanat.bootstrap import open_desk, open_home
from amanat.cli.output import print_result
from amanat.cli.progress import CountBar, linking_progress, stopped_by_signals
from amanat.cli.prompts import ask_passphrase
from amanat.cli.words import N_, codes_shown, ntr, number, said_here, shown, tr
from amanat.desk import Desk
from amanat.desk.service import Batch
from amanat.errors import InputError, UsageError
from amanat.records import flags
from amanat.records.changes import SINGLE_FIELDS, STATUSES
from amanat.records.dates import PartialDate
from amanat.records.ids import KazakhIin, ResidentId
from amanat.records.places import Gazetteer
from amanat.settings import Settings
from amanat.views import read
from amanat.views.export import check_export_folder, count_rows, export_views
from amanat.views.project import ApplyReport, Candidate, fold_text
from amanat.views.un import stored_gaps, suggested_route, urgent_since

__all__ = ["COMMANDS", "CountBar", "catch_up", "desk_of", "person_page", "persons_table"]

_SHORT = 10  # characters of a t_/s_/r_ id shown in running text ("t_3f2a9c01")
_COLUMNS = (("ID", 34), (N_("NAME"), 24), (N_("BORN"), 10), (N_("HOMETOWN"), 18),
            (N_("STATUS"), 22))  # fmt: skip
# Words the records layer gives in English, shown through the catalogue.
_WORDS = (N_("male"), N_("female"), N_("province"), N_("prefecture"), N_("county"))
# As an import treats a cell (amanat.ingest.rows): invisible characters that change
# nothing written (a zero-width space, a direction mark, a soft hyphen, pasted from a
# web page) are left out; text-direction overrides, which can make a name or a number
# show itself in another order, and control characters are refused.
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u061c\u2060-\u2064\ufeff]")
_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_PRINTED_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NOT_UTF8 = re.compile("[\ud800-\udfff]")  # bytes on the command line that were not UTF-8


@contextmanager
def desk_of(args: argparse.Namespace, settings: Settings) -> Iterator[Desk]:
    home = open_home(args.home, settings)
    with open_desk(home, ask_passphrase(settings, args.passphrase_file), settings) as desk:
        yield desk


def catch_up(desk: Desk) -> ApplyReport:
    """Apply what the vault holds and the views do not yet (after a sync or a pull)."""
    bar = CountBar(tr("Updating the views"), desk.pending(), tr("entries"))
    try:
        return desk.update_views(bar)
    finally:
        bar.close()


# -- text layout -----------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (Chinese characters take two), padded."""
    if _width(text) > width:
        out = ""
        for char in text:
            if _width(out + char) > width - 1:
                break
            out += char
        text = out + "…"
    return text + " " * (width - _width(text))


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns, never cut (a label in a column
    that its words may overflow)."""
    return text + " " * max(0, width - _width(text))


def _place(code: str | None, places: Gazetteer) -> str:
    """A place code with a name a volunteer can read, Kazakh or Russian first."""
    if not code:
        return ""
    place = places.get(code)
    if place is None:
        return code
    name = next(
        (n for n in (place.name_in(x) for x in ("kk", "ru", "en", "zh-Hans", "zh")) if n),
        place.name,
    )
    return f"{name} ({code})" if not code.startswith("osm:") else name


def _place_ref(value: dict[str, Any] | None, places: Gazetteer) -> str:
    if not value:
        return ""
    parts = [_place(value.get("place"), places), value.get("text", "")]
    return ", ".join(p for p in parts if p)


def persons_table(
    result: read.SearchResult, page: int, limit: int, places: Gazetteer, *, footer: bool = True
) -> str:
    """One page of search results as a table a person can read."""
    pages = max(1, -(-result.total // limit))
    if result.total == 0:
        return tr("No person matches.")
    if not result.persons:
        return ntr(
            "Page %(page)d is past the end: %(total)d persons fill %(count)d page.",
            "Page %(page)d is past the end: %(total)d persons fill %(count)d pages.",
            pages, page=page, total=result.total,
        )  # fmt: skip
    columns = tuple((tr(name), w) for name, w in _COLUMNS)
    grades = [f"{p.grade} {shown('grade', p.grade_label)}" for p in result.persons]
    wide = min(24, max(14, *(_width(g) for g in grades)))  # a label may be long
    head = "  ".join(_fit(name, w) for name, w in columns) + "  " + _fit(tr("GRADE"), wide)
    head += "  " + tr("T") + "  " + tr("F")
    lines = [head]
    for p, grade in zip(result.persons, grades, strict=True):
        status = " ".join(x for x in (shown("status", p.status), p.status_date or "") if x)
        cells = (p.person_id, p.name, p.birth or "", _place(p.hometown, places), status)
        row = "  ".join(_fit(v, w) for v, (_, w) in zip(cells, columns, strict=True))
        lines.append(f"{row}  {_fit(grade, wide)}  {p.n_testimonies:>1}  {p.n_flags:>1}".rstrip())
    if not footer:
        return "\n".join(lines)
    lines.append(
        ntr(
            "%(count)d person; page %(page)d of %(pages)d. T: testimonies, F: flags "
            "(conflicts). Show one: amanat person ID",
            "%(count)d persons; page %(page)d of %(pages)d. T: testimonies, F: flags "
            "(conflicts). Show one: amanat person ID",
            result.total, page=page, pages=pages,
        )
    )  # fmt: skip
    if page < pages:
        lines.append(tr("Next page: the same command with %(option)s", option=f"--page {page + 1}"))
    return "\n".join(lines)


def _value(field: str, value: Any, places: Gazetteer) -> str:
    if field == "name":
        return str(value["text"])
    if field == "hometown":
        return _place_ref(value, places)
    if field == "document":
        country = f" ({value['country']})" if value.get("country") else ""
        return f"{value['kind']} {value['number']}{country}"
    if field == "photo":
        return tr("photo, sealed file %(file)s", file=str(value.get("blob", ""))[:12])
    if field == "relative":
        who = value.get("name") or value.get("person", "")
        return f"{shown('relationship', value['relation'])}: {who}"
    if field == "status":
        return f"{shown('status', value['status'])} {value['date']}"
    if field == "action":
        return f"{shown('target', value['to'])} {value.get('date', '')}".rstrip()
    if field == "contact":
        return f"{value['date']} {shown('channel', value.get('channel'))}".rstrip()
    if field in ("sex", "ethnicity"):
        return shown(field, value)
    return str(value)


def _sources(detail: read.PersonDetail) -> dict[str, str]:
    """Short words for each testimony and source the page cites."""
    out: dict[str, str] = {}
    for t in detail.testimonies:
        out[t["testimony_id"]] = tr(
            "%(relationship)s's testimony %(testimony)s",
            testimony=t["testimony_id"][:_SHORT],
            relationship=shown("relationship", t["relationship"]),
        )  # fmt: skip
    for src in detail.sources:
        out[src["source_id"]] = f"{src['kind']} {src['source_id'][:_SHORT]}"
    return out


def _cited(kind: str, ident: str, locator: str, sources: dict[str, str]) -> str:
    said = sources.get(ident, f"{kind} {ident[:_SHORT]}")
    return f"{said}, {locator}" if locator else said


def _values(detail: read.PersonDetail, cites: dict[str, str], places: Gazetteer) -> list[str]:
    out = [tr("Values, and where each comes from (* the value shown where sources differ)")]
    own_sections = ("name", "status", "action", "contact")
    claims = [c for c in detail.claims if c["field"] not in own_sections]
    fields = {c["field"]: shown("field", c["field"]) for c in claims}  # the others have
    width = max([11, *(_width(f) for f in fields.values())])  # sections of their own
    for c in claims:
        mark = "*" if c["chosen"] and c["field"] in SINGLE_FIELDS else " "
        retracted = (
            "  " + tr("[retracted by %(by)s]", by=c["retracted_by"]) if c["retracted_by"] else ""
        )
        where = _cited(c["source_kind"], c["source_id"], c["locator"], cites)
        value = _value(c["field"], c["value"], places)
        field = _pad(fields[c["field"]], width)
        out.append(f"  {field} {mark} {_fit(value, 34)} {where}{retracted}")
    if detail.identifiers:
        out += ["", tr("Identity numbers")]
        for i in detail.identifiers:
            line = f"  {i['kind']} {i['number']}"
            if i["decoded_birth"]:
                region = _place(i["decoded_region"], places)
                line += ": " + tr(
                    "born %(birth)s, %(sex)s, issued in %(region)s",
                    birth=i["decoded_birth"], sex=shown("sex", i["decoded_sex"]), region=region,
                )  # fmt: skip
            out.append(line)
    out += ["", tr("Flags: conflicts to check (%(count)d)", count=len(detail.flags))]
    flags = [f"  ! {_flag(f)}" for f in detail.flags]
    out += flags or ["  " + tr("none")]
    return out


def _flag(f: dict[str, Any]) -> str:
    """One flag: its field, its kind and its sentence, in the chosen language (as
    stored where codes are shown as they are, as ``shown`` does)."""
    if codes_shown():
        return f"{f['field']}, {f['kind']}: {f['detail']}"
    own = flags.FIELDS.get(f["field"])
    field = tr(own) if own else shown("field", f["field"])
    kind = tr(flags.KINDS[f["kind"]]) if f["kind"] in flags.KINDS else f["kind"]
    said = flags.sentence(f["kind"], f.get("args") or {}, f["detail"], tr)
    return f"{field}, {kind}: {said}"


def _timeline(detail: read.PersonDetail, cites: dict[str, str], places: Gazetteer) -> list[str]:
    out = [tr("Status timeline")]
    for e in detail.timeline:
        place = _place_ref({"place": e["place_code"], "text": e["place_text"] or ""}, places)
        term = e["term"] and tr("term %(term)s", term=e["term"])
        charge = e["charge"] and tr("charge: %(charge)s", charge=e["charge"])
        by = e["responsible"] and tr("by %(who)s", who=shown("responsible", e["responsible"]))
        admitted = {True: tr("acknowledged"), False: tr("not acknowledged")}.get(e["acknowledged"])
        extra = "; ".join(x for x in (place, term, charge, by, admitted, e["note"]) if x)
        out.append(f"  {e['date']:<22} {_pad(shown('status', e['status']), 14)} {extra}".rstrip())
        out.append(f"  {'':<37} ({_cited(e['source_kind'], e['source_id'], '', cites)})")
    if not detail.timeline:
        out.append("  " + tr("no status recorded"))
    return out


def _contacts(detail: read.PersonDetail, cites: dict[str, str]) -> list[str]:
    out = [tr("Last contact with the family")]
    for c in detail.contacts:
        about = "; ".join(x for x in (shown("channel", c["channel"]), c["note"]) if x)
        out.append(f"  {c['date']:<22} {about}".rstrip())
        out.append(f"  {'':<22} ({_cited(c['source_kind'], c['source_id'], '', cites)})")
    if not detail.contacts:
        out.append("  " + tr("nothing recorded"))
    return out


def _actions(detail: read.PersonDetail, cites: dict[str, str]) -> list[str]:
    out = [tr("What the family has done")]
    for a in detail.actions:
        reply = "; " + tr("answer: %(reply)s", reply=a["reply"]) if a["reply"] else ""
        note = f"; {a['note']}" if a["note"] else ""
        target = shown("target", a["target"])
        out.append(f"  {a['date'] or tr('no date'):<22} {target}{reply}{note}")
        out.append(f"  {'':<22} ({_cited(a['source_kind'], a['source_id'], '', cites)})")
    if not detail.actions:
        out.append("  " + tr("nothing recorded"))
    gaps = stored_gaps(detail.person)
    out.append(
        tr(
            "For a case to the UN working group, still needed: %(gaps)s",
            gaps=", ".join(shown("un_element", g) for g in gaps),
        )
        if gaps
        else tr("For a case to the UN working group: nothing is missing.")
    )
    route = suggested_route(detail.timeline, dt.date.today())
    if route is not None and route.route == "urgent" and not detail.submissions:
        out.append(
            tr(
                "Taken within the last three months (%(date)s): the working group's urgent "
                "action fits this case. Send it without delay.",
                date=route.date,
            )
        )
    return out


def _review(detail: read.PersonDetail) -> list[str]:
    """The submissions of the case, then the reviewers' assessment in force (records
    format 1.4)."""
    out = [tr("Submissions of the case")]
    for s in detail.submissions:
        extra = "; ".join(x for x in (s["reference"], s["note"]) if x)
        out.append(f"  {s['date']:<22} {shown('recipient', s['recipient'])}")
        if extra:
            out.append(f"  {'':<22} {extra}")
    if not detail.submissions:
        out.append("  " + tr("not submitted anywhere yet"))
    out += ["", tr("Reviewers' assessment")]
    for aspect, a in detail.assessment().items():
        by = f", {a['by']}" if a["by"] else ""
        out.append(
            f"  {_pad(shown('aspect', aspect), 32)} {shown(aspect, a[aspect])}"
            f" ({a['time'][:10]}{by}: {a['reason']})"
        )
    if not detail.assessments:
        out.append("  " + tr("not assessed yet"))
    return out


def _testimonies(detail: read.PersonDetail, places: Gazetteer) -> list[str]:
    out = [tr("Testimonies (%(count)d)", count=len(detail.testimonies))]
    for t in detail.testimonies:
        name = f" {t['testifier_name']}" if t.get("testifier_name") else ""
        by = tr("by the %(relationship)s", relationship=shown("relationship", t["relationship"]))
        out.append(f"  {t['testimony_id']}  {by}{name}")
        place = _place_ref({"place": t["place_code"], "text": t["place_text"] or ""}, places)
        recorded = t["recorded"] or tr("on an unknown date")
        out.append(
            "      "
            + (tr("recorded %(date)s in %(place)s", date=recorded, place=place) if place
               else tr("recorded %(date)s", date=recorded))
            + "; " + tr("language %(language)s",
                        language=shown("language", t["language"]) or tr("not given"))
            + "; " + ntr("%(count)d media file", "%(count)d media files", t["n_media"])
        )  # fmt: skip
        consent = t["consent_detail"]
        how = ", ".join(str(x) for x in (consent.get("how"), consent.get("given")) if x)
        uses = [
            word
            for flag, word in (
                ("un", tr("UN bodies")),
                ("authorities", tr("Kazakh authorities")),
                ("identifiers", tr("ID numbers published")),
            )
            if consent.get(flag) is True and t["consent"] != "withdrawn"
        ]
        out.append(
            "      "
            + tr("consent: %(level)s", level=shown("consent", t["consent"]))
            + (f" ({how})" if how else "")
            + ("; " + tr("also to: %(uses)s", uses=", ".join(uses)) if uses else "")
            + (f"; {consent['note']}" if consent.get("note") else "")
        )
        if t["risk_notes"]:
            out.append("      " + tr("risk: %(notes)s", notes=t["risk_notes"]))
    return out


def _documents(detail: read.PersonDetail, cites: dict[str, str]) -> list[str]:
    out = [tr("Sources (%(count)d)", count=len(detail.sources))]
    for src in detail.sources:
        issuer = src["issuer"] and tr("issued by %(issuer)s", issuer=src["issuer"])
        about = "; ".join(x for x in (src["title"], src["date"] or "", issuer) if x)
        reference = (
            "; " + tr("reference %(reference)s", reference=src["reference"])
            if src["reference"]
            else ""
        )
        out.append(f"  {src['source_id']}  {src['kind']}: {about}")
        out.append(
            "      "
            + ntr("%(count)d sealed file", "%(count)d sealed files", src["n_files"])
            + reference
        )
    if detail.rebuttals:
        out += [
            "",
            tr(
                "Rebuttals by the state (%(count)d; shown, never hidden)",
                count=len(detail.rebuttals),
            ),
        ]
        for r in detail.rebuttals:
            when = f", {r['date']}" if r["date"] else ""
            where = _cited(r["source_kind"], r["source_id"], "", cites)
            out.append(f"  {r['kind']}, " + tr("by %(who)s", who=r["by"]) + when)
            out.append(f'      "{r["text"]}" ({where})')
    return out


def person_page(detail: read.PersonDetail, places: Gazetteer) -> str:
    """Everything known about one person, each value with where it comes from."""
    p = detail.person
    cites = _sources(detail)
    out = [f"{p['display_name']}   {p['person_id']}"]
    reasons = "; ".join(p["grade_reasons"])
    out.append(
        tr(
            "Evidence grade %(grade)s (%(label)s): %(reasons)s.",
            grade=p["grade"],
            label=shown("grade", p["grade_label"]),
            reasons=reasons,
        )
    )
    if p.get("status"):
        out.append(
            tr(
                "Status now: %(status)s, %(date)s (the latest event).",
                status=shown("status", p["status"]),
                date=p["status_date"],
            )
        )
    out += ["", tr("Names")]
    for n in detail.names:
        about = ", ".join(
            x
            for x in (
                shown("script", n["script"]),
                shown("language", n.get("language")),
                shown("name_form", n.get("form")),
            )
            if x
        )
        out.append(f"  {_fit(n['text'], 34)}  {about}")
    for section in (
        _values(detail, cites, places),
        _timeline(detail, cites, places),
        _contacts(detail, cites),
        _actions(detail, cites),
        _review(detail),
        _testimonies(detail, places),
        _documents(detail, cites),
    ):
        out += ["", *section]
    out += ["", tr("History of changes")]
    for h in detail.history:
        reason = f": {h['reason']}" if h["reason"] else ""
        which = f" {h['subject']}" if h.get("testimony") else ""
        out.append(f"  {h['time']}  {shown('op', h['op'])}{which}{reason}")
    # a control character sealed in some text (a reason from an older version, a
    # name a list brought) must not reach the terminal as an escape sequence
    return "\n".join(_PRINTED_CONTROL.sub("\ufffd", line) for line in out)


# -- commands --------------------------------------------------------------------------


def _region_json(rid: ResidentId) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in rid.region]


def cmd_id_check(args: argparse.Namespace, settings: Settings) -> int:
    if _DIRECTION.search(args.number):
        raise InputError(
            "The number holds invisible text-direction characters, which can make its digits "
            "show in another order than they were typed; type it again."
        )
    number = _INVISIBLE.sub("", args.number)
    compact = re.sub(r"[\s\-]", "", number)
    kind = args.kind
    if kind == "auto":
        kind = {12: "kz", 15: "cn", 18: "cn"}.get(len(compact), "")
        if not kind:
            raise InputError(
                "This number has %(count)d characters: a PRC resident ID has 18 (15 on old "
                "cards) and a Kazakh IIN 12.",
                count=len(compact),
            )
    if kind == "kz":
        iin = KazakhIin.decode(number)
        data = {
            "kind": "kz_iin",
            "valid": True,
            "number": iin.number,
            "birth_date": iin.birth_date.isoformat(),
            "sex": iin.sex,
        }
        text = tr(
            "Valid Kazakh IIN: %(number)s\n  Born: %(birth)s\n  Sex: %(sex)s\n"
            "  (An IIN's check digit catches fewer typing mistakes than a resident ID's.)",
            number=iin.number, birth=data["birth_date"], sex=tr(iin.sex),
        )  # fmt: skip
        print_result(args, data, text)
        return 0
    rid = ResidentId.decode(number)
    places = Gazetteer.load_builtin()
    today = places.for_region_code(rid.region_code)
    data = {
        "kind": "cn_resident_id",
        "valid": True,
        "number": rid.number,
        "legacy_number": rid.legacy_number,
        "region_code": rid.region_code,
        "region": _region_json(rid),
        "in_xinjiang": rid.in_xinjiang,
        "place_today": None if today is None else {"id": today.id, "name": today.name},
        "birth_date": rid.birth_date.isoformat(),
        "sex": rid.sex,
        "notes": rid.notes(),
    }
    lines = [tr("Valid PRC resident ID: %(number)s", number=rid.number)]
    if rid.legacy_number:
        lines.append(
            "  "
            + tr(
                "Old 15-digit form %(number)s, converted to 18 characters.",
                number=rid.legacy_number,
            )
        )
    lines.append(
        "  "
        + (
            tr("Region %(code)s, in Xinjiang:", code=rid.region_code)
            if rid.in_xinjiang
            else tr("Region %(code)s, outside Xinjiang:", code=rid.region_code)
        )
    )
    for r in rid.region:
        years = ""
        if r.valid_from or r.valid_until:
            years = " " + tr(
                "(this name %(since)s–%(until)s)",
                since=r.valid_from or "",
                until=r.valid_until or tr("today"),
            )
        lines.append(f"    {tr(r.level):<11} {r.name}{years}")
    if today is not None and today.id != rid.region_code:
        lines.append("  " + tr("Today this is %(place)s.", place=_place(today.id, places)))
    lines.append("  " + tr("Born: %(date)s", date=data["birth_date"]))
    lines.append("  " + tr("Sex: %(sex)s", sex=tr(rid.sex)))
    lines += ["  " + tr("Note: %(note)s", note=n) for n in rid.notes()]
    print_result(args, data, "\n".join(lines))
    return 0


def _day_bound(text: str, option: str, *, latest: bool) -> str:
    if not text.strip():
        return ""
    try:
        date = PartialDate.parse(text, today=dt.date.today())
    except InputError as exc:
        raise InputError("%(option)s: %(reason)s", option=option, reason=exc) from None
    return (date.latest if latest else date.earliest).isoformat()


def _county(text: str, places: Gazetteer) -> str:
    text = text.strip()
    if not text or text.startswith("user:"):
        return text
    return places.resolve(text, kinds=("county", "prefecture")).id


def _typed(value: str, label: str) -> str:
    """``value``, or when it is "-" a line typed after ``label`` (or read from standard
    input): a name or number given so is not kept in the shell's history or shown in
    the list of processes, as one on the command line is."""
    if value != "-":
        return value
    if sys.stdin.isatty():
        try:
            return input(label).strip()
        except EOFError:  # Ctrl-D at the prompt: the person stopped, as with Ctrl-C
            raise KeyboardInterrupt from None
    return sys.stdin.readline().strip()


def _query(args: argparse.Namespace, places: Gazetteer) -> read.Query:
    """The search as typed, checked before the desk is opened."""
    for option, status in (("--status", args.status), ("--ever", args.ever)):
        if status and status not in STATUSES:
            raise UsageError(
                "%(option)s: unknown status %(status)r; use one of %(known)s.",
                option=option, status=status[:30], known=", ".join(STATUSES),
            )  # fmt: skip
    if not 0 <= args.min_grade <= 4:
        raise UsageError("--min-grade is an evidence grade from 0 to 4.")
    if not 1 <= args.limit <= read.MAX_PAGE:
        raise UsageError("--limit is between 1 and %(most)d rows per page.", most=read.MAX_PAGE)
    if args.page < 1:
        raise UsageError("--page starts at 1.")
    return read.Query(
        name=_typed(args.name, tr("Name: ")),
        id_number=_typed(args.id_number, tr("ID number: ")),
        county=_county(args.county, places),
        status=args.status,
        ever_status=args.ever,
        date_from=_day_bound(args.date_from, "--from", latest=False),
        date_to=_day_bound(args.date_to, "--to", latest=True),
        min_grade=args.min_grade,
        flagged=args.flagged,
        un_ready=args.un_ready,
        not_submitted=args.not_submitted,
        taken_since=urgent_since(dt.date.today()) if args.urgent else "",
        limit=args.limit,
        offset=(args.page - 1) * args.limit,
    )


def cmd_persons(args: argparse.Namespace, settings: Settings) -> int:
    places = Gazetteer.load_builtin()
    query = _query(args, places)
    with desk_of(args, settings) as desk:
        catch_up(desk)
        result = desk.search(query)
    rows = []
    for p in result.persons:
        row = dataclasses.asdict(p)
        row["hometown_name"] = _place(p.hometown, places) if p.hometown else None
        rows.append(row)
    data = {"total": result.total, "page": args.page, "limit": args.limit, "persons": rows}
    print_result(args, data, persons_table(result, args.page, args.limit, places))
    return 0


def cmd_person(args: argparse.Namespace, settings: Settings) -> int:
    with desk_of(args, settings) as desk:
        catch_up(desk)
        detail = desk.person(args.person_id.strip())
    print_result(args, detail.to_json(), person_page(detail, Gazetteer.load_builtin()))
    return 0


def duplicates_report(found: Sequence[Candidate], names: Mapping[str, str]) -> str:
    """What ``amanat duplicates`` says of the pairs it found, strongest first; ``names``
    gives each shown person's display name (pairs of persons not in it are counted,
    not listed)."""
    n_link = sum(c.outcome == "link" for c in found)
    lines = [
        tr(
            "%(pairs)s pairs may be one person each: %(links)s proposed links, %(open)s to "
            "decide. Nothing was merged; decide them in the staff app under Review.",
            pairs=number(len(found)), links=number(n_link), open=number(len(found) - n_link),
        )
    ]  # fmt: skip
    outcome = {"link": tr("proposed link"), "review": tr("to decide")}
    width = max(len(word) for word in outcome.values())
    listed = [
        c for c in sorted(found, key=lambda c: -c.probability) if c.a in names and c.b in names
    ]
    lines += [
        f"  {c.probability:.2f}  {outcome.get(c.outcome, c.outcome):<{width}}  "
        f"{names[c.a]}  ·  {names[c.b]}"
        for c in listed
    ]
    if 0 < len(listed) < len(found):
        more = len(found) - len(listed)
        lines.append("  " + ntr("and %(shown)s more.", "and %(shown)s more.", more,
                                shown=number(more)))  # fmt: skip
    return "\n".join(lines)


def cmd_duplicates(args: argparse.Namespace, settings: Settings) -> int:
    """Run the linkage model over the desk; list the pairs it proposes (none merged)."""
    progress = linking_progress()

    with desk_of(args, settings) as desk, stopped_by_signals():
        catch_up(desk)
        found = desk.find_duplicates(progress=progress)
        # the strongest of each kind: the links to confirm, and the pairs to decide
        # (listed by probability alone, the links filled the list)
        ranked = sorted(found, key=lambda c: -c.probability)
        half = max(0, args.limit) // 2
        links = [c for c in ranked if c.outcome == "link"]
        doubtful = [c for c in ranked if c.outcome != "link"]
        shown = links[: max(0, args.limit) - min(half, len(doubtful))]
        shown += doubtful[: max(0, args.limit) - len(shown)]
        names = {pid: desk.person(pid).person["display_name"] for c in shown for pid in (c.a, c.b)}
    rows = [{**dataclasses.asdict(c), "name_a": names[c.a], "name_b": names[c.b]} for c in shown]
    n_link = sum(c.outcome == "link" for c in found)
    data = {"total": len(found), "links": n_link, "pairs": rows}
    print_result(args, data, duplicates_report(found, names))
    return 0


def _report(report: ApplyReport, rebuilt: bool) -> tuple[dict[str, Any], str]:
    data = dataclasses.asdict(report)
    if report.entries == 0 and not report.migrated:
        return data, tr("The views are up to date: no new entries.")
    counts = {
        "entries": report.entries, "records": report.records, "changes": report.changes,
        "persons": report.persons, "testimonies": report.testimonies, "sources": report.sources,
    }  # fmt: skip
    said = (
        tr("Views rebuilt from the vault: %(entries)d entries read (%(records)d record "
           "entries, %(changes)d changes); %(persons)d persons, %(testimonies)d testimonies "
           "and %(sources)d sources written.", **counts)
        if rebuilt
        else tr("Views updated: %(entries)d entries read (%(records)d record entries, "
                "%(changes)d changes); %(persons)d persons, %(testimonies)d testimonies and "
                "%(sources)d sources written.", **counts)
    )  # fmt: skip
    lines = [said]
    lines += [tr("Migrated: %(what)s.", what=m) for m in report.migrated]
    if report.problems:
        lines.append(tr("%(count)d record entries could not be used and were skipped:",
                        count=len(report.problems)))  # fmt: skip
        lines += [f"  {entry[:12]}: {said_here(problem)}" for entry, problem in report.problems]
    return data, "\n".join(lines)


def cmd_views_update(args: argparse.Namespace, settings: Settings) -> int:
    with desk_of(args, settings) as desk:
        report = catch_up(desk)
    print_result(args, *_report(report, rebuilt=False))
    return 0


def cmd_views_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    with desk_of(args, settings) as desk:
        total = sum(desk.views.projected_sizes().values()) + desk.pending()
        bar = CountBar(tr("Rebuilding the views"), total, tr("entries"))
        try:
            report = desk.rebuild_views(bar)
        finally:
            bar.close()
    print_result(args, *_report(report, rebuilt=True))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    out = Path(args.out).expanduser().absolute()
    check_export_folder(out)  # before the passphrase is asked
    with desk_of(args, settings) as desk:
        catch_up(desk)
        bar = CountBar(tr("Exporting"), sum(count_rows(desk.engine).values()), tr("rows"))
        try:
            report = export_views(desk.engine, out, bar)
        finally:
            bar.close()
    data = {
        "folder": str(report.folder),
        "rows": report.rows,
        "tables": [dataclasses.asdict(t) for t in report.tables],
        "files": report.files,
    }
    text = tr(
        "Exported %(tables)d tables (%(rows)d rows) to %(folder)s\n"
        "as CSV (opens in Excel) and JSON Lines; what every column means is in "
        "%(dictionary)s.\n"
        "These files are NOT encrypted: keep them on an encrypted disk, share them only as "
        "each testimony's consent allows, and delete them when done.",
        tables=len(report.tables), rows=report.rows, folder=report.folder,
        dictionary=report.folder / "DATA-DICTIONARY.md",
    )  # fmt: skip
    print_result(args, data, text)
    return 0


def cmd_places_find(args: argparse.Namespace, settings: Settings) -> int:
    """Look a place up in the shipped gazetteer (no home needed)."""
    places = Gazetteer.load_builtin()
    found = places.find(args.text) or places.find_by_sound(args.text)
    rows = [
        {
            "id": p.id,
            "kind": p.kind,
            "names": {n.lang: n.text for n in p.names},
            "path": [q.label() for q in places.region_path(p.id)],
            "lat": p.lat,
            "lon": p.lon,
        }
        for p in found[: args.limit]
    ]
    if not rows:
        text = tr("No place in the gazetteer matches; a desk can add it with `amanat places add`.")
    else:
        text = "\n".join(
            f"{p.id:<22} {p.kind:<10} {' / '.join(q.label() for q in places.region_path(p.id))}"
            for p in found[: args.limit]
        )
    print_result(args, {"places": rows}, text)
    return 0


def _place_name(text: str) -> str:
    """A place's name as given on the command line, on one line, without invisible
    characters; InputError for what would be stored disguised or mangled."""
    if _NOT_UTF8.search(text):
        raise InputError(
            "A place name given is not valid UTF-8 text (the terminal may use another "
            "encoding); type it again in a UTF-8 terminal."
        )
    text = " ".join(_INVISIBLE.sub("", text).split())
    if _DIRECTION.search(text):
        raise InputError(
            "A place name holds invisible text-direction characters (such as U+202E), which "
            "can disguise what is written; type it again without them."
        )
    if _CONTROL.search(text):
        raise InputError(
            "A place name holds invisible control characters; type it again without them."
        )
    return text


def cmd_places_add(args: argparse.Namespace, settings: Settings) -> int:
    """Add a place the gazetteer lacks, as a sealed ``place.added`` change."""
    slug = args.slug or re.sub(r"[^a-z0-9]+", "-", fold_text(args.name)).strip("-")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,90}", slug or ""):
        raise InputError(
            "Give the place a short Latin-letter id with --slug, e.g. --slug khorgos-post."
        )
    names = {args.lang: _place_name(args.name)}
    for extra in args.also or []:
        lang, _, text = extra.partition("=")
        if not lang or not text.strip():
            raise InputError("--also takes LANG=NAME, e.g. --also zh=霍尔果斯.")
        names[lang] = _place_name(text)
    change: dict[str, Any] = {
        "op": "place.added",
        "place": f"user:{slug}",
        "kind": args.kind,
        "names": names,
    }
    if args.parent:
        change["parent"] = args.parent
    if (args.lat is None) != (args.lon is None):
        raise InputError("Give both --lat and --lon, or neither.")
    if args.lat is not None:
        change["lat"], change["lon"] = args.lat, args.lon
    with desk_of(args, settings) as desk:
        catch_up(desk)
        with desk.engine.connect() as conn:
            known = read.place(conn, change["place"])
        if known is not None:  # the first place.added of an id is the place; later, history
            name = next(iter(json.loads(known["names"]).values()), "")
            raise UsageError(
                "A place with the id %(place)s is already recorded (%(name)s); give this "
                "one another id with --slug.",
                place=change["place"],
                name=name,
            )
        desk.seal_records([Batch([], [change], note="amanat places add")])
    print_result(args, {"place": change["place"]}, tr("Added %(place)s.", place=change["place"]))
    return 0


COMMANDS = {
    "places find": cmd_places_find,
    "places add": cmd_places_add,
    "id check": cmd_id_check,
    "persons": cmd_persons,
    "person": cmd_person,
    "duplicates": cmd_duplicates,
    "views update": cmd_views_update,
    "views rebuild": cmd_views_rebuild,
    "export": cmd_export,
}

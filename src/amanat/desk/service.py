"""One desk at work: seal record changes, keep the views current, read them.

A ``Desk`` holds the desk's unlocked keys (in memory only) and its views database:
SQLite encrypted with SQLCipher under a key derived from the desk identity, so the
passphrase that unlocks the identity also unlocks the views and a powered-off desk
reveals nothing; or a PostgreSQL database when ``views_url`` is set (a server).

Views follow the vault: ``update_views`` reads every log from where the views stopped,
opens the new entries and applies them; every command that reads the views calls it
first, so whatever ``amanat sync`` pulled is visible without a separate step.
``rebuild_views`` starts again from nothing and must give the same tables; it
replaces the old views in one transaction, so a rebuild that fails leaves them as they
were.

Several processes may work on one desk at once (the staff app, an ``amanat import``,
``amanat sync``): each projects what the views lack, so projecting is done under a lock
(``views/views.lock``, and a thread lock within a process). Without it two of them read
the same "projected so far" and both wrote the same entries: the second failed on the
views' unique keys. A staff-app request that has sealed waits a little for the lock
and otherwise leaves its entry to the next projection (sealed is safe; the views are
derived).
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from amanat.desk import compare, duplicates, safety
from amanat.desk.media import MediaInfo, MediaShelf, OpenMedia
from amanat.desk.reader import EntryReader
from amanat.errors import (
    BusyError,
    FormatError,
    InputError,
    IntegrityError,
    KeyError_,
    NotFound,
)
from amanat.linkage.settings import LinkSettings
from amanat.records import places as gazetteer
from amanat.records.build import record_data
from amanat.records.changes import Change, check_changes, link_decided, schema_for
from amanat.vault import durable
from amanat.vault.home import DeskKeys, Home, views_key
from amanat.vault.log import Envelope
from amanat.vault.seal import FileToSeal, SealReceipt, SealSession
from amanat.vault.secretbox import SecretBox
from amanat.vault.upload import Finished, UploadRegistry, clean_uploads
from amanat.views import engine as engines
from amanat.views import read, schema
from amanat.views import similar as lookalikes
from amanat.views import unlinked as unlinked_testimonies
from amanat.views.project import (
    ApplyReport,
    Candidate,
    PreparedEntry,
    SealedEntry,
    Views,
    prepare_entry,
)
from amanat.views.unlinked import LinkFacts, ToLink

__all__ = ["DEFAULT_UPLOAD_LIMIT", "Desk", "Finished", "UploadRegistry", "Version", "views_key"]


def _entry_of(line: bytes) -> str | None:
    """The entry a log record names; None for a record that cannot be read."""
    try:
        return Envelope.parse(line, where="").entry
    except FormatError:
        return None


def _busy() -> BusyError:
    return BusyError(
        "Another Amanat command is updating this desk's database (an import or a sync); "
        "wait until it ends, then try again. Nothing was lost."
    )


Progress = Callable[[int], None]
VIEWS_FILE = "views.db"
LOCK_FILE = "views.lock"
# How long a projection waits for another process's (an import's last step projects
# 100,000 entries in about a minute), and how long a staff-app request that has already
# sealed waits before leaving its entry to the next projection.
PROJECTION_WAIT = 900.0
AFTER_SEAL_WAIT = 20.0
DEFAULT_UPLOAD_LIMIT = 4 * 2**30  # a 4 GB video from a camera card


@dataclass(frozen=True)
class Batch:
    """Files to seal and the record changes that refer to them by position."""

    files: Sequence[FileToSeal]
    changes: Sequence[dict[str, Any]]
    note: str = ""
    # True when every change already passed ``check_changes`` on its own and refers to
    # no file (a bulk import checks each row as it reads it, to reject that row alone);
    # the batch is then not checked a second time before sealing.
    checked: bool = False


def place_rows() -> list[dict[str, Any]]:
    """The shipped gazetteer as rows of the ``places`` table."""
    out = []
    for p in gazetteer.Gazetteer.load_builtin():
        names: dict[str, str] = {}
        for n in p.names:
            names.setdefault(n.lang, n.text)

        def first(*langs: str, names: dict[str, str] = names) -> str | None:
            return next((names[lang] for lang in langs if lang in names), None)

        out.append(
            {
                "place_id": p.id,
                "kind": p.kind,
                "parent": p.parent,
                "name_zh": first("zh-Hans", "zh"),
                "name_pinyin": first("zh-Latn-pinyin"),
                "name_ug": first("ug-Arab", "ug"),
                "name_kk": first("kk-Cyrl", "kk"),
                "name_en": first("en"),
                "names": json.dumps(names, ensure_ascii=False, sort_keys=True),
                "lat": p.lat,
                "lon": p.lon,
                "origin": "gazetteer",
            }
        )
    return out


def _sealed_entry(receipt: SealReceipt, data: dict[str, Any]) -> SealedEntry:
    """A record entry this desk has just sealed, as the projection reads one."""
    blobs = tuple(b.id for b in receipt.blobs)
    return SealedEntry(
        receipt.entry_id, receipt.log, receipt.seq, receipt.time, "record", data, blobs
    )


@dataclass(frozen=True)
class Version:
    """One version of a testimony recorded more than once, and who signed it."""

    change: Change
    role: str  # the signer's: "desk" or "station" ("" if the keyring does not name it)
    writer: str  # the signer's name in the keyring


class Desk:
    """A desk's vault and views, opened with its keys."""

    def __init__(self, home: Home, keys: DeskKeys, *, views_url: str = "") -> None:
        home.require("desk", "This home is not a desk, so it cannot keep the victims database.")
        self.home = home
        self.keys = keys
        self.vault = home.vault()
        self.engine = self._engine(views_url)
        self._projection = threading.RLock()
        self._projecting_depth = 0
        self.views = Views(self.engine, place_rows)
        with self._projecting():
            self.migrated = self.views.prepare()
        self._uploads: UploadRegistry | None = None

    def _engine(self, views_url: str) -> Engine:
        if views_url:
            return engines.open_postgres(views_url)
        folder = self.home.path / "views"
        durable.make_dirs(folder)
        path = folder / VIEWS_FILE
        try:
            return engines.open_sqlite(path, views_key(self.keys), create=True)
        except KeyError_:
            # Made under another identity (a restore rotates it): views are derived,
            # so start them again from the vault rather than stop the desk.
            path.unlink()
            return engines.open_sqlite(path, views_key(self.keys), create=True)

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _projecting(self, wait: float = PROJECTION_WAIT) -> Iterator[None]:
        """Hold the desk's projection lock: one projection at a time, across threads
        and processes (re-entrant within a thread). Raises ``BusyError`` after ``wait``
        seconds."""
        if not self._projection.acquire(timeout=wait):
            raise _busy()
        try:
            if self._projecting_depth:
                self._projecting_depth += 1
                try:
                    yield
                finally:
                    self._projecting_depth -= 1
                return
            with contextlib.ExitStack() as stack:
                folder = self.home.path / "views"
                durable.make_dirs(folder)
                try:
                    stack.enter_context(
                        durable.exclusive_lock(folder / LOCK_FILE, wait_seconds=wait)
                    )
                except BusyError:
                    raise _busy() from None
                self._projecting_depth = 1
                try:
                    yield
                finally:
                    self._projecting_depth = 0
        finally:
            self._projection.release()

    @contextlib.contextmanager
    def views_current(self, wait: float | None = None) -> Iterator[None]:
        """Hold the views, brought up to date first: a check made within sees every
        entry sealed so far (another process's too, even one it could not project),
        and what is sealed within is projected before the views are let go. For a
        staff-app request that checks, then seals (a stale page's decision). Raises
        ``BusyError`` after ``wait`` seconds (``AFTER_SEAL_WAIT``), before anything is
        sealed."""
        with self._projecting(AFTER_SEAL_WAIT if wait is None else wait):
            self._update_views(None)
            yield

    def _project_after_seal(self, sealed: Sequence[PreparedEntry]) -> None:
        """Project what was just sealed, unless another process holds the views for
        longer than a staff-app request should wait: the entry is sealed, and the next
        projection (any command's, or the app's next seal) takes it. Nor when the views
        refuse the vault (a log cut short under them): the entry is sealed all the same,
        and saying otherwise would have a volunteer save the same intake again; every
        later update and every staff-app decision refuses until the views are rebuilt."""
        try:
            with self._projecting(AFTER_SEAL_WAIT):
                self.project_sealed(sealed)
        except (BusyError, IntegrityError):
            return

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading the vault -------------------------------------------------------------

    def _log_records(self) -> dict[str, list[bytes]]:
        return {files.kid: files.read_records()[0] for files in self.vault.logs()}

    def _log_sizes(self) -> dict[str, int]:
        return {kid: len(lines) for kid, lines in self._log_records().items()}

    def _check_views_from_vault(self, records: dict[str, list[bytes]]) -> None:
        """Refuse views made from records the vault no longer holds: a log shorter than
        what the views read, or another entry where the last one they read was (a log
        cut short, or put back from an older copy and sealed on since). Updating them
        would show what was removed as if it were still sealed, or skip what is new."""
        for kid, (size, entry_id) in sorted(self.views.projected_heads().items()):
            lines = records.get(kid, [])
            if len(lines) >= size and (
                size == 0 or entry_id is None or _entry_of(lines[size - 1]) == entry_id
            ):
                continue  # (None: the views hold no entry there to compare with)
            raise IntegrityError(
                "Log %(log)s of the vault no longer holds what the views were made from "
                "(cut short, altered or put back from an older copy): run `amanat verify`, "
                "and once the vault is sound, `amanat views rebuild`.",
                log=kid[:12],
            )

    def pending(self) -> int:
        """Entries in the vault not yet in the views."""
        done = self.views.projected_sizes()
        return sum(max(0, n - done.get(kid, 0)) for kid, n in self._log_sizes().items())

    def _entries(self, start: dict[str, int]) -> tuple[Iterator[PreparedEntry], dict[str, int]]:
        reader = EntryReader(
            self.vault, self.vault.read_keyring(), [self.keys.identity], self.home.rekeys_dir
        )
        return reader.entries(start)

    # -- views -------------------------------------------------------------------------

    def update_views(self, progress: Progress | None = None) -> ApplyReport:
        """Apply every entry the views have not seen yet; rebuild them from the vault
        when an entry they hold as lost has been found since (its changes may come
        before others already applied)."""
        with self._projecting():
            return self._update_views(progress)

    def _update_views(
        self, progress: Progress | None, records: dict[str, list[bytes]] | None = None
    ) -> ApplyReport:
        """``update_views`` within the held views; ``records``: the logs' records, when
        the caller has just read them (they are read once)."""
        self._check_views_from_vault(records if records is not None else self._log_records())
        lost = self.views.lost_entries()
        if any(self.vault.object_path("entries", e).exists() for e in lost):
            return self.rebuild_views(progress)
        entries, sizes = self._entries(self.views.projected_sizes())
        report = self.views.apply(entries, sizes, progress)
        report.migrated = list(self.migrated)
        return report

    def rebuild_views(self, progress: Progress | None = None) -> ApplyReport:
        """Drop the views and project the whole vault again, in one transaction: if it
        fails (a corrupted entry), the views stay as they were; until it ends, readers
        (the staff app) see the old views or wait, never missing or empty tables."""
        with self._projecting():
            entries, sizes = self._entries({})
            return self.views.rebuild(entries, sizes, progress)

    # -- writing -----------------------------------------------------------------------

    def seal_records(
        self,
        batches: Sequence[Batch],
        progress: Progress | None = None,
        *,
        update_views: bool = True,
        keep: list[PreparedEntry] | None = None,
    ) -> list[SealReceipt]:
        """Seal each batch as one ``record`` entry, signed by this desk; then project them
        into the views from memory. A bulk writer passes ``update_views=False`` and a
        ``keep`` list (each entry is added to it as soon as it is sealed), and calls
        ``project_sealed(keep)`` once at the end."""
        receipts = []
        sealed: list[PreparedEntry] = []
        with SealSession(self.vault, self.keys.signing_seed) as session:
            for batch in batches:
                checked = batch.checked and not batch.files
                if checked:
                    data = {"schema": schema_for(batch.changes), "changes": list(batch.changes)}
                else:
                    data = record_data(batch.changes, len(batch.files))
                receipt = session.seal(
                    batch.files,
                    entry_type="record",
                    note=batch.note,
                    data=data,
                    progress=progress,
                )
                receipts.append(receipt)
                if update_views or keep is not None:
                    entry = _sealed_entry(receipt, data)
                    # Every change was checked above (record_data), or row by row by
                    # the bulk import that marked its batch checked.
                    sealed.append(prepare_entry(entry, checked=True))
                    if keep is not None:
                        # as each is sealed: a caller stopped midway knows how far it got
                        keep.append(sealed[-1])
        if update_views:
            self.project_sealed(sealed)
        return receipts

    def project_sealed(
        self, sealed: Sequence[PreparedEntry], progress: Progress | None = None
    ) -> None:
        """Project entries this desk has just sealed from memory, without opening them
        again, when they are exactly what the views lack; otherwise read the vault."""
        if not sealed:
            return
        kid = str(self.home.doc.get("desk"))
        with self._projecting():
            records = self._log_records()
            self._check_views_from_vault(records)
            done = self.views.projected_sizes()
            sizes = {k: len(lines) for k, lines in records.items()}
            seqs = [int(p.entry_row[2]) for p in sealed]
            others_done = all(done.get(k, 0) == n for k, n in sizes.items() if k != kid)
            if others_done and seqs == list(range(done.get(kid, 0), sizes.get(kid, 0))):
                self.views.apply(sealed, {kid: seqs[-1] + 1}, progress)
            else:  # others' entries first, or another process projected these already
                self._update_views(progress, records)

    def seal_audit(self, events: Sequence[dict[str, Any]]) -> SealReceipt:
        """Seal a batch of staff-app audit events as one ``audit`` entry, signed by this
        desk, and note it in the views (an audit entry changes no record)."""
        data = {"schema": "amanat-audit/1", "events": list(events)}
        with SealSession(self.vault, self.keys.signing_seed) as session:
            receipt = session.seal(entry_type="audit", data=data)
        entry = SealedEntry(
            receipt.entry_id, receipt.log, receipt.seq, receipt.time, "audit", data, ()
        )
        self._project_after_seal([prepare_entry(entry)])
        return receipt

    def uploads(self, *, limit: int = DEFAULT_UPLOAD_LIMIT) -> UploadRegistry:
        """The files this process is receiving in pieces (the intake web app), made on
        first use with ``limit`` bytes a file. Partial uploads left by an earlier
        process are deleted then: their keys died with it."""
        if self._uploads is None:
            clean_uploads(self.vault)
            recipients = self.vault.read_keyring().recipients()
            self._uploads = UploadRegistry(self.vault, recipients, limit=limit)
        return self._uploads

    def seal_intake(
        self, changes: Sequence[dict[str, Any]], files: Sequence[Finished], *, note: str = ""
    ) -> SealReceipt:
        """Seal one intake as one ``record`` entry naming the uploaded blobs (``files``,
        finished uploads, referred to by position in the changes), and project it."""
        data = record_data(changes, len(files))
        with SealSession(self.vault, self.keys.signing_seed) as session:
            receipt = session.seal(
                entry_type="record",
                note=note,
                data=data,
                sealed_files=[(f.blob, f.meta) for f in files],
            )
        self._project_after_seal([prepare_entry(_sealed_entry(receipt, data), checked=True)])
        return receipt

    def secret_box(self, purpose: str) -> SecretBox:
        """Seal small secrets (TOTP secrets) under a key derived from this desk's identity."""
        return SecretBox(self.keys, purpose)

    # -- reading -----------------------------------------------------------------------

    def search(self, query: read.Query) -> read.SearchResult:
        with self.engine.connect() as conn:
            return read.search(conn, query)

    def imported_before(self, sha256: str) -> tuple[str, str] | None:
        """(source id, time) of an earlier import of the list whose bytes have this
        SHA-256, or None (as far as the views have been updated)."""
        with self.engine.connect() as conn:
            found = read.sources_naming(conn, f"(SHA-256 {sha256})")
        return found[0] if found else None

    def testimonies_from(self, urls: Sequence[str]) -> dict[str, str]:
        """Which of these addresses a recorded testimony was published at, and its id."""
        with self.engine.connect() as conn:
            return read.testimonies_from(conn, urls)

    def recorded_documents(
        self, documents: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """Who holds each (kind, number) already, of those the views know."""
        with self.engine.connect() as conn:
            return read.recorded_documents(conn, documents)

    def unlinked_testimonies(
        self, *, names: Sequence[str] = (), words: str = "", page: Collection[str] = ()
    ) -> tuple[int, list[unlinked_testimonies.Unlinked]]:
        """The testimonies that concern no person yet (videos imported from a channel):
        how many, and those whose titles name ``names`` (or hold ``words``) first; with
        them, those about other persons whose titles do, but none of ``page`` (the
        testimonies already on the person's page)."""
        with self.engine.connect() as conn:
            return unlinked_testimonies.unlinked(conn, names=names, words=words, page=page)

    def linkable(self, testimony_id: str, page: Collection[str]) -> bool:
        """Whether ``testimony_id`` is a recorded testimony not among ``page``."""
        with self.engine.connect() as conn:
            return unlinked_testimonies.linkable(conn, testimony_id, page)

    def testimonies_to_link(
        self, progress: Callable[[int, int], object] | None = None
    ) -> list[ToLink]:
        """Every testimony linked to no one, with the person its title names best when
        one stands out (``amanat testimonies unlinked`` writes them as a list)."""
        with self.engine.connect() as conn:
            return unlinked_testimonies.to_link(conn, progress)

    def link_facts(self, testimony_ids: Collection[str], person_ids: Collection[str]) -> LinkFacts:
        """Which testimonies are recorded and whom they are about, and under which id
        each person record is shown (``amanat testimonies link`` checks a list by it)."""
        with self.engine.connect() as conn:
            return unlinked_testimonies.link_facts(conn, testimony_ids, person_ids)

    def similar(
        self,
        *,
        names: Sequence[str] = (),
        id_number: str = "",
        county: str = "",
        birth_year: int | None = None,
        limit: int = 5,
    ) -> list[lookalikes.Candidate]:
        """Persons already recorded that look like the one being typed (views/similar.py)."""
        with self.engine.connect() as conn:
            return lookalikes.candidates(
                conn,
                names=names,
                id_number=id_number,
                county=county,
                birth_year=birth_year,
                limit=limit,
            )

    def person(self, person_id: str) -> read.PersonDetail:
        with self.engine.connect() as conn:
            found = read.person(conn, person_id)
        if found is None:
            raise NotFound("No person %(id)s in this desk's database.", id=person_id[:40])
        return found

    def testimony_versions(self, testimony_id: str) -> list[Version]:
        """The versions of a testimony for a reviewer to settle (``read.testimony_versions``:
        the one shown, then each recorded again with other contents), with who signed
        each."""
        with self.engine.connect() as conn:
            versions = read.testimony_versions(conn, testimony_id)
        keys = self.vault.read_keyring().keys
        out = []
        for change in versions:
            key = keys.get(change.position.split("/", 1)[0])
            out.append(Version(change, key.role if key else "", key.name if key else ""))
        return out

    def shown_names(self, person_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """Each of ``person_ids`` the views know, with the id it is shown under and its
        name (``read.shown_names``)."""
        with self.engine.connect() as conn:
            return read.shown_names(conn, person_ids)

    def record_detail(self, record_id: str) -> read.PersonDetail:
        """What one person record says by itself, also once merged into another person
        (``compare.own_record``): for a reviewer who judges whether to split a merge.
        A record merged with no other is the person as shown."""
        with self.engine.connect() as conn:
            found = read.person(conn, record_id)
            if found is None:
                raise NotFound("No person %(id)s in this desk's database.", id=record_id[:40])
            if len(found.records) < 2:
                return found
            links = select(schema.links.c.subject).where(schema.links.c.person_id == record_id)
            own = compare.own_record(found, record_id, concerns=set(conn.execute(links).scalars()))
            code = own.person.get("hometown_code")
            if code and own.hometown is None:
                places = schema.places
                row = conn.execute(select(places).where(places.c.place_id == code)).first()
                own.hometown = None if row is None else dict(row._mapping)
        return own

    # -- review: decisions on pairs of person records ------------------------------------

    def decide(
        self,
        a: str,
        b: str,
        decision: str,
        reason: str,
        *,
        by: str | None,
        probability: str | None = None,
        model: str | None = None,
    ) -> str:
        """Seal a reviewer's decision on two person records (same, different or unsure)
        as a record entry, project it, and give the entry's id. ``same`` merges the two
        into one person; a later ``different`` on the pair splits them again. Nothing
        sealed before is changed (``docs/format/records.md``, "Merged persons")."""
        with self.engine.connect() as conn:
            for record in (a, b):
                if read.resolve(conn, record) is None:
                    raise NotFound("No person %(id)s in this desk's database.", id=record[:40])
        change = link_decided(a, b, decision, reason, by=by, probability=probability, model=model)
        data = {"schema": schema_for([change]), "changes": [change]}
        try:
            check_changes(data, 0)
        except FormatError as exc:
            raise InputError("this decision cannot be recorded: %(reason)s", reason=exc) from None
        with SealSession(self.vault, self.keys.signing_seed) as session:
            receipt = session.seal(entry_type="record", data=data)
        self._project_after_seal([prepare_entry(_sealed_entry(receipt, data), checked=True)])
        return receipt.entry_id

    def decisions(self, person_id: str) -> list[dict[str, Any]]:
        """Every decision on the person's records (an alias is followed), oldest first."""
        with self.engine.connect() as conn:
            if read.resolve(conn, person_id) is None:
                raise NotFound("No person %(id)s in this desk's database.", id=person_id[:40])
            return read.decisions(conn, person_id)

    def find_duplicates(
        self,
        *,
        settings: LinkSettings | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> list[Candidate]:
        """Run the linkage model over every person and keep the pairs it proposes in the
        review queue (replacing the last run's); nothing is merged (desk/duplicates.py)."""
        with self.engine.connect() as conn:
            found, _ = duplicates.candidate_pairs(conn, settings=settings, progress=progress)
        self.views.store_candidates(found, replace=True)
        return found

    def persons_to_link(self) -> list[dict[str, Any]]:
        """Every shown person as one linkage record (``duplicates.person_records``):
        what ``amanat link --desk`` links a list against."""
        with self.engine.connect() as conn:
            return duplicates.person_records(conn)

    def review_queue(
        self, *, outcome: str | None = "review", limit: int = 50, offset: int = 0
    ) -> read.ReviewQueue:
        """Candidate pairs no one has decided yet, most probable first."""
        with self.engine.connect() as conn:
            return read.review_queue(conn, outcome=outcome, limit=limit, offset=offset)

    def unsure_pairs(self, *, limit: int = 50) -> tuple[int, list[read.UnsurePair]]:
        """Pairs decided *unsure*, to look at again: how many, and the latest first."""
        with self.engine.connect() as conn:
            return read.unsure_pairs(conn, limit=limit)

    def candidate(self, a: str, b: str) -> read.CandidatePair | None:
        """The model's last estimate for a pair of person records, if it proposed it."""
        with self.engine.connect() as conn:
            return read.candidate(conn, a, b)

    # -- media, for the staff app's player ----------------------------------------------

    @functools.cached_property
    def _media(self) -> MediaShelf:
        return MediaShelf(self.home, self.engine, self.keys.identity)

    def media_info(self, blob_id: str) -> MediaInfo:
        """A testimony's sealed file as its entry describes it (type and size)."""
        return self._media.info(blob_id)

    def open_media(self, blob_id: str) -> OpenMedia:
        """A testimony's sealed file, checked, open for ranges decrypted in memory."""
        return self._media.open(blob_id)

    # -- mirrors: what is safe ------------------------------------------------------------

    def mirror_safety(self) -> safety.SafetyReport:
        """Each mirror and what it holds, and what is not yet on the quorum."""
        with self.engine.connect() as conn:
            return safety.safety_report(self.home, conn)

    def search_unsafe(self, query: read.Query) -> read.SearchResult:
        """``search``, only among persons not yet safe (on fewer mirrors than the quorum)."""
        _, safe_below = safety.thresholds(self.home)
        with self.engine.connect() as conn:
            return safety.search_unsafe(conn, query, safe_below)

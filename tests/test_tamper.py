"""Tampering with any one file of a vault is reported by ``verify``, with the file.

One template vault is built per module: an organisation with two trusted stations (so
two logs), entries with and without blobs, and the older checkpoints and keyring an
attacker could replay. Each example copies the template, changes one file in one way
(flipped bit, truncation, deletion, reordering or replay) and checks that
``verify_vault`` reports it, naming the changed file or a file that depends on it.

Mutations that cannot be detected from a single copy are excluded where they are drawn,
each with the reason (see ``draw_mutation``). A few of them are kept as explicit tests
that pin down what ``verify`` says instead (``test_one_checkpoint_behind_...``).
Every drawn mutation is checked to change at least one byte of the vault.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from amanat.vault import crypto, enrol, note
from amanat.vault.log import checkpoint_origin
from amanat.vault.org import key_id
from amanat.vault.seal import FileToSeal, seal_entry
from amanat.vault.store import Vault
from amanat.vault.verify import Problem, verify_vault
from conftest import make_org

# -- the template vault -------------------------------------------------------------------


@dataclass
class Template:
    root: Path
    files: list[str]  # every file of the vault, relative, sorted; no .lock, nothing in tmp/
    logs: dict[str, str]  # log key id -> station name
    # key id -> {checkpoint size: checkpoint bytes}, every checkpoint the log ever had
    checkpoints: dict[str, dict[int, bytes]] = field(default_factory=dict)
    old_keyring: bytes = b""  # the keyring before the second station was trusted

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def role(self, rel: str) -> str:
        if rel in ("AMANAT-VAULT", "org.json", "keyring.jsonl"):
            return rel
        if rel.startswith("logs/"):
            return "log" if rel.endswith("/log.jsonl") else "checkpoint"
        return "object"  # entries/XX/<id> and blobs/XX/<id>

    def peers(self, rel: str) -> list[str]:
        """The other files of the same kind (for swaps, moves and replays)."""
        return [f for f in self.files if f != rel and self.role(f) == self.role(rel)]

    def objects(self, kind: str) -> list[str]:
        return [f for f in self.files if f.startswith(f"{kind}/")]

    def log_file(self, kid: str, name: str) -> str:
        return f"logs/{kid}/{name}"

    def replayable_checkpoints(self, kid: str) -> list[int]:
        """Sizes of this log's checkpoints at least two seals old."""
        sizes = sorted(self.checkpoints[kid])
        return [s for s in sizes if s <= sizes[-1] - 2]


def _vault_files(root: Path) -> list[str]:
    out = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel != ".lock" and not rel.startswith("tmp/"):
            out.append(rel)
    return sorted(out)


def _seal(
    vault: Vault,
    seed: bytes,
    checkpoints: dict[int, bytes],
    files: Sequence[Path] = (),
    **kw: Any,
) -> None:
    """Seal one entry and keep the checkpoint it produced, for replay later."""
    receipt = seal_entry(vault, seed, [FileToSeal(f) for f in files], **kw)
    checkpoints[receipt.seq + 1] = vault.log(receipt.log).checkpoint_path.read_bytes()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Two stations with logs of 5 and 3 records, entries with and without blobs, a
    three-statement keyring, and every checkpoint each log ever had.

    Each log has at least two records and every keyring statement matters to a log,
    so that no single-file change falls into what one copy cannot show: a missing
    checkpoint of a one-record log reads as an interrupted first seal, and a keyring
    cut after a statement no log depends on is a valid, shorter keyring (the keyring has
    no signed checkpoint of its own)."""
    base = tmp_path_factory.mktemp("tamper-template")
    org = make_org(base)
    vault = org.station.vault()
    ring = vault.read_keyring()
    old_keyring = (vault.root / "keyring.jsonl").read_bytes()

    # A second station, trusted by the admin desk: a third keyring statement, a second log.
    seed2 = crypto.new_signing_seed()
    public2 = crypto.ed25519_public_key(seed2)
    kid2 = key_id(public2)
    vkey2 = note.vkey_string(checkpoint_origin(ring.org.org_id, kid2), public2)
    enrol.trust_station(org.desk, vkey2, org.desk_keys.signing_seed, name="office-2")
    enrol.update_from_export(org.station, org.org_export)
    kid1 = key_id(crypto.ed25519_public_key(org.station_seed))

    work = base / "plain"
    work.mkdir()
    for i, name in enumerate(["a.txt", "b.txt", "c.bin", "d.txt", "e.txt"]):
        (work / name).write_bytes(f"testimony {i}\n".encode() * (i + 1) + bytes(range(i * 7)))

    cps: dict[str, dict[int, bytes]] = {kid1: {}, kid2: {}}
    s1, s2 = org.station_seed, seed2
    _seal(vault, s1, cps[kid1], entry_type="note", note="first call")
    _seal(vault, s2, cps[kid2], [work / "d.txt"])
    _seal(vault, s1, cps[kid1], [work / "a.txt"], note="with a photo")
    _seal(vault, s2, cps[kid2], entry_type="note", note="follow-up")
    _seal(vault, s1, cps[kid1], [work / "b.txt", work / "c.bin"])
    _seal(vault, s2, cps[kid2], [work / "e.txt"])
    _seal(vault, s1, cps[kid1], entry_type="intake", data={"place": "Kharkiv"})
    _seal(vault, s1, cps[kid1], entry_type="note", note="last")

    tpl = Template(
        root=vault.root,
        files=_vault_files(vault.root),
        logs={kid1: "office-1", kid2: "office-2"},
        checkpoints=cps,
        old_keyring=old_keyring,
    )
    # The template itself is clean: nothing to report, nothing left over, nothing pending.
    report = verify_vault(vault.root)
    assert report.ok, report.problems
    assert report.notes == []
    assert [s.size for s in report.logs] == [len(cps[k]) for k in sorted(cps)]
    assert list((vault.root / "tmp").iterdir()) == []
    roles = {tpl.role(f) for f in tpl.files}
    assert roles == {"AMANAT-VAULT", "org.json", "keyring.jsonl", "log", "checkpoint", "object"}
    assert len(tpl.read("keyring.jsonl").splitlines()) >= 3
    assert tpl.objects("entries") and tpl.objects("blobs")
    for kid in tpl.logs:
        assert tpl.replayable_checkpoints(kid), "each log needs a checkpoint two seals old"
    return tpl


# -- mutations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    op: str
    path: str
    other: str = ""
    i: int = 0
    j: int = 0

    def apply(self, root: Path, tpl: Template) -> None:
        target = root / self.path
        data = tpl.read(self.path)
        match self.op:
            case "flip":  # flip bit i (of the whole file)
                buf = bytearray(data)
                buf[self.i // 8] ^= 1 << (self.i % 8)
                target.write_bytes(bytes(buf))
            case "xor-byte":  # change byte i by xor with j (1..255)
                buf = bytearray(data)
                buf[self.i] ^= self.j
                target.write_bytes(bytes(buf))
            case "truncate":  # keep the first i bytes
                target.write_bytes(data[: self.i])
            case "delete":
                target.unlink()
            case "swap-lines":  # swap the i-th and j-th newline-separated pieces
                parts = data.split(b"\n")
                parts[self.i], parts[self.j] = parts[self.j], parts[self.i]
                target.write_bytes(b"\n".join(parts))
            case "swap-files":
                target.write_bytes(tpl.read(self.other))
                (root / self.other).write_bytes(data)
            case "move":  # rename path to other's name, replacing it
                os.replace(target, root / self.other)
            case "copy-over":  # replay: path gets other's bytes (other stays)
                target.write_bytes(tpl.read(self.other))
            case "dup-line":  # replay line i again, inserted before line j
                lines = data.split(b"\n")[:-1]
                lines.insert(self.j, lines[self.i])
                target.write_bytes(b"".join(line + b"\n" for line in lines))
            case "old-checkpoint":  # replay this log's checkpoint of size i
                kid = self.path.split("/")[1]
                target.write_bytes(tpl.checkpoints[kid][self.i])
            case "old-keyring":
                target.write_bytes(tpl.old_keyring)
            case _:
                raise AssertionError(self.op)

    def allowed(self, where: str, tpl: Template) -> bool:
        """Whether a problem at ``where`` concerns the changed file(s) or what depends on them."""
        changed = [p for p in (self.path, self.other) if p]
        role = tpl.role(self.path)
        if role == "keyring.jsonl":
            # The keyring says which logs are trusted: a shorter or older keyring shows
            # as a log written by a key the organisation never trusted, and that log's
            # entries as named by no trusted record.
            return where == "keyring.jsonl" or where.startswith(("logs/", "entries/"))
        if role in ("log", "checkpoint"):
            # A lost or cut log leaves its entries named by no record.
            return where.startswith("entries/") or any(
                where.startswith(p.rsplit("/", 1)[0]) for p in changed
            )
        return where in changed

    def must_name(self, tpl: Template) -> list[str]:
        """Paths (or log folders) that at least one problem must name."""
        role = tpl.role(self.path)
        if role == "keyring.jsonl":
            return []  # either the keyring or a log it no longer trusts (see allowed)
        if role in ("log", "checkpoint"):
            dirs = [self.path.rsplit("/", 1)[0]]
            if self.op == "swap-files":
                dirs.append(self.other.rsplit("/", 1)[0])
            return dirs
        if self.op in ("swap-files", "move"):
            return [self.path, self.other]
        return [self.path]


def draw_mutation(data: st.DataObject, tpl: Template) -> Mutation:
    # A kind of file first, then one file of that kind by index, so that the one-off
    # files (marker, org file, keyring) are drawn as often as the many objects.
    role = data.draw(st.sampled_from(sorted({tpl.role(f) for f in tpl.files})), label="kind")
    path = data.draw(st.sampled_from([f for f in tpl.files if tpl.role(f) == role]), label="file")
    content = tpl.read(path)
    pieces = content.split(b"\n")
    ops = ["flip", "xor-byte", "truncate", "delete"]
    # Swapping two identical pieces changes nothing, so a file needs two different ones.
    if len(set(pieces)) >= 2:
        ops.append("swap-lines")
    peers = tpl.peers(path)
    if peers:
        ops += ["swap-files", "copy-over"]
    if role == "object":
        ops.append("move")
    if role in ("log", "keyring.jsonl"):
        ops.append("dup-line")
    if role == "checkpoint":
        ops.append("old-checkpoint")
    if role == "keyring.jsonl":
        ops.append("old-keyring")
    op = data.draw(st.sampled_from(ops), label="op")
    match op:
        case "flip":
            return Mutation(op, path, i=data.draw(st.integers(0, len(content) * 8 - 1)))
        case "xor-byte":
            offset = data.draw(st.integers(0, len(content) - 1))
            return Mutation(op, path, i=offset, j=data.draw(st.integers(1, 255)))
        case "truncate":
            # Truncating a file to its own length is no change: only shorter lengths.
            return Mutation(op, path, i=data.draw(st.integers(0, len(content) - 1)))
        case "swap-lines":
            i = data.draw(st.integers(0, len(pieces) - 1))
            # Excluded: swapping two byte-identical pieces (the file would not change).
            j = data.draw(st.sampled_from([k for k, p in enumerate(pieces) if p != pieces[i]]))
            return Mutation(op, path, i=i, j=j)
        case "swap-files" | "copy-over" | "move":
            return Mutation(op, path, other=data.draw(st.sampled_from(peers)))
        case "dup-line":
            n = len(pieces) - 1  # complete lines
            i = data.draw(st.integers(0, n - 1))
            return Mutation(op, path, i=i, j=data.draw(st.integers(0, n)))
        case "old-checkpoint":
            # Excluded: the checkpoint from exactly one seal earlier. One complete, validly
            # signed record beyond the checkpoint is what an interrupted seal leaves, so
            # that replay is indistinguishable from a crash (see the explicit test below).
            kid = path.split("/")[1]
            return Mutation(op, path, i=data.draw(st.sampled_from(tpl.replayable_checkpoints(kid))))
        case _:  # delete, old-keyring
            return Mutation(op, path)


def _tree(root: Path) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in _vault_files(root)}


def check_reported(tpl: Template, mutation: Mutation) -> list[Problem]:
    """Copy the template, apply ``mutation`` and check what verify reports."""
    with tempfile.TemporaryDirectory(prefix="amanat-tamper-") as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(tpl.root, root, copy_function=shutil.copyfile)
        mutation.apply(root, tpl)
        assert _tree(root) != _tree(tpl.root), f"{mutation} changed nothing"
        report = verify_vault(root)
    assert report.problems, f"{mutation} was not reported"
    stray = [p for p in report.problems if not mutation.allowed(p.where, tpl)]
    assert not stray, f"{mutation}: problems about files it did not touch: {stray}"
    wheres = [p.where for p in report.problems]
    for name in mutation.must_name(tpl):
        assert any(w == name or w.startswith(name + "/") for w in wheres), (
            f"{mutation}: no problem names {name}: {report.problems}"
        )
    return report.problems


# -- the property -------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_any_single_file_mutation_is_reported(template: Template, data: st.DataObject) -> None:
    """Given a clean vault with two logs, entries, blobs and a three-statement keyring,
    when one file is changed by a flipped bit, a truncation, a deletion, a reordering
    or a replay,
    then verify reports at least one problem, and every problem names the changed file
    or a file that depends on it."""
    mutation = draw_mutation(data, template)
    event(f"{mutation.op} {template.role(mutation.path)}")
    check_reported(template, mutation)


# -- the same classes, one readable example each -------------------------------------------


def _kid(tpl: Template, n: int) -> str:
    return sorted(tpl.logs)[n]


def _line_offset(tpl: Template, rel: str, line: int, needle: bytes) -> int:
    """Bit offset of the first byte of ``needle`` within line ``line`` of ``rel``."""
    data = tpl.read(rel)
    start = sum(len(x) + 1 for x in data.split(b"\n")[:line])
    return data.index(needle, start) * 8


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _padding_change(tpl: Template, rel: str, before: bytes) -> Mutation:
    """Change the last base64 digit before ``before`` to another digit that differs only
    in padding bits (a single bit flip where one exists): the decoded bytes stay the
    same, only the text changes. Such text was once accepted by verify."""
    data = tpl.read(rel)
    at = data.rindex(before) - 1
    pad_bits = 4 if before.startswith(b'=="') else 2  # 64-byte and 32-byte values
    digit = _B64.index(chr(data[at]))
    same = [c for c in _B64 if c != _B64[digit] and _B64.index(c) >> pad_bits == digit >> pad_bits]
    mask = min((ord(c) ^ data[at] for c in same), key=lambda m: (m.bit_count(), m))
    return Mutation("xor-byte", rel, i=at, j=mask)


EXAMPLES: dict[str, Callable[[Template], Mutation]] = {
    # flipped bits
    "flip-marker": lambda t: Mutation("flip", "AMANAT-VAULT", i=8 * 13),
    "flip-org-name": lambda t: Mutation(
        "flip", "org.json", i=_line_offset(t, "org.json", 0, b"Test")
    ),
    "flip-org-recovery": lambda t: Mutation(
        "flip", "org.json", i=_line_offset(t, "org.json", 0, b"age1") + 8 * 10
    ),
    # Base64 padding bits: the decoded signature and root key stay the same.
    "flip-org-signature-padding": lambda t: _padding_change(t, "org.json", b'=="'),
    "flip-org-root-key-padding": lambda t: _padding_change(t, "org.json", b'=","sig"'),
    "flip-last-keyring-signature-padding": lambda t: _padding_change(t, "keyring.jsonl", b'=="'),
    "flip-keyring-first-statement": lambda t: Mutation("flip", "keyring.jsonl", i=8 * 20),
    "flip-log-record": lambda t: Mutation(
        "flip",
        t.log_file(_kid(t, 0), "log.jsonl"),
        i=_line_offset(t, t.log_file(_kid(t, 0), "log.jsonl"), 2, b'"time"') + 8 * 10,
    ),
    "flip-log-final-newline": lambda t: Mutation(
        "flip",
        t.log_file(_kid(t, 1), "log.jsonl"),
        i=len(t.read(t.log_file(_kid(t, 1), "log.jsonl"))) * 8 - 7,
    ),
    "flip-checkpoint-size": lambda t: Mutation(
        "flip",
        t.log_file(_kid(t, 0), "checkpoint"),
        i=_line_offset(t, t.log_file(_kid(t, 0), "checkpoint"), 1, b""),
    ),
    "flip-entry": lambda t: Mutation("flip", t.objects("entries")[0], i=8 * 100 + 3),
    "flip-blob-last-bit": lambda t: Mutation(
        "flip", t.objects("blobs")[0], i=len(t.read(t.objects("blobs")[0])) * 8 - 1
    ),
    # truncations
    "truncate-marker-empty": lambda t: Mutation("truncate", "AMANAT-VAULT", i=0),
    "truncate-org-newline": lambda t: Mutation(
        "truncate", "org.json", i=len(t.read("org.json")) - 1
    ),
    "truncate-keyring-to-two-statements": lambda t: Mutation(
        "truncate", "keyring.jsonl", i=len(t.old_keyring)
    ),
    "truncate-keyring-to-first-statement": lambda t: Mutation(
        "truncate", "keyring.jsonl", i=t.read("keyring.jsonl").index(b"\n") + 1
    ),
    "truncate-keyring-empty": lambda t: Mutation("truncate", "keyring.jsonl", i=0),
    "truncate-log-drop-last-record": lambda t: Mutation(
        "truncate",
        t.log_file(_kid(t, 0), "log.jsonl"),
        i=t.read(t.log_file(_kid(t, 0), "log.jsonl")).rindex(b"\n", 0, -1) + 1,
    ),
    "truncate-log-mid-record": lambda t: Mutation(
        "truncate", t.log_file(_kid(t, 1), "log.jsonl"), i=50
    ),
    "truncate-log-empty": lambda t: Mutation("truncate", t.log_file(_kid(t, 1), "log.jsonl"), i=0),
    "truncate-checkpoint-empty": lambda t: Mutation(
        "truncate", t.log_file(_kid(t, 0), "checkpoint"), i=0
    ),
    "truncate-entry-empty": lambda t: Mutation("truncate", t.objects("entries")[-1], i=0),
    "truncate-blob-last-byte": lambda t: Mutation(
        "truncate", t.objects("blobs")[-1], i=len(t.read(t.objects("blobs")[-1])) - 1
    ),
    # deletions
    "delete-marker": lambda t: Mutation("delete", "AMANAT-VAULT"),
    "delete-org": lambda t: Mutation("delete", "org.json"),
    "delete-keyring": lambda t: Mutation("delete", "keyring.jsonl"),
    "delete-log": lambda t: Mutation("delete", t.log_file(_kid(t, 0), "log.jsonl")),
    "delete-checkpoint": lambda t: Mutation("delete", t.log_file(_kid(t, 1), "checkpoint")),
    "delete-entry": lambda t: Mutation("delete", t.objects("entries")[1]),
    "delete-blob": lambda t: Mutation("delete", t.objects("blobs")[1]),
    # reordering
    "swap-keyring-statements": lambda t: Mutation("swap-lines", "keyring.jsonl", i=1, j=2),
    "swap-log-records": lambda t: Mutation(
        "swap-lines", t.log_file(_kid(t, 0), "log.jsonl"), i=0, j=3
    ),
    "swap-checkpoint-lines": lambda t: Mutation(
        "swap-lines", t.log_file(_kid(t, 1), "checkpoint"), i=0, j=1
    ),
    "swap-logs": lambda t: Mutation(
        "swap-files", t.log_file(_kid(t, 0), "log.jsonl"), other=t.log_file(_kid(t, 1), "log.jsonl")
    ),
    "swap-checkpoints": lambda t: Mutation(
        "swap-files",
        t.log_file(_kid(t, 0), "checkpoint"),
        other=t.log_file(_kid(t, 1), "checkpoint"),
    ),
    "swap-entry-and-blob": lambda t: Mutation(
        "swap-files", t.objects("entries")[0], other=t.objects("blobs")[0]
    ),
    "move-entry-over-entry": lambda t: Mutation(
        "move", t.objects("entries")[0], other=t.objects("entries")[1]
    ),
    "move-blob-over-entry": lambda t: Mutation(
        "move", t.objects("blobs")[0], other=t.objects("entries")[2]
    ),
    # replay
    "replay-log-record-at-end": lambda t: Mutation(
        "dup-line", t.log_file(_kid(t, 0), "log.jsonl"), i=1, j=len(t.checkpoints[_kid(t, 0)])
    ),
    "replay-log-record-in-middle": lambda t: Mutation(
        "dup-line", t.log_file(_kid(t, 1), "log.jsonl"), i=0, j=1
    ),
    "replay-keyring-statement-at-end": lambda t: Mutation("dup-line", "keyring.jsonl", i=2, j=3),
    "replay-keyring-statement-first": lambda t: Mutation("dup-line", "keyring.jsonl", i=0, j=0),
    "replay-old-checkpoint": lambda t: Mutation(
        "old-checkpoint",
        t.log_file(_kid(t, 0), "checkpoint"),
        i=t.replayable_checkpoints(_kid(t, 0))[-1],
    ),
    "replay-first-checkpoint": lambda t: Mutation(
        "old-checkpoint", t.log_file(_kid(t, 1), "checkpoint"), i=1
    ),
    "replay-old-keyring": lambda t: Mutation("old-keyring", "keyring.jsonl"),
    "replay-log-over-other-log": lambda t: Mutation(
        "copy-over", t.log_file(_kid(t, 1), "log.jsonl"), other=t.log_file(_kid(t, 0), "log.jsonl")
    ),
    "replay-checkpoint-over-other": lambda t: Mutation(
        "copy-over",
        t.log_file(_kid(t, 1), "checkpoint"),
        other=t.log_file(_kid(t, 0), "checkpoint"),
    ),
    "replay-entry-over-entry": lambda t: Mutation(
        "copy-over", t.objects("entries")[3], other=t.objects("entries")[0]
    ),
    "replay-blob-over-blob": lambda t: Mutation(
        "copy-over", t.objects("blobs")[2], other=t.objects("blobs")[0]
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_named_mutation_is_reported(template: Template, name: str) -> None:
    """Given the clean template vault,
    when the named mutation is applied to one file,
    then verify reports it with the changed file or a file that depends on it."""
    check_reported(template, EXAMPLES[name](template))


def test_flip_or_loss_of_an_object_names_exactly_that_object(template: Template) -> None:
    """Given the clean template vault,
    when one entry or blob is flipped, truncated or deleted,
    then verify reports exactly one problem, at that object's path."""
    for rel in [*template.objects("entries")[:2], *template.objects("blobs")[:2]]:
        for mutation in (
            Mutation("flip", rel, i=0),
            Mutation("truncate", rel, i=1),
            Mutation("delete", rel),
        ):
            problems = check_reported(template, mutation)
            assert [p.where for p in problems] == [rel], mutation


def test_org_file_problems_are_not_blamed_on_the_keyring(template: Template) -> None:
    """Given the clean template vault,
    when a bit of the organisation's recovery recipient is flipped,
    then verify names org.json (not keyring.jsonl, as it once did)."""
    problems = check_reported(template, EXAMPLES["flip-org-recovery"](template))
    assert [p.where for p in problems] == ["org.json"]


def test_one_checkpoint_behind_reads_as_an_interrupted_seal(template: Template) -> None:
    """Given the clean template vault,
    when a log's checkpoint is replaced by the one from exactly one seal earlier,
    then verify cannot tell it from a seal interrupted before its checkpoint: no problem,
    one pending record and a note. (Excluded from the property for that reason; two or
    more seals back is reported, see ``replay-old-checkpoint``.)"""
    kid = _kid(template, 0)
    size = max(template.checkpoints[kid])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(template.root, root)
        Mutation("old-checkpoint", template.log_file(kid, "checkpoint"), i=size - 1).apply(
            root, template
        )
        report = verify_vault(root)
    assert report.ok
    summary = next(s for s in report.logs if s.log == kid)
    assert (summary.size, summary.pending) == (size - 1, 1)
    assert any("interrupted seal" in n for n in report.notes)

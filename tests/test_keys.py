"""Keys: trustee shares, the recovery identity, desk identities, hostile file names.

Written as Given / When / Then; the security properties are checked with hypothesis.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.cli import prompts
from amanat.errors import FormatError, ShareError, WrongPassphrase
from amanat.vault import copy, crypto, enrol, opening, seal
from amanat.vault.shares import read_share_text
from conftest import PASSPHRASE, Org

FIVE_SHARES = [crypto.split_secret(bytes(range(32)), threshold=3, count=5)]


@given(
    subset=st.sets(st.integers(min_value=0, max_value=4), min_size=1, max_size=5),
    order=st.randoms(),
)
def test_any_k_shares_restore_and_fewer_never_do(subset: set[int], order: object) -> None:
    """Given 5 shares with threshold 3, when any subset is combined (in any order), then
    3 or more give back the secret and fewer fail with a clear ShareError."""
    shares = [FIVE_SHARES[0][i] for i in sorted(subset)]
    order.shuffle(shares)  # type: ignore[attr-defined]
    if len(subset) >= 3:
        assert crypto.combine_shares(shares) == bytes(range(32))
    else:
        with pytest.raises(ShareError, match="3 different trustee shares are needed"):
            crypto.combine_shares(shares)


def test_every_subset_exhaustively() -> None:
    """The same, over all 31 non-empty subsets of 5 shares."""
    for size in range(1, 6):
        for combo in itertools.combinations(FIVE_SHARES[0], size):
            if size >= 3:
                assert crypto.combine_shares(list(combo)) == bytes(range(32))
            else:
                with pytest.raises(ShareError):
                    crypto.combine_shares(list(combo))


@given(
    position=st.integers(min_value=0, max_value=19),
    letter=st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
)
def test_a_mistyped_word_is_caught(position: int, letter: str) -> None:
    """Given a share with one word changed, then combining fails with ShareError
    (a word outside the list, or the RS1024 checksum), never a wrong secret."""
    words = FIVE_SHARES[0][0].split()
    position %= len(words)
    changed = words[position][:-1] + letter
    if changed == words[position]:
        return
    words[position] = changed
    with pytest.raises(ShareError):
        crypto.combine_shares([" ".join(words), *FIVE_SHARES[0][1:3]])


def test_share_text_accepts_what_a_trustee_types() -> None:
    """Given words typed back from paper with capitals, comments and line breaks, then
    they read as the same share."""
    words = FIVE_SHARES[0][0].split()
    typed = "# my share\n" + "\n".join(" ".join(words[i : i + 4]).upper() for i in range(0, 20, 4))
    typed += "\n" + " ".join(words[20:])
    assert crypto.combine_shares([read_share_text(typed), *FIVE_SHARES[0][1:3]]) == bytes(range(32))


def test_the_recovery_identity_opens_everything(org: Org, tmp_path: Path) -> None:
    """Given any 3 trustees' shares, when the recovery identity is rebuilt in memory,
    then it opens every entry and blob, with no desk at all."""
    source = tmp_path / "video.mp4"
    source.write_bytes(os.urandom(150_000))
    receipt = seal.seal_entry(
        org.station.vault(), org.station_seed, [seal.FileToSeal(source)], note="n"
    )
    org_file = org.station.vault().read_org()
    keys = enrol.keys_from_shares(org_file, [org.shares[4], org.shares[0], org.shares[2]])
    vault = org.station.vault()
    entry = opening.open_entry(vault, receipt.entry_id, [keys.recovery_identity])
    out = opening.write_files(vault, entry, [keys.recovery_identity], tmp_path / "out")
    assert out[0].read_bytes() == source.read_bytes()


def test_the_recovery_identity_is_never_written(org: Org) -> None:
    """Given a freshly created organisation, then neither the recovery identity nor the
    root signing key appears anywhere on disk: home, shares folder, or station."""
    keys = enrol.keys_from_shares(org.desk.vault().read_org(), org.shares[:3])
    secrets = [
        keys.recovery_identity.encode(),
        keys.recovery_identity.lower().encode(),
        keys.root_seed,
    ]
    for path in org.base.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret not in data, path


def test_desk_identity_is_a_standard_age_passphrase_file(org: Org) -> None:
    """Given a desk's identity file, when pyrage (not our code) decrypts it with the
    passphrase, then it holds the age identity whose recipient the keyring names."""
    data = (org.desk.keys_dir / "desk-identity.age").read_bytes()
    assert data.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    plain = bytes(pyrage.passphrase.decrypt(data, PASSPHRASE)).decode()
    identity = next(line for line in plain.splitlines() if line.startswith("AGE-SECRET-KEY-1"))
    ring = org.desk.vault().read_keyring()
    assert crypto.recipient_of(identity) in ring.recipients()
    assert identity == org.desk_keys.identity


def test_a_wrong_passphrase_is_refused(org: Org) -> None:
    with pytest.raises(WrongPassphrase, match="Wrong passphrase"):
        org.desk.desk_identity("not it")


_SEALED_KEY = crypto.passphrase_encrypt(b"AGE-SECRET-KEY-1EXAMPLE\n", "right", work_factor=10)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600))
def test_a_file_that_is_no_passphrase_file_is_not_called_a_wrong_passphrase(data: bytes) -> None:
    """Given any bytes that are not shaped as an age passphrase file (garbage, another
    kind of file, an empty one), when a passphrase is tried on them, then the error says
    the file is damaged or the wrong one (exit 7), never "wrong passphrase": a trustee
    must not retype a passphrase that was right."""
    with pytest.raises(FormatError, match="damaged or is not a passphrase-protected age file"):
        crypto.passphrase_decrypt(data, "right")


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_damaged_key_file_never_opens_to_something_else(data: st.DataObject) -> None:
    """Given a key file sealed with a passphrase, when it is cut short anywhere or one
    byte of it is changed, and the right passphrase is tried, then it opens to exactly
    what was sealed (a change the armour ignores, such as a line break) or fails with one
    of the two sentences: the file is damaged, or the passphrase is wrong (age cannot
    tell a damaged body from a wrong passphrase); nothing else, and never other bytes."""
    sealed = bytearray(_SEALED_KEY)
    if data.draw(st.booleans(), label="cut"):
        sealed = sealed[: data.draw(st.integers(0, len(sealed) - 1), label="at")]
    else:
        at = data.draw(st.integers(0, len(sealed) - 1), label="at")
        sealed[at] = data.draw(st.integers(0, 255).filter(lambda b: b != sealed[at]))
    try:
        plain = crypto.passphrase_decrypt(bytes(sealed), "right")
    except (FormatError, WrongPassphrase):
        return
    assert plain == b"AGE-SECRET-KEY-1EXAMPLE\n"


def test_the_right_file_and_passphrase_still_open_and_a_wrong_one_is_said_so() -> None:
    """Given a key file sealed by Amanat and one sealed by age itself (pyrage), when the
    right passphrase is given, then both open; with a wrong one, "wrong passphrase"."""
    by_age = bytes(pyrage.passphrase.encrypt(b"secret", "right"))
    assert crypto.passphrase_decrypt(by_age, "right") == b"secret"
    assert crypto.passphrase_decrypt(_SEALED_KEY, "right") == b"AGE-SECRET-KEY-1EXAMPLE\n"
    with pytest.raises(WrongPassphrase):
        crypto.passphrase_decrypt(_SEALED_KEY, "wrong")


def test_a_garbled_desk_identity_file_says_so(org: Org) -> None:
    """Given a desk whose identity file was overwritten (a disk error, a wrong copy),
    when the desk is unlocked with the right passphrase, then it says the key file is
    damaged, not that the passphrase is wrong."""
    path = org.desk.keys_dir / "desk-identity.age"
    path.write_bytes(path.read_bytes()[:120])
    with pytest.raises(FormatError, match="damaged"):
        org.desk.desk_identity(PASSPHRASE)


@given(name=st.text(max_size=300))
def test_hostile_file_names_stay_in_their_folder(name: str) -> None:
    """Given any file name a station might receive (path tricks, control characters,
    dots, empty), when it is cleaned, then it is one plain, non-empty path component."""
    clean = seal.clean_file_name(name)
    assert clean and "/" not in clean and "\\" not in clean and "\x00" not in clean
    assert not clean.startswith(".")
    assert all(not (0 <= ord(c) < 32) for c in clean)
    assert len(clean) <= 200


def test_opened_files_never_escape_or_overwrite(org: Org, tmp_path: Path) -> None:
    """Given a sealed file named '../../escape.txt', when opened into a folder that
    already holds a file of that name, then it lands inside, beside the old one."""
    source = tmp_path / "payload"
    source.write_bytes(b"sealed")
    receipt = seal.seal_entry(
        org.station.vault(),
        org.station_seed,
        [seal.FileToSeal(source, name="../../escape.txt")],
    )
    copy.pull_vault(org.desk.vault(), org.station.path / "vault")
    entry = opening.open_entry(org.desk.vault(), receipt.entry_id, [org.desk_keys.identity])
    out = tmp_path / "case"
    out.mkdir()
    (out / "escape.txt").write_bytes(b"keep me")
    written = opening.write_files(org.desk.vault(), entry, [org.desk_keys.identity], out)
    assert written == [out / "escape (2).txt"]
    assert (out / "escape.txt").read_bytes() == b"keep me"
    assert not (tmp_path.parent / "escape.txt").exists()


@given(
    which=st.integers(min_value=0, max_value=4),
    cut=st.lists(st.integers(min_value=4, max_value=8), min_size=33, max_size=33),
    numbered=st.sampled_from(["", "{n}. ", "{n}) ", "{n} ", "({n}) "]),
    per_line=st.integers(min_value=1, max_value=7),
    bom=st.booleans(),
    upper=st.booleans(),
)
def test_a_share_reads_back_however_a_trustee_wrote_it(
    which: int, cut: list[int], numbered: str, per_line: int, bom: bool, upper: bool
) -> None:
    """Given a share written as a trustee might (numbered as the printed page numbers
    it, each word cut to its first four letters or more, several per line, in capitals,
    saved by Notepad with a byte-order mark), when it is read, then it is exactly the
    share: SLIP-39 words are told apart by their first four letters."""
    words = FIVE_SHARES[0][which].split()
    typed = [numbered.format(n=n) + w[: cut[n - 1]] for n, w in enumerate(words, start=1)]
    lines = [" ".join(typed[i : i + per_line]) for i in range(0, len(typed), per_line)]
    text = ("\ufeff" if bom else "") + "# Amanat recovery share\n" + "\n".join(lines)
    assert read_share_text(text.upper() if upper else text) == FIVE_SHARES[0][which]


def test_a_share_typed_at_the_prompt_is_checked_before_the_next_trustee(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Given trustees typing at a terminal (hidden): the first pastes a share file with
    its # header over several lines, the second mistypes a word; when the shares are
    asked for, then the first is taken whole and the second is refused at once, naming
    it; given share files, a folder or a file with a wrong word is named by its name."""
    words = FIVE_SHARES[0][0].split()
    typed = iter(
        ["# Amanat recovery share 1 of 5", " ".join(words[:7]), " ".join(words[7:]), "zzzz " * 33]
    )
    monkeypatch.setattr(prompts.getpass, "getpass", lambda _label: next(typed))
    monkeypatch.setattr(prompts.sys.stdin, "isatty", lambda: True)
    with pytest.raises(ShareError, match="Share 2 is not valid"):
        prompts.ask_shares(None)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ShareError, match="folder is a folder"):
        prompts.ask_shares([str(tmp_path / "folder")])
    bad = tmp_path / "share-4.txt"
    bad.write_text(" ".join(["academic", *FIVE_SHARES[0][3].split()[1:]]), encoding="utf-8")
    with pytest.raises(ShareError, match=r"share-4\.txt is not valid"):
        prompts.ask_shares([str(bad)])
    good = iter(["# header", " ".join(words[:10]), " ".join(words[10:]), ""])
    monkeypatch.setattr(prompts.getpass, "getpass", lambda _label: next(good))
    assert prompts.ask_shares(None) == [FIVE_SHARES[0][0]]

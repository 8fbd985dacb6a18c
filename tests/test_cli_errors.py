"""Every mistake a person can make gets one clear line, never a traceback.

Each test runs the real ``amanat`` command in a subprocess, as a volunteer would, and
checks: a non-zero exit code from the error's class, exactly one line on stderr that
starts with ``amanat:``, no "Traceback", and no secret echoed back.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amanat import cli
from amanat.cli import main as main_module
from amanat.cli import words
from amanat.cli.progress import stopped_by_signals
from amanat.errors import (
    HomeError,
    InputError,
    KeyError_,
    NotFound,
    RoleError,
    ShareError,
    UntrustedKey,
    UsageError,
)
from amanat.vault import crypto, enrol, seal
from conftest import PASSPHRASE, Org


def amanat(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def one_line_error(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("amanat: ")
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


def test_wrong_passphrase(org: Org, cli_env: dict[str, str]) -> None:
    """Given a desk, when the wrong passphrase is given, then one line says so."""
    receipt = seal.seal_entry(org.station.vault(), org.station_seed, [], note="n")
    env = {**cli_env, "AMANAT_PASSPHRASE": "wrong horse"}
    pulled = amanat(
        cli_env, "pull", "--home", str(org.desk.path), "--from", str(org.station.path / "vault")
    )
    assert pulled.returncode == 0, pulled.stderr
    done = amanat(env, "open", "--home", str(org.desk.path), receipt.entry_id[:12])
    line = one_line_error(done, KeyError_.exit_code, "wrong passphrase")
    assert "wrong horse" not in line


def test_too_few_shares(org: Org, cli_env: dict[str, str]) -> None:
    """Given 2 of 5 shares where 3 are needed, then one line says how many are needed."""
    files = [str(p) for p in org.share_files[:2]]
    done = amanat(cli_env, "shares", "check", "--org", str(org.org_export), "--shares", *files)
    one_line_error(done, ShareError.exit_code, "3 different trustee shares are needed", "2")


def test_mistyped_share_word(org: Org, cli_env: dict[str, str], tmp_path: Path) -> None:
    """Given a share with one word misspelt, then one line names the share and the word."""
    words = org.shares[0].split()
    secret_word = words[4]
    words[4] = words[4][:-1] + ("x" if words[4][-1] != "x" else "y")
    bad = tmp_path / "share-typo.txt"
    bad.write_text(" ".join(words))
    files = [str(bad), str(org.share_files[1]), str(org.share_files[2])]
    done = amanat(cli_env, "shares", "check", "--org", str(org.org_export), "--shares", *files)
    line = one_line_error(done, ShareError.exit_code, "share-typo.txt", "word 5")
    assert secret_word not in line


def test_swapped_share_words_fail_the_checksum(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    words = org.shares[0].split()
    i = next(i for i in range(4, len(words) - 1) if words[i] != words[i + 1])
    words[i], words[i + 1] = words[i + 1], words[i]
    bad = tmp_path / "share-swap.txt"
    bad.write_text(" ".join(words))
    done = amanat(
        cli_env,
        "shares",
        "check",
        "--org",
        str(org.org_export),
        "--shares",
        str(bad),
        str(org.share_files[1]),
        str(org.share_files[2]),
    )
    one_line_error(done, ShareError.exit_code, "share-swap.txt", "checksum")


def test_shares_of_another_organisation(org: Org, cli_env: dict[str, str], tmp_path: Path) -> None:
    other = enrol.init_org(
        tmp_path / "other",
        name="Other",
        trustees=3,
        threshold=2,
        passphrase=PASSPHRASE,
        shares_dir=tmp_path / "other-shares",
        work_factor=10,
    )
    done = amanat(
        cli_env,
        "shares",
        "check",
        "--org",
        str(org.org_export),
        "--shares",
        *[str(p) for p in other.share_files[:2]],
    )
    one_line_error(done, ShareError.exit_code, "another organisation")


def test_enough_shares_pass(org: Org, cli_env: dict[str, str]) -> None:
    done = amanat(
        cli_env,
        "shares",
        "check",
        "--org",
        str(org.org_export),
        "--shares",
        *[str(p) for p in org.share_files[2:5]],
    )
    assert done.returncode == 0, done.stderr


def test_untrusted_station_cannot_seal(org: Org, cli_env: dict[str, str], tmp_path: Path) -> None:
    """Given a station no desk has trusted, when it seals, then one line says to ask a desk."""
    enrol.create_station(tmp_path / "rogue", org.org_export, name="rogue")
    done = amanat(cli_env, "seal", "--home", str(tmp_path / "rogue"), "--note", "x")
    one_line_error(done, UntrustedKey.exit_code, "not trusted")
    assert not list((tmp_path / "rogue" / "vault" / "entries").rglob("*/*"))


@pytest.mark.parametrize(
    ("make_args", "code", "words"),
    [
        (
            lambda o, t: ["seal", "--home", str(o.station.path), str(t / "missing.mp4")],
            InputError.exit_code,
            ["not found"],
        ),
        (
            lambda o, t: ["seal", "--home", str(o.station.path), str(t)],
            InputError.exit_code,
            ["folder"],
        ),
        (
            lambda o, t: ["seal", "--home", str(t / "nowhere")],
            HomeError.exit_code,
            ["not an amanat home"],
        ),
        (lambda o, t: ["seal", "--home", str(o.desk.path)], RoleError.exit_code, ["not a station"]),
        (
            lambda o, t: ["open", "--home", str(o.station.path), "deadbeef"],
            RoleError.exit_code,
            ["not a desk"],
        ),
        (
            lambda o, t: ["open", "--home", str(o.desk.path), "deadbeef00"],
            NotFound.exit_code,
            ["no entry"],
        ),
        (
            lambda o, t: ["open", "--home", str(o.desk.path), "../../etc"],
            NotFound.exit_code,
            ["hexadecimal"],
        ),
        (
            lambda o, t: ["seal", "--home", str(o.station.path), "--data", str(t / "bad.json")],
            UsageError.exit_code,
            ["not valid json"],
        ),
        (
            lambda o, t: ["init", str(o.desk.path), "--trustees", "5", "--threshold", "3"],
            HomeError.exit_code,
            ["not empty"],
        ),
        (
            lambda o, t: ["init", str(t / "new"), "--trustees", "3", "--threshold", "5"],
            ShareError.exit_code,
            ["threshold"],
        ),
        (
            lambda o, t: ["station", "create", str(t / "s2"), "--org", str(t / "bad.json")],
            7,
            ["not valid"],
        ),
    ],
    ids=[
        "missing-file",
        "folder",
        "no-home",
        "desk-cannot-seal",
        "station-cannot-open",
        "unknown-entry",
        "path-trick-entry",
        "bad-json",
        "home-exists",
        "bad-threshold",
        "bad-org-file",
    ],
)
def test_bad_input_gets_one_clear_line(
    org: Org, cli_env: dict[str, str], tmp_path: Path, make_args, code: int, words: list[str]
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    done = amanat(cli_env, *make_args(org, tmp_path))
    one_line_error(done, code, *words)


def test_a_station_key_from_another_org_is_refused(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    other = enrol.init_org(
        tmp_path / "other",
        name="Other",
        trustees=2,
        threshold=2,
        passphrase=PASSPHRASE,
        shares_dir=tmp_path / "os",
        work_factor=10,
    )
    _, vkey = enrol.create_station(tmp_path / "st", other.org_export, name="x")
    done = amanat(cli_env, "station", "trust", "--home", str(org.desk.path), vkey)
    one_line_error(done, UsageError.exit_code, "another organisation")


def test_recipient_validation_is_strict() -> None:
    with pytest.raises(KeyError_):
        crypto.validate_recipient("age1notarealrecipient")


def test_ctrl_c_while_the_commands_load_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the `amanat` entry point still loading its commands (a second and more on
    an old laptop), when Ctrl-C comes, then one line and exit status 130, no traceback."""

    real = cli.importlib.import_module

    def interrupted(name: str) -> object:
        if name == "amanat.cli.main":  # the commands; the catalogue is read before them
            raise KeyboardInterrupt
        return real(name)

    monkeypatch.setattr(cli.importlib, "import_module", interrupted)
    assert cli.run(["status"]) == 130
    err = capsys.readouterr().err
    assert err == "amanat: stopped before it began; nothing was done.\n"
    # in the volunteer's language, from the environment or --lang
    monkeypatch.setenv("AMANAT_LANG", "kk")
    assert cli.run(["status"]) == 130
    assert capsys.readouterr().err == "amanat: басталмай тұрып тоқтатылды; ештеңе істелмеді.\n"
    assert cli.run(["--lang", "ru", "status"]) == 130
    assert capsys.readouterr().err == "amanat: остановлено до начала; ничего не сделано.\n"


def test_ctrl_c_while_the_command_line_is_read_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the commands loaded and the command line being read (building the parser
    took past 0.3 s on a slow machine, where the real command's Ctrl-C came), when
    Ctrl-C comes, then one line in the volunteer's language and exit status 130, no
    traceback."""

    def interrupted() -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(main_module, "build_parser", interrupted)
    assert main_module.main(["status"]) == 130
    assert capsys.readouterr().err == "amanat: stopped before it began; nothing was done.\n"
    assert main_module.main(["--lang", "ru", "status"]) == 130
    assert capsys.readouterr().err == "amanat: остановлено до начала; ничего не сделано.\n"


@pytest.mark.parametrize("after", ["loading", "at-the-prompt"])
def test_ctrl_c_is_one_line_whenever_it_comes(
    org: Org, cli_env: dict[str, str], tmp_path: Path, after: str
) -> None:
    """Given the real `amanat` command, its commands loading (0.3 s in) or waiting for its
    passphrase file (a pipe nobody writes to, once the command has opened it), when
    Ctrl-C comes, then it stops with exit status 130 and one line, never a Python
    traceback."""
    entry = Path(sys.executable).with_name("amanat")
    if not entry.exists():
        pytest.skip("the amanat command is not installed beside this Python")
    listing = tmp_path / "list.csv"
    listing.write_text("name\nSerik\n", "utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_latin: name\n", "utf-8")
    env = {k: v for k, v in cli_env.items() if k != "AMANAT_PASSPHRASE"}
    waiting = tmp_path / "passphrase"
    os.mkfifo(waiting)
    command = [str(entry), "import", str(listing), "--mapping", str(mapping)]
    process = subprocess.Popen(
        [*command, "--home", str(org.desk.path), "--passphrase-file", str(waiting)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    writer = None
    if after == "loading":
        time.sleep(0.3)
    else:
        # Wait until the command opens the pipe to read (however long loading takes on
        # this machine), and hold it open without writing: the command waits on it.
        deadline = time.monotonic() + 60
        while writer is None:
            assert process.poll() is None and time.monotonic() < deadline, "never read it"
            try:
                writer = os.open(waiting, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:  # ENXIO: nobody reads it yet
                assert e.errno == errno.ENXIO, e
                time.sleep(0.05)
        time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=30)
    finally:
        if writer is not None:
            os.close(writer)
    assert process.returncode == 130, err
    assert "Traceback" not in err + out
    assert err.startswith("amanat: stopped") and len(err.strip().splitlines()) == 1, err
    if after == "at-the-prompt":
        assert "before it began" not in err, err


def test_a_stop_a_library_turns_into_its_own_error_is_still_a_stop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a command that catches the Ctrl-C itself and raises an error of its own
    (Splink turns an interrupted query into a SplinkException), when Ctrl-C comes, then
    amanat says it stopped, with status 130, not "unexpected internal error"; and an
    error of the same kind without a Ctrl-C is still an internal error."""

    def interrupted(args: object, settings: object) -> int:
        with stopped_by_signals():
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
            except KeyboardInterrupt:
                raise RuntimeError("the query was interrupted") from None
        return 0

    def failing(args: object, settings: object) -> int:
        with stopped_by_signals():
            raise RuntimeError("a bug")

    for command, status, said in ((interrupted, 130, "stopped"), (failing, 1, "unexpected")):
        monkeypatch.setattr(main_module, "load_command", lambda name, c=command: c)
        assert main_module.main(["status"]) == status
        err = capsys.readouterr().err
        assert err.startswith(f"amanat: {said}") and "query" not in err, err


def test_counts_are_grouped_as_the_language_writes_them() -> None:
    """Given a count of twenty thousand, then Kazakh and Russian write 20 000 (their
    comma is a decimal mark), English 20,000."""
    try:
        for language, shown in (("en", "20,000"), ("kk", "20\u00a0000"), ("ru", "20\u00a0000")):
            words.use(language)
            assert words.number(20_000) == shown
            assert words.number(999) == "999"
    finally:
        words.use("en")

"""Progress bars of the command line, as a person at a terminal sees them.

Given / When / Then.
"""

from __future__ import annotations

import io
import re

from amanat.cli.progress import LINK_STEPS, linking_progress


class Terminal(io.StringIO):
    """What a terminal is shown: a stream that says it is one."""

    def isatty(self) -> bool:
        return True


def _frames(shown: str) -> list[str]:
    return [frame for frame in re.split(r"[\r\n]", shown) if frame.strip()]


def test_a_linkage_run_shows_its_names_keyed_then_its_steps() -> None:
    """Given a run over 10,000 names reporting as linkage.link does (keying in chunks,
    then ("prepare", 1, 1) when keying ends, then each step), then the terminal shows
    the keying bar rising to 100 % and never falling back, then "Linking" to 4 / 4
    steps, each bar ending its line."""
    shown = Terminal()
    report = linking_progress(shown)
    for done in range(1000, 10_001, 1000):
        report("prepare", done, 10_000)
    report("prepare", 1, 1)
    for step in LINK_STEPS:
        report(step, 1, 1)
    frames = _frames(shown.getvalue())
    keying = [f for f in frames if f.startswith("Keying names")]
    shares = [int(re.search(r"(\d+)%", f).group(1)) for f in keying]  # type: ignore[union-attr]
    assert shares == sorted(shares) and shares[-1] == 100
    assert frames[-1].startswith("Linking") and "4 / 4 steps" in frames[-1]
    assert shown.getvalue().endswith("\n") and shown.getvalue().count("\n") == 2


def test_a_small_list_draws_no_bar() -> None:
    """Given a list of 20 names, then no bar is drawn: it is over before one could be read."""
    shown = Terminal()
    report = linking_progress(shown)
    report("prepare", 20, 20)
    report("prepare", 1, 1)
    for step in LINK_STEPS:
        report(step, 1, 1)
    assert shown.getvalue() == ""

"""The ``amanat`` command.

``run`` is its entry point. Loading a desk's commands takes a second and more on an old
laptop (a station's, a few tenths: ``tests/test_cli_startup.py``); Ctrl-C meanwhile
stops with one line, not a Python traceback. It stops at once: nothing has been done
yet, and a KeyboardInterrupt raised inside Python's import machinery can leave a module
lock held, so that the command hangs instead of stopping.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

__all__ = ["run"]


def N_(message: str) -> str:
    return message


_LINE = N_("stopped before it began; nothing was done.")
_before = f"amanat: {_LINE}\n".encode()  # in the volunteer's language once it is known


def _stopped_while_loading(signum: int, frame: FrameType | None) -> None:
    os.write(2, _before)
    os._exit(130)


def _in_language(argv: Sequence[str]) -> bytes:
    """The line in the language the command will speak (the catalogue is read first,
    with the handler in place: a Ctrl-C meanwhile says it in English)."""
    parsing = importlib.import_module("amanat.cli.parsing")
    i18n = importlib.import_module("amanat.i18n")
    language = i18n.from_environment(os.environ, parsing.language_given(argv))
    return f"amanat: {i18n.translator(language).gettext(_LINE)}\n".encode()


def run(argv: Sequence[str] | None = None) -> int:
    global _before
    main_thread = threading.current_thread() is threading.main_thread()
    loading = main_thread and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if loading:
        signal.signal(signal.SIGINT, _stopped_while_loading)
    try:
        _before = _in_language(sys.argv[1:] if argv is None else argv)
        main = importlib.import_module("amanat.cli.main").main
    except KeyboardInterrupt:
        print(_before.decode().strip(), file=sys.stderr)
        return 130
    finally:
        if loading:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    code: int = main(argv)
    return code

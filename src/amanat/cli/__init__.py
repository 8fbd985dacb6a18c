"""The ``amanat`` command.

``run`` is its entry point. Loading the commands takes about a second and a half on an
old laptop; Ctrl-C meanwhile stops with one line, not a Python traceback. It stops at
once: nothing has been done yet, and a KeyboardInterrupt raised inside Python's import
machinery can leave a module lock held, so that the command hangs instead of stopping.
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

_BEFORE = b"amanat: stopped before it began; nothing was done.\n"


def _stopped_while_loading(signum: int, frame: FrameType | None) -> None:
    os.write(2, _BEFORE)
    os._exit(130)


def run(argv: Sequence[str] | None = None) -> int:
    main_thread = threading.current_thread() is threading.main_thread()
    loading = main_thread and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if loading:
        signal.signal(signal.SIGINT, _stopped_while_loading)
    try:
        main = importlib.import_module("amanat.cli.main").main
    except KeyboardInterrupt:
        print(_BEFORE.decode().strip(), file=sys.stderr)
        return 130
    finally:
        if loading:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    code: int = main(argv)
    return code

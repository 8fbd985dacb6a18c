"""How every command prints its result: plain words for people, JSON for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["print_result"]


def print_result(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print ``data`` as JSON when ``--json`` was given, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)

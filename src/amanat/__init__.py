"""Amanat: a sealed, signed, mirrored testimony archive.

*Amanat* (аманат, ئامانەت): something entrusted to you for safekeeping.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "imported_on_use"]


def imported_on_use(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` (PEP 562) that imports a name's submodule the first
    time the name is asked for: ``homes`` maps each name to its submodule.

    A command loads only what it uses: a station's ``amanat seal`` needs the vault,
    not the desk's views, names and linkage that a package's eager imports would bring
    (a second and more of start-up on an old laptop)."""

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return attribute

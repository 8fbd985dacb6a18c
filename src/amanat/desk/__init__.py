"""Desk services: the vault, the views and the records domain composed for one desk.

The CLI and the staff web app call these; they never reach into the vault or the
views database themselves (ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from amanat.desk.service import Desk, views_key

__all__ = ["Desk", "views_key"]

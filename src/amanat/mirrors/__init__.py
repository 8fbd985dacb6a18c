"""Mirrors: copies of a home's sealed files on a folder or an S3-compatible store
(``sync``, ``restore``, ``status``, ``drill``, ``panic``; where each mirror is, in
``config``).

The S3 store's names load on first use: boto3 takes a fifth of a second to import,
and most commands (every station command, a desk's lists and imports) never reach a
mirror on S3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amanat import imported_on_use

if TYPE_CHECKING:
    from amanat.mirrors.s3 import S3Location, S3Store

__all__ = ["S3Location", "S3Store"]

__getattr__ = imported_on_use(__name__, {"S3Location": "s3", "S3Store": "s3"})

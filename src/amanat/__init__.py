"""Amanat: a sealed, signed, mirrored testimony archive.

*Amanat* (аманат, ئامانەت): something entrusted to you for safekeeping.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

"""The media player's one route: ``GET /media/{blob_id}``, a testimony's sealed file
decrypted on the fly, with HTTP range requests (RFC 9110, section 14).

Nothing is written to disk: the desk decrypts the chunks covering the asked range in
memory (``Desk.open_media``) and the response streams them. What the browser is told:

* ``Content-Type`` from the sealed file's description, only for the kinds a browser
  plays itself (``PLAYABLE``); any other file is refused (415) rather than downloaded,
  which would leave plaintext in the downloads folder: open it with ``amanat open``.
* ``Content-Disposition: inline`` without a file name (a name may carry a person's).
* ``Cache-Control: no-store``, so the browser keeps no copy in its disk cache; a
  sandboxing ``Content-Security-Policy`` and ``Cross-Origin-Resource-Policy:
  same-origin``, so the file cannot run as a page or be embedded by another site.
* ``Accept-Ranges: bytes``. One range (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) gets
  206 with ``Content-Range``; a range starting at or past the end (or ``-0``) gets 416
  with ``Content-Range: bytes */SIZE``. Several ranges, a malformed header, another
  unit, or an ``If-Range`` (no validator is ever sent, so none can match) get the
  whole file with 200: RFC 9110 lets a server ignore a Range header, and browsers ask
  for one range at a time.

Every decryption is audited (``decrypt``, the blob id as target: never a name), at most
once per account and file in ``AUDIT_EVERY_S`` seconds, so a film watched with a dozen
seeks is one event, not a dozen.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from amanat.web.staff.sessions import Session
from amanat.web.staff.state import staff

__all__ = ["PLAYABLE", "kind_of", "media", "parse_range"]

# The media types a browser shows itself, without a plug-in or a download.
PLAYABLE = {
    "video/mp4": "video",
    "video/webm": "video",
    "video/ogg": "video",
    "video/quicktime": "video",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "audio/webm": "audio",
    "audio/wav": "audio",
    "audio/x-wav": "audio",
    "audio/flac": "audio",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "image",
}
MEDIA_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
AUDIT_EVERY_S = 600.0
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def N_(message: str) -> str:
    """Mark a message for the catalogues (scripts/i18n.py extract); error.html translates."""
    return message


NOT_PLAYABLE = N_("This file cannot be shown in the browser; open it on the desk with amanat open.")
# What the desk says when a file cannot be played, put in the catalogues from here.
DESK_MESSAGES = (
    N_("No such sealed file in this desk's testimonies."),
    N_("This sealed item is damaged and cannot be opened."),
)


def kind_of(media_type: str) -> str | None:
    """``video``, ``audio`` or ``image`` for a type the browser plays; else None."""
    return PLAYABLE.get(media_type.split(";")[0].strip().lower())


Unsatisfiable = tuple[()]
UNSATISFIABLE: Unsatisfiable = ()


def parse_range(header: str | None, size: int) -> tuple[int, int] | Unsatisfiable | None:
    """The one range asked for, as ``(start, end)`` with ``end`` exclusive; ``()`` when
    it cannot be satisfied (416); None when the whole file is to be sent (no header, a
    malformed one, another unit, or several ranges)."""
    if header is None:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    found = _RANGE.match(spec)
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.group(1), found.group(2)
    if len(first) > 20 or len(last) > 20:
        return None
    if first == "":  # a suffix: the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            return UNSATISFIABLE
        return (max(0, size - n), size)
    start = int(first)
    if last != "" and int(last) < start:
        return None  # invalid: ignored, as RFC 9110 allows
    if start >= size:
        return UNSATISFIABLE
    end = size if last == "" else min(int(last) + 1, size)
    return (start, end)


@dataclass
class _Decrypted:
    """When each account last decrypted each file (for the audit's once-in-a-while)."""

    seen: dict[tuple[str, str], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first_in_a_while(self, account: str, blob: str, now: float) -> bool:
        with self.lock:
            if len(self.seen) > 10_000:
                self.seen = {k: t for k, t in self.seen.items() if now - t < AUDIT_EVERY_S}
            last = self.seen.get((account, blob))
            if last is not None and now - last < AUDIT_EVERY_S:
                return False
            self.seen[(account, blob)] = now
            return True


def _decrypted(request: Request) -> _Decrypted:
    found: _Decrypted | None = getattr(request.app.state, "media_decrypted", None)
    if found is None:
        found = _Decrypted()
        request.app.state.media_decrypted = found
    return found


def _headers(media_type: str) -> dict[str, str]:
    return {
        "accept-ranges": "bytes",
        "content-type": media_type,
        "content-disposition": "inline",
        "cache-control": "no-store",
        "content-security-policy": MEDIA_CSP,
        "cross-origin-resource-policy": "same-origin",
    }


async def media(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    blob_id = str(request.path_params["blob_id"])[:80]
    desk = state.reader()
    opened = await run_in_threadpool(desk.open_media, blob_id)
    info = opened.info
    kind = kind_of(info.media_type)
    if kind is None:
        opened.close()
        return state.render(request, "error.html", status=415, message=NOT_PLAYABLE)
    size = info.size
    headers = _headers(info.media_type.split(";")[0].strip().lower())
    asked = None if "if-range" in request.headers else request.headers.get("range")
    wanted = parse_range(asked, size)
    if wanted == UNSATISFIABLE:
        opened.close()
        return Response(
            status_code=416,
            headers={**headers, "content-range": f"bytes */{size}", "content-length": "0"},
        )
    start, end = wanted if isinstance(wanted, tuple) and wanted else (0, size)
    status = 206 if wanted else 200
    headers["content-length"] = str(end - start)
    if status == 206:
        headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
    if request.method == "HEAD":
        opened.close()
        return Response(status_code=status, headers=headers)
    if _decrypted(request).first_in_a_while(session.account, blob_id, state.audit.clock()):
        state.audit.record("decrypt", account=session.account, role=session.role, target=blob_id)
    return StreamingResponse(opened.read(start, end), status_code=status, headers=headers)

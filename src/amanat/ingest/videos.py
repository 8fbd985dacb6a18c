"""A folder of testimony videos downloaded with yt-dlp, as testimonies with media.

yt-dlp (run with ``--write-info-json``) leaves, for each video, ``NAME.EXT`` and
``NAME.info.json``, and with other options ``NAME.en.vtt`` subtitles, ``NAME.webp``
thumbnails, ``NAME.description``. Each video becomes one ``testimony.recorded``
whose files are the video (file 0, the testimony's media), its ``.info.json`` and
every other file whose name starts with ``NAME.``, so nothing downloaded is left out.

From the ``.info.json`` (yt-dlp's own field names): ``title``, ``webpage_url``,
``channel`` (else ``uploader``), ``upload_date`` (YYYYMMDD), ``extractor_key`` and
``language``. The description stays in the sealed ``.info.json``; the record format
has no field for it. Consent is ``internal`` with the note "published by CHANNEL;
consent not recorded by us" until a reviewer records the testifier's own consent, and
the testimony concerns no person yet (``persons: []``): linking comes later.

Every file of the folder is accounted for in the report: a video without a sidecar, or
with one that cannot be read, is still imported (reported with the reason); a sidecar
without its video, an unfinished download (``.part``) and a file that belongs to no
video are reported as not taken. So are an empty video and one whose first bytes are
not a video's or a recording's (``kind_of``: a failed download saved as an error page),
with the files that came with it; a link (it may point anywhere: an archive unpacked
into the folder can hold one to ``/etc/shadow``); and a folder within the folder (its
files are not read: import it on its own). Hidden files (``.DS_Store``) are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat.errors import FormatError, UsageError
from amanat.records.changes import SCHEMA, check_changes, new_id

__all__ = ["VIDEO_SUFFIXES", "VideoItem", "read_video_folder"]


def N_(message: str) -> str:
    """Marks a reason as a sentence of the catalogue; the command line says it in the
    volunteer's language (``VideoItem.said``), the values filled in after."""
    return message


# downloads (yt-dlp), phones, and what camcorders and older recorders write: AVCHD
# (.MTS, .M2TS), MPEG transport and program streams (.ts, .mpg, .vob), Windows Media
# (.wmv, .wma, .asf), Apple's voice memos (.caf) and AIFF; the first bytes decide
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".webm", ".mkv", ".mov", ".m4v", ".avi", ".flv", ".3gp",
     ".mts", ".m2ts", ".ts", ".mpg", ".mpeg", ".vob", ".wmv", ".asf",
     ".m4a", ".mp3", ".opus", ".ogg", ".wav", ".aac", ".wma", ".caf", ".aif", ".aiff"}
)  # fmt: skip
_UNFINISHED = (".part", ".ytdl", ".temp")
_SIDECAR = ".info.json"
MAX_SIDECAR_BYTES = 64 << 20  # yt-dlp's format lists make sidecars of a few MB
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass
class VideoItem:
    """One file of the folder (a video with its companions, or a file not taken)."""

    name: str  # the file's name, the report's first column
    outcome: str  # "accepted" or "rejected"
    reason: str  # a sentence of the catalogue, %(name)s filled from ``values``
    files: list[Path] = field(default_factory=list)  # to seal: the video first
    change: dict[str, Any] | None = None
    title: str = ""
    video: str = ""  # for a file that goes with a video: that video's name
    values: dict[str, str] = field(default_factory=dict)

    def said(self, translate: Callable[[str], str] = lambda text: text) -> str:
        """The reason, in the language ``translate`` gives, its values filled in."""
        if not self.reason:
            return ""
        return translate(self.reason) % self.values if self.values else translate(self.reason)


def _text(info: dict[str, Any], *keys: str, limit: int = 500) -> str | None:
    for key in keys:
        value = info.get(key)
        if isinstance(value, str) and value.strip() and "\x00" not in value:
            text = " ".join(value.split())
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return None


def _read_sidecar(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The sidecar's fields, or None and why not (the reason of an imported video)."""
    if not path.is_file():
        return None, N_("imported; no %(sidecar)s beside it, so it has no title or channel.")
    if path.stat().st_size > MAX_SIDECAR_BYTES:
        return None, N_("imported; its .info.json is larger than 64 MiB and was not read.")
    try:
        info = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, N_(
            "imported; its .info.json is not valid JSON (the download may be incomplete)."
        )
    if not isinstance(info, dict):
        return None, N_("imported; its .info.json does not hold yt-dlp's fields.")
    return info, ""


def _testimony(video: Path, info: dict[str, Any] | None, n_files: int) -> dict[str, Any]:
    info = info or {}
    channel = _text(info, "channel", "uploader", "uploader_id", limit=200)
    change: dict[str, Any] = {
        "op": "testimony.recorded",
        "testimony": new_id("t"),
        "persons": [],
        "testifier": {"relationship": "unknown"},
        "consent": {
            "level": "internal",
            "how": "unknown",
            "note": f"published by {channel or 'an unknown channel'}; consent not recorded by us",
        },
        "media": [{"file": 0}],
        "title": _text(info, "title", "fulltitle") or video.name[:500],
    }
    external: dict[str, str] = {}
    url = _text(info, "webpage_url", "original_url")
    if url:
        external["url"] = url
    if channel:
        external["channel"] = channel
    day = info.get("upload_date")
    if isinstance(day, str) and (m := _DAY.fullmatch(day)):
        external["uploaded"] = f"{m[1]}-{m[2]}-{m[3]}"
    site = _text(info, "extractor_key", "extractor", limit=100)
    if site:
        external["site"] = site
    if external:
        change["external"] = external
    language = info.get("language")
    if isinstance(language, str) and _LANG.fullmatch(language):
        change["language"] = language
    check_changes({"schema": SCHEMA, "changes": [change]}, n_files)
    return change


_HEAD = 512  # bytes read to tell a video from an error page saved in its place


def _not_media(
    video: Path, kind_of: Callable[[bytes], str | None] | None
) -> tuple[str, dict[str, str]]:
    """Why ``video`` is no video or recording at all, with the reason's values, or ""."""
    try:
        with video.open("rb") as f:
            head = f.read(_HEAD)
    except OSError as exc:
        why = N_("cannot be read (%(problem)s); nothing of it was imported.")
        return why, {"problem": str(exc.strerror)}
    if not head:
        return N_("empty (0 bytes): the download failed; download it again."), {}
    if kind_of is not None and kind_of(head) not in ("video", "audio"):
        why = N_(
            "its first bytes are not those of a video or a recording (an error page saved "
            "in its place?); download it again."
        )
        return why, {}
    return "", {}


def read_video_folder(
    folder: Path, kind_of: Callable[[bytes], str | None] | None = None
) -> list[VideoItem]:
    """Every file of ``folder`` as an item: videos to seal, and the files not taken.
    ``kind_of`` tells from a file's first bytes what it is ("video", "audio"...)."""
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise UsageError(
            "The folder %(folder)s cannot be read (%(reason)s).", folder=folder, reason=exc.strerror
        ) from None
    items: list[VideoItem] = []
    files = []
    for p in entries:
        if p.is_symlink():
            reason = N_("a link to another file, not a file itself; copy the file here instead.")
            items.append(VideoItem(p.name, "rejected", reason))
        elif p.is_dir():
            reason = N_("a folder: its files were not imported; import that folder on its own.")
            items.append(VideoItem(p.name, "rejected", reason))
        elif p.is_file():
            files.append(p)
        else:
            items.append(VideoItem(p.name, "rejected", N_("not a file; it was not imported.")))
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
    owner: dict[Path, Path] = {}
    # Longest name first, so "a b.mp4"'s files are not claimed by a video named "a.mp4".
    for video in sorted(videos, key=lambda v: len(v.stem), reverse=True):
        for p in files:
            taken = p in owner or p in videos or p.name.endswith(_UNFINISHED)
            if not taken and p.name.startswith(video.stem + "."):
                owner[p] = video
    for video in videos:
        sidecar = video.with_name(video.stem + _SIDECAR)
        companions = sorted(p for p, v in owner.items() if v == video)
        if sidecar in companions:
            companions.remove(sidecar)
            companions.insert(0, sidecar)
        wrong, values = _not_media(video, kind_of)
        if wrong:
            items.append(VideoItem(video.name, "rejected", wrong, values=values))
            goes = N_("goes with %(video)s, which was not imported.")
            items += [
                VideoItem(p.name, "rejected", goes, values={"video": video.name})
                for p in companions
            ]
            continue
        info, problem = _read_sidecar(sidecar)
        sealed = [video, *companions]
        try:
            change = _testimony(video, info, len(sealed))
        except FormatError as exc:
            why, values = N_("cannot be recorded: %(problem)s"), {"problem": exc.message}
            items.append(VideoItem(video.name, "rejected", why, values=values))
            continue
        accepted = VideoItem(video.name, "accepted", problem, sealed, change, change["title"])
        accepted.values = {"sidecar": sidecar.name[-40:]} if problem else {}
        items.append(accepted)
        items += [
            VideoItem(
                p.name, "accepted", N_("sealed with %(video)s"), video=video.name,
                values={"video": video.name},
            )
            for p in companions
        ]  # fmt: skip
    for p in files:
        if p in owner or p in videos:
            continue
        if p.name.endswith(_SIDECAR):
            reason = N_("an .info.json without its video; the download may not have finished.")
        elif p.name.endswith(_UNFINISHED):
            reason = N_("an unfinished download; download it again, then import the folder again.")
        else:
            reason = N_(
                "not a video, and no video in this folder has its name; it was not imported."
            )
        items.append(VideoItem(p.name, "rejected", reason))
    return sorted(items, key=lambda i: i.name)

"""A real, seekable WebM video for the browser tests, made without any video tool.

The machines have no ffmpeg, so the frames are encoded by chromium itself (WebCodecs'
``VideoEncoder``, VP8, every frame a keyframe) and muxed here into WebM (Matroska:
EBML header, Segment with SeekHead, Info with the duration, Tracks, Cues *before* the
clusters so that a player finds them on its first read, then one Cluster per frame).
Between clusters, ``Void`` elements (which every reader skips) make the file large, so
that a seek far into the video must be fetched with a new HTTP Range request rather than
from what the browser has already read.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from typing import Any

FRAME_MS = 500

ENCODE_FRAMES = """
async ([count, frameUs]) => {
  const width = 320, height = 240, chunks = [];
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      let text = "";
      for (const b of bytes) text += String.fromCharCode(b);
      chunks.push(btoa(text));
    },
    error: (e) => { throw e; },
  });
  encoder.configure({codec: "vp8", width, height, bitrate: 500000, framerate: 2});
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  for (let i = 0; i < count; i++) {
    ctx.fillStyle = `hsl(${(i * 37) % 360}, 60%, 45%)`;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = "#fff";
    ctx.font = "64px sans-serif";
    ctx.fillText(String(i), 40, 150);
    const frame = new VideoFrame(canvas, {timestamp: i * frameUs, duration: frameUs});
    encoder.encode(frame, {keyFrame: true});
    frame.close();
  }
  await encoder.flush();
  return chunks;
}
"""


def encode_frames(page: Any, count: int) -> list[bytes]:
    """VP8 keyframes of ``count`` coloured, numbered 320x240 frames, encoded by the
    browser of ``page`` (which must be a secure context: an http://127.0.0.1 page)."""
    chunks = page.evaluate(ENCODE_FRAMES, [count, FRAME_MS * 1000])
    return [base64.b64decode(c) for c in chunks]


def _size(n: int) -> bytes:
    """An EBML data size on 8 bytes (simple, and always long enough)."""
    return bytes([0x01]) + n.to_bytes(7, "big")


def _el(ident: int, payload: bytes) -> bytes:
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + _size(len(payload)) + payload


def _uint(ident: int, value: int) -> bytes:
    return _el(ident, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _position(ident: int, value: int) -> bytes:
    """An unsigned integer on 8 bytes: positions, so that sizes never depend on them."""
    return _el(ident, value.to_bytes(8, "big"))


def _void(total: int) -> bytes:
    """A Void element of exactly ``total`` bytes (1 id byte, 8 size bytes, padding)."""
    return _el(0xEC, bytes(total - 9))


def webm(frames: Sequence[bytes], *, padding: int = 0) -> bytes:
    """A WebM file of ``frames`` (VP8 keyframes, ``FRAME_MS`` apart), each cluster
    followed by ``padding`` bytes of Void."""
    header = _el(
        0x1A45DFA3,
        _uint(0x4286, 1) + _uint(0x42F7, 1) + _uint(0x42F2, 4) + _uint(0x42F3, 8)
        + _el(0x4282, b"webm") + _uint(0x4287, 2) + _uint(0x4285, 2),
    )  # fmt: skip
    duration = float(len(frames) * FRAME_MS)
    info = _el(
        0x1549A966,
        _uint(0x2AD7B1, 1_000_000)
        + _el(0x4489, struct.pack(">d", duration))
        + _el(0x4D80, b"amanat tests")
        + _el(0x5741, b"amanat tests"),
    )
    video = _el(0xE0, _uint(0xB0, 320) + _uint(0xBA, 240))
    tracks = _el(
        0x1654AE6B,
        _el(
            0xAE,
            _uint(0xD7, 1) + _uint(0x73C5, 1) + _uint(0x83, 1) + _el(0x86, b"V_VP8") + video,
        ),
    )
    clusters = []
    for i, frame in enumerate(frames):
        block = b"\x81" + (0).to_bytes(2, "big") + b"\x80" + frame  # track 1, keyframe
        cluster = _el(0x1F43B675, _uint(0xE7, i * FRAME_MS) + _el(0xA3, block))
        clusters.append(cluster + (_void(padding) if padding else b""))

    def cues(first_cluster: int) -> bytes:
        points = b""
        at = first_cluster
        for i, cluster in enumerate(clusters):
            position = _el(0xB7, _uint(0xF7, 1) + _position(0xF1, at))
            points += _el(0xBB, _uint(0xB3, i * FRAME_MS) + position)
            at += len(cluster)
        return _el(0x1C53BB6B, points)

    def seek_head(info_at: int, tracks_at: int, cues_at: int) -> bytes:
        def seek(ident: bytes, at: int) -> bytes:
            return _el(0x4DBB, _el(0x53AB, ident) + _position(0x53AC, at))

        return _el(
            0x114D9B74,
            seek(b"\x15\x49\xa9\x66", info_at)
            + seek(b"\x16\x54\xae\x6b", tracks_at)
            + seek(b"\x1c\x53\xbb\x6b", cues_at),
        )

    # Positions are relative to the start of the Segment's data; sizes do not depend
    # on the positions (every number above is written at a fixed width or is small).
    head = len(seek_head(0, 0, 0))
    cue_size = len(cues(0))
    info_at = head
    tracks_at = info_at + len(info)
    cues_at = tracks_at + len(tracks)
    first = cues_at + cue_size
    body = seek_head(info_at, tracks_at, cues_at) + info + tracks + cues(first)
    assert len(body) == first
    return header + _el(0x18538067, body + b"".join(clusters))

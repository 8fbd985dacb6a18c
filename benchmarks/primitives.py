"""The building blocks of seal and verify, each against the ``age`` CLI in the same run.

Measures, on one core, in 64 KiB chunks (``bytes``, as seal reads them) over
``--size-mib`` MiB (256) held in memory:

* ``cryptography``'s ChaCha20-Poly1305 (what :class:`amanat.vault.crypto.AgeStreamEncryptor`
  uses for the payload),
* ``hashlib.sha256`` (the plaintext and ciphertext hashes),
* ``pyrage.encrypt_io`` to ``/dev/null`` (the library we chose not to seal with),
* the reference: ``age -r R -o /dev/null FILE`` with FILE in the page cache (age's
  encryption speed without the disk);

and, for verify, the time of one Ed25519 signature check. Rounds alternate; the
figures are medians, with each throughput also given as a ratio to age's.

    python benchmarks/primitives.py [--rounds N] [--size-mib M] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from _common import MIB, OUT_DIR, cpu_busy, machine, preread, print_table, run_timed, write_json

CHUNK = 64 * 1024


def chacha(chunks: list[bytes]) -> float:
    aead = ChaCha20Poly1305(os.urandom(32))
    start = time.perf_counter()
    for i, chunk in enumerate(chunks):
        aead.encrypt(i.to_bytes(12, "big"), chunk, None)
    return time.perf_counter() - start


def sha256(chunks: list[bytes]) -> float:
    h = hashlib.sha256()
    start = time.perf_counter()
    for chunk in chunks:
        h.update(chunk)
    return time.perf_counter() - start


def pyrage_io(data: bytes, recipient: object) -> float:
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        pyrage.encrypt_io(io.BytesIO(data), sink, [recipient])
        return time.perf_counter() - start


def ed25519_verify_us(count: int = 5000) -> float:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = os.urandom(300)  # about one log record
    signature = key.sign(message)
    start = time.perf_counter()
    for _ in range(count):
        public.verify(signature, message)
    return (time.perf_counter() - start) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=5, help="rounds (5)")
    p.add_argument("--size-mib", type=int, default=256, help="MiB per measurement (256)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    work = (OUT_DIR / "primitives").absolute()
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"input-{args.size_mib}MiB.bin"
    if not (source.exists() and source.stat().st_size == args.size_mib * MIB):
        source.write_bytes(os.urandom(args.size_mib * MIB))
    data = source.read_bytes()
    # bytes objects of 64 KiB, as seal reads them (a memoryview slice costs more here)
    chunks = [data[off : off + CHUNK] for off in range(0, len(data), CHUNK)]
    identity = pyrage.x25519.Identity.generate()
    recipient = identity.to_public()
    age_argv = ["age", "-r", str(recipient), "-o", os.devnull, str(source)]

    seconds: dict[str, list[float]] = {"age": [], "chacha": [], "sha256": [], "pyrage": []}
    ed: list[float] = []
    busy: list[float] = []
    for rnd in range(args.rounds):
        busy.append(cpu_busy(0.5))
        preread(source)
        runs = {
            "age": lambda: run_timed(age_argv).seconds,
            "chacha": lambda: chacha(chunks),
            "sha256": lambda: sha256(chunks),
            "pyrage": lambda: pyrage_io(data, recipient),
        }
        names = list(runs) if rnd % 2 == 0 else list(reversed(runs))
        for name in names:
            seconds[name].append(runs[name]())
        ed.append(ed25519_verify_us())
        print(
            f"round {rnd + 1}/{args.rounds}: "
            + ", ".join(f"{n} {args.size_mib / s[-1]:.0f} MiB/s" for n, s in seconds.items())
            + f", ed25519 verify {ed[-1]:.0f} us (other CPU load before {busy[-1]:.0%})",
            flush=True,
        )

    rates = {n: [args.size_mib / s for s in v] for n, v in seconds.items()}
    age_med = statistics.median(rates["age"])
    labels = {
        "age": "age CLI -> /dev/null (reference)",
        "chacha": "ChaCha20-Poly1305 (cryptography)",
        "sha256": "SHA-256 (hashlib)",
        "pyrage": "pyrage.encrypt_io -> /dev/null",
    }
    print()
    print_table(
        ["", "median MiB/s", "min", "max", "x age"],
        [
            [
                labels[n],
                f"{statistics.median(r):.0f}",
                f"{min(r):.0f}",
                f"{max(r):.0f}",
                f"{statistics.median(r) / age_med:.2f}",
            ]
            for n, r in rates.items()
        ],
    )
    print(f"\nEd25519 verify: median {statistics.median(ed):.0f} us per signature")
    write_json(
        args.json,
        {
            "benchmark": "primitives",
            "command": " ".join(["python", "benchmarks/primitives.py", *(argv or sys.argv[1:])]),
            "size_mib": args.size_mib,
            "rounds": args.rounds,
            "machine": machine(Path(work)),
            "mib_per_s": rates,
            "ratio_to_age": {n: statistics.median(r) / age_med for n, r in rates.items()},
            "ed25519_verify_us": ed,
            "other_cpu_busy_before": busy,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

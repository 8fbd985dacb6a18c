"""RFC 6962 / RFC 9162 Merkle tree hashing for the append-only transparency log.

Why this exact construction: a verifier who holds an old signed root must be able to
check, with nothing but hashes, that a newer root extends it (consistency) and that a
given record is in it (inclusion). RFC 6962 §2.1 fixes the tree shape and the domain
separation (0x00 for leaves, 0x01 for interior nodes, so a leaf can never be passed off
as a node, a second-preimage defence); RFC 9162 §2.1.3.2 and §2.1.4.2 give verification
algorithms that need no recursion and reject malformed proofs. Following them byte for
byte lets any third-party CT tool audit our log.

Only ``hashlib`` (stdlib SHA-256) is used: the hash is public, keyless, and the log must
be checkable by people who install nothing of ours.

Builders (``root_from_leaf_hashes``, ``inclusion_proof``, ``consistency_proof``) raise
``ValueError`` on impossible arguments, because that is a bug in the caller. Verifiers
(``verify_*``) only ever return ``bool``: their input comes from an adversary, and a
malformed proof is simply a proof that does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""SHA-256 output length; every leaf, node, root and proof element has it."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() — RFC 6962 §2.1: the hash of an empty list is the hash of ''."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0)) — RFC 6962 §2.1, domain-separated from nodes."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) — RFC 6962 §2.1 interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n > 1) — the RFC 6962 §2.1 ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_hash(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) without recursion or slicing: a compact range built left to right.

    The peaks of a compact range of size n are the perfect subtrees given by the set bits
    of n, largest first; folding them right to left reproduces the RFC 6962 split exactly
    (the last, smaller peaks form the right subtree at every level). O(hi - lo) hashes,
    O(log n) memory.
    """
    if hi <= lo:
        return EMPTY_ROOT
    peaks: list[bytes] = []
    pop, push, sha = peaks.pop, peaks.append, hashlib.sha256
    for count in range(hi - lo):
        h = hashes[lo + count]
        while count & 1:  # each trailing 1 bit of the count is a peak of equal size to merge
            h = sha(_NODE_PREFIX + pop() + h).digest()
            count >>= 1
        push(h)
    h = pop()
    while peaks:
        h = sha(_NODE_PREFIX + pop() + h).digest()
    return h


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) per RFC 6962 §2.1 for the given leaf hashes; ``EMPTY_ROOT`` for none."""
    return _range_hash(hashes, 0, len(hashes))


class CompactTree:
    """The right edge of the log's tree: O(log n) peak hashes, O(log n) work per append.

    Why: the log writer must publish a new root after every append without rereading
    the log. The peaks are the roots of the perfect subtrees whose sizes are the set bits
    of ``size`` (largest first); together they determine MTH of the whole log. Persist
    ``(size, peaks)`` and rebuild with ``CompactTree(size, peaks)``, or replay the leaf
    hashes with :meth:`from_leaf_hashes`.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self, size: int = 0, peaks: Iterable[bytes] = ()) -> None:
        peak_list = list(peaks)
        if size < 0 or len(peak_list) != size.bit_count():
            raise ValueError(
                f"a tree of size {size} has {size.bit_count()} peaks, got {len(peak_list)}"
            )
        if any(len(p) != HASH_SIZE for p in peak_list):
            raise ValueError("every peak must be a 32-byte hash")
        self._size = size
        self._peaks = peak_list

    @classmethod
    def from_leaf_hashes(cls, hashes: Iterable[bytes]) -> CompactTree:
        """Rebuild the state by replaying every leaf hash (e.g. when opening a log)."""
        tree = cls()
        for h in hashes:
            tree.append(h)
        return tree

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        """Perfect-subtree roots, largest (leftmost) first; what to persist with ``size``."""
        return tuple(self._peaks)

    def append(self, leaf: bytes) -> None:
        """Append one *leaf hash* (see :func:`leaf_hash`), merging equal-sized peaks."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("append takes a 32-byte leaf hash, not leaf data")
        h, n = leaf, self._size
        while n & 1:
            h = node_hash(self._peaks.pop(), h)
            n >>= 1
        self._peaks.append(h)
        self._size += 1

    def root(self) -> bytes:
        """MTH of all leaves so far (RFC 6962 §2.1): the peaks folded right to left."""
        if not self._peaks:
            return EMPTY_ROOT
        h = self._peaks[-1]
        for p in reversed(self._peaks[:-1]):
            h = node_hash(p, h)
        return h

    def __repr__(self) -> str:
        return f"CompactTree(size={self._size}, root={self.root().hex()})"


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) — RFC 6962 §2.1.1 audit path, deepest sibling first.

    ``leaf_hashes`` is the whole log (at least ``size`` entries), so a proof against any
    earlier published root can be served. Walks the RFC recursion top-down; the sibling
    ranges are disjoint, so hashing them all costs O(size).
    """
    if not 0 < size <= len(leaf_hashes):
        raise ValueError(f"tree size {size} outside 1..{len(leaf_hashes)}")
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside 0..{size - 1}")
    lo, hi, path = 0, size, []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(_range_hash(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(_range_hash(leaf_hashes, lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) — RFC 6962 §2.1.2 SUBPROOF, iteratively.

    Returns ``[]`` when ``old_size`` is 0 or equal to ``new_size``: RFC 9162 §2.1.4 makes
    those cases trivially consistent, with an empty proof.
    """
    if not 0 <= new_size <= len(leaf_hashes):
        raise ValueError(f"new size {new_size} outside 0..{len(leaf_hashes)}")
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} outside 0..{new_size}")
    if old_size in (0, new_size):
        return []
    lo, hi, m, b = 0, new_size, old_size, True
    tail: list[bytes] = []  # elements appended after the inner SUBPROOF, outermost first
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            tail.append(_range_hash(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            tail.append(_range_hash(leaf_hashes, lo, lo + k))
            lo, m, b = lo + k, m - k, False
    head = [] if b else [_range_hash(leaf_hashes, lo, hi)]  # SUBPROOF(m, D[m], b)
    return head + tail[::-1]


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` shows leaf ``index`` with ``leaf_hash`` is in the tree ``root``.

    RFC 9162 §2.1.3.2, step by step; every element must be a 32-byte hash and the proof
    must be exactly as long as the path (``sn`` reaches 0 at the last element).
    """
    if not (_is_size(index) and _is_size(size) and index < size):
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root)):
        return False
    if isinstance(proof, (bytes, str)) or not all(_is_hash(p) for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False  # proof longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:  # right edge of a non-full tree: skip levels with no sibling
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows the tree ``new_root`` extends (appends to) ``old_root``.

    RFC 9162 §2.1.4.2. Trivial cases first: a log never shrinks (old > new fails); equal
    sizes need an empty proof and equal roots; every tree extends the empty tree, with an
    empty proof (as the RFC 9162 and transparency-dev verifiers do, the old root of an
    empty tree is not inspected).
    """
    if not (_is_size(old_size) and _is_size(new_size)) or old_size > new_size:
        return False
    if not (isinstance(old_root, bytes) and isinstance(new_root, bytes)):
        return False
    if isinstance(proof, (bytes, str)) or not all(_is_hash(p) for p in proof):
        return False
    if old_size == new_size:
        return len(proof) == 0 and hmac.compare_digest(old_root, new_root)
    if old_size == 0:
        return len(proof) == 0
    if not (_is_hash(old_root) and _is_hash(new_root)) or len(proof) == 0:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: a power of two is itself a proof node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:  # step 4: climb to the level where the old tree's last peak sits
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # proof longer than needed
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, old_root) and hmac.compare_digest(sr, new_root)

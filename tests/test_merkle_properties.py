"""Property tests for amanat.vault.merkle on random trees of 1..300 leaves.

The oracle is a deliberately naive transcription of RFC 6962 §2.1 (MTH, PATH, PROOF):
recursive, slicing, no cleverness, so that it is easy to check by eye against the RFC.
"""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.vault.merkle import (
    CompactTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------- RFC 6962 §2.1, verbatim


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) over *leaf inputs* d, written straight from RFC 6962 §2.1."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:  # the largest power of two smaller than n
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) — RFC 6962 §2.1.1."""
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) — RFC 6962 §2.1.2."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


# ---------------------------------------------------------------- strategies


@st.composite
def logs(draw: st.DrawFn, min_size: int = 1, max_size: int = 300) -> list[bytes]:
    """Leaf *inputs* of a random log: random content, random length."""
    n = draw(st.integers(min_size, max_size))
    salt = draw(st.binary(max_size=8))
    return [salt + i.to_bytes(4, "big") for i in range(n)]


def flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    wrong = list(proof)
    byte, shift = divmod(bit, 8)
    b = bytearray(wrong[i])
    b[byte] ^= 1 << shift
    wrong[i] = bytes(b)
    return wrong


# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(d=logs(min_size=0, max_size=300))
def test_root_matches_naive_reference(d: list[bytes]) -> None:
    # Given a random log, When its root is computed, Then it equals the RFC's MTH
    assert root_from_leaf_hashes([leaf_hash(x) for x in d]) == ref_mth(d)


@settings(max_examples=30, deadline=None)
@given(d=logs(min_size=0, max_size=300))
def test_compact_tree_root_equals_batch_root_for_every_prefix(d: list[bytes]) -> None:
    # Given an empty CompactTree and a random log
    hashes = [leaf_hash(x) for x in d]
    tree = CompactTree()
    assert tree.root() == root_from_leaf_hashes([])
    for n, h in enumerate(hashes, start=1):
        # When each leaf is appended
        tree.append(h)
        # Then the incremental root equals the batch root of that prefix
        assert tree.size == n
        assert tree.root() == root_from_leaf_hashes(hashes[:n])
        assert len(tree.peaks) == n.bit_count()
    # And the state survives a (size, peaks) round trip and a replay
    assert CompactTree(tree.size, tree.peaks).root() == tree.root()
    assert CompactTree.from_leaf_hashes(hashes).peaks == tree.peaks


@settings(max_examples=40, deadline=None)
@given(d=logs(), data=st.data())
def test_every_inclusion_proof_verifies_and_tampering_fails(
    d: list[bytes], data: st.DataObject
) -> None:
    # Given a random log stored up to a random published size
    hashes = [leaf_hash(x) for x in d]
    size = data.draw(st.integers(1, len(hashes)), label="size")
    root = root_from_leaf_hashes(hashes[:size])
    assert root == ref_mth(d[:size])
    for index in range(size):
        # When a proof is generated for every leaf of that tree
        proof = inclusion_proof(hashes, index, size)
        # Then it is the RFC's PATH and verifies
        assert proof == ref_path(index, d[:size])
        assert verify_inclusion(hashes[index], index, size, proof, root)
    # And tampering with any part of one proof makes it fail
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(hashes, index, size)
    leaf = hashes[index]
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        assert not verify_inclusion(leaf, index, size, flip(proof, i, bit), root)
        assert not verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not verify_inclusion(leaf, index ^ 1, size, proof, root)
        assert not verify_inclusion(leaf, index, size * 2, proof, root)
        assert not verify_inclusion(leaf, index, size // 2, proof, root)
    assert not verify_inclusion(leaf, index, size, [*proof, root], root)
    assert not verify_inclusion(leaf, index, size, [root, *proof], root)
    assert not verify_inclusion(flip([leaf], 0, 0)[0], index, size, proof, root)
    assert not verify_inclusion(leaf, index, size, proof, flip([root], 0, 255)[0])
    if size > 1:  # a proof is bound to its leaf's position
        other = data.draw(st.integers(0, size - 1).filter(lambda j: j != index), label="other")
        assert not verify_inclusion(leaf, other, size, proof, root)
        assert not verify_inclusion(hashes[other], index, size, proof, root)


@settings(max_examples=150, deadline=None)
@given(d=logs(min_size=1), data=st.data())
def test_every_consistency_proof_verifies_and_tampering_fails(
    d: list[bytes], data: st.DataObject
) -> None:
    # Given a random log and two random sizes old <= new
    hashes = [leaf_hash(x) for x in d]
    new = data.draw(st.integers(1, len(hashes)), label="new")
    old = data.draw(st.integers(0, new), label="old")
    old_root, new_root = ref_mth(d[:old]), ref_mth(d[:new])
    # When the consistency proof is generated
    proof = consistency_proof(hashes, old, new)
    # Then it is the RFC's PROOF and verifies
    assert proof == ([] if old in (0, new) else ref_subproof(old, d[:new], True))
    assert verify_consistency(old, new, old_root, new_root, proof)
    if old in (0, new):
        return
    # And tampered roots, proofs or sizes fail
    bit = data.draw(st.integers(0, 255), label="bit")
    assert not verify_consistency(old, new, flip([old_root], 0, bit)[0], new_root, proof)
    assert not verify_consistency(old, new, old_root, flip([new_root], 0, bit)[0], proof)
    assert not verify_consistency(old, new, new_root, old_root, proof)
    i = data.draw(st.integers(0, len(proof) - 1), label="element")
    assert not verify_consistency(old, new, old_root, new_root, flip(proof, i, bit))
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert not verify_consistency(new, old, new_root, old_root, proof)


@settings(max_examples=30, deadline=None)
@given(d=logs(min_size=2, max_size=64), data=st.data())
def test_all_size_pairs_consistent_against_compact_tree_roots(
    d: list[bytes], data: st.DataObject
) -> None:
    # Given the roots a log writer publishes after each append (from CompactTree)
    hashes = [leaf_hash(x) for x in d]
    tree, roots = CompactTree(), [root_from_leaf_hashes([])]
    for h in hashes:
        tree.append(h)
        roots.append(tree.root())
    # When any earlier published root is checked against any later one
    # Then the generated proof links them
    for new in range(1, len(hashes) + 1):
        old = data.draw(st.integers(0, new), label=f"old<={new}")
        proof = consistency_proof(hashes, old, new)
        assert verify_consistency(old, new, roots[old], roots[new], proof)

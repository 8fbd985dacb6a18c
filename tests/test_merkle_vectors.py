"""Published RFC 6962 test vectors (transparency-dev/merkle) against amanat.vault.merkle.

The expected values live in tests/vectors/rfc6962.json, copied from the upstream Go tests;
nothing here computes an expected hash with our own code. The negative cases mirror
upstream's corruptInclusionProof / corruptConsistencyProof probes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from amanat.vault.merkle import (
    EMPTY_ROOT,
    CompactTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "rfc6962.json").read_text(encoding="utf-8")
)
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
LEAF_HASHES = [leaf_hash(d) for d in LEAVES]
ROOTS = {int(k): bytes.fromhex(v) for k, v in VECTORS["roots_by_size"].items()}
SOME_HASH = bytes.fromhex(VECTORS["constants"]["sha256_some_hash"])
EMPTY_TREE_HASH = bytes.fromhex(VECTORS["constants"]["sha256_empty_tree_hash"])


def _hexes(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _flip(proof: list[bytes], i: int, mask: int) -> list[bytes]:
    wrong = list(proof)
    wrong[i] = bytes([wrong[i][0] ^ mask]) + wrong[i][1:]
    return wrong


# ---------------------------------------------------------------- hashing and roots


@pytest.mark.parametrize("case", VECTORS["hasher"], ids=lambda c: c["desc"])
def test_hasher_vectors(case: dict[str, str]) -> None:
    # Given a published hasher vector
    # When the corresponding primitive is applied
    if case["op"] == "empty_root":
        got = EMPTY_ROOT
    elif case["op"] == "leaf":
        data = bytes.fromhex(case["data_hex"]) if "data_hex" in case else case["data_utf8"].encode()
        got = leaf_hash(data)
    else:
        got = node_hash(case["left_utf8"].encode(), case["right_utf8"].encode())
    # Then it yields the published hash
    assert got.hex() == case["want"]


def test_leaf_hashes_match_published_level_zero() -> None:
    # Given the 8 published leaf inputs, When hashed, Then they equal NodeHashes()[0]
    assert [h.hex() for h in LEAF_HASHES] == VECTORS["node_hashes_by_level"][0]


@pytest.mark.parametrize("size", range(9))
def test_roots_for_every_size(size: int) -> None:
    # Given the first `size` published leaves
    # When the tree head is computed in one go and incrementally
    tree = CompactTree.from_leaf_hashes(LEAF_HASHES[:size])
    # Then both equal the published root for that size
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size]
    assert tree.root() == ROOTS[size]
    assert tree.size == size


@pytest.mark.parametrize("size", range(9))
def test_compact_tree_peaks_match_published_compact_trees(size: int) -> None:
    # Given the published compact-range state for `size` leaves
    want = VECTORS["compact_trees"][str(size)]
    # When we append the same leaves
    tree = CompactTree.from_leaf_hashes(LEAF_HASHES[:size])
    # Then our peaks are exactly theirs, and rebuilding from (size, peaks) gives the root
    assert [p.hex() for p in tree.peaks] == want
    assert CompactTree(size, _hexes(want)).root() == ROOTS[size]


# ---------------------------------------------------------------- inclusion


INCLUSION = VECTORS["inclusion_proofs"]


@pytest.mark.parametrize("vec", INCLUSION, ids=lambda v: f"{v['leaf_index']}of{v['tree_size']}")
def test_inclusion_vector_generated_and_verified(vec: dict[str, Any]) -> None:
    # Given a published audit path for leaf `index` in the tree of `size`
    index, size, path = vec["leaf_index"], vec["tree_size"], _hexes(vec["path"])
    assert vec["expected"] == "valid"
    # When we generate the proof ourselves
    got = inclusion_proof(LEAF_HASHES, index, size)
    # Then it is byte-identical, and it verifies against the published root
    assert got == path
    assert verify_inclusion(LEAF_HASHES[index], index, size, path, ROOTS[size])


@pytest.mark.parametrize("vec", INCLUSION, ids=lambda v: f"{v['leaf_index']}of{v['tree_size']}")
def test_inclusion_vector_corruptions_fail(vec: dict[str, Any]) -> None:
    # Given a valid published proof, its root and leaf
    index, size, path = vec["leaf_index"], vec["tree_size"], _hexes(vec["path"])
    root, leaf = ROOTS[size], LEAF_HASHES[index]
    # When any single thing about it is wrong (upstream's corruptInclusionProof probes)
    probes: list[tuple[int, int, bytes, list[bytes], bytes]] = [
        (index - 1, size, leaf, path, root),
        (index + 1, size, leaf, path, root),
        (index ^ 2, size, leaf, path, root),
        (index, size * 2, leaf, path, root),
        (index, size // 2, leaf, path, root),
        (index, size, b"WrongLeaf", path, root),
        (index, size, leaf, path, EMPTY_TREE_HASH),
        (index, size, leaf, path, SOME_HASH),
        (index, size, leaf, [*path, b""], root),
        (index, size, leaf, [*path, root], root),
        (index, size, leaf, [b"", *path], root),
        (index, size, leaf, [root, *path], root),
    ]
    probes += [(index, size, leaf, _flip(path, i, 8), root) for i in range(len(path))]
    if path:
        probes.append((index, size, leaf, path[:-1], root))
    if len(path) > 1:
        probes.append((index, size, leaf, [path[0], SOME_HASH, *path[1:]], root))
    # Then every probe is rejected, without raising
    for i, s, lf, p, r in probes:
        assert not verify_inclusion(lf, i, s, p, r), (i, s, lf.hex(), [x.hex() for x in p])


def test_inclusion_probes_with_empty_proof_fail() -> None:
    # Given impossible (index, size) pairs and unrelated leaf/root hashes
    probes = VECTORS["inclusion_probes"]
    assert probes["expected"] == "invalid"
    for index, size in probes["index_size"]:
        for leaf_hex, root_hex in probes["leaf_root_hex"]:
            # When verified with an empty proof, Then it fails
            leaf, root = bytes.fromhex(leaf_hex), bytes.fromhex(root_hex)
            assert not verify_inclusion(leaf, index, size, [], root)


@pytest.mark.parametrize("case", VECTORS["inclusion_single_entry"]["cases"])
def test_inclusion_single_entry(case: dict[str, str]) -> None:
    # Given a one-leaf tree, whose root is its leaf hash
    h = leaf_hash(VECTORS["inclusion_single_entry"]["data_utf8"].encode())
    pick = {"hash": h, "empty": b""}
    # When verified with an empty proof, Then only the matching 32-byte pair passes
    got = verify_inclusion(pick[case["leaf"]], 0, 1, [], pick[case["root"]])
    assert got is (case["expected"] == "valid")


def test_inclusion_proof_rejects_impossible_requests() -> None:
    # Given the 8-leaf log, When asked for a proof outside it, Then ValueError
    for index, size in [(0, 0), (1, 0), (2, 1), (8, 7), (-1, 8), (0, 9)]:
        with pytest.raises(ValueError):
            inclusion_proof(LEAF_HASHES, index, size)


# ---------------------------------------------------------------- consistency


CONSISTENCY = VECTORS["consistency_proofs"]


@pytest.mark.parametrize("vec", CONSISTENCY, ids=lambda v: f"{v['size1']}to{v['size2']}")
def test_consistency_vector_generated_and_verified(vec: dict[str, Any]) -> None:
    # Given a published consistency proof between two tree sizes
    s1, s2, proof = vec["size1"], vec["size2"], _hexes(vec["proof"])
    assert vec["expected"] == "valid"
    # When we generate it ourselves
    got = consistency_proof(LEAF_HASHES, s1, s2)
    # Then it is byte-identical and verifies against the published roots
    assert got == proof
    assert verify_consistency(s1, s2, ROOTS[s1], ROOTS[s2], proof)


@pytest.mark.parametrize(
    "vec", [v for v in CONSISTENCY if v["proof"]], ids=lambda v: f"{v['size1']}to{v['size2']}"
)
def test_consistency_vector_corruptions_fail(vec: dict[str, Any]) -> None:
    # Given a valid non-trivial published proof and its two roots
    s1, s2, proof = vec["size1"], vec["size2"], _hexes(vec["proof"])
    r1, r2 = ROOTS[s1], ROOTS[s2]
    # When any single thing is wrong (upstream's corruptConsistencyProof probes)
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (s1 - 1, s2, r1, r2, proof),
        (s1 + 1, s2, r1, r2, proof),
        (s1 ^ 2, s2, r1, r2, proof),
        (s1, s2 * 2, r1, r2, proof),
        (s1, s2 // 2, r1, r2, proof),
        (s1, s2, b"WrongRoot", r2, proof),
        (s1, s2, r1, b"WrongRoot", proof),
        (s1, s2, r2, r1, proof),
        (s1, s2, r1, r2, []),
        (s1, s2, r1, r2, [*proof, b""]),
        (s1, s2, r1, r2, [*proof, r1]),
        (s1, s2, r1, r2, [*proof, r2]),
        (s1, s2, r1, r2, [b"", *proof]),
        (s1, s2, r1, r2, [r1, *proof]),
        (s1, s2, r1, r2, [r2, *proof]),
        (s1, s2, r1, r2, [proof[0], *proof]),
        (s1, s2, r1, r2, proof[:-1]),
    ]
    probes += [(s1, s2, r1, r2, _flip(proof, i, 16)) for i in range(len(proof))]
    # Then every probe is rejected, without raising
    for a, b, x, y, p in probes:
        assert not verify_consistency(a, b, x, y, p), (a, b, x.hex(), y.hex())


def _edge_value(name: str) -> bytes:
    edge = VECTORS["consistency_edge_cases"]
    if name == "empty":
        return EMPTY_TREE_HASH
    return str(edge["roots_utf8"][name]).encode()


@pytest.mark.parametrize("case", VECTORS["consistency_edge_cases"]["cases"])
def test_consistency_edge_cases(case: dict[str, Any]) -> None:
    # Given upstream's table of trivial / impossible size pairs
    proof = _hexes(VECTORS["consistency_edge_cases"]["proofs"][case["proof"]])
    # When verified
    got = verify_consistency(
        case["size1"], case["size2"], _edge_value(case["root1"]), _edge_value(case["root2"]), proof
    )
    # Then the outcome is the published one
    assert got is (case["expected"] == "valid")


def test_consistency_proof_trivial_and_impossible_requests() -> None:
    # Given the 8-leaf log
    # When asked for trivially consistent sizes, Then the proof is empty
    assert consistency_proof(LEAF_HASHES, 0, 5) == []
    assert consistency_proof(LEAF_HASHES, 8, 8) == []
    # When asked for a shrinking or out-of-range log, Then ValueError
    for s1, s2 in [(5, 0), (9, 8), (3, 9), (-1, 3)]:
        with pytest.raises(ValueError):
            consistency_proof(LEAF_HASHES, s1, s2)


def test_verifiers_never_raise_on_garbage() -> None:
    # Given malformed inputs of the wrong types and lengths
    root = ROOTS[8]
    junk_proofs: list[Any] = [[b"x"], [b"\x00" * 33], [None], b"\x00" * 32, "ab", [1, 2]]
    for proof in junk_proofs:
        # When verified, Then the answer is False, never an exception
        assert not verify_inclusion(LEAF_HASHES[0], 0, 8, proof, root)
        assert not verify_consistency(3, 8, ROOTS[3], root, proof)
    bad_args: list[Any] = [-1, 2**80, True, 1.5, None]
    for arg in bad_args:
        assert not verify_inclusion(LEAF_HASHES[0], arg, 8, [], root)
        assert not verify_inclusion(LEAF_HASHES[0], 0, arg, [], root)
        assert not verify_consistency(arg, 8, ROOTS[3], root, [])
        assert not verify_consistency(3, arg, ROOTS[3], root, [])
    assert not verify_inclusion(None, 0, 1, [], root)  # type: ignore[arg-type]
    assert not verify_consistency(1, 2, None, root, [SOME_HASH])  # type: ignore[arg-type]

"""Unit tests of w2vlib.huffman: the Huffman tree behind hierarchical softmax.

What a Huffman tree for hierarchical softmax must satisfy, each checked against a
computation that does not reuse build_huffman's own code:

* the codes are prefix-free and the tree is full (Kraft equality sum 2^-L = 1);
* the weighted path length sum_w #(w) L(w) is optimal: it equals the sum of the
  merged weights of an independent greedy merge, and for n <= 6 the minimum over
  every full-binary-tree length profile found by exhaustive search;
* a strictly more frequent word never gets a longer code;
* ties are broken by index (deterministic), with word2vec.c's bit convention;
* the path probabilities prod_l sigma((2 t_l - 1) u'_{node(w,l)} . h) of all words
  sum to 1 for any inner vectors and hidden vector;
* padded() shapes, dtypes and mask; bad input raises ValueError naming ``counts``.
"""

import heapq
import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib.functions import sigmoid
from w2vlib.huffman import HuffmanTree, build_huffman

counts_lists = st.lists(st.integers(min_value=1, max_value=1000), min_size=2, max_size=50)


def lengths(tree):
    return np.array([len(c) for c in tree.codes])


def greedy_merge_cost(counts):
    """Sum of the weights created by repeatedly merging the two lightest nodes."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    total = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        total += merged
        heapq.heappush(heap, merged)
    return total


def brute_force_optimal_cost(counts):
    """min sum_w #(w) L(w) over all length profiles of a full binary tree (Kraft = 1)."""
    n = len(counts)
    best = None
    for ls in itertools.product(range(1, n), repeat=n):
        if sum(Fraction(1, 2 ** L) for L in ls) == 1:
            cost = sum(c * L for c, L in zip(counts, ls))
            best = cost if best is None else min(best, cost)
    return best


# --------------------------------------------------------------------------- structure
@settings(deadline=None)
@given(counts_lists)
def test_codes_are_prefix_free_and_distinct(counts):
    tree = build_huffman(counts)
    codes = ["".join(map(str, c.tolist())) for c in tree.codes]
    assert len(codes) == len(counts) and tree.n_inner == len(counts) - 1
    assert len(set(codes)) == len(codes)
    for a, b in itertools.permutations(codes, 2):
        assert not b.startswith(a), (a, b)


@settings(deadline=None)
@given(counts_lists)
def test_tree_is_full_kraft_equality(counts):
    tree = build_huffman(counts)
    assert sum(Fraction(1, 2 ** int(L)) for L in lengths(tree)) == 1


@settings(deadline=None)
@given(counts_lists)
def test_paths_form_one_tree_rooted_at_inner_node_n_minus_2(counts):
    n = len(counts)
    tree = build_huffman(counts)
    child = {}                                  # (inner node, bit) -> next node
    for w, (path, code) in enumerate(zip(tree.paths, tree.codes)):
        assert len(path) == len(code) >= 1
        assert path[0] == n - 2
        assert np.all((0 <= path) & (path < n - 1))
        assert set(code.tolist()) <= {0, 1}
        nxt = [("inner", int(j)) for j in path[1:]] + [("leaf", w)]
        for j, b, target in zip(path, code, nxt):
            assert child.setdefault((int(j), int(b)), target) == target
    # every inner node has exactly two children, one per bit: n - 1 inner nodes, 2n - 2 edges
    assert len(child) == 2 * (n - 1)
    assert {j for j, _ in child} == set(range(n - 1))


# --------------------------------------------------------------------------- optimality
@settings(deadline=None)
@given(counts_lists)
def test_weighted_path_length_equals_sum_of_merged_weights(counts):
    tree = build_huffman(counts)
    weighted = int(np.dot(counts, lengths(tree)))
    assert weighted == greedy_merge_cost(counts)


@settings(deadline=None, max_examples=30)
@given(st.lists(st.integers(min_value=1, max_value=50), min_size=2, max_size=6))
def test_weighted_path_length_is_optimal_by_exhaustive_search(counts):
    tree = build_huffman(counts)
    assert int(np.dot(counts, lengths(tree))) == brute_force_optimal_cost(counts)


@settings(deadline=None)
@given(counts_lists)
def test_frequent_words_get_codes_no_longer_than_rare_ones(counts):
    L = lengths(build_huffman(counts))
    c = np.array(counts)
    more_frequent = c[:, None] > c[None, :]
    assert not np.any(more_frequent & (L[:, None] > L[None, :]))


def test_frequent_words_get_short_codes_on_a_zipfian_vocabulary():
    n = 1000
    counts = np.round(1e6 / np.arange(1, n + 1))
    L = lengths(build_huffman(counts))
    assert np.all(np.diff(L) >= 0)                      # counts are non-increasing
    avg = np.dot(counts, L) / counts.sum()
    p = counts / counts.sum()
    entropy = -np.sum(p * np.log2(p))
    assert entropy <= avg < entropy + 1                 # Shannon bound for optimal codes
    assert avg < np.log2(n)


# --------------------------------------------------------------------------- ties
def test_hand_worked_example_word2vec_bit_convention():
    # counts (5, 1, 2): merge word 1 (count 1, bit 0) with word 2 (count 2, bit 1) into
    # a node of count 3, then that node (bit 0) with word 0 (count 5, bit 1): the root.
    tree = build_huffman([5, 1, 2])
    assert [c.tolist() for c in tree.codes] == [[1], [0, 0], [0, 1]]
    assert [p.tolist() for p in tree.paths] == [[1], [1, 0], [1, 0]]


def test_ties_are_broken_by_index():
    # counts (1, 1, 1): words 0 and 1 merge first (lower indices), word 0 gets bit 0;
    # then word 2 (a leaf, count 1) is lighter than the new node (count 2): bit 0.
    tree = build_huffman([1, 1, 1])
    assert [c.tolist() for c in tree.codes] == [[1, 0], [1, 1], [0]]


@settings(deadline=None)
@given(counts_lists)
def test_deterministic_and_independent_of_input_type(counts):
    a = build_huffman(counts)
    b = build_huffman(np.array(counts, dtype=np.float64))
    c = build_huffman(tuple(counts))
    for other in (b, c):
        assert all(np.array_equal(x, y) for x, y in zip(a.codes, other.codes))
        assert all(np.array_equal(x, y) for x, y in zip(a.paths, other.paths))


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_equal_counts_give_a_balanced_tree(k):
    assert np.all(lengths(build_huffman(np.full(2 ** k, 7))) == k)


# --------------------------------------------------------------------------- probabilities
@settings(deadline=None)
@given(counts_lists, st.integers(1, 6), st.integers(0, 2 ** 32 - 1))
def test_path_probabilities_sum_to_one(counts, d, seed):
    rng = np.random.default_rng(seed)
    tree = build_huffman(counts)
    U_inner = rng.normal(scale=2.0, size=(tree.n_inner, d))
    h = rng.normal(size=d)
    probs = [np.prod(sigmoid((1 - 2 * code) * (U_inner[path] @ h)))
             for path, code in zip(tree.paths, tree.codes)]
    assert np.all(np.array(probs) > 0)
    np.testing.assert_allclose(sum(probs), 1.0, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- padded
@settings(deadline=None)
@given(counts_lists)
def test_padded_shapes_and_mask(counts):
    tree = build_huffman(counts)
    path, code, mask = tree.padded()
    n, L = len(counts), int(lengths(tree).max())
    assert path.shape == code.shape == mask.shape == (n, L)
    assert mask.dtype == bool and np.issubdtype(path.dtype, np.integer)
    assert np.issubdtype(code.dtype, np.integer)
    np.testing.assert_array_equal(mask.sum(axis=1), lengths(tree))
    for w in range(n):
        Lw = len(tree.codes[w])
        assert mask[w, :Lw].all() and not mask[w, Lw:].any()     # mask is a prefix
        np.testing.assert_array_equal(path[w, :Lw], tree.paths[w])
        np.testing.assert_array_equal(code[w, :Lw], tree.codes[w])
        assert not path[w, Lw:].any() and not code[w, Lw:].any()  # padding is 0


def test_padded_for_two_words():
    path, code, mask = build_huffman([3, 4]).padded()
    np.testing.assert_array_equal(path, [[0], [0]])
    np.testing.assert_array_equal(code, [[0], [1]])
    assert mask.all()


def test_tree_is_frozen():
    tree = build_huffman([1, 2, 3])
    assert isinstance(tree, HuffmanTree)
    with pytest.raises(AttributeError):
        tree.n_inner = 5


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [
    [], [3], 5,                                   # fewer than 2 counts
    [[1, 2], [3, 4]], [[1, 2, 3]],                # 2-D
    [1, 0], [0, 0], [2, -1],                      # zero / negative
    [1, float("nan")], [1, float("inf")], [1, -float("inf")],   # non-finite
    [1 + 1j, 2], ["a", "b"], [True, True],        # not real numbers
])
def test_bad_counts_raise_value_error_naming_counts(bad):
    with pytest.raises(ValueError, match=r"^counts: expected"):
        build_huffman(bad)

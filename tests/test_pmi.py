"""Tests for w2vlib.pmi: pair counts, PMI, shifted PPMI and the SVD embedding."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from w2vlib import corpus, functions, pmi


# --------------------------------------------------------------------------- cooccurrence
def test_cooccurrence_hand_counted_window_1():
    # sentence 0: 0 1 2 -> pairs (0,1) (1,0) (1,2) (2,1); sentence 1: 2 0 -> (2,0) (0,2)
    C = pmi.cooccurrence([np.array([0, 1, 2]), np.array([2, 0])], 3, 1, weighting="uniform")
    np.testing.assert_array_equal(C, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])


def test_cooccurrence_hand_counted_window_2_uniform_and_dynamic():
    sents = [np.array([0, 1, 2]), np.array([2, 0])]
    # window 2 adds the distance-2 pair (0, 2) of sentence 0, both ways
    uniform = pmi.cooccurrence(sents, 3, 2, weighting="uniform")
    np.testing.assert_array_equal(uniform, [[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    # dynamic: a distance-2 pair counts (2 - 2 + 1) / 2 = 1/2, distance 1 counts 1
    dynamic = pmi.cooccurrence(sents, 3, 2)
    np.testing.assert_array_equal(dynamic, [[0, 1, 1.5], [1, 0, 1], [1.5, 1, 0]])


def test_cooccurrence_repeated_word_counts_on_the_diagonal():
    C = pmi.cooccurrence([np.array([4, 4, 4])], 5, 1, weighting="uniform")
    assert C[4, 4] == 4 and C.sum() == 4          # two adjacent pairs, each seen from both ends


def test_cooccurrence_does_not_cross_sentences():
    C = pmi.cooccurrence([np.array([0]), np.array([1]), np.array([], dtype=int)], 2, 5)
    assert C.shape == (2, 2) and not C.any()


def test_cooccurrence_total_is_expected_pairs_of_long_sentence():
    # chapter 6: a sentence of length L >= m makes (m + 1) L - (m + 1)(m + 2) / 3 pairs on average
    L, m = 50, 4
    C = pmi.cooccurrence([np.arange(L) % 7], 7, m)
    assert math.isclose(C.sum(), (m + 1) * L - (m + 1) * (m + 2) / 3, rel_tol=1e-12)


def test_cooccurrence_dynamic_is_mean_of_skipgram_pairs():
    rng = np.random.default_rng(0)
    sents = [rng.integers(0, 6, size=k) for k in (1, 3, 8, 20)]
    n, m, draws = 6, 3, 3000
    total = np.zeros((n, n))
    for seed in range(draws):
        c, o = corpus.skipgram_pairs(sents, m, np.random.default_rng(seed))
        total += np.bincount(c * n + o, minlength=n * n).reshape(n, n)
    C = pmi.cooccurrence(sents, n, m)
    # each entry is a sum of independent window draws; its sd is well below 1 per draw
    np.testing.assert_allclose(total / draws, C, atol=0.06)


@settings(deadline=None, max_examples=30)
@given(st.lists(st.lists(st.integers(0, 4), max_size=12), max_size=6),
       st.integers(1, 4), st.sampled_from(pmi.WEIGHTINGS))
def test_cooccurrence_symmetric_and_nonnegative(sentences, window, weighting):
    C = pmi.cooccurrence([np.array(s, dtype=int) for s in sentences], 5, window, weighting)
    assert C.shape == (5, 5) and np.all(C >= 0)
    np.testing.assert_array_equal(C, C.T)


@pytest.mark.parametrize("n", [0, -3, 2.5, True, "4", None])
def test_cooccurrence_bad_n(n):
    with pytest.raises(ValueError, match="n: expected an integer >= 1"):
        pmi.cooccurrence([np.array([0, 1])], n, 2)


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
def test_cooccurrence_bad_window(window):
    with pytest.raises(ValueError, match="window"):
        pmi.cooccurrence([np.array([0, 1])], 2, window)


def test_cooccurrence_bad_weighting():
    with pytest.raises(ValueError, match="weighting: expected one of"):
        pmi.cooccurrence([np.array([0, 1])], 2, 2, weighting="harmonic")


@pytest.mark.parametrize("bad", [np.array([0, 3]), np.array([-1, 0])])
def test_cooccurrence_index_out_of_range(bad):
    with pytest.raises(IndexError, match=r"sentences_idx: expected word indices in 0\.\.2"):
        pmi.cooccurrence([bad], 3, 1)


def test_cooccurrence_non_integer_sentence():
    with pytest.raises(ValueError, match="sentences_idx"):
        pmi.cooccurrence([np.array([0.0, 1.0])], 2, 1)


# --------------------------------------------------------------------------- pmi
def test_pmi_hand_computed():
    C = np.array([[1.0, 2.0], [3.0, 4.0]])    # |D| = 10, rows 3, 7, columns 4, 6
    expected = np.log([[1 * 10 / (3 * 4), 2 * 10 / (3 * 6)],
                       [3 * 10 / (7 * 4), 4 * 10 / (7 * 6)]])
    np.testing.assert_allclose(pmi.pmi(C), expected, rtol=1e-12)


def test_pmi_zero_count_is_minus_inf_and_others_finite():
    C = np.array([[0, 2], [2, 1]])
    P = pmi.pmi(C)
    assert P[0, 0] == -np.inf and np.all(np.isfinite(P[C > 0]))
    # (0, 1): log(2 * 5 / (2 * 3))
    assert math.isclose(P[0, 1], math.log(10 / 6))


def test_pmi_with_context_probs():
    C = np.array([[1.0, 2.0], [3.0, 4.0]])
    q = np.array([0.25, 0.75])
    expected = np.log(C / (C.sum(axis=1, keepdims=True) * q))     # log(#(c,o) / (#(c) q(o)))
    np.testing.assert_allclose(pmi.pmi(C, context_probs=q), expected, rtol=1e-12)
    # the column marginals as context_probs give the plain PMI
    np.testing.assert_allclose(pmi.pmi(C, context_probs=C.sum(0) / C.sum()), pmi.pmi(C),
                               rtol=1e-12)


@settings(deadline=None, max_examples=40)
@given(arrays(np.float64, 4, elements=st.floats(0.1, 100)),
       arrays(np.float64, 3, elements=st.floats(0.1, 100)))
def test_pmi_of_independent_words_is_zero(r, c):
    # counts proportional to an outer product: P(c, o) = P(c) P(o), so PMI = 0
    np.testing.assert_allclose(pmi.pmi(np.outer(r, c)), 0.0, atol=1e-12)


@settings(deadline=None, max_examples=40)
@given(arrays(np.float64, (4, 4), elements=st.floats(0.5, 50)), st.integers(1, 20))
def test_pmi_minus_log_k_is_the_sgns_stationary_point(counts, K):
    # d/dx [A log sigma(x) + B log sigma(-x)] = A (1 - sigma(x)) - B sigma(x) = 0 at the shifted
    # PMI, with A = #(c, o) and B = K #(c) #(o) / |D| (unigram noise over the pairs)
    A = counts
    B = K * np.outer(counts.sum(1), counts.sum(0)) / counts.sum()
    x = pmi.pmi(counts) - np.log(K)
    s = functions.sigmoid(x)
    np.testing.assert_allclose(A * (1 - s) - B * s, 0.0, atol=1e-9 * A.max())


@settings(deadline=None, max_examples=30)
@given(arrays(np.float64, (5, 5), elements=st.floats(0, 30)))
def test_pmi_symmetric_for_symmetric_counts(half):
    C = half + half.T
    if C.sum() == 0:
        return
    P = pmi.pmi(C)
    np.testing.assert_array_equal(np.isinf(P), C == 0)
    np.testing.assert_allclose(P[C > 0], P.T[C > 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad, match", [
    (np.array([1.0, 2.0]), "counts: expected 2 dimension"),
    (np.array([[1.0, -1.0], [0.0, 2.0]]), "counts: expected non-negative"),
    (np.zeros((2, 2)), "counts: expected at least one positive"),
    (np.array([[1.0, np.nan], [0.0, 2.0]]), "counts: expected finite"),
    (np.zeros((0, 3)), "counts: expected a non-empty"),
])
def test_pmi_bad_counts(bad, match):
    with pytest.raises(ValueError, match=match):
        pmi.pmi(bad)


@pytest.mark.parametrize("q, match", [
    (np.array([1.0]), r"context_probs: expected shape \(2,\)"),
    (np.array([0.5, 0.6]), "summing to 1"),
    (np.array([0.0, 1.0]), "positive probabilities"),
    (np.array([[0.5, 0.5]]), "context_probs: expected 1 dimension"),
])
def test_pmi_bad_context_probs(q, match):
    with pytest.raises(ValueError, match=match):
        pmi.pmi(np.ones((2, 2)), context_probs=q)


# --------------------------------------------------------------------------- shifted PPMI
def test_shifted_ppmi_hand_computed():
    C = np.array([[1.0, 2.0], [3.0, 4.0]])
    P = pmi.pmi(C)
    np.testing.assert_allclose(pmi.shifted_ppmi(C, 1), np.maximum(P, 0))
    np.testing.assert_allclose(pmi.shifted_ppmi(C, 0.5), P + math.log(2))   # all > 0 here
    # only (0, 1): log(20/18) = 0.105 and (1, 0): log(30/28) = 0.069 are positive; shift by log 1.1
    np.testing.assert_allclose(pmi.shifted_ppmi(C, 1.1),
                               [[0, math.log(20 / 18) - math.log(1.1)], [0, 0]], atol=1e-15)


def test_shifted_ppmi_unseen_pairs_are_zero():
    S = pmi.shifted_ppmi(np.array([[0.0, 5.0], [5.0, 1.0]]), K=1)
    assert S[0, 0] == 0 and np.all(S >= 0)


@settings(deadline=None, max_examples=30)
@given(arrays(np.float64, (4, 4), elements=st.floats(0, 30)), st.floats(1, 10), st.floats(1, 10))
def test_shifted_ppmi_decreases_with_k(C, K1, K2):
    if C.sum() == 0:
        return
    lo, hi = sorted((K1, K2))
    assert np.all(pmi.shifted_ppmi(C, hi) <= pmi.shifted_ppmi(C, lo) + 1e-12)


@pytest.mark.parametrize("K", [0, -1, float("nan"), float("inf"), True, "5", None])
def test_shifted_ppmi_bad_k(K):
    with pytest.raises(ValueError, match="K: expected a number > 0"):
        pmi.shifted_ppmi(np.ones((2, 2)), K)


# --------------------------------------------------------------------------- SVD
def test_svd_embedding_reconstructs_a_low_rank_matrix():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(6, 2)) @ rng.normal(size=(2, 5))              # rank 2
    W, Z, s = pmi.svd_embedding(M, 2)
    assert W.shape == (6, 2) and Z.shape == (5, 2) and s.shape == (2,)
    np.testing.assert_allclose(W @ Z.T, M, atol=1e-12)


def test_svd_embedding_is_eckart_young_optimal_and_splits_by_power():
    rng = np.random.default_rng(4)
    M = rng.normal(size=(7, 5))
    s_all = np.linalg.svd(M, compute_uv=False)
    for d in (1, 3, 5):
        for power in (0.0, 0.5, 1.0):
            W, Z, s = pmi.svd_embedding(M, d, power=power)
            np.testing.assert_allclose(s, s_all[:d])
            err = np.linalg.norm(M - W @ Z.T) ** 2
            np.testing.assert_allclose(err, np.sum(s_all[d:] ** 2), atol=1e-10)
            # W = P S^power: the norms of W's columns are s^power
            np.testing.assert_allclose(np.linalg.norm(W, axis=0), s ** power, rtol=1e-10)


def test_svd_embedding_signs_are_canonical():
    rng = np.random.default_rng(5)
    M = rng.normal(size=(5, 4))
    W, Z, s = pmi.svd_embedding(M, 3)
    Q = Z / s ** 0.5                          # columns of Q
    biggest = Q[np.argmax(np.abs(Q), axis=0), np.arange(3)]
    assert np.all(biggest > 0)
    W2, Z2, _ = pmi.svd_embedding(-M, 3)      # flipping M flips W only, not Z
    np.testing.assert_allclose(Z2, Z, atol=1e-12)
    np.testing.assert_allclose(W2, -W, atol=1e-12)


@pytest.mark.parametrize("d", [0, 4, -1, 1.0, True])
def test_svd_embedding_bad_d(d):
    with pytest.raises(ValueError, match=r"d: expected an integer in 1\.\.3"):
        pmi.svd_embedding(np.ones((3, 5)), d)


@pytest.mark.parametrize("power", [-0.1, 1.5, "half", True])
def test_svd_embedding_bad_power(power):
    with pytest.raises(ValueError, match=r"power: expected a number in \[0, 1\]"):
        pmi.svd_embedding(np.ones((3, 3)), 1, power=power)


@pytest.mark.parametrize("M, match", [
    (np.array([[1.0, np.inf]]), "M: expected finite"),
    (np.ones(3), "M: expected 2 dimension"),
    (np.zeros((0, 2)), "M: expected a non-empty"),
])
def test_svd_embedding_bad_matrix(M, match):
    with pytest.raises(ValueError, match=match):
        pmi.svd_embedding(M, 1)


def test_pmi_tiny_counts_do_not_underflow():
    # subnormal counts: P(c) = #(c)/|D| would underflow to 0 if formed as a ratio first
    tiny = 5e-324
    C = np.array([[tiny, 0.0], [0.0, 30.0]])
    with np.errstate(all="raise"):
        P = pmi.pmi(C)
    # PMI(0, 0) = log(tiny * |D| / (tiny * tiny)) = log(|D|) - log(tiny), finite
    np.testing.assert_allclose(P[0, 0], np.log(30.0) - np.log(tiny), rtol=1e-12)
    np.testing.assert_allclose(P[1, 1], np.log(30.0 * 30.0 / (30.0 * 30.0)), atol=1e-12)

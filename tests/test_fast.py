"""Shared negatives: the objective's gradients, its relation to SGNS, the trainer's step."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from w2vlib import fast
from w2vlib import objectives as ob
from w2vlib import train as tr
from w2vlib.corpus import _window_positions, dynamic_windows
from w2vlib.functions import sigmoid
from w2vlib.gradcheck import gradcheck

from test_train import SENTS


@st.composite
def spans(draw, max_n=12, max_d=6):
    """A random span: inputs, centres, a 0/1 band with a pair in every column."""
    n = draw(st.integers(2, max_n))
    d = draw(st.integers(1, max_d))
    R, L, Kp = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    band = (rng.random((R, L)) < 0.6).astype(float)
    band[rng.integers(R, size=L), np.arange(L)] = 1.0
    return dict(V=rng.normal(scale=0.7, size=(n, d)), U=rng.normal(scale=0.7, size=(n, d)),
                inputs=rng.integers(0, n, R), centres=rng.integers(0, n, L), band=band,
                negatives=rng.integers(0, min(n, 4), Kp),      # repeats and clashes common
                K=draw(st.integers(1, 6)))


@given(spans())
def test_span_gradients_agree_with_finite_differences(p):
    def f(V, U):
        return fast.skipgram_span(V, p["inputs"], p["centres"], p["band"], p["negatives"], U,
                                  K=p["K"])
    gradcheck(f, {"V": p["V"], "U": p["U"]}).assert_ok(1e-6)


@given(spans())
def test_span_objective_is_sgns_summed_over_its_pairs(p):
    """J = sum over the band's pairs of the SGNS pair loss, negatives weighted K / K',
    a negative equal to the pair's centre skipped; gradients likewise."""
    V, U, K, neg = p["V"], p["U"], p["K"], p["negatives"]
    J, g = fast.skipgram_span(V, p["inputs"], p["centres"], p["band"], neg, U, K=K)
    total, gV, gU = 0.0, np.zeros_like(V), np.zeros_like(U)
    for i, j in zip(*np.nonzero(p["band"])):
        o, c = p["inputs"][i], p["centres"][j]
        s_pos, s_neg = U[c] @ V[o], U[neg] @ V[o]
        w = (neg != c) * K / neg.size
        total += -np.log(sigmoid(s_pos)) - w @ np.log(sigmoid(-s_neg))
        gV[o] += (sigmoid(s_pos) - 1) * U[c] + (w * sigmoid(s_neg)) @ U[neg]
        gU[c] += (sigmoid(s_pos) - 1) * V[o]
        np.add.at(gU, neg, (w * sigmoid(s_neg))[:, None] * V[o])
    np.testing.assert_allclose(J, total, rtol=1e-10)
    np.testing.assert_allclose(g["V"], gV, atol=1e-10)
    np.testing.assert_allclose(g["U"], gU, atol=1e-10)


def test_window_objective_is_sgns_with_the_same_negatives(rng):
    n, d = 8, 5
    V, U = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    context, c, neg = [0, 3, 3, 6], 2, [4, 5, 7]
    J, g = fast.skipgram_shared_negatives(V, context, c, neg, U)
    parts = [ob.skipgram_neg_sampling(V[o], c, neg, U) for o in context]
    np.testing.assert_allclose(J, sum(pt[0] for pt in parts), rtol=1e-12)
    np.testing.assert_allclose(g["U"], sum(pt[1]["U"] for pt in parts), atol=1e-12)
    # matrix formulas: G = sigma(Z) - T, dJ/dH = G U_W, dJ/dU_W = G^T H
    H, U_W = V[context], U[[c] + neg]
    Z = H @ U_W.T
    T = np.zeros_like(Z)
    T[:, 0] = 1
    G = sigmoid(Z) - T
    np.testing.assert_allclose(g["Z"], G, atol=1e-12)
    np.testing.assert_allclose(g["H"], G @ U_W, atol=1e-12)
    np.testing.assert_allclose(g["U_S"], G.T @ H, atol=1e-12)


def test_kernel_is_stable_for_large_scores():
    H = np.array([[1.0, 0.0], [0.0, 1.0]])
    U_S = np.array([[800.0, -800.0], [-900.0, 5.0]])
    loss, grad_H, grad_U_S, G = fast.shared_negative_output(H, U_S, [1.0, 0.0])
    # Z = [[800, -900], [-800, 5]]; -log sigma(x) = max(-x, 0) + log(1 + e^-|x|):
    # the positive unit at -800 costs 800, the negative at 5 costs 5 + log(1 + e^-5)
    assert np.isfinite(loss) and np.isfinite(G).all()
    np.testing.assert_allclose(loss, 805 + np.log1p(np.exp(-5.0)), rtol=1e-12)
    np.testing.assert_allclose(G, [[0.0, 0.0], [-1.0, sigmoid(5.0)]], atol=1e-15)


def test_kernel_bad_shapes():
    with pytest.raises(ValueError, match="U_S: expected shape"):
        fast.shared_negative_output(np.zeros((3, 4)), np.zeros((2, 5)), 1.0)
    with pytest.raises(ValueError, match="band: expected a 0/1 matrix"):
        fast.skipgram_span(np.zeros((4, 2)), [0, 1], [2], [[1, 0]], [3], np.zeros((4, 2)))
    with pytest.raises(IndexError, match="negatives"):
        fast.skipgram_span(np.zeros((4, 2)), [0], [2], [[1]], [9], np.zeros((4, 2)))


def test_rows_moved_per_pair():
    # one pair at a time: gather and scatter v_o, u_c and K negatives for every pair
    assert fast.rows_moved(6, 5, shared=False) == 2 * 6 * 7
    assert fast.rows_moved(6, 5, shared=True) == 2 * (6 + 6)
    # a span of L windows: R = L + 2m inputs, L centres and K' negatives, all pairs
    assert fast.rows_moved(6, 5, shared=True, span=8, window=5) == 2 * (18 + 8 + 5)


def test_spans_hold_every_pair_of_the_chunk_once(rng):
    sid = np.repeat(np.arange(6), [9, 1, 14, 3, 20, 7])
    tok = rng.integers(0, 30, sid.size)
    eff = dynamic_windows(sid.size, 3, rng)
    cpos, opos, _ = _window_positions(sid, eff, 3, 5, 48)
    for L in (1, 4, 7):
        inputs, centres, band, first, pairs = fast.spans(tok, sid, eff, 3, 5, 48, L)
        s, i, j = np.nonzero(band)
        got = sorted(zip(first[s] + j, first[s] - 3 + i))
        assert got == sorted(zip(cpos, opos)) and pairs.sum() == cpos.size
        np.testing.assert_array_equal(inputs[s, i], tok[first[s] - 3 + i])
        np.testing.assert_array_equal(centres[s, j], tok[first[s] + j])


@pytest.mark.parametrize("L, Kp", [(1, 3), (4, 5)])
def test_step_is_sgd_on_the_span_objective(rng, hessian_trace, L, Kp):
    n, d, eta, K = 9, 4, 0.1, 3
    V, U = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    sid = np.zeros(12, dtype=int)
    tok = rng.integers(0, n, 12)
    eff = np.full(12, 2)
    inputs, centres, band, _, _ = fast.spans(tok, sid, eff, 2, 3, 3 + L, L)
    neg = rng.integers(0, n, (1, Kp))
    ctx = dict(V=V.copy(), U=U.copy(), negative=K, row_rule="sum")
    fast.step_sgns_span(ctx, (inputs, centres, band, neg), eta)
    _, g = fast.skipgram_span(V, inputs[0], centres[0], band[0], neg[0], U, K=K)
    np.testing.assert_allclose(ctx["V"], V - eta * g["V"], atol=1e-12)
    np.testing.assert_allclose(ctx["U"], U - eta * g["U"], atol=1e-12)
    # the default rule: each row at min(eta, 1 / tr H_r), the trace of the span loss's
    # Hessian in that row, measured by second differences
    ctx = dict(V=V.copy(), U=U.copy(), negative=K)
    fast.step_sgns_span(ctx, (inputs, centres, band, neg), eta)

    def loss():
        return fast.skipgram_span(V, inputs[0], centres[0], band[0], neg[0], U, K=K)[0]

    for M, G, new in ((V, g["V"], ctx["V"]), (U, g["U"], ctx["U"])):
        for r in np.flatnonzero(np.abs(G).sum(axis=1)):
            rate = min(eta, 1.0 / hessian_trace(loss, M[r]))
            np.testing.assert_allclose(new[r], M[r] - rate * G[r], rtol=1e-4, atol=1e-9)


def test_shared_model_learns_and_is_seeded():
    kw = dict(d=16, epochs=8, batch_size=64, min_count=1, sample=None, progress=False,
              lr=0.05)
    r = tr.train(SENTS, model="sgns-shared", **kw)
    assert r.params["model"] == "sgns-shared"
    assert r.loss_history[-1, 1] < r.loss_history[0, 1]
    assert r.wv.similarity("cat", "dog") > r.wv.similarity("cat", "car") + 0.1
    assert r.wv.similarity("road", "wheel") > r.wv.similarity("road", "paw") + 0.1
    again = tr.train(SENTS, model="sgns-shared", **kw)
    np.testing.assert_array_equal(r.V, again.V)
    with pytest.raises(ValueError, match="skipgram_input: 'sgns-shared'"):
        tr.train(SENTS, model="sgns-shared", skipgram_input="centre", **kw)

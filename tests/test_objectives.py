"""Every objective: hand values, finite differences on random sizes, SymPy, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib import objectives as ob
from w2vlib import symbolic as sy
from w2vlib.functions import sigmoid, softmax
from w2vlib.gradcheck import gradcheck
from w2vlib.huffman import build_huffman

TOL = 1e-6


@st.composite
def problems(draw, max_n=50, max_d=20, max_k=10, max_c=6):
    """Random sizes, indices with repeats, and a seeded float64 draw of the vectors."""
    n = draw(st.integers(2, max_n))
    d = draw(st.integers(1, max_d))
    K = draw(st.integers(1, max_k))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    word = st.integers(0, n - 1)
    return {
        "n": n, "d": d,
        "V": rng.normal(scale=0.7, size=(n, d)),
        "U": rng.normal(scale=0.7, size=(n, d)),
        "v_c": rng.normal(scale=0.7, size=d),
        "o": draw(word),
        # draw from few words so repeats are common
        "negatives": draw(st.lists(st.integers(0, min(n - 1, 3)), min_size=K, max_size=K)),
        "context": draw(st.lists(word, min_size=1, max_size=max_c)),
        "tree_word": draw(word),
        "counts": rng.integers(1, 100, size=n),
    }


# ------------------------------------------------------------------ hand-checked values
def test_skipgram_softmax_matches_the_book_formulas(rng):
    n, d, o = 6, 4, 2
    U, v_c = rng.normal(size=(n, d)), rng.normal(size=d)
    loss, g = ob.skipgram_softmax(v_c, o, U)
    p = np.exp(U @ v_c) / np.exp(U @ v_c).sum()
    y = np.eye(n)[o]
    np.testing.assert_allclose(loss, -np.log(p[o]))
    np.testing.assert_allclose(g["v_c"], U.T @ (p - y))
    np.testing.assert_allclose(g["U"], np.outer(p - y, v_c))
    np.testing.assert_allclose(g["z"], p - y)


def test_neg_sampling_matches_the_book_formulas(rng):
    n, d, o, neg = 7, 3, 1, [4, 2, 4]
    U, v_c = rng.normal(size=(n, d)), rng.normal(size=d)
    loss, g = ob.skipgram_neg_sampling(v_c, o, neg, U)
    s_o, s_k = U[o] @ v_c, U[neg] @ v_c
    np.testing.assert_allclose(loss, -np.log(sigmoid(s_o)) - np.log(sigmoid(-s_k)).sum())
    np.testing.assert_allclose(g["v_c"], (sigmoid(s_o) - 1) * U[o] + sigmoid(s_k) @ U[neg])
    np.testing.assert_allclose(g["u_o"], (sigmoid(s_o) - 1) * v_c)
    np.testing.assert_allclose(g["u_k"], sigmoid(s_k)[:, None] * v_c)
    # word 4 was drawn twice: its row in dJ/dU is the sum of both draws
    np.testing.assert_allclose(g["U"][4], g["u_k"][0] + g["u_k"][2])
    np.testing.assert_allclose(g["U"][2], g["u_k"][1])
    assert not g["U"][[0, 3, 5, 6]].any()


def test_nce_matches_the_book_formulas(rng):
    n, d, o, neg = 7, 3, 1, [4, 2, 4]
    U, v_c = rng.normal(size=(n, d)), rng.normal(size=d)
    b = rng.normal(size=n)                                  # log(K P_n(w))
    loss, g = ob.skipgram_nce(v_c, o, neg, U, b)
    x_o, x_k = U[o] @ v_c - b[o], U[neg] @ v_c - b[neg]
    np.testing.assert_allclose(loss, -np.log(sigmoid(x_o)) - np.log(sigmoid(-x_k)).sum())
    np.testing.assert_allclose(g["v_c"], (sigmoid(x_o) - 1) * U[o] + sigmoid(x_k) @ U[neg])
    np.testing.assert_allclose(g["u_o"], (sigmoid(x_o) - 1) * v_c)
    np.testing.assert_allclose(g["u_k"], sigmoid(x_k)[:, None] * v_c)
    np.testing.assert_allclose(g["U"][4], g["u_k"][0] + g["u_k"][2])
    assert not g["U"][[0, 3, 5, 6]].any()
    # the correction matters: a different b gives a different loss and gradient
    loss2, g2 = ob.skipgram_nce(v_c, o, neg, U, b + 1.0)
    assert loss2 != loss and not np.allclose(g2["v_c"], g["v_c"])


def test_nce_with_k_pn_one_is_negative_sampling(rng):
    U, v_c = rng.normal(size=(5, 2)), rng.normal(size=2)
    loss, g = ob.skipgram_nce(v_c, 0, [0, 3, 3], U, np.zeros(5))
    loss2, g2 = ob.skipgram_neg_sampling(v_c, 0, [0, 3, 3], U)
    np.testing.assert_allclose(loss, loss2, rtol=1e-14)
    for key in g2:
        np.testing.assert_allclose(g[key], g2[key], rtol=1e-14)


def test_nce_expected_loss_is_the_average_over_every_draw(rng):
    """Enumerate o and both negatives (n^3 cases): the mean of skipgram_nce's loss."""
    n, K = 4, 2
    s = rng.normal(size=n)
    p = rng.dirichlet(np.ones(n))
    noise = rng.dirichlet(np.ones(n))
    for b in (np.log(K * noise), np.zeros(n)):
        mean = sum(p[o] * noise[k1] * noise[k2]
                   * ob.skipgram_nce(np.ones(1), o, [k1, k2], s[:, None], b)[0]
                   for o in range(n) for k1 in range(n) for k2 in range(n))
        np.testing.assert_allclose(ob.nce_expected_loss(s, p, noise, K, b)[0], mean,
                                   rtol=1e-12)


def test_nce_expected_loss_optima(rng):
    """NCE's optimum is s = log p (self-normalised); NEG's is log p - log(K P_n)."""
    n, K = 6, 3
    p = rng.dirichlet(np.ones(n))
    noise = rng.dirichlet(np.ones(n))
    _, g = ob.nce_expected_loss(np.log(p), p, noise, K, np.log(K * noise))
    np.testing.assert_allclose(g["s"], 0, atol=1e-15)
    _, g = ob.nce_expected_loss(np.log(p / (K * noise)), p, noise, K, np.zeros(n))
    np.testing.assert_allclose(g["s"], 0, atol=1e-15)
    _, g = ob.nce_expected_loss(np.log(p) + 0.1, p, noise, K, np.log(K * noise))
    assert np.all(g["s"] > 0)                        # too high everywhere: push down


def test_negative_equal_to_outside_word_accumulates(rng):
    U, v_c = rng.normal(size=(3, 2)), rng.normal(size=2)
    _, g = ob.skipgram_neg_sampling(v_c, 1, [1], U)
    np.testing.assert_allclose(g["U"][1], g["u_o"] + g["u_k"][0])


def test_cbow_true_gradient_has_one_over_C(rng):
    n, d = 5, 3
    V, U = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    context = [0, 3, 3, 4]                         # word 3 twice
    loss, g = ob.cbow_softmax(V, context, 1, U)
    h = V[context].mean(axis=0)
    p = softmax(U @ h)
    np.testing.assert_allclose(loss, -np.log(p[1]))
    np.testing.assert_allclose(g["h"], U.T @ (p - np.eye(n)[1]))
    np.testing.assert_allclose(g["V"][0], g["h"] / 4)
    np.testing.assert_allclose(g["V"][3], 2 * g["h"] / 4)
    np.testing.assert_allclose(g["U"], np.outer(p - np.eye(n)[1], h))


def test_hs_path_probabilities_sum_to_one(rng):
    counts = rng.integers(1, 50, size=9)
    tree = build_huffman(counts)
    U_inner, h = rng.normal(size=(8, 4)), rng.normal(size=4)
    total = sum(np.exp(-ob.skipgram_hs(h, tree.paths[w], tree.codes[w], U_inner)[0])
                for w in range(9))
    np.testing.assert_allclose(total, 1.0)


def test_hs_per_node_gradient_is_sigma_minus_t(rng):
    U_inner, v_c = rng.normal(size=(3, 2)), rng.normal(size=2)
    path, code = np.array([2, 0]), np.array([1, 0])
    _, g = ob.skipgram_hs(v_c, path, code, U_inner)
    t = 1 - code
    err = sigmoid(U_inner[path] @ v_c) - t
    np.testing.assert_allclose(g["v_c"], err @ U_inner[path])
    np.testing.assert_allclose(g["U_inner"][path], err[:, None] * v_c)
    assert not g["U_inner"][1].any()


def test_kernels_are_batched(rng):
    n, d, B, J = 6, 3, 4, 5
    U, h = rng.normal(size=(n, d)), rng.normal(size=(B, d))
    o = rng.integers(0, n, size=B)
    loss, grad_h, grad_U = ob.softmax_output(h, o, U)
    for b in range(B):
        lb, gb = ob.skipgram_softmax(h[b], o[b], U)
        np.testing.assert_allclose(loss[b], lb)
        np.testing.assert_allclose(grad_h[b], gb["v_c"])
    np.testing.assert_allclose(grad_U, sum(ob.skipgram_softmax(h[b], o[b], U)[1]["U"]
                                           for b in range(B)))
    u, t = rng.normal(size=(B, J, d)), rng.integers(0, 2, size=(B, J))
    mask = np.ones((B, J))
    mask[:, -1] = 0
    loss, grad_h, grad_u = ob.binary_logistic_output(h, u, t, mask)
    loss2, grad_h2, grad_u2 = ob.binary_logistic_output(h, u[:, :-1], t[:, :-1])
    np.testing.assert_allclose(loss, loss2)
    np.testing.assert_allclose(grad_h, grad_h2)
    np.testing.assert_allclose(grad_u[:, :-1], grad_u2)
    assert not grad_u[:, -1].any()


def test_float32_inputs_give_float32_gradients(rng):
    U = rng.normal(size=(5, 3)).astype(np.float32)
    v_c = rng.normal(size=3).astype(np.float32)
    _, g = ob.skipgram_neg_sampling(v_c, 0, [1, 2], U)
    assert g["v_c"].dtype == np.float32 and g["U"].dtype == np.float32
    _, g = ob.skipgram_nce(v_c, 0, [1, 2], U, np.zeros(5))
    assert g["v_c"].dtype == np.float32 and g["U"].dtype == np.float32


# ------------------------------------------------------------------ extremes
@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_finite_losses_and_gradients_at_logits_of_1000(scale):
    U = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    v_c = np.array([scale, 0.0])                      # logits +-1000
    V = np.tile(v_c, (3, 1))
    tree = build_huffman([3, 2, 1])
    results = [
        ob.skipgram_softmax(v_c, 1, U),
        ob.skipgram_neg_sampling(v_c, 1, [0, 0], U),
        ob.skipgram_nce(v_c, 1, [0, 0], U, np.log([0.5, 2.0, 1.0])),
        ob.skipgram_hs(v_c, tree.paths[2], tree.codes[2], U[:2]),
        ob.cbow_softmax(V, [0, 2], 1, U),
        ob.cbow_neg_sampling(V, [0, 2], 1, [0], U),
        ob.cbow_hs(V, [0], tree.paths[0], tree.codes[0], U[:2]),
    ]
    for loss, grads in results:
        assert np.isfinite(loss)
        for g in grads.values():
            assert np.all(np.isfinite(g))
    np.testing.assert_allclose(results[0][0], 2000.0 if scale > 0 else 0.0, atol=1e-9)


# ------------------------------------------------------------------ finite differences
@settings(max_examples=15)
@given(problems())
def test_skipgram_gradients_match_finite_differences(pb):
    o, neg = pb["o"], pb["negatives"]
    gradcheck(lambda v_c, U: ob.skipgram_softmax(v_c, o, U),
              {"v_c": pb["v_c"], "U": pb["U"]}).assert_ok(TOL)
    gradcheck(lambda v_c, U: ob.skipgram_neg_sampling(v_c, o, neg, U),
              {"v_c": pb["v_c"], "U": pb["U"]}).assert_ok(TOL)
    b = np.log(len(neg) * pb["counts"] / pb["counts"].sum())
    gradcheck(lambda v_c, U: ob.skipgram_nce(v_c, o, neg, U, b),
              {"v_c": pb["v_c"], "U": pb["U"]}).assert_ok(TOL)
    p = pb["counts"][::-1] / pb["counts"].sum()
    noise = pb["counts"] / pb["counts"].sum()
    gradcheck(lambda s: ob.nce_expected_loss(s, p, noise, len(neg), b),
              {"s": pb["U"][:, 0]}).assert_ok(TOL)
    tree = build_huffman(pb["counts"])
    w = pb["tree_word"]
    gradcheck(lambda v_c, U_inner: ob.skipgram_hs(v_c, tree.paths[w], tree.codes[w], U_inner),
              {"v_c": pb["v_c"], "U_inner": pb["U"][:-1]}).assert_ok(TOL)


@settings(max_examples=15)
@given(problems())
def test_cbow_gradients_match_finite_differences(pb):
    ctx, o, neg = pb["context"], pb["o"], pb["negatives"]
    gradcheck(lambda V, U: ob.cbow_softmax(V, ctx, o, U),
              {"V": pb["V"], "U": pb["U"]}).assert_ok(TOL)
    gradcheck(lambda V, U: ob.cbow_neg_sampling(V, ctx, o, neg, U),
              {"V": pb["V"], "U": pb["U"]}).assert_ok(TOL)
    tree = build_huffman(pb["counts"])
    w = pb["tree_word"]
    gradcheck(lambda V, U_inner: ob.cbow_hs(V, ctx, tree.paths[w], tree.codes[w], U_inner),
              {"V": pb["V"], "U_inner": pb["U"][:-1]}).assert_ok(TOL)


# ------------------------------------------------------------------ SymPy, lambdified
def _same(model, loss, grads, **values):
    sym_loss, sym_grads = model.numeric(**values)
    np.testing.assert_allclose(sym_loss, loss, rtol=1e-10)
    for name in values:
        np.testing.assert_allclose(sym_grads[name], grads[name], rtol=1e-9, atol=1e-12)


small = problems(max_n=5, max_d=3, max_k=3, max_c=3)


@settings(max_examples=10)
@given(small)
def test_sympy_skipgram_gradients_equal_w2vlib(pb):
    n, d, o, neg = pb["n"], pb["d"], pb["o"], pb["negatives"]
    v_c, U = pb["v_c"], pb["U"]
    _same(sy.skipgram_softmax_model(n, d, o), *ob.skipgram_softmax(v_c, o, U), v_c=v_c, U=U)
    _same(sy.skipgram_neg_sampling_model(n, d, o, neg), *ob.skipgram_neg_sampling(v_c, o, neg, U),
          v_c=v_c, U=U)
    b = pb["U"][:, -1]                                     # any log(K P_n(w))
    _same(sy.skipgram_nce_model(n, d, o, neg, log_kpn=b.tolist()),
          *ob.skipgram_nce(v_c, o, neg, U, b), v_c=v_c, U=U)
    tree = build_huffman(pb["counts"])
    path, code = tree.paths[pb["tree_word"]], tree.codes[pb["tree_word"]]
    _same(sy.skipgram_hs_model(n, d, tuple(path), tuple(code)),
          *ob.skipgram_hs(v_c, path, code, U[:-1]), v_c=v_c, U_inner=U[:-1])


@settings(max_examples=10)
@given(small)
def test_sympy_cbow_gradients_equal_w2vlib(pb):
    n, d, o, neg, ctx = pb["n"], pb["d"], pb["o"], pb["negatives"], pb["context"]
    V, U = pb["V"], pb["U"]
    _same(sy.cbow_softmax_model(n, d, tuple(ctx), o), *ob.cbow_softmax(V, ctx, o, U), V=V, U=U)
    _same(sy.cbow_neg_sampling_model(n, d, tuple(ctx), o, tuple(neg)),
          *ob.cbow_neg_sampling(V, ctx, o, neg, U), V=V, U=U)
    tree = build_huffman(pb["counts"])
    path, code = tree.paths[pb["tree_word"]], tree.codes[pb["tree_word"]]
    _same(sy.cbow_hs_model(n, d, tuple(ctx), tuple(path), tuple(code)),
          *ob.cbow_hs(V, ctx, path, code, U[:-1]), V=V, U_inner=U[:-1])


# ------------------------------------------------------------------ bad input
U3 = np.zeros((4, 3))
v3 = np.zeros(3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ob.skipgram_softmax(np.zeros(2), 0, U3), ValueError, r"v_c: expected shape \(3,\)"),
    (lambda: ob.skipgram_softmax(v3, 0, np.zeros(3)), ValueError, "U: expected 2 dimension"),
    (lambda: ob.skipgram_softmax(v3, 0, np.zeros((0, 3))), ValueError, "U: expected a non-empty"),
    (lambda: ob.skipgram_softmax(v3, 4, U3), IndexError, "o: expected a word index in 0..3, got 4"),
    (lambda: ob.skipgram_softmax(v3, -1, U3), IndexError, "o: expected a word index in 0..3"),
    (lambda: ob.skipgram_softmax(v3, 1.0, U3), ValueError, "o: expected an integer word index"),
    (lambda: ob.skipgram_softmax(v3, True, U3), ValueError, "o: expected an integer word index"),
    (lambda: ob.skipgram_softmax(np.array([0, np.nan, 0]), 0, U3), ValueError,
     "v_c: expected finite values"),
    (lambda: ob.skipgram_softmax(v3, 0, np.full((4, 3), np.inf)), ValueError,
     "U: expected finite values"),
    (lambda: ob.skipgram_neg_sampling(v3, 0, [], U3), ValueError,
     "negatives: expected at least one negative sample index, got none"),
    (lambda: ob.skipgram_neg_sampling(v3, 0, [1, 9], U3), IndexError,
     r"negatives: expected negative sample indexes in 0..3, got 9"),
    (lambda: ob.skipgram_neg_sampling(v3, 0, [[1]], U3), ValueError, "negatives: expected a 1-D"),
    (lambda: ob.skipgram_neg_sampling(v3, 0, [0.5], U3), ValueError,
     "negatives: expected integer"),
    (lambda: ob.skipgram_nce(v3, 0, [1], U3, np.zeros(3)), ValueError,
     r"log_kpn: expected shape \(4,\), one log\(K P_n\(w\)\) per word"),
    (lambda: ob.skipgram_nce(v3, 0, [1], U3, [0, 0, np.nan, 0]), ValueError,
     "log_kpn: expected finite values"),
    (lambda: ob.skipgram_nce(v3, 0, [], U3, np.zeros(4)), ValueError,
     "negatives: expected at least one"),
    (lambda: ob.skipgram_nce(v3, 4, [1], U3, np.zeros(4)), IndexError, "o: expected a word"),
    (lambda: ob.nce_expected_loss(np.zeros(2), [0.5, 0.5], [1.0, 0.0], 0, np.zeros(2)),
     ValueError, "K: expected an integer >= 1"),
    (lambda: ob.nce_expected_loss(np.zeros(2), [0.5, 0.6], [1.0, 0.0], 2, np.zeros(2)),
     ValueError, "p: expected a probability vector"),
    (lambda: ob.nce_expected_loss(np.zeros(2), [0.5, 0.5], [1.0], 2, np.zeros(2)),
     ValueError, r"noise: expected shape \(2,\) like s"),
    (lambda: ob.skipgram_hs(v3, [0, 3], [0, 1], U3[:3]), IndexError,
     "path: expected inner-node indexes in 0..2, got 3"),
    (lambda: ob.skipgram_hs(v3, [0, 1], [0], U3[:3]), ValueError, r"code: expected shape \(2,\)"),
    (lambda: ob.skipgram_hs(v3, [0, 1], [0, 2], U3[:3]), ValueError, "code: expected only 0 and 1"),
    (lambda: ob.cbow_softmax(U3, [], 0, U3), ValueError,
     "context: expected at least one context word index, got none"),
    (lambda: ob.cbow_softmax(U3, [0, 7], 0, U3), IndexError,
     "context: expected context word indexes in 0..3, got 7"),
    (lambda: ob.cbow_softmax(np.zeros((4, 2)), [0], 0, U3), ValueError,
     r"V: expected 3 columns \(the vector dimension d\)"),
    (lambda: ob.cbow_neg_sampling(U3, [0], 9, [1], U3), IndexError, "c: expected a word index"),
    (lambda: ob.cbow_neg_sampling(U3, [0], 0, [], U3), ValueError, "negatives: expected at least"),
    (lambda: ob.cbow_hs(U3, [], [0], [0], U3[:3]), ValueError, "context: expected at least one"),
    (lambda: ob.cbow_hidden(U3, []), ValueError, "context: expected at least one"),
    (lambda: ob.softmax_output(np.zeros((2, 3)), np.zeros(3, int), U3), ValueError,
     "h: expected shape"),
    (lambda: ob.binary_logistic_output(np.zeros((2, 3)), np.zeros((2, 4, 2)), np.zeros((2, 4))),
     ValueError, "u: expected shape"),
])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------ skip-gram window
@settings(deadline=None)
@given(problems(), st.lists(st.integers(0, 3), min_size=1, max_size=8))
def test_window_is_the_sum_of_its_pairs(pb, outside):
    n, U, v_c = pb["n"], pb["U"], pb["v_c"]
    outside = [o % n for o in outside]                   # repeats are common
    loss, g = ob.skipgram_softmax_window(v_c, outside, U)
    pairs = [ob.skipgram_softmax(v_c, o, U) for o in outside]
    np.testing.assert_allclose(loss, sum(lp for lp, _ in pairs), rtol=1e-10)
    for name in ("v_c", "U", "z"):
        np.testing.assert_allclose(g[name], sum(gp[name] for _, gp in pairs),
                                   rtol=1e-9, atol=1e-10)
    gradcheck(lambda v_c, U: ob.skipgram_softmax_window(v_c, outside, U),
              {"v_c": v_c, "U": U}).assert_ok(TOL)


def test_window_by_hand():
    # n = 2, d = 1, u = (1, 0), v_c = (log 3): z = (log 3, 0), p = (3/4, 1/4)
    U, v_c = np.array([[1.0], [0.0]]), np.array([np.log(3.0)])
    loss, g = ob.skipgram_softmax_window(v_c, [0, 1, 0], U)
    # J = 3 log 4 - 2 log 3;  2m p - sum y = (9/4 - 2, 3/4 - 1) = (1/4, -1/4)
    assert loss == pytest.approx(3 * np.log(4) - 2 * np.log(3))
    np.testing.assert_allclose(g["z"], [0.25, -0.25])
    np.testing.assert_allclose(g["v_c"], [0.25])
    np.testing.assert_allclose(g["U"], [[0.25 * np.log(3)], [-0.25 * np.log(3)]])
    assert g["z"].sum() == pytest.approx(0.0)            # 2m sum p - 2m = 0


@pytest.mark.parametrize("outside, exc, match", [
    ([], ValueError, "outside: expected at least one outside word index"),
    ([0, 4], IndexError, r"outside: expected outside word indexes in 0..3, got 4"),
    ([0.5], ValueError, "outside: expected integer outside word indexes"),
    ([[0, 1]], ValueError, "outside: expected a 1-D list"),
])
def test_window_bad_input(outside, exc, match):
    with pytest.raises(exc, match=match):
        ob.skipgram_softmax_window(np.zeros(3), outside, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"v_c: expected shape \(3,\)"):
        ob.skipgram_softmax_window(np.zeros(2), [0], np.zeros((4, 3)))


def test_a32_the_logistic_gradient_of_a_large_positive_score_is_not_rounded_to_zero():
    # t = 1 at s = 40: dJ/ds = -sigma(-40) = -4.25e-18, not sigma(40) - 1 = 0 (probe A32)
    for dtype in (np.float64, np.float32):
        h = np.array([1.0], dtype=dtype)
        u = np.array([[40.0], [-40.0]], dtype=dtype)
        loss, grad_h, g = ob.binary_logistic_factored(h, u, np.array([1, 0]))
        expected = -np.exp(-40.0) / (1 + np.exp(-40.0))
        np.testing.assert_allclose(g, [expected, expected * -1], rtol=1e-6)
        assert g[0] < 0 and grad_h[0] < 0

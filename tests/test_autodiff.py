"""w2vlib.autodiff: each VJP against finite differences, every objective against the
analytic gradients (the fourth check), forward mode, operation counts, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib import ad_objectives as ao
from w2vlib import autodiff as ad
from w2vlib import fast, glove
from w2vlib import objectives as ob
from w2vlib.gradcheck import relative_error
from w2vlib.huffman import build_huffman

from test_objectives import problems  # the same random problems as the analytic tests

TOL = 1e-10          # autodiff against the analytic formulas, float64
FD_TOL = 1e-6        # VJPs against central differences


def assert_same(analytic, automatic):
    (loss_a, grads_a), (loss_b, grads_b) = analytic, automatic
    assert relative_error(loss_a, loss_b) <= TOL
    for name, g in grads_b.items():
        assert g.shape == grads_a[name].shape
        err = relative_error(grads_a[name], g).max()
        assert err <= TOL, f"{name}: relative error {err:.2e}"


# ------------------------------------------------------------------ the fourth check
@settings(max_examples=25)
@given(problems())
def test_skipgram_objectives_equal_the_analytic_gradients(pb):
    v_c, U, o, neg = pb["v_c"], pb["U"], pb["o"], pb["negatives"]
    assert_same(ob.skipgram_softmax(v_c, o, U), ao.skipgram_softmax(v_c, o, U))
    window = pb["context"]                           # 1..6 outside words, repeats likely
    assert_same(ob.skipgram_softmax_window(v_c, window, U),
                ao.skipgram_softmax_window(v_c, window, U))
    assert_same(ob.skipgram_neg_sampling(v_c, o, neg, U),
                ao.skipgram_neg_sampling(v_c, o, neg, U))
    tree = build_huffman(pb["counts"])
    path, code = tree.paths[pb["tree_word"]], tree.codes[pb["tree_word"]]
    assert_same(ob.skipgram_hs(v_c, path, code, U[:-1]),
                ao.skipgram_hs(v_c, path, code, U[:-1]))


@settings(max_examples=25)
@given(problems())
def test_cbow_objectives_equal_the_analytic_gradients(pb):
    V, U, c, neg, ctx = pb["V"], pb["U"], pb["o"], pb["negatives"], pb["context"]
    assert_same(ob.cbow_softmax(V, ctx, c, U), ao.cbow_softmax(V, ctx, c, U))
    assert_same(ob.cbow_neg_sampling(V, ctx, c, neg, U),
                ao.cbow_neg_sampling(V, ctx, c, neg, U))
    tree = build_huffman(pb["counts"])
    path, code = tree.paths[pb["tree_word"]], tree.codes[pb["tree_word"]]
    assert_same(ob.cbow_hs(V, ctx, path, code, U[:-1]),
                ao.cbow_hs(V, ctx, path, code, U[:-1]))


@settings(max_examples=25)
@given(problems())
def test_nce_objectives_equal_the_analytic_gradients(pb):
    v_c, U, o, neg, counts = pb["v_c"], pb["U"], pb["o"], pb["negatives"], pb["counts"]
    noise = counts / counts.sum()
    log_kpn = np.log(len(neg) * noise)
    assert_same(ob.skipgram_nce(v_c, o, neg, U, log_kpn),
                ao.skipgram_nce(v_c, o, neg, U, log_kpn))
    s = U @ v_c
    p = np.exp(U[::-1] @ v_c) / np.exp(U[::-1] @ v_c).sum()
    for K in (1, len(neg)):
        for b in (np.log(K * noise), np.zeros_like(noise)):      # NCE, negative sampling
            assert_same(ob.nce_expected_loss(s, p, noise, K, b),
                        ao.nce_expected_loss(s, p, noise, K, b))


@settings(max_examples=25)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_glove_equals_the_analytic_gradients(n_rows, n_cols, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 300, size=(n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < 0.6)
    X[0, 0] = 150                                    # at least one count, one above x_max
    W, W_tilde = rng.normal(scale=0.5, size=(n_rows, d)), rng.normal(scale=0.5, size=(n_cols, d))
    b, b_tilde = rng.normal(size=n_rows), rng.normal(size=n_cols)
    assert_same(glove.loss(W, W_tilde, b, b_tilde, X),
                ao.glove_loss(W, W_tilde, b, b_tilde, X))
    i, j = np.argwhere(X > 0)[-1]
    args = (W[i], W_tilde[j], b[i], b_tilde[j], X[i, j])
    assert_same(glove.pair_loss(*args), ao.glove_pair_loss(*args))


@settings(max_examples=25)
@given(problems(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_shared_negatives_equal_the_analytic_gradients(pb, L, seed):
    rng = np.random.default_rng(seed)
    V, U, neg, ctx = pb["V"], pb["U"], pb["negatives"], pb["context"]
    c = min(pb["o"], 3)                              # often among the negatives
    assert_same(fast.skipgram_shared_negatives(V, ctx, c, neg, U),
                ao.skipgram_shared_negatives(V, ctx, c, neg, U))
    n = V.shape[0]
    centres = rng.integers(0, min(n, 4), size=L)
    inputs = rng.integers(0, n, size=len(ctx) + L)
    band = (rng.random((inputs.size, L)) < 0.5).astype(float)
    for K in (None, 5):
        assert_same(fast.skipgram_span(V, inputs, centres, band, neg, U, K),
                    ao.skipgram_span(V, inputs, centres, band, neg, U, K))


def test_the_fourth_check_catches_a_wrong_analytic_gradient(rng):
    """word2vec.c's CBOW update (no 1/C) is not the gradient, and autodiff says so."""
    V, U = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    ctx = [0, 2, 4]
    loss, grads = ob.cbow_softmax(V, ctx, 1, U)
    with pytest.raises(AssertionError, match="V: relative error"):
        assert_same((loss, {**grads, "V": grads["V"] * len(ctx)}), ao.cbow_softmax(V, ctx, 1, U))


def test_autodiff_objectives_refuse_bad_input():
    U = np.zeros((4, 3))
    with pytest.raises(IndexError, match="o: expected a word index in 0..3"):
        ao.skipgram_softmax(np.zeros(3), 4, U)
    with pytest.raises(ValueError, match=r"v_c: expected shape \(3,\)"):
        ao.skipgram_neg_sampling(np.zeros(2), 0, [1], U)
    with pytest.raises(ValueError, match="negatives: expected at least one"):
        ao.cbow_neg_sampling(U, [0], 1, [], U)
    with pytest.raises(ValueError, match="code: expected only 0 and 1"):
        ao.cbow_hs(U, [0], [0, 1], [0, 2], U[:3])
    with pytest.raises(ValueError, match=r"log_kpn: expected shape \(4,\)"):
        ao.skipgram_nce(np.zeros(3), 0, [1], U, np.zeros(3))
    with pytest.raises(ValueError, match=r"noise: expected shape \(4,\)"):
        ao.nce_expected_loss(np.zeros(4), np.ones(4) / 4, np.ones(3) / 3, 2, np.zeros(4))
    with pytest.raises(ValueError, match="X: expected at least one positive count"):
        ao.glove_loss(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros(2), np.zeros(2),
                      np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"W_tilde: expected shape \(2, 1\)"):
        ao.glove_loss(np.zeros((2, 1)), np.zeros((3, 1)), np.zeros(2), np.zeros(2),
                      np.ones((2, 2)))
    with pytest.raises(ValueError, match="x: expected a positive count"):
        ao.glove_pair_loss(np.zeros(2), np.zeros(2), 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="K: expected an integer >= 1"):
        ao.nce_expected_loss(np.zeros(4), np.ones(4) / 4, np.ones(4) / 4, 0, np.zeros(4))


# ------------------------------------------------------------------ each VJP, by finite differences
def _rand(rng, shape, positive=False):
    x = rng.normal(size=shape)
    return np.abs(x) + 0.5 if positive else x


shapes = st.tuples(st.integers(1, 4), st.integers(1, 5))


def op_cases(rng, m, k):
    """(f, inputs) for every operation, with broadcasting and repeated rows."""
    rows = rng.integers(0, m, size=5)                # repeats are likely
    return [
        (lambda a, b: a + b, {"a": _rand(rng, (m, k)), "b": _rand(rng, (k,))}),
        (lambda a, b: a - b, {"a": _rand(rng, (m, 1)), "b": _rand(rng, (1, k))}),
        (lambda a, b: a * b, {"a": _rand(rng, (m, k)), "b": _rand(rng, (m, 1))}),
        (lambda a, b: a / b, {"a": _rand(rng, (k,)), "b": _rand(rng, (m, k), positive=True)}),
        (lambda a, b: a @ b, {"a": _rand(rng, (m, k)), "b": _rand(rng, (k, 3))}),
        (lambda a, b: a @ b, {"a": _rand(rng, (m, k)), "b": _rand(rng, (k,))}),
        (lambda a, b: a @ b, {"a": _rand(rng, (k,)), "b": _rand(rng, (k, m))}),
        (lambda a, b: a @ b, {"a": _rand(rng, (k,)), "b": _rand(rng, (k,))}),
        (lambda a: -a, {"a": _rand(rng, (m, k))}),
        (lambda a: a ** 2, {"a": _rand(rng, (m, k))}),
        (lambda a: ad.exp(a), {"a": _rand(rng, (m, k))}),
        (lambda a: ad.log(a), {"a": _rand(rng, (m, k), positive=True)}),
        (lambda a: ad.sigmoid(a), {"a": 4 * _rand(rng, (m, k))}),
        (lambda a: ad.log_sigmoid(a), {"a": 4 * _rand(rng, (m, k))}),
        (lambda a: ad.logsumexp(a), {"a": _rand(rng, (m, k))}),
        (lambda a: ad.softmax(a), {"a": _rand(rng, (m, k))}),
        (lambda a: a.sum(), {"a": _rand(rng, (m, k))}),
        (lambda a: a.sum(axis=0), {"a": _rand(rng, (m, k))}),
        (lambda a: a.mean(axis=-1), {"a": _rand(rng, (m, k))}),
        (lambda a: a.mean(), {"a": _rand(rng, (m, k))}),
        (lambda a: a[rows], {"a": _rand(rng, (m, k))}),
        (lambda a: a[m - 1], {"a": _rand(rng, (m, k))}),
        (lambda a: 2.0 * a + np.ones(k) - 1.0 / (a * a + 1.0), {"a": _rand(rng, (m, k))}),
    ]


@settings(max_examples=20)
@given(shapes, st.integers(0, 2**32 - 1))
def test_every_vjp_matches_finite_differences(shape, seed):
    rng = np.random.default_rng(seed)
    for f, params in op_cases(rng, *shape):
        ad.check_vjp(f, params, rng).assert_ok(FD_TOL)


@settings(max_examples=20)
@given(shapes, st.integers(0, 2**32 - 1))
def test_every_jvp_is_the_transpose_of_its_vjp(shape, seed):
    """<s, (dy/dx) t> = <(dy/dx)^T s, t> for random s and t: the JVPs and VJPs agree."""
    rng = np.random.default_rng(seed)
    for f, params in op_cases(rng, *shape):
        tangents = {k: rng.normal(size=np.shape(v)) for k, v in params.items()}
        value, dot = ad.jvp(f, params, tangents)
        s = rng.normal(size=np.shape(value))
        _, grads = ad.seeded_loss(f, s)(**params)
        expected = sum(np.sum(grads[k] * tangents[k]) for k in params)
        assert relative_error(np.sum(s * dot), expected) <= TOL


def test_repeated_rows_accumulate(rng):
    U = rng.normal(size=(4, 3))
    x = ad.Var(U)
    y = x[[2, 0, 2, 2]]
    seed = rng.normal(size=(4, 3))
    y.backward(seed)
    np.testing.assert_allclose(x.grad[2], seed[0] + seed[2] + seed[3])
    np.testing.assert_allclose(x.grad[0], seed[1])
    assert not x.grad[[1, 3]].any()


def test_shared_subexpression_adds_both_paths(rng):
    a = rng.normal(size=3)
    x = ad.Var(a)
    y = (x * x + ad.exp(x)).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * a + np.exp(a), rtol=1e-14)


def test_an_unused_parameter_gets_a_zero_gradient():
    loss, grads = ad.grad(lambda a, b: (a * a).sum(), a=np.ones(2), b=np.ones((3, 2)))
    assert loss == 2.0 and np.array_equal(grads["a"], [2.0, 2.0])
    assert np.array_equal(grads["b"], np.zeros((3, 2)))


def test_softmax_cross_entropy_vjp_is_p_minus_y(rng):
    z = rng.normal(size=6)
    zv = ad.Var(z)
    (ad.logsumexp(zv) - zv[4]).backward()
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(zv.grad, p - np.eye(6)[4], rtol=1e-13, atol=1e-15)
    zv2 = ad.Var(z)
    (-ad.log(ad.softmax(zv2)[4])).backward()
    np.testing.assert_allclose(zv2.grad, p - np.eye(6)[4], rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ a wrong VJP is caught
def tanh_op(derivative):
    def tanh(x):
        y = np.tanh(x.value)
        return ad.primitive("tanh", y, [(x, lambda g: g * derivative(y))])
    return tanh


def test_a_wrong_vjp_is_caught(rng):
    x = {"x": rng.normal(size=(3, 2))}
    ad.check_vjp(tanh_op(lambda y: 1 - y ** 2), x, rng).assert_ok(FD_TOL)
    report = ad.check_vjp(tanh_op(lambda y: 1 - y), x, rng)
    assert not report.ok(1e-3)
    with pytest.raises(AssertionError, match=r"relative error .* at x\["):
        report.assert_ok(FD_TOL)


def test_a_gather_that_overwrites_instead_of_adding_is_caught(rng):
    rows = [1, 0, 1]

    def gather(x):                      # the bug: fancy assignment keeps only the last row
        def vjp(g):
            full = np.zeros(x.shape)
            full[rows] = g
            return full
        return ad.primitive("gather", x.value[rows], [(x, vjp)])

    params = {"x": rng.normal(size=(3, 2))}
    ad.check_vjp(lambda x: x[rows], params, rng).assert_ok(FD_TOL)
    assert not ad.check_vjp(gather, params, rng).ok(1e-3)


def test_a_vjp_of_the_wrong_shape_is_named(rng):
    x = ad.Var(rng.normal(size=3))
    y = ad.primitive("bad", x.value.sum(), [(x, lambda g: np.ones(2))])
    with pytest.raises(ValueError, match=r"bad: its VJP returned shape \(2,\) for an input "
                                         r"of shape \(3,\)"):
        y.backward()


# ------------------------------------------------------------------ forward mode
@settings(max_examples=15)
@given(problems(max_n=12, max_d=5))
def test_forward_and_reverse_mode_are_transposes(pb):
    """<dJ/dx, t> from reverse mode equals the JVP (dJ/dx) t from forward mode."""
    rng = np.random.default_rng(0)
    V, U, ctx, c, neg = pb["V"], pb["U"], pb["context"], pb["o"], pb["negatives"]
    rows, t = ao._ns_rows(c, neg, U.shape[0])

    def f(V, U):
        return ao.logistic_loss(V[np.asarray(ctx)].mean(axis=0), rows, t, U)
    tangents = {"V": rng.normal(size=V.shape), "U": rng.normal(size=U.shape)}
    loss, grads = ad.grad(f, V=V, U=U)
    value, dot = ad.jvp(f, {"V": V, "U": U}, tangents)
    assert value == loss
    expected = sum(np.sum(grads[k] * tangents[k]) for k in grads)
    assert relative_error(dot, expected) <= TOL


def test_jvp_of_softmax_and_matmul_equal_jacobian_products(rng):
    z, t = rng.normal(size=5), rng.normal(size=5)
    p = np.exp(z) / np.exp(z).sum()
    _, dot = ad.jvp(lambda z: ad.softmax(z), {"z": z}, {"z": t})
    np.testing.assert_allclose(dot, (np.diag(p) - np.outer(p, p)) @ t, rtol=1e-12)
    A, x, tA = rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(4, 5))
    _, dot = ad.jvp(lambda A, x: A @ x, {"A": A, "x": x}, {"A": tA, "x": t})
    np.testing.assert_allclose(dot, tA @ x + A @ t, rtol=1e-12)


# ------------------------------------------------------------------ operation counts
@pytest.mark.parametrize("n", [10, 100, 1000])
def test_backward_costs_a_small_multiple_of_forward(n, rng):
    d = 20
    with ad.count_ops() as ops:
        ao.skipgram_softmax(rng.normal(size=d), 3, rng.normal(size=(n, d)))
    assert ops["forward"] >= n * d and ops["backward"] <= 2 * ops["forward"]


def test_counting_is_scoped_and_nests(rng):
    with ad.count_ops() as outer:
        ad.exp(ad.Var(np.ones(3)))
        with ad.count_ops() as inner:
            ad.exp(ad.Var(np.ones(5)))
    assert (outer["forward"], inner["forward"]) == (3, 5)
    ad.exp(ad.Var(np.ones(7)))                       # not counted: outside the blocks
    assert outer["forward"] == 3


# ------------------------------------------------------------------ bad input
def test_bad_input_is_named():
    x = ad.Var(np.ones((2, 3)), name="x")
    with pytest.raises(ValueError, match=r"backward: the output has shape \(2, 3\), not a "
                                         "scalar; pass seed="):
        x.backward()
    with pytest.raises(ValueError, match=r"seed: expected shape \(2, 3\)"):
        (x * 2.0).backward(np.ones(3))
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(2,\) do not match"):
        x @ np.ones(2)
    with pytest.raises(ValueError, match=r"matmul: expected vectors or matrices"):
        x @ np.ones((3, 2, 2))
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(2,\) do not broadcast"):
        x + np.ones(2)
    with pytest.raises(ValueError, match=r"mul: shapes \(4,\) and \(2, 3\) do not broadcast"):
        np.ones(4) * x
    with pytest.raises(IndexError, match="rows: expected row indexes in 0..1, got 2"):
        x[[0, 2]]
    with pytest.raises(IndexError, match="rows: expected a word index in 0..1, got 5"):
        x[5]
    with pytest.raises(ValueError, match="rows: expected integer row indexes"):
        x[[0.5]]
    with pytest.raises(ValueError, match="log: expected positive entries"):
        ad.log(x - 1.0)
    with pytest.raises(ValueError, match="div: the divisor has a zero entry"):
        x / (x - 1.0)
    with pytest.raises(ValueError, match="value: expected finite values"):
        ad.Var([1.0, np.nan])
    with pytest.raises(ValueError, match="value: expected a real numeric array"):
        ad.Var(["a"])
    with pytest.raises(ValueError, match="sum: axis must be None or an integer in -2..1"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="logsumexp: expected at least one entry"):
        ad.logsumexp(ad.Var(np.ones((2, 0))))
    with pytest.raises(ValueError, match="exp: the result has a non-finite entry"):
        ad.exp(x * 1000.0)
    with pytest.raises(ValueError, match="power: x \\*\\* 0.5 has no finite derivative at 0"):
        (x - 1.0) ** 0.5
    with pytest.raises(TypeError, match="power: expected a constant real exponent"):
        x ** x
    with pytest.raises(TypeError, match="each edge must be"):
        ad.primitive("bad", np.ones(1), [(np.ones(1), lambda g: g)])
    with pytest.raises(TypeError, match="f: expected it to return a Var"):
        ad.grad(lambda a: 1.0, a=np.ones(2))
    with pytest.raises(ValueError, match="params: expected a non-empty dict"):
        ad.grad(lambda: 1.0)
    with pytest.raises(KeyError, match="tangents: expected keys"):
        ad.jvp(lambda a: a.sum(), {"a": np.ones(2)}, {"b": np.ones(2)})
    with pytest.raises(ValueError, match=r"tangents\['a'\]: expected shape \(2,\)"):
        ad.jvp(lambda a: a.sum(), {"a": np.ones(2)}, {"a": np.ones(3)})
    with pytest.raises(ValueError, match="rng: expected a numpy.random.Generator"):
        ad.check_vjp(lambda a: a, {"a": np.ones(2)}, rng=None)

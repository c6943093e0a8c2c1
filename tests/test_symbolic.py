"""The SymPy scaffolding: models, index notation, assert_equal, the lambdify bridge."""

import numpy as np
import pytest
import sympy as sp

from w2vlib import objectives as ob
from w2vlib import symbolic as sy


def test_assert_equal_passes_on_the_softmax_gradient():
    m = sy.skipgram_softmax_model(4, 3, o=2)
    p, y, U, v_c = m.extras["p"], m.extras["y"], m.params["U"], m.params["v_c"]
    assert sy.assert_equal(m.grad("v_c"), U.T * (p - y))
    assert sy.assert_equal(m.grad("U"), (p - y) * v_c.T)


def test_assert_equal_fails_showing_the_difference():
    m = sy.skipgram_softmax_model(3, 2, o=0)
    p, y, U = m.extras["p"], m.extras["y"], m.params["U"]
    with pytest.raises(AssertionError, match="not equal: entry 0 of the difference simplifies to"):
        sy.assert_equal(m.grad("v_c"), U.T * (y - p))          # dropped sign
    x = sp.Symbol("x")
    with pytest.raises(AssertionError, match="simplifies to x"):
        sy.assert_equal(2 * x, x)


def test_sigma_declared_derivative_is_the_true_one():
    x = sp.Symbol("x", real=True)
    declared = sp.diff(sy.sigma(x), x)
    derived = sp.diff(1 / (1 + sp.exp(-x)), x)
    sy.assert_equal(declared, derived)
    assert sp.latex(sy.sigma(x)) == r"\sigma\left(x\right)"


def test_index_notation_component_of_dJ_dv():
    f = sy.index_softmax_loss(n=4, d=3)
    v, U, o = f["v"], f["U"], f["o"]
    for m in range(3):
        derived = sp.diff(f["loss"], v[m]).doit()
        z = [sum(U[w, i] * v[i] for i in range(3)) for w in range(4)]
        claimed = -U[o, m] + sum(sp.exp(z[w]) * U[w, m] for w in range(4)) / sum(
            sp.exp(zw) for zw in z)
        sy.assert_equal(derived, claimed)


def test_index_notation_is_general():
    f = sy.index_softmax_loss()
    assert f["n"].is_Symbol and f["d"].is_Symbol
    derived = sp.diff(f["loss"], f["v"][f["m"]])
    assert derived.has(sp.KroneckerDelta)


def test_numeric_bridge_matches_w2vlib(rng):
    m = sy.cbow_neg_sampling_model(4, 3, context=(0, 0, 2), c=1, negatives=(3, 3))
    V, U = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss, grads = m.numeric(V=V, U=U)
    loss2, grads2 = ob.cbow_neg_sampling(V, [0, 0, 2], 1, [3, 3], U)
    np.testing.assert_allclose(loss, loss2)
    np.testing.assert_allclose(grads["V"], grads2["V"])
    np.testing.assert_allclose(grads["U"], grads2["U"])


def test_bad_arguments():
    m = sy.skipgram_softmax_model(4, 3, o=0)
    with pytest.raises(KeyError, match="name: expected one of"):
        m.grad("W")
    with pytest.raises(KeyError, match=r"values: missing \['U'\]"):
        m.numeric(v_c=np.zeros(3))
    with pytest.raises(ValueError, match=r"values\['U'\]: expected 12 entries"):
        m.numeric(v_c=np.zeros(3), U=np.zeros((3, 3)))


def test_nce_model_is_negative_sampling_at_a_zero():
    nce = sy.skipgram_nce_model(4, 3, o=0, negatives=(2, 2, 3))
    neg = sy.skipgram_neg_sampling_model(4, 3, o=0, negatives=(2, 2, 3))
    a = nce.extras["a"]
    at_zero = nce.loss.subs({a[w]: 0 for w in range(4)})
    assert sy.assert_equal(at_zero, neg.loss)
    with pytest.raises(AssertionError):
        sy.assert_equal(nce.loss, neg.loss)
    with pytest.raises(ValueError, match="numeric: the loss has symbols that are not "
                                         r"parameters, \['a_0', 'a_2', 'a_3'\]"):
        nce.numeric(v_c=np.zeros(3), U=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="log_kpn: expected 4 values"):
        sy.skipgram_nce_model(4, 3, log_kpn=[0.0, 1.0])


def test_batch_models_evaluate_to_the_output_kernels():
    rng = np.random.default_rng(5)
    H, U = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    Z_free = sy.matrix("Z", 3, 4)
    at = dict(zip(Z_free, (H @ U.T).ravel()))
    o = [1, 0, 1]
    loss, _, _ = ob.softmax_output(H, np.array(o), U)
    J = sy.batch_softmax_loss(Z_free, o)
    assert abs(float(J.subs(at)) - loss.sum()) < 1e-12
    P = np.array(sy.batch_softmax_probs(Z_free).subs(at), dtype=float)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.array(sy.gradient(J, Z_free).subs(at), dtype=float),
                               P - np.eye(4)[o], atol=1e-12)
    rows = np.array([[1, 3, 3], [0, 2, 3], [1, 0, 2]])
    T = np.array([[1.0, 0, 0]] * 3)
    loss, _, g = ob.binary_logistic_factored(H, U[rows], T)
    J = sy.batch_logistic_loss(Z_free, rows, T)
    assert abs(float(J.subs(at).rewrite(sp.exp)) - loss.sum()) < 1e-12
    G = np.array(sy.batch_logistic_errors(Z_free, rows, T).subs(at)
                 .applyfunc(lambda e: e.rewrite(sp.exp)), dtype=float)
    assert G[0, 3] == pytest.approx(g[0, 1] + g[0, 2], rel=1e-12)   # a repeat adds
    assert np.count_nonzero(G[0]) == 2
    sy.assert_equal_expanded(sy.gradient(J, Z_free), sy.batch_logistic_errors(
        Z_free, rows, T))


def test_batch_models_refuse_mismatched_shapes():
    Z = sy.matrix("Z", 2, 3)
    with pytest.raises(ValueError, match="targets: expected 2 words"):
        sy.batch_softmax_loss(Z, [0])
    with pytest.raises(ValueError, match=r"rows\[1\]: words \[3\] outside 0..2"):
        sy.batch_logistic_loss(Z, [[0, 1], [2, 3]], [[1, 0], [1, 0]])
    with pytest.raises(ValueError, match=r"rows\[0\], targets\[0\]: 2 words but 1"):
        sy.batch_logistic_errors(Z, [[0, 1], [2]], [[1], [1]])

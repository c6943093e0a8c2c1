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


def test_nce_model_is_negative_sampling_at_b_zero():
    nce = sy.skipgram_nce_model(4, 3, o=0, negatives=(2, 2, 3))
    neg = sy.skipgram_neg_sampling_model(4, 3, o=0, negatives=(2, 2, 3))
    b = nce.extras["b"]
    at_zero = nce.loss.subs({b[w]: 0 for w in range(4)})
    assert sy.assert_equal(at_zero, neg.loss)
    with pytest.raises(AssertionError):
        sy.assert_equal(nce.loss, neg.loss)
    with pytest.raises(ValueError, match="numeric: the loss has symbols that are not "
                                         r"parameters, \['b_0', 'b_2', 'b_3'\]"):
        nce.numeric(v_c=np.zeros(3), U=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="log_kpn: expected 4 values"):
        sy.skipgram_nce_model(4, 3, log_kpn=[0.0, 1.0])

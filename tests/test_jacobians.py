"""Tests for w2vlib.jacobians (and symbolic.collapse_deltas, added for chapters 01-02)."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from w2vlib import functions, objectives, symbolic
from w2vlib.gradcheck import gradcheck
from w2vlib.jacobians import (
    binary_cross_entropy_grad_p,
    chain_rule,
    chain_terms,
    cross_entropy_grad_p,
    elementwise_jacobian,
    numerical_jacobian,
    sigmoid_jacobian,
    softmax_jacobian,
    trick_gradient,
    trick_softmax_output,
)

logits = arrays(np.float64, st.integers(2, 8),
                elements=st.floats(-5, 5, allow_nan=False, allow_infinity=False))


def sigmoid_prime(x):
    s = functions.sigmoid(x)
    return s * (1 - s)


# ----------------------------------------------------------------- Jacobians
@settings(deadline=None, max_examples=40)
@given(logits)
def test_softmax_jacobian_matches_finite_differences(z):
    np.testing.assert_allclose(softmax_jacobian(z), numerical_jacobian(functions.softmax, z),
                               atol=1e-8)


@settings(deadline=None, max_examples=40)
@given(logits)
def test_softmax_jacobian_is_diag_p_minus_outer_and_rows_sum_to_zero(z):
    p = functions.softmax(z)
    jac = softmax_jacobian(z)
    np.testing.assert_allclose(jac, np.diag(p) - np.outer(p, p), atol=1e-15)
    np.testing.assert_allclose(jac, jac.T, atol=1e-15)
    np.testing.assert_allclose(jac.sum(axis=0), 0, atol=1e-12)
    assert np.linalg.eigvalsh(jac).min() > -1e-12          # a covariance matrix: PSD


def test_softmax_jacobian_batched_and_stable_at_extreme_logits():
    z = np.array([[1000.0, 999.0, -1000.0], [0.1, 0.2, 0.3]])
    jac = softmax_jacobian(z)
    assert jac.shape == (2, 3, 3)
    assert np.all(np.isfinite(jac))
    for row in range(2):
        np.testing.assert_allclose(jac[row], softmax_jacobian(z[row]))
    np.testing.assert_allclose(jac[0], softmax_jacobian(z[0] - 1000.0), atol=1e-15)


@settings(deadline=None, max_examples=40)
@given(logits)
def test_sigmoid_jacobian_is_diagonal_and_matches_finite_differences(s):
    jac = sigmoid_jacobian(s)
    np.testing.assert_allclose(jac, numerical_jacobian(functions.sigmoid, s), atol=1e-9)
    np.testing.assert_array_equal(jac - np.diag(np.diagonal(jac)), 0)
    np.testing.assert_allclose(jac, elementwise_jacobian(sigmoid_prime, s))


def test_numerical_jacobian_of_a_linear_map_is_the_matrix():
    A = np.arange(6.0).reshape(2, 3) - 2
    np.testing.assert_allclose(numerical_jacobian(lambda x: A @ x, np.ones(3)), A, atol=1e-9)


# ----------------------------------------------------------------- chain rule vs the trick
@settings(deadline=None, max_examples=40)
@given(logits, st.data())
def test_chain_rule_agrees_with_gradcheck_on_softmax_cross_entropy(z, data):
    o = data.draw(st.integers(0, z.size - 1))
    y = np.eye(z.size)[o]

    def f(z):
        p = functions.softmax(z)
        return (float(functions.logsumexp(z) - z[o]),
                {"z": chain_rule(cross_entropy_grad_p(p, y), softmax_jacobian(z))})

    gradcheck(f, {"z": z}).assert_ok(1e-6)


@settings(deadline=None, max_examples=40)
@given(logits, st.data())
def test_trick_misses_exactly_p_times_one_minus_y_on_softmax(z, data):
    o = data.draw(st.integers(0, z.size - 1))
    y = np.eye(z.size)[o]
    p = functions.softmax(z)
    g, jac = cross_entropy_grad_p(p, y), softmax_jacobian(z)
    trick = trick_gradient(g, jac)
    np.testing.assert_allclose(chain_rule(g, jac), p - y, atol=1e-12)
    np.testing.assert_allclose(trick, -(1 - p[o]) * y, atol=1e-12)
    np.testing.assert_allclose(chain_rule(g, jac) - trick, p * (1 - y), atol=1e-12)
    # the dropped terms are the off-diagonal entries of the chain-rule table
    terms = chain_terms(g, jac)
    np.testing.assert_allclose(terms.sum(axis=0) - np.diagonal(terms), p * (1 - y), atol=1e-12)


def test_trick_fails_gradcheck_on_softmax():
    z = np.array([0.5, -0.3, 1.2, 0.0])
    y = np.eye(4)[1]

    def f(z):
        p = functions.softmax(z)
        return (float(functions.logsumexp(z) - z[1]),
                {"z": trick_gradient(cross_entropy_grad_p(p, y), softmax_jacobian(z))})

    report = gradcheck(f, {"z": z})
    # the trick sets dJ/dz_w = 0 for w != o, where the truth is p_w
    np.testing.assert_allclose(report.max_rel_error, np.delete(functions.softmax(z), 1).max(),
                               rtol=1e-6)
    with pytest.raises(AssertionError, match="gradient check failed"):
        report.assert_ok(1e-6)


@settings(deadline=None, max_examples=40)
@given(logits, st.data())
def test_trick_is_exact_for_elementwise_logistic_units(s, data):
    t = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=s.size,
                                    max_size=s.size)))
    p = functions.sigmoid(s)
    g, jac = binary_cross_entropy_grad_p(p, t), sigmoid_jacobian(s)
    np.testing.assert_allclose(trick_gradient(g, jac), chain_rule(g, jac), atol=1e-12)
    np.testing.assert_allclose(trick_gradient(g, jac), p - t, atol=1e-9)

    def f(s):
        loss, _, _ = objectives.binary_logistic_output(np.ones(1), s[:, None], t)
        p = functions.sigmoid(s)
        return float(loss), {"s": trick_gradient(binary_cross_entropy_grad_p(p, t),
                                                 sigmoid_jacobian(s))}

    gradcheck(f, {"s": s}).assert_ok(1e-6)


def test_batched_chain_rule_and_trick():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 4))
    jac = softmax_jacobian(z)
    np.testing.assert_allclose(chain_rule(g, jac), np.stack([jac[b].T @ g[b] for b in range(5)]))
    np.testing.assert_allclose(trick_gradient(g, jac),
                               np.stack([np.diag(jac[b]) * g[b] for b in range(5)]))
    assert chain_terms(g, jac).shape == (5, 4, 4)


def test_chain_rule_with_rectangular_jacobian():
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])            # p = A x, k = 2, d = 3
    np.testing.assert_allclose(chain_rule(np.array([1.0, -1.0]), A), [-3.0, -3.0, -3.0])


def test_cross_entropy_grad_p_with_soft_target():
    p = np.array([0.2, 0.3, 0.5])
    q = np.array([0.0, 0.25, 0.75])
    np.testing.assert_allclose(cross_entropy_grad_p(p, q), [0.0, -0.25 / 0.3, -0.75 / 0.5])
    np.testing.assert_allclose(chain_rule(cross_entropy_grad_p(p, q),
                                          softmax_jacobian(np.log(p))), p - q, atol=1e-12)
    # a zero probability is fine where the target is zero
    np.testing.assert_array_equal(cross_entropy_grad_p(np.array([0.0, 1.0]),
                                                       np.array([0.0, 1.0])), [0.0, -1.0])


# ----------------------------------------------------------------- the trick as an output layer
def test_trick_softmax_output_matches_the_generic_trick():
    rng = np.random.default_rng(1)
    n, d = 6, 3
    U = rng.normal(size=(n, d))
    h = rng.normal(size=(4, d))
    o = np.array([0, 5, 2, 2])
    loss, grad_h, grad_U = trick_softmax_output(h, o, U)
    true_loss, true_h, true_U = objectives.softmax_output(h, o, U)
    np.testing.assert_allclose(loss, true_loss)
    z = h @ U.T
    p = functions.softmax(z)
    y = np.eye(n)[o]
    delta = trick_gradient(cross_entropy_grad_p(p, y), softmax_jacobian(z))
    np.testing.assert_allclose(grad_h, delta @ U, atol=1e-12)
    np.testing.assert_allclose(grad_U, delta.T @ h, atol=1e-12)
    # what it drops: U^T (p * (1 - y)) for h, and sum (p * (1 - y)) h^T for U
    np.testing.assert_allclose(true_h - grad_h, (p * (1 - y)) @ U, atol=1e-12)
    np.testing.assert_allclose(true_U - grad_U, (p * (1 - y)).T @ h, atol=1e-12)


def test_trick_softmax_output_single_example_and_underflow():
    U = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    loss, grad_h, grad_U = trick_softmax_output(np.array([2000.0, 0.0]), 2, U)
    assert np.isfinite(loss) and loss > 3000          # p_o underflows to 0 ...
    np.testing.assert_allclose(grad_h, [1.0, 0.0])    # ... and the trick's delta is -1 at o
    np.testing.assert_allclose(grad_U[2], [-2000.0, 0.0])
    np.testing.assert_array_equal(grad_U[:2], 0.0)


# ----------------------------------------------------------------- bad input
def test_bad_inputs_raise_with_the_argument_name():
    with pytest.raises(ValueError, match="h: expected a positive float"):
        numerical_jacobian(functions.softmax, np.ones(3), h=0.0)
    with pytest.raises(ValueError, match="x: expected 1 dimension"):
        numerical_jacobian(functions.softmax, np.ones((2, 3)))
    with pytest.raises(ValueError, match="f: expected it to return a 1-D array"):
        numerical_jacobian(lambda x: float(x.sum()), np.ones(3))
    with pytest.raises(ValueError, match="fprime: expected it to return shape"):
        elementwise_jacobian(lambda x: x.sum(), np.ones(3))
    with pytest.raises(ValueError, match="z: expected at least 1 dimension"):
        softmax_jacobian(1.0)
    with pytest.raises(ValueError, match="s: expected finite"):
        sigmoid_jacobian([0.0, np.nan])
    with pytest.raises(ValueError, match="jac: expected a square Jacobian"):
        trick_gradient(np.ones(2), np.ones((2, 3)))
    with pytest.raises(ValueError, match="grad_p: expected shape"):
        chain_rule(np.ones(3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="jac: expected at least 2 dimension"):
        chain_terms(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="y: expected shape"):
        cross_entropy_grad_p(np.full(3, 1 / 3), np.ones(2))
    with pytest.raises(ValueError, match="p: expected p_w > 0"):
        cross_entropy_grad_p(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="t: expected shape"):
        binary_cross_entropy_grad_p(np.full(3, 0.5), np.ones(2))
    with pytest.raises(ValueError, match="p: expected probabilities strictly between"):
        binary_cross_entropy_grad_p(np.array([0.5, 1.0]), np.ones(2))
    U = np.ones((4, 2))
    with pytest.raises(ValueError, match="h: expected shape"):
        trick_softmax_output(np.ones(3), 1, U)
    with pytest.raises(ValueError, match="o: expected integer"):
        trick_softmax_output(np.ones(2), 1.0, U)
    with pytest.raises(IndexError, match="o: expected word indices in 0..3, got 4"):
        trick_softmax_output(np.ones(2), 4, U)
    with pytest.raises(ValueError, match="U: expected 2 dimension"):
        trick_softmax_output(np.ones(2), 1, np.ones(4))


# ----------------------------------------------------------------- symbolic.collapse_deltas
def test_collapse_deltas_gives_the_component_gradient_of_the_softmax_loss():
    idx = symbolic.index_softmax_loss()
    U, v, m, o, w, n, z = (idx[k] for k in ("U", "v", "m", "o", "w", "n", "z"))
    derived = symbolic.collapse_deltas(sp.diff(idx["loss"], v[m]))
    assert not derived.has(sp.Piecewise)
    right = sp.Sum(sp.exp(z(w)) * U[w, m], (w, 0, n - 1)) / sp.Sum(sp.exp(z(w)), (w, 0, n - 1))
    symbolic.assert_equal(derived, right - U[o, m])
    with pytest.raises(AssertionError):
        symbolic.assert_equal(derived, right)           # dropping -u_o,m must be caught


def test_collapse_deltas_leaves_other_piecewise_alone():
    x = sp.Symbol("x", real=True)
    e = sp.Piecewise((x, x > 0), (0, True))
    assert symbolic.collapse_deltas(e) == e

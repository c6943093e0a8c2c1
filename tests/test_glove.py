"""GloVe: hand values, finite differences on random sizes, SymPy, the optimum, the trainer
against a transcription of glove.c's update, bad input."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib import glove
from w2vlib import symbolic as sy
from w2vlib.gradcheck import gradcheck
from w2vlib.train import TrainingDivergedError

TOL = 1e-6


@st.composite
def problems(draw, max_n=8, max_d=6):
    """Random sizes, a count matrix with zeros and counts on both sides of x_max."""
    n_rows = draw(st.integers(1, max_n))
    n_cols = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.choice([0.0, 0.4, 1.0, 3.0, 40.0, 250.0], size=(n_rows, n_cols))
    X[rng.integers(n_rows), rng.integers(n_cols)] = 7.0          # at least one count
    return {"X": X, "W": rng.normal(scale=0.5, size=(n_rows, d)),
            "W_tilde": rng.normal(scale=0.5, size=(n_cols, d)),
            "b": rng.normal(size=n_rows), "b_tilde": rng.normal(size=n_cols)}


def naive_loss(W, W_tilde, b, b_tilde, X, x_max=100.0, alpha=0.75):
    """The paper's sum, one entry at a time."""
    J = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            if X[i, j] > 0:
                f = min(1.0, (X[i, j] / x_max) ** alpha)
                J += f * (W[i] @ W_tilde[j] + b[i] + b_tilde[j] - math.log(X[i, j])) ** 2
    return J


# ------------------------------------------------------------------ hand-checked values
def test_weighting_is_the_papers_f():
    f = glove.weighting(np.array([0.0, 1.0, 50.0, 100.0, 101.0, 1e6]))
    np.testing.assert_allclose(f, [0.0, 0.01 ** 0.75, 0.5 ** 0.75, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(glove.weighting(8.0, x_max=16, alpha=1.0), 0.5)


def test_loss_is_the_sum_over_seen_pairs(rng):
    X = np.array([[3.0, 0.0, 150.0], [0.5, 7.0, 0.0]])
    W, W_tilde = rng.normal(size=(2, 4)), rng.normal(size=(3, 4))
    b, b_tilde = rng.normal(size=2), rng.normal(size=3)
    J, g = glove.loss(W, W_tilde, b, b_tilde, X)
    np.testing.assert_allclose(J, naive_loss(W, W_tilde, b, b_tilde, X))
    # row 1 of W only meets columns 0 and 1 (X[1, 2] = 0)
    r = [2 * glove.weighting(X[1, j]) * (W[1] @ W_tilde[j] + b[1] + b_tilde[j] - np.log(X[1, j]))
         for j in (0, 1)]
    np.testing.assert_allclose(g["W"][1], r[0] * W_tilde[0] + r[1] * W_tilde[1])
    np.testing.assert_allclose(g["b"][1], r[0] + r[1])


def test_one_term_equals_the_whole_objective_of_a_single_count(rng):
    d = 3
    w, wt = rng.normal(size=d), rng.normal(size=d)
    X = np.zeros((2, 3))
    X[1, 2] = 42.0
    W, W_tilde = rng.normal(size=(2, d)), rng.normal(size=(3, d))
    W[1], W_tilde[2] = w, wt
    b, b_tilde = np.array([0.0, 0.3]), np.array([0.0, 0.0, -0.7])
    J, g = glove.loss(W, W_tilde, b, b_tilde, X)
    J1, g1 = glove.pair_loss(w, wt, 0.3, -0.7, 42.0)
    np.testing.assert_allclose(J, J1)
    np.testing.assert_allclose(g["W"][1], g1["w_i"])
    np.testing.assert_allclose(g["W_tilde"][2], g1["w_tilde_j"])
    np.testing.assert_allclose([g["b"][1], g["b_tilde"][2]], [g1["b_i"], g1["b_tilde_j"]])
    assert not g["W"][0].any() and not g["W_tilde"][:2].any()


def test_the_optimum_has_zero_loss_and_zero_gradient(rng):
    """Scores equal to log X on every seen pair: J = 0 and every gradient vanishes."""
    W, W_tilde = rng.normal(size=(5, 2)), rng.normal(size=(4, 2))
    b, b_tilde = rng.normal(size=5), rng.normal(size=4)
    X = np.exp(W @ W_tilde.T + b[:, None] + b_tilde[None, :])
    X[rng.random(X.shape) < 0.4] = 0.0                       # unseen pairs are free
    X[0, 0] = np.exp(W[0] @ W_tilde[0] + b[0] + b_tilde[0])
    J, g = glove.loss(W, W_tilde, b, b_tilde, X)
    assert J < 1e-20
    for name in g:
        np.testing.assert_allclose(g[name], 0, atol=1e-12)
    _, g_off = glove.loss(W, W_tilde, b + 0.1, b_tilde, X)
    assert np.abs(g_off["b"]).max() > 0.01


def test_float32_parameters_are_accepted(rng):
    X = np.array([[2.0, 1.0], [0.0, 5.0]])
    args = [a.astype(np.float32) for a in (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)),
                                          rng.normal(size=2), rng.normal(size=2))]
    J32, _ = glove.loss(*args, X)
    J64, _ = glove.loss(*[a.astype(np.float64) for a in args], X)
    np.testing.assert_allclose(J32, J64)


# ------------------------------------------------------------------ finite differences
@settings(max_examples=25, deadline=None)
@given(problems())
def test_gradients_match_finite_differences(pb):
    X = pb["X"]
    gradcheck(lambda W, W_tilde, b, b_tilde: glove.loss(W, W_tilde, b, b_tilde, X),
              {k: pb[k] for k in ("W", "W_tilde", "b", "b_tilde")}).assert_ok(TOL)


@settings(max_examples=25, deadline=None)
@given(problems(max_n=1), st.sampled_from([0.3, 1.0, 99.0, 100.0, 500.0]))
def test_pair_gradients_match_finite_differences(pb, x):
    params = {"w_i": pb["W"][0], "w_tilde_j": pb["W_tilde"][0],
              "b_i": np.array(pb["b"][0]), "b_tilde_j": np.array(pb["b_tilde"][0])}
    gradcheck(lambda w_i, w_tilde_j, b_i, b_tilde_j: glove.pair_loss(w_i, w_tilde_j, b_i,
                                                                     b_tilde_j, x),
              params).assert_ok(TOL)


# ------------------------------------------------------------------ SymPy, lambdified
@settings(max_examples=8, deadline=None)
@given(problems(max_n=3, max_d=2))
def test_sympy_glove_equals_w2vlib(pb):
    values = {k: pb[k] for k in ("W", "W_tilde", "b", "b_tilde")}
    sym_loss, sym_grads = sy.glove_model(pb["X"], pb["W"].shape[1]).numeric(**values)
    loss, grads = glove.loss(**values, X=pb["X"])
    np.testing.assert_allclose(sym_loss, loss, rtol=1e-10)
    for name in values:
        np.testing.assert_allclose(sym_grads[name], grads[name], rtol=1e-9, atol=1e-12)


@settings(max_examples=8, deadline=None)
@given(problems(max_n=1, max_d=3), st.sampled_from([0.5, 12.0, 100.0, 300.0]))
def test_sympy_glove_pair_equals_w2vlib(pb, x):
    values = {"w_i": pb["W"][0], "w_tilde_j": pb["W_tilde"][0],
              "b_i": np.array(pb["b"][0]), "b_tilde_j": np.array(pb["b_tilde"][0])}
    d = values["w_i"].size
    sym_loss, sym_grads = sy.glove_pair_model(d, x=x).numeric(**values)
    loss, grads = glove.pair_loss(**values, x=x)
    np.testing.assert_allclose(sym_loss, loss, rtol=1e-10)
    for name in values:
        np.testing.assert_allclose(sym_grads[name], grads[name], rtol=1e-9, atol=1e-12)


def test_symbolic_pair_gradient_is_the_displayed_formula():
    model = sy.glove_pair_model(3)
    f, e = model.extras["f"], model.extras["e"]
    sy.assert_equal(model.grad("w_i"), 2 * f * e * model.params["w_tilde_j"])
    sy.assert_equal(model.grad("b_tilde_j"), sp.Matrix([[2 * f * e]]))


# ------------------------------------------------------------------ the trainer
def glove_c_transcription(X, d, epochs, eta, seed):
    """glove.c's inner loop, one entry at a time, in the trainer's order and start."""
    rng = np.random.default_rng(seed)
    W, Wt, b, bt = glove.init_params(X.shape[0], X.shape[1], d, rng)
    gW, gWt, gb, gbt = (np.ones_like(a) for a in (W, Wt, b, bt))
    rows, cols = np.nonzero(X)
    for _ in range(epochs):
        for k in rng.permutation(rows.size):
            l1, l2, val = rows[k], cols[k], X[rows[k], cols[k]]
            diff = W[l1] @ Wt[l2] + b[l1] + bt[l2] - math.log(val)
            fdiff = diff if val > 100 else (val / 100) ** 0.75 * diff
            fdiff *= eta
            temp1, temp2 = fdiff * Wt[l2], fdiff * W[l1]
            W[l1] -= temp1 / np.sqrt(gW[l1])
            Wt[l2] -= temp2 / np.sqrt(gWt[l2])
            gW[l1] += temp1 * temp1
            gWt[l2] += temp2 * temp2
            b[l1] -= fdiff / math.sqrt(gb[l1])
            bt[l2] -= fdiff / math.sqrt(gbt[l2])
            gb[l1] += fdiff * fdiff
            gbt[l2] += fdiff * fdiff
    return W, Wt, b, bt


def test_batch_size_one_is_glove_c_entry_for_entry(rng):
    X = rng.choice([0.0, 0.5, 2.0, 30.0, 400.0], size=(6, 5))
    ours = glove.train(X, 3, epochs=4, batch_size=1, seed=7)
    for a, b in zip((ours.W, ours.W_tilde, ours.b, ours.b_tilde),
                    glove_c_transcription(X, 3, 4, 0.05, 7)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_training_fits_a_factorisable_matrix_and_is_seeded(rng):
    n, d = 12, 3
    A, B = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    X = np.exp(A @ B.T / 2 + 3.0)
    X[rng.random(X.shape) < 0.3] = 0.0
    seen = []
    model = glove.train(X, d, epochs=300, eta=0.2, batch_size=16, seed=1,
                        callback=lambda epoch, m: seen.append(epoch))
    assert seen == list(range(1, 301))
    assert model.losses[-1] < 0.01 * model.losses[0]
    J, _ = glove.loss(model.W, model.W_tilde, model.b, model.b_tilde, X)
    np.testing.assert_allclose(model.losses[-1], J, rtol=1e-10)
    np.testing.assert_allclose(model.vectors, model.W + model.W_tilde)
    again = glove.train(X, d, epochs=300, eta=0.2, batch_size=16, seed=1)
    np.testing.assert_array_equal(again.W, model.W)
    other = glove.train(X, d, epochs=3, eta=0.2, batch_size=16, seed=2)
    assert not np.array_equal(other.W, glove.train(X, d, epochs=3, eta=0.2, batch_size=16,
                                                   seed=1).W)


def test_divergence_is_reported_not_returned(rng):
    X = rng.choice([0.0, 50.0, 900.0], size=(30, 30))
    with pytest.raises(TrainingDivergedError, match="diverged"):
        glove.train(X, 5, epochs=5, eta=5.0, batch_size=X.size)


def test_init_is_glove_cs_range(rng):
    W, Wt, b, bt = glove.init_params(300, 200, 9, rng)
    for a in (W, Wt, b, bt):
        assert np.abs(a).max() < 0.5 / 10 and np.abs(a).max() > 0.45 / 10
    assert W.shape == (300, 9) and Wt.shape == (200, 9) and b.shape == (300,)


# ------------------------------------------------------------------ bad input
X2 = np.array([[1.0, 2.0], [0.0, 3.0]])
W2, b2 = np.zeros((2, 3)), np.zeros(2)


@pytest.mark.parametrize("call, error, message", [
    (lambda: glove.loss(W2, W2, b2, b2, -X2), ValueError, "X: expected non-negative"),
    (lambda: glove.loss(W2, W2, b2, b2, np.zeros((2, 2))), ValueError,
     "X: expected at least one positive count"),
    (lambda: glove.loss(W2, W2, b2, b2, np.array([[1.0, np.nan], [1.0, 1.0]])), ValueError,
     "X: expected finite values"),
    (lambda: glove.loss(W2, W2, b2, b2, np.ones(2)), ValueError, "X: expected 2 dimension"),
    (lambda: glove.loss(np.zeros((3, 3)), W2, b2, b2, X2), ValueError,
     r"W: expected shape \(2, d\)"),
    (lambda: glove.loss(W2, np.zeros((2, 4)), b2, b2, X2), ValueError,
     r"W_tilde: expected shape \(2, 3\)"),
    (lambda: glove.loss(W2, W2, np.zeros(3), b2, X2), ValueError, r"b: expected shape \(2,\)"),
    (lambda: glove.loss(W2, W2, b2, np.zeros((2, 1)), X2), ValueError,
     "b_tilde: expected 1 dimension"),
    (lambda: glove.loss(W2, W2, b2, b2, X2, x_max=0), ValueError, "x_max: expected a finite"),
    (lambda: glove.loss(W2, W2, b2, b2, X2, alpha=True), ValueError, "alpha: expected"),
    (lambda: glove.weighting([-1.0]), ValueError, "X: expected non-negative"),
    (lambda: glove.pair_loss(np.zeros(3), np.zeros(3), 0.0, 0.0, 0.0), ValueError,
     "x: expected a positive count"),
    (lambda: glove.pair_loss(np.zeros(3), np.zeros(2), 0.0, 0.0, 1.0), ValueError,
     r"w_tilde_j: expected shape \(3,\)"),
    (lambda: glove.pair_loss(np.zeros(3), np.zeros(3), [0.0], 0.0, 1.0), ValueError,
     "b_i: expected 0 dimension"),
    (lambda: glove.train(X2, 0), ValueError, "d: expected an integer >= 1"),
    (lambda: glove.train(X2, 2, epochs=0), ValueError, "epochs: expected an integer >= 1"),
    (lambda: glove.train(X2, 2, batch_size=2.0), ValueError, "batch_size: expected"),
    (lambda: glove.train(X2, 2, eta=-0.1), ValueError, "eta: expected a finite number > 0"),
    (lambda: glove.train(X2, 2, seed=-1), ValueError, "seed: expected a non-negative"),
    (lambda: glove.train(X2, 2, callback=3), TypeError, "callback: expected a callable"),
    (lambda: glove.init_params(2, 2, 2, 0), ValueError, "rng: expected a numpy.random"),
])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_batch_adds_the_square_of_its_summed_gradient_to_G():
    """Both entries of row 0 in one batch: the row's G grows by (eta (g_1 + g_2))^2, the
    square of the batch's sum (glove.c, one entry at a time, adds the sum of squares)."""
    X = np.array([[4.0, 30.0]])
    d, eta, seed = 3, 0.05, 5

    def by_hand(square_of_sum):
        W, Wt, b, bt = glove.init_params(1, 2, d, np.random.default_rng(seed))
        W, b = W[0], b[0]
        G_W, G_Wt, G_b, G_bt = np.ones(d), np.ones((2, d)), 1.0, np.ones(2)
        for _ in range(2):                                 # two epochs, one batch each
            r = glove.weighting(X[0]) * (Wt @ W + b + bt - np.log(X[0]))
            g_W, g_Wt, g_b, g_bt = r @ Wt, r[:, None] * W, r.sum(), r
            W, Wt = W - eta * g_W / np.sqrt(G_W), Wt - eta * g_Wt / np.sqrt(G_Wt)
            b, bt = b - eta * g_b / np.sqrt(G_b), bt - eta * g_bt / np.sqrt(G_bt)
            G_W = G_W + (eta * g_W) ** 2 if square_of_sum else \
                G_W + eta ** 2 * ((r[:, None] * Wt) ** 2).sum(axis=0)
            G_b = G_b + (eta * g_b) ** 2 if square_of_sum else G_b + eta ** 2 * (r ** 2).sum()
            G_Wt, G_bt = G_Wt + (eta * g_Wt) ** 2, G_bt + (eta * g_bt) ** 2
        return b

    model = glove.train(X, d, epochs=2, eta=eta, batch_size=2, seed=seed)
    np.testing.assert_allclose(model.b[0], by_hand(square_of_sum=True), rtol=1e-12)
    assert not np.isclose(model.b[0], by_hand(square_of_sum=False), rtol=1e-9, atol=0)


def test_train_returns_the_adagrad_sums_of_one_step():
    """model.G holds the four sums after training: 1 + (eta g)^2 after one entry's step."""
    X = np.zeros((3, 3))
    X[1, 2] = 40.0
    W0, Wt0, b0, bt0 = glove.init_params(3, 3, 4, np.random.default_rng(0))
    model = glove.train(X, 4, epochs=1, batch_size=1, seed=0)
    eta = glove.ETA
    r = glove.weighting(40.0) * (W0[1] @ Wt0[2] + b0[1] + bt0[2] - np.log(40.0))
    G_W, G_Wt, G_b, G_bt = model.G
    np.testing.assert_allclose(G_W[1], 1 + (eta * r * Wt0[2]) ** 2, rtol=1e-12)
    np.testing.assert_allclose(G_Wt[2], 1 + (eta * r * W0[1]) ** 2, rtol=1e-12)
    np.testing.assert_allclose([G_b[1], G_bt[2]], 1 + (eta * r) ** 2, rtol=1e-12)
    untouched = np.ones(3, bool)
    untouched[1] = False
    assert np.all(G_W[untouched] == 1) and np.all(G_b[untouched] == 1)

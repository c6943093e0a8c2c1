"""GloVe (Pennington, Socher & Manning 2014): weighted least squares on log co-occurrences.

The model gives every word i a *word* vector w_i and bias b_i, and every word j a
*context* vector w~_j and bias b~_j, and fits their scores to the logarithm of the
co-occurrence counts X (pairs, as from :func:`w2vlib.pmi.cooccurrence`):

    J = sum_{i,j: X_ij > 0} f(X_ij) e_ij^2,   e_ij = w_i^T w~_j + b_i + b~_j - log X_ij,
    f(x) = min(1, (x / x_max)^alpha),          x_max = 100, alpha = 3/4.

With R = f(X) * E (entrywise; R_ij = 0 where X_ij = 0) the gradients are

    dJ/dW = 2 R W~,   dJ/dW~ = 2 R^T W,   dJ/db = 2 R 1,   dJ/db~ = 2 R^T 1,

each shaped like its parameter; one term's are dJ_ij/dw_i = 2 f(X_ij) e_ij w~_j,
dJ_ij/dw~_j = 2 f(X_ij) e_ij w_i, dJ_ij/db_i = dJ_ij/db~_j = 2 f(X_ij) e_ij.

    loss(W, W_tilde, b, b_tilde, X)          -> (J, grads), grads keyed "W", "W_tilde",
                                                "b", "b_tilde" (the whole objective)
    pair_loss(w_i, w_tilde_j, b_i, b_tilde_j, x) -> (J_ij, grads) for one term
    weighting(X)                             -> f(X), 0 where X is 0
    train(X, d)                              -> GloVe: W, W_tilde, b, b_tilde, losses;
                                                .vectors = W + W_tilde

What the reference implementation (stanfordnlp/GloVe, ``glove.c``) does, and
:func:`train` with it:

* its cost is half of J: it accumulates 0.5 f(X_ij) e_ij^2, so its gradients are
  those above divided by 2 (f e w~_j for w_i, f e for a bias);
* it visits the non-zero X_ij once per epoch (25 epochs by default), in the order of
  a file its ``shuffle`` program shuffled once beforehand (:func:`train` draws a fresh
  order every epoch), and updates the four parameters of the entry at once, from
  their values before the update, by its form of AdaGrad: every parameter keeps a
  sum G that starts at 1 and the step is

      theta <- theta - eta g / sqrt(G),  then  G <- G + (eta g)^2,

  with eta = 0.05 and g the gradient of its half cost (later versions also clip each
  vector component of g to [-100, 100] and skip NaN updates; :func:`train` does
  neither, and stops with an error instead if J blows up). This differs from Duchi et
  al.'s AdaGrad (G = sum of g^2 including the current step): G starts at 1 (so the
  first steps are plain SGD steps of size eta), it accumulates (eta g)^2 rather than
  g^2 (so the rate decays slowly at first: sqrt(G) reaches 2 only after sum g^2 =
  3 / eta^2 = 1200), and the current gradient is not in the denominator. In the long
  run, once eta^2 sum g^2 >> 1, the step eta g / sqrt(1 + eta^2 sum g^2) tends to
  g / sqrt(sum g^2): AdaGrad with base rate 1 whatever eta, 1/eta = 20 times Duchi's
  step at eta = 0.05 (eta only sets how long the SGD-like start lasts). This is the
  update of the GloVe 1.x releases (1.0-1.2) and of glove.c up to July 2019, which
  :func:`train` follows; since commit 5b4e03c (2019-07-22) glove.c steps the two
  biases by g / sqrt(G) and adds g^2 to their G, with no eta (AdaGrad with base
  rate 1 from the first step), while the vectors keep the eta-scaled update;
* it initialises every vector entry and every bias uniformly in
  (-0.5, 0.5) / (d + 1) in the GloVe 1.0 release (it divided by the vector size
  after adding the bias), which :func:`init_params` follows; glove.c has divided by
  d instead since commit 6d04bee (February 2020);
* it saves W + W~ as the word vectors (its default ``-model 2``); the paper
  (section 4.2) motivates the sum by the symmetry of X.

:func:`train` takes ``batch_size`` entries at a time instead of one, computes their
gradients from the same parameters, sums them per row and takes one such AdaGrad
step per row (rows a batch does not touch get g = 0 and do not move); so a row's G
grows by (eta * the batch's sum of g)^2, the square of a sum, where glove.c adds the
sum of the squares, one entry at a time. With
``batch_size=1`` this is glove.c's single-threaded update, entry for entry.

Dense (n, n) arrays throughout (memory O(n^2)), like :mod:`w2vlib.pmi`: meant for
vocabularies of up to a few thousand words.
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from . import _checks as chk
from ._checks import as_float_array
from .train import TrainingDivergedError, scatter_add

__all__ = ["X_MAX", "ALPHA", "ETA", "weighting", "loss", "pair_loss", "train", "init_params",
           "GloVe"]

X_MAX = 100.0
ALPHA = 0.75
ETA = 0.05


# --------------------------------------------------------------------------- checks
def _positive_real(x, name):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) \
            or not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {x!r}")
    return float(x)


def _positive_int(x, name):
    return chk.positive_int(x, name)


def _check_counts(X):
    return chk.as_count_matrix(X, "X")


def weighting(X, x_max=X_MAX, alpha=ALPHA):
    """GloVe's weight f(x) = min(1, (x / x_max)^alpha) of each count; f(0) = 0.

    X: array of non-negative counts; x_max > 0; alpha > 0. Returns float64, X's shape.
    """
    X = as_float_array(X, "X")
    if np.any(X < 0):
        raise ValueError("X: expected non-negative co-occurrence counts, found a negative entry")
    x_max = _positive_real(x_max, "x_max")
    alpha = _positive_real(alpha, "alpha")
    return np.minimum(1.0, (X.astype(np.float64) / x_max) ** alpha)


def _check_params(W, W_tilde, b, b_tilde, X):
    W = as_float_array(W, "W", ndim=2)
    W_tilde = as_float_array(W_tilde, "W_tilde", ndim=2)
    if W.shape[0] != X.shape[0] or W.shape[1] == 0:
        raise ValueError(f"W: expected shape ({X.shape[0]}, d), one row per row of X "
                         f"{X.shape}, got {W.shape}")
    if W_tilde.shape != (X.shape[1], W.shape[1]):
        raise ValueError(f"W_tilde: expected shape ({X.shape[1]}, {W.shape[1]}), one row per "
                         f"column of X {X.shape} and d = {W.shape[1]} like W, got "
                         f"{W_tilde.shape}")
    b = as_float_array(b, "b", ndim=1)
    if b.shape != (X.shape[0],):
        raise ValueError(f"b: expected shape ({X.shape[0]},), one bias per row of X, "
                         f"got {b.shape}")
    b_tilde = as_float_array(b_tilde, "b_tilde", ndim=1)
    if b_tilde.shape != (X.shape[1],):
        raise ValueError(f"b_tilde: expected shape ({X.shape[1]},), one bias per column of X, "
                         f"got {b_tilde.shape}")
    return W, W_tilde, b, b_tilde


# --------------------------------------------------------------------------- objective
def loss(W, W_tilde, b, b_tilde, X, x_max=X_MAX, alpha=ALPHA):
    """The GloVe objective J over every non-zero X_ij, and its gradients.

    W: (n_rows, d) word vectors w_i; W_tilde: (n_cols, d) context vectors w~_j;
    b: (n_rows,), b_tilde: (n_cols,) biases; X: (n_rows, n_cols) counts >= 0.
    J = sum_{X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2 (no factor 1/2).
    Returns ``(J, grads)``: grads["W"] = 2 R W~, grads["W_tilde"] = 2 R^T W,
    grads["b"] = 2 R 1, grads["b_tilde"] = 2 R^T 1 with R = f(X) * E (0 where X = 0),
    float64, each shaped like its parameter.
    """
    X = _check_counts(X)
    W, W_tilde, b, b_tilde = _check_params(W, W_tilde, b, b_tilde, X)
    seen = X > 0
    F = weighting(X, x_max, alpha)
    W, W_tilde = W.astype(np.float64), W_tilde.astype(np.float64)
    E = W @ W_tilde.T
    E += b.astype(np.float64)[:, None]
    E += b_tilde.astype(np.float64)[None, :]
    E -= np.log(np.where(seen, X, 1.0))
    R = F * E                                             # F = 0 where X = 0: unseen pairs
    J = float(np.sum(R * E))                              # are not in J
    grads = {"W": 2 * R @ W_tilde, "W_tilde": 2 * R.T @ W,
             "b": 2 * R.sum(axis=1), "b_tilde": 2 * R.sum(axis=0)}
    return J, grads


def pair_loss(w_i, w_tilde_j, b_i, b_tilde_j, x, x_max=X_MAX, alpha=ALPHA):
    """One term of J: f(x) (w_i . w~_j + b_i + b~_j - log x)^2 for a count x > 0.

    w_i, w_tilde_j: (d,) vectors; b_i, b_tilde_j: numbers; x: the count X_ij > 0.
    Returns ``(J_ij, grads)`` with grads["w_i"] = 2 f e w~_j, grads["w_tilde_j"] =
    2 f e w_i, grads["b_i"] = grads["b_tilde_j"] = 2 f e (arrays of shape () for the
    biases), e = w_i . w~_j + b_i + b~_j - log x.
    """
    w_i = as_float_array(w_i, "w_i", ndim=1).astype(np.float64)
    w_tilde_j = as_float_array(w_tilde_j, "w_tilde_j", ndim=1).astype(np.float64)
    if w_i.size == 0 or w_tilde_j.shape != w_i.shape:
        raise ValueError(f"w_tilde_j: expected shape {w_i.shape} like w_i (d >= 1), "
                         f"got {w_tilde_j.shape}")
    b_i = as_float_array(b_i, "b_i", ndim=0).astype(np.float64)
    b_tilde_j = as_float_array(b_tilde_j, "b_tilde_j", ndim=0).astype(np.float64)
    x = as_float_array(x, "x", ndim=0)
    if not x > 0:
        raise ValueError(f"x: expected a positive count X_ij (zero counts are not in J), "
                         f"got {float(x)!r}")
    f = weighting(x, x_max, alpha)
    with np.errstate(over="ignore", invalid="ignore"):
        e = w_i @ w_tilde_j + b_i + b_tilde_j - np.log(x)
        J = f * e * e
    if not np.isfinite(J):
        raise chk.NonFiniteError("w_i/w_tilde_j/b_i/b_tilde_j: expected values small enough "
                                 "for the error to stay finite; the loss overflowed")
    r = 2 * f * e
    return float(J), {"w_i": r * w_tilde_j, "w_tilde_j": r * w_i,
                              "b_i": np.asarray(r), "b_tilde_j": np.asarray(r)}


# --------------------------------------------------------------------------- training
@dataclass
class GloVe:
    """A trained GloVe model: the parameters and the objective J after each epoch."""

    W: np.ndarray
    W_tilde: np.ndarray
    b: np.ndarray
    b_tilde: np.ndarray
    losses: list = field(default_factory=list)
    G: list = field(default_factory=list)    # AdaGrad sums of W, W_tilde, b, b_tilde

    @property
    def vectors(self):
        """W + W~, the word vectors glove.c saves (and the paper evaluates)."""
        return self.W + self.W_tilde


def init_params(n_rows, n_cols, d, rng):
    """GloVe 1.0's start: every vector entry and bias uniform in (-0.5, 0.5) / (d + 1).

    Returns ``(W, W_tilde, b, b_tilde)``, float64, drawn in that order from ``rng``.
    """
    n_rows, n_cols, d = (_positive_int(v, name) for v, name in
                         ((n_rows, "n_rows"), (n_cols, "n_cols"), (d, "d")))
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")

    chk.check_memory(8 * (n_rows + n_cols) * (d + 1), "d",
                     f"the GloVe parameters ({n_rows:,} + {n_cols:,}) x ({d:,} + 1)")

    def draw(*shape):
        return (rng.random(shape) - 0.5) / (d + 1)

    return draw(n_rows, d), draw(n_cols, d), draw(n_rows), draw(n_cols)


def _adagrad(theta, G, g, eta):
    """glove.c's step: theta -= eta g / sqrt(G), then G += (eta g)^2 (in place)."""
    step = eta * g
    theta -= step / np.sqrt(G)
    G += step * step


def train(X, d=50, *, epochs=25, eta=ETA, x_max=X_MAX, alpha=ALPHA, batch_size=1024,
          seed=0, callback=None):
    """Fit GloVe to the counts X by glove.c's AdaGrad (see the module docstring).

    X: (n_rows, n_cols) co-occurrence counts >= 0 (e.g. ``pmi.cooccurrence(...)``);
    d: vector dimension; epochs: passes over the non-zero entries, each in a fresh
    random order; eta: learning rate (glove.c and the paper: 0.05); x_max, alpha: the
    weighting; batch_size: entries whose gradients are summed into one step (1 gives
    glove.c's sequence of updates); seed: for the initialisation and the orders;
    callback: called as ``callback(epoch, model)`` after every epoch (epoch counts from
    1; the model's arrays are the live ones: copy what you keep).
    Returns a :class:`GloVe`; ``losses[e]`` is J (no factor 1/2) after epoch e + 1;
    ``G`` holds the four AdaGrad sums (they only grow, so their final values bound
    every earlier one).
    The same inputs and seed give the same result. Batches of many thousand entries
    can diverge (a frequent word's summed step grows with the batch): on the 10,663
    non-zero counts of chapter 10's synthetic corpus, 1,024 trains and 8,192 does not.
    Raises :class:`w2vlib.train.TrainingDivergedError` (a ValueError, as in
    :func:`w2vlib.train.train`) when J after an epoch is not finite or more than 100
    times its value at the start.
    """
    X = _check_counts(X)
    d = _positive_int(d, "d")
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    eta = _positive_real(eta, "eta")
    weighting(1.0, x_max, alpha)                          # validates x_max and alpha
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback: expected a callable or None, got {type(callback).__name__}")
    rng = np.random.default_rng(seed)
    n_rows, n_cols = X.shape
    W, W_tilde, b, b_tilde = init_params(n_rows, n_cols, d, rng)
    G = [np.ones_like(p) for p in (W, W_tilde, b, b_tilde)]
    rows, cols = np.nonzero(X)
    fx = weighting(X[rows, cols], x_max, alpha)
    logx = np.log(X[rows, cols])
    result = GloVe(W, W_tilde, b, b_tilde, G=G)
    e = np.einsum("bd,bd->b", W[rows], W_tilde[cols]) + b[rows] + b_tilde[cols] - logx
    J_start = float(np.sum(fx * e * e))
    for _ in range(epochs):
        order = rng.permutation(rows.size)
        for start in range(0, order.size, batch_size):
            k = order[start:start + batch_size]
            i, j = rows[k], cols[k]
            e = np.einsum("bd,bd->b", W[i], W_tilde[j]) + b[i] + b_tilde[j] - logx[k]
            r = fx[k] * e                                 # glove.c's fdiff: d(cost)/d(score)
            g_W, g_Wt = np.zeros_like(W), np.zeros_like(W_tilde)
            scatter_add(g_W, i, W_tilde[j], r)           # row i: sum of r_ij w~_j, and
            scatter_add(g_Wt, j, W[i], r)                 # both from the values before the step
            g_b = np.bincount(i, weights=r, minlength=n_rows)
            g_bt = np.bincount(j, weights=r, minlength=n_cols)
            for theta, acc, g in zip((W, W_tilde, b, b_tilde), G, (g_W, g_Wt, g_b, g_bt)):
                _adagrad(theta, acc, g, eta)
        e = np.einsum("bd,bd->b", W[rows], W_tilde[cols]) + b[rows] + b_tilde[cols] - logx
        J = float(np.sum(fx * e * e))                     # J itself: only the seen pairs
        if not math.isfinite(J) or J > 100 * J_start:
            raise TrainingDivergedError(
                f"eta: training diverged: the objective rose from {J_start:.4g} to {J:.4g} "
                f"in epoch {len(result.losses) + 1} at eta={eta:g}; lower eta or batch_size")
        result.losses.append(J)
        if callback is not None:
            callback(len(result.losses), result)
    return result

"""Jacobians, the chain rule, and the "one parameter, then the whole vector" shortcut.

Chapters 01 and 02 use this module to test a shortcut against the chain rule.
For a map p = f(x) (x of size d, p of size k) and a loss J(p), the chain rule is

    dJ/dx_j = sum_i (dJ/dp_i) (dp_i/dx_j),   i.e.   dJ/dx = (dp/dx)^T dJ/dp,

where dp/dx is the (k, d) Jacobian, entry [i, j] = dp_i/dx_j. The shortcut
(:func:`trick_gradient`) works out one component, dJ/dx_i ~ (dJ/dp_i)(dp_i/dx_i), and
applies it to every i: the chain rule with the Jacobian replaced by its diagonal.
It is exact when the Jacobian is diagonal (an elementwise map p_i = f(x_i), such as
the logistic units of negative sampling) and wrong for the softmax, whose Jacobian
diag(p) - p p^T (:func:`softmax_jacobian`) is full.

Batched functions work along the last axis (vectors) or the last two (Jacobians).
"""

import numpy as np

from . import _checks as chk
from .functions import logsumexp, sigmoid, softmax

__all__ = [
    "numerical_jacobian",
    "elementwise_jacobian",
    "sigmoid_jacobian",
    "softmax_jacobian",
    "chain_terms",
    "chain_rule",
    "trick_gradient",
    "cross_entropy_grad_p",
    "binary_cross_entropy_grad_p",
    "trick_softmax_output",
]


def numerical_jacobian(f, x, h=1e-5):
    """Central-difference Jacobian of a vector-valued ``f`` at the vector ``x``.

    f: maps a (d,) float array to an array of shape (k,); x: (d,).
    Returns (k, d) with entry [i, j] = (f(x + h e_j)_i - f(x - h e_j)_i) / 2h.
    """
    x = np.array(chk.as_vector(x, "x"), dtype=np.float64)
    if not (isinstance(h, float) and h > 0):
        raise ValueError(f"h: expected a positive float step, got {h!r}")
    f0 = np.asarray(f(x.copy()))
    if f0.ndim != 1:
        raise ValueError(f"f: expected it to return a 1-D array, got shape {f0.shape}")
    jac = np.empty((f0.size, x.size))
    for j in range(x.size):
        plus, minus = x.copy(), x.copy()
        plus[j] += h
        minus[j] -= h
        jac[:, j] = (np.asarray(f(plus), dtype=np.float64)
                     - np.asarray(f(minus), dtype=np.float64)) / (2 * h)
    return jac


def elementwise_jacobian(fprime, x):
    """Jacobian of an elementwise map p_i = f(x_i): the diagonal matrix diag(f'(x)).

    fprime: the derivative f', applied elementwise; x: (d,). Returns (d, d).
    Every off-diagonal entry is 0 because p_i does not depend on x_j for j != i.
    """
    x = chk.as_vector(x, "x")
    deriv = np.asarray(fprime(x), dtype=np.float64)
    if deriv.shape != x.shape:
        raise ValueError(f"fprime: expected it to return shape {x.shape} (elementwise), "
                         f"got {deriv.shape}")
    return np.diag(deriv)


def sigmoid_jacobian(s):
    """d sigma(s)_i / d s_j = sigma(s_i) (1 - sigma(s_i)) if i == j else 0.

    s: (..., n). Returns (..., n, n), diagonal in the last two axes.
    """
    s = chk.as_float_array(s, "s", min_ndim=1)
    p = sigmoid(s)
    return (p * (1.0 - p))[..., :, None] * np.eye(s.shape[-1])


def softmax_jacobian(z):
    """d p_i / d z_j = p_i (delta_ij - p_j), i.e. diag(p) - p p^T, with p = softmax(z).

    z: (..., n). Returns (..., n, n): symmetric, each row and column sums to 0.
    Uses the stable softmax, so logits of +-1000 give a finite matrix.
    """
    z = chk.as_float_array(z, "z", min_ndim=1)
    p = softmax(z)
    return p[..., :, None] * np.eye(z.shape[-1]) - p[..., :, None] * p[..., None, :]


def _grad_and_jac(grad_p, jac):
    jac = chk.as_float_array(jac, "jac", min_ndim=2)
    grad_p = chk.as_float_array(grad_p, "grad_p", min_ndim=1)
    if grad_p.shape != jac.shape[:-1]:
        raise ValueError(f"grad_p: expected shape {jac.shape[:-1]} (one entry per output "
                         f"of jac {jac.shape}), got {grad_p.shape}")
    return grad_p, jac


def chain_terms(grad_p, jac):
    """Every term of the chain rule: T[..., i, j] = (dJ/dp_i) (dp_i/dx_j).

    grad_p: (..., k) = dJ/dp; jac: (..., k, d) = dp/dx. Returns (..., k, d).
    Summing over i (the rows) gives the gradient (:func:`chain_rule`); the shortcut
    keeps only the diagonal T[i, i] (:func:`trick_gradient`).
    """
    grad_p, jac = _grad_and_jac(grad_p, jac)
    return grad_p[..., :, None] * jac


def chain_rule(grad_p, jac):
    """dJ/dx = (dp/dx)^T dJ/dp: the vector-Jacobian product.

    grad_p: (..., k); jac: (..., k, d). Returns (..., d),
    entry j = sum_i (dJ/dp_i) (dp_i/dx_j).
    """
    grad_p, jac = _grad_and_jac(grad_p, jac)
    return np.einsum("...i,...ij->...j", grad_p, jac)


def trick_gradient(grad_p, jac):
    """The shortcut: dJ/dx_i ~ (dJ/dp_i)(dp_i/dx_i) for every i.

    grad_p: (..., n); jac: (..., n, n), square. Returns (..., n) = diag(jac) * grad_p:
    the chain rule with the Jacobian replaced by its diagonal. Equal to
    :func:`chain_rule` exactly when the off-diagonal terms of :func:`chain_terms`
    sum to zero in every column, which holds for any diagonal Jacobian.
    """
    grad_p, jac = _grad_and_jac(grad_p, jac)
    if jac.shape[-1] != jac.shape[-2]:
        raise ValueError(f"jac: expected a square Jacobian (each x_i has its own p_i), got "
                         f"shape {jac.shape}")
    return np.diagonal(jac, axis1=-2, axis2=-1) * grad_p


def cross_entropy_grad_p(p, y):
    """dJ/dp for J = -sum_w y_w log p_w: the vector -y / p.

    p: (..., n) probabilities; y: (..., n) target (one-hot or a distribution).
    Entries with y_w = 0 are 0 (whatever p_w is); p_w must be > 0 where y_w != 0.
    """
    p = chk.as_float_array(p, "p", min_ndim=1)
    y = chk.as_float_array(y, "y", min_ndim=1)
    if p.shape != y.shape:
        raise ValueError(f"y: expected shape {p.shape} (like p), got {y.shape}")
    if np.any((y != 0) & (p <= 0)):
        raise ValueError("p: expected p_w > 0 wherever y_w != 0 (log 0 has no derivative)")
    out = np.zeros(p.shape)
    nz = y != 0
    out[nz] = -y[nz] / p[nz]
    return out


def binary_cross_entropy_grad_p(p, t):
    """dJ/dp for J = -sum_j [t_j log p_j + (1 - t_j) log(1 - p_j)]: -t/p + (1 - t)/(1 - p).

    p: (..., n) in (0, 1); t: (..., n) targets in [0, 1].
    """
    p = chk.as_float_array(p, "p", min_ndim=1)
    t = chk.as_float_array(t, "t", min_ndim=1)
    if p.shape != t.shape:
        raise ValueError(f"t: expected shape {p.shape} (like p), got {t.shape}")
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError("p: expected probabilities strictly between 0 and 1")
    return -t / p + (1.0 - t) / (1.0 - p)


def trick_softmax_output(h, o, U):
    """The full-softmax output layer trained with the shortcut instead of the chain rule.

    Same interface as :func:`w2vlib.objectives.softmax_output`: h (..., d), o (...) int,
    U (n, d); returns ``(loss, grad_h, grad_U)`` with the true loss
    J = logsumexp(z) - z_o, z = U h. The error vector is the shortcut's
    delta = trick_gradient(cross_entropy_grad_p(p, y), softmax_jacobian(z)),
    which simplifies to -(1 - p_o) y (only the observed word's score gets a
    gradient); it is computed in that closed form so that p_o = 0 causes no 0/0.
    grad_h = U^T delta, grad_U = sum over the batch of delta h^T.
    """
    U = chk.as_matrix(U, "U")
    h = chk.as_float_array(h, "h", min_ndim=1)
    o = np.asarray(o)
    if h.shape[:-1] != o.shape or h.shape[-1] != U.shape[1]:
        raise ValueError(f"h: expected shape {o.shape + (U.shape[1],)} to match o {o.shape} "
                         f"and U {U.shape}, got {h.shape}")
    if o.dtype == bool or not np.issubdtype(o.dtype, np.integer):
        raise ValueError(f"o: expected integer word indices, got dtype {o.dtype}")
    if np.any((o < 0) | (o >= U.shape[0])):
        raise IndexError(f"o: expected word indices in 0..{U.shape[0] - 1}, got "
                         f"{int(o[(o < 0) | (o >= U.shape[0])].flat[0])}")
    z = h @ U.T
    z_o = np.take_along_axis(z, o[..., None], axis=-1)[..., 0]
    loss = logsumexp(z) - z_o
    p_o = np.exp(-loss)                                  # J = -log p_o
    delta = np.zeros_like(z)
    np.put_along_axis(delta, o[..., None], -(1.0 - p_o)[..., None], axis=-1)
    grad_h = delta @ U
    grad_U = delta.reshape(-1, U.shape[0]).T @ h.reshape(-1, U.shape[1])
    return loss, grad_h, grad_U

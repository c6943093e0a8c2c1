"""Elementwise and normalising functions, numerically stable at extreme inputs.

Every function accepts an array of any shape; the normalising ones (``softmax``,
``log_softmax``, ``logsumexp``) work along the last axis, so they are batched over
all leading axes. Logits of +-1000 give finite values and finite gradients.
"""

import numpy as np

from ._checks import as_float_array

__all__ = ["sigmoid", "log_sigmoid", "softmax", "log_softmax", "logsumexp"]


def sigmoid(x):
    """sigma(x) = 1 / (1 + exp(-x)), elementwise, without overflow.

    x: any shape. Returns the same shape, values in [0, 1].
    For x >= 0 it computes 1 / (1 + e^{-x}); for x < 0, e^{x} / (1 + e^{x}),
    so the exponential never sees a large positive argument (both branches are
    computed from the one exponential e^{-|x|}, without boolean indexing).
    """
    x = as_float_array(x, "x")
    e = np.exp(-np.abs(x))                 # e^{-|x|} in (0, 1]: never overflows
    r = 1.0 / (1.0 + e)                    # sigma(|x|)
    return np.where(x >= 0, r, e * r)      # sigma(-|x|) = e^{-|x|} sigma(|x|)


def log_sigmoid(x):
    """log sigma(x) = -log(1 + e^{-x}), elementwise, without overflow.

    x: any shape. Returns the same shape, values <= 0.
    Uses log sigma(x) = min(x, 0) - log1p(e^{-|x|}), exact for every finite x.
    Its derivative is 1 - sigma(x) = sigma(-x).
    """
    x = as_float_array(x, "x")
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def logsumexp(z):
    """log sum_j exp(z_j) along the last axis, shifted by the maximum.

    z: (..., n). Returns (...,).
    """
    z = as_float_array(z, "z", min_ndim=1)
    if z.shape[-1] == 0:
        raise ValueError("z: expected at least one entry along the last axis, got shape "
                         f"{z.shape}")
    m = np.max(z, axis=-1, keepdims=True)
    return (m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)))[..., 0]


def log_softmax(z):
    """log p_j = z_j - logsumexp(z) along the last axis.

    z: (..., n). Returns (..., n), values <= 0.
    """
    z = as_float_array(z, "z", min_ndim=1)
    return z - logsumexp(z)[..., None]


def softmax(z):
    """p_j = exp(z_j) / sum_k exp(z_k) along the last axis.

    z: (..., n). Returns (..., n): nonnegative, each row sums to 1.
    Subtracting max(z) first keeps every exponent <= 0 (no overflow).
    """
    z = as_float_array(z, "z", min_ndim=1)
    if z.shape[-1] == 0:
        raise ValueError("z: expected at least one entry along the last axis, got shape "
                         f"{z.shape}")
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)

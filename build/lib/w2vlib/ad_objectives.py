"""Every objective of :mod:`w2vlib.objectives` and :mod:`w2vlib.glove`, written once as a
plain forward computation.

Each function takes the arguments of its namesake in :mod:`w2vlib.objectives` (GloVe's:
``glove_loss`` of :func:`w2vlib.glove.loss`, ``glove_pair_loss`` of
:func:`w2vlib.glove.pair_loss`), writes
only the loss J with :mod:`w2vlib.autodiff` arrays, and returns ``(loss, grads)`` with
the gradients found by reverse-mode differentiation: no derivative is written by hand.
That makes it a fourth check of the hand-derived gradients, independent of SymPy, of
finite differences and of the analytic formulas (tests/test_autodiff.py).

grads holds one entry per parameter ("v_c", "U", "V", "U_inner", "s", or GloVe's "W",
"W_tilde", "b", "b_tilde"), in float64.
"""

import numpy as np

from . import _checks as chk
from . import autodiff as ad
from . import fast, objectives
from . import glove

__all__ = ["skipgram_softmax", "skipgram_softmax_window", "skipgram_neg_sampling",
           "skipgram_nce", "nce_expected_loss", "skipgram_hs",
           "cbow_softmax", "cbow_neg_sampling", "cbow_hs", "glove_loss", "glove_pair_loss",
           "skipgram_span", "skipgram_shared_negatives"]


# --------------------------------------------------------------------------- output layers
def softmax_loss(h, o, U):
    """J = -log softmax(U h)_o = logsumexp(z) - z_o with z = U h."""
    z = U @ h
    return ad.logsumexp(z) - z[o]


def logistic_loss(h, rows, targets, U):
    """J = -sum_j log sigma((2 t_j - 1) u_{r_j} . h): the scores s = U[rows] h."""
    s = U[rows] @ h
    return -ad.log_sigmoid((2.0 * targets - 1.0) * s).sum()


def _ns_rows(word, negatives, n):
    k = chk.as_indices(negatives, "negatives", n, what="negative sample index")
    rows = np.concatenate([[word], k])
    targets = np.zeros(rows.size)
    targets[0] = 1.0
    return rows, targets


def _hs_rows(path, code, n_inner):
    path = chk.as_indices(path, "path", n_inner, what="inner-node index")
    return path, 1.0 - chk.as_binary(code, "code", path.size)


# --------------------------------------------------------------------------- skip-gram
def skipgram_softmax(v_c, o, U):
    """Skip-gram, full softmax: J = logsumexp(U v_c) - (U v_c)_o."""
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    o = chk.as_index(o, "o", U.shape[0])
    return ad.grad(lambda v_c, U: softmax_loss(v_c, o, U), v_c=v_c, U=U)


def skipgram_softmax_window(v_c, outside, U):
    """Skip-gram, full softmax, a whole window: J = sum_j (logsumexp(z) - z_{o_j}), z = U v_c."""
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    outside = chk.as_indices(outside, "outside", U.shape[0], what="outside word index")

    def J(v_c, U):
        z = U @ v_c
        return outside.size * ad.logsumexp(z) - z[outside].sum()
    return ad.grad(J, v_c=v_c, U=U)


def skipgram_neg_sampling(v_c, o, negatives, U):
    """Skip-gram, negative sampling: J = -log sigma(u_o.v_c) - sum_k log sigma(-u_k.v_c)."""
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    o = chk.as_index(o, "o", U.shape[0])
    rows, t = _ns_rows(o, negatives, U.shape[0])
    return ad.grad(lambda v_c, U: logistic_loss(v_c, rows, t, U), v_c=v_c, U=U)


def skipgram_nce(v_c, o, negatives, U, log_kpn):
    """Skip-gram, noise-contrastive estimation: the negative-sampling loss on shifted
    scores, J = -log sigma(x_o) - sum_k log sigma(-x_k), x_w = u_w . v_c - log(K P_n(w))."""
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    o = chk.as_index(o, "o", U.shape[0])
    rows, t = _ns_rows(o, negatives, U.shape[0])
    log_kpn = _per_word(log_kpn, "log_kpn", U.shape[0])
    shift = log_kpn[rows]

    def J(v_c, U):
        x = U[rows] @ v_c - shift
        return -ad.log_sigmoid((2.0 * t - 1.0) * x).sum()
    return ad.grad(J, v_c=v_c, U=U)


def nce_expected_loss(s, p, noise, K, log_kpn):
    """NCE's loss averaged over the data and the noise, in the free scores s:
    E[J] = -sum_w p_w log sigma(x_w) - K sum_w P_n(w) log sigma(-x_w), x = s - log_kpn."""
    s = chk.as_float_array(s, "s", ndim=1)
    p, noise, b = (_per_word(v, name, s.shape[0]) for v, name in
                   ((p, "p"), (noise, "noise"), (log_kpn, "log_kpn")))
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K: expected an integer >= 1 (negatives per pair), got {K!r}")

    def J(s):
        x = s - b
        return -(p * ad.log_sigmoid(x)).sum() - K * (noise * ad.log_sigmoid(-x)).sum()
    return ad.grad(J, s=s)


def _per_word(x, name, n):
    arr = chk.as_float_array(x, name, ndim=1)
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), one entry per word, got {arr.shape}")
    return arr


def skipgram_hs(v_c, path, code, U_inner):
    """Skip-gram, hierarchical softmax: J = -sum_l log sigma((2 t_l - 1) u_{n_l} . v_c)."""
    U_inner = chk.as_matrix(U_inner, "U_inner")
    v_c = chk.as_vector(v_c, "v_c", U_inner.shape[1])
    rows, t = _hs_rows(path, code, U_inner.shape[0])
    return ad.grad(lambda v_c, U_inner: logistic_loss(v_c, rows, t, U_inner),
                   v_c=v_c, U_inner=U_inner)


# --------------------------------------------------------------------------- CBOW
_cbow = objectives._cbow_inputs


def cbow_softmax(V, context, c, U):
    """CBOW, full softmax: h = mean of V[context], J = logsumexp(U h) - (U h)_c."""
    V, context, U = _cbow(V, context, "U", U)
    c = chk.as_index(c, "c", U.shape[0])
    return ad.grad(lambda V, U: softmax_loss(V[context].mean(axis=0), c, U), V=V, U=U)


def cbow_neg_sampling(V, context, c, negatives, U):
    """CBOW, negative sampling: the SGNS loss with h = mean of V[context] for v_c."""
    V, context, U = _cbow(V, context, "U", U)
    c = chk.as_index(c, "c", U.shape[0])
    rows, t = _ns_rows(c, negatives, U.shape[0])
    return ad.grad(lambda V, U: logistic_loss(V[context].mean(axis=0), rows, t, U),
                   V=V, U=U)


def cbow_hs(V, context, path, code, U_inner):
    """CBOW, hierarchical softmax along the centre word's path."""
    V, context, U_inner = _cbow(V, context, "U_inner", U_inner)
    rows, t = _hs_rows(path, code, U_inner.shape[0])
    return ad.grad(lambda V, U_inner: logistic_loss(V[context].mean(axis=0), rows, t,
                                                    U_inner), V=V, U_inner=U_inner)


# --------------------------------------------------------------------------- GloVe
def glove_loss(W, W_tilde, b, b_tilde, X, x_max=glove.X_MAX, alpha=glove.ALPHA):
    """GloVe (:func:`w2vlib.glove.loss`) over the list of non-zero counts (i, j):
    J = sum f(X_ij) e_ij^2, e_ij = w_i . w~_j + b_i + b~_j - log X_ij. A word appears in
    many pairs, so its rows are gathered many times and their gradients add up."""
    X = chk.as_count_matrix(X, "X")
    W, W_tilde, b, b_tilde = glove._check_params(W, W_tilde, b, b_tilde, X)
    i, j = np.nonzero(X)
    f = glove.weighting(X[i, j], x_max, alpha)
    log_x = np.log(X[i, j])

    def J(W, W_tilde, b, b_tilde):
        e = (W[i] * W_tilde[j]).sum(axis=1) + b[i] + b_tilde[j] - log_x
        return (f * e**2).sum()
    return ad.grad(J, W=W, W_tilde=W_tilde, b=b, b_tilde=b_tilde)


def glove_pair_loss(w_i, w_tilde_j, b_i, b_tilde_j, x, x_max=glove.X_MAX, alpha=glove.ALPHA):
    """One GloVe term (:func:`w2vlib.glove.pair_loss`): f(x) (w_i . w~_j + b_i + b~_j
    - log x)^2 for a count x > 0."""
    w_i = chk.as_vector(w_i, "w_i")
    w_tilde_j = chk.as_vector(w_tilde_j, "w_tilde_j", w_i.size)
    x = chk.as_float_array(x, "x", ndim=0)
    if not x > 0:
        raise ValueError(f"x: expected a positive count X_ij, got {float(x)!r}")
    f, log_x = glove.weighting(x, x_max, alpha), np.log(x)

    def J(w_i, w_tilde_j, b_i, b_tilde_j):
        return f * (w_i @ w_tilde_j + b_i + b_tilde_j - log_x) ** 2
    return ad.grad(J, w_i=w_i, w_tilde_j=w_tilde_j, b_i=b_i, b_tilde_j=b_tilde_j)


# --------------------------------------------------------------------------- shared negatives
def skipgram_span(V, inputs, centres, band, negatives, U, K=None):
    """Negatives shared across a span (:func:`w2vlib.fast.skipgram_span`), written pair by
    pair: J = sum over pairs (i, j) with band_ij = 1 of -log sigma(u_{c_j} . v_{x_i})
    - (K / K') sum_{k != c_j} log sigma(-u_k . v_{x_i}), x = inputs, K' = len(negatives)."""
    V, inputs, centres, band, k, U, K = fast.span_inputs(V, inputs, centres, band,
                                                         negatives, U, K)
    pi, pj = np.nonzero(band)                              # the pairs (input, centre)
    noise = [(inputs[i], w) for i, j in zip(pi, pj) for w in k if w != centres[j]]
    ni, nk = (np.array([a for a, _ in noise], dtype=np.intp),
              np.array([b for _, b in noise], dtype=np.intp))
    if pi.size == 0:                                       # no pairs: J = 0
        return 0.0, {"V": np.zeros(V.shape), "U": np.zeros(U.shape)}

    def J(V, U):
        pos = (V[inputs[pi]] * U[centres[pj]]).sum(axis=1)
        loss = -ad.log_sigmoid(pos).sum()
        if ni.size:
            neg = (V[ni] * U[nk]).sum(axis=1)
            loss = loss - (K / k.size) * ad.log_sigmoid(-neg).sum()
        return loss
    return ad.grad(J, V=V, U=U)


def skipgram_shared_negatives(V, context, c, negatives, U):
    """One window with shared negatives (:func:`w2vlib.fast.skipgram_shared_negatives`):
    J = sum_p [-log sigma(u_c . v_{o_p}) - sum_{k != c} log sigma(-u_k . v_{o_p})]."""
    context = np.asarray(context)
    c = chk.as_index(c, "c", np.shape(U)[0])
    return skipgram_span(V, context, [c], np.ones((context.size, 1)), negatives, U)

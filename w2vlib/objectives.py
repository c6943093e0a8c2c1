"""word2vec objectives, each returning ``(loss, grads)``.

Notation (the book's, chapter 00): ``n`` words, vector size ``d``;
``V`` (n, d) holds the input ("centre") vectors v_w, ``U`` (n, d) the output
("outside") vectors u_w; ``c`` is the centre word, ``o`` the outside word,
``k_1..k_K`` the negative samples. Every model is an *input layer* that makes a
hidden vector ``h`` (skip-gram: h = v_c; CBOW: h = mean of the context vectors)
and an *output layer* that scores ``h``:

* full softmax:  z = U h,  p = softmax(z),  J = -log p_o,  dJ/dz = p - y;
* binary logistic (negative sampling and hierarchical softmax alike):
  s_j = u_j . h,  J = -sum_j log sigma((2 t_j - 1) s_j),  dJ/ds_j = sigma(s_j) - t_j,
  with targets t_j = 1 for the word that occurred (or the branch taken), 0 otherwise;
* noise-contrastive estimation (NCE): the same units with each score shifted by
  log(K P_n(w_j)), the log of how often K noise draws produce w_j on average
  (chapter 04); negative sampling is the special case K P_n(w) = 1.

The two output kernels, :func:`softmax_output` and :func:`binary_logistic_output`,
are batched over leading axes and are what the trainer calls; the per-example
functions below them (``skipgram_*``, ``cbow_*``) validate their inputs, gather
the rows they need, call a kernel, and scatter the gradients back into
full-size matrices so that they can be compared with finite differences.

``grads`` is a dict keyed by parameter name ("v_c", "V", "U", "U_inner") plus a
few named intermediate gradients ("h", "u_o", "u_k", "z") for teaching.
"""

import numpy as np

from . import _checks as chk
from .functions import log_sigmoid, logsumexp, sigmoid, softmax

__all__ = [
    "softmax_output",
    "binary_logistic_output",
    "binary_logistic_factored",
    "skipgram_softmax",
    "skipgram_softmax_window",
    "skipgram_neg_sampling",
    "skipgram_nce",
    "nce_expected_loss",
    "skipgram_hs",
    "cbow_hidden",
    "cbow_softmax",
    "cbow_neg_sampling",
    "cbow_hs",
]


# --------------------------------------------------------------------------- kernels
def softmax_output(h, o, U):
    """Full-softmax output layer, batched.

    h: (..., d) hidden vectors; o: (...) int indices of the observed words; U: (n, d).
    Returns ``(loss, grad_h, grad_U)``: loss (...,) = logsumexp(z) - z_o with z = U h,
    grad_h (..., d) = U^T (p - y), grad_U (n, d) = sum over the batch of (p - y) h^T.
    """
    U = chk.as_float_array(U, "U", ndim=2, finite=False)
    h = chk.as_float_array(h, "h", min_ndim=1, finite=False)
    o = np.asarray(o)
    if h.shape[:-1] != o.shape or h.shape[-1] != U.shape[1]:
        raise ValueError(f"h: expected shape {o.shape + (U.shape[1],)} to match o {o.shape} "
                         f"and U {U.shape}, got {h.shape}")
    chk.check_index_array(o, "o", U.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        z = h @ U.T                                       # (..., n) scores
    chk.check_finite_result(z, inputs={"h": h, "U": U})
    loss = logsumexp(z) - np.take_along_axis(z, o[..., None], axis=-1)[..., 0]
    delta = softmax(z)                                    # p ...
    np.put_along_axis(delta, o[..., None],
                      np.take_along_axis(delta, o[..., None], axis=-1) - 1.0, axis=-1)  # ... - y
    grad_h = delta @ U
    grad_U = delta.reshape(-1, U.shape[0]).T @ h.reshape(-1, U.shape[1])
    chk.check_finite_result(loss, grad_h, inputs={"h": h, "U": U})
    return loss, grad_h, grad_U


def binary_logistic_output(h, u, t, mask=None):
    """Binary logistic output units (negative sampling, hierarchical softmax), batched.

    h: (..., d) hidden vectors; u: (..., J, d) the output vectors scored against h;
    t: (..., J) targets in {0, 1}; mask: optional (..., J) of 0/1 (padding = 0).
    Returns ``(loss, grad_h, grad_u)``: loss (...,) = -sum_j log sigma((2 t_j - 1) s_j)
    with s_j = u_j . h; grad_h (..., d) = sum_j (sigma(s_j) - t_j) u_j;
    grad_u (..., J, d) = (sigma(s_j) - t_j) h.
    """
    loss, grad_h, g = binary_logistic_factored(h, u, t, mask)
    h = np.asarray(h)
    grad_u = g[..., None] * h[..., None, :]
    return loss, grad_h, grad_u


def binary_logistic_factored(h, u, t, mask=None):
    """:func:`binary_logistic_output` with grad_u left in factored form.

    Same arguments. Returns ``(loss, grad_h, g)`` where g (..., J) = dJ/ds_j
    = (sigma(s_j) - t_j) (times the mask), so that grad_u[..., j, :] = g[..., j] h.
    The trainer scatters g_j h straight into the rows of U (a sparse-times-dense
    product) instead of forming the (..., J, d) array grad_u.
    """
    h = chk.as_float_array(h, "h", min_ndim=1, finite=False)
    u = chk.as_float_array(u, "u", min_ndim=2, finite=False)
    if u.shape[:-2] != h.shape[:-1] or u.shape[-1] != h.shape[-1]:
        raise ValueError(f"u: expected shape {h.shape[:-1] + ('J', h.shape[-1])} to match "
                         f"h {h.shape}, got {u.shape}")
    t = chk.check_binary_array(t, "t", u.shape[:-1])
    if mask is not None:
        mask = chk.check_binary_array(mask, "mask", u.shape[:-1])
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grad_h, g = logistic_kernel(h, u, t, mask)
    chk.check_finite_result(loss, grad_h, inputs={"h": h, "u": u})
    return loss, grad_h, g


def logistic_kernel(h, u, t, mask=None):
    """The computation of :func:`binary_logistic_factored`, without its input checks.

    This is the trainer's inner loop: its arrays are built by the trainer itself, which
    watches the loss for divergence, so checking them again on every minibatch (about a
    tenth of the training time) buys nothing. Anything else should call the checked
    :func:`binary_logistic_factored`.

    It computes the same numbers on every x86-64 CPU (chapter 8): the dot products
    s_j = u_j . h by ``np.einsum`` (NumPy's own loop, not the BLAS, whose kernels sum
    in an order that depends on the CPU), dJ/dh = sum_j g_j u_j by a sequential
    sparse product (j = 0, 1, ... in order), and exp and log1p in float64, rounded to
    the arrays' dtype (NumPy's float32 exp has one SIMD implementation for AVX2 and
    AVX-512 and another below; in float64 their last-bit differences round away).
    """
    s = np.einsum("...jd,...d->...j", u, h)               # (..., J) scores s_j = u_j . h
    t = np.asarray(t, dtype=s.dtype)
    # One exponential serves sigma(s) and log sigma((2t - 1) s): |(2t - 1) s| = |s|.
    e_wide = np.exp(-np.abs(s, dtype=np.float64))        # exp(-|s|) in (0, 1], float64
    e = e_wide.astype(s.dtype)
    a = 1.0 + e
    np.reciprocal(a, out=a)                               # sigma(|s|)
    b = e * a                                             # sigma(-|s|)
    # dJ/ds_j = sigma(s_j) - t_j, written sigma(s_j) for t_j = 0 and -sigma(-s_j) for
    # t_j = 1: a subtraction 1 - sigma(s) would round to exactly 0 once s > ~17 (float32)
    # or ~37 (float64), where sigma(-s) is still a positive number.
    g = np.where((s >= 0) == (t == 0), a, b)              # sigma(s) or sigma(-s)
    g *= 1.0 - 2.0 * t
    # -log sigma(x) = max(-x, 0) + log1p(e^{-|x|}) with x = (2t - 1) s, so -x = (1 - 2t) s
    nterms = 1.0 - 2.0 * t
    nterms *= s
    np.maximum(nterms, 0.0, out=nterms)
    nterms += np.log1p(e_wide).astype(s.dtype)
    if mask is not None:
        mask = np.asarray(mask, dtype=s.dtype)
        g *= mask
        nterms *= mask
    loss = nterms.sum(axis=-1)
    return loss, weighted_rows(g, u), g


try:  # the compiled loop behind scipy.sparse's CSC-matrix times dense-matrix product
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - a future scipy may move it
    _csc_matvecs = None


def weighted_rows(g, u):
    """sum_j g[..., j] u[..., j, :], summed j = 0, 1, ... in order (the same on every
    CPU): a CSC sparse product whose column b holds the J weights of example b."""
    g = np.asarray(g)
    u = np.asarray(u)
    J, d = u.shape[-2:]
    lead = u.shape[:-2]
    B = int(np.prod(lead, dtype=np.int64))
    out = np.zeros((B, d), dtype=np.result_type(g, u))
    if _csc_matvecs is None or B == 0:  # pragma: no cover
        return np.einsum("...j,...jd->...d", g, u)
    rows = np.repeat(np.arange(B, dtype=np.intp), J)
    indptr = np.arange(0, B * J + 1, dtype=np.intp)
    _csc_matvecs(B, B * J, d, indptr, rows,
                 np.ascontiguousarray(g, dtype=out.dtype).ravel(),
                 np.ascontiguousarray(u, dtype=out.dtype).reshape(-1),
                 out.reshape(-1))
    return out.reshape(lead + (d,))


# --------------------------------------------------------------------------- skip-gram
def skipgram_softmax(v_c, o, U):
    """Skip-gram with full softmax for one (centre, outside) pair.

    v_c: (d,) centre vector; o: int, outside word index; U: (n, d) output vectors.
    J = -log p_o, p = softmax(U v_c).
    Returns ``(loss, grads)`` with grads["v_c"] (d,) = U^T (p - y),
    grads["U"] (n, d) = (p - y) v_c^T, grads["z"] (n,) = p - y.
    """
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    o = chk.as_index(o, "o", U.shape[0])
    loss, grad_v_c, grad_U = softmax_output(v_c, np.asarray(o), U)
    p = softmax(U @ v_c)
    y = np.zeros_like(p)
    y[o] = 1.0
    return float(loss), {"v_c": grad_v_c, "U": grad_U, "z": p - y}


def skipgram_softmax_window(v_c, outside, U):
    """Skip-gram with full softmax for a whole window: one centre, all its outside words.

    v_c: (d,) centre vector; outside: (2m,) int indices o_1..o_2m of the outside words
    (any number >= 1, repeats allowed); U: (n, d) output vectors. All pairs share one
    p = softmax(U v_c), so J = sum_j J_j = 2m logsumexp(z) - sum_j z_{o_j}.
    Returns ``(loss, grads)`` with grads["z"] (n,) = 2m p - sum_j y_{o_j},
    grads["v_c"] (d,) = U^T grads["z"], grads["U"] (n, d) = grads["z"] v_c^T: one
    score vector and one softmax for the window instead of one per pair.
    """
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    outside = chk.as_indices(outside, "outside", U.shape[0], what="outside word index")
    z = U @ v_c
    counts = np.bincount(outside, minlength=U.shape[0]).astype(z.dtype)  # sum_j y_{o_j}
    loss = outside.size * logsumexp(z) - counts @ z
    delta = outside.size * softmax(z) - counts
    return float(loss), {"v_c": U.T @ delta, "U": np.outer(delta, v_c), "z": delta}


def skipgram_neg_sampling(v_c, o, negatives, U):
    """Skip-gram with negative sampling (SGNS) for one pair and K given negatives.

    v_c: (d,); o: int; negatives: (K,) int indices k_1..k_K (repeats allowed); U: (n, d).
    J = -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c).
    Returns ``(loss, grads)``: grads["v_c"] (d,) = (sigma(u_o.v_c) - 1) u_o
    + sum_k sigma(u_k.v_c) u_k; grads["u_o"] (d,) = (sigma(u_o.v_c) - 1) v_c;
    grads["u_k"] (K, d), row i = sigma(u_{k_i}.v_c) v_c (one row per draw);
    grads["U"] (n, d) with those rows added in (a word drawn twice gets both).
    The objective is taken as written: a negative equal to ``o`` is kept
    (word2vec.c would skip it; see chapter 04).
    """
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    o = chk.as_index(o, "o", U.shape[0])
    k = chk.as_indices(negatives, "negatives", U.shape[0], what="negative sample index")
    rows = np.concatenate([[o], k])                       # u_o, then u_k1..u_kK
    t = np.zeros(rows.size)
    t[0] = 1.0
    loss, grad_v_c, grad_u = binary_logistic_output(v_c, U[rows], t)
    grad_U = np.zeros_like(U)
    np.add.at(grad_U, rows, grad_u)
    return float(loss), {"v_c": grad_v_c, "U": grad_U, "u_o": grad_u[0], "u_k": grad_u[1:]}


def skipgram_nce(v_c, o, negatives, U, log_kpn):
    """Skip-gram with noise-contrastive estimation (NCE) for one pair and K negatives.

    v_c: (d,); o: int; negatives: (K,) int indices k_1..k_K drawn from P_n (repeats
    allowed); U: (n, d); log_kpn: (n,) the correction b_w = log(K P_n(w)) of every
    word, computed with the same K as ``negatives`` has entries (Gutmann & Hyvarinen
    2010; Mnih & Teh 2012, with the model's normaliser fixed to 1).
    With s_w = u_w . v_c and x_w = s_w - b_w:
    J = -log sigma(x_o) - sum_k log sigma(-x_k).
    Returns ``(loss, grads)`` like :func:`skipgram_neg_sampling`:
    grads["v_c"] = (sigma(x_o) - 1) u_o + sum_k sigma(x_k) u_k;
    grads["u_o"] = (sigma(x_o) - 1) v_c; grads["u_k"] (K, d), row i = sigma(x_{k_i}) v_c;
    grads["U"] (n, d) with those rows added in. ``log_kpn = 0`` gives negative sampling.
    The shift enters the output kernel as a bias: h = (v_c, 1) and u_j = (u_j, -b_j),
    so that u_j . h = s_j - b_j.
    """
    U = chk.as_matrix(U, "U")
    v_c = chk.as_vector(v_c, "v_c", U.shape[1])
    o = chk.as_index(o, "o", U.shape[0])
    k = chk.as_indices(negatives, "negatives", U.shape[0], what="negative sample index")
    b = chk.as_float_array(log_kpn, "log_kpn", ndim=1)
    if b.shape != (U.shape[0],):
        raise ValueError(f"log_kpn: expected shape ({U.shape[0]},), one log(K P_n(w)) per "
                         f"word of U, got {b.shape}")
    rows = np.concatenate([[o], k])                       # u_o, then u_k1..u_kK
    t = np.zeros(rows.size)
    t[0] = 1.0
    dtype = np.result_type(v_c, U)
    h = np.append(v_c, 1.0).astype(dtype)
    u = np.concatenate([U[rows], -b[rows, None].astype(dtype)], axis=1)
    loss, grad_h, grad_u = binary_logistic_output(h, u, t)
    grad_v_c, grad_u = grad_h[:-1], grad_u[:, :-1]
    grad_U = np.zeros_like(U)
    np.add.at(grad_U, rows, grad_u)
    return float(loss), {"v_c": grad_v_c, "U": grad_U, "u_o": grad_u[0], "u_k": grad_u[1:]}


def nce_expected_loss(s, p, noise, K, log_kpn):
    """The loss of :func:`skipgram_nce` averaged exactly over the data and the noise.

    For one centre word: o ~ p (the true p(w|c)), k_1..k_K independent draws from
    ``noise`` (P_n), and the scores s_w = u_w . v_c of all n words taken as free
    parameters. With x_w = s_w - b_w (b = ``log_kpn``, (n,)):
    E[J] = -sum_w p_w log sigma(x_w) - K sum_w P_n(w) log sigma(-x_w),
    dE[J]/ds_w = p_w (sigma(x_w) - 1) + K P_n(w) sigma(x_w).
    ``log_kpn = log(K P_n)`` is NCE, ``log_kpn = 0`` negative sampling.
    s, p, noise, log_kpn: (n,); p and noise are probability vectors; K >= 1.
    Returns ``(loss, {"s": grad})``.
    """
    s = chk.as_float_array(s, "s", ndim=1)
    n = s.shape[0]
    arrays = {}
    for name, value in (("p", p), ("noise", noise), ("log_kpn", log_kpn)):
        arr = chk.as_float_array(value, name, ndim=1)
        if arr.shape != (n,):
            raise ValueError(f"{name}: expected shape ({n},) like s, got {arr.shape}")
        arrays[name] = arr
    p, noise, b = arrays["p"], arrays["noise"], arrays["log_kpn"]
    for name, arr in (("p", p), ("noise", noise)):
        if np.any(arr < 0) or not np.isclose(arr.sum(), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"{name}: expected a probability vector (entries >= 0, sum 1), "
                             f"got sum {arr.sum():.6g} and minimum {arr.min():.6g}")
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K: expected an integer >= 1 (negatives per pair), got {K!r}")
    x = s - b
    sig = sigmoid(x)
    loss = -(p * log_sigmoid(x)).sum() - K * (noise * log_sigmoid(-x)).sum()
    return float(loss), {"s": p * (sig - 1.0) + K * noise * sig}


def skipgram_hs(v_c, path, code, U_inner):
    """Skip-gram with hierarchical softmax for one pair.

    v_c: (d,); path: (L,) inner-node indices from the root to the outside word's leaf;
    code: (L,) its Huffman code bits; U_inner: (n - 1, d) inner-node vectors.
    The branch target is t_l = 1 - code_l (word2vec.c's convention), so
    J = -sum_l log sigma((2 t_l - 1) u_{n_l} . v_c) and dJ/ds_l = sigma(s_l) - t_l.
    Returns ``(loss, grads)`` with grads["v_c"] (d,) and grads["U_inner"] (n - 1, d).
    """
    U_inner = chk.as_matrix(U_inner, "U_inner")
    v_c = chk.as_vector(v_c, "v_c", U_inner.shape[1])
    path = chk.as_indices(path, "path", U_inner.shape[0], what="inner-node index")
    t = 1.0 - chk.as_binary(code, "code", path.size)
    loss, grad_v_c, grad_u = binary_logistic_output(v_c, U_inner[path], t)
    grad_U = np.zeros_like(U_inner)
    np.add.at(grad_U, path, grad_u)
    return float(loss), {"v_c": grad_v_c, "U_inner": grad_U}


# --------------------------------------------------------------------------- CBOW
def cbow_hidden(V, context):
    """h = (1/C) sum_{w in context} v_w.  V: (n, d); context: (C,) int. Returns (d,)."""
    V = chk.as_matrix(V, "V")
    context = chk.as_indices(context, "context", V.shape[0], what="context word index")
    return V[context].mean(axis=0)


def _cbow_scatter(V, context, grad_h):
    """dJ/dV: each context row gets grad_h / C (a word appearing twice gets it twice)."""
    grad_V = np.zeros_like(V)
    np.add.at(grad_V, context, np.broadcast_to(grad_h / context.size, (context.size, V.shape[1])))
    return grad_V


def _cbow_inputs(V, context, out_name, out_matrix):
    out_matrix = chk.as_matrix(out_matrix, out_name)
    V = chk.as_matrix(V, "V", out_matrix.shape[1])
    context = chk.as_indices(context, "context", V.shape[0], what="context word index")
    return V, context, out_matrix


def cbow_softmax(V, context, c, U):
    """CBOW with full softmax: predict the centre word c from the mean of its context.

    V: (n, d) input vectors; context: (C,) int indices (C >= 1); c: int; U: (n, d).
    h = (1/C) sum_j v_{w_j},  J = -log softmax(U h)_c.
    Returns ``(loss, grads)``: grads["h"] (d,) = U^T (p - y); grads["V"] (n, d) with
    grads["h"] / C added to each context row; grads["U"] (n, d) = (p - y) h^T.
    (word2vec.c adds the full grads["h"], not divided by C, to every context vector;
    see chapter 05.)
    """
    V, context, U = _cbow_inputs(V, context, "U", U)
    c = chk.as_index(c, "c", U.shape[0])
    h = V[context].mean(axis=0)
    loss, grad_h, grad_U = softmax_output(h, np.asarray(c), U)
    return float(loss), {"V": _cbow_scatter(V, context, grad_h), "U": grad_U, "h": grad_h}


def cbow_neg_sampling(V, context, c, negatives, U):
    """CBOW with negative sampling.

    V: (n, d); context: (C,) int; c: int centre word; negatives: (K,) int; U: (n, d).
    J = -log sigma(u_c . h) - sum_k log sigma(-u_k . h), h = mean of the context vectors.
    Returns ``(loss, grads)`` with grads["h"] (d,), grads["V"] (n, d), grads["U"] (n, d).
    """
    V, context, U = _cbow_inputs(V, context, "U", U)
    c = chk.as_index(c, "c", U.shape[0])
    k = chk.as_indices(negatives, "negatives", U.shape[0], what="negative sample index")
    rows = np.concatenate([[c], k])
    t = np.zeros(rows.size)
    t[0] = 1.0
    h = V[context].mean(axis=0)
    loss, grad_h, grad_u = binary_logistic_output(h, U[rows], t)
    grad_U = np.zeros_like(U)
    np.add.at(grad_U, rows, grad_u)
    return float(loss), {"V": _cbow_scatter(V, context, grad_h), "U": grad_U, "h": grad_h}


def cbow_hs(V, context, path, code, U_inner):
    """CBOW with hierarchical softmax along the centre word's Huffman path.

    V: (n, d); context: (C,) int; path: (L,) inner-node indices; code: (L,) bits;
    U_inner: (n - 1, d). Returns ``(loss, grads)`` with grads["h"], grads["V"],
    grads["U_inner"].
    """
    V, context, U_inner = _cbow_inputs(V, context, "U_inner", U_inner)
    path = chk.as_indices(path, "path", U_inner.shape[0], what="inner-node index")
    t = 1.0 - chk.as_binary(code, "code", path.size)
    h = V[context].mean(axis=0)
    loss, grad_h, grad_u = binary_logistic_output(h, U_inner[path], t)
    grad_U = np.zeros_like(U_inner)
    np.add.at(grad_U, path, grad_u)
    return float(loss), {"V": _cbow_scatter(V, context, grad_h), "U_inner": grad_U, "h": grad_h}

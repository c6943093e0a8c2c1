"""Skip-gram with negatives shared across a window: the trainer's step as matrix products.

Ji, Satish, Li and Dubey (2016), *Parallelizing Word2Vec in Shared and Distributed
Memory* (arXiv 1604.04661; Intel's "HogBatch"): give every pair of one window the
*same* K negatives. In word2vec.c's roles (the context word's input vector is
trained against the centre word's output vector), the window of centre c with
context words o_1..o_P becomes one small matrix problem:

    H   = S V           (C, d)      rows v_{o_1} .. v_{o_P}   (S: 0/1 selection, C x n)
    U_W = R U           (K + 1, d)  rows u_c, u_{k_1} .. u_{k_K} (R: selection, (K+1) x n)
    Z   = H U_W^T       (C, K + 1)  Z_{pj} = s_{pj} = u_j . v_{o_p}
    T   = [1 0 .. 0] in every row   (the centre is the positive unit of every pair)
    J   = - sum_{p,j} log sigma((2 T_pj - 1) Z_pj)
    G   = dJ/dZ = sigma(Z) - T
    dJ/dH = G U_W,   dJ/dU_W = G^T H,   dJ/dV = S^T G U_W,   dJ/dU = R^T G^T H.

J is the sum over the window's pairs of the ordinary SGNS pair objective, each pair
with the same negatives. Per window the trainer gathers C + K + 1 rows and scatters
as many, where one-pair-at-a-time SGNS gathers and scatters C (K + 2): with
K = 5 and C ~ 6 pairs per window, 12 rows against 42 (see :func:`rows_moved`).
A negative equal to the centre word is skipped, as word2vec.c skips it.

Spans. In NumPy one window at a time is not faster than one pair at a time: a
window's products are ~6 x 100 x 6, and ``np.matmul`` over a stack of windows calls
the BLAS once per window, so the three products cost ~1-2 microseconds of call
overhead per window (profiled on the benchmark corpus: they were ~2/3 of the step,
and training ran at ~0.8x gensim's words/s). The trainer therefore shares K'
negatives among the pairs of a *span* of L consecutive centres (:func:`spans`): its
inputs are the L + 2m words around it, its outputs the L centres and the K'
negatives, Z = H U_S^T is (L + 2m) x (L + K'), and a band A marks which entries are
pairs; each noise term of input i counts once per pair of i with weight K / K'
(:func:`span_weights`, :func:`skipgram_span`). L = 1, K' = K is Ji et al.'s window.
``train(..., model="sgns-shared")`` uses ``SHARED`` (L = 16, K' = 15). An early
2-seed exploration (15 epochs, lr 0.025, before the row rule) found L = 4, 8, 16 with
K' = 5, 10, 15 alike in quality and L = 16 the fastest; the kept comparisons with
gensim, with intervals, are ``python -m w2vlib.bench``'s (chapter 12, README).
A step is four batched products (the weights N from the band, Z = H U_S^T, G U_S,
G^T H) plus two matrix-vector products for the rows' rates (the row rule of
:func:`w2vlib.train.row_rates`, with the weights W).
"""

import numpy as np

from . import _checks as chk
from .corpus import _window_positions
from .train import ROW_CAP, row_rates, scatter_add

__all__ = ["shared_negative_output", "skipgram_shared_negatives", "rows_moved", "SHARED"]

#: the trainer's settings for model="sgns-shared": centres per span L (1: one window, as
#: Ji et al.) and negatives drawn per span K' (None: K, the ``negative`` of train)
SHARED = dict(span=16, negatives=15)


def shared_negative_output(H, U_S, T, W=None):
    """Weighted binary logistic units, every input row scored against the same output
    rows, batched over leading axes: the matrix form of shared negatives.

    H: (..., R, d) input rows; U_S: (..., J, d) output rows; T: targets in {0, 1},
    broadcastable to (..., R, J); W: weights >= 0 (0/1 masks, or pair counts),
    broadcastable to (..., R, J); None means all 1.
    With Z = H U_S^T (..., R, J):
        loss (...,)  = sum_{i,j} W_ij (-log sigma((2 T_ij - 1) Z_ij)),
        G            = dJ/dZ = W * (sigma(Z) - T),
        grad_H       = G U_S      (..., R, d),
        grad_U_S     = G^T H      (..., J, d).
    Returns ``(loss, grad_H, grad_U_S, G)``. Only NumPy's vectorised ufuncs are used,
    with exp(-|Z|) as the one exponential, so nothing overflows.
    """
    H = chk.as_float_array(H, "H", min_ndim=2, finite=False)
    U_S = chk.as_float_array(U_S, "U_S", min_ndim=2, finite=False)
    if H.ndim < 2 or U_S.ndim != H.ndim or U_S.shape[:-2] != H.shape[:-2] \
            or U_S.shape[-1] != H.shape[-1]:
        raise ValueError(f"U_S: expected shape {H.shape[:-2] + ('J', H.shape[-1])} to match "
                         f"H {H.shape}, got {U_S.shape}")
    shape = H.shape[:-1] + U_S.shape[-2:-1]
    T = chk.check_binary_array(T, "T", shape)
    if W is not None:
        W = chk.as_float_array(W, "W")
        try:
            W = np.broadcast_to(W, shape)
        except ValueError:
            raise ValueError(f"W: expected weights broadcastable to {shape}, got shape "
                             f"{W.shape}") from None
        if np.any(W < 0):
            raise ValueError("W: expected weights >= 0")
    with np.errstate(over="ignore", invalid="ignore"):
        out = shared_negative_kernel(H, U_S, T, W)
    chk.check_finite_result(*out[:3], inputs={"H": H, "U_S": U_S})
    return out


def shared_negative_kernel(H, U_S, T, W=None):
    """:func:`shared_negative_output` without its input checks: the trainer's inner loop
    (:func:`step_sgns_span` builds its arrays itself and the trainer watches the loss)."""
    Z = np.matmul(H, np.swapaxes(U_S, -1, -2))            # (..., R, J)
    T = np.asarray(T, dtype=Z.dtype)
    A = np.abs(Z)
    E = np.negative(A)
    np.exp(E, out=E)                                      # exp(-|Z|) in (0, 1]
    a = E + 1.0
    np.reciprocal(a, out=a)                               # sigma(|Z|)
    b = E * a                                             # sigma(-|Z|)
    # dJ/dZ before the weights: sigma(Z) where T = 0, -sigma(-Z) where T = 1 (no
    # subtraction 1 - sigma(Z), which rounds to 0 for large Z)
    G = np.where((Z >= 0) == (T == 0), a, b)
    G *= 1.0 - 2.0 * T
    nll = np.log1p(E, out=E)                              # log(1 + exp(-|Z|))
    x = (2.0 * T - 1.0) * Z
    np.subtract(A, x, out=x)
    x *= 0.5                                              # max(-x, 0) = (|x| - x) / 2
    nll += x                                              # -log sigma(x), x = (2T - 1) Z
    if W is not None:
        W = np.broadcast_to(np.asarray(W, dtype=Z.dtype), Z.shape)
        G *= W
        nll *= W
    loss = nll.sum(axis=(-2, -1))
    grad_H = np.matmul(G, U_S)
    grad_U_S = np.matmul(np.swapaxes(G, -1, -2), H)
    return loss, grad_H, grad_U_S, G


def span_weights(band, centres, negatives, K=None):
    """The weights W = [B, N] of a span's scores Z = [Z_C, Z_K].

    band: (..., R, L) 0/1, B_ij = 1 when input i and centre j make a pair;
    centres: (..., L) and negatives: (..., K') word indices; K: the negatives per pair
    of plain SGNS (default K'). N_ik = (K / K') #{j : B_ij = 1, c_j != k}: input i's
    term for negative k counts once per pair of i, except the pairs whose centre is
    k itself (word2vec.c skips a negative equal to the positive word).
    Returns W (..., R, L + K').
    """
    band = np.asarray(band)
    centres = np.asarray(centres)
    negatives = np.asarray(negatives)
    Kp = negatives.shape[-1]
    K = Kp if K is None else K
    B = band.astype(np.float64 if band.dtype == bool else band.dtype)
    differ = (centres[..., :, None] != negatives[..., None, :]).astype(B.dtype)  # (.., L, K')
    N = np.matmul(B, differ) * (K / Kp)
    return np.concatenate([B, N], axis=-1)


def skipgram_span(V, inputs, centres, band, negatives, U, K=None):
    """The shared-negative objective of one span, with its gradients.

    V, U: (n, d) input and output vectors; inputs: (R,) the words whose input vectors
    are the rows of H; centres: (L,) the centre words c_1..c_L; band: (R, L) 0/1,
    1 where (input i, centre j) is a pair; negatives: (K',) shared by every pair;
    K: negatives per pair in plain SGNS (default K'); see :func:`span_weights`.
    With U_S = [u_{c_1}..u_{c_L}, u_{k_1}..u_{k_K'}], Z = H U_S^T, T = [1..1, 0..0]:
        J = sum_{i,j} W_ij (-log sigma((2 T_j - 1) Z_ij))
          = sum_{pairs (i, j)} [ -log sigma(u_{c_j} . h_i)
                                 - (K / K') sum_{k != c_j} log sigma(-u_k . h_i) ].
    Returns ``(loss, grads)``: grads["V"] (n, d) = S^T G U_S, grads["U"] (n, d)
    = R^T G^T H (S, R the selection matrices of the input and output rows),
    grads["H"] = G U_S, grads["U_S"] = G^T H, grads["Z"] = G.
    """
    V, inputs, centres, band, k, U, K = span_inputs(V, inputs, centres, band, negatives,
                                                    U, K)
    rows = np.concatenate([centres, k])
    T = np.concatenate([np.ones(centres.size), np.zeros(k.size)])
    W = span_weights(band, centres, k, K)
    loss, grad_H, grad_U_S, G = shared_negative_output(V[inputs], U[rows], T, W)
    grad_V = np.zeros_like(V)
    np.add.at(grad_V, inputs, grad_H)                     # S^T dJ/dH
    grad_U = np.zeros_like(U)
    np.add.at(grad_U, rows, grad_U_S)                     # R^T dJ/dU_S
    return float(loss), {"V": grad_V, "U": grad_U, "H": grad_H, "U_S": grad_U_S, "Z": G}


def span_inputs(V, inputs, centres, band, negatives, U, K=None):
    """The arguments of :func:`skipgram_span`, checked: ``(V, inputs, centres, band, k,
    U, K)`` with K defaulting to the number of negatives (shared with the autodiff form
    in :mod:`w2vlib.ad_objectives`)."""
    U = chk.as_matrix(U, "U")
    V = chk.as_matrix(V, "V", U.shape[1])
    inputs = chk.as_indices(inputs, "inputs", V.shape[0], what="input word index")
    centres = chk.as_indices(centres, "centres", U.shape[0], what="centre word index")
    k = chk.as_indices(negatives, "negatives", U.shape[0], what="negative sample index")
    band = chk.as_float_array(band, "band", ndim=2)
    if band.shape != (inputs.size, centres.size) or np.any((band != 0) & (band != 1)):
        raise ValueError(f"band: expected a 0/1 matrix of shape ({inputs.size}, "
                         f"{centres.size}) (inputs x centres), got shape {band.shape}")
    K = k.size if K is None else chk.positive_int(K, "K")
    return V, inputs, centres, band, k, U, K


def skipgram_shared_negatives(V, context, c, negatives, U):
    """The shared-negative objective of one window (Ji et al.), with its gradients.

    V: (n, d) input vectors; context: (C,) int, the window's context words o_1..o_P
    (their input vectors are the rows of H); c: int, the centre word (the positive
    output unit of every pair); negatives: (K,) int, k_1..k_K, shared by all C pairs;
    U: (n, d) output vectors.
    J = sum_p [ -log sigma(u_c . v_{o_p}) - sum_{k != c} log sigma(-u_k . v_{o_p}) ]
    (a negative equal to c is skipped, as the trainer does). This is
    :func:`skipgram_span` with one centre and every context word paired with it.
    Returns ``(loss, grads)`` with grads["V"], grads["U"] (n, d), grads["H"] (C, d)
    = G U_W, grads["U_S"] (K + 1, d) = G^T H, grads["Z"] (C, K + 1) = G.
    """
    U = chk.as_matrix(U, "U")
    V = chk.as_matrix(V, "V", U.shape[1])
    context = chk.as_indices(context, "context", V.shape[0], what="context word index")
    c = chk.as_index(c, "c", U.shape[0])
    return skipgram_span(V, context, [c], np.ones((context.size, 1)), negatives, U)


def rows_moved(pairs, K, shared, span=1, window=None):
    """Rows of V and U gathered plus scattered for ``pairs`` (centre, context) pairs.

    One pair at a time (``shared=False``): v_o, u_c and K negatives per pair, read and
    written: 2 C (K + 2). A window's pairs sharing K negatives (``span=1``): its C
    context rows, u_c and the K negatives: 2 (C + K + 1). A span of L windows
    sharing K negatives: its L + 2 window input rows, L centres and K negatives:
    2 (2 L + 2 window + K) for all the span's pairs.
    """
    arr = np.asarray(pairs)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer) or np.any(arr < 0):
        raise ValueError(f"pairs: expected whole numbers >= 0, got {pairs!r}")
    if not shared:
        return 2 * pairs * (K + 2)
    if span == 1:
        return 2 * (pairs + K + 1)
    return 2 * ((span + 2 * window) + span + K)


def spans(ktok, ksid, eff, window, a, b, L):
    """Cut the centres a:b of a chunk into spans of L consecutive centres.

    ktok, ksid, eff: kept tokens, their sentence numbers and effective windows (as
    the trainer holds them); a:b the chunk's centres. Span s has centres a + sL + j
    (j < L) and inputs a + sL - m + i (i < L + 2m). Returns ``(inputs, centres, band,
    first, pairs)``: inputs (S, L + 2m) and centres (S, L) word indices (padding: any
    valid index), band (S, L + 2m, L) bool, True where input i and centre j make a
    (context, centre) pair (inside the centre's effective window and sentence),
    first (S,) the position of each span's first centre, pairs (S,) pairs per span.
    """
    _, _, ok = _window_positions(ksid, eff, window, a, b)           # (b - a, 2m)
    m = window
    S = -(-(b - a) // L)
    pad = S * L - (b - a)
    if pad:
        ok = np.concatenate([ok, np.zeros((pad, 2 * m), dtype=bool)])
    offsets = np.concatenate([np.arange(-m, 0), np.arange(1, m + 1)])
    first = a + L * np.arange(S)
    band = np.zeros((S, L + 2 * m, L), dtype=bool)
    j = np.arange(L)
    band[:, j[:, None] + m + offsets[None, :], j[:, None]] = ok.reshape(S, L, 2 * m)
    N = ktok.size
    ipos = np.clip(first[:, None] - m + np.arange(L + 2 * m)[None, :], 0, N - 1)
    cpos = np.clip(first[:, None] + j[None, :], 0, N - 1)
    return ktok[ipos], ktok[cpos], band, first, band.sum(axis=(1, 2))


def step_sgns_span(ctx, batch, eta):
    """One SGD step on a batch of spans, the pairs of each span sharing K' negatives.

    batch = (inputs, centres, band, negatives): (S, R), (S, L), (S, R, L) from
    :func:`spans`, and (S, K') negatives. For every span, the gradients of
    :func:`skipgram_span` (four batched matrix products: the weights, Z = H U_S^T,
    G U_S, G^T H), scattered into V and U at each row's rate (``ctx["row_rule"]``,
    "trace" by default: :func:`w2vlib.train.row_rates` with the weights). ctx holds
    V, U and ``negative`` (K). Returns the loss.
    """
    inputs, centres, band, negatives = batch
    V, U = ctx["V"], ctx["U"]
    S, L = centres.shape
    d = V.shape[1]
    rows = np.concatenate([centres, negatives], axis=1)        # (S, L + K')
    H = np.take(V, inputs, axis=0)                              # (S, R, d)
    U_S = np.take(U, rows, axis=0)                              # (S, L + K', d)
    T = np.zeros(rows.shape[1], dtype=V.dtype)
    T[:L] = 1.0
    W = span_weights(band.astype(V.dtype), centres, negatives, ctx["negative"])
    loss, grad_H, grad_U_S, G = shared_negative_kernel(H, U_S, T, W)
    used = band.any(axis=2)                                     # inputs with a pair
    vptr = np.zeros(used.size + 1, dtype=np.intp)
    np.cumsum(used.ravel(), out=vptr[1:])
    live = np.concatenate([band.any(axis=1), np.ones(negatives.shape, dtype=bool)], axis=1)
    uptr = np.zeros(live.size + 1, dtype=np.intp)
    np.cumsum(live.ravel(), out=uptr[1:])
    if ctx.get("row_rule", "trace") == "sum":
        rate_v = rate_u = eta
    else:
        # the "trace" rule of w2vlib.train.row_rates, with weights: entry (i, j) of a span
        # adds W_ij sigma'(Z_ij) times ||u_j||^2 to input i's trace and ||h_i||^2 to u_j's
        with np.errstate(invalid="ignore", divide="ignore"):
            A = np.abs(np.where(W > 0, G / W, 0.0))             # sigma(Z) or sigma(-Z)
        curv = W * A * (1.0 - A)
        cap = ctx.get("row_cap", ROW_CAP)
        q_v = np.matmul(curv, np.einsum("sjd,sjd->sj", U_S, U_S)[..., None])[..., 0]
        q_u = np.matmul(np.swapaxes(curv, 1, 2), np.einsum("sid,sid->si", H, H)[..., None])
        rate_v = row_rates(eta, inputs[used], q_v[used], V.shape[0], cap)
        rate_u = row_rates(eta, rows[live], q_u[..., 0][live], U.shape[0], cap)
    scatter_add(V, inputs[used], grad_H.reshape(-1, d), -rate_v, indptr=vptr)
    scatter_add(U, rows[live], grad_U_S.reshape(-1, d), -rate_u, indptr=uptr)
    return float(loss.sum(dtype=np.float64))

"""Word-context counts, pointwise mutual information, and the SVD embedding.

Levy & Goldberg (2014) showed that skip-gram with negative sampling (SGNS), given
enough dimensions, is optimised when every score equals a shifted PMI,

    u_o^T v_c = PMI(c, o) - log K,   PMI(c, o) = log( X_{c,o} |D| / (X_c X_o) ),

where D is the multiset of (centre, outside) training pairs, X_{c,o} the number of
times the pair occurs in D (the co-occurrence matrix X, in the book's notation),
X_c = sum_o X_{c,o} and X_o = sum_c X_{c,o} its marginals (numbers of *pairs*; the
token count of a word is written #(w) and is a different number: X_c is about
(window + 1) #(c) under the dynamic window). This module computes the pieces of that
statement, on dense (n, n) arrays (memory O(n^2): meant for vocabularies of up to a
few thousand words):

    cooccurrence(sentences_idx, n, window)  -> X (n, n): X[c, o] = X_{c,o}
    pmi(X)                                  -> PMI (n, n), -inf where X is 0
    shifted_ppmi(X, K)                      -> max(PMI - log K, 0), 0 where X is 0
    svd_embedding(M, d)                     -> W (n, d), Z (n, d), s (d,): W Z^T ~ M

Rows index the centre word c (the word whose *input* vector v_c is scored), columns
the outside word o (the word whose *output* vector u_o scores it). With a symmetric
window the counts are symmetric, X = X^T.
"""

import math
import numbers

import numpy as np

from ._checks import as_float_array
from . import _checks as chk
from .corpus import _check_window, check_window_memory, flatten

__all__ = ["cooccurrence", "pmi", "shifted_ppmi", "svd_embedding", "WEIGHTINGS"]

WEIGHTINGS = ("dynamic", "uniform")


def cooccurrence(sentences_idx, n, window, weighting="dynamic"):
    """Pair counts X_{c,o} of a corpus, one row per centre word c, one column per outside o.

    sentences_idx: list of 1-D int arrays of word indices in 0..n-1 (as from
    ``Vocab.encode``); n: vocabulary size; window: m, the largest distance.
    weighting:
      * "dynamic" (default): a pair at distance j (1 <= j <= m) counts
        (m - j + 1) / m, the probability that word2vec's dynamic window (effective size
        uniform on 1..m) reaches it. X is then the *expected* number of times
        :func:`w2vlib.corpus.skipgram_pairs` yields each pair in one epoch.
      * "uniform": every pair within distance m counts 1 (a fixed window).
    Windows never cross a sentence boundary. Returns X, (n, n) float64, symmetric, with
    X.sum() = |D| (the expected number of pairs of an epoch for "dynamic").
    """
    n = chk.positive_int(n, "n")
    window = _check_window(window)
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting: expected one of {WEIGHTINGS}, got {weighting!r}")
    chk.check_memory(8 * n * n, "n", f"an {n:,} x {n:,} count matrix")
    tokens, sid = flatten(sentences_idx)
    check_window_memory(tokens.size, window)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= n):
        bad = tokens[(tokens < 0) | (tokens >= n)][0]
        raise IndexError(f"sentences_idx: expected word indices in 0..{n - 1}, got {int(bad)}")
    flat = np.zeros(n * n, dtype=np.float64)
    for j in range(1, window + 1):
        same = sid[:-j] == sid[j:]
        left, right = tokens[:-j][same], tokens[j:][same]
        weight = (window - j + 1) / window if weighting == "dynamic" else 1.0
        # the pair (left, right) at distance j is seen from both ends: c = left, o = right
        # and c = right, o = left
        both = np.concatenate([left * n + right, right * n + left])
        flat += weight * np.bincount(both, minlength=n * n)
    return flat.reshape(n, n)


def _check_counts_matrix(counts):
    return chk.as_count_matrix(counts, "counts")


def pmi(counts, context_probs=None):
    """Pointwise mutual information of every (row word c, column word o).

    PMI(c, o) = log( P(c, o) / (P(c) P(o)) ) with P(c, o) = X_{c,o} / |D|,
    P(c) = X_c / |D| (row sums) and P(o) = X_o / |D| (column sums), |D| = counts.sum();
    that is, log( X_{c,o} |D| / (X_c X_o) ).

    counts: (n_rows, n_cols) non-negative pair counts (from :func:`cooccurrence`).
    context_probs: optional (n_cols,) probabilities to use for P(o) instead of the
      column marginals, e.g. the noise distribution P_n(o) of negative sampling, which
      makes the result the SGNS optimum log( X_{c,o} / (X_c P_n(o)) ) before the shift.
    Entries with a zero count are -inf (the pair was never seen). Returns (n_rows,
    n_cols) float64.
    """
    C = _check_counts_matrix(counts)
    D = C.sum()
    row = C.sum(axis=1)
    if context_probs is None:
        colsum = C.sum(axis=0)
        # log P(o) = log X_o - log |D|, taken in logs so that tiny counts cannot underflow
        log_col = np.log(np.where(colsum > 0, colsum, 1.0)) - np.log(D)
    else:
        col = as_float_array(context_probs, "context_probs", ndim=1)
        if col.shape != (C.shape[1],):
            raise ValueError(f"context_probs: expected shape ({C.shape[1]},) (one probability "
                             f"per column of counts), got {col.shape}")
        if np.any(col <= 0) or not math.isclose(float(col.sum()), 1.0, rel_tol=1e-6):
            raise ValueError(f"context_probs: expected positive probabilities summing to 1, got "
                             f"sum {float(col.sum()):.6g} and minimum {float(col.min()):.3g}")
        log_col = np.log(col)
    out = np.full(C.shape, -np.inf)
    seen = C > 0
    r, c = np.nonzero(seen)
    # log( X_co / (|D| P(c) P(o)) ) = log X_co - log X_c - log P(o); a seen pair's row is > 0
    out[seen] = np.log(C[seen]) - np.log(row[r]) - log_col[c]
    return out


def shifted_ppmi(counts, K=1, context_probs=None):
    """Shifted positive PMI: max(PMI(c, o) - log K, 0), and 0 for unseen pairs.

    K = 1 gives the positive PMI (PPMI). With K = the number of negatives, this is the
    matrix whose factorisation Levy & Goldberg (2014) propose in place of SGNS: the SGNS
    optimum PMI - log K with the (many, uninformative) negative entries clipped to 0.
    counts, context_probs: as for :func:`pmi`. Returns (n_rows, n_cols) float64 >= 0.
    """
    if isinstance(K, (bool, np.bool_)) or not isinstance(K, numbers.Real) \
            or not math.isfinite(K) or K <= 0:
        raise ValueError(f"K: expected a number > 0 (the number of negatives), got {K!r}")
    return np.maximum(pmi(counts, context_probs) - math.log(K), 0.0)


def svd_embedding(M, d, power=0.5):
    """Word vectors from a truncated SVD of a word-context matrix M (n, m).

    With M = P S Q^T (singular values s_1 >= s_2 >= ...), keep the first d and return
    ``(W, Z, s)``: W = P_d S_d^power (n, d), one vector per row word; Z = Q_d
    S_d^(1 - power) (m, d), one per column word; s (d,) the singular values kept. Then
    W Z^T is the best rank-d approximation of M (Eckart-Young). power = 0.5 is Levy &
    Goldberg's symmetric split; power = 1 gives the classic P_d S_d.
    Signs: each singular pair is flipped so that its largest-magnitude entry of Q is
    positive, so the output does not depend on the LAPACK build's sign choice.
    """
    M = as_float_array(M, "M", ndim=2)
    if M.size == 0:
        raise ValueError(f"M: expected a non-empty matrix, got shape {M.shape}")
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral) \
            or not 1 <= d <= min(M.shape):
        raise ValueError(f"d: expected an integer in 1..{min(M.shape)} (at most min(n, m) for M "
                         f"of shape {M.shape}), got {d!r}")
    if isinstance(power, (bool, np.bool_)) or not isinstance(power, numbers.Real) \
            or not 0 <= power <= 1:
        raise ValueError(f"power: expected a number in [0, 1], got {power!r}")
    P, s, Qt = np.linalg.svd(M.astype(np.float64), full_matrices=False)
    P, s, Qt = P[:, :d], s[:d], Qt[:d]
    flip = np.sign(Qt[np.arange(d), np.argmax(np.abs(Qt), axis=1)])
    flip[flip == 0] = 1
    P, Qt = P * flip, Qt * flip[:, None]
    return P * s ** power, Qt.T * s ** (1 - power), s

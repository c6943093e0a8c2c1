"""The word2vec trainer: skip-gram and CBOW with negative sampling, full softmax or
hierarchical softmax, in vectorised minibatches of NumPy.

    from w2vlib.train import train
    result = train(sentences, model="sgns", d=100, window=5, negative=5, epochs=5)
    result.wv.most_similar("king")

Division of labour: the gradients come from :mod:`w2vlib.objectives`' batched output
kernels (``binary_logistic_output`` for negative sampling and hierarchical softmax,
``softmax_output`` for the full softmax). This module only *gathers* the rows a
minibatch needs, calls the kernel, and applies the SGD step by a *scatter-add*
(rows that occur several times in a batch receive the sum of their gradients).

What it does like word2vec.c (see the book's chapter on the implementation):

* one pass per epoch over the corpus in order; frequent words subsampled afresh each
  epoch (keep probability sqrt(tau/f) + tau/f by default) before windows are taken;
* a dynamic window: effective size uniform on 1..window for every centre word;
* negatives from P_n(w) ∝ #(w)^0.75; a negative equal to the positive word is
  skipped (masked), not redrawn;
* learning rate lr_t = lr * max(1e-4, 1 - words_done / (epochs * T + 1)), with
  words_done counting in-vocabulary corpus tokens (subsampled or not) before the
  chunk of 10,000 words (or the batch: ``lr_schedule``);
* initialisation V ~ U(-0.5, 0.5) / d, U = 0 (or U_inner = 0);
* CBOW's hidden vector is the mean of the context vectors, and by default the full
  dJ/dh is added to *every* context vector (word2vec.c), not dJ/dh / C (the true
  gradient of the mean); ``cbow_update="gradient"`` gives the latter.

Where it differs:

* skip-gram: like word2vec.c by default, the *context* word's input vector is
  trained against the centre word's output vector (``skipgram_input="context"``);
  ``skipgram_input="centre"`` gives the book's h = v_c predicting each context
  word o (the same objective summed over the window; see :func:`train`);
* the updates of a minibatch of ``batch_size`` (centre, context) pairs are computed
  from the same parameters, instead of one pair after the other (Hogwild-like
  staleness of up to a batch). A row that several examples of the batch use gets
  their summed gradient at a rate capped by the curvature of the batch loss in that
  row (``row_rule="trace"``, :func:`row_rates`; chapter 7 derives it): summed at the
  full rate (``row_rule="sum"``), a frequent word's update grows with its number of
  uses and diverges, or blows up silently, at large rates on some corpora;
* the learning rate is computed once per chunk of 10,000 corpus words and held within
  it (``lr_schedule="job"``, the default), as gensim holds it per 10,000-word job and
  word2vec.c recomputes it only every 10,000 words of a thread;
  ``lr_schedule="batch"`` recomputes it before every minibatch (w2vlib's own);
* gensim 4 (not word2vec.c) draws input vectors from (-1/d, 1/d), twice this range:
  on small corpora the larger start learns faster (planted analogies on 3,000
  synthetic sentences: 0.77 here, 0.91 with gensim's range, 0.96 with both its range
  and its learning-rate steps: ``init_scale=1.0, lr_schedule="job"``); at 0.5M tokens
  trained to convergence the choices are level (book chapter 8).

Everything is seeded: the same seed, inputs and parameters give bitwise-identical
vectors on one machine (the scatter-add is a sequential loop, so summation order is
fixed); another CPU's floating-point kernels give other last bits, which SGD
amplifies (chapter 8).
"""

from dataclasses import dataclass, field

import numpy as np

from . import _checks as chk
from . import objectives
from .functions import softmax
from .corpus import (Vocab, _check_min_count, _check_window)

try:  # the compiled loop behind scipy.sparse's CSC-matrix times dense-matrix product
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - a future scipy may move it
    _csc_matvecs = None

__all__ = ["train", "Word2Vec", "learning_rate", "init_vectors", "scatter_add", "MODELS",
           "SOFTMAX_MAX_VOCAB", "TrainingDivergedError", "TrainingUnstableWarning", "EpochEnd",
           "LR_SCHEDULES", "ROW_RULES", "row_rates", "start_loss", "check_epoch", "NORM_LIMIT"]

MODELS = ("sgns", "cbow", "softmax", "hs")
SOFTMAX_MAX_VOCAB = 30_000
_CHUNK_WORDS = 10_000          # corpus positions per chunk (pairs, negatives, loss point)
LR_SCHEDULES = ("batch", "job")


# --------------------------------------------------------------------------- pieces
def learning_rate(lr, words_done, total_words, min_fraction=1e-4):
    """word2vec.c's linear decay: lr * max(min_fraction, 1 - words_done / (total_words + 1)).

    lr: the starting rate eta_0; words_done: corpus tokens already processed (may be
    an array); total_words: epochs * T. Returns a float (or an array like words_done).
    """
    if np.ndim(words_done) == 0:
        return lr * max(min_fraction, 1.0 - float(words_done) / (total_words + 1.0))
    frac = 1.0 - np.asarray(words_done, dtype=np.float64) / (total_words + 1.0)
    return lr * np.maximum(min_fraction, frac)


def init_vectors(n, d, rng, dtype=np.float32, n_out=None, init_scale=0.5):
    """word2vec.c's initialisation: V uniform in (-0.5, 0.5) / d, output vectors zero.

    Returns ``(V, U)`` with V (n, d) and U (n_out, d), n_out = n unless given
    (hierarchical softmax passes n - 1 for U_inner). ``init_scale`` s draws V uniform
    in (-s/d, s/d): 0.5 is word2vec.c's range, 1.0 gensim 4's.
    """
    V = ((rng.random((n, d)) - 0.5) * (2.0 * init_scale / d)).astype(dtype)
    U = np.zeros((n if n_out is None else n_out, d), dtype=dtype)
    return V, U


_ARANGE = {}


def _arange(m):
    a = _ARANGE.get(m)
    if a is None:
        a = _ARANGE[m] = np.arange(m + 1, dtype=np.intp)
    return a


def scatter_add(M, idx, X, scale=1.0, indptr=None):
    """In place: M[idx[k]] += scale * X[col(k)], repeated rows accumulating.

    Without ``indptr``, entry k of ``idx`` goes with row k of X (idx (m,), X (m, d)).
    With ``indptr`` (CSC layout, length X.shape[0] + 1), the entries
    ``idx[indptr[b]:indptr[b+1]]`` all receive row b of X (a CBOW context receiving
    dJ/dh); ``scale`` is then a scalar or one weight per entry of ``idx``.
    This is the product of a sparse 0/1 (or weighted) matrix with a dense one, done
    by scipy's compiled CSC loop directly into M (no temporary (n, d) matrix, no sort).
    Falls back to ``np.add.at`` if that loop is unavailable.
    """
    idx = np.ascontiguousarray(idx, dtype=np.intp).ravel()
    X = np.ascontiguousarray(X, dtype=M.dtype).reshape(-1, M.shape[1])
    if indptr is None:
        if X.shape[0] != idx.size:
            raise ValueError(f"X: expected {idx.size} rows (one per index), got {X.shape[0]}")
        indptr = _arange(idx.size)
    else:
        indptr = np.ascontiguousarray(indptr, dtype=np.intp)
    data = np.asarray(scale, dtype=M.dtype)
    data = np.full(idx.shape, data) if data.ndim == 0 else np.ascontiguousarray(data).ravel()
    if data.shape != idx.shape or indptr.shape != (X.shape[0] + 1,) or indptr[-1] != idx.size:
        raise ValueError(f"scale/indptr: expected a scalar or {idx.size} weights and an indptr "
                         f"of length {X.shape[0] + 1} ending at {idx.size}")
    if _csc_matvecs is not None and M.flags.c_contiguous:
        _csc_matvecs(M.shape[0], X.shape[0], M.shape[1], indptr, idx, data, X.ravel(),
                     M.reshape(-1))
    else:  # pragma: no cover
        cols = np.repeat(np.arange(X.shape[0]), np.diff(indptr))
        np.add.at(M, idx, data[:, None] * X[cols])


def _scatter_outer(M, rows, g, h, eta):
    """M[rows[b, j]] -= eta * g[b, j] * h[b]: the SGD step grad_u = g h^T, applied
    without forming the (B, J, d) array (column b of a CSC matrix holds rows[b, :]).
    ``eta`` is a number or one rate per entry of ``rows``."""
    B, J = rows.shape
    scatter_add(M, rows, h, (-np.asarray(eta)) * g, indptr=np.arange(0, B * J + 1, J))


# --------------------------------------------------------------------------- row rule
#: How a batched step treats a row that several examples of one batch use (chapter 7):
#: "trace" (default) gives row r the rate min(eta, cap / tr H_r), where tr H_r is the
#: trace of the Hessian of the batch's loss in that row alone (the sum over the row's
#: terms of sigma'(s) times the squared norm of the vector it is scored against); "sum"
#: applies the plain summed gradient at rate eta, whatever the number of uses.
ROW_RULES = ("trace", "sum")
ROW_CAP = 1.0


def row_rates(eta, idx, curvature, n_rows, cap=ROW_CAP):
    """The rate of every entry of ``idx`` under the "trace" rule.

    idx: (m,) row indices (a row may repeat); curvature: (m,) each entry's term
    sigma'(s) ||x||^2 of the trace; n_rows: rows of the matrix. The trace of row r is
    c_r = sum of the terms of its entries; its rate is min(eta, cap / c_r), so that
    rate * lambda_max(H_r) <= rate * c_r <= cap < 2: the row's step is stable for
    the local quadratic model of its loss, however many examples of the batch use it
    (not for the logistic loss itself far from the current point, nor for the coupling
    of a row with the rows it is scored against). The rate is eta wherever
    eta * c_r <= cap, i.e. wherever a plain step does not overshoot the model's
    minimum; a row of one SGNS pair already has K + 1 terms. Returns (m,) float rates.
    """
    c = np.bincount(idx, weights=curvature, minlength=n_rows)[idx]
    return cap / np.maximum(c, cap / eta)


def _logistic_curvature(g):
    """sigma'(s) = sigma(s) sigma(-s) from g = sigma(s) - t (t in {0, 1}): |g| is sigma(s)
    (t = 0) or sigma(-s) (t = 1), so sigma'(s) = |g| (1 - |g|); masked entries (g = 0)
    give 0."""
    a = np.abs(g)
    return a * (1.0 - a)


# --------------------------------------------------------------------------- result
@dataclass
class Word2Vec:
    """What :func:`train` returns.

    vocab: the :class:`~w2vlib.corpus.Vocab`; V (n, d): input vectors (the word
    vectors); U (n, d): output vectors (None for "hs"); U_inner (n - 1, d): inner-node
    vectors ("hs" only); loss_history: (k, 2) array of (words_done, mean loss per
    example over the last chunk of ~10,000 corpus words); params: the settings used.
    """

    vocab: Vocab
    V: np.ndarray
    U: np.ndarray = None
    U_inner: np.ndarray = None
    loss_history: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    params: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def wv(self):
        """The input vectors V as a :class:`w2vlib.evaluate.KeyedVectors`."""
        from .evaluate import KeyedVectors
        return KeyedVectors(self.vocab.words, self.V)


@dataclass
class EpochEnd:
    """What a callback of :func:`train` receives at the end of every epoch.

    epoch: epochs completed (1..epochs); epochs: the total; words_done: corpus tokens
    processed so far (epoch * T); loss: mean loss per example over this epoch (nan if
    the epoch made no example); examples: how many examples it made; V, U: the current
    arrays themselves, not copies (U is U_inner for "hs"): copy what you keep;
    vocab: the Vocab; seconds: training time so far.
    """

    epoch: int
    epochs: int
    words_done: int
    loss: float
    examples: int
    V: np.ndarray
    U: np.ndarray
    vocab: Vocab
    seconds: float

    @property
    def wv(self):
        """The current V as a :class:`w2vlib.evaluate.KeyedVectors` (shares V's memory)."""
        from .evaluate import KeyedVectors
        return KeyedVectors(self.vocab.words, self.V)


# --------------------------------------------------------------------------- checks
_positive_int = chk.positive_int


_positive_float = chk.positive_float


# --------------------------------------------------------------------------- train
def train(sentences, *, model="sgns", d=100, window=5, negative=5, sample=1e-3,
          min_count=5, epochs=5, lr=None, min_lr_fraction=1e-4, batch_size=None, seed=0,
          dtype=np.float32, progress=True, vocab=None, cbow_update="word2vec",
          skipgram_input="context", subsample_formula="word2vec", allow_large_softmax=False,
          init_scale=0.5, lr_schedule="job", callbacks=(), row_rule="trace"):
    """Train word vectors on ``sentences`` (an iterable of lists of str tokens).

    sentences may also be a path to a text file (one sentence per line, tokens
    separated by whitespace) or a re-iterable that is not a list or tuple (e.g.
    :class:`w2vlib.stream.LineSentences`): it is then read in chunks each epoch
    (memory O(n + chunk)) with results identical to the same corpus as a list; see
    :mod:`w2vlib.stream`, whose ``train_chunked`` is the training loop for every input.

    model: "sgns" (skip-gram, negative sampling; default), "cbow" (CBOW, negative
      sampling), "softmax" (skip-gram, full softmax: vocabularies up to
      SOFTMAX_MAX_VOCAB = 30,000 words unless ``allow_large_softmax``), "hs" (skip-gram,
      hierarchical softmax over a Huffman tree), "sgns-shared" (skip-gram whose pairs
      share their negatives across a span of windows, 15 negatives per 16 windows by
      default, so a step is matrix products: :mod:`w2vlib.fast`; batch_size then counts
      pairs, rounded to whole spans).
    d: vector size; window: m, the largest window (effective size uniform on 1..m);
    negative: K (negative-sampling models); sample: subsampling threshold tau
      (0 or None: no subsampling) with ``subsample_formula`` (see
      :func:`w2vlib.corpus.keep_probability`); min_count: vocabulary cut-off
      (ignored when ``vocab`` is given).
    epochs: passes over the corpus; lr: starting learning rate (default 0.025, and
      0.05 for "cbow" like word2vec.c), decayed linearly to ``min_lr_fraction`` of it.
    batch_size: (centre, context) pairs per SGD step (CBOW: centre words). Default
      1024, or 2n for vocabularies of fewer than 512 words: the updates of a batch are
      summed, so a word that occurs in many pairs of one batch takes a step that many
      times too large, and on a tiny vocabulary large batches diverge.
    seed: seeds every random draw; dtype: float32 (default) or float64.
    cbow_update: "word2vec" (default): every context vector receives the full dJ/dh,
      as word2vec.c does; "gradient": each receives dJ/dh / C, the true gradient of
      the mean h = (1/C) sum v_w.
    skipgram_input: which word of a skip-gram pair (c, o) gives the hidden vector h.
      "context" (default, word2vec.c and gensim): h = v_o, and the centre word c is
      scored by u_c (or by its Huffman path); "centre" (the book's description):
      h = v_c and o is scored by u_o. Both sum the same objective over the same
      multiset of pairs in expectation, but in minibatches they differ: with
      "centre", the ~2 window pairs of one centre all update the same v_c from the
      same stale copy. Measured over 5 seeds, the two give the same quality within
      seed noise (WS353 rho 0.135 vs 0.130 on 200k Wikipedia tokens; planted analogies
      0.766 vs 0.757 on 3,000 synthetic sentences).
    progress: show a tqdm progress bar.
    init_scale: V starts uniform in (-init_scale/d, init_scale/d); 0.5 (default) is
      word2vec.c's range, 1.0 gensim 4's.
    lr_schedule: "job" (default): the rate is computed once per chunk of 10,000 corpus
      words and held fixed within it, like gensim's jobs and word2vec.c's 10,000-word
      updates of alpha; "batch": it is recomputed before every minibatch from the
      words done (w2vlib's own choice, the default before version 0.2).
    callbacks: callables, each called at the end of every epoch with an
      :class:`EpochEnd` (epoch, words done, loss of the epoch, the current V and U).
    row_rule: how a step treats a row used by several examples of one batch (chapter
      7): "trace" (default) caps row r's rate at ROW_CAP / tr H_r, the trace of the
      Hessian of the batch loss in that row (:func:`row_rates`), so a frequent word's
      summed update cannot take a step many times too large; "sum" applies the summed
      gradient at the rate eta, as earlier versions did (it diverges or collapses at
      large rates on some corpora: chapter 7 shows it).
    Returns a :class:`Word2Vec`.
    """
    shared = model == "sgns-shared"        # w2vlib.fast: negatives shared across a window
    if shared:
        model = "sgns"
    if model not in MODELS:
        raise ValueError(f"model: expected one of {MODELS}, got {model!r}")
    d = _positive_int(d, "d")
    window = _check_window(window)
    epochs = _positive_int(epochs, "epochs")
    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size")
    if model in ("sgns", "cbow"):
        negative = _positive_int(negative, "negative")
    lr = (0.05 if model == "cbow" else 0.025) if lr is None else _positive_float(lr, "lr")
    min_lr_fraction = _positive_float(min_lr_fraction, "min_lr_fraction")
    if min_lr_fraction > 1:
        raise ValueError(f"min_lr_fraction: expected a fraction of lr in (0, 1], got "
                         f"{min_lr_fraction!r}")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {np.dtype(dtype)}")
    dtype = np.dtype(dtype).type
    if skipgram_input not in ("context", "centre"):
        raise ValueError(f"skipgram_input: expected 'context' or 'centre', got "
                         f"{skipgram_input!r}")
    if cbow_update not in ("word2vec", "gradient"):
        raise ValueError(f"cbow_update: expected 'word2vec' or 'gradient', got {cbow_update!r}")
    if sample is not None and not (isinstance(sample, (int, float)) and sample == 0):
        _positive_float(sample, "sample")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress: expected True or False, got {type(progress).__name__}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer (NumPy's SeedSequence takes "
                         f"no negative seeds), got {seed!r}")
    init_scale = _positive_float(init_scale, "init_scale")
    if init_scale ** 2 / d > 80:
        # V starts uniform in (-s/d, s/d): its rows have squared norm ~ s^2 / (3 d), and
        # the first scores u . v would saturate sigma (and overflow float32 squares)
        raise ValueError(f"init_scale: expected a starting range s/d that keeps the "
                         f"vectors short (s^2 / d <= 80), got s={init_scale:g} with d={d}; "
                         f"word2vec.c uses 0.5, gensim 1.0")
    from .corpus import SUBSAMPLING_FORMULAS
    if subsample_formula not in SUBSAMPLING_FORMULAS:
        raise ValueError(f"subsample_formula: expected one of {SUBSAMPLING_FORMULAS}, got "
                         f"{subsample_formula!r}")
    if not isinstance(allow_large_softmax, (bool, np.bool_)):
        raise TypeError(f"allow_large_softmax: expected True or False, got "
                        f"{type(allow_large_softmax).__name__}")
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule: expected one of {LR_SCHEDULES}, got {lr_schedule!r}")
    if row_rule not in ROW_RULES:
        raise ValueError(f"row_rule: expected one of {ROW_RULES}, got {row_rule!r}")
    callbacks = [callbacks] if callable(callbacks) else list(callbacks or ())
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks: expected callables, got {type(cb).__name__}")

    from . import stream          # one training loop, for a list, a file or any re-iterable
    return stream.train_chunked(
        sentences, model=model, shared=shared, d=d, window=window, negative=negative,
        sample=sample, min_count=_check_min_count(min_count), epochs=epochs, lr=lr,
        min_lr_fraction=min_lr_fraction, batch_size=batch_size, seed=seed, dtype=dtype,
        progress=progress, vocab=vocab, cbow_update=cbow_update,
        skipgram_input=skipgram_input, subsample_formula=subsample_formula,
        allow_large_softmax=allow_large_softmax, init_scale=init_scale,
        lr_schedule=lr_schedule, callbacks=callbacks, row_rule=row_rule)


class TrainingDivergedError(ValueError):
    """Training produced a loss or parameter that is not finite (usually: lr too large)."""


class TrainingUnstableWarning(RuntimeWarning):
    """Training stayed finite but went wrong: an epoch's loss above the untrained model's,
    or a vector longer than ``NORM_LIMIT`` (see :func:`check_epoch`)."""


#: A row norm that no healthy run reaches (the longest rows of the book's runs, rare words
#: at lr 0.1, stay below 100): two rows this long can score 10^6, where sigma is 0 or 1
#: in every float format and the gradients of all their units have vanished.
NORM_LIMIT = 1000.0


def start_loss(model, negative, n, mean_code_length=None):
    """J_0, the loss per example of the untrained model (U = 0, so every output unit
    says sigma(0) = 1/2 and the softmax is uniform): (K + 1) log 2 for negative sampling
    (skipped negatives make it a little less), L log 2 for hierarchical softmax (L the
    mean code length of the outputs), log n for the full softmax."""
    if model == "softmax":
        return float(np.log(n))
    if model == "hs":
        return float(mean_code_length * np.log(2.0))
    return float((negative + 1) * np.log(2.0))


def check_epoch(epoch, epochs, loss, j0, V, U):
    """Warn (:class:`TrainingUnstableWarning`) when the epoch just finished went wrong
    while staying finite: its mean loss per example is above J_0 (:func:`start_loss`:
    the training made the model worse than not training it), or a row of V or U is
    longer than NORM_LIMIT. Both signals cost one pass over V and U per epoch.
    Returns the largest row norm."""
    import warnings
    norm = max(float(np.sqrt(np.einsum("ij,ij->i", M, M, dtype=np.float64).max()))
               for M in (V, U))
    problems = []
    if j0 is not None and np.isfinite(loss) and loss > j0:
        problems.append(f"its mean loss per example {loss:.4g} is above the untrained "
                        f"model's J_0 = {j0:.4g}")
    if norm > NORM_LIMIT:
        problems.append(f"a vector has norm {norm:.3g} > {NORM_LIMIT:g} (healthy runs stay "
                        f"below 100)")
    if problems:
        what = ("the vectors blew up without becoming inf or NaN" if norm > NORM_LIMIT
                else "the model fits its examples worse than the untrained one")
        warnings.warn(f"training is unstable in epoch {epoch} of {epochs}: "
                      f"{' and '.join(problems)}: {what}, and its quality is lost. The steps "
                      f"are too large: lower lr or batch_size, or keep row_rule='trace' (the "
                      f"default)", TrainingUnstableWarning, stacklevel=4)
    return norm


def _diverged(epoch, epochs, words, T, eta, lr):
    return TrainingDivergedError(
        f"lr: training diverged in epoch {epoch + 1} of {epochs}, after {words:,} of "
        f"{T:,} words of that epoch, at learning rate {eta:.4g} (lr={lr:g}): the loss or "
        f"a vector became inf or NaN. Try a smaller lr (word2vec.c uses 0.025 for "
        f"skip-gram, 0.05 for CBOW), a smaller batch_size, or dtype=np.float64")


def _check_sizes(model, n, d, window, negative, batch_size, dtype):
    """Refuse settings whose arrays would exceed ``_checks.MAX_BYTES`` before allocating.

    Returns the batch size actually used: at most the number of examples a chunk of
    corpus positions can produce (a larger batch would only allocate memory).
    """
    item = dtype.itemsize
    chk.check_memory(2 * n * d * item, "d", f"the vectors V and U ({n:,} x {d:,}, twice)")
    per_chunk = _CHUNK_WORDS if model == "cbow" else 2 * window * _CHUNK_WORDS
    chk.check_memory(_CHUNK_WORDS * 2 * window * 25, "window",
                     f"the window positions of {_CHUNK_WORDS:,} corpus words")
    batch_size = min(batch_size, per_chunk)
    K = negative if model in ("sgns", "cbow") else 0
    chk.check_memory(per_chunk * K * 8, "negative",
                     f"{K:,} negatives for each of up to {per_chunk:,} examples")
    if model == "softmax":
        chk.check_memory(3 * batch_size * n * item, "batch_size",
                         f"the softmax of a batch of {batch_size:,} examples over {n:,} words")
    width = 2 * window if model == "cbow" else K + 1
    chk.check_memory(batch_size * width * d * item, "batch_size",
                     f"a batch of {batch_size:,} examples x {width:,} rows x {d:,}")
    return batch_size


# --------------------------------------------------------------------------- steps
def _negative_rows(positive, negatives):
    """Rows [positive, k_1..k_K] and the mask that skips a negative equal to the positive."""
    B, K = negatives.shape
    rows = np.empty((B, K + 1), dtype=np.intp)
    rows[:, 0] = positive
    rows[:, 1:] = negatives
    mask = rows != rows[:, :1]
    mask[:, 0] = True
    return rows, mask


def _logistic_step(ctx, V, U, c, rows, h, u, g, grad_h, eta):
    """Apply one batched step of binary logistic units: v_c -= rate dJ/dv_c for the
    inputs, u_j -= rate g_j h for the output rows, rate = eta ("sum") or per row
    (:func:`row_rates`, "trace")."""
    if ctx.get("row_rule", "trace") == "sum":
        _scatter_outer(U, rows, g, h, eta)                      # u_j -= eta g_j h
        scatter_add(V, c, grad_h, -eta)                         # v_c -= eta dJ/dv_c
        return
    cap = ctx.get("row_cap", ROW_CAP)
    w = _logistic_curvature(g)                                  # sigma'(s_bj)
    uu = np.einsum("bjd,bjd->bj", u, u)
    rate_v = row_rates(eta, c, (w * uu).sum(axis=1), V.shape[0], cap)
    hh = np.einsum("bd,bd->b", h, h)
    rate_u = row_rates(eta, rows.ravel(), (w * hh[:, None]).ravel(), U.shape[0], cap)
    _scatter_outer(U, rows, g, h, rate_u.reshape(rows.shape))
    scatter_add(V, c, grad_h, -rate_v)


def _step_sgns(ctx, batch, eta):
    c, o, negatives = batch
    V, U = ctx["V"], ctx["U"]
    rows, mask = _negative_rows(o, negatives)
    h = np.take(V, c, axis=0)                                   # (B, d): v_c
    u = np.take(U, rows, axis=0)                                # (B, K + 1, d): u_o, u_k
    loss, grad_h, g = objectives.logistic_kernel(h, u, ctx["t"][:c.size], mask)
    _logistic_step(ctx, V, U, c, rows, h, u, g, grad_h, eta)
    return float(loss.sum())


def _step_softmax(ctx, batch, eta):
    c, o = batch
    V, U = ctx["V"], ctx["U"]
    h = V[c]
    loss, grad_h, grad_U = objectives.softmax_output(h, o, U)
    if ctx.get("row_rule", "trace") == "sum":
        U -= eta * grad_U
        scatter_add(V, c, grad_h, -eta)
        return float(loss.sum())
    cap = ctx.get("row_cap", ROW_CAP)
    P = softmax(h @ U.T)                                        # (B, n)
    hh = np.einsum("bd,bd->b", h, h)
    uu = np.einsum("wd,wd->w", U, U)
    mean_u = P @ U                                              # sum_w p_bw u_w
    # input b: the trace of U^T (diag p - p p^T) U = sum_w p_w ||u_w||^2 - ||P U||^2;
    # row w of U (all B examples use it): sum_b p_bw (1 - p_bw) ||h_b||^2
    curv_v = P @ uu - np.einsum("bd,bd->b", mean_u, mean_u)
    curv_u = ((P * (1.0 - P)) * hh[:, None]).sum(axis=0)
    U -= (cap / np.maximum(curv_u, cap / eta))[:, None].astype(U.dtype) * grad_U
    scatter_add(V, c, grad_h, -row_rates(eta, c, curv_v, V.shape[0], cap))
    return float(loss.sum())


def _step_hs(ctx, batch, eta):
    c, o = batch
    V, U_inner = ctx["V"], ctx["U"]
    path, target, pmask, lengths = ctx["hs"]
    L = int(lengths[o].max())
    nodes = path[o, :L]
    h = V[c]
    u = U_inner[nodes]
    loss, grad_h, g = objectives.logistic_kernel(h, u, target[o, :L], pmask[o, :L])
    _logistic_step(ctx, V, U_inner, c, nodes, h, u, g, grad_h, eta)
    return float(loss.sum())


def _step_cbow(ctx, batch, eta):
    c, contexts, cmask, negatives = batch
    V, U = ctx["V"], ctx["U"]
    C = cmask.sum(axis=1)                                       # context sizes
    idx = contexts[cmask]                                       # row-major: grouped by example
    indptr = np.zeros(c.size + 1, dtype=np.intp)
    np.cumsum(C, out=indptr[1:])
    h = np.zeros((c.size, V.shape[1]), dtype=V.dtype)
    scatter_add(h, np.repeat(np.arange(c.size), C), V[idx])     # sum of the context vectors
    h /= C[:, None].astype(V.dtype)                             # h = mean
    rows, mask = _negative_rows(c, negatives)
    u = np.take(U, rows, axis=0)
    loss, grad_h, g = objectives.logistic_kernel(h, u, ctx["t"][:c.size], mask)
    full = ctx["cbow_update"] == "word2vec"                     # full dJ/dh to every v_w
    if ctx.get("row_rule", "trace") == "sum":
        _scatter_outer(U, rows, g, h, eta)
        scale = -eta if full else np.repeat(-eta / C, C)        # dJ/dh / C: the gradient
        scatter_add(V, idx, grad_h, scale, indptr=indptr)
        return float(loss.sum())
    cap = ctx.get("row_cap", ROW_CAP)
    w = _logistic_curvature(g)
    hh = np.einsum("bd,bd->b", h, h)
    rate_u = row_rates(eta, rows.ravel(), (w * hh[:, None]).ravel(), U.shape[0], cap)
    _scatter_outer(U, rows, g, h, rate_u.reshape(rows.shape))
    # The C context rows of example b move together: h moves by the applied update
    # (word2vec) or by 1/C of it (gradient), so each entry counts q_b = sum_j sigma'
    # ||u_j||^2, divided by C for "gradient".
    q = (w * np.einsum("bjd,bjd->bj", u, u)).sum(axis=1)
    q = np.repeat(q if full else q / C, C)
    rate_v = row_rates(eta, idx, q, V.shape[0], cap)
    scatter_add(V, idx, grad_h, -(rate_v if full else rate_v / np.repeat(C, C)),
                indptr=indptr)
    return float(loss.sum())


_STEPS = {"sgns": _step_sgns, "softmax": _step_softmax, "hs": _step_hs, "cbow": _step_cbow}

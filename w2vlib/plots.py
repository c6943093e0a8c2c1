"""Figures for the book: PCA of word vectors, loss curves, analogy arrows.

PCA is computed here by the SVD of the centred matrix (no scikit-learn):
:math:`X - \\bar x = P \\Sigma Q^\\top`, coordinates :math:`P_{:, :k} \\Sigma_{:k}` and explained
variance ratios :math:`\\sigma_i^2 / \\sum_j \\sigma_j^2`. Singular vectors are defined only
up to sign, so each component is flipped to make its largest-magnitude loading positive
(the output is then deterministic).

Every plotting function draws on a Matplotlib ``Axes`` it is given (or creates a
``Figure``), sets a title and axis labels, and returns the Axes (or the Figure). The
module imports ``matplotlib.pyplot`` lazily and never selects a backend.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from ._checks import as_float_array, as_matrix

__all__ = ["pca", "plot_words", "plot_embeddings", "plot_loss", "plot_analogy_arrows",
           "word_rows", "plot_quality"]


def pca(X, k=2):
    """Project the rows of ``X`` (n, d) on their first ``k`` principal components.

    Returns ``(coords, ratio)``: ``coords`` (n, k) are the centred rows expressed in the
    principal directions, ``ratio`` (k,) the share of the total variance each explains
    (non-increasing, summing to at most 1). Signs: each principal direction has its
    largest-magnitude entry positive. Needs k <= min(n, d) and rows that are not all equal.
    """
    X = as_matrix(X, "X")
    n, d = X.shape
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) \
            or not 1 <= k <= min(n, d):
        raise ValueError(f"k: expected an integer in 1..min(n, d) = 1..{min(n, d)} for X of shape "
                         f"{X.shape}, got {k!r}")
    Xc = X.astype(np.float64) - X.mean(axis=0)
    _, s, Qt = np.linalg.svd(Xc, full_matrices=False)
    total = float(np.sum(s ** 2))
    if total <= np.finfo(np.float64).tiny or s[0] <= 1e-12 * max(1.0, np.abs(X).max()):
        raise ValueError(f"X: expected rows that are not all equal (PCA needs some variance), "
                         f"got {n} identical rows")
    Qt = Qt[:k]
    flip = np.sign(Qt[np.arange(k), np.argmax(np.abs(Qt), axis=1)])
    Qt = Qt * flip[:, None]
    coords = Xc @ Qt.T
    return coords, s[:k] ** 2 / total


def word_rows(words, labels):
    """Row indices of ``labels`` in a vocabulary ``words``: a list of words, a mapping
    word -> row, or an object with an ``index`` (``w2vlib.corpus.Vocab``) or
    ``key_to_index`` (KeyedVectors) mapping. KeyError for an unknown label."""
    if isinstance(labels, str):
        raise ValueError(f"labels: expected a list of words, got the single string {labels!r}")
    if isinstance(words, Mapping):
        index = words
    elif isinstance(getattr(words, "key_to_index", None), Mapping):
        index = words.key_to_index
    elif isinstance(getattr(words, "index", None), Mapping):
        index = words.index
    else:
        index = {w: i for i, w in enumerate(words)}
    rows = []
    for w in labels:
        if w not in index:
            raise KeyError(f"word {w!r} not in vocabulary")
        rows.append(int(index[w]))
    if not rows:
        raise ValueError("labels: expected at least one word to plot, got none")
    return np.array(rows)


def _pyplot():
    import matplotlib.pyplot as plt
    return plt


def plot_words(ax, X, words, labels, title=None, fit="selected"):
    """Scatter the chosen words of an embedding on its first two principal components.

    ``X`` (n, d) holds one vector per vocabulary word, ``words`` is the vocabulary (see
    :func:`word_rows`), ``labels`` the words to show. ``fit="selected"`` computes the PCA
    of the chosen rows only (as CS224n's figure does); ``fit="all"`` of all rows of ``X``.
    Each point is annotated with its word. Returns ``ax``.
    """
    X = as_matrix(X, "X")
    rows = word_rows(words, labels)
    if rows.max() >= X.shape[0]:
        raise ValueError(f"X: expected a row for every vocabulary word, got {X.shape[0]} rows but "
                         f"word {list(labels)[int(np.argmax(rows))]!r} has row {rows.max()}")
    if fit == "selected":
        if len(rows) < 2:
            raise ValueError(f"labels: expected at least 2 words for a PCA of the selected rows, "
                             f"got {len(rows)}")
        coords, ratio = pca(X[rows], k=2)
    elif fit == "all":
        coords, ratio = pca(X, k=2)
        coords = coords[rows]
    else:
        raise ValueError(f"fit: expected 'selected' or 'all', got {fit!r}")
    ax.scatter(coords[:, 0], coords[:, 1], s=18)
    for (x, y), w in zip(coords, labels):
        ax.annotate(w, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
    ax.set_xlabel(f"PC 1 ({100 * ratio[0]:.0f}% of variance)")
    ax.set_ylabel(f"PC 2 ({100 * ratio[1]:.0f}% of variance)")
    if title is None:
        title = f"{len(rows)} words, first two principal components"
    ax.set_title(title)
    return ax


def plot_embeddings(V, U, words, labels, fit="selected", figsize=(15, 4.8)):
    """Three panels, side by side: the chosen words in V, in U and in U + V.

    Returns the ``Figure`` (its three Axes are ``fig.axes``).
    """
    V = as_matrix(V, "V")
    U = as_matrix(U, "U")
    if U.shape != V.shape:
        raise ValueError(f"U: expected the shape of V {V.shape}, got {U.shape}")
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=figsize)
    for ax, M, title in zip(axes, (V, U, U + V),
                            ("V (input, centre vectors)", "U (output, context vectors)", "U + V")):
        plot_words(ax, M, words, labels, title=title, fit=fit)
    fig.tight_layout()
    return fig


def _curves(history):
    """{label: (x, y, has_x)} from the accepted history forms."""
    if hasattr(history, "loss_history"):
        history = history.loss_history
    if isinstance(history, Mapping):
        if not history:
            raise ValueError("history: expected at least one curve, got an empty mapping")
        out = {}
        for label, h in history.items():
            if isinstance(h, Mapping):
                raise ValueError(f"history[{label!r}]: expected a sequence of losses, got a "
                                 f"mapping")
            out[str(label)] = _curves(h)[None]
        return out
    arr = as_float_array(history, "history")
    if arr.ndim == 1:
        x, y, has_x = np.arange(arr.size, dtype=float), arr, False
    elif arr.ndim == 2 and arr.shape[1] == 2:
        x, y, has_x = arr[:, 0], arr[:, 1], True
    else:
        raise ValueError(f"history: expected losses of shape (k,) or (x, loss) pairs of shape "
                         f"(k, 2), got shape {arr.shape}")
    if y.size == 0:
        raise ValueError("history: expected at least one loss value, got none")
    return {None: (x, y, has_x)}


def plot_loss(ax, history, xlabel=None, title="Training loss", smooth=1, logy=False):
    """Plot loss curves.

    ``history``: a 1-D sequence of losses (x = step number), a (k, 2) array of
    ``(words_done, loss)`` rows (``w2vlib.train.Word2Vec.loss_history``; a result object
    with a ``loss_history`` attribute is accepted too), or a mapping ``label -> history``
    for several curves (a legend is added). ``smooth`` > 1 draws a moving average over that
    many points. Returns ``ax``.
    """
    if isinstance(smooth, (bool, np.bool_)) or not isinstance(smooth, numbers.Integral) \
            or smooth < 1:
        raise ValueError(f"smooth: expected a positive integer, got {smooth!r}")
    is_mapping = isinstance(history, Mapping)
    curves = _curves(history)
    for label, (x, y, _) in curves.items():
        if smooth > 1 and y.size >= smooth:
            y = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
            x = x[smooth - 1:]
        ax.plot(x, y, label=label)
    if is_mapping:
        ax.legend()
    if logy:
        ax.set_yscale("log")
    if xlabel is None:
        xlabel = "words processed" if any(c[2] for c in curves.values()) else "step"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss" + (f" (moving average of {smooth})" if smooth > 1 else ""))
    ax.set_title(title)
    return ax


def plot_analogy_arrows(ax, X, words, pairs, title=None):
    """Draw each pair (a, b) as an arrow from a to b in the first two principal components.

    ``pairs`` is a list of ``(a, b)`` word pairs (e.g. ``[("man", "woman"), ("king",
    "queen")]``); the PCA is fitted on the rows of all words involved. Parallel arrows of
    equal length are what a clean analogy looks like. Returns ``ax``.
    """
    X = as_matrix(X, "X")
    pairs = [tuple(p) for p in pairs]
    for i, p in enumerate(pairs):
        if len(p) != 2:
            raise ValueError(f"pairs: expected (a, b) word pairs, got {p!r} at position {i}")
    if not pairs:
        raise ValueError("pairs: expected at least one (a, b) pair, got none")
    involved = list(dict.fromkeys(w for p in pairs for w in p))
    rows = word_rows(words, involved)
    if len(involved) < 2:
        raise ValueError("pairs: expected at least two distinct words")
    coords, ratio = pca(X[rows], k=2)
    where = dict(zip(involved, coords))
    ax.scatter(coords[:, 0], coords[:, 1], s=18)
    for w, (x, y) in where.items():
        ax.annotate(w, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
    for a, b in pairs:
        ax.annotate("", xy=where[b], xytext=where[a],
                    arrowprops=dict(arrowstyle="->", color="C1", lw=1.5))
    ax.set_xlabel(f"PC 1 ({100 * ratio[0]:.0f}% of variance)")
    ax.set_ylabel(f"PC 2 ({100 * ratio[1]:.0f}% of variance)")
    ax.set_title(title if title is not None else "Analogy offsets (arrows a \u2192 b)")
    return ax


QUALITY_PANELS = (("ws353", "WS353 Spearman ρ"), ("analogy", "analogy accuracy (3CosAdd)"),
                  ("random_cosine", "mean cosine of random pairs"),
                  ("loss", "loss on a fixed sample of pairs"))


def plot_quality(histories, figsize=(15, 3.4), title=None):
    """Quality against epochs: one panel per figure of :data:`QUALITY_PANELS`.

    ``histories`` maps a label (a system) to its per-epoch records: objects with the
    attributes ``epoch, ws353, analogy, random_cosine, loss`` (as
    :class:`w2vlib.quality.EpochQuality`), mappings with those keys, or an object with
    a ``history`` list of them (a :class:`w2vlib.quality.Tracker`). Returns the Figure.
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("histories: expected a non-empty mapping label -> per-epoch records")
    keys = ("epoch",) + tuple(k for k, _ in QUALITY_PANELS)
    table = {}
    for label, records in histories.items():
        records = getattr(records, "history", records)
        rows = []
        for r in records:
            get = r.get if isinstance(r, Mapping) else lambda k, r=r: getattr(r, k, None)
            row = [get(k) for k in keys]
            if any(v is None for v in row):
                raise ValueError(f"histories[{label!r}]: expected records with {keys}, got {r!r}")
            rows.append(row)
        if not rows:
            raise ValueError(f"histories[{label!r}]: expected at least one epoch, got none")
        table[str(label)] = np.array(rows, dtype=np.float64)
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(QUALITY_PANELS), figsize=figsize)
    for i, (ax, (_, name)) in enumerate(zip(axes, QUALITY_PANELS)):
        for label, rows in table.items():
            ax.plot(rows[:, 0], rows[:, i + 1], marker="o", ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(name, fontsize=10)
    axes[0].legend()
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

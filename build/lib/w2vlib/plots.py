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
           "word_rows", "computation_graph", "huffman_tree", "update_geometry",
           "update_parts", "plot_quality"]


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


# ------------------------------------------------------------------ computation graphs
MODELS = ("skipgram_softmax", "negative_sampling", "cbow", "hierarchical_softmax")

_FWD = "0.15"          # forward edges: dark grey, solid
_BWD = "C3"            # backward signals: red, dashed
_NODE = dict(boxstyle="round,pad=0.35", fc="#eef3fb", ec="#4a6fa5", lw=1.2)
_PARAM = dict(boxstyle="round,pad=0.3", fc="#fdf3e1", ec="#c08a2b", lw=1.2)
_OUT = dict(boxstyle="round,pad=0.35", fc="#f4f4f4", ec="0.35", lw=1.2)


class _Graph:
    """Boxes (Text artists) at data coordinates and arrows between their edges."""

    def __init__(self, ax, xlim, ylim):
        self.ax = ax
        self.nodes = {}
        self.where = {}
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_axis_off()

    def node(self, key, xy, text, style=_NODE, fontsize=12.5):
        self.where[key] = np.asarray(xy, dtype=float)
        self.nodes[key] = self.ax.text(*xy, text, ha="center", va="center",
                                       fontsize=fontsize, bbox=dict(style), zorder=3)

    def _anchors(self, a, b):
        d = self.where[b] - self.where[a]
        if abs(d[0]) >= abs(d[1]):
            return ((1.0, 0.5), (0.0, 0.5)) if d[0] > 0 else ((0.0, 0.5), (1.0, 0.5))
        return ((0.5, 1.0), (0.5, 0.0)) if d[1] > 0 else ((0.5, 0.0), (0.5, 1.0))

    def edge(self, a, b, label=None, backward=False, lxy=None, offset=0.25, rad=0.0,
             fontsize=11.5):
        """Arrow from node a's box to node b's box, bent by ``rad`` (matplotlib's arc3:
        positive bends to the right of the direction of travel). The label goes at
        ``lxy`` or, when None, ``offset`` data units left of the straight line's middle."""
        frm, to = self._anchors(a, b)
        style = dict(arrowstyle="-|>", color=_BWD if backward else _FWD,
                     lw=1.3, ls="--" if backward else "-", mutation_scale=12,
                     connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2)
        self.ax.annotate("", xy=to, xycoords=self.nodes[b], xytext=frm,
                         textcoords=self.nodes[a], arrowprops=style, zorder=2)
        if label:
            if lxy is None:
                pa, pb = self.where[a], self.where[b]
                d = pb - pa
                perp = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-12)
                lxy = pa + 0.5 * d + offset * perp
            self.ax.text(*lxy, label, ha="center", va="center", fontsize=fontsize,
                         color=_BWD if backward else _FWD, zorder=4,
                         bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none",
                                   alpha=0.85))

    def note(self, xy, text, color="0.2", fontsize=11.5, ha="center", opaque=False):
        # opaque: a white background, so that an arrow crossing the label passes behind
        box = dict(fc="white", ec="none", alpha=0.9, pad=0.15) if opaque else None
        self.ax.text(*xy, text, ha=ha, va="center", fontsize=fontsize, color=color,
                     bbox=box, zorder=4 if opaque else 3)

    def legend(self, xy=(0.0, 0.0)):
        self.note(xy, "solid: forward quantity      dashed: backward signal "
                  r"$\partial J/\partial(\cdot)$", ha="left", fontsize=10.5)


def _softmax_tail(g, x0, hname, hlabel):
    """z = U h -> p -> J, with the backward signals, shared by skip-gram and CBOW."""
    g.node("U", (x0, 3.9), r"$U$ ($n\times d$)", _PARAM)
    g.node("z", (x0, 2), f"$z = U {hlabel}$")
    g.node("p", (x0 + 2.1, 2), r"$p = \mathrm{softmax}(z)$")
    g.edge(hname, "z", f"${hlabel}$")
    g.edge("U", "z")
    g.edge("z", "p", "$z$")
    g.edge("p", "J", "$p$")
    g.edge("J", "z", r"$\partial J/\partial z = p - y$", backward=True, rad=-0.4,
           lxy=((x0 + 9.5) / 2, 1.2))
    g.edge("z", "U", f"$(p - y)\\,{hlabel}^\\top$", backward=True, rad=0.5,
           lxy=(x0 + 0.95, 3.05))


def _graph_skipgram_softmax(ax):
    g = _Graph(ax, (-0.3, 10.4), (0.5, 4.5))
    g.node("c", (0.5, 2), "$c$\n(centre)", _OUT)
    g.node("V", (2.4, 3.9), r"$V$ ($n\times d$)", _PARAM)
    g.node("h", (2.4, 2), "$h = v_c$\n(row $c$ of $V$)")
    g.node("o", (9.5, 3.9), "$o$ (observed)\n$y = e_o$", _OUT)
    g.node("J", (9.5, 2), r"$J = -\log p_o$", _OUT)
    g.edge("c", "h", "lookup", offset=0.42)
    g.edge("V", "h")
    g.edge("o", "J")
    _softmax_tail(g, 5.0, "h", "v_c")
    g.edge("z", "h", r"$\partial J/\partial v_c = U^\top(p - y)$", backward=True,
           rad=-0.45, lxy=(3.7, 1.3))
    g.edge("h", "V", r"into row $c$", backward=True, rad=0.5, lxy=(3.15, 3.05))
    g.legend((-0.2, 0.65))
    ax.set_title("Skip-gram, full softmax: one (centre, outside) pair")


def _graph_cbow(ax):
    g = _Graph(ax, (-0.3, 10.4), (0.1, 4.5))
    g.node("v1", (0.5, 3.5), "$v_{w_1}$")
    g.node("vC", (0.5, 0.5), "$v_{w_C}$")
    g.note((0.5, 2.0), r"$\vdots$", fontsize=14)
    g.node("h", (2.5, 2), r"$h = \frac{1}{C}\sum_{j=1}^{C} v_{w_j}$")
    g.node("c", (9.5, 3.9), "$c$ (centre)\n$y = e_c$", _OUT)
    g.node("J", (9.5, 2), r"$J = -\log p_c$", _OUT)
    g.edge("v1", "h", r"$\times\frac{1}{C}$", offset=-0.3)
    g.edge("vC", "h", r"$\times\frac{1}{C}$", offset=0.3)
    g.edge("c", "J")
    _softmax_tail(g, 5.25, "h", "h")
    g.edge("z", "h", r"$\partial J/\partial h = U^\top(p - y)$", backward=True,
           rad=-0.45, lxy=(3.95, 1.3))
    g.edge("h", "v1", r"$\frac{1}{C}\,\partial J/\partial h$", backward=True, rad=0.45,
           lxy=(1.75, 3.35))
    g.edge("h", "vC", r"$\frac{1}{C}\,\partial J/\partial h$", backward=True, rad=-0.45,
           lxy=(1.75, 0.65))
    g.legend((3.3, 0.35))
    ax.set_title("CBOW, full softmax: $C$ context words predict the centre word")


def _graph_negative_sampling(ax):
    g = _Graph(ax, (-0.3, 10.4), (-0.7, 6.6))
    g.node("h", (0.9, 3.0), "$h = v_c$\n(row $c$ of $V$)")
    g.node("uo", (4.0, 6.0), "$u_o$", _PARAM)
    g.node("so", (4.0, 4.6), r"$s_o = u_o^\top v_c$")
    g.node("sk", (4.0, 1.4), "$s_k = u_k^\\top v_c$\n($k = 1, \\dots, K$)")
    g.node("uk", (4.0, -0.1), "$u_k$", _PARAM)
    g.node("lo", (6.8, 4.6), r"$-\log\sigma(s_o)$")
    g.node("lk", (6.8, 1.4), r"$-\log\sigma(-s_k)$")
    g.node("J", (9.3, 3.0), "$J$ = sum of\nthe terms", _OUT)
    g.edge("h", "so", "$v_c$", offset=-0.3)
    g.edge("h", "sk", "$v_c$", offset=0.3)
    g.edge("uo", "so")
    g.edge("uk", "sk")
    g.edge("so", "lo", r"$t_o = 1$", offset=0.25)
    g.edge("sk", "lk", r"$t_k = 0$", offset=0.25)
    g.edge("lo", "J")
    g.edge("lk", "J")
    g.edge("lo", "so", r"$g_o = \sigma(s_o) - 1$", backward=True, rad=-0.5,
           lxy=(5.4, 3.85))
    g.edge("lk", "sk", r"$g_k = \sigma(s_k) - 0$", backward=True, rad=-0.5,
           lxy=(5.4, 0.65))
    g.edge("so", "h", r"$g_o\,u_o$", backward=True, rad=0.35, lxy=(1.7, 4.5))
    g.edge("sk", "h", r"$g_k\,u_k$", backward=True, rad=-0.35, lxy=(1.7, 1.5))
    g.edge("so", "uo", r"$g_o\,v_c$", backward=True, rad=0.6, lxy=(4.75, 5.3))
    g.edge("sk", "uk", r"$g_k\,v_c$", backward=True, rad=0.6, lxy=(3.25, 0.65))
    g.note((8.9, 0.3), r"$\partial J/\partial v_c = g_o u_o + \sum_{k=1}^{K} g_k u_k$"
           "\n" r"$\partial J/\partial u_j = g_j\,v_c$", color=_BWD)
    g.legend((-0.2, -0.55))
    ax.set_title("Skip-gram with negative sampling: logistic units, "
                 r"$g_j = \sigma(s_j) - t_j$")


_HS_WORDS = ("the", "of", "cat", "sat", "on", "mat")
_HS_COUNTS = (40, 25, 14, 10, 7, 4)
_HS_TARGET = 3          # "sat": a path of three inner nodes


def _tree_layout(tree, n):
    """Children of every inner node and (x, depth) of every node, leaves in DFS order.

    Nodes are ("i", j) for inner node j and ("w", w) for word w."""
    children = {}
    for w in range(n):
        path, code = tree.paths[w], tree.codes[w]
        for pos_, (j, b) in enumerate(zip(path, code)):
            child = ("i", int(path[pos_ + 1])) if pos_ + 1 < len(path) else ("w", w)
            children.setdefault(("i", int(j)), {})[int(b)] = child
    pos, order = {}, []

    def visit(node, depth):
        if node[0] == "w":
            pos[node] = [float(len(order)), depth]
            order.append(node)
            return pos[node][0]
        xs = [visit(children[node][b], depth + 1) for b in (0, 1)]
        pos[node] = [sum(xs) / 2, depth]
        return pos[node][0]

    visit(("i", n - 2), 0)
    return children, pos


def _graph_hierarchical_softmax(ax):
    from .huffman import build_huffman

    n = len(_HS_WORDS)
    tree = build_huffman(np.array(_HS_COUNTS))
    children, pos = _tree_layout(tree, n)
    depth = max(p[1] for p in pos.values())
    g = _Graph(ax, (-0.3, 10.8), (-0.6, 6.0))

    def xy(node):                                       # the tree, on the right
        x, dep = pos[node]
        return (3.7 + 6.7 * x / (n - 1), 5.4 - 4.6 * dep / depth)

    w = _HS_TARGET
    path = [int(j) for j in tree.paths[w]]
    L = len(path)
    for node in pos:
        if node[0] == "i" and node[1] in path:
            g.node(node, xy(node), f"$n(w,{path.index(node[1]) + 1})$", _PARAM,
                   fontsize=10.5)
        elif node[0] == "i":
            g.node(node, xy(node), "  ", dict(_PARAM, fc="white", ec="0.7"), fontsize=7)
        else:
            style = dict(_OUT, ec=_BWD, lw=2) if node[1] == w else _OUT
            g.node(node, xy(node), f"{_HS_WORDS[node[1]]}\n#={_HS_COUNTS[node[1]]}",
                   style, fontsize=10.5)
    for parent, kids in children.items():
        for b, child in kids.items():
            pa, pb = np.array(xy(parent)), np.array(xy(child))
            active = parent[1] in path and (child[0] == "i" and child[1] in path
                                            or child == ("w", w))
            ax.plot(*zip(pa, pb), color=_FWD if active else "0.75",
                    lw=2.2 if active else 1.0, zorder=1)
            if active:
                step = path.index(parent[1]) + 1
                t = 1 - b
                s = f"\\sigma(s_{step})" if t == 1 else f"\\sigma(-s_{step})"
                d = pb - pa
                perp = np.array([-d[1], d[0]]) / np.hypot(*d)
                perp = -perp if perp[1] > 0 else perp       # always below the edge
                g.note((pa + pb) / 2 + 0.62 * perp, f"$t_{step} = {t}$\n${s}$",
                       color=_FWD, fontsize=10.5, opaque=True)
                g.note(pa + np.array([1.25, 0.12]), f"$g_{step} = \\sigma(s_{step}) - {t}$",
                       color=_BWD, fontsize=10.5)
    g.node("h", (1.0, 3.3), "$h$\n($v_c$, or the\nCBOW mean)")
    root = ("i", path[0])
    g.edge("h", root, r"$s_l = u'^{\top}_{n(w,l)} h$ at every node of the path",
           lxy=(2.0, 5.65), rad=-0.25, fontsize=10.5)
    g.edge(("i", path[-1]), "h", r"$\partial J/\partial h = \sum_{l=1}^{L(w)} g_l\,"
           r"u'_{n(w,l)}$", backward=True, rad=-0.3, lxy=(2.4, 1.6), fontsize=11.5)
    g.legend((-0.2, -0.4))
    g.note((1.3, 0.8), r"$\partial J/\partial u'_{n(w,l)} = g_l\,h$", color=_BWD)
    g.note((6.4, 0.25), f"$J = -\\sum_{{l=1}}^{{{L}}}\\log\\sigma((2t_l - 1)\\,s_l)$ "
           f"for $w$ = '{_HS_WORDS[w]}'", ha="left",
           fontsize=11)
    ax.set_title(f"Hierarchical softmax: the Huffman path to '{_HS_WORDS[w]}', "
                 f"$L(w) = {L}$ inner nodes")


def huffman_tree(tree, words, counts=None, highlight=None, ax=None):
    """Draw a Huffman tree (``w2vlib.huffman.HuffmanTree``).

    Inner node j is a circle labelled u'_j, word w a leaf box with its word (and its
    count, when ``counts`` is given), each edge is labelled with its code bit; the
    leaves run left to right in tree order, one level per depth. ``highlight``: a word
    whose path from the root is drawn bold. Returns the Axes.
    """
    n = len(tree.codes)
    words = [str(w) for w in words]
    if len(words) != n:
        raise ValueError(f"words: expected {n} words (one per leaf of the tree), got "
                         f"{len(words)}")
    if counts is not None:
        counts = np.asarray(counts)
        if counts.shape != (n,):
            raise ValueError(f"counts: expected shape ({n},), got {counts.shape}")
    if highlight is not None and highlight not in words:
        raise KeyError(f"highlight: word {highlight!r} not in the tree's words")
    children, pos = _tree_layout(tree, n)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(8, 4.2))
    on_path = set()
    if highlight is not None:
        w = words.index(highlight)
        on_path = {("i", int(j)) for j in tree.paths[w]} | {("w", w)}
    for parent, kids in children.items():
        for b, child in kids.items():
            (x0, y0), (x1, y1) = pos[parent], pos[child]
            bold = parent in on_path and child in on_path
            ax.plot([x0, x1], [-y0, -y1], color=_FWD if bold else "0.6",
                    lw=2.4 if bold else 1.0, zorder=1)
            ax.text((x0 + x1) / 2 + (-0.15 if b == 0 else 0.15), -(y0 + y1) / 2, str(b),
                    color="C3", ha="center", va="center", fontsize=10)
    for node, (x, y) in pos.items():
        if node[0] == "w":
            label = words[node[1]] + (f"\n{counts[node[1]]}" if counts is not None else "")
            ax.text(x, -y - 0.1, label, ha="center", va="top", fontsize=10,
                    bbox=dict(boxstyle="round", fc="lightyellow",
                              ec=_BWD if node in on_path else "0.5",
                              lw=2 if node in on_path else 1))
        else:
            ax.text(x, -y, f"$u'_{{{node[1]}}}$", ha="center", va="center", fontsize=10,
                    bbox=dict(boxstyle="circle", fc="lightblue", ec="0.4"))
    depth = max(p[1] for p in pos.values())
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-depth - 0.9, 0.4)
    ax.set_axis_off()
    ax.set_title("Huffman tree (leaf: word" + (" and count" if counts is not None else "")
                 + "; edge: code bit)")
    return ax


_GRAPHS = {"skipgram_softmax": _graph_skipgram_softmax,
           "negative_sampling": _graph_negative_sampling,
           "cbow": _graph_cbow,
           "hierarchical_softmax": _graph_hierarchical_softmax}


def computation_graph(model, ax=None):
    """Draw the computational graph of one word2vec model for one example.

    ``model``: "skipgram_softmax", "negative_sampling", "cbow" or
    "hierarchical_softmax". Boxes hold the forward quantities (h, scores, p, J);
    solid arrows carry them forward; red dashed arrows carry the backward signals
    (p - y, g_j = sigma(s_j) - t_j, CBOW's 1/C share) with the gradient they
    deliver. The hierarchical-softmax panel draws the Huffman tree of a six-word
    vocabulary (``w2vlib.huffman.build_huffman``) and the path to one word.
    Draws on ``ax`` (a new figure when None) and returns the Axes.
    """
    if not isinstance(model, str) or model not in _GRAPHS:
        raise ValueError(f"model: expected one of {', '.join(MODELS)}, got {model!r}")
    if ax is None:
        plt = _pyplot()
        _, ax = plt.subplots(figsize=(10, 4.8))
    _GRAPHS[model](ax)
    return ax


# ------------------------------------------------------------------ update geometry
_GEOMETRY_MODELS = ("skipgram_softmax", "negative_sampling")
_GEO_U = np.array([[1.4, 0.6], [-0.8, 1.1], [-1.3, -0.3], [0.2, 1.5], [0.6, -1.3]])
_GEO_V_C = np.array([0.2, -0.5])


def update_parts(model, v_c, U, o, negatives=None, eta=1.0):
    """One SGD step on the centre vector, split into the pull and the pushes.

    ``model`` "skipgram_softmax": the step -eta dJ/dv_c = eta u_o - eta sum_w p_w u_w,
    a pull towards u_o and a push away from the expected output vector
    sum_w p_w u_w. ``model`` "negative_sampling": eta (1 - sigma(s_o)) u_o
    - sum_k eta sigma(s_k) u_k, one push per negative k_1..k_K.
    Returns a dict: "step" (d,) = -eta times w2vlib's gradient
    (``objectives.skipgram_softmax`` / ``skipgram_neg_sampling``), "pull" (d,),
    "pushes" (P, d) (P = 1 for the softmax, K for negative sampling) and, for the
    softmax, "expected" (d,) = sum_w p_w u_w and "p" (n,).
    """
    from . import objectives
    from .functions import sigmoid, softmax

    if not isinstance(model, str) or model not in _GEOMETRY_MODELS:
        raise ValueError(f"model: expected one of {', '.join(_GEOMETRY_MODELS)}, got "
                         f"{model!r}")
    if isinstance(eta, (bool, np.bool_)) or not isinstance(eta, numbers.Real) \
            or not np.isfinite(eta) or eta <= 0:
        raise ValueError(f"eta: expected a positive finite learning rate, got {eta!r}")
    U = as_matrix(U, "U")
    if model == "skipgram_softmax":
        if negatives is not None:
            raise ValueError("negatives: the full softmax takes none; got "
                             f"{negatives!r}")
        _, grads = objectives.skipgram_softmax(v_c, o, U)
        p = softmax(U @ np.asarray(v_c, dtype=float))
        expected = p @ U
        return {"step": -eta * grads["v_c"], "pull": eta * U[o],
                "pushes": -eta * expected[None, :], "expected": expected, "p": p}
    if negatives is None:
        raise ValueError("negatives: negative sampling needs the indices k_1..k_K")
    _, grads = objectives.skipgram_neg_sampling(v_c, o, negatives, U)
    k = np.asarray(negatives)
    v_c = np.asarray(v_c, dtype=float)
    return {"step": -eta * grads["v_c"],
            "pull": eta * (1.0 - sigmoid(U[o] @ v_c)) * U[o],
            "pushes": -eta * sigmoid(U[k] @ v_c)[:, None] * U[k]}


def update_geometry(model="skipgram_softmax", v_c=None, U=None, o=0, negatives=None,
                    eta=0.6, ax=None):
    """Draw one SGD step on v_c in two dimensions (see :func:`update_parts`).

    Grey arrows: the output vectors u_w; blue: v_c and its step to the new v_c;
    green: the pull towards u_o; red: the push(es), drawn head to tail after the pull
    so that they add up to the step. For the softmax a star marks the expected
    output vector sum_w p_w u_w and a dotted line joins it to u_o: the step is
    parallel to that line. ``v_c`` (2,) and ``U`` (n, 2) default to a fixed
    five-word example (negatives default to words 1 and 4). Returns the Axes.
    """
    if not isinstance(model, str) or model not in _GEOMETRY_MODELS:
        raise ValueError(f"model: expected one of {', '.join(_GEOMETRY_MODELS)}, got "
                         f"{model!r}")
    U = _GEO_U if U is None else as_matrix(U, "U")
    v_c = _GEO_V_C if v_c is None else np.asarray(v_c, dtype=float)
    if U.shape[1] != 2:
        raise ValueError(f"U: expected 2 columns (a picture in the plane), got shape "
                         f"{U.shape}")
    if model == "negative_sampling" and negatives is None:
        negatives = [1, 4]
    parts = update_parts(model, v_c, U, o, negatives, eta)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(8.5, 5))
    arrow = dict(length_includes_head=True, head_width=0.06, head_length=0.1)
    neg = {} if negatives is None else {int(k): i + 1 for i, k in enumerate(negatives)}
    for w, u in enumerate(U):
        color = "C2" if w == o else ("C3" if w in neg else "0.6")
        ax.arrow(0, 0, *u, color=color, lw=1.0, alpha=0.6, **arrow)
        name = "u_o" if w == o else (f"u_{{k_{neg[w]}}}" if w in neg else f"u_{w}")
        ax.annotate(f"${name}$", u, xytext=(4, 4), textcoords="offset points",
                    fontsize=10, color=color)
    ax.plot(*v_c, "o", color="C0", ms=6)
    ax.annotate("$v_c$", v_c, xytext=(-18, -12), textcoords="offset points",
                fontsize=11, color="C0")
    tip = v_c + parts["pull"]
    ax.arrow(*v_c, *parts["pull"], color="C2", lw=2, label="pull towards $u_o$",
             **arrow)
    for i, push in enumerate(parts["pushes"]):
        label = (r"push away from $\sum_w p_w u_w$" if model == "skipgram_softmax"
                 else ("push away from each $u_k$" if i == 0 else None))
        ax.arrow(*tip, *push, color="C3", lw=2, label=label, **arrow)
        tip = tip + push
    new = v_c + parts["step"]
    ax.arrow(*v_c, *parts["step"], color="C0", lw=2.5, label=r"step $-\eta\,\partial J/"
             r"\partial v_c$", **arrow)
    ax.annotate("new $v_c$", new, xytext=(-12, 8), textcoords="offset points",
                fontsize=10, color="C0", ha="right")
    if model == "skipgram_softmax":
        ebar = parts["expected"]
        ax.plot(*ebar, "*", color="C3", ms=13, label=r"$\sum_w p_w u_w$")
        ax.plot(*zip(ebar, U[o]), ":", color="0.3", lw=1.2,
                label=r"$u_o - \sum_w p_w u_w$ (the step's direction)")
        title = "Full softmax: one SGD step on $v_c$"
    else:
        title = "Negative sampling: one SGD step on $v_c$"
    ax.plot(0, 0, "k+", ms=8)
    ax.set_aspect("equal")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9.5)
    ax.set_title(f"{title} ($\\eta$ = {eta:g})")
    ax.set_xlabel("coordinate 1")
    ax.set_ylabel("coordinate 2")
    pts = np.vstack([U, v_c, new, np.zeros(2)])
    lo, hi = pts.min(axis=0) - 0.4, pts.max(axis=0) + 0.4
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return ax


QUALITY_PANELS = (("ws353", "WS353 Spearman ρ"), ("analogy", "analogy accuracy (3CosAdd)"),
                  ("random_cosine", "mean cosine of random pairs"),
                  ("loss", "loss on a fixed sample of pairs"))


def plot_quality(histories, figsize=(15, 3.4), title=None):
    """Quality against epochs: one panel per figure of :data:`QUALITY_PANELS`.

    ``histories`` maps a label (a system) to its per-epoch records: objects with the
    attributes ``epoch, ws353, analogy, random_cosine, loss`` (as
    :class:`w2vlib.quality.EpochQuality`), mappings with those keys, or an object with
    a ``history`` list of them (a :class:`w2vlib.quality.Tracker`). A NaN value (a
    figure not scored at that epoch) is left out of its panel. Returns the Figure.
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
            shown = np.isfinite(rows[:, i + 1])          # NaN: not scored at that epoch
            ax.plot(rows[shown, 0], rows[shown, i + 1], marker="o", ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(name, fontsize=10)
    axes[0].legend()
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

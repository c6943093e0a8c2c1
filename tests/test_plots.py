"""w2vlib.plots: PCA by SVD (checked against an eigendecomposition) and the figure helpers."""

import matplotlib

matplotlib.use("Agg")          # tests only: no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from w2vlib.corpus import Vocab  # noqa: E402
from w2vlib.plots import (pca, plot_analogy_arrows, plot_embeddings, plot_loss,  # noqa: E402
                          plot_words, word_rows)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def eig_reference(X, k):
    """PCA from the eigendecomposition of the covariance matrix, same sign convention."""
    Xc = X - X.mean(axis=0)
    evals, evecs = np.linalg.eigh(Xc.T @ Xc)
    order = np.argsort(evals)[::-1][:k]
    Q = evecs[:, order]
    Q = Q * np.sign(Q[np.argmax(np.abs(Q), axis=0), np.arange(k)])
    return Xc @ Q, evals[order] / evals.sum()


def test_pca_small_matrix_by_hand():
    # points on a line y = 2x plus nothing else: one component explains everything
    X = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    coords, ratio = pca(X, k=2)
    np.testing.assert_allclose(ratio, [1.0, 0.0], atol=1e-12)
    direction = np.array([1.0, 2.0]) / np.sqrt(5)       # largest loading (2/sqrt5) positive
    np.testing.assert_allclose(coords[:, 0], (X - X.mean(0)) @ direction, atol=1e-12)
    np.testing.assert_allclose(coords[:, 1], 0, atol=1e-12)


def test_pca_equals_eigendecomposition_reference(rng):
    X = rng.normal(size=(12, 5)) @ np.diag([5, 3, 2, 1, 0.5])
    coords, ratio = pca(X, k=3)
    ref_coords, ref_ratio = eig_reference(X, 3)
    np.testing.assert_allclose(coords, ref_coords, atol=1e-10)
    np.testing.assert_allclose(ratio, ref_ratio, atol=1e-12)


@settings(deadline=None)
@given(st.integers(2, 12), st.integers(1, 6), st.integers(0, 10**6))
def test_pca_properties(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
    k = min(n, d, 2)
    coords, ratio = pca(X, k=k)
    assert coords.shape == (n, k) and ratio.shape == (k,)
    assert np.all(ratio >= 0) and ratio.sum() <= 1 + 1e-12
    assert np.all(np.diff(ratio) <= 1e-12)
    # components are uncorrelated and carry their share of the variance
    Xc = X - X.mean(axis=0)
    gram = coords.T @ coords
    np.testing.assert_allclose(gram, np.diag(ratio * np.sum(Xc ** 2)), atol=1e-8 * np.sum(Xc ** 2))
    # deterministic and equivariant: shift, positive scale, row permutation
    perm = rng.permutation(n)
    c2, r2 = pca(3.0 * X[perm] + 7.0, k=k)
    gaps_ok = k == 1 or np.all(np.abs(np.diff(ratio)) > 1e-6)   # distinct components
    if gaps_ok:
        np.testing.assert_allclose(c2, 3.0 * coords[perm], atol=1e-8 * (1 + np.abs(coords).max()))
    np.testing.assert_allclose(r2, ratio, atol=1e-10)
    # all components: ratios sum to 1
    _, full = pca(X, k=min(n, d))
    assert full.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("X, k, match", [
    (np.ones((3, 2)), 1, "X: expected rows that are not all equal"),
    (np.eye(3), 4, r"k: expected an integer in 1..min\(n, d\) = 1..3"),
    (np.eye(3), 0, "k: expected an integer"),
    (np.eye(3), 1.0, "k: expected an integer"),
    (np.ones(3), 1, "X: expected 2 dimension"),
    (np.array([[1.0, np.nan], [0, 1]]), 1, "X: expected finite values"),
])
def test_pca_bad_input(X, k, match):
    with pytest.raises(ValueError, match=match):
        pca(X, k=k)


# ---------------------------------------------------------------- word plots
@pytest.fixture
def emb(rng):
    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy"]
    return words, rng.normal(size=(len(words), 6))


def test_plot_words_points_and_labels(emb):
    words, X = emb
    fig, ax = plt.subplots()
    labels = ["king", "queen", "man", "woman", "paris"]
    out = plot_words(ax, X, words, labels)
    assert out is ax
    offsets = ax.collections[0].get_offsets()
    assert offsets.shape == (5, 2)
    np.testing.assert_allclose(offsets, pca(X[[0, 1, 2, 3, 4]], 2)[0])
    assert [t.get_text() for t in ax.texts] == labels
    assert ax.get_title()
    assert ax.get_xlabel().startswith("PC 1") and ax.get_ylabel().startswith("PC 2")


def test_plot_words_fit_all_and_vocab_objects(emb):
    words, X = emb
    _, ax = plt.subplots()
    plot_words(ax, X, {w: i for i, w in enumerate(words)}, ["rome", "italy"], fit="all", title="T")
    np.testing.assert_allclose(ax.collections[0].get_offsets(), pca(X, 2)[0][[6, 7]])
    assert ax.get_title() == "T"
    vocab = Vocab.from_counts(words, np.arange(len(words), 0, -1))
    assert list(word_rows(vocab, ["queen", "italy"])) == [1, 7]


def test_plot_words_bad_input(emb):
    words, X = emb
    _, ax = plt.subplots()
    with pytest.raises(KeyError, match="word 'tokyo' not in vocabulary"):
        plot_words(ax, X, words, ["king", "tokyo"])
    with pytest.raises(ValueError, match="labels: expected at least 2 words"):
        plot_words(ax, X, words, ["king"])
    with pytest.raises(ValueError, match="labels: expected a list of words, got the single string"):
        plot_words(ax, X, words, "king")
    with pytest.raises(ValueError, match="fit: expected 'selected' or 'all'"):
        plot_words(ax, X, words, ["king", "queen"], fit="some")
    with pytest.raises(ValueError, match="X: expected a row for every vocabulary word"):
        plot_words(ax, X[:3], words, ["king", "italy"])


def test_plot_embeddings_three_panels(emb, rng):
    words, V = emb
    U = rng.normal(size=V.shape)
    fig = plot_embeddings(V, U, words, words[:6])
    assert len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("V") and titles[1].startswith("U") and titles[2] == "U + V"
    np.testing.assert_allclose(fig.axes[2].collections[0].get_offsets(), pca((U + V)[:6], 2)[0])
    assert all(len(ax.texts) == 6 for ax in fig.axes)
    with pytest.raises(ValueError, match="U: expected the shape of V"):
        plot_embeddings(V, U[:, :3], words, words[:6])


# ---------------------------------------------------------------- loss curves
def test_plot_loss_forms():
    _, ax = plt.subplots()
    plot_loss(ax, [3.0, 2.0, 1.5, 1.2])
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2, 3])
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss" and ax.get_title()

    _, ax = plt.subplots()
    hist = np.array([[1e4, 3.0], [2e4, 2.5], [3e4, 2.2]])
    plot_loss(ax, hist)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), hist[:, 0])
    assert ax.get_xlabel() == "words processed"

    class Result:                       # like w2vlib.train.Word2Vec
        loss_history = hist

    _, ax = plt.subplots()
    plot_loss(ax, {"sgns": Result(), "cbow": [3.0, 2.0, 1.0]}, smooth=2, logy=True)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["sgns", "cbow"]
    np.testing.assert_allclose(lines[0].get_ydata(), [2.75, 2.35])
    np.testing.assert_allclose(lines[1].get_xdata(), [1, 2])
    assert ax.get_legend() is not None and ax.get_yscale() == "log"
    assert "moving average of 2" in ax.get_ylabel()


@pytest.mark.parametrize("history, kwargs, match", [
    (np.ones((3, 3)), {}, r"history: expected losses of shape \(k,\)"),
    ([], {}, "history: expected at least one loss value"),
    ({}, {}, "history: expected at least one curve"),
    ({"a": {"b": [1.0]}}, {}, r"history\['a'\]: expected a sequence of losses"),
    ([1.0, np.nan], {}, "history: expected finite values"),
    ([1.0, 2.0], {"smooth": 0}, "smooth: expected a positive integer, got 0"),
])
def test_plot_loss_bad_input(history, kwargs, match):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        plot_loss(ax, history, **kwargs)


# ---------------------------------------------------------------- analogy arrows
def test_plot_analogy_arrows(emb):
    words, X = emb
    _, ax = plt.subplots()
    pairs = [("man", "woman"), ("king", "queen"), ("france", "paris"), ("italy", "rome")]
    out = plot_analogy_arrows(ax, X, words, pairs)
    assert out is ax
    arrows = [t for t in ax.texts if t.arrow_patch is not None]
    labels = [t.get_text() for t in ax.texts if t.arrow_patch is None]
    assert len(arrows) == 4
    assert labels == ["man", "woman", "king", "queen", "france", "paris", "italy", "rome"]
    coords = pca(X[[2, 3, 0, 1, 5, 4, 7, 6]], 2)[0]
    np.testing.assert_allclose(arrows[0].xy, coords[1])          # head at "woman"
    np.testing.assert_allclose(arrows[0].xyann, coords[0])       # tail at "man"
    assert ax.get_title()


def test_plot_analogy_arrows_bad_input(emb):
    words, X = emb
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"pairs: expected \(a, b\) word pairs, got \('man',\)"):
        plot_analogy_arrows(ax, X, words, [("man",)])
    with pytest.raises(ValueError, match="pairs: expected at least one"):
        plot_analogy_arrows(ax, X, words, [])
    with pytest.raises(KeyError, match="word 'tokyo' not in vocabulary"):
        plot_analogy_arrows(ax, X, words, [("man", "tokyo")])
    with pytest.raises(ValueError, match="at least two distinct words"):
        plot_analogy_arrows(ax, X, words, [("man", "man")])


# ---------------------------------------------------------------- computation graphs
from w2vlib import objectives  # noqa: E402
from w2vlib.huffman import build_huffman  # noqa: E402
from w2vlib.plots import (MODELS, computation_graph, update_geometry,  # noqa: E402
                          update_parts)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _pixels(fig):
    fig.canvas.draw()                       # mathtext errors surface only when drawn
    return np.asarray(fig.canvas.buffer_rgba()).copy()


# forward quantities and backward signals each diagram must show
GRAPH_LABELS = {
    "skipgram_softmax": [r"$z = U v_c$", r"$p = \mathrm{softmax}(z)$", r"$J = -\log p_o$",
                         r"$\partial J/\partial z = p - y$",
                         r"$\partial J/\partial v_c = U^\top(p - y)$", r"$(p - y)\,v_c^\top$"],
    "negative_sampling": [r"$s_o = u_o^\top v_c$", r"$g_o = \sigma(s_o) - 1$",
                          r"$g_k = \sigma(s_k) - 0$", r"$g_o\,u_o$", r"$g_k\,v_c$"],
    "cbow": [r"$h = \frac{1}{C}\sum_{j=1}^{C} v_{w_j}$", r"$\partial J/\partial z = p - y$",
             r"$\partial J/\partial h = U^\top(p - y)$",
             r"$\frac{1}{C}\,\partial J/\partial h$", r"$(p - y)\,h^\top$"],
    "hierarchical_softmax": [r"$\partial J/\partial u'_{n(w,l)} = g_l\,h$"],
}


@pytest.mark.parametrize("model", MODELS)
def test_computation_graph_draws_labels(model):
    ax = computation_graph(model)
    texts = _texts(ax)
    for label in GRAPH_LABELS[model]:
        assert label in texts, (model, label)
    assert ax.get_title()
    assert not ax.axison
    # forward (solid) and backward (dashed, red) arrows are both there
    styles = [t.arrow_patch.get_linestyle() for t in ax.texts
              if getattr(t, "arrow_patch", None) is not None]
    assert "-" in styles or "solid" in styles
    assert "--" in styles or "dashed" in styles
    first = _pixels(ax.figure)
    _, ax2 = plt.subplots(figsize=ax.figure.get_size_inches())
    computation_graph(model, ax=ax2)
    np.testing.assert_array_equal(_pixels(ax2.figure), first)     # deterministic


def test_computation_graph_uses_the_given_axes():
    fig, (a, b) = plt.subplots(1, 2)
    assert computation_graph("cbow", ax=b) is b
    assert not a.texts and b.texts


def test_hierarchical_softmax_graph_follows_the_huffman_path():
    from w2vlib.plots import _HS_COUNTS, _HS_TARGET, _HS_WORDS
    tree = build_huffman(np.array(_HS_COUNTS))
    code = tree.codes[_HS_TARGET]
    ax = computation_graph("hierarchical_softmax")
    texts = _texts(ax)
    inner = [t for t in texts if t.startswith("$n(w,")]
    assert sorted(inner) == [f"$n(w,{i})$" for i in range(1, len(code) + 1)]
    for i, b in enumerate(code, start=1):
        t = 1 - int(b)
        assert any(s.startswith(f"$t_{i} = {t}$") for s in texts), (i, t)
        assert f"$g_{i} = \\sigma(s_{i}) - {t}$" in texts
    leaves = [s.split("\n")[0] for s in texts if "\n#=" in s]
    assert sorted(leaves) == sorted(_HS_WORDS)


@pytest.mark.parametrize("bad", ["glove", "SkipGram", "", None, 3])
def test_computation_graph_bad_model(bad):
    with pytest.raises(ValueError, match=r"model: expected one of skipgram_softmax, "
                                         r"negative_sampling, cbow, hierarchical_softmax"):
        computation_graph(bad)


# ---------------------------------------------------------------- update geometry
def test_update_parts_softmax_pull_and_push_add_up_to_the_step(rng):
    U, v_c, o, eta = rng.normal(size=(6, 3)), rng.normal(size=3), 2, 0.3
    parts = update_parts("skipgram_softmax", v_c, U, o, eta=eta)
    z = U @ v_c
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    expected = sum(p[w] * U[w] for w in range(6))
    np.testing.assert_allclose(parts["expected"], expected, atol=1e-12)
    np.testing.assert_allclose(parts["pull"], eta * U[o])
    np.testing.assert_allclose(parts["pull"] + parts["pushes"].sum(0), parts["step"],
                               atol=1e-12)
    # the step is -eta times the gradient, which finite differences confirm
    h = 1e-6
    num = np.array([(objectives.skipgram_softmax(v_c + h * e, o, U)[0]
                     - objectives.skipgram_softmax(v_c - h * e, o, U)[0]) / (2 * h)
                    for e in np.eye(3)])
    np.testing.assert_allclose(parts["step"], -eta * num, rtol=1e-6, atol=1e-9)


def test_update_parts_negative_sampling(rng):
    U, v_c, o, negs, eta = rng.normal(size=(6, 2)), rng.normal(size=2), 0, [3, 5, 3], 0.5
    parts = update_parts("negative_sampling", v_c, U, o, negs, eta=eta)
    sig = lambda x: 1 / (1 + np.exp(-x))                      # noqa: E731
    assert parts["pushes"].shape == (3, 2)
    np.testing.assert_allclose(parts["pull"], eta * sig(-U[o] @ v_c) * U[o])
    for row, k in zip(parts["pushes"], negs):
        np.testing.assert_allclose(row, -eta * sig(U[k] @ v_c) * U[k])
    np.testing.assert_allclose(parts["pull"] + parts["pushes"].sum(0), parts["step"],
                               atol=1e-12)


def test_update_parts_bad_input(rng):
    U, v_c = rng.normal(size=(4, 2)), rng.normal(size=2)
    with pytest.raises(ValueError, match="model: expected one of skipgram_softmax, "
                                         "negative_sampling, got 'cbow'"):
        update_parts("cbow", v_c, U, 0)
    with pytest.raises(ValueError, match="eta: expected a positive"):
        update_parts("skipgram_softmax", v_c, U, 0, eta=0.0)
    with pytest.raises(ValueError, match="negatives: negative sampling needs"):
        update_parts("negative_sampling", v_c, U, 0)
    with pytest.raises(ValueError, match="negatives: the full softmax takes none"):
        update_parts("skipgram_softmax", v_c, U, 0, negatives=[1])
    with pytest.raises(IndexError):
        update_parts("skipgram_softmax", v_c, U, 7)


@pytest.mark.parametrize("model", ["skipgram_softmax", "negative_sampling"])
def test_update_geometry_draws_the_step(model):
    ax = update_geometry(model)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "pull towards $u_o$" in legend
    assert any(s.startswith("push away from") for s in legend)
    assert "$u_o$" in _texts(ax) and "$v_c$" in _texts(ax)
    from w2vlib.plots import _GEO_U, _GEO_V_C
    negs = [1, 4] if model == "negative_sampling" else None
    step = update_parts(model, _GEO_V_C, _GEO_U, 0, negs, eta=0.6)["step"]
    blue = [p for p in ax.patches if str(p.get_label()).startswith("step")]
    assert len(blue) == 1
    tip = blue[0].get_xy().max(axis=0)          # the arrow's head reaches the new v_c
    np.testing.assert_allclose(tip, np.maximum(_GEO_V_C, _GEO_V_C + step), atol=0.05)
    if model == "negative_sampling":
        assert {"$u_{k_1}$", "$u_{k_2}$"} <= set(_texts(ax))
    _pixels(ax.figure)


def test_update_geometry_bad_input():
    with pytest.raises(ValueError, match="model: expected one of"):
        update_geometry("hierarchical_softmax")
    with pytest.raises(ValueError, match="U: expected 2 columns"):
        update_geometry(U=np.ones((3, 3)), v_c=np.ones(3))


# ---------------------------------------------------------------- Huffman tree
def test_huffman_tree_draws_every_node_and_bit():
    from w2vlib.plots import huffman_tree
    words = ["the", "of", "and", "cat", "dog", "sat", "mat", "ran"]
    counts = [120, 70, 60, 20, 15, 12, 10, 8]
    tree = build_huffman(np.array(counts))
    ax = huffman_tree(tree, words, counts, highlight="ran")
    texts = _texts(ax)
    assert sorted(t for t in texts if t.startswith("$u'")) == sorted(
        f"$u'_{{{j}}}$" for j in range(len(words) - 1))
    assert sorted(t for t in texts if "\n" in t) == sorted(
        f"{w}\n{c}" for w, c in zip(words, counts))
    assert sorted(t for t in texts if t in ("0", "1")) == ["0"] * 7 + ["1"] * 7
    bold = [line for line in ax.lines if line.get_linewidth() > 2]
    assert len(bold) == len(tree.codes[words.index("ran")])     # the path's edges
    # a leaf sits one level below its parent's depth: y = -(depth) with depth = L(w)
    leaf_y = {t.get_text().split("\n")[0]: t.get_position()[1] for t in ax.texts
              if "\n" in t.get_text()}
    for w, word in enumerate(words):
        assert leaf_y[word] == pytest.approx(-len(tree.codes[w]) - 0.1)
    _pixels(ax.figure)


def test_huffman_tree_bad_input():
    from w2vlib.plots import huffman_tree
    tree = build_huffman(np.array([3, 2, 1]))
    with pytest.raises(ValueError, match="words: expected 3 words"):
        huffman_tree(tree, ["a", "b"])
    with pytest.raises(ValueError, match=r"counts: expected shape \(3,\)"):
        huffman_tree(tree, ["a", "b", "c"], counts=[1, 2])
    with pytest.raises(KeyError, match="highlight: word 'z' not in the tree's words"):
        huffman_tree(tree, ["a", "b", "c"], highlight="z")


def test_plot_quality_draws_every_figure_per_epoch():
    from w2vlib.plots import plot_quality
    from w2vlib.quality import EpochQuality
    a = [EpochQuality(e, 0.1 * e, 0.01 * e, 1 / e, 3 - 0.1 * e) for e in (1, 2, 3)]
    b = [dict(epoch=e, ws353=0.2, analogy=0.0, random_cosine=0.5, loss=2.0) for e in (1, 2)]
    fig = plot_quality({"w2vlib": a, "gensim": b})
    assert len(fig.axes) == 4
    lines = fig.axes[2].get_lines()
    np.testing.assert_allclose(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines[0].get_ydata(), [1, 0.5, 1 / 3])
    np.testing.assert_allclose(lines[1].get_ydata(), [0.5, 0.5])
    c = [dict(epoch=e, ws353=0.2, analogy=np.nan if e % 2 else 0.1 * e, random_cosine=0.5,
              loss=2.0) for e in (1, 2, 3, 4)]                # analogies scored at 2, 4
    line = plot_quality({"w2vlib": c}).axes[1].get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [2, 4])
    np.testing.assert_allclose(line.get_ydata(), [0.2, 0.4])
    with pytest.raises(ValueError, match="histories: expected a non-empty mapping"):
        plot_quality({})
    with pytest.raises(ValueError, match=r"histories\['x'\]: expected records with"):
        plot_quality({"x": [dict(epoch=1, ws353=0.1)]})

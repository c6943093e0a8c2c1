"""The trainer: every model runs and learns, determinism, schedule, init, updates, bad input."""

import numpy as np
import pytest

from w2vlib import objectives as ob
from w2vlib import train as tr
from w2vlib.corpus import Vocab


def _corpus(seed=0, n_sent=400):
    """Two topics that never share a sentence, plus shared function words."""
    rng = np.random.default_rng(seed)
    topics = [["cat", "dog", "pet", "fur", "paw", "tail"],
              ["car", "road", "wheel", "engine", "fuel", "drive"]]
    glue = ["the", "a", "and", "of"]
    sents = []
    for _ in range(n_sent):
        words = topics[rng.integers(2)]
        s = [words[i] if rng.random() < 0.7 else glue[rng.integers(4)]
             for i in rng.integers(0, 6, size=12)]
        sents.append(s)
    return sents


SENTS = _corpus()
SMALL = dict(d=16, epochs=3, progress=False, min_count=1, sample=None)


@pytest.mark.parametrize("model", tr.MODELS)
def test_every_model_learns_topics_and_loss_decreases(model):
    kw = dict(SMALL, epochs=8, batch_size=64)
    r = tr.train(SENTS, model=model, lr=0.05, **kw)
    n, d = len(r.vocab), 16
    assert r.V.shape == (n, d) and r.V.dtype == np.float32
    if model == "hs":
        assert r.U is None and r.U_inner.shape == (n - 1, d)
    else:
        assert r.U_inner is None and r.U.shape == (n, d)
    hist = r.loss_history
    assert hist.shape[1] == 2 and np.all(np.diff(hist[:, 0]) > 0)
    assert hist[-1, 1] < hist[0, 1]                 # first point: mean over epoch 1
    # at the initialisation (U = 0) every unit gives log 2 and the softmax log n
    initial = {"sgns": 0.75 * 6 * np.log(2), "cbow": 0.75 * 6 * np.log(2),
               "softmax": 0.9 * np.log(n)}     # the softmax cannot go far below log 8
    if model in initial:
        assert hist[-1, 1] < initial[model]
    wv = r.wv
    # words of the same topic are closer than words of different topics
    assert wv.similarity("cat", "dog") > wv.similarity("cat", "car") + 0.1
    assert wv.similarity("road", "wheel") > wv.similarity("road", "paw") + 0.1


def test_same_seed_gives_bitwise_identical_vectors():
    kw = dict(SMALL, sample=1e-2)                  # subsampling on: every random draw used
    for model in ("sgns", "cbow", "hs"):
        a = tr.train(SENTS, model=model, seed=3, **kw)
        b = tr.train(SENTS, model=model, seed=3, **kw)
        c = tr.train(SENTS, model=model, seed=4, **kw)
        np.testing.assert_array_equal(a.V, b.V)
        out = "U_inner" if model == "hs" else "U"
        np.testing.assert_array_equal(getattr(a, out), getattr(b, out))
        np.testing.assert_array_equal(a.loss_history, b.loss_history)
        assert not np.array_equal(a.V, c.V)


def test_skipgram_input_roles():
    # same draws, roles swapped: different vectors, both learn the topics
    a = tr.train(SENTS, skipgram_input="context", **SMALL)
    b = tr.train(SENTS, skipgram_input="centre", **SMALL)
    assert not np.array_equal(a.V, b.V)
    for r in (a, b):
        assert np.all(np.isfinite(r.V)) and r.params["batch_size"] == 2 * len(r.vocab)
        assert r.wv.similarity("cat", "dog") > r.wv.similarity("cat", "car")


def test_float64_option():
    r = tr.train(SENTS, dtype=np.float64, **SMALL)
    assert r.V.dtype == np.float64 and r.U.dtype == np.float64


def test_learning_rate_schedule_is_word2vec_c():
    lr, total = 0.025, 1000
    for done in (0, 1, 250, 999, 1000):
        expected = lr * max(1e-4, 1 - done / (total + 1))        # word2vec.c's alpha
        assert tr.learning_rate(lr, done, total) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(tr.learning_rate(lr, np.array([0, 500, 1001]), total),
                               [lr, lr * (1 - 500 / 1001), lr * 1e-4])
    assert tr.learning_rate(lr, 10 * total, total) == pytest.approx(lr * 1e-4)


def test_trainer_uses_the_schedule(monkeypatch):
    seen = []
    orig = tr.learning_rate

    def spy(lr, done, total, min_fraction):
        seen.append((done, total))
        return orig(lr, done, total, min_fraction)

    monkeypatch.setattr(tr, "learning_rate", spy)
    r = tr.train(SENTS, batch_size=32, **SMALL)
    done = np.array([s[0] for s in seen])
    T = r.vocab.total
    assert {s[1] for s in seen} == {3 * T}                  # total = epochs * T
    assert done[0] == 0 and np.all(np.diff(done) >= 0) and done[-1] < 3 * T


def test_initialisation_like_word2vec_c():
    d = 50
    V, U = tr.init_vectors(4000, d, np.random.default_rng(0))
    assert V.dtype == np.float32 and not U.any() and U.shape == (4000, d)
    assert V.min() > -0.5 / d and V.max() < 0.5 / d
    np.testing.assert_allclose(V.mean(), 0, atol=1e-4)
    np.testing.assert_allclose(V.var(), 1 / (12 * d * d), rtol=0.02)     # uniform on width 1/d
    _, U_inner = tr.init_vectors(10, 3, np.random.default_rng(0), n_out=9)
    assert U_inner.shape == (9, 3)


def test_scatter_add_accumulates_repeats_like_add_at(rng):
    M = rng.normal(size=(6, 3)).astype(np.float32)
    idx = np.array([1, 4, 1, 1, 0])
    X = rng.normal(size=(5, 3)).astype(np.float32)
    ref = M.copy()
    np.add.at(ref, idx, -0.5 * X)
    tr.scatter_add(M, idx, X, -0.5)
    np.testing.assert_allclose(M, ref, rtol=1e-6)
    # CSC layout: entries of column b all receive row b of X, with per-entry weights
    M2, ref2 = np.zeros((6, 3)), np.zeros((6, 3))
    indptr, w = np.array([0, 2, 2, 5]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    X2 = rng.normal(size=(3, 3))
    tr.scatter_add(M2, idx, X2, w, indptr=indptr)
    for b in range(3):
        for k in range(indptr[b], indptr[b + 1]):
            ref2[idx[k]] += w[k] * X2[b]
    np.testing.assert_allclose(M2, ref2)
    with pytest.raises(ValueError, match="X: expected 5 rows"):
        tr.scatter_add(M, idx, X[:3])


def _one_step(model, cbow_update="word2vec"):
    """One SGD step of the trainer on one example with fixed negatives, float64."""
    rng = np.random.default_rng(1)
    n, d, K, eta = 7, 4, 3, 0.1
    V, U = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    t = np.zeros((1, K + 1))
    t[:, 0] = 1
    ctx = dict(V=V.copy(), U=U.copy(), t=t, cbow_update=cbow_update)
    negatives = np.array([[5, 2, 5]])
    return V, U, ctx, negatives, eta


def test_sgns_step_is_sgd_on_the_objective():
    V, U, ctx, negatives, eta = _one_step("sgns")
    c, o = 3, 2                                  # negative 2 equals o: skipped (masked)
    tr._step_sgns(ctx, (np.array([c]), np.array([o]), negatives), eta)
    _, g = ob.skipgram_neg_sampling(V[c], o, [5, 5], U)
    expected_V = V.copy()
    expected_V[c] -= eta * g["v_c"]
    np.testing.assert_allclose(ctx["V"], expected_V, rtol=1e-12)
    np.testing.assert_allclose(ctx["U"], U - eta * g["U"], rtol=1e-12)


@pytest.mark.parametrize("update", ["word2vec", "gradient"])
def test_cbow_step_update_conventions(update):
    V, U, ctx, negatives, eta = _one_step("cbow", update)
    centre, context = 4, np.array([0, 6, 1])
    contexts = np.zeros((1, 4), dtype=np.intp)
    contexts[0, :3] = context
    cmask = np.array([[True, True, True, False]])
    tr._step_cbow(ctx, (np.array([centre]), contexts, cmask, negatives), eta)
    _, g = ob.cbow_neg_sampling(V, context, centre, [5, 2, 5], U)
    scale = 3.0 if update == "word2vec" else 1.0          # word2vec.c: no 1/C
    np.testing.assert_allclose(ctx["V"], V - eta * scale * g["V"], rtol=1e-12)
    np.testing.assert_allclose(ctx["U"], U - eta * g["U"], rtol=1e-12)


def test_full_softmax_guard():
    words = [f"w{i}" for i in range(tr.SOFTMAX_MAX_VOCAB + 1)]
    vocab = Vocab.from_counts(words, np.ones(len(words), dtype=int))
    with pytest.raises(ValueError, match="model: full softmax costs O"):
        tr.train([["w0", "w1"]], model="softmax", vocab=vocab, progress=False)


def test_progress_bar_and_parameters_recorded(capsys):
    r = tr.train(SENTS[:20], d=4, epochs=1, min_count=1, progress=True, seed=5)
    assert "w2vlib sgns" in capsys.readouterr().err
    assert r.params["seed"] == 5 and r.params["model"] == "sgns" and r.params["lr"] == 0.025
    assert tr.train(SENTS[:20], model="cbow", **dict(SMALL, epochs=1)).params["lr"] == 0.05


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="glove"), "model: expected one of"),
    (dict(d=0), "d: expected an integer >= 1"),
    (dict(window=0), "window: expected an integer >= 1"),
    (dict(epochs=0), "epochs: expected an integer >= 1"),
    (dict(negative=0), "negative: expected an integer >= 1"),
    (dict(batch_size=0), "batch_size: expected an integer >= 1"),
    (dict(lr=-0.1), "lr: expected a finite number > 0"),
    (dict(lr=float("nan")), "lr: expected a finite number > 0"),
    (dict(min_lr_fraction=0), "min_lr_fraction: expected a finite number > 0"),
    (dict(sample=-1e-3), "sample: expected a finite number > 0"),
    (dict(dtype=np.int32), "dtype: expected float32 or float64"),
    (dict(cbow_update="mean"), "cbow_update: expected"),
    (dict(skipgram_input="word"), "skipgram_input: expected"),
    (dict(seed="a"), "seed: expected a non-negative integer"),
    (dict(vocab="a"), "vocab: expected a w2vlib.corpus.Vocab"),
    (dict(min_count=0), "min_count: expected an integer >= 1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tr.train(SENTS[:5], **{"progress": False, "min_count": 1, **kwargs})


def test_bad_corpora():
    with pytest.raises(ValueError, match="sentences: expected at least one token"):
        tr.train([], progress=False)
    vocab = Vocab.from_counts(["x", "y"], [3, 2])
    with pytest.raises(ValueError, match="sentences: expected at least one in-vocabulary"):
        tr.train([["a", "b"]], vocab=vocab, progress=False)


def test_callbacks_see_every_epoch_and_change_nothing():
    seen = []

    def record(info):
        seen.append((info.epoch, info.epochs, info.words_done, info.loss, info.examples,
                     info.V.copy(), info.wv.similarity("cat", "dog")))

    kw = dict(SMALL, epochs=4, batch_size=64)
    r = tr.train(SENTS, callbacks=[record], **kw)
    T = r.vocab.total
    assert [s[:3] for s in seen] == [(e, 4, e * T) for e in (1, 2, 3, 4)]
    np.testing.assert_array_equal(seen[-1][5], r.V)         # the end of the last epoch
    assert not np.array_equal(seen[0][5], r.V)
    assert seen[-1][6] == pytest.approx(r.wv.similarity("cat", "dog"))
    # an epoch's loss is the example-weighted mean of its chunks: here one chunk an epoch
    assert len(r.loss_history) == 4
    np.testing.assert_allclose([s[3] for s in seen], r.loss_history[:, 1], rtol=1e-12)
    assert all(s[4] > 0 for s in seen)
    np.testing.assert_array_equal(tr.train(SENTS, **kw).V, r.V)       # no side effect
    single = []
    tr.train(SENTS, callbacks=lambda info: single.append(info.epoch), **kw)
    assert single == [1, 2, 3, 4]
    with pytest.raises(TypeError, match="callbacks: expected callables"):
        tr.train(SENTS, callbacks=[record, 3], **kw)


def test_init_scale_sets_the_initial_range():
    d = 50
    V, _ = tr.init_vectors(4000, d, np.random.default_rng(0), init_scale=1.0)
    assert V.min() > -1 / d and V.max() < 1 / d and V.max() > 0.99 / d
    np.testing.assert_allclose(V.var(), 1 / (3 * d * d), rtol=0.02)       # width 2/d
    V_c, _ = tr.init_vectors(4000, d, np.random.default_rng(0))
    np.testing.assert_allclose(V, 2 * V_c, rtol=1e-6)       # the same draws, twice as wide
    # in train: with a vanishing learning rate V stays at its initial values
    for scale in (0.5, 1.0):
        r = tr.train(SENTS, lr=1e-30, init_scale=scale, **dict(SMALL, d=d))
        assert 0.98 * scale / d < np.abs(r.V).max() < scale / d
        assert r.params["init_scale"] == scale
    with pytest.raises(ValueError, match="init_scale: expected a finite number > 0"):
        tr.train(SENTS, init_scale=0, **SMALL)


def test_lr_schedule_job_holds_the_rate_per_10000_words(monkeypatch):
    seen = []
    orig = tr.learning_rate

    def spy(lr, done, total, min_fraction):
        seen.append(done)
        return orig(lr, done, total, min_fraction)

    monkeypatch.setattr(tr, "learning_rate", spy)
    big = _corpus(seed=1, n_sent=2000)                      # 24,000 tokens: 3 chunks
    kw = dict(SMALL, epochs=2, batch_size=64)
    r = tr.train(big, lr_schedule="job", **kw)
    T = r.vocab.total
    assert r.params["lr_schedule"] == "job"
    expected = [e * T + k for e in (0, 1) for k in range(0, T, 10_000)]
    assert seen == expected                                 # one rate per chunk
    seen.clear()
    tr.train(big, lr_schedule="batch", **kw)                # one rate per minibatch
    assert len(seen) > 10 * len(expected) and len(set(seen)) == len(seen)
    with pytest.raises(ValueError, match="lr_schedule: expected one of"):
        tr.train(SENTS, lr_schedule="epoch", **SMALL)


# --------------------------------------------------------------------------- row rule


def test_trace_rule_caps_each_row_at_cap_over_itshessian_trace(hessian_trace):
    # A batch whose rows repeat: inputs 0 and 1 used 3 and 2 times, output row 4 in
    # every example. The trace of each row's Hessian is measured by finite differences
    # of the summed SGNS loss, independently of the rule's closed form.
    rng = np.random.default_rng(3)
    n, d, K, eta = 6, 5, 2, 5.0
    V, U = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    c = np.array([0, 0, 0, 1, 1])
    o = np.array([4, 4, 2, 4, 3])
    negatives = np.array([[4, 5], [1, 5], [5, 5], [2, 0], [5, 1]])
    t = np.zeros((c.size, K + 1))
    t[:, 0] = 1

    def batch_loss():
        return sum(ob.skipgram_neg_sampling(V[cb], ob_, [k for k in neg if k != ob_], U)[0]
                   for cb, ob_, neg in zip(c, o, negatives))

    grads_V, grads_U = np.zeros_like(V), np.zeros_like(U)
    for cb, ob_, neg in zip(c, o, negatives):
        _, g = ob.skipgram_neg_sampling(V[cb], ob_, [k for k in neg if k != ob_], U)
        grads_V[cb] += g["v_c"]
        grads_U += g["U"]
    rate_V = {r: min(eta, 1.0 / hessian_trace(batch_loss, V[r])) for r in (0, 1)}
    rate_U = {r: min(eta, 1.0 / hessian_trace(batch_loss, U[r])) for r in range(n)
              if np.any(grads_U[r])}
    assert rate_V[0] < eta and rate_U[4] < eta        # the rule is active in this batch
    ctx = dict(V=V.copy(), U=U.copy(), t=t, row_rule="trace")
    tr._step_sgns(ctx, (c, o, negatives), eta)
    for r, rate in rate_V.items():
        np.testing.assert_allclose(ctx["V"][r], V[r] - rate * grads_V[r], rtol=1e-4)
    for r, rate in rate_U.items():
        np.testing.assert_allclose(ctx["U"][r], U[r] - rate * grads_U[r], rtol=1e-4)
    ctx = dict(V=V.copy(), U=U.copy(), t=t, row_rule="sum")
    tr._step_sgns(ctx, (c, o, negatives), eta)
    np.testing.assert_allclose(ctx["V"], V - eta * grads_V, rtol=1e-12)
    np.testing.assert_allclose(ctx["U"], U - eta * grads_U, rtol=1e-12)


def test_row_rates_reduce_to_eta_for_one_use_and_to_one_over_m_for_m_equal_uses():
    q = 0.8                                  # one use's term sigma'(s) ||x||^2
    assert tr.row_rates(0.1, np.array([2]), np.array([q]), 5)[0] == 0.1
    for M in (2, 5, 50):
        rates = tr.row_rates(0.1, np.full(M, 3), np.full(M, q), 5)
        np.testing.assert_allclose(rates, min(0.1, 1.0 / (M * q)))
    assert tr.row_rates(0.1, np.array([1]), np.array([0.0]), 5)[0] == 0.1   # no curvature


@pytest.mark.parametrize("model, batch_size, lr", [("sgns", 1024, 0.5), ("hs", 1024, 0.5),
                                                    ("cbow", 1024, 0.5),
                                                    ("sgns-shared", 128, 0.25)])
def test_trace_rule_trains_where_summed_updates_diverge(model, batch_size, lr):
    # a 16-word vocabulary: every row is used many times in one batch, and the summed
    # updates diverge; the capped ones train. (With shared negatives every word is a
    # negative of every span here, and large batches still diverge through the coupling
    # of input and output rows, which the rule does not bound: chapter 12.)
    kw = dict(SMALL, epochs=4, batch_size=batch_size, lr=lr, seed=0)
    corpus = _corpus(seed=2, n_sent=1200)
    with pytest.raises(tr.TrainingDivergedError):
        tr.train(corpus, model=model, row_rule="sum", **kw)
    r = tr.train(corpus, model=model, **kw)
    assert np.isfinite(r.V).all() and r.loss_history[-1, 1] < r.loss_history[0, 1]


def test_check_epoch_warns_on_a_loss_above_j0_or_a_runaway_norm_and_not_otherwise():
    import warnings
    V, U = np.ones((4, 3)), np.zeros((4, 3))
    j0 = tr.start_loss("sgns", 5, 4)
    assert j0 == pytest.approx(6 * np.log(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tr.check_epoch(1, 2, j0 - 0.1, j0, V, U) == pytest.approx(np.sqrt(3))
    with pytest.warns(tr.TrainingUnstableWarning, match="above the untrained"):
        tr.check_epoch(1, 2, j0 + 0.1, j0, V, U)
    U[2, 0] = 2 * tr.NORM_LIMIT
    with pytest.warns(tr.TrainingUnstableWarning, match="norm"):
        tr.check_epoch(1, 2, 1.0, j0, V, U)
    assert tr.start_loss("softmax", 5, 8) == pytest.approx(np.log(8))
    assert tr.start_loss("hs", 5, 8, mean_code_length=3.0) == pytest.approx(3 * np.log(2))


def test_a_negative_seed_is_refused_by_name():
    with pytest.raises(ValueError, match="seed: expected a non-negative integer"):
        tr.train(SENTS, seed=-1, **SMALL)


@pytest.mark.parametrize("model", ["sgns", "cbow", "hs", "softmax", "sgns-shared"])
def test_a_huge_learning_rate_is_never_silent(model):
    # lr = 5 (issue 21, A5): the summed updates used to return vectors of 1e12-1e16 with
    # no warning. Now training either raises, or warns, or returns a model whose last
    # loss is below the untrained model's J_0 with every vector shorter than NORM_LIMIT.
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = tr.train(SENTS * 3, model=model, lr=5.0, **SMALL)
        except tr.TrainingDivergedError:
            return
    if any(issubclass(w.category, tr.TrainingUnstableWarning) for w in caught):
        return
    U = r.U_inner if model == "hs" else r.U
    assert np.abs(r.V).max() < tr.NORM_LIMIT and np.abs(U).max() < tr.NORM_LIMIT
    assert r.loss_history[-1, 1] < r.loss_history[0, 1]

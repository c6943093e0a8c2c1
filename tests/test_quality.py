"""w2vlib.quality: the random-pair cosine, the fixed-sample loss and the epoch tracker."""

import numpy as np
import pytest

from w2vlib import objectives, quality, train
from w2vlib.corpus import Vocab
from tests.test_train import SENTS


def test_random_pair_cosine_by_hand_and_its_extremes(rng):
    V = rng.normal(size=(300, 20))
    got = quality.random_pair_cosine(V, n_pairs=500, seed=4)
    r = np.random.default_rng(4)
    i = r.integers(300, size=500)
    j = (i + r.integers(1, 300, size=500)) % 300
    unit = V / np.linalg.norm(V, axis=1, keepdims=True)
    assert got == pytest.approx(np.mean(np.sum(unit[i] * unit[j], axis=1)), rel=1e-12)
    assert abs(got) < 0.05                                  # random directions: near 0
    shared = V + 30.0                                       # a large shared direction
    assert quality.random_pair_cosine(shared, 500) > 0.95
    centred = shared - shared.mean(axis=0)
    assert abs(quality.random_pair_cosine(centred, 500)) < 0.05
    with pytest.raises(ValueError, match="V: expected rows of nonzero norm"):
        quality.random_pair_cosine(np.zeros((3, 2)))


def test_pair_loss_is_the_sgns_loss_in_any_word_order():
    vocab = Vocab.build(SENTS, min_count=1)
    pl = quality.PairLoss(SENTS, vocab, n_examples=200, window=3, sample=None)
    n = len(vocab)
    rng = np.random.default_rng(0)
    V, U = rng.normal(size=(n, 4)), rng.normal(size=(n, 4))
    expected = np.mean([objectives.skipgram_neg_sampling(V[o], c, list(k), U)[0]
                        for o, c, k in zip(pl.o, pl.c, pl.k)])
    assert pl(vocab.words, V, U) == pytest.approx(expected, rel=1e-10)
    perm = rng.permutation(n)                               # another system's word order
    words = [vocab.words[p] for p in perm]
    assert pl(words, V[perm], U[perm]) == pytest.approx(expected, rel=1e-10)
    # at U = 0 every example costs (K + 1) log 2
    assert pl(vocab.words, V, 0 * U) == pytest.approx(6 * np.log(2))


@pytest.fixture
def small_eval(tmp_path):
    """A vocabulary of SENTS, its pair loss, and tiny WordSim and analogy files."""
    wordsim = tmp_path / "ws.tsv"
    wordsim.write_text("cat\tdog\t9\ncat\tcar\t1\nroad\twheel\t8\nroad\tpaw\t0.5\n")
    analogies = tmp_path / "an.txt"
    analogies.write_text(": topics\ncat dog car road\n")
    vocab = Vocab.build(SENTS, min_count=1)
    pair_loss = quality.PairLoss(SENTS, vocab, n_examples=300, sample=None)
    return vocab, pair_loss, dict(analogies=analogies, wordsim=wordsim, n_pairs=100)


def test_tracker_scores_every_epoch(small_eval):
    vocab, pair_loss, files = small_eval
    wordsim = files["wordsim"]
    tracker = quality.Tracker(pair_loss, **files)
    r = train.train(SENTS, vocab=vocab, d=16, epochs=3, sample=None, progress=False,
                    callbacks=[tracker])
    assert [q.epoch for q in tracker.history] == [1, 2, 3]
    last = tracker.history[-1]
    assert last.ws353 == pytest.approx(r.wv.evaluate_word_pairs(wordsim).spearman)
    assert last.random_cosine == pytest.approx(quality.random_pair_cosine(r.V, 100))
    assert tracker.history[0].loss > last.loss
    assert "random cos" in tracker.table()


def test_tracker_scores_the_analogies_only_at_the_epochs_asked(small_eval):
    vocab, pair_loss, files = small_eval
    every = quality.Tracker(pair_loss, **files)
    some = quality.Tracker(pair_loss, **files, analogy_epochs=[2])
    train.train(SENTS, vocab=vocab, d=16, epochs=3, sample=None, progress=False, seed=1,
                callbacks=[every, some])
    got = [q.analogy for q in some.history]
    assert np.isnan(got[0]) and np.isnan(got[2]) and got[1] == every.history[1].analogy
    assert [q.ws353 for q in some.history] == [q.ws353 for q in every.history]
    with pytest.raises(ValueError, match="analogy_epochs: expected epoch numbers"):
        quality.Tracker(pair_loss, analogy_epochs=[0, 2])
    with pytest.raises(TypeError, match="analogy_epochs: expected None or a collection"):
        quality.Tracker(pair_loss, analogy_epochs=3)


# ------------------------------------------------------------ the kept artifact, bounds
def _artifact(ws353_by_run, configs=("native", "haswell")):
    """A synthetic artifact: one w2vlib run per (config, seed) with the given last-epoch
    WS353 values (in order), two epochs each, and final scores."""
    runs, it = [], iter(ws353_by_run)
    for config in configs:
        for seed in range(len(ws353_by_run) // len(configs)):
            rho = next(it)
            runs.append(dict(config=config, system="w2vlib", seed=seed, cpu_seconds=1.0,
                             history=[dict(epoch=1, ws353=0.1, analogy=float("nan"),
                                           random_cosine=0.5, loss=3.0),
                                      dict(epoch=2, ws353=rho, analogy=0.03,
                                           random_cosine=0.2, loss=2.0)],
                             final=dict(ws353_gensim=rho, analogy_3cosmul=0.02,
                                        epoch_mean_loss=[3.1, 2.1])))
    return dict(command="python -m w2vlib.quality ...", runs=runs)


def test_bounds_are_mean_plus_minus_k_sd_over_seeds_widened_by_every_config(tmp_path):
    rhos = [0.50, 0.52, 0.47, 0.55, 0.49, 0.51]      # native seeds 0-2, then haswell's
    art = _artifact(rhos)
    per_seed = np.array(rhos).reshape(2, 3).mean(axis=0)   # one value per seed
    mean, sd = per_seed.mean(), per_seed.std(ddof=1)
    assert quality.bounds(art, "w2vlib", "ws353") == pytest.approx((mean - 3 * sd,
                                                                    mean + 3 * sd))
    # a seed's copies under other kernels are not independent runs: six identical
    # copies of three seeds give the three seeds' spread, not a narrower one
    same = _artifact([0.50, 0.52, 0.47] * 2)
    s3 = np.std([0.50, 0.52, 0.47], ddof=1)
    lo, hi = quality.bounds(same, "w2vlib", "ws353")
    assert hi - lo == pytest.approx(6 * s3)
    # never narrower than the runs seen: mean ± 1 sd is widened to them
    assert mean - sd > 0.47 and mean + sd < 0.55
    assert quality.bounds(art, "w2vlib", "ws353", k=1) == (0.47, 0.55)
    assert quality.bounds(art, "w2vlib", "ws353", k=0) == (0.47, 0.55)
    # from a file, as a chapter reads it; and restricted to some configurations
    path = tmp_path / "art.json"
    path.write_text(__import__("json").dumps(art))
    assert quality.bounds(path, "w2vlib", "ws353") == quality.bounds(art, "w2vlib", "ws353")
    m, s = np.mean(rhos[:3]), np.std(rhos[:3], ddof=1)
    assert quality.bounds(path, "w2vlib", "ws353", k=2, configs=["native"]) == pytest.approx(
        (m - 2 * s, m + 2 * s))
    # final scores, per-epoch figures and per-epoch lists
    assert list(quality.values(art, "w2vlib", "ws353_gensim")) == rhos
    assert list(quality.values(art, "w2vlib", "random_cosine", epoch=1)) == [0.5] * 6
    assert list(quality.values(art, "w2vlib", "epoch_mean_loss", epoch=2)) == [2.1] * 6


def test_bounds_refuse_what_gives_no_range():
    art = _artifact([0.5, 0.6], configs=("native",))
    with pytest.raises(ValueError, match="system: the artifact has no runs of 'gensim'"):
        quality.bounds(art, "gensim", "ws353")
    with pytest.raises(ValueError, match="metric: the artifact has no 'wsx'"):
        quality.bounds(art, "w2vlib", "wsx")
    with pytest.raises(ValueError, match="is NaN in 2 of 2 runs at epoch 1"):
        quality.bounds(art, "w2vlib", "analogy", epoch=1)
    with pytest.raises(ValueError, match="epoch: expected 1..2, got 3"):
        quality.bounds(art, "w2vlib", "ws353", epoch=3)
    with pytest.raises(ValueError, match="epoch: epoch_mean_loss has one value per epoch"):
        quality.bounds(art, "w2vlib", "epoch_mean_loss")
    with pytest.raises(ValueError, match="has 1 seed; a range needs at least 2"):
        quality.bounds(_artifact([0.5, 0.6]), "w2vlib", "ws353")   # one seed, two CPUs
    with pytest.raises(ValueError, match="k: expected a number >= 0"):
        quality.bounds(art, "w2vlib", "ws353", k=-1)


@pytest.fixture
def tiny_files(tmp_path):
    """A tiny corpus file (the synthetic corpus, 400 sentences), its planted analogies
    and a WordSim-format file of pairs of its words."""
    from w2vlib import datasets
    sentences, _ = datasets.synthetic_corpus(n_sentences=400, seed=0,
                                             questions_path=tmp_path / "an.txt")
    (tmp_path / "corpus.txt").write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    vocab = Vocab.build(sentences, min_count=5)
    words = vocab.words[:40]
    rng = np.random.default_rng(0)
    lines = [f"{words[i]}\t{words[j]}\t{rng.uniform(0, 10):.2f}"
             for i, j in rng.integers(len(words), size=(30, 2)) if i != j]
    (tmp_path / "ws.tsv").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.mark.slow
def test_the_command_keeps_a_multi_seed_multi_config_artifact(tiny_files, capsys):
    """End to end on a tiny corpus: two configurations (each in its own process, its
    kernels checked), two seeds, both systems; the artifact feeds bounds()."""
    from w2vlib import repro
    native = repro.probe("native")[0]
    configs = ["native"] + [c for c in ("haswell", "nehalem")
                            if repro.check(c, native)[0] == "run"][:1]
    out = tiny_files / "artifact.json"
    argv = ["--seeds", "0", "1", "--epochs", "2", "--d", "10", "--min-count", "5",
            "--lr", "0.025", "--sample", "0.001",
            "--corpus", str(tiny_files / "corpus.txt"), "--wordsim", str(tiny_files / "ws.tsv"),
            "--analogies", str(tiny_files / "an.txt"), "--configs", *configs, "--json", str(out)]
    quality.main(argv)
    art = __import__("json").loads(out.read_text())
    assert art["command"] == "python -m w2vlib.quality " + " ".join(argv)
    assert art["configs"] == configs and art["seeds"] == [0, 1]
    assert art["settings"]["epochs"] == 2 and art["corpus"]["name"] == "corpus.txt"
    assert {"cpu", "numpy", "gensim"} <= set(art["machine"]) and art["date"].startswith("20")
    assert sorted((r["config"], r["system"], r["seed"]) for r in art["runs"]) == sorted(
        (c, s, seed) for c in configs for s in ("w2vlib", "gensim") for seed in (0, 1))
    for name in configs:                       # each configuration ran its own kernels
        assert repro.check_report(name, art["kernels"][name]) == ""
    for r in art["runs"]:
        assert [h["epoch"] for h in r["history"]] == [1, 2]
        assert -1 <= r["final"]["ws353_gensim"] <= 1
        assert abs(r["final"]["ws353_gensim"] - r["history"][-1]["ws353"]) < 1e-9
        assert 0 <= r["final"]["analogy_3cosmul"] <= 1
        assert ("epoch_mean_loss" in r["final"]) == (r["system"] == "w2vlib")
    lo, hi = quality.bounds(out, "w2vlib", "ws353")
    x = quality.values(out, "w2vlib", "ws353")
    assert x.size == 2 * len(configs) and lo <= x.min() <= x.max() <= hi


def test_merge_labels_configurations_and_refuses_other_settings(tmp_path):
    import json
    run = dict(system="w2vlib", seed=0, history=[dict(ws353=0.5)], final={})
    a = dict(command="a", settings=dict(lr=0.1), corpus=dict(name="c"), runs=[run])
    b = dict(command="b", settings=dict(lr=0.1), corpus=dict(name="c"),
             runs=[dict(run, seed=1, config="nehalem", history=[dict(ws353=0.4)])])
    merged = quality.merge([a, b])
    assert [r["config"] for r in merged["runs"]] == ["native", "nehalem"]
    assert merged["configs"] == ["native", "nehalem"] and merged["command"] == "a + b"
    np.testing.assert_allclose(quality.values(merged, "w2vlib", "ws353"), [0.5, 0.4])
    np.testing.assert_allclose(quality.values(merged, "w2vlib", "ws353",
                                              configs=["nehalem"]), [0.4])
    with pytest.raises(ValueError, match="only runs of one setting merge"):
        quality.merge([a, dict(b, settings=dict(lr=0.05))])
    pa, pb, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "m.json"
    pa.write_text(json.dumps(a))
    pb.write_text(json.dumps(b))
    quality.main(["--merge", str(pa), str(pb), "--json", str(out)])
    assert len(json.loads(out.read_text())["runs"]) == 2

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

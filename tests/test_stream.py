"""Streaming: a file or a re-iterable, read in chunks, gives the in-memory vectors."""

import numpy as np
import pytest

from w2vlib import stream
from w2vlib import train as tr
from w2vlib.corpus import Vocab, dynamic_windows, tokenize

from test_train import SENTS, _corpus


class Reiterable:
    """A re-iterable that is not a list: every iter() starts a new pass."""

    def __init__(self, sentences):
        self.sentences = sentences
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return iter(self.sentences)


# long enough for many chunks of 10,000 positions, with sentences across chunk edges
# and one sentence longer than a chunk
LONG = _corpus(seed=1, n_sent=2500) + [sum(_corpus(seed=3, n_sent=1000), [])] \
    + _corpus(seed=2, n_sent=600)
KW = dict(d=12, epochs=2, min_count=1, sample=1e-2, progress=False, seed=7, batch_size=256,
          lr=0.01)


@pytest.mark.parametrize("model", ["sgns", "cbow", "hs", "softmax"])
def test_reiterable_gives_the_in_memory_vectors(model):
    memory = tr.train(LONG, model=model, **KW)
    source = Reiterable(LONG)
    streamed = tr.train(source, model=model, **KW)
    assert source.passes == 2 + KW["epochs"]         # vocabulary, count, then one per epoch
    assert memory.loss_history.shape[0] > 5                 # many chunks
    assert np.isfinite(memory.V).all()
    np.testing.assert_array_equal(memory.V, streamed.V)
    out = "U_inner" if model == "hs" else "U"
    np.testing.assert_array_equal(getattr(memory, out), getattr(streamed, out))
    np.testing.assert_array_equal(memory.loss_history, streamed.loss_history)


@pytest.mark.parametrize("options", [dict(lr_schedule="job"), dict(init_scale=1.0)])
def test_options_and_callbacks_stream_identically(options):
    seen = {}
    for name, corpus in (("memory", LONG), ("stream", Reiterable(LONG))):
        losses = []
        r = tr.train(corpus, callbacks=[lambda info: losses.append(info.loss)],
                     **dict(KW, **options))
        seen[name] = (r.V, losses, r.params)
    np.testing.assert_array_equal(seen["memory"][0], seen["stream"][0])
    assert seen["memory"][1] == seen["stream"][1] and len(seen["memory"][1]) == KW["epochs"]
    assert seen["memory"][2] == seen["stream"][2]


def test_file_path_gives_the_in_memory_vectors(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in LONG), encoding="utf-8")
    memory = tr.train(LONG, **dict(KW, window=3))
    for source in (str(path), path, stream.LineSentences(path)):
        np.testing.assert_array_equal(tr.train(source, **dict(KW, window=3)).V, memory.V)
    vocab = Vocab.build(LONG, min_count=2)                   # a given vocabulary too
    np.testing.assert_array_equal(tr.train(path, **dict(KW, vocab=vocab)).V,
                                  tr.train(LONG, **dict(KW, vocab=vocab)).V)


def test_without_subsampling_and_with_window_larger_than_sentences():
    kw = dict(KW, sample=None, window=9)
    np.testing.assert_array_equal(tr.train(SENTS, **kw).V, tr.train(Reiterable(SENTS), **kw).V)


def test_chunks_hold_only_a_chunk(rng):
    """epoch_chunks holds about one chunk of tokens, however long the corpus."""
    sents = [rng.integers(0, 50, rng.integers(1, 40)) for _ in range(20_000)]
    T = sum(s.size for s in sents)
    held = []
    seen = []
    for r1, ktok, ksid, eff, kpos, a, b in stream.epoch_chunks(
            iter(sents), T, None, None, np.random.default_rng(0), 5, 1000):
        held.append(ktok.size)
        seen.append(kpos[a:b])
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(T))   # every position once
    assert max(held) <= 2 * 1000 + 40 + 5 and T > 100 * max(held)


def test_chunk_windows_equal_whole_epoch_windows(rng):
    """The windows a chunk sees are the whole-epoch windows (same draws)."""
    sents = [rng.integers(0, 30, rng.integers(0, 25)) for _ in range(400)]
    T = sum(s.size for s in sents)
    keep = np.full(30, 0.7)
    full_sub = np.random.default_rng(1).random(T)
    tokens = np.concatenate(sents)
    kpos_all = np.flatnonzero(full_sub < keep[tokens])
    eff_all = dynamic_windows(kpos_all.size, 4, np.random.default_rng(2))
    for r1, ktok, ksid, eff, kpos, a, b in stream.epoch_chunks(
            iter(sents), T, keep, np.random.default_rng(1), np.random.default_rng(2), 4, 97):
        first = np.searchsorted(kpos_all, kpos[0])
        np.testing.assert_array_equal(kpos, kpos_all[first:first + kpos.size])
        np.testing.assert_array_equal(eff, eff_all[first:first + kpos.size])
        np.testing.assert_array_equal(ktok, tokens[kpos])
        # the window's margin on both sides is held (or all there is)
        assert a >= min(4, first + a)
        assert kpos.size - b >= min(4, kpos_all.size - first - b)


def test_a_generator_is_still_read_into_memory():
    gen = (s for s in SENTS)
    assert not stream.is_streamed(gen) and stream.is_streamed(Reiterable(SENTS))
    assert not stream.is_streamed(SENTS) and stream.is_streamed("corpus.txt")
    np.testing.assert_array_equal(tr.train(gen, **KW).V, tr.train(SENTS, **KW).V)


def test_line_sentences_tokenize_and_errors(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text("The cat, the DOG!\n\nA road.\n", encoding="utf-8")
    assert list(stream.LineSentences(path)) == [["The", "cat,", "the", "DOG!"], [], ["A",
                                                                                    "road."]]
    assert list(stream.LineSentences(path, tokenize=tokenize))[0] == ["the", "cat", "the",
                                                                      "dog"]
    with pytest.raises(OSError, match="sentences: a str or path is read as a text file"):
        tr.train(tmp_path / "missing.txt", progress=False)
    with pytest.raises(OSError, match="path: expected a readable text file"):
        stream.LineSentences(tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="tokenize: expected a function"):
        stream.LineSentences(path, tokenize=3)


def test_a_corpus_that_changes_between_passes_is_refused():
    class Growing:
        def __init__(self):
            self.n = 0

        def __iter__(self):
            self.n += 1
            return iter(SENTS[:50] * self.n)

    with pytest.raises(ValueError, match="the corpus changed between passes"):
        tr.train(Growing(), **dict(KW, epochs=1))

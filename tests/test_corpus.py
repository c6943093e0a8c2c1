"""Corpus pipeline: tokenizer, vocabulary, subsampling, noise sampler, windows."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from w2vlib import corpus as cp


# ------------------------------------------------------------------ tokenizer
def test_tokenize_lowercases_and_keeps_letter_runs():
    assert cp.tokenize("Don't panic: 42 towels! Café_au lait") == \
        ["don", "t", "panic", "towels", "café", "au", "lait"]
    assert cp.tokenize("123 ... !!") == []


def test_tokenize_refuses_non_strings():
    with pytest.raises(TypeError, match="text: expected a str"):
        cp.tokenize(["a", "b"])


# ------------------------------------------------------------------ vocabulary
SENTS = [["b", "a", "c", "a"], ["c", "b", "d", "a"], ["e", "zz", "zz", "b"]]
# counts: a 3, b 3, c 2, zz 2, d 1, e 1


def test_vocab_sorted_by_count_then_alphabetically():
    v = cp.Vocab.build(SENTS, min_count=1)
    assert v.words == ["a", "b", "c", "zz", "d", "e"]
    assert v.counts.dtype == np.int64
    np.testing.assert_array_equal(v.counts, [3, 3, 2, 2, 1, 1])
    assert v.index == {w: i for i, w in enumerate(v.words)}
    assert len(v) == 6 and "zz" in v and "q" not in v and v.total == 12


def test_vocab_min_count_encode_decode():
    v = cp.Vocab.build(SENTS, min_count=2)
    assert v.words == ["a", "b", "c", "zz"]
    idx = v.encode(["e", "zz", "a", "unknown", "b"])
    np.testing.assert_array_equal(idx, [3, 0, 1])                  # OOV dropped
    assert v.decode(idx) == ["zz", "a", "b"]
    assert v.encode([]).size == 0
    with pytest.raises(IndexError, match="indices"):
        v.decode([7])


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "5"])
def test_vocab_bad_min_count(bad):
    with pytest.raises(ValueError, match="min_count: expected an integer >= 1"):
        cp.Vocab.build(SENTS, min_count=bad)


def test_vocab_empty_corpus_and_too_high_min_count():
    with pytest.raises(ValueError, match="sentences: expected at least one token"):
        cp.Vocab.build([[], []])
    with pytest.raises(ValueError, match="sentences: expected at least one word with count >= "):
        cp.Vocab.build(SENTS, min_count=4)
    with pytest.raises(ValueError, match="tokenize it first"):
        cp.Vocab.build(["a sentence as a str"])


# ------------------------------------------------------------------ subsampling
def test_keep_probability_hand_values():
    counts = np.array([900, 90, 10])                 # f = 0.9, 0.09, 0.01
    tau = 0.01
    r = tau / np.array([0.9, 0.09, 0.01])
    np.testing.assert_allclose(cp.keep_probability(counts, tau, "word2vec"),
                               np.minimum(1, np.sqrt(r) + r))
    np.testing.assert_allclose(cp.keep_probability(counts, tau, "word2vec")[:2],
                               [0.105409 + 0.011111, 0.333333 + 0.111111], atol=1e-6)
    np.testing.assert_allclose(cp.keep_probability(counts, tau, "paper"),
                               [0.105409, 0.333333, 1.0], atol=1e-6)
    np.testing.assert_array_equal(cp.keep_probability(counts, tau, "paper"),
                                  cp.keep_probability(counts, tau, "d2l"))
    assert cp.keep_probability(counts, tau).dtype == np.float64


@settings(deadline=None, max_examples=30)
@given(st.floats(1e-6, 0.5))
def test_word2vec_formula_thins_only_above_golden_ratio_threshold(tau):
    # keep < 1 exactly when f > tau * (1 + sqrt 5) / 2 + tau ... i.e. x + x^2 < 1, x = sqrt(tau/f)
    f = np.array([0.5, 0.3, 0.15, 0.05])
    keep = cp.keep_probability(f * 1e6, tau)
    x = np.sqrt(tau / f)
    np.testing.assert_array_equal(keep < 1, x + x**2 < 1)


@pytest.mark.parametrize("bad", [0, -1e-3, float("nan"), float("inf"), "1e-3", None])
def test_keep_probability_bad_sample(bad):
    with pytest.raises(ValueError, match="sample: expected a finite threshold > 0"):
        cp.keep_probability([5, 3], bad)


def test_keep_probability_bad_formula_and_counts():
    with pytest.raises(ValueError, match="formula: expected one of"):
        cp.keep_probability([5, 3], 1e-3, "gensim")
    for bad in ([], [3, 0], [[1, 2]], [1, np.nan]):
        with pytest.raises(ValueError, match="counts: expected a non-empty 1-D array"):
            cp.keep_probability(bad)


def test_subsample_keeps_each_word_at_its_rate():
    rng = np.random.default_rng(0)
    keep = np.array([0.1, 0.5, 1.0])
    sents = [np.repeat([0, 1, 2], 20_000)]
    out = cp.subsample(sents, keep, rng)
    assert len(out) == 1
    kept = np.bincount(out[0], minlength=3) / 20_000
    np.testing.assert_allclose(kept, keep, atol=0.01)
    assert kept[2] == 1.0
    # order inside a sentence is preserved, sentence count too (empty allowed)
    out = cp.subsample([np.array([2, 0, 2, 1, 2]), np.array([], int)], [0.0, 1.0, 1.0], rng)
    assert len(out) == 2 and out[1].size == 0
    assert out[0].tolist() == [2, 2, 1, 2]


# ------------------------------------------------------------------ noise
def test_noise_distribution_is_count_to_the_three_quarters():
    counts = np.array([16, 81, 1])
    p = cp.noise_distribution(counts)
    np.testing.assert_allclose(p, np.array([8, 27, 1]) / 36)
    np.testing.assert_allclose(cp.noise_distribution(counts, power=0), [1 / 3] * 3)
    np.testing.assert_allclose(cp.noise_distribution(counts, power=1), counts / 98)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "0.75", None])
def test_noise_distribution_bad_power(bad):
    with pytest.raises(ValueError, match="power: expected a finite number"):
        cp.noise_distribution([1, 2], power=bad)


def test_negative_sampler_matches_noise_distribution_chi_square():
    counts = np.array([1000, 400, 120, 50, 7, 1, 1, 300])
    sampler = cp.NegativeSampler(counts, 0.75, rng=123)
    draws = sampler.sample((100_000, 2))
    assert draws.shape == (100_000, 2)
    observed = np.bincount(draws.ravel(), minlength=counts.size)
    expected = cp.noise_distribution(counts) * draws.size
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    np.testing.assert_allclose(observed / draws.size, cp.noise_distribution(counts), atol=3e-3)


def test_negative_sampler_is_seeded():
    counts = np.arange(1, 50)
    a = cp.NegativeSampler(counts, rng=7).sample(1000)
    b = cp.NegativeSampler(counts, rng=np.random.default_rng(7)).sample(1000)
    c = cp.NegativeSampler(counts, rng=8).sample(1000)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@settings(deadline=None, max_examples=25)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=40))
def test_alias_table_reproduces_the_distribution_exactly(counts):
    p = cp.noise_distribution(counts)
    prob, alias = cp._alias_table(p)
    n = p.size
    # P(w) = (prob[w] + sum over v with alias[v] == w of (1 - prob[v])) / n
    recon = prob.copy()
    np.add.at(recon, alias, 1 - prob)
    np.testing.assert_allclose(recon / n, p, atol=1e-12)


# ------------------------------------------------------------------ windows
def _slow_skipgram(sentences, window, rng):
    """A Python loop like word2vec.c's, with the same effective-window draws."""
    total = sum(len(s) for s in sentences)
    eff = window - rng.integers(0, window, size=total)
    pairs, t = [], 0
    for s in sentences:
        for i, c in enumerate(s):
            e = eff[t]
            t += 1
            for j in range(i - e, i + e + 1):
                if j != i and 0 <= j < len(s):
                    pairs.append((c, s[j]))
    return pairs


def _random_sentences(rng, n_sent=30, n=20):
    return [rng.integers(0, n, size=rng.integers(0, 15)) for _ in range(n_sent)]


@pytest.mark.parametrize("window", [1, 2, 5])
def test_skipgram_pairs_match_the_slow_loop_exactly(window):
    sents = _random_sentences(np.random.default_rng(window))
    c, o = cp.skipgram_pairs(sents, window, np.random.default_rng(99))
    ref = _slow_skipgram(sents, window, np.random.default_rng(99))
    assert list(zip(c.tolist(), o.tolist())) == ref


def test_dynamic_window_is_uniform_on_one_to_window():
    e = cp.dynamic_windows(50_000, 5, np.random.default_rng(0))
    assert e.min() == 1 and e.max() == 5
    np.testing.assert_allclose(np.bincount(e)[1:] / e.size, [0.2] * 5, atol=0.01)


def test_skipgram_pair_count_with_full_windows():
    # window 1: effective window is always 1, so a sentence of L tokens gives 2 (L - 1)
    sents = [np.arange(4), np.arange(1), np.arange(3)]
    c, o = cp.skipgram_pairs(sents, 1, np.random.default_rng(0))
    assert c.size == 2 * 3 + 0 + 2 * 2
    assert not {(0, 0)} & set(zip(c.tolist(), o.tolist()))     # never across sentences


def test_cbow_examples_match_the_slow_loop():
    rng = np.random.default_rng(5)
    sents = _random_sentences(rng)
    window = 3
    centres, contexts, mask = cp.cbow_examples(sents, window, np.random.default_rng(1))
    assert contexts.shape == mask.shape == (centres.size, 2 * window)
    eff = window - np.random.default_rng(1).integers(0, window, sum(len(s) for s in sents))
    t, k = 0, 0
    for s in sents:
        for i, c in enumerate(s):
            e = eff[t]
            t += 1
            ctx = [s[j] for j in range(i - e, i + e + 1) if j != i and 0 <= j < len(s)]
            if not ctx:
                continue
            assert centres[k] == c
            assert contexts[k][mask[k]].tolist() == ctx
            assert np.all(contexts[k][~mask[k]] == 0)
            k += 1
    assert k == centres.size


@pytest.mark.parametrize("bad", [0, -2, 2.5, True])
def test_bad_window(bad):
    with pytest.raises(ValueError, match="window: expected an integer >= 1"):
        cp.skipgram_pairs([np.arange(3)], bad, np.random.default_rng(0))
    with pytest.raises(ValueError, match="window: expected an integer >= 1"):
        cp.cbow_examples([np.arange(3)], bad, np.random.default_rng(0))


def test_bad_sentences():
    with pytest.raises(ValueError, match="sentences_idx: expected 1-D integer arrays"):
        cp.skipgram_pairs([np.array([0.5, 1.0])], 2, np.random.default_rng(0))
    with pytest.raises(IndexError, match="sentences_idx: expected word indices"):
        cp.subsample([np.array([0, 5])], np.ones(3), np.random.default_rng(0))

"""w2vlib.lessons_ch8: gensim's job schedule replayed, the Spearman bootstrap, the
last-bit demonstration of chapter 8."""

import numpy as np
import pytest
from scipy import stats

from w2vlib import lessons_ch8


@pytest.fixture(scope="module")
def uneven():
    """Short sentences first, long ones last (as wiki + Lee): 40 of 5 words, 10 of 100."""
    return [[f"w{i % 7}"] * 5 for i in range(40)] + [[f"w{i % 7}"] * 100 for i in range(10)]


def _model(**kw):
    from gensim.models import Word2Vec
    return Word2Vec(sg=1, hs=0, workers=1, vector_size=4, min_count=1, alpha=0.1,
                    min_alpha=1e-5, epochs=2, batch_words=120, **kw)


def test_job_rates_replay_gensims_jobs_and_its_two_progress_counts(uneven):
    model = _model()
    words = sum(len(s) for s in uneven)
    by_words = lessons_ch8.gensim_job_rates(model, uneven, epoch=1, total_words=words)
    by_count = lessons_ch8.gensim_job_rates(model, uneven, epoch=1,
                                            total_examples=len(uneven))
    # the jobs cover the corpus in order, each at most batch_words words (or one sentence)
    assert by_words.words.sum() == words and np.array_equal(by_words.words, by_count.words)
    assert all(w <= 120 or w == 100 for w in by_words.words)
    assert by_words.sentences_before[-1] < len(uneven)
    # rates: gensim's formula at the fraction of words (or sentences) pushed before a job
    a0, a1, E = 0.1, 1e-5, 2
    expect_w = a0 - (a0 - a1) * (1 + by_words.words_before / words) / E
    expect_s = a0 - (a0 - a1) * (1 + by_count.sentences_before / len(uneven)) / E
    np.testing.assert_allclose(by_words.alpha, expect_w, rtol=1e-12)
    np.testing.assert_allclose(by_count.alpha, expect_s, rtol=1e-12)
    # the short sentences come first: counting sentences runs ahead of counting words
    ahead = by_count.sentences_before / len(uneven) - by_words.words_before / words
    lower = by_count.alpha - by_words.alpha
    assert ahead.min() >= 0 and ahead.max() > 0.3 and lower.max() <= 0 > lower.min()


def test_job_rates_refuse_bad_input(uneven):
    model = _model()
    with pytest.raises(ValueError, match="total_examples, total_words"):
        lessons_ch8.gensim_job_rates(model, uneven)
    with pytest.raises(ValueError, match="total_examples, total_words"):
        lessons_ch8.gensim_job_rates(model, uneven, total_words=10, total_examples=3)
    with pytest.raises(ValueError, match="model"):
        lessons_ch8.gensim_job_rates(object(), uneven, total_words=10)
    with pytest.raises(ValueError, match="sentences"):
        lessons_ch8.gensim_job_rates(model, [], total_words=10)
    with pytest.raises(ValueError, match="epoch"):
        lessons_ch8.gensim_job_rates(model, uneven, epoch=-1, total_words=10)


def test_spearman_bootstrap_matches_the_large_sample_standard_error():
    rng = np.random.default_rng(0)
    n = 400
    human = rng.normal(size=n)
    a = human + rng.normal(size=n) * 1.0            # rho about 0.68
    b = a + rng.normal(size=n) * 0.3                # close to a: a small paired spread
    out = lessons_ch8.spearman_bootstrap(human, a, b, n_boot=1500, seed=1)
    rho = stats.spearmanr(human, a)[0]
    assert abs(out["se_a"] / ((1 - rho**2) / np.sqrt(n - 3)) - 1) < 0.25
    assert out["sd_diff"] < 0.5 * min(out["se_a"], out["se_b"])
    same = lessons_ch8.spearman_bootstrap(human, a, a, n_boot=200)
    assert same["sd_diff"] == 0 and same["se_a"] == same["se_b"] > 0
    assert set(lessons_ch8.spearman_bootstrap(human, a, n_boot=50)) == {"se_a"}


def test_spearman_bootstrap_refuses_bad_input():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="scores_b"):
        lessons_ch8.spearman_bootstrap(x, x, x[:5])
    with pytest.raises(ValueError, match="scores_a"):
        lessons_ch8.spearman_bootstrap(x, np.full(10, np.nan))
    with pytest.raises(ValueError, match="human"):
        lessons_ch8.spearman_bootstrap(x[:3], x[:3])
    with pytest.raises(ValueError, match="n_boot"):
        lessons_ch8.spearman_bootstrap(x, x, n_boot=1)


def test_last_bit_gap_grows_from_one_ulp_and_is_zero_without_the_nudge():
    from w2vlib import datasets
    toy, _ = datasets.synthetic_corpus(n_sentences=300, seed=0)
    kw = dict(d=20, window=3, negative=3, sample=0, lr=0.025, seed=0, min_count=1)
    gaps = lessons_ch8.last_bit_gap(toy, epochs=2, stop_after=2, **kw)
    assert gaps.shape == (2,) and np.all(gaps > 0) and np.all(np.isfinite(gaps))
    never = lessons_ch8.last_bit_gap(toy, epochs=2, stop_after=1, call=10**9, **kw)
    assert never.shape == (1,) and never[0] == 0


def _run(config, system, seed, ws):
    return dict(config=config, system=system, seed=seed, cpu_seconds=1.0,
                history=[dict(epoch=1, ws353=ws, analogy=0.01, random_cosine=0.2, loss=2.0)],
                final=dict(analogy_3cosmul=0.02))


def test_config_differences_pairs_runs_by_seed():
    art = dict(runs=[_run("native", "w2vlib", 0, 0.50), _run("native", "w2vlib", 1, 0.40),
                     _run("haswell", "w2vlib", 1, 0.43), _run("nehalem", "w2vlib", 0, 0.49),
                     _run("native", "gensim", 0, 0.1)])
    moved, pairs = lessons_ch8.config_differences(art, "w2vlib", "ws353")
    assert pairs == 2 and moved == pytest.approx(0.03)
    assert lessons_ch8.config_differences(art, "w2vlib", "analogy_3cosmul") == (0.0, 2)
    moved, pairs = lessons_ch8.config_differences(art, "gensim", "ws353")
    assert pairs == 0 and np.isnan(moved)
    with pytest.raises(ValueError, match="metric"):
        lessons_ch8.config_differences(art, "w2vlib", "nonsense")
    with pytest.raises(ValueError, match="reference"):
        lessons_ch8.config_differences(art, "w2vlib", "ws353", reference="sse")


def test_last_bit_gap_with_a_kept_reference_equals_two_runs():
    from w2vlib import datasets, train
    toy, _ = datasets.synthetic_corpus(n_sentences=300, seed=1)
    kw = dict(d=20, window=3, negative=3, sample=0, lr=0.025, seed=2, min_count=1)
    kept = []
    train.train(toy, epochs=3, progress=False, callbacks=[lambda i: kept.append(i.V.copy())],
                **kw)
    both = lessons_ch8.last_bit_gap(toy, epochs=3, stop_after=2, **kw)
    once = lessons_ch8.last_bit_gap(toy, epochs=3, stop_after=2, reference=kept[:2], **kw)
    assert np.array_equal(both, once) and both.shape == (2,)
    with pytest.raises(ValueError, match="reference"):
        lessons_ch8.last_bit_gap(toy, epochs=3, stop_after=2, reference=kept[:1], **kw)

"""w2vlib.lessons: chapter 7's paired bootstrap and its small artifact of the four variants."""

import json

import numpy as np
import pytest
from scipy import stats

from w2vlib import lessons, quality


def test_spearman_rows_matches_scipy_with_ties():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=(3, 30)).astype(float)     # many ties
    y = rng.normal(size=(3, 30))
    got = lessons._spearman_rows(x, y)
    want = [stats.spearmanr(x[i], y[i])[0] for i in range(3)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_paired_bootstrap_of_identical_scores_has_no_spread_in_the_difference():
    rng = np.random.default_rng(1)
    h = rng.normal(size=200)
    a = h + rng.normal(size=200)
    out = lessons.paired_bootstrap_spearman(h, a, a.copy(), n_boot=300)
    assert out["diff"] == 0 and out["sd_diff"] == 0 and out["sd_a"] > 0.02


def test_paired_bootstrap_spreads_match_the_normal_theory():
    # bivariate normal data: the standard error of Spearman's rho is close to
    # (1 - rho^2) / sqrt(N - 3) (Fisher's z has 1/sqrt(N - 3); rho is squeezed near ±1),
    # and two noisy copies of one score differ less than either varies
    rng = np.random.default_rng(2)
    N = 400
    h = rng.normal(size=N)
    shared = h + 0.8 * rng.normal(size=N)
    a = shared + 0.3 * rng.normal(size=N)
    b = shared + 0.3 * rng.normal(size=N)
    out = lessons.paired_bootstrap_spearman(h, a, b, n_boot=1000, seed=3)
    theory = (1 - out["rho_a"] ** 2) / np.sqrt(N - 3)
    assert 0.7 * theory < out["sd_a"] < 1.3 * theory
    assert out["sd_diff"] < 0.6 * min(out["sd_a"], out["sd_b"])
    assert out["diff"] == pytest.approx(out["rho_b"] - out["rho_a"])


def test_paired_bootstrap_refuses_bad_input_by_name():
    h = np.arange(10.0)
    with pytest.raises(ValueError, match="scores_b"):
        lessons.paired_bootstrap_spearman(h, h, h[:9])
    with pytest.raises(ValueError, match="scores_a"):
        lessons.paired_bootstrap_spearman(h, np.full(10, np.nan), h)
    with pytest.raises(ValueError, match="n_boot"):
        lessons.paired_bootstrap_spearman(h, h, h, n_boot=1)
    with pytest.raises(ValueError, match="human"):
        lessons.paired_bootstrap_spearman(h[:3], h[:3], h[:3])


def test_train_variants_runs_read_by_quality_bounds(tmp_path):
    runs = lessons.train_variants(seeds=(0, 1), models=("sgns", "hs"), n_sentences=400,
                                  epochs=2)
    assert [(r["system"], r["seed"]) for r in runs] == [("sgns", 0), ("hs", 0),
                                                        ("sgns", 1), ("hs", 1)]
    for r in runs:
        (h,) = r["history"]
        assert h["epoch"] == 2 and 0 <= h["analogy"] <= 1 and 0 < h["loss"] < 10
    assert runs[0]["history"] != runs[2]["history"]          # the seed matters
    path = tmp_path / "v.json"
    path.write_text(json.dumps(dict(runs=runs)))
    x = quality.values(path, "sgns", "analogy")
    lo, hi = quality.bounds(path, "sgns", "analogy")
    assert x.size == 2 and lo <= x.min() <= x.max() <= hi


def test_train_planted_records_the_section_minimum_and_the_first_loss_point():
    (run,) = lessons.train_planted(seeds=(0,), n_sentences=600, epochs=1)
    (h,) = run["history"]
    assert run["system"] == "sgns-10k" and 0 <= h["min_section"] <= h["analogy"] <= 1
    assert 0.5 < h["first_loss"] <= 6 * np.log(2) + 1e-9    # at most J_0 = (K + 1) log 2


def test_train_variants_refuses_unknown_names():
    with pytest.raises(ValueError, match="models"):
        lessons.train_variants(models=("sg",))
    with pytest.raises(ValueError, match="settings"):
        lessons.train_variants(dims=3)


def test_kept_artifact_has_every_model_seed_and_configuration():
    art = json.loads(open(lessons.VARIANTS, encoding="utf-8").read())
    assert art["command"].startswith("python -m w2vlib.lessons variants")
    keys = {(r["config"], r["seed"], r["system"]) for r in art["runs"]}
    configs = [c for c in art["configs"] if c not in art["skipped"]]
    assert keys == {(c, s, m) for c in configs for s in art["seeds"]
                    for m in ("sgns", "cbow", "softmax", "hs", "sgns-10k")}
    assert len(art["seeds"]) >= 3

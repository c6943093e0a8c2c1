"""Chapter 05's account of gensim's CBOW update, against gensim itself.

gensim (word2vec_inner.pyx) adds the error vector work = -eta dJ/dh to every context
position; with cbow_mean=1 (h = mean) work is used as is, with cbow_mean=0 (h = sum) it
is first divided by C. The chain rule says the opposite: a share 1/C of dJ/dh for the
mean, all of it for the sum. Hierarchical softmax makes one gensim epoch deterministic,
so its result can be replayed step by step with w2vlib's gradients under either rule.
"""

import numpy as np
import pytest

from w2vlib import objectives

gensim_models = pytest.importorskip("gensim.models")

SENTENCE = ["a", "b", "c"]          # window 1: contexts [b], [a, c], [b]
ETA = 0.5


def trained(cbow_mean):
    model = gensim_models.Word2Vec(vector_size=4, window=1, min_count=1, sg=0, hs=1,
                                   negative=0, cbow_mean=cbow_mean, alpha=ETA,
                                   min_alpha=ETA, sample=0, workers=1, seed=1)
    model.build_vocab([SENTENCE])
    rng = np.random.default_rng(0)
    model.wv.vectors[:] = rng.normal(scale=0.5, size=model.wv.vectors.shape)
    model.syn1[:] = rng.normal(scale=0.5, size=model.syn1.shape)     # gensim starts at 0
    start = model.wv.vectors.astype(float), model.syn1.astype(float)
    model.train([SENTENCE], total_examples=1, epochs=1)
    return model, start


def replay(model, start, cbow_mean, rule):
    """One epoch of CBOW + hierarchical softmax with exact sigmoids, in float64."""
    V, U = (M.copy() for M in start)
    idx = [model.wv.key_to_index[w] for w in SENTENCE]
    for i, word in enumerate(SENTENCE):
        ctx = [idx[j] for j in (i - 1, i + 1) if 0 <= j < len(idx)]
        C = len(ctx)
        # cbow_hs averages its context rows: scale them by C to get the sum
        _, g = objectives.cbow_hs(V * (1 if cbow_mean else C), ctx,
                                  model.wv.get_vecattr(word, "point"),
                                  model.wv.get_vecattr(word, "code"), U)
        if rule == "gensim":
            work = g["h"] if cbow_mean else g["h"] / C
        else:                                   # the chain rule: dJ/dv per position
            work = g["h"] / C if cbow_mean else g["h"]
        U = U - ETA * g["U_inner"]
        for w in ctx:
            V[w] = V[w] - ETA * work
    return V, U


@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_gensim_cbow_update_is_c_times_or_one_cth_of_the_gradient(cbow_mean):
    model, start = trained(cbow_mean)
    V_g, U_g = replay(model, start, cbow_mean, "gensim")
    V_x, U_x = replay(model, start, cbow_mean, "exact")
    # gensim's sigmoid table and float32 cost a few thousandths; the wrong rule is far off
    np.testing.assert_allclose(model.wv.vectors, V_g, atol=2e-2)
    np.testing.assert_allclose(model.syn1, U_g, atol=2e-2)
    assert np.abs(model.wv.vectors - V_x).max() > 0.1

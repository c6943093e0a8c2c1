"""Slow checks of the trainer on a real corpus of other text (run by `make test-slow`)."""

import pytest

from w2vlib import datasets, quality
from w2vlib import train as tr

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bible():
    return datasets.bible_corpus()


def test_summed_updates_collapse_silently_on_the_bible_and_the_warning_says_so(bible):
    # The configuration that collapsed without an error (issue 23): summed batch updates
    # at lr 0.075. The vectors blow up (norms ~1e5) but stay finite; the epoch check warns.
    settings = dict(quality.SHOWCASE, lr=0.075, epochs=2)
    with pytest.warns(tr.TrainingUnstableWarning, match="untrained model's J_0"):
        tr.train(bible, model="sgns", row_rule="sum", seed=0, progress=False, **settings)


def test_the_trace_rule_trains_the_bible_at_the_showcase_rate_without_warnings(bible):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", tr.TrainingUnstableWarning)
        r = tr.train(bible, model="sgns", seed=0, progress=False,
                     **dict(quality.SHOWCASE, epochs=2))
    assert r.loss_history[-1, 1] < tr.start_loss("sgns", 5, len(r.vocab))

"""Helpers of chapter 8 (w2vlib against gensim): measurements the chapter shows.

* :func:`gensim_job_rates` replays gensim's own job producer (``Word2Vec._job_producer``)
  for one epoch and returns, per 10,000-word job, the words and sentences pushed before
  it and the learning rate gensim gives it: the schedule of a real run, which decays
  by *sentences* when ``train`` is given ``total_examples`` and by words when given
  ``total_words``.
* :func:`spearman_bootstrap`: bootstrap standard errors of Spearman's rho for one or
  two sets of scores on the same pairs, and the standard deviation of their paired
  difference (both systems are scored on the same pairs, so their errors are
  correlated and the paired difference is the yardstick for "the same").
* :func:`config_differences`: how far a kept figure moves between kernel configurations.
* :func:`last_bit_gap`: chapter 8's demonstration that SGD amplifies a last-bit
  difference: w2vlib's own SGNS step against the same step with one ulp added to one
  coordinate of each centre word of one minibatch (:func:`w2vlib.repro.one_ulp_later`).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["JobRates", "gensim_job_rates", "spearman_bootstrap", "last_bit_gap",
           "config_differences"]


@dataclass
class JobRates:
    """One epoch of gensim's jobs: per job, the raw words and sentences pushed before it
    (``words_before``, ``sentences_before``), its own raw words and its rate ``alpha``."""
    words_before: np.ndarray
    sentences_before: np.ndarray
    words: np.ndarray
    alpha: np.ndarray


class _ListQueue(list):
    def put(self, item):
        self.append(item)


def gensim_job_rates(model, sentences, epoch=0, total_examples=None, total_words=None):
    """The jobs and rates gensim's ``Word2Vec._job_producer`` makes for epoch ``epoch``
    (from 0) of ``sentences`` (a list of token lists), exactly as ``train`` would, given
    ``total_examples`` (sentence-based progress) or ``total_words`` (word-based).
    ``model``: a ``gensim.models.Word2Vec`` with its settings (alpha, min_alpha, epochs,
    batch_words); it is not trained. Returns a :class:`JobRates`."""
    if not hasattr(model, "_job_producer"):
        raise ValueError(f"model: expected a gensim Word2Vec, got {type(model).__name__}")
    if not isinstance(sentences, (list, tuple)) or not sentences:
        raise ValueError("sentences: expected a non-empty list of token lists")
    if (total_examples is None) == (total_words is None):
        raise ValueError("total_examples, total_words: give exactly one of them "
                         f"(got {total_examples!r} and {total_words!r})")
    if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(f"epoch: expected an integer >= 0, got {epoch!r}")
    queue = _ListQueue()
    model._job_producer(iter(sentences), queue, cur_epoch=int(epoch),
                        total_examples=total_examples, total_words=total_words)
    jobs = [item for item in queue if item is not None]
    words = np.array([sum(len(s) for s in job) for job, _ in jobs], dtype=np.int64)
    count = np.array([len(job) for job, _ in jobs], dtype=np.int64)
    return JobRates(words_before=np.concatenate([[0], np.cumsum(words)[:-1]]),
                    sentences_before=np.concatenate([[0], np.cumsum(count)[:-1]]),
                    words=words, alpha=np.array([a for _, a in jobs], dtype=np.float64))


def _rank_rows(x):
    from scipy.stats import rankdata
    return rankdata(x, axis=-1)


def _pearson_rows(a, b):
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    return np.sum(a * b, axis=-1) / np.sqrt(np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1))


def spearman_bootstrap(human, scores_a, scores_b=None, n_boot=2000, seed=0):
    """Bootstrap of Spearman's rho over the pairs: ``n_boot`` resamples of the N pairs
    (with replacement, the same resample for both systems). Returns a dict: ``se_a``
    (and ``se_b``, ``sd_diff``: the standard deviation of rho_a - rho_b over the
    resamples, the paired yardstick, when ``scores_b`` is given)."""
    human = np.asarray(human, dtype=np.float64)
    arrays = {"scores_a": scores_a} if scores_b is None else {"scores_a": scores_a,
                                                              "scores_b": scores_b}
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}
    if human.ndim != 1 or human.size < 4:
        raise ValueError(f"human: expected a 1-D array of at least 4 scores, got shape "
                         f"{human.shape}")
    for name, x in arrays.items():
        if x.shape != human.shape:
            raise ValueError(f"{name}: expected shape {human.shape} (one score per pair, "
                             f"as human), got {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError(f"{name}: expected finite scores")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"n_boot: expected an integer >= 2, got {n_boot!r}")
    idx = np.random.default_rng(seed).integers(human.size, size=(int(n_boot), human.size))
    rh = _rank_rows(human[idx])
    rho = {k: _pearson_rows(rh, _rank_rows(x[idx])) for k, x in arrays.items()}
    out = {"se_a": float(np.nanstd(rho["scores_a"], ddof=1))}
    if scores_b is not None:
        out["se_b"] = float(np.nanstd(rho["scores_b"], ddof=1))
        out["sd_diff"] = float(np.nanstd(rho["scores_a"] - rho["scores_b"], ddof=1))
    return out


def last_bit_gap(sentences, epochs, stop_after=1, call=1, reference=None, **train_kw):
    """Train w2vlib's SGNS twice from one seed, the second time with one ulp added to the
    first coordinate of each centre word of minibatch ``call`` (as another CPU's kernel
    might round it), for the first ``stop_after`` of ``epochs`` epochs (the schedule's
    length). Returns, per epoch trained, max |V_a - V_b| / max |V_a|.

    ``reference``: the first run's V after each of its first ``stop_after`` epochs, if
    kept already (from a ``train`` callback with the same settings and seed); then
    only the nudged run is trained."""
    from . import repro
    from . import train as tr
    step = tr._STEPS["sgns"]
    if reference is None:
        return repro.epoch_gaps(sentences, repro.one_ulp_later(step, call=call), step,
                                epochs=epochs, stop_after=stop_after, **train_kw)
    reference = [np.asarray(V) for V in reference]
    if len(reference) < stop_after:
        raise ValueError(f"reference: expected V after each of the first {stop_after} "
                         f"epochs, got {len(reference)}")
    kept = []

    def keep(info):
        kept.append(info.V.copy())
        if info.epoch >= stop_after and stop_after < epochs:
            raise _Stop

    with repro.using_step(repro.one_ulp_later(step, call=call)):
        try:
            tr.train(sentences, model="sgns", epochs=epochs, progress=False,
                     callbacks=[keep], **train_kw)
        except _Stop:
            pass
    for a, b in zip(reference, kept):
        if a.shape != b.shape:
            raise ValueError(f"reference: expected matrices of shape {b.shape}, got "
                             f"{a.shape}")
    return np.array([np.abs(a.astype(np.float64) - b).max() / np.abs(a).max()
                     for a, b in zip(reference, kept)])


class _Stop(Exception):
    pass


def config_differences(artifact, system, metric, reference="native"):
    """How far a figure moves between kernel configurations for one seed: the largest
    |x(config, seed) - x(reference, seed)| over the seeds and the configurations of a
    ``python -m w2vlib.quality --configs ... --json`` artifact (a path or the loaded
    dict) other than ``reference``, with the number of (config, seed) pairs compared.
    Returns (largest difference, pairs); (nan, 0) if no other configuration is there."""
    from .quality import _load, values
    values(artifact, system, metric)               # checks system and metric by name
    data, where = _load(artifact)
    runs = {}
    for r in data["runs"]:
        if r["system"] == system:
            x = r["history"][-1].get(metric, r.get("final", {}).get(metric))
            runs[r.get("config", "native"), r["seed"]] = float(x)
    if not any(c == reference for c, _ in runs):
        raise ValueError(f"reference: {where} has no {reference!r} runs of {system!r}")
    pairs = [(x, runs[reference, s]) for (c, s), x in runs.items()
             if c != reference and (reference, s) in runs]
    if not pairs:
        return float("nan"), 0
    return max(abs(a - b) for a, b in pairs), len(pairs)

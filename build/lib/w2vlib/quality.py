"""Quality of word vectors during training, for w2vlib and gensim alike.

    python -m w2vlib.quality [--seeds 0 1 2] [--epochs 8] [--d 50] [--window 5]
                             [--sample 1e-4] [--lr 0.1] [--systems w2vlib gensim]
                             [--batch-size 1024] [--json PATH]

trains each system on the Wikipedia + Lee corpus (``datasets.wiki_corpus() +
datasets.lee_corpus()``, 529,865 tokens) for every seed, scores the input vectors V at
the end of every epoch, and prints a table per run and the mean ± sd (over seeds) of
the last epoch's figures. Defaults are :data:`SHOWCASE`, the settings of chapters 7
and 8. The four figures of one epoch (:class:`EpochQuality`):

* ``ws353``: Spearman's rho on WordSim353 (cosines of V, counted like gensim);
* ``analogy``: 3CosAdd accuracy on the Google analogies (30,000 most frequent words);
* ``random_cosine``: mean cosine of a fixed sample of random pairs of vocabulary words
  (drawn uniformly from the vocabulary; :func:`random_pair_cosine`);
* ``loss``: the SGNS loss on a fixed sample of training pairs with fixed negatives,
  the same examples for both systems (:class:`PairLoss`).

Systems: ``w2vlib`` (word2vec.c's initial range and per-batch learning rate),
``w2vlib-gensim-init`` (``init_scale=1.0``), ``w2vlib-gensim-lr`` (``init_scale=1.0,
lr_schedule="job"``) and ``gensim`` (``sg=1, hs=0, workers=1``, ``min_alpha`` = 1e-4
times the starting rate, as w2vlib's floor). CPU seconds of training (scoring
excluded) are reported too; they are a property of the machine, not of the method.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")          # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402

import numpy as np  # noqa: E402

from . import _checks as chk  # noqa: E402

__all__ = ["SHOWCASE", "SYSTEMS", "EpochQuality", "random_pair_cosine", "PairLoss", "Tracker",
           "train_gensim", "run", "main"]

SHOWCASE = dict(d=50, window=5, negative=5, sample=1e-4, min_count=5, lr=0.1, epochs=8)
SYSTEMS = {"w2vlib": {}, "w2vlib-gensim-init": dict(init_scale=1.0),
           "w2vlib-gensim-lr": dict(init_scale=1.0, lr_schedule="job"), "gensim": None}


@dataclass
class EpochQuality:
    """The figures of one epoch (see the module docstring)."""
    epoch: int
    ws353: float
    analogy: float
    random_cosine: float
    loss: float


def random_pair_cosine(V, n_pairs=20_000, seed=1):
    """Mean cosine of ``n_pairs`` random pairs of distinct rows of V, drawn uniformly.

    The same ``seed`` draws the same pairs of row indices (so two matrices over one
    vocabulary, in one word order, are compared on the same pairs).
    """
    V = chk.as_matrix(V, "V").astype(np.float64, copy=False)
    if V.shape[0] < 2:
        raise ValueError(f"V: expected a matrix with at least 2 rows, got shape {V.shape}")
    n_pairs = chk.positive_int(n_pairs, "n_pairs")
    chk.check_memory(24 * n_pairs + 16 * n_pairs * V.shape[1], "n_pairs",
                     f"{n_pairs:,} pairs of rows")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed: expected an integer, got {seed!r}")
    scale = np.abs(V).max(axis=1, keepdims=True)
    if not np.all(scale > 0):
        raise ValueError("V: expected rows of nonzero norm (a cosine needs a direction)")
    V = V / scale                # a cosine ignores each row's scale; this keeps V*V finite
    norms = np.linalg.norm(V, axis=1)
    rng = np.random.default_rng(seed)
    i = rng.integers(V.shape[0], size=n_pairs)
    j = (i + rng.integers(1, V.shape[0], size=n_pairs)) % V.shape[0]    # j != i
    return float(np.mean(np.sum(V[i] * V[j], axis=1) / (norms[i] * norms[j])))


class PairLoss:
    """The SGNS loss on a fixed sample of training examples, for any system's (V, U).

    The examples are (context word o, centre word c, negatives k_1..k_K) drawn once,
    by w2vlib's own pipeline (one epoch's subsampling and dynamic windows, negatives
    from P_n), as words; :meth:`__call__` maps them to a system's word order. The loss
    of one example is -log sigma(u_c . v_o) - sum_k log sigma(-u_k . v_o), as in
    training (word2vec.c's roles: the context word's input vector is h).
    """

    def __init__(self, sentences, vocab, n_examples=20_000, negative=5, window=5,
                 sample=1e-4, seed=0):
        from .corpus import NegativeSampler, keep_probability, skipgram_pairs, subsample
        rng = np.random.default_rng(seed)
        encoded = [vocab.encode(s) for s in sentences]
        if sample:
            encoded = subsample(encoded, keep_probability(vocab.counts, sample), rng)
        centres, contexts = skipgram_pairs(encoded, window, rng)
        if centres.size == 0:
            raise ValueError("sentences: expected at least one training pair, got none")
        pick = rng.choice(centres.size, size=min(n_examples, centres.size), replace=False)
        negatives = NegativeSampler(vocab.counts, 0.75, rng).sample((pick.size, negative))
        self.words = list(vocab.words)
        self.o, self.c, self.k = contexts[pick], centres[pick], negatives

    def __call__(self, words, V, U):
        from . import objectives
        if list(words) == self.words:
            perm = np.arange(len(self.words))
        else:
            index = {w: i for i, w in enumerate(words)}
            perm = np.array([index[w] for w in self.words])
        V, U = np.asarray(V, dtype=np.float64), np.asarray(U, dtype=np.float64)
        rows = np.concatenate([self.c[:, None], self.k], axis=1)
        t = np.zeros(rows.shape)
        t[:, 0] = 1
        loss, _, _ = objectives.binary_logistic_factored(V[perm[self.o]], U[perm[rows]], t)
        return float(loss.mean())


class Tracker:
    """Scores a system's vectors at the end of every epoch; ``history`` holds one
    :class:`EpochQuality` per epoch. Use an instance as a callback of
    :func:`w2vlib.train.train`, or :meth:`gensim_callback` for gensim's ``callbacks``.

    ``analogy_epochs``: the epochs (numbers from 1) at which the analogies are scored;
    None (the default) scores them every epoch. At other epochs ``analogy`` is NaN (the
    analogy test is the slowest of the four figures).
    """

    def __init__(self, pair_loss, analogies=None, wordsim=None, n_pairs=20_000, pair_seed=1,
                 analogy_epochs=None):
        from . import datasets
        if analogy_epochs is not None:
            try:
                analogy_epochs = frozenset(analogy_epochs)
            except TypeError:
                raise TypeError("analogy_epochs: expected None or a collection of epoch "
                                f"numbers, got {type(analogy_epochs).__name__}") from None
            if not all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) and e >= 1
                       for e in analogy_epochs):
                raise ValueError("analogy_epochs: expected epoch numbers (integers >= 1), "
                                 f"got {sorted(analogy_epochs, key=repr)}")
        self.analogy_epochs = analogy_epochs
        self.pair_loss = pair_loss
        self.analogies = datasets.analogy_path() if analogies is None else analogies
        self.wordsim = datasets.wordsim_path() if wordsim is None else wordsim
        self.n_pairs, self.pair_seed = n_pairs, pair_seed
        self.history = []
        self.seconds = 0.0                   # CPU seconds spent scoring

    def score(self, words, V, U, epoch):
        from .evaluate import KeyedVectors
        c0 = time.process_time()
        words = list(words)
        if words != self.pair_loss.words:    # pairs of the same words in any word order
            index = {w: i for i, w in enumerate(words)}
            V_ref = V[[index[w] for w in self.pair_loss.words]]
        else:
            V_ref = V
        kv = KeyedVectors(words, V)
        if self.analogy_epochs is None or epoch in self.analogy_epochs:
            analogy = float(kv.evaluate_analogies(self.analogies).accuracy)
        else:
            analogy = float("nan")
        q = EpochQuality(epoch=epoch,
                         ws353=float(kv.evaluate_word_pairs(self.wordsim).spearman),
                         analogy=analogy,
                         random_cosine=random_pair_cosine(V_ref, self.n_pairs, self.pair_seed),
                         loss=self.pair_loss(words, V, U))
        self.history.append(q)
        self.seconds += time.process_time() - c0
        return q

    def __call__(self, info):                # w2vlib.train's EpochEnd
        self.score(info.vocab.words, info.V, info.U, info.epoch)

    def gensim_callback(self):
        from gensim.models.callbacks import CallbackAny2Vec
        tracker = self

        class _Callback(CallbackAny2Vec):
            def __init__(self):
                self.epoch = 0

            def on_epoch_end(self, model):
                self.epoch += 1
                tracker.score(model.wv.index_to_key, model.wv.vectors, model.syn1neg,
                              self.epoch)

        return _Callback()

    def table(self):
        lines = [f"{'epoch':>5} {'WS353 rho':>9} {'analogy':>8} {'random cos':>10} {'loss':>7}"]
        lines += [f"{q.epoch:>5} {q.ws353:>9.3f} {q.analogy:>8.4f} {q.random_cosine:>10.3f} "
                  f"{q.loss:>7.3f}" for q in self.history]
        return "\n".join(lines)


def train_gensim(sentences, seed=0, callbacks=(), d=50, window=5, negative=5, sample=1e-4,
                 min_count=5, lr=0.1, epochs=8):
    """gensim's skip-gram with negative sampling, with w2vlib's names for the settings.

    ``sg=1, hs=0, workers=1``; ``min_alpha`` = 1e-4 lr (w2vlib's floor). Returns the
    trained ``gensim.models.Word2Vec``.
    """
    from gensim.models import Word2Vec
    model = Word2Vec(sg=1, hs=0, workers=1, vector_size=d, window=window, negative=negative,
                     sample=sample, min_count=min_count, alpha=lr, min_alpha=1e-4 * lr,
                     epochs=epochs, seed=seed)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs,
                callbacks=list(callbacks))
    return model


def run(sentences, systems=("w2vlib", "gensim"), seeds=(0,), out=sys.stdout, batch_size=None,
        **settings):
    """Train every system with every seed, scoring every epoch. Returns a list of dicts
    (system, seed, cpu_seconds of training, history as a list of dicts). ``batch_size``
    is passed to w2vlib's trainer (None: its default)."""
    import logging

    from .corpus import Vocab
    from .train import train
    logging.getLogger("gensim").setLevel(logging.ERROR)
    settings = {**SHOWCASE, **settings}
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise ValueError(f"systems: expected names from {list(SYSTEMS)}, got {unknown}")
    vocab = Vocab.build(sentences, min_count=settings["min_count"])
    pair_loss = PairLoss(sentences, vocab, negative=settings["negative"],
                         window=settings["window"], sample=settings["sample"])
    runs = []
    for seed in seeds:
        for system in systems:
            tracker = Tracker(pair_loss)
            c0 = time.process_time()
            if SYSTEMS[system] is None:
                train_gensim(sentences, seed, [tracker.gensim_callback()], **settings)
            else:
                kw = {k: v for k, v in settings.items() if k != "min_count"}
                train(sentences, vocab=vocab, seed=seed, progress=False, callbacks=[tracker],
                      batch_size=batch_size, **kw, **SYSTEMS[system])
            cpu = time.process_time() - c0 - tracker.seconds
            runs.append(dict(system=system, seed=int(seed), cpu_seconds=cpu,
                             history=[asdict(q) for q in tracker.history]))
            print(f"\n{system}, seed {seed}: {cpu:.1f} CPU s of training\n{tracker.table()}",
                  file=out, flush=True)
    print(f"\nlast epoch, mean ± sd over seeds {list(seeds)}", file=out)
    for system in systems:
        last = [r["history"][-1] for r in runs if r["system"] == system]
        cells = []
        for key in ("ws353", "analogy", "random_cosine", "loss"):
            x = np.array([h[key] for h in last])
            sd = x.std(ddof=1) if x.size > 1 else 0.0
            cells.append(f"{key} {x.mean():.4f} ± {sd:.4f} [{x.min():.4f}, {x.max():.4f}]")
        print(f"{system:<19} " + ";  ".join(cells), file=out, flush=True)
    return runs


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m w2vlib.quality",
                                description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--systems", nargs="+", default=["w2vlib", "gensim"], choices=list(SYSTEMS))
    for key, value in SHOWCASE.items():
        p.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    p.add_argument("--batch-size", type=int, default=None,
                   help="w2vlib's pairs per minibatch (default: the trainer's, 1024)")
    p.add_argument("--json", metavar="PATH", default=None)
    args = p.parse_args(argv)
    from . import datasets
    settings = {k: getattr(args, k) for k in SHOWCASE}
    sentences = datasets.wiki_corpus() + datasets.lee_corpus()
    print(f"Wikipedia + Lee: {datasets.count_tokens(sentences):,} tokens; settings {settings}")
    runs = run(sentences, args.systems, args.seeds, batch_size=args.batch_size, **settings)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dict(settings=settings, runs=runs), f, indent=2)
    return runs


if __name__ == "__main__":
    main()

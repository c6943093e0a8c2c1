"""Quality of word vectors during training, for w2vlib and gensim alike.

    python -m w2vlib.quality [--seeds 0 1 2] [--epochs 8] [--d 50] [--window 5]
                             [--sample 1e-4] [--lr 0.1] [--systems w2vlib gensim]
                             [--batch-size 1024] [--json PATH]
                             [--configs native haswell nehalem]
                             [--corpus FILE] [--wordsim FILE] [--analogies FILE]

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

Systems: ``w2vlib`` (the defaults: word2vec.c's initial range, the rate held per
10,000 words, the "trace" row rule), ``w2vlib-gensim-init`` (gensim's initial range,
``init_scale=1.0``), ``w2vlib-batch-lr`` (the rate recomputed every minibatch,
``lr_schedule="batch"``), ``w2vlib-sum`` (summed batch updates, ``row_rule="sum"``),
``w2vlib-shared`` (``model="sgns-shared"``) and ``gensim`` (``sg=1, hs=0, workers=1``,
``min_alpha`` = 1e-4 times the starting rate, as w2vlib's floor). CPU seconds of training (scoring
excluded) are reported too; they are a property of the machine, not of the method.

At the end of every run the final vectors are also scored with gensim's own WS353
evaluator (``ws353_gensim``) and by 3CosMul (``analogy_3cosmul``), as chapters 7 and 8
do; w2vlib's runs add their mean training loss per epoch (``epoch_mean_loss``).

``--configs`` runs everything once per floating-point kernel configuration of
:mod:`w2vlib.repro` (each in a fresh process with its environment; a configuration this
CPU cannot run, or whose kernels equal another's, is skipped and recorded as such), and
``--json`` then keeps an artifact: the command, settings, machine, date, and per
configuration, seed and system the figures above. :func:`bounds` reads it for the
chapters: ``lo, hi = quality.bounds(quality.ARTIFACT, "w2vlib", "ws353")``.
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

__all__ = ["SHOWCASE", "SYSTEMS", "ARTIFACT", "EpochQuality", "random_pair_cosine", "PairLoss",
           "Tracker", "train_gensim", "run", "values", "bounds", "merge", "main"]

SHOWCASE = dict(d=50, window=5, negative=5, sample=1e-4, min_count=5, lr=0.1, epochs=8)
ARTIFACT = os.path.join(os.path.dirname(__file__), "results", "quality_showcase.json")
SYSTEMS = {"w2vlib": {}, "w2vlib-gensim-init": dict(init_scale=1.0),
           "w2vlib-batch-lr": dict(lr_schedule="batch"), "w2vlib-sum": dict(row_rule="sum"),
           "w2vlib-shared": dict(model="sgns-shared"), "gensim": None}


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

    ``sg=1, hs=0, workers=1``; ``min_alpha`` = 1e-4 lr (w2vlib's floor). The rate decays
    with the fraction of *words* done (``total_words``), as w2vlib's does: given
    ``total_examples`` instead, gensim's job producer counts *sentences*, and on a corpus
    whose long documents come last the two fractions differ by up to ~0.14 within an
    epoch (chapter 8). Returns the trained ``gensim.models.Word2Vec``.
    """
    from gensim.models import Word2Vec
    model = Word2Vec(sg=1, hs=0, workers=1, vector_size=d, window=window, negative=negative,
                     sample=sample, min_count=min_count, alpha=lr, min_alpha=1e-4 * lr,
                     epochs=epochs, seed=seed)
    model.build_vocab(sentences)
    model.train(sentences, total_words=model.corpus_total_words, epochs=epochs,
                callbacks=list(callbacks))
    return model


def _epoch_mean_loss(history, T, epochs):
    """The mean of the trainer's loss curve within each epoch (chapter 7's figures)."""
    history = np.asarray(history, dtype=np.float64)
    return [float(history[(history[:, 0] > e * T) & (history[:, 0] <= (e + 1) * T), 1].mean())
            for e in range(epochs)]


def _final_scores(words, V, analogies, wordsim):
    """WS353 rho by gensim's evaluator (as chapter 7) and 3CosMul accuracy (chapter 8)."""
    from gensim.models import KeyedVectors as GensimKeyedVectors

    from .evaluate import KeyedVectors
    g = GensimKeyedVectors(V.shape[1])
    g.add_vectors(list(words), np.asarray(V, dtype=np.float32))
    return dict(ws353_gensim=float(g.evaluate_word_pairs(str(wordsim))[1][0]),
                analogy_3cosmul=float(KeyedVectors(words, V).evaluate_analogies(
                    analogies, method="3cosmul").accuracy))


def run(sentences, systems=("w2vlib", "gensim"), seeds=(0,), out=sys.stdout, batch_size=None,
        analogies=None, wordsim=None, **settings):
    """Train every system with every seed, scoring every epoch. Returns a list of dicts
    (system, seed, cpu_seconds of training, history as a list of dicts, final: the
    end-of-training figures). ``batch_size`` is passed to w2vlib's trainer (None: its
    default); ``analogies``, ``wordsim``: evaluation files (None: the book's)."""
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
    files = {k: v for k, v in (("analogies", analogies), ("wordsim", wordsim)) if v is not None}
    for seed in seeds:
        for system in systems:
            tracker = Tracker(pair_loss, **files)
            c0 = time.process_time()
            if SYSTEMS[system] is None:
                model = train_gensim(sentences, seed, [tracker.gensim_callback()], **settings)
                cpu = time.process_time() - c0 - tracker.seconds
                words, V, epoch_loss = list(model.wv.index_to_key), model.wv.vectors, None
            else:
                kw = {k: v for k, v in settings.items() if k != "min_count"}
                r = train(sentences, vocab=vocab, seed=seed, progress=False, callbacks=[tracker],
                          batch_size=batch_size, **kw, **SYSTEMS[system])
                cpu = time.process_time() - c0 - tracker.seconds
                words, V = list(r.vocab.words), r.V
                epoch_loss = _epoch_mean_loss(r.loss_history, r.vocab.total, settings["epochs"])
            final = _final_scores(words, V, tracker.analogies, tracker.wordsim)
            if epoch_loss is not None:
                final["epoch_mean_loss"] = epoch_loss
            runs.append(dict(system=system, seed=int(seed), cpu_seconds=cpu,
                             history=[asdict(q) for q in tracker.history], final=final))
            print(f"\n{system}, seed {seed}: {cpu:.1f} CPU s of training\n{tracker.table()}",
                  file=out, flush=True)
    print(f"\nlast epoch, mean ± sd over seeds {list(seeds)}", file=out)
    for system in systems:
        last = [r["history"][-1] for r in runs if r["system"] == system]
        cells = []
        for key in ("ws353", "analogy", "random_cosine", "loss"):
            x = np.array([h[key] for h in last])
            if np.isnan(x).any():
                continue
            sd = x.std(ddof=1) if x.size > 1 else 0.0
            cells.append(f"{key} {x.mean():.4f} ± {sd:.4f} [{x.min():.4f}, {x.max():.4f}]")
        print(f"{system:<19} " + ";  ".join(cells), file=out, flush=True)
    return runs


def _read_corpus(path):
    with open(path, encoding="utf-8") as f:
        sentences = [line.split() for line in f]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise ValueError(f"--corpus: {path} holds no tokens")
    return sentences


def _machine():
    import platform
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    versions = {}
    for name in ("numpy", "scipy", "gensim"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = None
    return dict(platform=platform.platform(), cpu=cpu, cpus=os.cpu_count(),
                python=platform.python_version(), **versions)


def _run_configs(args, argv):
    """Each configuration in a fresh process (its kernels checked); the merged artifact."""
    import subprocess
    import tempfile

    from . import repro
    native = repro.probe("native")[0]
    runs, skipped, kernels = [], {}, {}
    seen = []
    for name in args.configs:
        status, report, note = repro.check(name, native)
        if status == "run" and (report["openblas"], report["found"]) in seen:
            status, note = "skip", "the same kernels as a configuration already run"
        if status == "skip":
            print(f"\n== {name}: skipped ({note})", flush=True)
            skipped[name] = note
            continue
        if status == "fail":
            raise RuntimeError(f"configuration {name}: {note}")
        seen.append((report["openblas"], report["found"]))
        print(f"\n== {name}: {repro.describe(report)}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            child = os.path.join(tmp, "child.json")
            cmd = [sys.executable, "-m", "w2vlib.quality", *argv, "--json", child]
            subprocess.run(cmd, env=repro.config_env(name), check=True)
            with open(child, encoding="utf-8") as f:
                part = json.load(f)
        problem = repro.check_report(name, part["kernels"])
        if problem:
            raise RuntimeError(f"configuration {name}: {problem}")
        kernels[name] = part["kernels"]
        runs += [dict(config=name, **r) for r in part["runs"]]
        settings, corpus = part["settings"], part["corpus"]
    return dict(runs=runs, skipped=skipped, kernels=kernels, settings=settings, corpus=corpus)


def merge(artifacts):
    """One artifact from several (paths or loaded dicts) of the same settings and corpus:
    their runs together, each labelled with its configuration ("native" when the part
    ran without ``--configs``), and each part's command, date and kernels kept under
    ``parts``. Raises ValueError when settings or corpora differ."""
    parts = [_load(a) for a in artifacts]
    if not parts:
        raise ValueError("artifacts: expected at least one artifact to merge")
    first = parts[0][0]
    runs, configs, kept = [], [], []
    for data, where in parts:
        for key in ("settings", "corpus"):
            if data.get(key) != first.get(key):
                raise ValueError(f"artifacts: {where} has {key} {data.get(key)!r}, the first "
                                 f"has {first.get(key)!r}; only runs of one setting merge")
        for r in data["runs"]:
            r = dict(r, config=r.get("config", "native"))
            runs.append(r)
            if r["config"] not in configs:
                configs.append(r["config"])
        kept.append({k: data.get(k) for k in ("command", "date", "configs", "seeds",
                                               "systems", "kernels", "skipped")})
    return dict(command=" + ".join(p["command"] for p in kept), parts=kept,
                machine=first.get("machine"), settings=first.get("settings"),
                corpus=first.get("corpus"), configs=configs,
                seeds=sorted({r["seed"] for r in runs}),
                systems=sorted({r["system"] for r in runs}), runs=runs)


def main(argv=None):
    from datetime import datetime, timezone

    from ._io import atomic_write
    p = argparse.ArgumentParser(prog="python -m w2vlib.quality",
                                description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--systems", nargs="+", default=["w2vlib", "gensim"], choices=list(SYSTEMS))
    for key, value in SHOWCASE.items():
        p.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    p.add_argument("--batch-size", type=int, default=None,
                   help="w2vlib's pairs per minibatch (default: the trainer's, 1024)")
    p.add_argument("--json", metavar="PATH", default=None)
    p.add_argument("--configs", nargs="+", default=None, metavar="CONFIG",
                   help="kernel configurations of w2vlib.repro (native haswell nehalem), "
                        "each run in a fresh process")
    p.add_argument("--corpus", metavar="FILE", default=None,
                   help="one sentence per line (default: Wikipedia + Lee)")
    p.add_argument("--wordsim", metavar="FILE", default=None)
    p.add_argument("--analogies", metavar="FILE", default=None)
    p.add_argument("--merge", nargs="+", default=None, metavar="ARTIFACT",
                   help="write the runs of these artifacts as one (with --json)")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(argv)
    if args.merge:
        if not args.json:
            p.error("--merge: needs --json PATH for the merged artifact")
        merged = merge(args.merge)
        atomic_write(args.json, json.dumps(merged, indent=1) + "\n", binary=False)
        print(f"{len(merged['runs'])} runs of {merged['systems']} in configurations "
              f"{merged['configs']} -> {args.json}")
        return merged["runs"]
    settings = {k: getattr(args, k) for k in SHOWCASE}
    command = "python -m w2vlib.quality " + " ".join(argv)
    if args.configs:
        from . import repro
        for name in args.configs:
            if name not in repro.CONFIGS:
                p.error(f"--configs: expected names from {list(repro.CONFIGS)}, got {name!r}")
        child_argv, skip = [], False
        for a in argv:                    # the same command without --configs and --json
            if a in ("--configs", "--json"):
                skip = True
            elif skip and a.startswith("--"):
                skip = False
            if not skip and not a.startswith(("--configs=", "--json=")):
                child_argv.append(a)
        merged = _run_configs(args, child_argv)
        runs = merged.pop("runs")
        artifact = dict(command=command, date=datetime.now(timezone.utc).isoformat(
            timespec="seconds"), machine=_machine(), configs=args.configs, seeds=args.seeds,
            systems=args.systems, batch_size=args.batch_size, **merged, runs=runs)
    else:
        from . import datasets, repro
        if args.corpus:
            sentences, name = _read_corpus(args.corpus), os.path.basename(args.corpus)
        else:
            sentences, name = datasets.wiki_corpus() + datasets.lee_corpus(), "Wikipedia + Lee"
        tokens = datasets.count_tokens(sentences)
        print(f"{name}: {tokens:,} tokens; settings {settings}")
        runs = run(sentences, args.systems, args.seeds, batch_size=args.batch_size,
                   analogies=args.analogies, wordsim=args.wordsim, **settings)
        artifact = dict(command=command, date=datetime.now(timezone.utc).isoformat(
            timespec="seconds"), machine=_machine(), settings=settings,
            corpus=dict(name=name, tokens=tokens), seeds=args.seeds, systems=args.systems,
            batch_size=args.batch_size, kernels=repro.kernels_in_use(), runs=runs)
    if args.json:
        atomic_write(args.json, json.dumps(artifact, indent=1) + "\n", binary=False)
    return runs


def _load(artifact):
    if isinstance(artifact, dict):
        return artifact, "the artifact"
    with open(artifact, encoding="utf-8") as f:
        return json.load(f), os.fspath(artifact)


def values(artifact, system, metric, epoch=None, configs=None):
    """The values of ``metric`` for ``system`` in an artifact of ``--json`` (a path or
    the loaded dict), one per (configuration, seed) run: an array.

    ``metric``: a figure of the per-epoch history (``ws353``, ``analogy``,
    ``random_cosine``, ``loss``; at ``epoch``, numbered from 1, default the last) or
    of the final scores (``ws353_gensim``, ``analogy_3cosmul``; ``epoch_mean_loss``
    needs ``epoch``). ``configs``: the configurations to pool (default: all).
    """
    data, where = _load(artifact)
    runs = [r for r in data["runs"] if r["system"] == system
            and (configs is None or r.get("config", "native") in configs)]
    if not runs:
        have = sorted({r["system"] for r in data["runs"]})
        raise ValueError(f"system: {where} has no runs of {system!r}"
                         f"{f' in configurations {list(configs)}' if configs else ''} "
                         f"(systems: {have})")
    out = []
    for r in runs:
        if metric in r["history"][0]:
            h = r["history"][-1 if epoch is None else epoch - 1] \
                if epoch is None or 1 <= epoch <= len(r["history"]) else None
            if h is None:
                raise ValueError(f"epoch: expected 1..{len(r['history'])}, got {epoch!r}")
            out.append(h[metric])
        elif metric in r.get("final", {}):
            x = r["final"][metric]
            if isinstance(x, list):
                if epoch is None or not 1 <= epoch <= len(x):
                    raise ValueError(f"epoch: {metric} has one value per epoch: expected "
                                     f"1..{len(x)}, got {epoch!r}")
                x = x[epoch - 1]
            out.append(x)
        else:
            known = sorted(set(r["history"][0]) - {"epoch"} | set(r.get("final", {})))
            raise ValueError(f"metric: {where} has no {metric!r} for {system!r} "
                             f"(metrics: {known})")
    return np.array(out, dtype=np.float64)


def bounds(artifact, system, metric, k=3, epoch=None, configs=None):
    """The range a chapter asserts a figure in: mean ± k sd over the artifact's
    *independent* runs, widened to the minimum and maximum of all its runs.

    A seed trained under several kernel configurations is one run measured on several
    CPUs, not several runs (w2vlib's figures are often the same under all of them), so
    the mean and sd are taken over seeds, each seed's value averaged over its
    configurations; every configuration's value then only widens the range. Needs at
    least two seeds (one gives no spread) and no NaN (an epoch whose analogies were not
    scored).
    """
    x = values(artifact, system, metric, epoch, configs)
    seeds = _seeds(artifact, system, configs)
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not k >= 0:
        raise ValueError(f"k: expected a number >= 0 of standard deviations, got {k!r}")
    if np.isnan(x).any():
        raise ValueError(f"metric: {metric!r} of {system!r} is NaN in "
                         f"{int(np.isnan(x).sum())} of {x.size} runs at epoch {epoch} "
                         "(not scored there)")
    per_seed = np.array([x[seeds == s].mean() for s in np.unique(seeds)])
    if per_seed.size < 2:
        raise ValueError(f"artifact: {metric!r} of {system!r} has {per_seed.size} seed; a "
                         "range needs at least 2 independent runs")
    mean, sd = per_seed.mean(), per_seed.std(ddof=1)
    return float(min(mean - k * sd, x.min())), float(max(mean + k * sd, x.max()))


def _seeds(artifact, system, configs=None):
    """The seed of each run that :func:`values` returns, in the same order."""
    data, _ = _load(artifact)
    return np.array([r["seed"] for r in data["runs"] if r["system"] == system
                     and (configs is None or r.get("config", "native") in configs)])


if __name__ == "__main__":
    main()

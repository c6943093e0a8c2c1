"""Benchmark: every model of w2vlib's trainer against its gensim counterpart.

    python -m w2vlib.bench [--preset bench|showcase|word2vec] [--lr X] [--d N] [--epochs N]
                           [--corpus wiki+lee|bible|...|PATH] [--streamed]
                           [--seeds 0 1 2 3 4] [--systems w2vlib w2vlib-shared gensim ...]
                           [--workers N] [--max-tokens N] [--batch-size 1024] [--json PATH]
    python -m w2vlib.bench --scaling [--scales 1 4 16] [--corpus ...]
    python -m w2vlib.bench --report w2vlib/results/bench_showcase_bible.json [...] [--markdown]

Systems, each w2vlib system paired with its gensim counterpart (:data:`COUNTERPART`):

* ``w2vlib`` (``train(model="sgns")``) and ``w2vlib-shared`` (``model="sgns-shared"``,
  negatives shared across a span of windows, :mod:`w2vlib.fast`) against ``gensim``
  (``sg=1, hs=0``);
* ``w2vlib-cbow`` (``model="cbow"``) against ``gensim-cbow`` (``sg=0, cbow_mean=1``);
* ``w2vlib-hs`` (``model="hs"``) against ``gensim-hs`` (``sg=1, hs=1, negative=0``);
* ``gensim-cores``: ``gensim`` with ``workers`` = the machine's cores (``os.cpu_count()``),
  for the speed ratio at equal cores (w2vlib runs on one core).

The gensim systems run with ``--workers`` threads (default 1) and ``min_alpha`` = 1e-4 times
the starting rate (w2vlib's and word2vec.c's floor). All systems train on the same sentences
with the same settings, from a preset (:data:`PRESETS`; ``--lr``, ``--d`` and ``--epochs``
override it): ``bench`` (d 100, lr 0.025, sample 1e-3, 15 epochs), ``showcase``
(:data:`w2vlib.quality.SHOWCASE`, chapters 7 and 8: d 50, lr 0.1, sample 1e-4, 8 epochs) and
``word2vec`` (word2vec.c's defaults: d 100, lr 0.025, sample 1e-3, 5 epochs); window 5,
K = 5 and min_count 5 in all. CBOW takes the preset's ``cbow_lr`` (0.05 as word2vec.c in
``bench`` and ``word2vec``, 0.1 in ``showcase``) unless ``--lr`` is given. For every seed
the systems run one after the other, in an order rotated from seed to seed, each in its own
process (so its peak memory is its own); NumPy's BLAS is limited to one thread.

``--corpus`` is a named corpus (see ``CORPORA``; ``bible`` is
:func:`w2vlib.datasets.bible_corpus`) or the path of a text file with one sentence per line:
a file is streamed by both systems (w2vlib: ``train(path)``; gensim: ``LineSentence``), a
named corpus is held in memory as lists of tokens by both, or, with ``--streamed``, written
to a temporary file and streamed.

Reported for each run: ``train s`` (wall seconds of training alone; the vocabulary is built
before the clock starts), ``cpu s`` (the process's CPU seconds over the same span, all
threads), ``words/s`` (raw corpus tokens x epochs / training wall seconds), ``peak MB``
(peak resident memory from just after the imports to the end of training), WordSim353 and
SimLex-999 Spearman rho and Google analogy accuracy (3CosAdd, the 30,000 most frequent words),
all scored by :mod:`w2vlib.evaluate` on the input vectors V.

The summary gives, for each w2vlib system and metric, the mean difference to its gensim
counterpart with a 95 % interval paired by seed: a t interval on the per-seed differences,
mean +- t(0.975, n - 1) sd / sqrt(n) (:func:`paired_interval`), and whether it includes 0,
lies above (favours w2vlib) or below; the sd over seeds of each system; and the speed
ratio by CPU seconds and by wall seconds (gensim's mean over the system's mean), against
``gensim`` and ``gensim-cores``. When a single-threaded run's wall seconds exceed its CPU
seconds by more than :data:`LOADED` (1.3x), the machine was loaded and the summary says so:
the CPU ratio is then the one to read.

Arguments, the corpus and the ``--json`` path are checked before any training; the JSON
(written with :func:`w2vlib._io.atomic_write` after every seed, so an interrupted grid keeps
the seeds done, with ``"complete": false``) is what :func:`recorded` reads back.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")          # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from .quality import SHOWCASE  # noqa: E402

CORPORA = ("wiki", "lee", "wiki+lee", "bible", "synthetic", "text8")
MODELS = {"w2vlib": "sgns", "w2vlib-shared": "sgns-shared", "w2vlib-cbow": "cbow",
          "w2vlib-hs": "hs"}
GENSIM = {"gensim": dict(sg=1, hs=0), "gensim-cbow": dict(sg=0, cbow_mean=1, hs=0),
          "gensim-hs": dict(sg=1, hs=1, negative=0), "gensim-cores": dict(sg=1, hs=0)}
SYSTEMS = tuple(MODELS) + tuple(GENSIM)
COUNTERPART = {"w2vlib": "gensim", "w2vlib-shared": "gensim", "w2vlib-cbow": "gensim-cbow",
               "w2vlib-hs": "gensim-hs"}
DEFAULT_SYSTEMS = ("w2vlib", "w2vlib-shared", "gensim", "gensim-cores")
_COMMON = dict(window=5, negative=5, min_count=5)
PRESETS = {
    "bench": dict(d=100, sample=1e-3, lr=0.025, cbow_lr=0.05, epochs=15, **_COMMON),
    "showcase": dict(SHOWCASE, cbow_lr=0.1),          # chapters 7 and 8
    "word2vec": dict(d=100, sample=1e-3, lr=0.025, cbow_lr=0.05, epochs=5, **_COMMON),
}
HYPER = {k: v for k, v in PRESETS["bench"].items() if k not in ("epochs", "cbow_lr")}
METRICS = ("ws353_spearman", "simlex_spearman", "analogy_accuracy")
LOADED = 1.3                  # wall / CPU above this in a single-threaded run: a loaded machine


def settings(preset="bench", lr=None, d=None, epochs=None):
    """The settings of a run: ``preset`` with the explicit overrides that are not None
    (``lr`` sets the CBOW rate too)."""
    if preset not in PRESETS:
        raise ValueError(f"preset: expected one of {tuple(PRESETS)}, got {preset!r}")
    s = dict(PRESETS[preset])
    if lr is not None:
        s["lr"] = s["cbow_lr"] = float(lr)
    if d is not None:
        s["d"] = int(d)
    if epochs is not None:
        s["epochs"] = int(epochs)
    return s


def system_lr(system, s):
    """The starting rate ``system`` trains with under settings ``s``."""
    return s["cbow_lr"] if system in ("w2vlib-cbow", "gensim-cbow") else s["lr"]


def load_corpus(name, max_tokens=None):
    """Sentences (lists of str) of a named corpus, cut to ``max_tokens`` if given."""
    from . import datasets
    if name == "wiki":
        sents = datasets.wiki_corpus()
    elif name == "lee":
        sents = datasets.lee_corpus()
    elif name == "wiki+lee":
        sents = datasets.wiki_corpus() + datasets.lee_corpus()
    elif name == "bible":
        sents = datasets.bible_corpus()
    elif name == "synthetic":
        sents, _ = datasets.synthetic_corpus(n_sentences=60_000, seed=0)
    elif name == "text8":
        sents = datasets.chunk(datasets.text8(max_tokens=max_tokens), 1000)
    else:
        raise ValueError(f"corpus: expected one of {CORPORA} or a file path, got {name!r}")
    return datasets.truncate(sents, max_tokens)


def _source(corpus, max_tokens):
    """The sentences of ``corpus``: a list (named corpus) or a re-iterable file stream."""
    if corpus in CORPORA:
        return load_corpus(corpus, max_tokens)
    from .stream import LineSentences
    lines = LineSentences(corpus)
    return lines if max_tokens is None else _Truncated(lines, max_tokens)


class _Truncated:
    """The first ``max_tokens`` tokens of a re-iterable of sentences, re-iterable."""

    def __init__(self, sentences, max_tokens):
        self.sentences, self.max_tokens = sentences, max_tokens

    def __iter__(self):
        left = self.max_tokens
        for s in self.sentences:
            if left <= 0:
                return
            yield s[:left]
            left -= len(s)


def simlex_path():
    """SimLex-999 as shipped in the gensim wheel (tab-separated, ``#`` comments)."""
    from gensim.test.utils import datapath
    return datapath("simlex999.txt")


def _evaluate(words, vectors, analogies, wordsim, simlex=None):
    from .evaluate import KeyedVectors
    kv = KeyedVectors(words, vectors)
    a = kv.evaluate_analogies(analogies, restrict_vocab=30000)
    w = kv.evaluate_word_pairs(wordsim)
    row = dict(analogy_accuracy=float(a.accuracy), analogy_correct=int(a.total.n_correct),
               analogy_covered=int(a.n_covered), analogy_questions=int(a.n_questions),
               ws353_spearman=float(w.spearman), ws353_pairs=int(w.n_pairs))
    if simlex is not None:
        s = kv.evaluate_word_pairs(simlex)
        row.update(simlex_spearman=float(s.spearman), simlex_pairs=int(s.n_pairs))
    return row


def _status_mb(field):
    """A memory figure of this process from /proc/self/status (Linux), in MB, or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024          # kB
    except OSError:
        pass
    return None


def _reset_peak_rss():
    """Start the peak (VmHWM) afresh at the current RSS; returns that RSS in MB (or None
    where /proc/self/clear_refs is not available, and the peak then covers the imports)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return None
    return _status_mb("VmRSS")


def _peak_rss_mb():
    peak = _status_mb("VmHWM")
    if peak is None:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss     # KiB on Linux
        peak = peak / 1024 if sys.platform != "darwin" else peak / 2**20
    return peak


def _hyper(s):
    return {k: s[k] for k in ("d", "window", "negative", "sample", "min_count", "lr",
                              "epochs")}


def run_w2vlib(sentences, vocab, epochs, seed, batch_size, model="sgns", hyper=None):
    """Train w2vlib on ``sentences`` with ``vocab`` built; (words, V, wall, cpu).
    ``hyper``: d, window, negative, sample, lr (default :data:`HYPER`)."""
    from .train import train
    h = {k: v for k, v in (hyper or HYPER).items() if k not in ("min_count", "epochs")}
    c0, t0 = time.process_time(), time.perf_counter()
    result = train(sentences, model=model, epochs=epochs, seed=seed, vocab=vocab,
                   batch_size=batch_size, progress=False, **h)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return result.vocab.words, result.V, wall, cpu


def run_gensim(sentences, epochs, seed, min_count=HYPER["min_count"], hyper=None,
               system="gensim", workers=1):
    """Build gensim's vocabulary, then train (only the training is timed)."""
    from gensim.models import Word2Vec
    h = dict(hyper or HYPER)
    kw = {"negative": h["negative"], **GENSIM[system]}
    model = Word2Vec(workers=workers, vector_size=h["d"], window=h["window"],
                     sample=h["sample"], min_count=min_count, alpha=h["lr"],
                     min_alpha=1e-4 * h["lr"], epochs=epochs, seed=seed, **kw)
    model.build_vocab(sentences)
    c0, t0 = time.process_time(), time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return list(model.wv.index_to_key), model.wv.vectors, wall, cpu


def _gensim_source(corpus, max_tokens):
    if corpus in CORPORA:
        return load_corpus(corpus, max_tokens)
    from gensim.models.word2vec import LineSentence
    return LineSentence(corpus, limit=None) if max_tokens is None else \
        list(_Truncated(LineSentence(corpus), max_tokens))


RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def recorded(name):
    """A benchmark run kept with the library (``w2vlib/results/bench_<name>.json``,
    written by ``--json``), as the dict :func:`bench` or :func:`scaling` returned."""
    path = os.path.join(RESULTS, f"bench_{name}.json")
    if not os.path.isfile(path):
        have = sorted(f[6:-5] for f in os.listdir(RESULTS) if f.startswith("bench_")) \
            if os.path.isdir(RESULTS) else []
        raise KeyError(f"name: expected one of {have}, got {name!r}")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _worker(spec):
    """One run in this process (``--worker JSON``): train, measure, evaluate, print JSON.
    A run whose training raises (e.g. diverges) prints a row with its ``error``."""
    from . import datasets
    system, corpus, max_tokens = spec["system"], spec["corpus"], spec["max_tokens"]
    hyper = spec.get("hyper", dict(HYPER, epochs=spec["epochs"]))
    min_count = spec.get("min_count", hyper["min_count"])
    gensim = system in GENSIM
    if gensim:                  # libraries loaded before the peak is reset
        import gensim.models  # noqa: F401
    else:
        from . import stream, train  # noqa: F401
    base = _reset_peak_rss()
    row = dict(system=system, seed=spec["seed"])
    try:
        if gensim:
            words, vectors, wall, cpu = run_gensim(
                _gensim_source(corpus, max_tokens), spec["epochs"], spec["seed"], min_count,
                hyper, system, spec.get("workers", 1))
        else:
            from .corpus import Vocab
            sentences = _source(corpus, max_tokens)
            vocab = Vocab.build(sentences, min_count=min_count)
            words, vectors, wall, cpu = run_w2vlib(sentences, vocab, spec["epochs"],
                                                   spec["seed"], spec["batch_size"],
                                                   MODELS[system], hyper)
    except (ValueError, FloatingPointError) as exc:      # TrainingDivergedError and kin
        row.update(error=f"{type(exc).__name__}: {exc}")
        print(json.dumps(row), flush=True)
        return
    row.update(train_seconds=wall, cpu_seconds=cpu,
               words_per_second=spec["tokens"] * spec["epochs"] / wall,
               peak_rss_mb=_peak_rss_mb(), base_rss_mb=base, vocab_size=len(words),
               workers=spec.get("workers", 1) if gensim else 1)
    if spec["evaluate"]:
        row.update(_evaluate(words, vectors, datasets.analogy_path(), datasets.wordsim_path(),
                             simlex_path()))
    print(json.dumps(row), flush=True)


def _run(spec):
    """Run one system in a fresh process and return its row."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, "-m", "w2vlib.bench", "--worker", json.dumps(spec)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{spec['system']} (seed {spec['seed']}) failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _covered_pairs(words, path):
    """WordSim353 pairs whose two words are in ``words`` (case-insensitive, as evaluated)."""
    vocab = {w.lower() for w in words}
    n = 0
    with open(path, encoding="utf8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(parts) != 3:
                continue
            n += parts[0].lower() in vocab and parts[1].lower() in vocab
    return n


def prepare(corpus, max_tokens, min_count=HYPER["min_count"]):
    """Load the corpus once, count it and check that WordSim353 can be scored.

    Returns ``(tokens, sentences_count, vocab_size)``; raises ValueError before any
    training when fewer than 2 WordSim353 pairs are in the vocabulary.
    """
    from . import datasets
    from .corpus import Vocab
    sentences = _source(corpus, max_tokens)
    tokens = n_sent = 0
    for s in sentences:
        tokens += len(s)
        n_sent += 1
    vocab = Vocab.build(sentences, min_count=min_count)
    covered = _covered_pairs(vocab.words, datasets.wordsim_path())
    if covered < 2:
        raise ValueError(f"corpus: {corpus!r} ({tokens:,} tokens) has {covered} WordSim353 "
                         f"pair(s) with both words seen >= {min_count} times; the "
                         f"correlation needs at least 2: use a larger corpus or --max-tokens")
    return tokens, n_sent, len(vocab)


# --------------------------------------------------------------------------- statistics
def t_quantile(p, df):
    """The p-quantile of Student's t with ``df`` degrees of freedom (scipy)."""
    from scipy.stats import t
    return float(t.ppf(p, df))


def paired_interval(a, b, level=0.95):
    """Mean of the per-seed differences a_i - b_i and its t interval.

    ``a`` and ``b``: one value per seed, in the same seed order. Returns a dict with
    ``n``, ``mean``, ``sd`` (of the differences, ddof 1), ``low``, ``high`` (mean +-
    t((1 + level) / 2, n - 1) sd / sqrt(n); NaN for n < 2) and ``verdict``: "includes 0",
    "favours w2vlib" (low > 0), "below" (high < 0) or "n < 2".
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a, b: expected two vectors of the same length, got shapes "
                         f"{a.shape} and {b.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level: expected a probability in (0, 1), got {level!r}")
    diff = a - b
    n = diff.size
    mean = float(diff.mean()) if n else math.nan
    if n < 2:
        return dict(n=n, mean=mean, sd=math.nan, low=math.nan, high=math.nan,
                    verdict="n < 2")
    sd = float(diff.std(ddof=1))
    half = t_quantile((1 + level) / 2, n - 1) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    verdict = "favours w2vlib" if low > 0 else "below" if high < 0 else "includes 0"
    return dict(n=n, mean=mean, sd=sd, low=low, high=high, verdict=verdict)


def _mean_sd(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    if not xs:
        return [math.nan, math.nan]
    return [float(np.mean(xs)), float(np.std(xs, ddof=1)) if len(xs) > 1 else 0.0]


def summarise(runs, systems):
    """Means, sds, paired differences and speed ratios of ``runs`` (see the module)."""
    ok = [r for r in runs if "error" not in r]
    summary = {}
    for system in systems:
        rs = [r for r in ok if r["system"] == system]
        keys = ("train_seconds", "cpu_seconds", "words_per_second", "peak_rss_mb") + \
            METRICS + ("analogy_covered",)
        summary[system] = {k: _mean_sd([r.get(k) for r in rs]) for k in keys}
        summary[system]["runs"] = len(rs)
        summary[system]["failed"] = sum(r["system"] == system for r in runs) - len(rs)
    comparisons = {}
    for system in systems:
        g = COUNTERPART.get(system)
        if g is None or g not in systems:
            continue
        by_seed = {(r["system"], r["seed"]): r for r in ok}
        seeds = sorted(s for (name, s) in by_seed if name == system and (g, s) in by_seed)
        c = dict(counterpart=g, seeds=seeds)
        for k in METRICS:
            c[k] = paired_interval([by_seed[system, s][k] for s in seeds],
                                   [by_seed[g, s][k] for s in seeds])
            sd_w, sd_g = summary[system][k][1], summary[g][k][1]
            c[k]["sd_ratio"] = sd_w / sd_g if sd_g > 0 else math.nan
        speed = {}
        for other in (g, "gensim-cores") if g == "gensim" else (g,):   # cores: sg=1 only
            if other in systems and summary[other]["runs"] and summary[system]["runs"]:
                s, o = summary[system], summary[other]
                speed[other] = dict(cpu=o["cpu_seconds"][0] / s["cpu_seconds"][0],
                                    wall=o["train_seconds"][0] / s["train_seconds"][0])
        c["speed"] = speed
        comparisons[system] = c
    single = [r for r in ok if r.get("workers", 1) == 1 and r["cpu_seconds"] > 0]
    load = max((r["train_seconds"] / r["cpu_seconds"] for r in single), default=math.nan)
    return summary, comparisons, load


def bench(corpus="wiki+lee", epochs=None, seeds=(0,), max_tokens=None, batch_size=1024,
          systems=DEFAULT_SYSTEMS, out=None, preset="bench", lr=None, d=None,
          workers=1, streamed=False, json_path=None):
    """Run the benchmark; returns a dict with every run and the summary figures.

    ``json_path``: written (atomically) after every seed, ``"complete": true`` after the
    last, so that an interrupted run keeps the seeds it finished."""
    out = sys.stdout if out is None else out
    s = settings(preset, lr, d, epochs)
    epochs = s["epochs"]
    tokens, n_sent, n = prepare(corpus, max_tokens, s["min_count"])
    cores = os.cpu_count() or 1
    mode = "streamed from a file" if streamed or corpus not in CORPORA else "in memory"
    print(f"corpus {corpus}: {tokens:,} tokens in {n_sent:,} sentences, {n:,} words with "
          f"count >= {s['min_count']}, {mode}; preset {preset}: d {s['d']}, lr {s['lr']:g} "
          f"(cbow {s['cbow_lr']:g}), sample {s['sample']:g}, window {s['window']}, "
          f"K {s['negative']}, {epochs} epochs; seeds {list(seeds)}; w2vlib batch_size "
          f"{batch_size}, 1 core; gensim workers {workers}, gensim-cores workers {cores}",
          file=out, flush=True)
    result = dict(corpus=corpus, mode=mode, preset=preset, settings=s, tokens=tokens,
                  sentences=n_sent, vocab_size=n, epochs=epochs,
                  seeds=[int(x) for x in seeds], systems=list(systems), batch_size=batch_size,
                  workers=workers, cores=cores, hyperparameters=_hyper(s),
                  interval="95 % t interval of the mean per-seed difference (w2vlib system "
                           "- its gensim counterpart), paired by seed",
                  words_per_second_definition="raw corpus tokens x epochs / training wall "
                                              "seconds",
                  runs=[], complete=False)
    runs = result["runs"]
    with tempfile.TemporaryDirectory(prefix="w2vlib-bench-") as tmp:
        source = corpus
        if streamed and corpus in CORPORA:
            source = os.path.join(tmp, "corpus.txt")
            with open(source, "w", encoding="utf-8") as f:
                f.writelines(" ".join(x) + "\n" for x in load_corpus(corpus, max_tokens))
        print(_HEADER, file=out, flush=True)
        t_start = time.perf_counter()
        for i, seed in enumerate(seeds):
            order = systems[i % len(systems):] + systems[:i % len(systems)]
            for system in order:
                hyper = dict(_hyper(s), lr=system_lr(system, s))
                row = _run(dict(system=system, corpus=source,
                                max_tokens=None if source != corpus else max_tokens,
                                epochs=epochs, seed=int(seed), batch_size=batch_size,
                                tokens=tokens, evaluate=True, hyper=hyper,
                                workers=cores if system == "gensim-cores" else workers))
                row["lr"] = hyper["lr"]
                runs.append(row)
                print(_format_row(row), file=out, flush=True)
            if i == 0 and len(seeds) > 1:
                took = time.perf_counter() - t_start
                print(f"(seed {seed} took {took:.0f} s of wall time; the other "
                      f"{len(seeds) - 1} seed(s): about {took * (len(seeds) - 1) / 60:.0f} "
                      f"min)", file=out, flush=True)
            if json_path:
                result.update(zip(("summary", "comparisons", "wall_over_cpu"),
                                  summarise(runs, systems)))
                write_json(json_path, result)
    summary, comparisons, load = summarise(runs, systems)
    result.update(summary=summary, comparisons=comparisons, wall_over_cpu=load,
                  loaded=bool(load > LOADED), complete=True)
    print(_format_summary(result), file=out, flush=True)
    if json_path:
        write_json(json_path, result)
    return result


def scaling(corpus="wiki+lee", scales=(1, 4, 16), max_tokens=None, batch_size=1024,
            systems=DEFAULT_SYSTEMS[:3], out=sys.stdout):
    """Train each system for 1 epoch on the corpus repeated ``scales`` times (streamed
    from a temporary file) and report time and peak memory per scale.

    A word seen c times is seen k c times in k copies, so min_count is multiplied by
    k: every scale keeps the same words (and subsampling, which depends on
    frequencies, is unchanged), and memory that grows would be memory per token.
    """
    sentences = _source(corpus, max_tokens)
    lines = [" ".join(s) + "\n" for s in sentences]
    tokens = sum(len(s) for s in sentences)
    del sentences
    print(f"scaling: corpus {corpus} ({tokens:,} tokens) repeated {list(scales)} times, "
          f"streamed from a file; 1 epoch, seed 0; min_count {HYPER['min_count']} x the "
          f"repetition, so that every scale has the same vocabulary", file=out, flush=True)
    header = (f"{'system':<14} {'scale':>5} {'tokens':>11} {'train s':>8} {'s per 1x':>8} "
              f"{'cpu s':>7} {'cpu per 1x':>10} {'peak MB':>8} {'base MB':>8}")
    print(header, file=out, flush=True)
    runs = []
    with tempfile.TemporaryDirectory(prefix="w2vlib-scaling-") as tmp:
        for k in scales:
            path = os.path.join(tmp, f"corpus_x{k}.txt")
            with open(path, "w", encoding="utf-8") as f:
                for _ in range(k):
                    f.writelines(lines)
            for system in systems:
                row = _run(dict(system=system, corpus=path, max_tokens=None, epochs=1, seed=0,
                                batch_size=batch_size, tokens=tokens * k, evaluate=False,
                                min_count=HYPER["min_count"] * k))
                row.update(scale=k, tokens=tokens * k)
                runs.append(row)
                print(f"{system:<14} {k:>5} {tokens * k:>11,} {row['train_seconds']:>8.2f} "
                      f"{row['train_seconds'] / k:>8.2f} {row['cpu_seconds']:>7.2f} "
                      f"{row['cpu_seconds'] / k:>10.2f} {row['peak_rss_mb']:>8.0f} "
                      f"{_mb(row['base_rss_mb']):>8}", file=out, flush=True)
            os.remove(path)
    growth = {}
    lo, hi = min(scales), max(scales)
    for system in systems:
        a = next(r for r in runs if r["system"] == system and r["scale"] == lo)
        b = next(r for r in runs if r["system"] == system and r["scale"] == hi)
        growth[system] = dict(time=b["train_seconds"] / a["train_seconds"],
                              cpu=b["cpu_seconds"] / a["cpu_seconds"],
                              memory=b["peak_rss_mb"] / a["peak_rss_mb"])
        extra = ""
        if a["base_rss_mb"] is not None and b["base_rss_mb"] is not None:
            above = [r["peak_rss_mb"] - r["base_rss_mb"] for r in (a, b)]
            growth[system]["above_base_mb"] = above
            extra = f" (above the libraries: {above[0]:.0f} MB -> {above[1]:.0f} MB)"
        print(f"{system}: {hi}x/{lo}x the corpus: time {growth[system]['time']:.1f}x "
              f"(CPU {growth[system]['cpu']:.1f}x), peak memory "
              f"{growth[system]['memory']:.2f}x{extra}", file=out, flush=True)
    return dict(corpus=corpus, tokens=tokens, scales=list(scales), runs=runs, growth=growth)


def report(path, out=None):
    """Print the summary of a kept JSON (``--report PATH``), recomputed from its runs."""
    out = sys.stdout if out is None else out
    result = _load_summarised(path)
    s = result["settings"]
    done = "" if result.get("complete") else " (INCOMPLETE: interrupted)"
    print(f"{path}: corpus {result['corpus']} ({result['tokens']:,} tokens, {result['mode']}); "
          f"preset {result['preset']}: d {s['d']}, lr {s['lr']:g} (cbow {s['cbow_lr']:g}), "
          f"sample {s['sample']:g}, {s['epochs']} epochs; seeds {result['seeds']}{done}",
          file=out)
    print(_format_summary(result), file=out, flush=True)
    return result


def _load_summarised(path):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    if not isinstance(result, dict) or not {"runs", "settings", "systems"} <= set(result):
        raise ValueError(f"{path}: expected a JSON written by the benchmark's --json "
                         f"(with its runs and settings), not a scaling run")
    summary, comparisons, load = summarise(result["runs"], tuple(result["systems"]))
    result.update(summary=summary, comparisons=comparisons, wall_over_cpu=load)
    return result


def markdown(paths, out=None):
    """Two Markdown tables from kept JSONs (``--report PATH ... --markdown``): the paired
    differences with their 95 % intervals, then each system's mean ± sd and speed."""
    out = sys.stdout if out is None else out
    results = [_load_summarised(p) for p in paths]

    def cell(r):
        mode = "" if r["mode"] == "in memory" else f", {r['mode']}"
        done = "" if r.get("complete") else ", incomplete"
        return f"{r['preset']} × {r['corpus']}{mode}{done}"

    def interval(x):
        mark = {"below": " **below**", "favours w2vlib": " (favours w2vlib)"}.get(
            x["verdict"], "")
        return f"{x['mean']:+.3f} [{x['low']:+.3f}, {x['high']:+.3f}]{mark}"

    lines = ["| settings × corpus | system − counterpart | seeds | WS353 ρ | SimLex ρ | "
             "analogy |", "|---|---|---|---|---|---|"]
    for r in results:
        for system, c in r["comparisons"].items():
            lines.append(f"| {cell(r)} | {system} − {c['counterpart']} | {len(c['seeds'])} | "
                         + " | ".join(interval(c[k]) for k in METRICS) + " |")
    lines += ["", "| settings × corpus | system | runs | WS353 ρ | SimLex ρ | analogy | "
              "CPU s | speed vs counterpart: CPU (wall) | vs gensim-cores: CPU (wall) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for system, s in r["summary"].items():
            c = r["comparisons"].get(system, {}).get("speed", {})
            ratios = [f"{c[o]['cpu']:.2f}× ({c[o]['wall']:.2f}×)" if o in c else ""
                      for o in (r["comparisons"].get(system, {}).get("counterpart"),
                                "gensim-cores")]
            failed = f" ({s['failed']} failed)" if s["failed"] else ""
            lines.append(f"| {cell(r)} | {system} | {s['runs']}{failed} | " +
                         " | ".join(f"{s[k][0]:.3f} ± {s[k][1]:.3f}" for k in METRICS) +
                         f" | {s['cpu_seconds'][0]:.1f} | {ratios[0]} | {ratios[1]} |")
    lines.append("")
    for key in dict.fromkeys((r["preset"], json.dumps(r["settings"], sort_keys=True))
                             for r in results):
        s = json.loads(key[1])
        lines.append(f"* {key[0]}: d {s['d']}, lr {s['lr']:g} (CBOW {s['cbow_lr']:g}), "
                     f"sample {s['sample']:g}, window {s['window']}, K {s['negative']}, "
                     f"min_count {s['min_count']}, {s['epochs']} epochs")
    loads = [r["wall_over_cpu"] for r in results]
    lines += ["", f"(wall / CPU seconds of single-threaded runs: up to {max(loads):.1f}×)"]
    print("\n".join(lines), file=out, flush=True)
    return results


def _mb(x):
    return "-" if x is None else f"{x:.0f}"


_HEADER = (f"{'system':<14} {'seed':>4} {'train s':>8} {'cpu s':>7} {'words/s':>9} "
           f"{'peak MB':>8} {'WS353':>7} {'SimLex':>7} {'analogy':>8} {'covered':>7}")


def _format_row(r):
    if "error" in r:
        return f"{r['system']:<14} {r['seed']:>4} FAILED: {r['error'][:120]}"
    return (f"{r['system']:<14} {r['seed']:>4} {r['train_seconds']:>8.2f} "
            f"{r['cpu_seconds']:>7.2f} {r['words_per_second']:>9,.0f} "
            f"{r['peak_rss_mb']:>8.0f} {r['ws353_spearman']:>7.4f} "
            f"{r.get('simlex_spearman', math.nan):>7.4f} {r['analogy_accuracy']:>8.4f} "
            f"{r['analogy_covered']:>7d}")


_NAMES = {"ws353_spearman": "WS353 rho", "simlex_spearman": "SimLex rho",
          "analogy_accuracy": "analogy"}


def _format_summary(result):
    summary, comparisons = result["summary"], result["comparisons"]
    lines = ["", "mean ± sd over seeds",
             f"{'system':<14} {'runs':>4} {'cpu s':>13} {'train s':>13} "
             f"{'WS353 rho':>15} {'SimLex rho':>15} {'analogy':>15}"]
    for system, s in summary.items():
        failed = f" ({s['failed']} failed)" if s["failed"] else ""
        lines.append(f"{system:<14} {s['runs']:>4} "
                     f"{s['cpu_seconds'][0]:>6.2f} ± {s['cpu_seconds'][1]:<4.2f} "
                     f"{s['train_seconds'][0]:>6.2f} ± {s['train_seconds'][1]:<4.2f} " +
                     " ".join(f"{s[k][0]:>6.4f} ± {s[k][1]:.4f}" for k in METRICS) + failed)
    lines += ["", "difference to the gensim counterpart, mean [95 % t interval on the "
              "per-seed differences, paired by seed] (n seeds)"]
    for system, c in comparisons.items():
        lines.append(f"{system} - {c['counterpart']} (n = {len(c['seeds'])}):")
        for k in METRICS:
            x = c[k]
            lines.append(f"  {_NAMES[k]:<10} {x['mean']:+.4f} [{x['low']:+.4f}, "
                         f"{x['high']:+.4f}]  {x['verdict']}; sd over seeds "
                         f"{summary[system][k][1]:.4f} vs {summary[c['counterpart']][k][1]:.4f}"
                         f" (ratio {x['sd_ratio']:.2f})")
        for other, r in c["speed"].items():
            w = result["cores"] if other == "gensim-cores" else result["workers"]
            lines.append(f"  speed vs {other} (workers {w}): "
                         f"{r['cpu']:.2f}x by CPU seconds, {r['wall']:.2f}x by wall seconds")
    load = result["wall_over_cpu"]
    if load > LOADED:
        lines.append(f"wall >> CPU: a single-threaded run took up to {load:.1f}x its CPU "
                     f"seconds in wall time (a loaded machine): read the CPU ratios")
    return "\n".join(lines)


# --------------------------------------------------------------------------- arguments
def _json_target(path):
    """Check that ``path`` can be written (its directory exists and takes a new file)."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        raise OSError(f"--json: {path!r} is a directory, expected a file path")
    if not os.path.isdir(folder):
        raise OSError(f"--json: the directory {folder!r} does not exist")
    probe = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.probe")
    try:
        with open(probe, "x", encoding="utf-8"):
            pass
    except OSError as exc:
        raise OSError(f"--json: cannot write to {folder!r}: {exc.strerror}") from None
    os.remove(probe)
    return path


def write_json(path, result):
    """Write ``result`` to ``path`` atomically (:func:`w2vlib._io.atomic_write`)."""
    text = json.dumps(result, indent=2)          # fails before the file is touched
    _write_text(path, text)


def _write_text(path, text):
    from ._io import atomic_write
    atomic_write(path, text, binary=False)


def _parser():
    p = argparse.ArgumentParser(prog="python -m w2vlib.bench", description=__doc__.split("\n")[0])
    p.add_argument("--preset", choices=tuple(PRESETS), default="bench",
                   help="bench: d 100, lr 0.025, sample 1e-3, 15 epochs; showcase: "
                        "quality.SHOWCASE; word2vec: word2vec.c's defaults (5 epochs)")
    p.add_argument("--lr", type=float, default=None, help="starting rate (all systems)")
    p.add_argument("--d", type=int, default=None, help="vector size")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--corpus", default="wiki+lee",
                   help=f"one of {', '.join(CORPORA)}, or a text file (one sentence a line)")
    p.add_argument("--streamed", action="store_true",
                   help="write a named corpus to a temporary file and stream it")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(DEFAULT_SYSTEMS))
    p.add_argument("--workers", type=int, default=1, help="gensim's worker threads")
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--json", metavar="PATH", default=None)
    p.add_argument("--scaling", action="store_true",
                   help="time and peak memory on the corpus repeated --scales times")
    p.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--report", metavar="PATH", nargs="+", default=None,
                   help="print the summary of kept JSONs (no training)")
    p.add_argument("--markdown", action="store_true",
                   help="with --report: the README's two Markdown tables")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    return p


def main(argv=None):
    p = _parser()
    args = p.parse_args(argv)
    if args.worker is not None:
        return _worker(json.loads(args.worker))
    if args.report is not None:
        try:
            if args.markdown:
                return markdown(args.report)
            return [report(path) for path in args.report]
        except (OSError, ValueError, KeyError) as exc:
            p.error(f"--report: {exc}")
    for name in ("epochs", "d", "batch_size", "max_tokens", "workers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')}: expected an integer >= 1, got {value}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        p.error(f"--lr: expected a positive number, got {args.lr}")
    if any(s < 0 for s in args.seeds):
        p.error(f"--seeds: expected integers >= 0, got {args.seeds}")
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f"--seeds: expected distinct seeds (they pair the runs), got {args.seeds}")
    if any(k < 1 for k in args.scales):
        p.error(f"--scales: expected integers >= 1, got {args.scales}")
    if len(set(args.systems)) != len(args.systems):
        p.error(f"--systems: expected distinct names, got {args.systems}")
    if args.corpus not in CORPORA and not os.path.isfile(args.corpus):
        p.error(f"--corpus: expected one of {', '.join(CORPORA)} or an existing text file, "
                f"got {args.corpus!r}")
    try:
        json_path = _json_target(args.json) if args.json else None
    except OSError as exc:
        p.error(str(exc))
    systems = tuple(args.systems)
    try:
        if args.scaling:
            result = scaling(args.corpus, tuple(args.scales), args.max_tokens, args.batch_size,
                             systems)
            if json_path:
                write_json(json_path, result)
        else:
            result = bench(args.corpus, args.epochs, args.seeds, args.max_tokens,
                           args.batch_size, systems, preset=args.preset, lr=args.lr,
                           d=args.d, workers=args.workers, streamed=args.streamed,
                           json_path=json_path)
    except ValueError as exc:
        p.exit(2, f"python -m w2vlib.bench: error: {exc}\n")
    return result


if __name__ == "__main__":
    main()

"""Benchmark: w2vlib's skip-gram with negative sampling against gensim (``sg=1, workers=1``).

    python -m w2vlib.bench [--epochs 5] [--corpus wiki+lee|PATH] [--seeds 0 1 2]
                           [--systems w2vlib w2vlib-shared gensim] [--max-tokens N]
                           [--batch-size 1024] [--json PATH]
    python -m w2vlib.bench --scaling [--scales 1 4 16] [--corpus ...]

Systems: ``w2vlib`` (model "sgns", one pair at a time in minibatches), ``w2vlib-shared``
(model "sgns-shared": the pairs of a span of windows share their negatives, see
:mod:`w2vlib.fast`) and ``gensim`` (4.4, ``workers=1``). All train on the same
sentences with the same hyperparameters (d=100, window 5, K=5, sample 1e-3,
min_count 5, lr 0.025 decayed linearly). For every seed the systems run one after
the other, in an order rotated from seed to seed, so that drift of the machine (other
jobs, thermal throttling) hits all. Each run is a separate process, so its peak
memory is its own; NumPy's BLAS is limited to one thread, like gensim with
``workers=1``.

``--corpus`` is a named corpus (see ``CORPORA``) or the path of a text file with one
sentence per line (tokens separated by whitespace): a file is streamed by both
systems (w2vlib: ``train(path)``; gensim: ``LineSentence``), a named corpus is held
in memory as lists of tokens by both.

Reported for each run:

* ``train s``: wall-clock seconds of training alone (the vocabulary is built before
  the clock starts, for both systems; w2vlib's clock includes encoding the corpus);
  ``cpu s``: the process's CPU seconds over the same span;
* ``words/s``: raw corpus tokens (every token, before min_count and subsampling)
  times epochs, divided by the training wall seconds;
* ``peak MB``: the process's peak resident memory from just after its libraries are
  imported (the peak is reset there, on Linux) to the end of training (before
  evaluation): interpreter, libraries, corpus and training; ``base MB`` (scaling
  mode): the resident memory at that reset, interpreter and libraries alone;
* analogy accuracy on the Google analogy set (3CosAdd, the 30,000 most frequent words,
  counted as gensim counts), with the number of questions covered;
* Spearman's rho on WordSim353 (cosine of the input vectors V).

Both are scored by :mod:`w2vlib.evaluate`. A speed ratio is a system's mean words/s
over gensim's. ``--scaling`` trains once (1 epoch, seed 0) on the corpus repeated 1,
4 and 16 times, written to a temporary file and streamed, and prints each system's
time and peak memory per scale (with min_count 5 x the repetition, so that every scale
has the same vocabulary: the vectors are O(n d) at any corpus size).

Arguments, the corpus and the ``--json`` path are checked before any training; the
JSON file is written atomically (a temporary file renamed over it).
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")          # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

CORPORA = ("wiki", "lee", "wiki+lee", "synthetic", "text8")
SYSTEMS = ("w2vlib", "w2vlib-shared", "gensim")
MODELS = {"w2vlib": "sgns", "w2vlib-shared": "sgns-shared"}
HYPER = dict(d=100, window=5, negative=5, sample=1e-3, min_count=5, lr=0.025)


def load_corpus(name, max_tokens=None):
    """Sentences (lists of str) of a named corpus, cut to ``max_tokens`` if given."""
    from . import datasets
    if name == "wiki":
        sents = datasets.wiki_corpus()
    elif name == "lee":
        sents = datasets.lee_corpus()
    elif name == "wiki+lee":
        sents = datasets.wiki_corpus() + datasets.lee_corpus()
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


def _evaluate(words, vectors, analogies, wordsim):
    from .evaluate import KeyedVectors
    kv = KeyedVectors(words, vectors)
    a = kv.evaluate_analogies(analogies, restrict_vocab=30000)
    w = kv.evaluate_word_pairs(wordsim)
    return dict(analogy_accuracy=float(a.accuracy), analogy_correct=int(a.total.n_correct),
                analogy_covered=int(a.n_covered), analogy_questions=int(a.n_questions),
                ws353_spearman=float(w.spearman), ws353_pairs=int(w.n_pairs))


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


def run_w2vlib(sentences, vocab, epochs, seed, batch_size, model="sgns"):
    """Train w2vlib on ``sentences`` with ``vocab`` built; (words, V, wall, cpu)."""
    from .train import train
    c0, t0 = time.process_time(), time.perf_counter()
    result = train(sentences, model=model, epochs=epochs, seed=seed, vocab=vocab,
                   batch_size=batch_size, progress=False, **{k: v for k, v in HYPER.items()
                                                             if k != "min_count"})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return result.vocab.words, result.V, wall, cpu


def run_gensim(sentences, epochs, seed, min_count=HYPER["min_count"]):
    """Build gensim's vocabulary, then train (only the training is timed)."""
    from gensim.models import Word2Vec
    model = Word2Vec(sg=1, hs=0, workers=1, vector_size=HYPER["d"], window=HYPER["window"],
                     negative=HYPER["negative"], sample=HYPER["sample"],
                     min_count=min_count, alpha=HYPER["lr"], epochs=epochs, seed=seed)
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
    """One run in this process (``--worker JSON``): train, measure, evaluate, print JSON."""
    from . import datasets
    system, corpus, max_tokens = spec["system"], spec["corpus"], spec["max_tokens"]
    min_count = spec.get("min_count", HYPER["min_count"])
    if system == "gensim":                  # libraries loaded before the peak is reset
        import gensim.models  # noqa: F401
    else:
        from . import stream, train  # noqa: F401
    base = _reset_peak_rss()
    if system == "gensim":
        words, vectors, wall, cpu = run_gensim(_gensim_source(corpus, max_tokens),
                                               spec["epochs"], spec["seed"], min_count)
    else:
        from .corpus import Vocab
        sentences = _source(corpus, max_tokens)
        vocab = Vocab.build(sentences, min_count=min_count)
        words, vectors, wall, cpu = run_w2vlib(sentences, vocab, spec["epochs"], spec["seed"],
                                               spec["batch_size"], MODELS[system])
    row = dict(system=system, seed=spec["seed"], train_seconds=wall, cpu_seconds=cpu,
               words_per_second=spec["tokens"] * spec["epochs"] / wall,
               peak_rss_mb=_peak_rss_mb(), base_rss_mb=base, vocab_size=len(words))
    if spec["evaluate"]:
        row.update(_evaluate(words, vectors, datasets.analogy_path(), datasets.wordsim_path()))
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


def prepare(corpus, max_tokens):
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
    vocab = Vocab.build(sentences, min_count=HYPER["min_count"])
    covered = _covered_pairs(vocab.words, datasets.wordsim_path())
    if covered < 2:
        raise ValueError(f"corpus: {corpus!r} ({tokens:,} tokens) has {covered} WordSim353 "
                         f"pair(s) with both words seen >= {HYPER['min_count']} times; the "
                         f"correlation needs at least 2: use a larger corpus or --max-tokens")
    return tokens, n_sent, len(vocab)


def bench(corpus="wiki+lee", epochs=5, seeds=(0,), max_tokens=None, batch_size=1024,
          systems=SYSTEMS, out=sys.stdout):
    """Run the benchmark; returns a dict with every run and the summary figures."""
    tokens, n_sent, n = prepare(corpus, max_tokens)
    print(f"corpus {corpus}: {tokens:,} tokens in {n_sent:,} sentences, {n:,} words with "
          f"count >= {HYPER['min_count']}; {epochs} epochs; seeds {list(seeds)}; w2vlib "
          f"batch_size {batch_size}", file=out, flush=True)
    runs = []
    print(_HEADER, file=out, flush=True)
    for i, seed in enumerate(seeds):
        order = systems[i % len(systems):] + systems[:i % len(systems)]
        for system in order:
            row = _run(dict(system=system, corpus=corpus, max_tokens=max_tokens,
                            epochs=epochs, seed=int(seed), batch_size=batch_size,
                            tokens=tokens, evaluate=True))
            runs.append(row)
            print(_format_row(row), file=out, flush=True)
    summary = {}
    for system in systems:
        rs = [r for r in runs if r["system"] == system]
        summary[system] = {k: (float(np.mean([r[k] for r in rs])),
                               float(np.std([r[k] for r in rs], ddof=1)) if len(rs) > 1 else 0.0)
                           for k in ("train_seconds", "cpu_seconds", "words_per_second",
                                     "peak_rss_mb", "analogy_accuracy", "analogy_covered",
                                     "ws353_spearman")}
    ratios = {}
    if "gensim" in systems:
        g = summary["gensim"]
        for system in systems:
            if system != "gensim":
                s = summary[system]
                ratios[system] = dict(
                    speed=s["words_per_second"][0] / g["words_per_second"][0],
                    cpu_speed=g["cpu_seconds"][0] / s["cpu_seconds"][0],
                    ws353_difference=s["ws353_spearman"][0] - g["ws353_spearman"][0],
                    analogy_difference=s["analogy_accuracy"][0] - g["analogy_accuracy"][0])
    print(_format_summary(summary, ratios), file=out, flush=True)
    return dict(corpus=corpus, tokens=tokens, sentences=n_sent, epochs=epochs,
                seeds=[int(s) for s in seeds], systems=list(systems), hyperparameters=HYPER,
                batch_size=batch_size, runs=runs, summary=summary, ratios=ratios,
                words_per_second_definition="raw corpus tokens x epochs / training wall seconds")


def scaling(corpus="wiki+lee", scales=(1, 4, 16), max_tokens=None, batch_size=1024,
            systems=SYSTEMS, out=sys.stdout):
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


def _mb(x):
    return "-" if x is None else f"{x:.0f}"


_HEADER = (f"{'system':<14} {'seed':>4} {'train s':>8} {'cpu s':>7} {'words/s':>9} "
           f"{'peak MB':>8} {'analogy':>8} {'covered':>8} {'WS353 rho':>9}")


def _format_row(r):
    return (f"{r['system']:<14} {r['seed']:>4} {r['train_seconds']:>8.2f} "
            f"{r['cpu_seconds']:>7.2f} {r['words_per_second']:>9,.0f} "
            f"{r['peak_rss_mb']:>8.0f} {r['analogy_accuracy']:>8.4f} "
            f"{r['analogy_covered']:>8d} {r['ws353_spearman']:>9.4f}")


def _format_summary(summary, ratios):
    lines = ["", "mean ± sd over seeds", _HEADER.replace(" seed", "     ")]
    for system, s in summary.items():
        for label, i in ((system, 0), ("  ± sd", 1)):
            lines.append(f"{label:<14} {'':>4} {s['train_seconds'][i]:>8.2f} "
                         f"{s['cpu_seconds'][i]:>7.2f} {s['words_per_second'][i]:>9,.0f} "
                         f"{s['peak_rss_mb'][i]:>8.0f} {s['analogy_accuracy'][i]:>8.4f} "
                         f"{s['analogy_covered'][i]:>8.0f} {s['ws353_spearman'][i]:>9.4f}")
    for system, r in ratios.items():
        lines.append(f"{system}/gensim: speed {r['speed']:.2f}x (words/s, wall), "
                     f"{r['cpu_speed']:.2f}x (CPU s); WS353 rho {r['ws353_difference']:+.4f}, "
                     f"analogy {r['analogy_difference']:+.4f}")
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
    """Write ``result`` to ``path`` atomically: a temporary file renamed over it."""
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.part"
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _parser():
    p = argparse.ArgumentParser(prog="python -m w2vlib.bench", description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--corpus", default="wiki+lee",
                   help=f"one of {', '.join(CORPORA)}, or a text file (one sentence a line)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--json", metavar="PATH", default=None)
    p.add_argument("--scaling", action="store_true",
                   help="time and peak memory on the corpus repeated --scales times")
    p.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    return p


def main(argv=None):
    p = _parser()
    args = p.parse_args(argv)
    if args.worker is not None:
        return _worker(json.loads(args.worker))
    if args.epochs < 1:
        p.error(f"--epochs: expected an integer >= 1, got {args.epochs}")
    if args.batch_size < 1:
        p.error(f"--batch-size: expected an integer >= 1, got {args.batch_size}")
    if args.max_tokens is not None and args.max_tokens < 1:
        p.error(f"--max-tokens: expected an integer >= 1, got {args.max_tokens}")
    if any(s < 0 for s in args.seeds):
        p.error(f"--seeds: expected integers >= 0, got {args.seeds}")
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
        else:
            result = bench(args.corpus, args.epochs, args.seeds, args.max_tokens,
                           args.batch_size, systems)
    except ValueError as exc:
        p.exit(2, f"python -m w2vlib.bench: error: {exc}\n")
    if json_path:
        write_json(json_path, result)
    return result


if __name__ == "__main__":
    main()

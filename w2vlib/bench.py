"""Benchmark: w2vlib's skip-gram with negative sampling against gensim (``sg=1, workers=1``).

    python -m w2vlib.bench [--epochs 5] [--corpus wiki+lee] [--seeds 0 1 2]
                           [--max-tokens N] [--batch-size 1024] [--json PATH]

Both systems train on the same sentences with the same hyperparameters (d=100,
window 5, K=5, sample 1e-3, min_count 5, lr 0.025 decayed linearly, 5 epochs).
For every seed the two are run one after the other, in alternating order (w2vlib
first for even seeds, gensim first for odd ones), so that drift of the machine
(other jobs, thermal throttling) hits both. NumPy's BLAS is limited to one thread,
like gensim with ``workers=1``.

Reported for each run:

* ``train s``: wall-clock seconds of training alone (the vocabulary is built before
  the clock starts, for both systems); ``cpu s``: the process's CPU seconds over the
  same span (less sensitive to other jobs on the machine);
* ``words/s``: raw corpus tokens (every token of the corpus, before min_count and
  subsampling) times epochs, divided by the training wall seconds;
* analogy accuracy on the Google analogy set (3CosAdd, the 30,000 most frequent words,
  counted as gensim counts), with the number of questions covered;
* Spearman's rho on WordSim353 (cosine of the input vectors V).

Both are scored by :mod:`w2vlib.evaluate` (gensim's vectors are wrapped in a
:class:`~w2vlib.evaluate.KeyedVectors`). The speed ratio is mean w2vlib words/s over
mean gensim words/s.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")          # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

CORPORA = ("wiki", "lee", "wiki+lee", "synthetic", "text8")
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
        raise ValueError(f"corpus: expected one of {CORPORA}, got {name!r}")
    return datasets.truncate(sents, max_tokens)


def _evaluate(words, vectors, analogies, wordsim):
    from .evaluate import KeyedVectors
    kv = KeyedVectors(words, vectors)
    a = kv.evaluate_analogies(analogies, restrict_vocab=30000)
    w = kv.evaluate_word_pairs(wordsim)
    return dict(analogy_accuracy=float(a.accuracy), analogy_correct=int(a.total.n_correct),
                analogy_covered=int(a.n_covered), analogy_questions=int(a.n_questions),
                ws353_spearman=float(w.spearman), ws353_pairs=int(w.n_pairs))


def run_w2vlib(sentences, vocab, epochs, seed, batch_size):
    from .train import train
    c0, t0 = time.process_time(), time.perf_counter()
    result = train(sentences, model="sgns", epochs=epochs, seed=seed, vocab=vocab,
                   batch_size=batch_size, progress=False, **{k: v for k, v in HYPER.items()
                                                             if k != "min_count"})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return result.vocab.words, result.V, wall, cpu


def run_gensim(sentences, epochs, seed):
    from gensim.models import Word2Vec
    model = Word2Vec(sg=1, hs=0, workers=1, vector_size=HYPER["d"], window=HYPER["window"],
                     negative=HYPER["negative"], sample=HYPER["sample"],
                     min_count=HYPER["min_count"], alpha=HYPER["lr"], epochs=epochs, seed=seed)
    model.build_vocab(sentences)
    c0, t0 = time.process_time(), time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return list(model.wv.index_to_key), model.wv.vectors, wall, cpu


def bench(corpus="wiki+lee", epochs=5, seeds=(0,), max_tokens=None, batch_size=1024,
          out=sys.stdout):
    """Run the benchmark; returns a dict with every run and the summary figures."""
    from . import datasets
    from .corpus import Vocab
    sentences = load_corpus(corpus, max_tokens)
    tokens = sum(len(s) for s in sentences)
    analogies, wordsim = datasets.analogy_path(), datasets.wordsim_path()
    vocab = Vocab.build(sentences, min_count=HYPER["min_count"])
    print(f"corpus {corpus}: {tokens:,} tokens in {len(sentences):,} sentences, "
          f"{len(vocab):,} words with count >= {HYPER['min_count']}; {epochs} epochs; "
          f"seeds {list(seeds)}; w2vlib batch_size {batch_size}", file=out, flush=True)
    runs = []
    print(_HEADER, file=out, flush=True)
    for i, seed in enumerate(seeds):
        order = ("w2vlib", "gensim") if i % 2 == 0 else ("gensim", "w2vlib")
        for system in order:
            if system == "w2vlib":
                words, vectors, wall, cpu = run_w2vlib(sentences, vocab, epochs, seed, batch_size)
            else:
                words, vectors, wall, cpu = run_gensim(sentences, epochs, seed)
            row = dict(system=system, seed=int(seed), train_seconds=wall, cpu_seconds=cpu,
                       words_per_second=tokens * epochs / wall, vocab_size=len(words),
                       **_evaluate(words, vectors, analogies, wordsim))
            runs.append(row)
            print(_format_row(row), file=out, flush=True)
    summary = {}
    for system in ("w2vlib", "gensim"):
        rs = [r for r in runs if r["system"] == system]
        summary[system] = {k: (float(np.mean([r[k] for r in rs])),
                               float(np.std([r[k] for r in rs], ddof=1)) if len(rs) > 1 else 0.0)
                           for k in ("train_seconds", "cpu_seconds", "words_per_second",
                                     "analogy_accuracy", "analogy_covered", "ws353_spearman")}
    ratio = summary["w2vlib"]["words_per_second"][0] / summary["gensim"]["words_per_second"][0]
    cpu_ratio = summary["gensim"]["cpu_seconds"][0] / summary["w2vlib"]["cpu_seconds"][0]
    print(_format_summary(summary, ratio, cpu_ratio), file=out, flush=True)
    return dict(corpus=corpus, tokens=tokens, sentences=len(sentences), epochs=epochs,
                seeds=[int(s) for s in seeds], hyperparameters=HYPER, batch_size=batch_size,
                runs=runs, summary=summary, speed_ratio=ratio, cpu_speed_ratio=cpu_ratio,
                words_per_second_definition="raw corpus tokens x epochs / training wall seconds")


_HEADER = (f"{'system':<8} {'seed':>4} {'train s':>8} {'cpu s':>7} {'words/s':>9} "
           f"{'analogy':>8} {'covered':>8} {'WS353 rho':>9}")


def _format_row(r):
    line = (f"{r['system']:<8} {r['seed']:>4} {r['train_seconds']:>8.2f} {r['cpu_seconds']:>7.2f} "
            f"{r['words_per_second']:>9,.0f} {r['analogy_accuracy']:>8.4f} "
            f"{r['analogy_covered']:>8d} {r['ws353_spearman']:>9.4f}")
    return line


def _format_summary(summary, ratio, cpu_ratio):
    lines = ["", "mean ± sd over seeds", _HEADER.replace(" seed", "     ")]
    for system, s in summary.items():
        lines.append(f"{system:<8} {'':>4} {s['train_seconds'][0]:>8.2f} "
                     f"{s['cpu_seconds'][0]:>7.2f} {s['words_per_second'][0]:>9,.0f} "
                     f"{s['analogy_accuracy'][0]:>8.4f} "
                     f"{s['analogy_covered'][0]:>8.0f} {s['ws353_spearman'][0]:>9.4f}")
        lines.append(f"{'  ± sd':<8} {'':>4} {s['train_seconds'][1]:>8.2f} "
                     f"{s['cpu_seconds'][1]:>7.2f} {s['words_per_second'][1]:>9,.0f} "
                     f"{s['analogy_accuracy'][1]:>8.4f} "
                     f"{s['analogy_covered'][1]:>8.0f} {s['ws353_spearman'][1]:>9.4f}")
    lines.append(f"speed ratio w2vlib/gensim (words/s, wall): {ratio:.2f}x;  "
                 f"by CPU seconds: {cpu_ratio:.2f}x")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m w2vlib.bench", description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--corpus", choices=CORPORA, default="wiki+lee")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--json", metavar="PATH", default=None)
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs: expected an integer >= 1")
    if args.max_tokens is not None and args.max_tokens < 1:
        p.error("--max-tokens: expected an integer >= 1")
    result = bench(args.corpus, args.epochs, args.seeds, args.max_tokens, args.batch_size)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()

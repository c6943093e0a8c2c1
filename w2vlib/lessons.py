"""Small kept artifacts for the chapters' lessons that the quality runs do not cover.

    python -m w2vlib.lessons variants [--seeds 0 1 2 3 4 5] [--configs native haswell nehalem]
                                      [--json w2vlib/results/ch7_variants.json]

``variants`` trains chapter 7's four output layers (``train.MODELS``: sgns, cbow, softmax,
hs) on the small planted corpus of its section 7.6 (``datasets.synthetic_corpus(3_000,
seed=0)``, d = 30, 5 epochs, ``min_count=1``, the trainer's defaults otherwise) once per
seed, and records the planted-analogy accuracy and the last point of each loss curve; and
its first run, SGNS on 10,000 sentences (section 7.2, system ``"sgns-10k"``).
With ``--configs`` every floating-point kernel configuration of :mod:`w2vlib.repro` runs
in a fresh process (as ``python -m w2vlib.quality --configs`` does). The JSON has the
shape of :mod:`w2vlib.quality`'s artifacts (``runs``: one dict per configuration, seed and
system, with a one-entry ``history``), so :func:`w2vlib.quality.bounds` reads it::

    quality.bounds(VARIANTS, "softmax", "analogy")      # (mean - 3 sd, mean + 3 sd)

A few CPU seconds per seed and configuration; about a minute for the default command.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")          # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402


__all__ = ["VARIANTS", "VARIANT_SETTINGS", "train_variants", "train_planted",
           "paired_bootstrap_spearman",
           "main"]

VARIANTS = os.path.join(os.path.dirname(__file__), "results", "ch7_variants.json")
#: The settings of chapter 7's comparison of the four output layers.
VARIANT_SETTINGS = dict(n_sentences=3_000, corpus_seed=0, d=30, epochs=5, min_count=1)


def train_variants(seeds=(0,), models=None, **settings):
    """Train every model of ``models`` (default ``train.MODELS``) once per seed on the
    small planted corpus; returns the runs (system, seed, history=[{epoch, analogy,
    loss}]) with ``analogy`` the planted-analogy accuracy and ``loss`` the last point
    of the loss curve."""
    from . import datasets, train

    s = {**VARIANT_SETTINGS, **settings}
    unknown = sorted(set(s) - set(VARIANT_SETTINGS))
    if unknown:
        raise ValueError(f"settings: expected names from {list(VARIANT_SETTINGS)}, "
                         f"got {unknown}")
    models = train.MODELS if models is None else tuple(models)
    bad = [m for m in models if m not in train.MODELS]
    if bad:
        raise ValueError(f"models: expected names from {list(train.MODELS)}, got {bad}")
    sentences, questions = datasets.synthetic_corpus(n_sentences=s["n_sentences"],
                                                     seed=s["corpus_seed"])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        planted = os.path.join(tmp, "planted.txt")
        datasets.write_analogies(planted, questions)
        for seed in seeds:
            for model in models:
                r = train.train(sentences, model=model, d=s["d"], epochs=s["epochs"],
                                min_count=s["min_count"], seed=int(seed), progress=False)
                acc = float(r.wv.evaluate_analogies(planted).accuracy)
                runs.append(dict(system=model, seed=int(seed), history=[dict(
                    epoch=s["epochs"], analogy=acc, loss=float(r.loss_history[-1, 1]))]))
    return runs


def train_planted(seeds=(0,), n_sentences=10_000, d=30, epochs=5):
    """Chapter 7's first run (section 7.2): SGNS on ``synthetic_corpus(n_sentences,
    seed=0)`` once per seed. Returns runs of system ``"sgns-10k"`` whose history holds
    the planted-analogy accuracy (``analogy``), the lowest accuracy of its three
    sections (``min_section``) and the first point of the loss curve (``first_loss``)."""
    from . import datasets, train

    sentences, questions = datasets.synthetic_corpus(n_sentences=n_sentences, seed=0)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        planted = os.path.join(tmp, "planted.txt")
        datasets.write_analogies(planted, questions)
        for seed in seeds:
            r = train.train(sentences, model="sgns", d=d, epochs=epochs, min_count=1,
                            seed=int(seed), progress=False)
            res = r.wv.evaluate_analogies(planted)
            runs.append(dict(system="sgns-10k", seed=int(seed), history=[dict(
                epoch=epochs, analogy=float(res.accuracy),
                min_section=float(min(sec.accuracy for sec in res.sections)),
                first_loss=float(r.loss_history[0, 1]))]))
    return runs


def _spearman_rows(x, y):
    """Spearman's rho of every row pair of (B, N) arrays x and y (average ranks for ties)."""
    from scipy.stats import rankdata
    rx, ry = rankdata(x, axis=1), rankdata(y, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    return (rx * ry).sum(axis=1) / np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))


def paired_bootstrap_spearman(human, scores_a, scores_b, n_boot=2000, seed=0):
    """How far apart two similarity scores' Spearman rho with ``human`` may lie by chance.

    The N word pairs are resampled with replacement ``n_boot`` times; each resample
    scores *both* systems on the same pairs (a paired bootstrap). Returns a dict:
    ``rho_a``, ``rho_b`` (on all pairs), ``diff`` = rho_b - rho_a, ``sd_a``, ``sd_b``
    (the bootstrap standard errors of each rho) and ``sd_diff`` (of their difference,
    smaller than either when the two scores rank the pairs alike).
    """
    from scipy.stats import spearmanr
    arrays = [np.asarray(x, dtype=np.float64) for x in (human, scores_a, scores_b)]
    for name, x in zip(("human", "scores_a", "scores_b"), arrays):
        if x.ndim != 1 or x.size != arrays[0].size:
            raise ValueError(f"{name}: expected a 1-D array of {arrays[0].size} values, "
                             f"got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name}: expected finite values")
    if arrays[0].size < 4:
        raise ValueError(f"human: expected at least 4 pairs, got {arrays[0].size}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"n_boot: expected an integer >= 2, got {n_boot!r}")
    h, a, b = arrays
    pick = np.random.default_rng(seed).integers(h.size, size=(int(n_boot), h.size))
    ra, rb = _spearman_rows(h[pick], a[pick]), _spearman_rows(h[pick], b[pick])
    rho_a, rho_b = spearmanr(h, a)[0], spearmanr(h, b)[0]
    return dict(rho_a=float(rho_a), rho_b=float(rho_b), diff=float(rho_b - rho_a),
                sd_a=float(np.nanstd(ra, ddof=1)), sd_b=float(np.nanstd(rb, ddof=1)),
                sd_diff=float(np.nanstd(rb - ra, ddof=1)))


def _variants(args, argv):
    from datetime import datetime, timezone

    from . import repro
    from ._io import atomic_write
    command = "python -m w2vlib.lessons " + " ".join(argv)
    if args.configs:
        native = repro.probe("native")[0]
        runs, skipped, seen = [], {}, []
        for name in args.configs:
            status, report, note = repro.check(name, native)
            if status == "run" and (report["openblas"], report["found"]) in seen:
                status, note = "skip", "the same kernels as a configuration already run"
            if status == "skip":
                skipped[name] = note
                continue
            if status == "fail":
                raise RuntimeError(f"configuration {name}: {note}")
            seen.append((report["openblas"], report["found"]))
            with tempfile.TemporaryDirectory() as tmp:
                child = os.path.join(tmp, "child.json")
                cmd = [sys.executable, "-m", "w2vlib.lessons", "variants", "--seeds",
                       *map(str, args.seeds), "--json", child]
                subprocess_run(cmd, repro.config_env(name))
                with open(child, encoding="utf-8") as f:
                    part = json.load(f)
            problem = repro.check_report(name, part["kernels"])
            if problem:
                raise RuntimeError(f"configuration {name}: {problem}")
            runs += [dict(config=name, **r) for r in part["runs"]]
            print(f"{name}: {len(part['runs'])} runs", flush=True)
        artifact = dict(configs=args.configs, skipped=skipped)
    else:
        runs = train_variants(args.seeds) + train_planted(args.seeds)
        artifact = dict(kernels=repro.kernels_in_use())
    artifact = dict(command=command, date=datetime.now(timezone.utc).isoformat(
        timespec="seconds"), settings=VARIANT_SETTINGS, seeds=args.seeds, **artifact,
        runs=runs)
    for r in runs:
        h = r["history"][-1]
        figures = "  ".join(f"{k} {v:.4f}" for k, v in h.items() if k != "epoch")
        print(f"{r.get('config', ''):<8} seed {r['seed']} {r['system']:<8} {figures}")
    if args.json:
        atomic_write(args.json, json.dumps(artifact, indent=1) + "\n", binary=False)
    return runs


def subprocess_run(cmd, env):
    import subprocess
    subprocess.run(cmd, env=env, check=True)


def main(argv=None):
    from . import repro
    p = argparse.ArgumentParser(prog="python -m w2vlib.lessons",
                                description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    v = sub.add_parser("variants", help="chapter 7's four output layers over seeds")
    v.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    v.add_argument("--configs", nargs="+", default=None, metavar="CONFIG",
                   help=f"kernel configurations ({' '.join(repro.CONFIGS)}), each in a "
                        "fresh process")
    v.add_argument("--json", metavar="PATH", default=None)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(argv)
    if args.configs:
        for name in args.configs:
            if name not in repro.CONFIGS:
                p.error(f"--configs: expected names from {list(repro.CONFIGS)}, got {name!r}")
    if any(s < 0 for s in args.seeds):
        p.error(f"--seeds: expected seeds >= 0, got {args.seeds}")
    return _variants(args, argv)


if __name__ == "__main__":
    main()

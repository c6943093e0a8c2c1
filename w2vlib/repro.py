"""Running the book as another machine would: floating-point kernel configurations.

NumPy's wheels pick their SIMD loops (``exp``, ``log1p``, sums...) and OpenBLAS's
kernels (``matmul``, ``dot``...) at run time from the CPU. Two environment variables
hold them to a lower level, so one machine can run the book as an older one would:

* ``OPENBLAS_CORETYPE`` names OpenBLAS's kernel (``Haswell``: AVX2; ``Nehalem``: SSE
  only), for NumPy's and SciPy's OpenBLAS alike (gensim calls SciPy's);
* ``NPY_DISABLE_CPU_FEATURES`` switches off NumPy's dispatch groups above a level.

:data:`CONFIGS` names the configurations. The command line::

    python -m w2vlib.repro report [CONFIG ...]      # the kernels each one really uses
    python -m w2vlib.repro test [CONFIG ...] [--junit-dir DIR] [-- PYTEST ARGS]
    python -m w2vlib.repro env CONFIG                # the variables, for a shell

``test`` runs the chapters under strict nbval once per configuration (2 workers, one
BLAS thread), after checking in a fresh process that the requested kernels are the
ones in use: a configuration the CPU cannot run (it lacks the instructions) is
skipped with a note; one that silently ran other kernels fails.

The module also holds the teaching demonstration of chapter 8 (:func:`sum_orders`,
:func:`epoch_gaps`). The trainer's own logistic kernel (``objectives.logistic_kernel``)
is the machine-independent one: einsum scores, float64 exp/log1p, sequential sums
(tests/test_train_kernels.py).
"""

import argparse
import ctypes
import glob
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

__all__ = ["CONFIGS", "config_env", "kernels_in_use", "probe", "check", "check_report",
           "describe", "run_chapters", "sum_orders", "one_ulp_later", "epoch_gaps",
           "using_step", "main"]

# name -> (OPENBLAS_CORETYPE, NumPy dispatch groups disabled, hardware it needs)
CONFIGS = {
    "native": dict(coretype=None, disable=(), needs=()),
    "haswell": dict(coretype="Haswell", disable=("X86_V4", "AVX512_ICL", "AVX512_SPR"),
                    needs=("X86_V3",)),
    "nehalem": dict(coretype="Nehalem",
                    disable=("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR"), needs=()),
}
DEFAULT_TEST_CONFIGS = ("haswell", "nehalem")
_CONTROLLED = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")


def _config(name):
    if name not in CONFIGS:
        raise ValueError(f"config: expected one of {list(CONFIGS)}, got {name!r}")
    return CONFIGS[name]


def config_env(name, base=None):
    """The environment of configuration ``name``: ``base`` (default ``os.environ``)
    with the two kernel variables set (or removed, for ``native``) and one BLAS thread."""
    cfg = _config(name)
    env = dict(os.environ if base is None else base)
    for var in _CONTROLLED:
        env.pop(var, None)
    if cfg["coretype"]:
        env["OPENBLAS_CORETYPE"] = cfg["coretype"]
    if cfg["disable"]:
        env["NPY_DISABLE_CPU_FEATURES"] = ",".join(cfg["disable"])   # no spaces: env $(...)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def _openblas_corenames():
    """{library file: OpenBLAS core name} for NumPy's and SciPy's bundled OpenBLAS,
    asked through ctypes (``scipy_openblas_get_corename64_``: what threadpoolctl's
    ``architecture`` reports, without needing threadpoolctl)."""
    import importlib.util
    names = {}
    for pkg in ("numpy", "scipy"):
        spec = importlib.util.find_spec(pkg)
        if spec is None or spec.origin is None:
            continue
        libs = Path(spec.origin).parent.parent / f"{pkg}.libs"
        for so in sorted(glob.glob(str(libs / "libscipy_openblas*.so*"))):
            lib = ctypes.CDLL(so)
            for sym in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                        "openblas_get_corename64_", "openblas_get_corename"):
                fn = getattr(lib, sym, None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    names[f"{pkg}: {Path(so).name}"] = fn().decode()
                    break
    return names              # empty for another BLAS (a conda MKL build): not checkable


def kernels_in_use():
    """The kernels of this process: NumPy's SIMD groups found and not found (as
    ``numpy.show_runtime()`` lists them) and each OpenBLAS library's core name."""
    from numpy._core._multiarray_umath import (
        __cpu_baseline__,
        __cpu_dispatch__,
        __cpu_features__,
    )
    return dict(numpy=np.__version__, baseline=list(__cpu_baseline__),
                found=[f for f in __cpu_dispatch__ if __cpu_features__[f]],
                not_found=[f for f in __cpu_dispatch__ if not __cpu_features__[f]],
                openblas=_openblas_corenames(),
                env={v: os.environ.get(v) for v in _CONTROLLED})


def probe(name):
    """:func:`kernels_in_use` in a fresh interpreter with configuration ``name``'s
    environment. Returns (report or None, error text)."""
    code = "import json, w2vlib.repro as r; print(json.dumps(r.kernels_in_use()))"
    p = subprocess.run([sys.executable, "-c", code], env=config_env(name),
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr.strip().splitlines() or ["(no message)"])[-1]
    return json.loads(p.stdout.strip().splitlines()[-1]), ""


def check(name, native=None):
    """Whether configuration ``name`` runs the kernels it asks for here.

    Returns (status, report, note): status "run" (the kernels asked for are in use),
    "skip" (the CPU lacks them, or they are the native ones already) or "fail" (a
    silent fallback: another OpenBLAS core or a NumPy group that should be off).
    ``native``: the native configuration's report (probed if None).
    """
    cfg = _config(name)
    native = probe("native")[0] if native is None else native
    if native is None:
        return "fail", None, "NumPy does not start in the native configuration"
    missing = [f for f in cfg["needs"] if f not in native["found"] + native["baseline"]]
    if missing:
        return "skip", None, (f"this CPU lacks {', '.join(missing)}: {name}'s kernels "
                              "cannot run here")
    report, error = probe(name)
    if report is None:
        if "cannot disable" in error or "baseline" in error:
            return "skip", None, f"NumPy refuses {name}'s settings here: {error}"
        return "fail", None, f"the probe failed: {error}"
    problem = check_report(name, report)
    if problem:
        return "fail", report, problem
    if name != "native" and (report["openblas"], report["found"]) == \
            (native["openblas"], native["found"]):
        return "skip", report, "the same kernels as native on this CPU (make test runs them)"
    return "run", report, ""


def check_report(name, report):
    """Why a :func:`kernels_in_use` report is not configuration ``name``'s (a silent
    fallback to other kernels), or "" if it is."""
    cfg = _config(name)
    if not report["openblas"]:
        return "no OpenBLAS found: its kernel cannot be checked"
    wrong = {lib: core for lib, core in report["openblas"].items()
             if cfg["coretype"] and core.lower() != cfg["coretype"].lower()}
    still_on = [f for f in cfg["disable"] if f in report["found"]]
    if wrong or still_on:
        return (f"asked for OpenBLAS {cfg['coretype']} without NumPy's {list(cfg['disable'])}, "
                f"got OpenBLAS {wrong or 'as asked'} and NumPy groups "
                f"{still_on or 'as asked'} still on")
    return ""


def describe(report):
    cores = sorted(set(report["openblas"].values()))
    return (f"OpenBLAS core {'/'.join(cores) or '?'}; NumPy SIMD {report['baseline']} + "
            f"{report['found'] or 'nothing'} (off: {report['not_found']})")


def failed_cells(junit_xml):
    """{notebook: [cell labels]} of the failed and errored tests in a JUnit XML file."""
    out = {}
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            where = case.get("file") or case.get("classname", "")
            out.setdefault(where, []).append(case.get("name"))
    return out


def run_chapters(name, paths=("notebooks",), pytest_args=(), junit=None, workers=2):
    """Strict nbval over ``paths`` in configuration ``name``; returns pytest's exit code."""
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "-rf", "-p", "no:cacheprovider"]
    if workers > 1:
        cmd += ["-n", str(workers), "--dist", "loadscope"]
    if junit:
        cmd += [f"--junitxml={junit}"]
    cmd += list(pytest_args)
    return subprocess.run(cmd, env=config_env(name)).returncode


def _test(args):
    names = args.configs or list(DEFAULT_TEST_CONFIGS)
    for n in names:
        _config(n)
    native, error = probe("native")
    if native is None:
        print(f"native: NumPy does not start: {error}")
        return 2
    print(f"native kernels: {describe(native)}", flush=True)
    junit_dir = Path(args.junit_dir or "_build/kernels")
    junit_dir.mkdir(parents=True, exist_ok=True)
    summary, worst = [], 0
    for n in names:
        status, report, note = check(n, native)
        if report:
            print(f"\n== {n}: {describe(report)}", flush=True)
        else:
            print(f"\n== {n}", flush=True)
        if status != "run":
            print(f"   {status.upper()}: {note}", flush=True)
            summary.append((n, status, note, 0.0))
            worst = max(worst, 1 if status == "fail" else 0)
            continue
        junit = junit_dir / f"{n}.xml"
        t0 = time.perf_counter()
        rc = run_chapters(n, args.paths, args.pytest_args, junit, args.workers)
        seconds = time.perf_counter() - t0
        cells = failed_cells(junit) if junit.exists() else {}
        note = "; ".join(f"{Path(nb).name}: {', '.join(c)}" for nb, c in cells.items())
        summary.append((n, "pass" if rc == 0 else "FAIL", note or f"pytest exit {rc}"
                        if rc else "", seconds))
        worst = max(worst, 0 if rc == 0 else 1)
    print("\nconfiguration  result  seconds  failed cells / note")
    for n, status, note, seconds in summary:
        print(f"{n:<14} {status:<7} {seconds:>7.0f}  {note}")
    return worst


# ------------------------------------------------------------------ the demonstration
def sum_orders(x):
    """The float32 sum of ``x`` in three orders: left to right, in 8 interleaved
    partial sums (as an AVX2 kernel holds them) and in 16 (AVX-512). Returns a dict."""
    x = np.asarray(x, dtype=np.float32)

    def lanes(k):
        pad = np.zeros(-x.size % k, dtype=np.float32)
        parts = np.zeros(k, dtype=np.float32)
        for row in np.concatenate([x, pad]).reshape(-1, k):
            parts += row                           # k running sums, one per lane
        total = np.float32(0)
        for p in parts:
            total = np.float32(total + p)
        return total

    left = np.float32(0)
    for v in x:
        left = np.float32(left + v)
    return {"left to right": left, "8 lanes": lanes(8), "16 lanes": lanes(16)}


def one_ulp_later(step, call=1):
    """An SGNS step that is ``step``, except that after its ``call``-th minibatch
    (counted from 0) the first coordinate of each of the batch's centre words moves up
    by one ulp: last-bit differences like those another kernel makes (a few hundred
    of the 6,144 scores of a minibatch, in the measurements of w2vlib/repro.py)."""
    calls = [0]

    def nudged(ctx, batch, eta):
        loss = step(ctx, batch, eta)
        if calls[0] == call:
            V, c = ctx["V"], np.unique(batch[0])
            V[c, 0] = np.nextafter(V[c, 0], V.dtype.type(np.inf))
        calls[0] += 1
        return loss

    return nudged


class _Stop(Exception):
    pass


def epoch_gaps(sentences, step_b, step_a=None, epochs=2, stop_after=None, **train_kw):
    """Train SGNS twice from one seed, with ``step_a`` (None: the trainer's own step)
    and ``step_b``, for ``epochs`` epochs (the learning-rate schedule's length), or
    only the first ``stop_after`` of them; returns, per epoch trained, the largest
    |difference| of the two V's over the largest |entry| of the first V: how far a
    difference has grown."""
    from . import train as tr
    kept = {"a": [], "b": []}
    last = epochs if stop_after is None else min(stop_after, epochs)

    def keep(name):
        def callback(info):
            kept[name].append(info.V.copy())
            if info.epoch >= last and last < epochs:
                raise _Stop
        return callback

    for name, step in (("a", step_a), ("b", step_b)):
        with using_step(step or tr._STEPS["sgns"]):
            try:
                tr.train(sentences, model="sgns", epochs=epochs, progress=False,
                         callbacks=[keep(name)], **train_kw)
            except _Stop:
                pass
    return np.array([np.abs(a.astype(np.float64) - b).max() / np.abs(a).max()
                     for a, b in zip(kept["a"], kept["b"])])


# ------------------------------------------------------------------ switching the step
class using_step:
    """``with using_step(fn):`` the trainer's SGNS step is ``fn`` inside the block."""

    def __init__(self, fn):
        self.fn = fn

    def __enter__(self):
        from . import train
        self.saved = train._STEPS["sgns"]
        train._STEPS["sgns"] = self.fn
        return self

    def __exit__(self, *exc):
        from . import train
        train._STEPS["sgns"] = self.saved
        return False


# ------------------------------------------------------------------------ command line
def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m w2vlib.repro",
                                description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="the kernels each configuration really uses")
    r.add_argument("configs", nargs="*", metavar="CONFIG", help=f"of {list(CONFIGS)}")
    e = sub.add_parser("env", help="the environment variables of a configuration")
    e.add_argument("config", choices=list(CONFIGS))
    t = sub.add_parser("test", help="the chapters under strict nbval per configuration")
    t.add_argument("configs", nargs="*", metavar="CONFIG",
                   help=f"of {list(CONFIGS)} (default: {' '.join(DEFAULT_TEST_CONFIGS)})")
    t.add_argument("--paths", nargs="+", default=["notebooks"],
                   help="notebooks or folders to run (default: notebooks)")
    t.add_argument("--workers", type=int, default=2)
    t.add_argument("--junit-dir", default=None, help="default: _build/kernels")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        extra, argv = argv[argv.index("--") + 1:], argv[:argv.index("--")]
    args = p.parse_args(argv)
    args.pytest_args = extra
    for name in getattr(args, "configs", []):
        if name not in CONFIGS:
            p.error(f"config: expected one of {list(CONFIGS)}, got {name!r}")
    if args.command == "env":
        cfg = config_env(args.config, base={})
        print(" ".join(f"{k}={v}" for k, v in cfg.items()))
        return 0
    if args.command == "report":
        native = probe("native")[0]
        worst = 0
        for n in args.configs or list(CONFIGS):
            status, report, note = check(n, native)
            print(f"{n:<8} {status:<5} {describe(report) if report else ''} {note}")
            worst = max(worst, status == "fail")
        return int(worst)
    return _test(args)


if __name__ == "__main__":
    sys.exit(main())

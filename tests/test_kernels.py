"""w2vlib.repro: kernel configurations, the check against silent fallbacks, the chapter
runner, the float-order demonstration and the kernel-independent logistic kernel."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from w2vlib import repro, train
from tests.test_train import SENTS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def native():
    report, error = repro.probe("native")
    assert report is not None, error
    return report


@pytest.fixture
def own_tree(monkeypatch):
    """Subprocesses (and their Jupyter kernels) import this tree's w2vlib."""
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))


def runnable(native):
    return [c for c in ("haswell", "nehalem") if repro.check(c, native)[0] == "run"]


def test_config_env_sets_the_two_variables_and_one_thread():
    base = {"OPENBLAS_CORETYPE": "Zen", "NPY_DISABLE_CPU_FEATURES": "X86_V4", "HOME": "/h"}
    env = repro.config_env("nehalem", base)
    assert env["OPENBLAS_CORETYPE"] == "Nehalem" and env["HOME"] == "/h"
    assert env["NPY_DISABLE_CPU_FEATURES"].split(",") == ["X86_V3", "X86_V4", "AVX512_ICL",
                                                       "AVX512_SPR"]
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    native_env = repro.config_env("native", base)      # native: both removed
    assert "OPENBLAS_CORETYPE" not in native_env and "NPY_DISABLE_CPU_FEATURES" not in native_env
    with pytest.raises(ValueError, match="config: expected one of"):
        repro.config_env("skylake")


def test_each_configuration_runs_the_kernels_it_asks_for(native):
    assert native["openblas"], "no OpenBLAS core name found (NumPy's or SciPy's)"
    for name in ("haswell", "nehalem"):
        status, report, note = repro.check(name, native)
        assert status in ("run", "skip"), note
        if status == "run":
            want = repro.CONFIGS[name]["coretype"]
            assert set(report["openblas"].values()) == {want}
            assert not set(repro.CONFIGS[name]["disable"]) & set(report["found"])
        elif "lacks" in note:                            # only on a CPU without AVX2
            assert name == "haswell" and "X86_V3" not in native["found"]


def test_a_silent_fallback_fails(native, monkeypatch):
    # OpenBLAS ignores a core name it does not know and keeps the native kernels
    monkeypatch.setitem(repro.CONFIGS, "bogus", dict(coretype="NoSuchCore", disable=(),
                                                     needs=()))
    status, report, note = repro.check("bogus", native)
    assert status == "fail" and "asked for OpenBLAS NoSuchCore" in note
    assert report["openblas"] == native["openblas"]
    # and a report whose NumPy groups are still on is not the configuration's
    fake = dict(native, openblas={"numpy": "Haswell"}, found=["X86_V3", "X86_V4"])
    assert "['X86_V4'] still on" in repro.check_report("haswell", fake)
    assert repro.check_report("haswell", dict(fake, openblas={})) \
        == "no OpenBLAS found: its kernel cannot be checked"


def test_a_cpu_without_the_instructions_is_skipped(native):
    poorer = dict(native, found=[])                      # a CPU with the baseline only
    status, report, note = repro.check("haswell", poorer)
    assert status == "skip" and "lacks X86_V3" in note and report is None


def test_failed_cells_from_junit(tmp_path):
    xml = tmp_path / "r.xml"
    xml.write_text('<testsuites><testsuite name="pytest">'
                   '<testcase classname="notebooks.07_training.ipynb" name="Cell 21">'
                   '<failure message="x"/></testcase>'
                   '<testcase classname="notebooks.07_training.ipynb" name="Cell 22"/>'
                   '<testcase classname="notebooks.08_eval.ipynb" name="Cell 28">'
                   '<error message="y"/></testcase></testsuite></testsuites>')
    assert repro.failed_cells(xml) == {"notebooks.07_training.ipynb": ["Cell 21"],
                                       "notebooks.08_eval.ipynb": ["Cell 28"]}


def _corename_notebook(path, core):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "from w2vlib import repro\nprint(sorted(set(repro.kernels_in_use()['openblas'].values())))")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"['{core}']\n")]
    cell.execution_count = 1
    nb.cells = [cell]
    nbformat.write(nb, path)


@pytest.mark.slow
def test_the_chapters_kernel_runs_the_configuration(tmp_path, native, own_tree):
    """A notebook whose stored output is the OpenBLAS core passes under strict nbval in
    that configuration and fails in another: the notebooks' kernels get the variables."""
    (config,) = runnable(native)[-1:] or pytest.skip("no configuration below native here")
    notebook = tmp_path / "core.ipynb"
    _corename_notebook(notebook, repro.CONFIGS[config]["coretype"])
    args = ["--nbval", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
    assert repro.run_chapters(config, [str(notebook)], args, workers=1) == 0
    assert repro.run_chapters("native", [str(notebook)], args, workers=1) == 1


@pytest.mark.slow
def test_the_command_line(native, own_tree):
    py = [sys.executable, "-m", "w2vlib.repro"]
    env = subprocess.run(py + ["env", "haswell"], capture_output=True, text=True, check=True)
    assert env.stdout.split()[:2] == ["OPENBLAS_CORETYPE=Haswell",
                                      "NPY_DISABLE_CPU_FEATURES=X86_V4,AVX512_ICL,AVX512_SPR"]
    report = subprocess.run(py + ["report", "native", "nehalem"], capture_output=True,
                            text=True)
    assert report.returncode == 0, report.stdout + report.stderr
    assert report.stdout.startswith("native   run   OpenBLAS core")
    bad = subprocess.run(py + ["test", "skylake"], capture_output=True, text=True)
    assert bad.returncode == 2 and "config: expected one of" in bad.stderr


# ------------------------------------------------------------------ the demonstration
def test_float_sums_depend_on_their_order():
    x = np.random.default_rng(0).normal(size=50).astype(np.float32)
    sums = repro.sum_orders(x)
    exact = np.sum(x.astype(np.float64))
    assert len(set(sums.values())) == 3                    # three orders, three results
    for s in sums.values():                                # each is a correct float32 sum
        assert abs(s - exact) < 8 * np.spacing(np.float32(abs(exact)))
    assert repro.sum_orders([1e8, 1, -1e8])["left to right"] == 0   # 1 is lost


def test_one_ulp_in_one_number_changes_the_trained_vectors():
    det = train._step_sgns                         # the trainer's step: the same on every CPU
    kw = dict(d=16, min_count=1, sample=None, batch_size=64, seed=3)
    same = repro.epoch_gaps(SENTS, det, det, epochs=2, **kw)
    assert np.all(same == 0)                       # the same step twice: bit for bit
    gap = repro.epoch_gaps(SENTS, repro.one_ulp_later(det), det, epochs=2, **kw)
    assert gap.shape == (2,) and np.all(gap > 0) and gap[0] < 1e-3   # the last bits spread
    first = repro.epoch_gaps(SENTS, repro.one_ulp_later(det), det, epochs=2, stop_after=1,
                             **kw)
    assert list(first) == [gap[0]]                 # the first of 2 epochs, then stopped
    assert train._STEPS["sgns"] is train._step_sgns          # the step is restored

"""The trainer computes the same vectors whatever the CPU's floating-point kernels.

NumPy and OpenBLAS pick their SIMD kernels from the CPU at run time, and two kernels may
sum the same numbers in another order. The logistic output kernel avoids both (einsum
scores, float64 exp/log1p, sequential sparse sums): the SGNS, CBOW and hierarchical-
softmax trainers give bitwise the same vectors under SSE-level kernels as natively.
The shared-negative trainer's products go through the BLAS, and its vectors differ.
"""

import json
import os
import platform
import subprocess
import sys

import pytest

SSE = {"OPENBLAS_CORETYPE": "Nehalem",
       "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"}

SCRIPT = r"""
import hashlib, json, warnings
import numpy as np
from w2vlib.train import train
rng = np.random.default_rng(0)
words = [f"w{i}" for i in range(60)]
p = 1.0 / np.arange(1, 61); p /= p.sum()
sents = [list(rng.choice(words, size=20, p=p)) for _ in range(300)]
out = {}
for model in ("sgns", "cbow", "hs", "sgns-shared"):
    r = train(sents, model=model, d=24, epochs=2, lr=0.1, batch_size=256, min_count=1,
              sample=1e-2, seed=3, progress=False)
    out[model] = hashlib.sha1(r.V.tobytes()).hexdigest()
print(json.dumps(out))
"""


def _run(extra):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **extra)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="the kernel configurations named here are x86-64's")
def test_logistic_trainers_are_bitwise_the_same_under_sse_kernels():
    native, sse = _run({}), _run(SSE)
    for model in ("sgns", "cbow", "hs"):
        assert native[model] == sse[model], model

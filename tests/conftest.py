"""Shared pytest setup: Hypothesis profiles and small random fixtures."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# CI runs a fixed, derandomised set of examples, so a red run is reproducible;
# locally Hypothesis explores new examples every run.
settings.register_profile("ci", deadline=None, derandomize=True, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _hessian_trace(loss, x, h=1e-4):
    """sum_k d^2 loss() / dx_k^2 by central second differences; x (a view into the
    parameters ``loss`` reads) is changed and restored."""
    f0, out = loss(), 0.0
    for k in range(x.size):
        old = x.flat[k]
        x.flat[k] = old + h
        fp = loss()
        x.flat[k] = old - h
        fm = loss()
        x.flat[k] = old
        out += (fp - 2 * f0 + fm) / h ** 2
    return out


@pytest.fixture
def hessian_trace():
    """The finite-difference trace of a row's Hessian (the trainer's row rule)."""
    return _hessian_trace

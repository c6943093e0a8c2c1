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

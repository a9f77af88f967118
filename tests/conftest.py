import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")

# JIT warm-up makes the first example slow; deadlines would flake on it.
# The default profile is derandomized so CI runs the same examples every time;
# HYPOTHESIS_PROFILE=explore (or ci-thorough) searches afresh.
settings.register_profile(
    "skinfo",
    deadline=None,
    max_examples=25,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", parent=settings.get_profile("skinfo"), derandomize=False)
settings.register_profile(
    "ci-thorough", parent=settings.get_profile("skinfo"), derandomize=False, max_examples=200
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "skinfo"))


@pytest.fixture
def seed():
    """One seed per test, so failures reproduce."""
    return 20190609


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)

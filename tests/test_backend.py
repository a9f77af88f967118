"""The torch SP backend: same draws and semantics as the Numba path, so the same numbers.

``backend="torch"`` evaluates the mixture with PyTorch (always the exact dense
sum); the Monte Carlo noise is drawn from ``random_state`` in NumPy either way,
so on CPU tensors in float64 the two backends agree to rounding (1e-10).
"""

import numpy as np
import pytest

from skinfo import NoisyMutualInformation, SPEntropy, noisy_mutual_information, sp_entropy

torch = pytest.importorskip("torch")


def _layer(rng, m=120, r=3, d=5):
    centres = np.tanh(rng.normal(size=(m, 1, d)) * 2.0)
    replicas = centres + 0.05 * rng.normal(size=(m, r, d))
    labels = (centres[:, 0, 0] > 0).astype(int)
    return replicas, labels


def test_noisy_mi_torch_equals_numba(rng, seed):
    S, y = _layer(rng)
    reference = NoisyMutualInformation(noise_std=0.1, method="dense", random_state=seed, backend="numba").fit(
        S, y
    )
    ours = NoisyMutualInformation(noise_std=0.1, random_state=seed, backend="torch").fit(
        torch.from_numpy(S), y
    )
    assert ours.backend_ == "torch" and reference.backend_ == "numba"
    for name in ("mutual_information_", "entropy_", "conditional_entropy_", "label_information_"):
        assert getattr(ours, name) == pytest.approx(getattr(reference, name), abs=1e-10)


def test_sp_entropy_torch_equals_numba(rng, seed):
    S = rng.normal(size=(300, 4))
    reference = sp_entropy(S, 0.3, method="dense", random_state=seed, backend="numba")
    ours = sp_entropy(torch.from_numpy(S), 0.3, random_state=seed, backend="torch")
    assert ours.backend == "torch"
    assert ours.entropy == pytest.approx(reference.entropy, abs=1e-10)
    assert ours.standard_error == pytest.approx(reference.standard_error, abs=1e-10)


def test_auto_backend_stays_on_numba_for_host_memory(rng, seed):
    S, y = _layer(rng, m=40)
    assert noisy_mutual_information(torch.from_numpy(S), y, 0.1, random_state=seed).backend == "numba"
    assert SPEntropy(random_state=seed).fit(S[:, 0]).backend_ == "numba"


def test_unknown_backend_is_refused(rng):
    with pytest.raises(ValueError, match="backend"):
        SPEntropy(backend="cuda").fit(rng.normal(size=(10, 2)))

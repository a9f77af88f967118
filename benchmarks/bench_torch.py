"""Replica sampling from a noisy torch MLP: skinfo.torch against the obvious ways.

Run: ``python benchmarks/bench_torch.py`` (needs torch). One table of wall
times (best of 3, warm-up excluded) and ratios to ``sample_replicas``, for a
tanh MLP 64-32-16-8 with noise after every hidden layer, m inputs x r replicas.

* sample_replicas(random_state): NumPy noise pre-drawn, one batched pass.
* sample_replicas(generator): torch noise, no pre-drawn arrays.
* NoisyNetwork(torch_layers): skinfo.NoisyNetwork calling the torch layers.
* NoisyNetwork(numpy twin): the same network in plain NumPy.
* r x record_activations: the obvious torch loop, one noisy pass per replica.
"""

import time

import numpy as np
import torch

from skinfo import NoisyNetwork
from skinfo.torch import GaussianNoise, record_activations, sample_replicas, torch_layers

torch.set_num_threads(1)  # the machine is shared; compare single-threaded


def make_model(seed, sizes=(64, 32, 16, 8), noise_std=0.1):
    torch.manual_seed(seed)
    modules = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        modules += [torch.nn.Linear(d_in, d_out), torch.nn.Tanh(), GaussianNoise(noise_std)]
    return torch.nn.Sequential(*modules)


def numpy_twin(model):
    params = [(m.weight.detach().double().numpy(), m.bias.detach().double().numpy())
              for m in model if isinstance(m, torch.nn.Linear)]
    return [(lambda A, W=W, b=b: np.tanh(A @ W.T + b)) for W, b in params]


def best_of(fn, repeats=3):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    model = make_model(0)
    noisy = ["2", "5", "8"]
    rows = []
    for m, r in [(256, 16), (1024, 32), (2048, 64)]:
        X = np.random.default_rng(0).normal(size=(m, 64)).astype(np.float32)
        methods = {
            "sample_replicas(random_state)": lambda: sample_replicas(model, X, r, noisy, random_state=0),
            "sample_replicas(generator)": lambda: sample_replicas(
                model, X, r, noisy, generator=torch.Generator().manual_seed(0)),
            "NoisyNetwork(torch_layers)": lambda: NoisyNetwork(torch_layers(model), 0.1, random_state=0).sample(X, r),
            "NoisyNetwork(numpy twin)": lambda: NoisyNetwork(numpy_twin(model), 0.1, random_state=0).sample(X, r),
            "r x record_activations": lambda: [record_activations(model, X, noisy, noise=True) for _ in range(r)],
        }
        reference = None
        for name, fn in methods.items():
            seconds = best_of(fn)
            reference = reference or seconds
            rows.append((m, r, name, seconds, seconds / reference))
    print(f"{'m':>6} {'r':>4}  {'method':32s} {'seconds':>9} {'ratio':>7}")
    for m, r, name, seconds, ratio in rows:
        print(f"{m:6d} {r:4d}  {name:32s} {seconds:9.4f} {ratio:7.2f}")


if __name__ == "__main__":
    main()

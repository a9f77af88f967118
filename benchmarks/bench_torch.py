"""Replica sampling from a noisy torch MLP: skinfo.torch against the obvious ways.

Run: ``python benchmarks/bench_torch.py`` (needs torch). One table of wall
times (best of 3, warm-up excluded) and ratios to ``sample_replicas``, for a
tanh MLP 64-32-16-8 with noise after every hidden layer, m inputs x r replicas.

* sample_replicas(random_state): NumPy noise pre-drawn, one batched pass.
* sample_replicas(generator): torch noise, no pre-drawn arrays.
* NoisyNetwork(torch_layers): skinfo.NoisyNetwork calling the torch layers.
* NoisyNetwork(numpy twin): the same network in plain NumPy.
* r x record_activations: the obvious torch loop, one noisy pass per replica.

A second table times the SP mixture log-sum-exp (the inner loop of
NoisyMutualInformation / SPEntropy): skinfo's Numba dense path on the CPU
against ``skinfo.torch.torch_mixture_log_sum_exp`` on the best device found
(CUDA when available, else the CPU), in float64 and float32, with the largest
deviation from the Numba values. The device is printed; on a CUDA machine the
sizes grow to 10^5 centres in d = 512.
"""

import time

import numpy as np
import torch

from skinfo import NoisyNetwork
from skinfo._mixture import Groups, mixture_log_sum_exp
from skinfo.torch import (
    GaussianNoise,
    record_activations,
    sample_replicas,
    torch_layers,
    torch_mixture_log_sum_exp,
)

torch.set_num_threads(1)  # the machine is shared; compare single-threaded


def make_model(seed, sizes=(64, 32, 16, 8), noise_std=0.1):
    torch.manual_seed(seed)
    modules = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        modules += [torch.nn.Linear(d_in, d_out), torch.nn.Tanh(), GaussianNoise(noise_std)]
    return torch.nn.Sequential(*modules)


def numpy_twin(model):
    params = [
        (m.weight.detach().double().numpy(), m.bias.detach().double().numpy())
        for m in model
        if isinstance(m, torch.nn.Linear)
    ]
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
                model, X, r, noisy, generator=torch.Generator().manual_seed(0)
            ),
            "NoisyNetwork(torch_layers)": lambda: NoisyNetwork(
                torch_layers(model), 0.1, random_state=0
            ).sample(X, r),
            "NoisyNetwork(numpy twin)": lambda: NoisyNetwork(numpy_twin(model), 0.1, random_state=0).sample(
                X, r
            ),
            "r x record_activations": lambda: [
                record_activations(model, X, noisy, noise=True) for _ in range(r)
            ],
        }
        reference = None
        for name, fn in methods.items():
            seconds = best_of(fn)
            reference = reference or seconds
            rows.append((m, r, name, seconds, seconds / reference))
    print(f"{'m':>6} {'r':>4}  {'method':32s} {'seconds':>9} {'ratio':>7}")
    for m, r, name, seconds, ratio in rows:
        print(f"{m:6d} {r:4d}  {name:32s} {seconds:9.4f} {ratio:7.2f}")


def mixture_case(n_inputs, n_replicas, n_features, rng, noise_std=0.1):
    centres = np.tanh(rng.normal(size=(n_inputs * n_replicas, n_features)))
    queries = centres[::n_replicas] + noise_std * rng.normal(size=(n_inputs, n_features))
    codes = np.sort(rng.integers(0, 2, size=n_inputs))
    input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * n_replicas
    class_bounds = np.concatenate([[0], np.cumsum(np.bincount(codes))]).astype(np.int64) * n_replicas
    query_input = np.arange(n_inputs, dtype=np.int64)
    return queries, centres, noise_std, Groups(input_bounds, class_bounds, query_input, codes)


def synchronise(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench_mixture():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU, 1 torch thread"
    print(f"\nSP mixture log-sum-exp; torch device: {device} ({name}); Numba: dense path, 1 thread")
    sizes = [(500, 4, 8), (1000, 4, 64), (2000, 4, 256)]
    if device.type == "cuda":
        sizes += [(5000, 20, 512), (25000, 4, 512)]
    rng = np.random.default_rng(0)
    print(f"{'centres':>8} {'d':>4}  {'method':34s} {'seconds':>9} {'ratio':>7} {'max |diff|':>11}")
    for n_inputs, n_replicas, d in sizes:
        queries, centres, noise_std, groups = mixture_case(n_inputs, n_replicas, d, rng)
        reference = mixture_log_sum_exp(queries, centres, noise_std, groups=groups, method="dense", n_jobs=1)[
            0
        ]
        q_dev = torch.from_numpy(queries).to(device)
        c_dev = torch.from_numpy(centres).to(device)

        def run_torch(dtype):
            def fn():
                out = torch_mixture_log_sum_exp(q_dev, c_dev, noise_std, groups, dtype=dtype)
                synchronise(device)
                return out

            return fn

        methods = {
            "numba dense (float64, CPU)": lambda: mixture_log_sum_exp(
                queries, centres, noise_std, groups=groups, method="dense", n_jobs=1
            ),
            f"torch float64 ({device.type})": run_torch(torch.float64),
            f"torch float32 ({device.type})": run_torch(torch.float32),
        }
        base = None
        for label, fn in methods.items():
            seconds = best_of(fn)
            base = base or seconds
            out = fn()
            out = out[0] if isinstance(out, tuple) else out
            finite = np.isfinite(reference)
            diff = float(np.max(np.abs(out[finite] - reference[finite])))
            print(
                f"{n_inputs * n_replicas:8d} {d:4d}  {label:34s} {seconds:9.4f} {seconds / base:7.2f} {diff:11.1e}"
            )


if __name__ == "__main__":
    main()
    bench_mixture()

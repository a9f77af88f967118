"""
Information plane of a noisy MLP trained with PyTorch on the digits data
========================================================================

A small noisy network ``64 -> 16 -> 8 -> 10`` (tanh hidden layers, Gaussian
noise ``N(0, 0.1^2)`` after each, as in Goldfeld et al., 2019) is trained with
PyTorch on scikit-learn's bundled 8x8 digits (no download). At a few
checkpoints, :func:`skinfo.torch.sample_replicas` runs the noisy network
several times per input and returns the pre-noise activations of every noisy
layer as ``(m, r, d)`` replica arrays; :func:`skinfo.parallel.estimate_many`
then estimates I(X;T_l) and I(Y;T_l) for every checkpoint x layer with
:class:`skinfo.NoisyMutualInformation`.

Needs ``pip install "skinfo[torch]"`` (CPU build: ``pip install torch==2.13.0``).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skinfo import NoisyMutualInformation
from skinfo.parallel import estimate_many
from skinfo.torch import GaussianNoise, deterministic, sample_replicas

SEED = 0
NOISE_STD = 0.1
CHECKPOINTS = [0, 2, 8, 30, 100]  # epochs
N_ESTIMATION_INPUTS = 400  # inputs X (uniform) for the estimates; I(X;T) <= log 400 = 5.99 nats
N_REPLICAS = 4

# Layers this small run fastest on one thread: more threads cost more in
# synchronisation than they save (and skinfo's estimates use Numba threads).
torch.set_num_threads(1)
torch.manual_seed(SEED)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X).astype(np.float32)
rng = np.random.default_rng(SEED)
estimation_rows = rng.choice(len(X), N_ESTIMATION_INPUTS, replace=False)

# %%
# The noisy network: GaussianNoise stays on in ``model.eval()`` (it is part of
# the model), and :func:`skinfo.torch.deterministic` switches it off.
model = torch.nn.Sequential(
    torch.nn.Linear(64, 16), torch.nn.Tanh(), GaussianNoise(NOISE_STD),
    torch.nn.Linear(16, 8), torch.nn.Tanh(), GaussianNoise(NOISE_STD),
    torch.nn.Linear(8, 10),
)
noisy_layers = {"2": "T1 (16 units)", "5": "T2 (8 units)"}
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
inputs, targets = torch.from_numpy(X), torch.from_numpy(y)

# %%
# Train with noise, sampling the replicas at every checkpoint.
tasks = {}
for epoch in range(CHECKPOINTS[-1] + 1):
    if epoch in CHECKPOINTS:
        replicas = sample_replicas(model, X[estimation_rows], N_REPLICAS, layers=list(noisy_layers),
                                   random_state=SEED)
        for name, S in replicas.items():
            tasks[epoch, noisy_layers[name]] = (S, y[estimation_rows])
        with deterministic(model):
            accuracy = (model(inputs).argmax(dim=1) == targets).float().mean().item()
        print(f"epoch {epoch:4d}: train accuracy of the noise-free network {accuracy:.3f}")
    model.train()
    for batch in torch.randperm(len(X)).split(128):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs[batch]), targets[batch])
        loss.backward()
        optimizer.step()

# %%
# Estimate every checkpoint x layer. The tasks are tiny here, so they run in
# this process; ``n_jobs=2`` would fan them out over two joblib workers, and
# ``joblib.parallel_backend("dask")`` over a cluster (see
# ``plot_dask_scaleout.py``). The result is tidy data (``to_frame``,
# ``to_csv``, ``to_json``).
estimator = NoisyMutualInformation(noise_std=NOISE_STD, n_mc=4, random_state=SEED)
result = estimate_many(estimator, tasks, key_names=("epoch", "layer"))
for record in result.records:
    print(f"epoch {record['epoch']:4d} {record['layer']:14s} I(X;T) = {record['mutual_information']:.2f} "
          f"+- {record['standard_error']:.2f}  I(Y;T) = {record['label_information']:.2f} nats")

# %%
# The information plane: one curve per layer, coloured by epoch.
fig, ax = plt.subplots(figsize=(6, 4.5))
for layer, marker in zip(noisy_layers.values(), "os", strict=True):
    rows = result.where(layer=layer)
    ax.plot([r["mutual_information"] for r in rows], [r["label_information"] for r in rows],
            color="0.7", zorder=1)
    points = ax.scatter([r["mutual_information"] for r in rows], [r["label_information"] for r in rows],
                        c=np.log1p([r["epoch"] for r in rows]), cmap="viridis", marker=marker, zorder=2,
                        label=layer)
ax.axhline(np.log(10), ls=":", color="k", lw=1, label="H(Y) = log 10")
ax.axvline(np.log(N_ESTIMATION_INPUTS), ls="--", color="k", lw=1, label=f"H(X) = log {N_ESTIMATION_INPUTS}")
ax.set_xlabel("I(X; T) [nats]")
ax.set_ylabel("I(Y; T) [nats]")
ax.set_title(f"Noisy MLP on digits, noise std {NOISE_STD}")
colorbar = fig.colorbar(points, ax=ax)
colorbar.set_label("log(1 + epoch)")
ax.legend(loc="lower left")
fig.tight_layout()
plt.show()

"""
Information plane of a noisy MLP trained with PyTorch on the digits data
========================================================================

A small noisy network ``64 -> 16 -> 8 -> 10`` (tanh hidden layers, Gaussian
noise ``N(0, 0.1^2)`` after each, as in Goldfeld et al., 2019) is trained with
PyTorch on scikit-learn's bundled 8x8 digits (no download).
:class:`skinfo.torch.InfoPlaneRecorder` is called once per epoch of the
training loop; at its checkpoint epochs it runs the noisy network several
times per input (:func:`skinfo.torch.sample_replicas`), estimates I(X;T_l)
and I(Y;T_l) with their standard errors (:class:`skinfo.NoisyMutualInformation`)
and scores the noise-free activations. Its ``result_`` is tidy data that the
:mod:`skinfo.plotting` helpers draw directly.

Needs ``pip install "skinfo[torch]"`` (CPU build: ``pip install torch==2.13.0``).
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skinfo import NoisyMutualInformation
from skinfo.plotting import plot_information_plane, plot_layer_curves
from skinfo.torch import GaussianNoise, InfoPlaneRecorder, deterministic

SEED = 0
NOISE_STD = 0.1
N_EPOCHS = 100
N_ESTIMATION_INPUTS = 400  # inputs X (uniform) for the estimates; I(X;T) <= log 400 = 5.99 nats

# Layers this small run fastest on one thread: more threads cost more in
# synchronisation than they save (and skinfo's estimates use Numba threads).
torch.set_num_threads(1)
torch.manual_seed(SEED)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X).astype(np.float32)
rows = np.random.default_rng(SEED).choice(len(X), N_ESTIMATION_INPUTS, replace=False)

# %%
# The noisy network: GaussianNoise stays on in ``model.eval()`` (it is part of
# the model), and :func:`skinfo.torch.deterministic` switches it off.
model = torch.nn.Sequential(
    torch.nn.Linear(64, 16),
    torch.nn.Tanh(),
    GaussianNoise(NOISE_STD),
    torch.nn.Linear(16, 8),
    torch.nn.Tanh(),
    GaussianNoise(NOISE_STD),
    torch.nn.Linear(8, 10),
)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
inputs, targets = torch.from_numpy(X), torch.from_numpy(y)

# %%
# The recorder is built before training: layer names, epochs and the inputs'
# shape are checked now, not after an hour of training. The layers are the
# GaussianNoise modules (their input is the pre-noise ``S_l``), labelled for
# the plots; their noise level is read from the modules.
recorder = InfoPlaneRecorder(
    model,
    X[rows],
    y[rows],
    layers={"2": "T1 (16 units)", "5": "T2 (8 units)"},
    n_replicas=4,
    epochs=6,
    n_epochs=N_EPOCHS,  # epoch 0 and 6 log-spaced epochs up to 100
    estimator=NoisyMutualInformation(n_mc=4),
    random_state=SEED,
)
print("checkpoints:", recorder.epochs_)

# %%
# The training loop: one ``record`` call per epoch (it does nothing between
# checkpoints), with the accuracy as an extra column.
for epoch in range(N_EPOCHS + 1):
    with deterministic(model), torch.no_grad():
        accuracy = (model(inputs).argmax(dim=1) == targets).float().mean().item()
    recorder.record(epoch, train_accuracy=accuracy)
    if epoch == N_EPOCHS:
        break
    model.train()
    for batch in torch.randperm(len(X)).split(128):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs[batch]), targets[batch])
        loss.backward()
        optimizer.step()

result = recorder.result_
for record in result.records:
    print(
        f"epoch {record['epoch']:4d} {record['layer']:14s} I(X;T) = {record['mi_x']:.2f} "
        f"+- {record['mi_x_se']:.2f}  I(Y;T) = {record['mi_y']:.2f} nats  "
        f"accuracy {record['train_accuracy']:.3f}"
    )
print(f"seconds per checkpoint: {np.mean(list(recorder.checkpoint_seconds_.values())):.2f}")

# %%
# The information plane, with +-2 standard-error bars; epoch 0 (the untrained
# network) keeps its colour on the symmetric-log epoch scale.
fig = plot_information_plane(result, error_bars=True)

# %%
# The same records against epoch: I(X;T_l), I(Y;T_l) (with +-2 SE bands) and
# the binned entropy and silhouette of the noise-free activations.
fig = plot_layer_curves(result, panels=("mi_x", "mi_y", "binned_entropy", "silhouette"))

# %%
# Saving: the records round-trip through CSV or JSON
# (``result.to_csv("digits.csv")``, ``result.to_json("digits.json")``) and
# convert to pandas with ``result.to_frame()``.
print(result.to_json()[:200], "...")

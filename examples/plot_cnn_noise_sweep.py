"""
Noisy vs deterministic CNNs on the digits data: a noise-level sweep
===================================================================

The paper's convolutional experiment (Goldfeld et al., 2019), scaled to
scikit-learn's bundled 8x8 digits so it runs offline in about a minute:
four-layer CNNs (two 3x3 convolutions, a dense hidden layer, a linear
output; tanh) with Gaussian noise ``N(0, noise_std^2 I)`` after every hidden
layer, one network per noise level, 0 being the deterministic network. All
networks start from the same weights and see the same mini-batches, so they
differ by their noise only.

:func:`skinfo.experiments.run_cnn` records, per noise level, checkpoint and
hidden layer: the validation error with the noise on and off, the
within-class minus between-class cosine similarity of the noise-free
representations (their clustering of same-class inputs), silhouette,
H(Bin T), linear CKA with the deterministic network's layer, and, for the
dense layer of the noisy networks, I(X;T) and I(Y;T) by sample propagation.
``skinfo cnn --out DIR`` runs the same with the default sizes and writes
the records and these figures.

Needs ``pip install "skinfo[torch]"`` (CPU build: ``pip install torch==2.13.0``).
"""

import matplotlib.pyplot as plt
import torch  # noqa: F401  (run_cnn needs PyTorch; docs/conf.py skips running this example without it)

from skinfo.experiments import run_cnn
from skinfo.plotting import (
    plot_cnn_clustering,
    plot_cnn_cosine_heatmaps,
    plot_cnn_information_plane,
    plot_cnn_validation_error,
)

# %%
# A reduced sweep (three noise levels, 20 epochs) keeps the gallery quick;
# ``run_cnn()`` with its defaults is the 5-level, 40-epoch version.
result = run_cnn(noise_stds=(0.0, 0.1, 0.4), n_epochs=20, n_checkpoints=5, random_state=0)
for noise_std, error in result.final_errors().items():
    _, gap = result.series(noise_std, 3, "cosine_gap")
    print(
        f"noise std {noise_std:4}: validation error {100 * error:5.2f}%, "
        f"dense-layer cosine gap {gap[0]:.3f} -> {gap[-1]:.3f}"
    )

# %%
# Validation error against noise level: a little noise costs (almost)
# nothing, and the noisy network evaluated without its noise can even beat
# the deterministic one; a lot of noise costs accuracy.
fig = plot_cnn_validation_error(result)

# %%
# Same-class inputs cluster during training, in the noisy and in the
# deterministic network alike: the class-sorted cosine-similarity matrices
# grow a block diagonal, strongest in the dense layer.
fig = plot_cnn_cosine_heatmaps(result)

# %%
# The clustering scores against epoch, one line per noise level, and the
# linear CKA between each noisy network and the deterministic one (close to 1:
# the noisy network is a good proxy for the deterministic representations).
fig = plot_cnn_clustering(result)

# %%
# The information plane of the dense layer: I(X;T) (X uniform over 200
# validation inputs, so at most log 200 = 5.3 nats) and I(Y;T) (at most
# log 10 = 2.3 nats) rise together early in training. Small noise lets
# I(X;T) saturate at log 200; with large noise it stays below. On this small
# task and short run the clustering is clear, compression is not.
fig = plot_cnn_information_plane(result)
plt.show()

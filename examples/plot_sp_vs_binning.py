"""
The SZT information plane: SP vs binning vs clustering scores
=============================================================

The 12-10-7-5-4-3-2 tanh network of Shwartz-Ziv & Tishby, trained on their
12-bit task with Gaussian noise (standard deviation 0.005) after every hidden
layer, as in Goldfeld et al. (ICML 2019). At log-spaced checkpoints
:func:`skinfo.experiments.run_info_plane` records for every hidden layer

* I(X;T_l) and I(Y;T_l) by sample propagation
  (:class:`skinfo.NoisyMutualInformation`; layers after the first use noisy
  replicas of each of the 4096 inputs),
* H(Bin T_l) of the noise-free activations (30 bins on [-1, 1]), and
* the silhouette and the within-minus-between-class cosine gap, two direct
  measures of how the representations cluster.

This run is tiny (300 epochs, 4 replicas per input) so the gallery builds in
seconds; the paper trains for 10 000 epochs with 20+ replicas
(``skinfo info-plane`` on the command line runs the full setting). Even so,
the pattern of the paper is visible where it happens: when I(X;T_l) of a deep
layer falls, its binned entropy falls and its clustering scores rise — the
three curves measure the same geometric event.
"""

from skinfo.experiments import compression_summary, run_info_plane
from skinfo.plotting import plot_information_plane, plot_layer_curves

result = run_info_plane(n_epochs=300, n_checkpoints=8, n_replicas=4, random_state=0)

# %%
# I(X;T_l) and H(Bin T_l) against epoch
# -------------------------------------
# Both are at most ``log 4096 = 8.32`` nats. H(Bin T_l) equals
# I(X; Bin T_l) for a deterministic layer: it counts occupied cells.
fig = plot_layer_curves(result)

# %%
# The information plane
# ---------------------
fig = plot_information_plane(result)

# %%
# SP vs binning vs clustering, layer by layer
# -------------------------------------------
# Each point is one (checkpoint, layer), joined in epoch order. Falling
# I(X;T) goes with falling H(Bin T) and with a rising silhouette.
fig = plot_layer_curves(result, panels=("binned_entropy", "silhouette"), x="mi_x")

# %%
# Per layer: start, peak and end of I(X;T_l) over the run.
for row in compression_summary(result):
    print({key: round(value, 3) if isinstance(value, float) else value for key, value in row.items()})

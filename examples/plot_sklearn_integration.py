"""
skinfo estimators in scikit-learn pipelines, model selection and feature selection
==================================================================================

skinfo's estimators are scikit-learn estimators: they ``clone``, expose
``get_params`` / ``set_params``, and end a :class:`~sklearn.pipeline.Pipeline`
whose earlier steps extract or reduce activations. This example shows

1. ``clone`` and ``set_params`` (also through a pipeline);
2. a pipeline ``StandardScaler -> PCA -> NoisyMutualInformation``;
3. :func:`skinfo.mutual_info.information_scorer` in ``cross_val_score`` and
   ``GridSearchCV``: which 6-dimensional representation of the digits keeps
   the most label information I(Y;T) through Gaussian noise, on held-out
   folds;
4. :func:`skinfo.mutual_info.sp_feature_relevance` as the ``score_func`` of
   :class:`~sklearn.feature_selection.SelectKBest`: per-pixel I(Y; X_j + Z).
"""

import functools

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest, mutual_info_classif
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.random_projection import GaussianRandomProjection

from skinfo import NoisyMutualInformation
from skinfo.mutual_info import information_scorer, sp_feature_relevance

SEED = 0
X, y = load_digits(return_X_y=True)
rows = np.random.default_rng(SEED).choice(len(X), 450, replace=False)  # keeps the example fast
X, y = X[rows], y[rows]

# %%
# 1. clone, get_params, set_params
# --------------------------------
estimator = NoisyMutualInformation(noise_std=0.5, random_state=SEED)
copy = clone(estimator).set_params(noise_std=1.0)
print(estimator.get_params()["noise_std"], copy.get_params()["noise_std"])

# %%
# 2. A pipeline ending in a skinfo estimator
# ------------------------------------------
# The final step sees the reduced data as a deterministic layer S; ``fit``
# estimates I(X;T) and I(Y;T) for T = S + Z with X uniform over the rows.
# Rescaling after the reduction gives every coordinate unit variance, so the
# noise has the same signal-to-noise ratio whatever the reduction.
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("reduce", PCA(n_components=6)),
        ("rescale", StandardScaler()),
        ("info", NoisyMutualInformation(noise_std=0.5, random_state=SEED)),
    ]
)
pipe.fit(X, y)
info = pipe[-1]
print(
    f"I(X;T) = {info.mutual_information_:.3f} nats (at most log {len(X)} = {np.log(len(X)):.3f}), "
    f"I(Y;T) = {info.label_information_:.3f} nats (at most log 10 = {np.log(10):.3f})"
)

# %%
# 3. A scorer for cross-validation and grid search
# ------------------------------------------------
# ``information_scorer()`` scores I(Y;T) on each test fold: the transformers
# fitted on the training fold map the test inputs, and a clone of the final
# estimator estimates I(Y;T) there. With the width and the noise fixed,
# GridSearchCV compares which 6-D representation keeps the most label
# information through the noise (the score is monotone in the width and the
# signal-to-noise ratio, so grids over those alone are not informative).
cv = StratifiedKFold(3, shuffle=True, random_state=SEED)
scores = cross_val_score(pipe, X, y, cv=cv, scoring=information_scorer())
print("held-out I(Y;T) per fold:", np.round(scores, 3))

search = GridSearchCV(
    pipe,
    {
        "reduce": [
            PCA(n_components=6),
            GaussianRandomProjection(n_components=6, random_state=SEED),
            SelectKBest(functools.partial(sp_feature_relevance, n_mc=3, random_state=SEED), k=6),
        ]
    },
    scoring=information_scorer(),
    cv=cv,
)
search.fit(X, y)
for params, mean, std in zip(
    search.cv_results_["params"],
    search.cv_results_["mean_test_score"],
    search.cv_results_["std_test_score"],
    strict=True,
):
    print(f"{type(params['reduce']).__name__:26s} I(Y;T) = {mean:.3f} +- {std:.3f} nats")
print("best:", type(search.best_params_["reduce"]).__name__)

# %%
# 4. SP feature relevance for SelectKBest
# ---------------------------------------
# ``sp_feature_relevance`` scores every pixel by I(Y; X_j + Z) after scaling
# it to unit variance (blank border pixels score exactly 0). Next to it,
# scikit-learn's kNN estimate of I(Y; X_j) without noise.
relevance = functools.partial(sp_feature_relevance, noise_std=0.5, n_mc=5, random_state=SEED)
selector = SelectKBest(relevance, k=16).fit(X, y)
knn_scores = mutual_info_classif(X, y, random_state=SEED)

fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, image, title in zip(
    axes,
    [selector.scores_, knn_scores, selector.get_support().astype(float)],
    ["I(Y; X_j + Z), SP [nats]", "I(Y; X_j), kNN [nats]", "16 pixels kept by SelectKBest"],
    strict=True,
):
    shown = ax.imshow(image.reshape(8, 8), cmap="magma")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(shown, ax=ax, fraction=0.046)
fig.tight_layout()
plt.show()

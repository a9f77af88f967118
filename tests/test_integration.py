"""scikit-learn integration, array inputs from other frameworks, joblib fan-out, results as data."""

import functools
import math

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.random_projection import GaussianRandomProjection
from sklearn.utils._param_validation import InvalidParameterError

from skinfo import NoisyMutualInformation, SPEntropy
from skinfo.mutual_info import information_scorer, sp_feature_relevance
from skinfo.parallel import estimate_many

# ---------------------------------------------------------------------------
# Slow references written plainly


def quadrature_label_information(x, y, noise_std, n_grid=20_001):
    """I(Y; x + Z) for x uniform over the given values, by the trapezoid rule.

    T has density g(t) = mean_i phi(t - x_i); given Y = c, g_c(t) = mean over
    class c. I(Y;T) = sum_c p_c * integral of g_c log(g_c / g).
    """
    grid = np.linspace(x.min() - 9 * noise_std, x.max() + 9 * noise_std, n_grid)
    z = (grid[None, :] - x[:, None]) / noise_std
    phi = np.exp(-0.5 * z**2) / (noise_std * math.sqrt(2 * math.pi))
    g = phi.mean(axis=0)
    total = 0.0
    for c in np.unique(y):
        members = y == c
        g_c = phi[members].mean(axis=0)
        integrand = np.where(g_c > 0, g_c * np.log(np.where(g_c > 0, g_c, 1.0) / g), 0.0)
        total += members.mean() * np.trapezoid(integrand, grid)
    return total


def make_relevance_data(rng, n=60):
    """Five features of decreasing class separation, one constant, one pure noise."""
    y = np.tile([0, 1, 2], n // 3)
    shifts = [3.0, 1.5, 0.7, 0.0]
    X = np.column_stack([shift * y + rng.normal(size=n) for shift in shifts] + [np.full(n, 2.5)])
    return X, y


# ---------------------------------------------------------------------------
# sp_feature_relevance and SelectKBest


def test_feature_relevance_matches_quadrature(rng, seed):
    """SP estimate of I(Y; X_j + Z) within 4 standard errors (+ quadrature error) of the integral."""
    X, y = make_relevance_data(rng)
    noise_std = 0.5
    scores, errors = sp_feature_relevance(
        X, y, noise_std=noise_std, n_mc=40, random_state=seed, return_standard_error=True
    )
    Xs = X / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    reference = [quadrature_label_information(Xs[:, j], y, noise_std) for j in range(X.shape[1] - 1)]
    np.testing.assert_array_less(np.abs(scores[:-1] - reference), 4 * errors[:-1] + 1e-6)
    assert scores[-1] == 0.0 and errors[-1] == 0.0


def plain_label_information_terms(column, y, noise_std, standard_noise):
    """Per-query SP terms of I(Y; x + Z), summing the kernels over every sample (no
    grouping of equal values, no window): log g_c(t) - log g(t) + log(m / m_c)."""
    from scipy.special import logsumexp

    m = column.shape[0]
    queries = column[:, None] + noise_std * standard_noise  # (m, n_mc), row i = sample i
    exponents = -((queries[:, :, None] - column[None, None, :]) ** 2) / (2 * noise_std**2)
    lse_all = logsumexp(exponents, axis=2)
    same_class = y[:, None] == y[None, :]  # (query's sample, centre)
    lse_class = logsumexp(np.where(same_class[:, None, :], exponents, -np.inf), axis=2)
    class_size = (y[:, None] == y[None, :]).sum(axis=1)
    return (lse_class - lse_all + np.log(m / class_size)[:, None]).ravel()


@pytest.mark.parametrize("levels", [4, None])
def test_feature_relevance_equals_plain_sum(rng, seed, levels):
    """Grouping equal values and skipping negligible far terms change nothing: the
    kernel equals the plain sum over all samples for the same draws (discrete and
    continuous features)."""
    y = rng.integers(0, 3, size=70)
    X = rng.normal(size=(70, 3)) + y[:, None]
    if levels is not None:
        X = np.round(X * levels / 4)  # few distinct values, many ties
    noise_std, n_mc = 0.3, 6
    scores, errors = sp_feature_relevance(
        X, y, noise_std=noise_std, n_mc=n_mc, standardize=False, random_state=seed, return_standard_error=True
    )
    standard_noise = np.random.RandomState(seed).standard_normal((70, n_mc))
    for j in range(3):
        terms = plain_label_information_terms(X[:, j], y, noise_std, standard_noise)
        assert scores[j] == pytest.approx(terms.mean(), rel=1e-10, abs=1e-12)
        assert errors[j] == pytest.approx(terms.std(ddof=1) / np.sqrt(terms.size), rel=1e-8)


def test_select_k_best_picks_the_reference_top_features(rng, seed):
    X, y = make_relevance_data(rng)
    score_func = functools.partial(sp_feature_relevance, noise_std=0.5, random_state=seed)
    selector = SelectKBest(score_func, k=2).fit(X, y)
    Xs = X / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    reference = [quadrature_label_information(Xs[:, j], y, 0.5) for j in range(X.shape[1] - 1)] + [0.0]
    assert set(np.flatnonzero(selector.get_support())) == set(np.argsort(reference)[-2:])
    assert selector.pvalues_ is None
    np.testing.assert_array_equal(selector.transform(X), X[:, selector.get_support()])


def test_feature_relevance_is_scale_invariant_when_standardized(rng, seed):
    """With standardize=True, I(Y; a X_j + Z) does not depend on a > 0 or a shift."""
    X, y = make_relevance_data(rng)
    base = sp_feature_relevance(X, y, random_state=seed)
    scaled = sp_feature_relevance(1e3 * X - 7.0, y, random_state=seed)
    np.testing.assert_allclose(scaled, base, rtol=1e-9, atol=1e-12)


def test_feature_relevance_unstandardized_uses_raw_units(rng, seed):
    """standardize=False with noise b on X equals standardize=False with noise b/a on X/a."""
    X, y = make_relevance_data(rng)
    raw = sp_feature_relevance(X, y, noise_std=0.8, standardize=False, random_state=seed)
    shrunk = sp_feature_relevance(X / 4.0, y, noise_std=0.2, standardize=False, random_state=seed)
    np.testing.assert_allclose(raw, shrunk, rtol=1e-9, atol=1e-12)


def test_feature_relevance_bounded_by_label_entropy(rng, seed):
    """I(Y;T) <= H(Y): a perfectly separating feature at tiny noise gives H(Y)."""
    y = np.repeat([0, 1, 1, 2], 5)
    X = 10.0 * y[:, None].astype(float)
    score = sp_feature_relevance(X, y, noise_std=0.01, random_state=seed)[0]
    p = np.bincount(y) / y.size
    assert score == pytest.approx(-(p * np.log(p)).sum(), abs=1e-9)


def test_feature_relevance_label_count_mismatch():
    with pytest.raises(ValueError, match="y has 3 labels but the activations have 4 inputs"):
        sp_feature_relevance(np.ones((4, 2)), [0, 1, 0])


def test_feature_relevance_bad_noise():
    with pytest.raises(InvalidParameterError, match="'noise_std' parameter of sp_feature_relevance"):
        sp_feature_relevance(np.ones((4, 2)), [0, 1, 0, 1], noise_std=0.0)


def test_feature_relevance_rejects_nan():
    X = np.ones((4, 2))
    X[0, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        sp_feature_relevance(X, [0, 1, 0, 1])


# ---------------------------------------------------------------------------
# Pipelines, clone, scorers, model selection


def make_blobs(rng, n=90, d=6):
    y = np.tile([0, 1, 2], n // 3)
    centres = rng.normal(scale=3.0, size=(3, d))
    return centres[y] + rng.normal(size=(n, d)), y


def test_pipeline_final_step_equals_direct_fit(rng, seed):
    X, y = make_blobs(rng)
    pipe = Pipeline(
        [("reduce", PCA(n_components=3)), ("info", NoisyMutualInformation(noise_std=0.5, random_state=seed))]
    )
    pipe.fit(X, y)
    reduced = PCA(n_components=3).fit_transform(X)
    direct = NoisyMutualInformation(noise_std=0.5, random_state=seed).fit(reduced, y)
    assert pipe[-1].label_information_ == direct.label_information_
    assert pipe[-1].mutual_information_ == direct.mutual_information_


def test_clone_and_set_params_through_pipeline(rng, seed):
    X, y = make_blobs(rng)
    pipe = Pipeline([("reduce", PCA(n_components=2)), ("info", NoisyMutualInformation(random_state=seed))])
    copy = clone(pipe).set_params(info__noise_std=2.0, reduce__n_components=4)
    assert pipe.get_params()["info__noise_std"] == 0.1  # the original is untouched
    assert copy.get_params()["info__noise_std"] == 2.0 and copy[0].n_components == 4
    copy.fit(X, y)
    reduced = PCA(n_components=4).fit_transform(X)
    direct = NoisyMutualInformation(noise_std=2.0, random_state=seed).fit(reduced, y)
    assert copy[-1].label_information_ == direct.label_information_
    assert not hasattr(pipe[-1], "mutual_information_")


def test_cross_val_score_equals_manual_folds(rng, seed):
    """information_scorer on each test fold = I(Y;T) of the train-fitted PCA's test output."""
    X, y = make_blobs(rng)
    estimator = NoisyMutualInformation(noise_std=0.5, random_state=seed)
    pipe = Pipeline([("reduce", PCA(n_components=2)), ("info", estimator)])
    cv = KFold(3, shuffle=True, random_state=seed)
    scores = cross_val_score(pipe, X, y, cv=cv, scoring=information_scorer())
    manual = []
    for train, test in cv.split(X):
        pca = PCA(n_components=2).fit(X[train])
        manual.append(clone(estimator).fit(pca.transform(X[test]), y[test]).label_information_)
    np.testing.assert_array_equal(scores, manual)
    assert np.all(scores <= math.log(3) + 1e-9)


def test_grid_search_picks_the_most_informative_representation(rng, seed):
    """GridSearchCV over the reduction step picks the argmax of the manual mean I(Y;T)."""
    X, y = make_blobs(rng)
    # Class signal only in the first two coordinates, tiny variance there: PCA keeps the noise.
    X = np.column_stack([X[:, :2] * 0.1, rng.normal(scale=5.0, size=(X.shape[0], 4))])
    candidates = [
        PCA(n_components=2),
        GaussianRandomProjection(n_components=2, random_state=seed),
        Pipeline([("select", SelectKBest(functools.partial(sp_feature_relevance, random_state=seed), k=2))]),
    ]
    pipe = Pipeline([("reduce", PCA()), ("info", NoisyMutualInformation(noise_std=0.3, random_state=seed))])
    cv = KFold(3, shuffle=True, random_state=seed)
    search = GridSearchCV(pipe, {"reduce": candidates}, scoring=information_scorer(), cv=cv).fit(X, y)
    manual = []
    for candidate in candidates:
        fold_scores = []
        for train, test in cv.split(X):
            reduce = clone(candidate).fit(X[train], y[train])
            fold_scores.append(
                NoisyMutualInformation(noise_std=0.3, random_state=seed)
                .fit(reduce.transform(X[test]), y[test])
                .label_information_
            )
        manual.append(np.mean(fold_scores))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], manual, rtol=1e-12)
    assert search.best_index_ == int(np.argmax(manual))


def test_default_score_is_held_out_mutual_information(rng, seed):
    """Without a scorer, cross_val_score uses the estimator's score: I(X;T) on the test fold."""
    X, y = make_blobs(rng)
    estimator = NoisyMutualInformation(noise_std=0.5, random_state=seed)
    cv = KFold(3)
    scores = cross_val_score(estimator, X, y, cv=cv)
    manual = [clone(estimator).fit(X[test], y[test]).mutual_information_ for _, test in cv.split(X)]
    np.testing.assert_allclose(scores, manual, rtol=1e-12)


def test_scorer_needs_labels_for_label_information(rng):
    X, _ = make_blobs(rng)
    est = NoisyMutualInformation().fit(X)
    with pytest.raises(ValueError, match="no attribute 'label_information_' after fit; it needs labels y"):
        information_scorer()(est, X)


def test_scorer_attribute_must_be_fitted_name():
    with pytest.raises(ValueError, match="attribute must name a fitted attribute"):
        information_scorer("label_information")


# ---------------------------------------------------------------------------
# Array inputs from anywhere: float32, DLPack, torch tensors


class DLPackOnly:
    """An array exposing DLPack and nothing else (like a JAX array without __array__)."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def _estimates(S, y, seed, entropy=True):
    mi = NoisyMutualInformation(noise_std=0.3, random_state=seed).fit(S, y)
    out = [mi.mutual_information_, mi.label_information_]
    if entropy:
        out.append(SPEntropy(noise_std=0.3, random_state=seed).fit(S).entropy_)
    return np.array(out)


@pytest.fixture
def layer(rng):
    y = np.tile([0, 1], 30)
    S = np.tanh(rng.normal(size=(60, 4)) + y[:, None])
    return S, y


def test_float32_gives_float64_estimates(layer, seed):
    S, y = layer
    np.testing.assert_allclose(_estimates(S.astype(np.float32), y, seed), _estimates(S, y, seed), rtol=1e-5)


def test_dlpack_only_input_gives_numpy_estimates(layer, seed):
    S, y = layer
    np.testing.assert_allclose(
        _estimates(DLPackOnly(S), y, seed, entropy=False), _estimates(S, y, seed, entropy=False), rtol=1e-12
    )
    np.testing.assert_allclose(
        sp_feature_relevance(DLPackOnly(S), y, random_state=seed),
        sp_feature_relevance(S, y, random_state=seed),
        rtol=1e-12,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_tensors_give_numpy_estimates(layer, seed, dtype):
    torch = pytest.importorskip("torch")
    S, y = layer
    tensor = torch.from_numpy(S.astype(dtype))
    labels = torch.from_numpy(y)
    np.testing.assert_allclose(_estimates(tensor, labels, seed), _estimates(S, y, seed), rtol=1e-5)
    scores = sp_feature_relevance(tensor, labels, random_state=seed)
    np.testing.assert_allclose(scores, sp_feature_relevance(S, y, random_state=seed), rtol=1e-5, atol=1e-7)


def test_torch_tensors_tracking_gradients(layer, seed):
    """Activations taken without torch.no_grad() are read without a manual .detach()."""
    torch = pytest.importorskip("torch")
    S, y = layer
    tensor = torch.from_numpy(S).requires_grad_(True)
    np.testing.assert_allclose(
        _estimates(tensor, y, seed, entropy=False), _estimates(S, y, seed, entropy=False), rtol=1e-12
    )
    np.testing.assert_allclose(
        sp_feature_relevance(tensor, y, random_state=seed),
        sp_feature_relevance(S, y, random_state=seed),
        rtol=1e-12,
    )


@pytest.mark.parametrize("kind", ["dlpack", "torch-grad"])
def test_sp_entropy_reads_framework_arrays(layer, seed, kind):
    S, _ = layer
    if kind == "dlpack":
        wrapped = DLPackOnly(S)
    else:
        torch = pytest.importorskip("torch")
        wrapped = torch.from_numpy(S).requires_grad_(True)
    fitted = SPEntropy(noise_std=0.3, random_state=seed).fit(wrapped)
    assert fitted.entropy_ == SPEntropy(noise_std=0.3, random_state=seed).fit(S).entropy_


# ---------------------------------------------------------------------------
# estimate_many (joblib) and results as data


def make_tasks(rng):
    y = np.tile([0, 1, 2], 10)
    return {
        (epoch, layer): np.tanh(epoch * rng.normal(size=(30, 2, layer)) + y[:, None, None])
        for epoch in (1, 5)
        for layer in (1, 3)
    }, y


def test_estimate_many_equals_one_by_one(rng, seed):
    tasks, y = make_tasks(rng)
    est = NoisyMutualInformation(noise_std=0.3, n_mc=3, random_state=seed, n_jobs=1)
    result = estimate_many(est, tasks, y, key_names=("epoch", "layer"), n_jobs=2, backend="threading")
    assert [(r["epoch"], r["layer"]) for r in result.records] == list(tasks)
    for record, S in zip(result.records, tasks.values(), strict=True):
        fitted = clone(est).fit(S, y)
        assert record["mutual_information"] == fitted.mutual_information_
        assert record["label_standard_error"] == fitted.label_standard_error_
        assert record["n_replicas"] == 2 and record["method"] == fitted.method_


def test_estimate_many_seeds_do_not_depend_on_workers(rng, seed):
    """A RandomState becomes one seed per task, drawn in task order before the fan-out."""
    tasks, y = make_tasks(rng)

    def run(n_jobs, backend):
        state = np.random.RandomState(seed)
        est = NoisyMutualInformation(noise_std=0.3, n_mc=3, random_state=state, n_jobs=1)
        return estimate_many(est, tasks, y, n_jobs=n_jobs, backend=backend).records

    serial = run(1, None)
    assert run(2, "threading") == serial
    with joblib.parallel_backend("loky", n_jobs=2):
        assert run(None, None) == serial
    seeds = np.random.RandomState(seed).randint(np.iinfo(np.int32).max, size=len(tasks))
    for record, S, task_seed in zip(serial, tasks.values(), seeds, strict=True):
        fitted = NoisyMutualInformation(noise_std=0.3, n_mc=3, random_state=int(task_seed)).fit(S, y)
        assert record["mutual_information"] == fitted.mutual_information_


def test_numba_threads_follow_the_estimator_inside_tasks(monkeypatch, rng, seed):
    """Each task's kernels run on the estimator's n_jobs threads; the count is restored after."""
    import numba

    import skinfo._mixture as mixture

    seen = []
    dense = mixture._dense

    def probe(*args, **kwargs):
        seen.append(numba.get_num_threads())
        return dense(*args, **kwargs)

    monkeypatch.setattr(mixture, "_dense", probe)
    tasks, y = make_tasks(rng)
    before = numba.get_num_threads()
    for n_jobs, expected in [(1, 1), (-1, numba.config.NUMBA_NUM_THREADS)]:
        seen.clear()
        est = NoisyMutualInformation(noise_std=0.3, n_mc=2, method="dense", random_state=seed, n_jobs=n_jobs)
        estimate_many(est, tasks, y, n_jobs=2, backend="threading")
        # Every mixture evaluation of every task (the replica correction adds some per fit).
        assert len(seen) >= len(tasks) and set(seen) == {expected}
        assert numba.get_num_threads() == before


def test_estimate_many_per_task_labels_and_scalar_keys(rng, seed):
    S = rng.normal(size=(12, 2))
    tasks = {"a": (S, np.tile([0, 1], 6)), "b": S}
    result = estimate_many(NoisyMutualInformation(random_state=seed), tasks)
    assert result.columns[0] == "key" and result.column("key") == ["a", "b"]
    assert result.records[0]["label_information"] is not None
    assert "label_information" not in result.records[1]


def test_estimate_many_results_round_trip(rng, seed, tmp_path):
    tasks, y = make_tasks(rng)
    result = estimate_many(
        NoisyMutualInformation(noise_std=0.3, n_mc=2, random_state=seed),
        tasks,
        y,
        key_names=("epoch", "layer"),
    )
    result.to_json(tmp_path / "r.json")
    assert type(result).from_json(tmp_path / "r.json") == result
    assert type(result).from_json(result.to_json()) == result
    result.to_csv(tmp_path / "r.csv")
    assert type(result).read_csv(tmp_path / "r.csv", name=result.name, params=result.params) == result


def test_estimate_many_to_frame(rng, seed):
    pd = pytest.importorskip("pandas")
    tasks, y = make_tasks(rng)
    result = estimate_many(
        NoisyMutualInformation(noise_std=0.3, n_mc=2, random_state=seed),
        tasks,
        y,
        key_names=("epoch", "layer"),
    )
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == result.columns and len(frame) == len(tasks)
    np.testing.assert_array_equal(frame["mutual_information"].to_numpy(), result.column("mutual_information"))


def test_estimate_many_rejects_a_list():
    with pytest.raises(TypeError, match="tasks must be a mapping"):
        estimate_many(NoisyMutualInformation(), [np.ones((3, 1))])


def test_estimate_many_rejects_empty_tasks():
    with pytest.raises(ValueError, match="tasks is empty"):
        estimate_many(NoisyMutualInformation(), {})


def test_estimate_many_rejects_mixed_key_lengths():
    with pytest.raises(ValueError, match=r"same length; got lengths \[1, 2\]"):
        estimate_many(NoisyMutualInformation(), {1: np.ones((3, 1)), (1, 2): np.ones((3, 1))})


def test_estimate_many_rejects_wrong_key_names():
    with pytest.raises(ValueError, match="key_names has 1 names for keys of length 2"):
        estimate_many(NoisyMutualInformation(), {(1, 2): np.ones((3, 1))}, key_names=("epoch",))


def test_estimate_many_rejects_long_task_tuple():
    with pytest.raises(ValueError, match="must be S or a pair"):
        estimate_many(NoisyMutualInformation(), {1: (np.ones((3, 1)), None, None)})


def test_estimate_many_rejects_non_estimator():
    with pytest.raises(TypeError, match="estimator must be a scikit-learn style estimator"):
        estimate_many(np.mean, {1: np.ones((3, 1))})

"""Every path of ``mixture_log_sum_exp`` against a plain NumPy log-sum-exp.

The truncated paths ("tree", "pruned") drop only terms provably below
``TRUNCATION_TOL`` relative to the own-centre term, so each column they report
is low by at most ``log(1 + 1e-12)`` nats: they are checked against the exact
value on data where they prune, where they cannot, and where the nearest
dropped centre sits just beyond the truncation radius.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from skinfo._kernels import _mixture as kernels
from skinfo._kernels._graph import links_from_cross
from skinfo._mixture import _TREE_MAX_LINKS, MIXTURE_METHODS, TRUNCATION_TOL, Groups, mixture_log_sum_exp

# Truncation error (<= tol nats, and only downwards) plus float rounding.
ATOL = TRUNCATION_TOL + 1e-12


def numpy_lse(queries, centres, noise_std, groups):
    """The obvious way: all squared distances, then SciPy's logsumexp per range."""
    sq = np.sum((queries[:, None, :] - centres[None, :, :]) ** 2, axis=2)
    a = -sq / (2.0 * noise_std**2)
    out = np.full((queries.shape[0], 3), -np.inf)
    out[:, 0] = logsumexp(a, axis=1)
    in_lo, in_hi, cls_lo, cls_hi = groups.ranges()
    for q in range(queries.shape[0]):
        if in_hi[q] > in_lo[q]:
            out[q, 1] = logsumexp(a[q, in_lo[q] : in_hi[q]])
        if cls_hi[q] > cls_lo[q]:
            out[q, 2] = logsumexp(a[q, cls_lo[q] : cls_hi[q]])
    return out


def replica_layer(rng, n_inputs, n_replicas, n_features, spread, noise_std, n_classes=2, n_query=1):
    """Inputs ``spread`` apart (in noise stds), each with noisy replicas;
    Monte Carlo queries drawn around each input's first ``n_query`` replicas."""
    means = spread * noise_std * rng.normal(size=(n_inputs, n_features))
    centres = (means[:, None, :] + noise_std * rng.normal(size=(n_inputs, n_replicas, n_features))).reshape(
        -1, n_features
    )
    codes = np.sort(rng.integers(0, n_classes, n_inputs))
    input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * n_replicas
    class_bounds = np.searchsorted(codes, np.arange(n_classes + 1)).astype(np.int64) * n_replicas
    query_input = np.repeat(np.arange(n_inputs, dtype=np.int64), n_query)
    query_centre = query_input * n_replicas + np.tile(np.arange(n_query, dtype=np.int64), n_inputs)
    queries = centres[query_centre] + noise_std * rng.normal(size=(query_centre.shape[0], n_features))
    groups = Groups(input_bounds, class_bounds, query_input, codes[query_input])
    return queries, centres, groups, query_centre, input_bounds


def test_methods_tuple_lists_every_path():
    assert MIXTURE_METHODS == ("auto", "dense", "tree", "pruned")


def test_unknown_method_is_refused(rng):
    x = rng.normal(size=(3, 2))
    with pytest.raises(ValueError, match="method must be one of"):
        mixture_log_sum_exp(x, x, 1.0, method="kd")


@pytest.mark.parametrize("n_features", [1, 3, 7, 40])
def test_dense_streaming_matches_numpy_across_tiles(rng, n_features):
    """More centres than one streamed tile, groups cutting tile borders, and a
    class range far below the overall maximum (the underflow fallback)."""
    n_centres = 2 * kernels._CENTRE_TILE + 37
    centres = rng.normal(size=(n_centres, n_features))
    # A far cluster: the last 50 centres are a "class" ~40 noise stds away.
    centres[-50:] += 40.0
    queries = centres[rng.integers(0, n_centres - 50, 30)] + 0.3 * rng.normal(size=(30, n_features))
    input_bounds = np.array([0, 5, kernels._CENTRE_TILE + 3, n_centres - 50, n_centres], dtype=np.int64)
    class_bounds = np.array([0, n_centres - 50, n_centres], dtype=np.int64)
    query_input = rng.integers(0, 4, 30)
    query_class = np.where(np.arange(30) % 3 == 0, 1, 0)
    groups = Groups(input_bounds, class_bounds, query_input, query_class)
    noise_std = 0.5 if n_features > 3 else 0.05  # deep underflow for the far class at small noise
    out, used = mixture_log_sum_exp(queries, centres, noise_std, groups=groups, method="dense")
    assert used == "dense"
    ref = numpy_lse(queries, centres, noise_std, groups)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9)


def test_pruned_matches_dense_where_it_prunes(rng, monkeypatch):
    """Well separated inputs in d = 96: every query reaches only its own
    input's replicas, and the answer equals the dense one to the truncation tol."""
    queries, centres, groups, query_centre, bounds = replica_layer(rng, 300, 8, 96, 60.0, 0.1, n_query=2)
    out, used = mixture_log_sum_exp(
        queries, centres, 0.1, groups=groups, query_centre=query_centre, blocks=bounds, method="pruned"
    )
    assert used == "pruned"
    ref = numpy_lse(queries, centres, 0.1, groups)
    assert np.all(out <= ref + 1e-12)
    np.testing.assert_allclose(out, ref, rtol=0, atol=ATOL)
    import skinfo._mixture as planner

    # The case is small enough for "auto" to skip planning; lift that floor.
    monkeypatch.setattr(planner, "_TRUNCATED_MIN_WORK", 0)
    auto, used = mixture_log_sum_exp(
        queries, centres, 0.1, groups=groups, query_centre=query_centre, blocks=bounds
    )
    assert used == "pruned"
    np.testing.assert_array_equal(auto, out)


def test_pruned_matches_dense_where_nothing_prunes(rng):
    """Inputs closer than the noise: every block links every block, nothing is
    dropped, and "auto" falls back to the dense path."""
    queries, centres, groups, query_centre, bounds = replica_layer(rng, 40, 5, 32, 0.5, 0.1)
    out, used = mixture_log_sum_exp(
        queries, centres, 0.1, groups=groups, query_centre=query_centre, blocks=bounds, method="pruned"
    )
    assert used == "pruned"
    ref = numpy_lse(queries, centres, 0.1, groups)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
    big = replica_layer(rng, 600, 5, 32, 0.5, 0.1)
    _, used = mixture_log_sum_exp(big[0], big[1], 0.1, groups=big[2], query_centre=big[3], blocks=big[4])
    assert used == "dense"


@pytest.mark.parametrize("method", ["tree", "pruned"])
def test_truncated_paths_at_the_truncation_boundary(method):
    """One far centre placed just inside, then just outside, the truncation
    radius of a query drawn exactly at its own centre (z = 0).  Inside, it
    must be counted; outside, the dropped term is below tol relative to the
    own term, so either way the result is within tol of the exact value."""
    noise_std = 1.0
    n_features = 20 if method == "pruned" else 3
    for factor in (0.999, 1.001):
        n_centres = 2
        radius = math.sqrt(2.0 * noise_std**2 * math.log(n_centres / TRUNCATION_TOL))
        centres = np.zeros((n_centres, n_features))
        centres[1, 0] = factor * radius
        queries = centres[:1].copy()
        out, used = mixture_log_sum_exp(
            queries,
            centres,
            noise_std,
            query_centre=np.zeros(1, dtype=np.int64),
            blocks=np.arange(n_centres + 1, dtype=np.int64),
            method=method,
        )
        assert used == method
        exact = math.log1p(math.exp(-((factor * radius) ** 2) / 2.0))
        assert exact - TRUNCATION_TOL <= out[0, 0] <= exact + 1e-15
        if factor < 1:
            assert out[0, 0] == pytest.approx(exact, abs=1e-15)  # the near-boundary term is kept


@pytest.mark.parametrize("method", ["dense", "tree", "pruned"])
def test_results_do_not_depend_on_thread_count(rng, method):
    queries, centres, groups, query_centre, bounds = replica_layer(rng, 200, 6, 24, 30.0, 0.2, n_query=3)
    kwargs = dict(groups=groups, query_centre=query_centre, blocks=bounds, method=method)
    one, _ = mixture_log_sum_exp(queries, centres, 0.2, n_jobs=1, **kwargs)
    two, _ = mixture_log_sum_exp(queries, centres, 0.2, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one, two)


def test_tree_free_order_matches_numpy(rng):
    """SPEntropy's layout (no groups, no blocks): the tree path reorders the
    centres, the result is per original query."""
    centres = rng.uniform(-1, 1, size=(3000, 2))
    query_centre = rng.integers(0, 3000, 200)
    queries = centres[query_centre] + 0.01 * rng.normal(size=(200, 2))
    out, used = mixture_log_sum_exp(queries, centres, 0.01, query_centre=query_centre, method="tree")
    assert used == "tree"
    ref = numpy_lse(queries, centres, 0.01, Groups.none(200))
    np.testing.assert_allclose(out[:, 0], ref[:, 0], rtol=0, atol=ATOL)


@pytest.mark.parametrize("method", ["tree", "pruned"])
def test_forced_truncated_method_refuses_a_graph_above_the_cap(monkeypatch, rng, method):
    """Issue 15: the link cap applies under a forced method too; the error
    names the method and the size it needed."""
    import skinfo._mixture as planner

    monkeypatch.setattr(planner, "_TREE_MAX_LINKS", 50)
    centres = rng.normal(size=(100, 3 if method == "tree" else 20)) * 0.01
    query_centre = np.arange(100, dtype=np.int64)
    blocks = np.arange(101, dtype=np.int64)  # one centre a block: 100^2 links needed
    with pytest.raises(ValueError, match=rf"method='{method}' would build a block graph of about .* links"):
        mixture_log_sum_exp(centres, centres, 1.0, query_centre=query_centre, blocks=blocks, method=method)
    # "auto" takes the dense path instead of raising.
    _, used = mixture_log_sum_exp(centres, centres, 1.0, query_centre=query_centre, blocks=blocks)
    assert used == "dense"
    assert _TREE_MAX_LINKS > 50


def test_forced_truncated_method_refuses_huge_dimension(rng):
    """The block kernel scales by the own-centre term, which leaves exp's
    range near d ~ 1300; a forced truncated method says so."""
    centres = rng.normal(size=(4, 3000))
    queries = centres + rng.normal(size=centres.shape)
    with pytest.raises(ValueError, match="method='pruned' needs"):
        mixture_log_sum_exp(queries, centres, 1.0, query_centre=np.arange(4), method="pruned")


def test_links_from_cross_matches_brute_force(rng):
    """The link kernel keeps exactly the pairs within the bound (up to the
    documented slack), read off plain distances."""
    rows = rng.normal(size=(30, 5))
    cols = rng.normal(size=(50, 5))
    row_limit = rng.uniform(0.5, 2.0, 30)
    row_limit[3] = -np.inf  # a block without queries links nothing
    col_radius = rng.uniform(0.0, 0.5, 50)
    indptr, linked = links_from_cross(
        rows @ cols.T, np.sum(rows**2, axis=1), np.sum(cols**2, axis=1), row_limit, col_radius, 0.0
    )
    dist = np.sqrt(np.sum((rows[:, None, :] - cols[None, :, :]) ** 2, axis=2))
    for a in range(30):
        expected = np.flatnonzero(dist[a] <= row_limit[a] + col_radius)
        margin = np.abs(dist[a] - (row_limit[a] + col_radius))
        got = linked[indptr[a] : indptr[a + 1]]
        # Pairs within rounding of the boundary may go either way.
        assert set(got) ^ set(expected) <= set(np.flatnonzero(margin < 1e-9))


def _nested(centres, bounds, size, n_replicas):
    """The first ``size`` replicas of every input, with its block bounds."""
    n_features = centres.shape[1]
    sub = centres.reshape(-1, n_replicas, n_features)[:, :size].reshape(-1, n_features)
    return np.ascontiguousarray(sub), np.arange(bounds.shape[0], dtype=np.int64) * size


@pytest.mark.parametrize(("method", "n_features"), [("tree", 3), ("pruned", 12)])
def test_block_plan_is_reused_on_nested_subsets(rng, monkeypatch, method, n_features):
    """A plan drawn over all replicas serves subsets of every input's replicas
    with new noise draws: no planning, and every column within the
    truncation bound of the exact value (the reach check is what makes this
    safe; a plan it rejects is drawn anew)."""
    n_replicas, noise_std = 8, 0.05
    queries, centres, groups, query_centre, bounds = replica_layer(
        rng, 300, n_replicas, n_features, spread=30.0, noise_std=noise_std
    )
    lse, path, plan = mixture_log_sum_exp(
        queries,
        centres,
        noise_std,
        groups=groups,
        query_centre=query_centre,
        blocks=bounds,
        method=method,
        return_plan=True,
    )
    assert path == method and plan is not None and plan.path == method
    assert np.max(np.abs(lse - numpy_lse(queries, centres, noise_std, groups))) < ATOL

    def no_planning(*args, **kwargs):
        raise AssertionError("planned although a valid plan was given")

    monkeypatch.setattr("skinfo._mixture._plan_tree", no_planning)
    monkeypatch.setattr("skinfo._mixture._plan_pruned", no_planning)
    for size in (2, 4):
        sub, sub_bounds = _nested(centres, bounds, size, n_replicas)
        query_input = groups.query_input
        sub_centre = query_input * size
        sub_queries = sub[sub_centre] + noise_std * rng.normal(size=(query_input.shape[0], n_features))
        sub_groups = Groups(
            sub_bounds, groups.class_bounds // n_replicas * size, query_input, groups.query_class
        )
        out, used = mixture_log_sum_exp(
            sub_queries,
            sub,
            noise_std,
            groups=sub_groups,
            query_centre=sub_centre,
            blocks=sub_bounds,
            plan=plan,
        )
        assert used == method
        exact = numpy_lse(sub_queries, sub, noise_std, sub_groups)
        assert np.all(out <= exact + 1e-12)
        assert np.max(np.abs(out - exact)) < ATOL


def test_block_plan_refused_when_a_query_needs_more_reach(rng):
    """Queries drawn with far larger noise than the plan was drawn for are
    not scored with it: the call plans anew and stays within the bound."""
    n_replicas, noise_std = 4, 0.05
    queries, centres, groups, query_centre, bounds = replica_layer(rng, 300, n_replicas, 3, 30.0, noise_std)
    _, _, plan = mixture_log_sum_exp(
        queries,
        centres,
        noise_std,
        groups=groups,
        query_centre=query_centre,
        blocks=bounds,
        method="tree",
        return_plan=True,
    )
    wide = centres[query_centre] + 4.0 * noise_std * rng.normal(size=queries.shape)
    out, _, new_plan = mixture_log_sum_exp(
        wide,
        centres,
        noise_std,
        groups=groups,
        query_centre=query_centre,
        blocks=bounds,
        method="tree",
        plan=plan,
        return_plan=True,
    )
    assert new_plan is not plan and new_plan.reach > plan.reach
    assert np.max(np.abs(out - numpy_lse(wide, centres, noise_std, groups))) < ATOL


def test_block_plan_refused_when_a_centre_leaves_its_block(rng):
    """Centres moved outside the ball their block had when the plan was drawn
    (here: one input's replicas next to another input) void the plan: the
    call plans anew and every column stays within the bound."""
    n_replicas, noise_std = 4, 0.05
    queries, centres, groups, query_centre, bounds = replica_layer(rng, 300, n_replicas, 3, 30.0, noise_std)
    _, _, plan = mixture_log_sum_exp(
        queries, centres, noise_std, groups=groups, query_centre=query_centre, blocks=bounds,
        method="tree", return_plan=True,
    )  # fmt: skip
    moved = centres.copy()
    moved[0:n_replicas] = centres[n_replicas : 2 * n_replicas] + 0.01 * noise_std
    moved_queries = moved[query_centre] + noise_std * rng.normal(size=queries.shape)
    out, _, new_plan = mixture_log_sum_exp(
        moved_queries, moved, noise_std, groups=groups, query_centre=query_centre, blocks=bounds,
        method="tree", plan=plan, return_plan=True,
    )  # fmt: skip
    assert new_plan is not plan
    assert np.max(np.abs(out - numpy_lse(moved_queries, moved, noise_std, groups))) < ATOL


def _record_tree_plans(monkeypatch):
    """Collect the block graphs the tree path plans (to check what it pruned)."""
    import skinfo._mixture as planner

    plans = []
    plan_tree = planner._plan_tree

    def recording(*args, **kwargs):
        graph, block_of_centre = plan_tree(*args, **kwargs)
        plans.append((graph, block_of_centre))
        return graph, block_of_centre

    monkeypatch.setattr(planner, "_plan_tree", recording)
    return plans


def _reached_centres(graph):
    """Centres each block's queries visit."""
    per_run = graph.run_hi - graph.run_lo
    return np.add.reduceat(np.append(per_run, 0), graph.run_indptr[:-1]) * (np.diff(graph.run_indptr) > 0)


def _clustered_centres(rng, n_inputs, n_replicas, n_features, noise_std):
    means = rng.uniform(-1.0, 1.0, size=(n_inputs, n_features))
    centres = means[:, None, :] + noise_std * rng.normal(size=(n_inputs, n_replicas, n_features))
    centres = centres.reshape(-1, n_features)
    centres[1] = centres[0]  # a duplicate centre
    return centres


@pytest.mark.parametrize("n_features", [1, 3, 5, 7])
def test_tree_free_order_prunes_and_matches_numpy(rng, monkeypatch, n_features):
    """SPEntropy's layout (Morton order, grid over at most 5 coordinates, so
    d = 7 also checks the projection) on clustered centres, with queries of
    very unequal noise norms so the blocks' reaches differ: every query skips
    most centres, and each result is within the truncation tol below the
    exact value."""
    noise_std = 0.01
    centres = _clustered_centres(rng, 300, 8, n_features, noise_std)
    n_queries = 300
    query_centre = rng.integers(0, centres.shape[0], n_queries)
    norm_scale = rng.choice([0.2, 1.0, 3.0], n_queries)[:, None]
    queries = centres[query_centre] + noise_std * norm_scale * rng.normal(size=(n_queries, n_features))
    plans = _record_tree_plans(monkeypatch)
    out, used = mixture_log_sum_exp(queries, centres, noise_std, query_centre=query_centre, method="tree")
    assert used == "tree"
    (graph, _), *_ = plans
    assert np.max(_reached_centres(graph)) < 0.5 * centres.shape[0]
    ref = numpy_lse(queries, centres, noise_std, Groups.none(n_queries))
    assert np.all(out[:, 0] <= ref[:, 0] + 1e-12)
    np.testing.assert_allclose(out[:, 0], ref[:, 0], rtol=0, atol=ATOL)


def test_tree_free_order_where_nothing_prunes(rng, monkeypatch):
    """All centres within a fraction of a noise std: every block with queries
    links every block, nothing is dropped, and the result is the exact one."""
    noise_std = 1.0
    centres = 0.05 * rng.normal(size=(2500, 3))
    query_centre = np.arange(2500, dtype=np.int64)
    queries = centres + noise_std * rng.normal(size=centres.shape)
    plans = _record_tree_plans(monkeypatch)
    out, used = mixture_log_sum_exp(queries, centres, noise_std, query_centre=query_centre, method="tree")
    assert used == "tree"
    (graph, _), *_ = plans
    assert np.all(_reached_centres(graph) == centres.shape[0])
    ref = numpy_lse(queries, centres, noise_std, Groups.none(2500))
    np.testing.assert_allclose(out[:, 0], ref[:, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("factor", [0.999, 1.001])
def test_tree_free_order_at_the_truncation_boundary(factor):
    """As the boundary test above, under SPEntropy's layout (the centres are
    reordered and cut into blocks by the planner): a far centre just inside
    the truncation radius is counted, one just outside is dropped within tol."""
    noise_std = 1.0
    n_features = 3
    radius = math.sqrt(2.0 * noise_std**2 * math.log(2 / TRUNCATION_TOL))
    centres = np.zeros((2, n_features))
    centres[1, 0] = factor * radius
    out, used = mixture_log_sum_exp(
        centres[:1].copy(), centres, noise_std, query_centre=np.zeros(1, dtype=np.int64), method="tree"
    )
    assert used == "tree"
    exact = math.log1p(math.exp(-((factor * radius) ** 2) / 2.0))
    assert exact - TRUNCATION_TOL <= out[0, 0] <= exact + 1e-15
    if factor < 1:
        assert out[0, 0] == pytest.approx(exact, abs=1e-15)


def test_tree_free_order_does_not_depend_on_thread_count(rng):
    noise_std = 0.01
    centres = _clustered_centres(rng, 400, 6, 4, noise_std)
    query_centre = np.repeat(np.arange(centres.shape[0], dtype=np.int64), 2)
    queries = centres[query_centre] + noise_std * rng.normal(size=(query_centre.shape[0], 4))
    kwargs = dict(query_centre=query_centre, method="tree")
    one, _ = mixture_log_sum_exp(queries, centres, noise_std, n_jobs=1, **kwargs)
    two, _ = mixture_log_sum_exp(queries, centres, noise_std, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one, two)


def test_tree_free_order_with_a_far_outlier(rng, monkeypatch):
    """A centre 1e6 noise stds away, outside the Morton box and clamped into
    its boundary cells: the order only changes speed, so every result is
    still within the truncation tol of the exact value, and the bulk is
    still pruned."""
    noise_std = 0.01
    centres = _clustered_centres(rng, 300, 8, 3, noise_std)
    centres[5] = 1e4
    query_centre = rng.integers(0, centres.shape[0], 300)
    query_centre[0] = 5
    queries = centres[query_centre] + noise_std * rng.normal(size=(300, 3))
    plans = _record_tree_plans(monkeypatch)
    out, used = mixture_log_sum_exp(queries, centres, noise_std, query_centre=query_centre, method="tree")
    assert used == "tree"
    (graph, _), *_ = plans
    assert np.max(_reached_centres(graph)) < 0.5 * centres.shape[0]
    ref = numpy_lse(queries, centres, noise_std, Groups.none(300))
    np.testing.assert_allclose(out[:, 0], ref[:, 0], rtol=0, atol=ATOL)


@settings(max_examples=60, deadline=None)
@given(
    share=st.floats(0.0, 1.0),
    more=st.floats(0.0, 1.0),
    n_queries=st.integers(1, 10**6),
    n_centres=st.integers(1, 10**6),
    blocks_share=st.floats(0.01, 1.0),
)
def test_tree_precheck_refuses_more_as_the_share_grows(share, more, n_queries, n_centres, blocks_share):
    """The pre-planning test of "auto" is monotone in the probed share: a
    share it refuses stays refused when more centres are reached; above the
    fill limit it always refuses."""
    import skinfo._mixture as planner

    n_blocks = max(1, int(blocks_share * n_centres))
    larger = share + more * (1.0 - share)
    refused = planner._tree_cannot_pay(share, n_queries, n_centres, n_blocks)
    if refused:
        assert planner._tree_cannot_pay(larger, n_queries, n_centres, n_blocks)
    if share > planner._TREE_MAX_FILL:
        assert refused


def test_auto_refuses_a_crowded_tree_before_planning(rng, monkeypatch):
    """Centres far closer than the truncation radius: the share probe alone
    sends "auto" to the dense path, without building a grid."""
    import skinfo._mixture as planner

    def no_planning(*args, **kwargs):
        raise AssertionError("the tree was planned")

    monkeypatch.setattr(planner, "cell_grid", no_planning)
    centres = rng.uniform(-1, 1, size=(5000, 3))
    query_centre = np.arange(5000, dtype=np.int64)
    queries = centres + 0.3 * rng.normal(size=centres.shape)
    out, used = mixture_log_sum_exp(queries, centres, 0.3, query_centre=query_centre)
    assert used == "dense"
    dense, _ = mixture_log_sum_exp(queries, centres, 0.3, query_centre=query_centre, method="dense")
    np.testing.assert_array_equal(out, dense)


def test_auto_after_a_refused_tree_plan_equals_dense(rng, monkeypatch):
    """Small noise passes the share probe; with links made prohibitively
    dear the block-level probe refuses the plan (stopping its count early,
    before any link is searched), and the dense fallback, reusing the
    refused plan's Morton order, gives the dense path's bits."""
    import skinfo._mixture as planner

    def no_links(*args, **kwargs):
        raise AssertionError("links were searched for a refused plan")

    monkeypatch.setattr(planner, "_TREE_LINK_COST", 1e12)
    monkeypatch.setattr(planner, "grid_links", no_links)
    centres = rng.uniform(-1, 1, size=(6000, 3))
    query_centre = np.arange(6000, dtype=np.int64)
    queries = centres + 0.01 * rng.normal(size=centres.shape)
    out, used = mixture_log_sum_exp(queries, centres, 0.01, query_centre=query_centre)
    assert used == "dense"
    dense, _ = mixture_log_sum_exp(queries, centres, 0.01, query_centre=query_centre, method="dense")
    np.testing.assert_array_equal(out, dense)
    monkeypatch.undo()
    tree, used = mixture_log_sum_exp(queries, centres, 0.01, query_centre=query_centre)
    assert used == "tree"
    np.testing.assert_allclose(tree, dense, rtol=0, atol=ATOL)


@pytest.mark.parametrize(
    "n_features, noise_std",
    [(2, 0.05), (2, 0.01), (3, 0.05), (4, 0.02)],
)
def test_auto_gives_the_bits_of_the_path_it_reports(rng, n_features, noise_std):
    """Free centres above the spatial-order size: "auto" may cut the blocks
    before its test (and hand their Morton order to the dense path when it
    refuses the tree), yet it returns exactly what the forced path it
    reports returns, within tol of the exact value."""
    n = 6000
    centres = np.tanh(rng.normal(size=(n, n_features)))
    query_centre = np.arange(n, dtype=np.int64)
    queries = centres + noise_std * rng.normal(size=centres.shape)
    out, used = mixture_log_sum_exp(queries, centres, noise_std, query_centre=query_centre)
    forced, again = mixture_log_sum_exp(queries, centres, noise_std, query_centre=query_centre, method=used)
    assert again == used
    np.testing.assert_array_equal(out, forced)
    pick = rng.choice(n, 200, replace=False)
    ref = numpy_lse(queries[pick], centres, noise_std, Groups.none(200))
    np.testing.assert_allclose(out[pick, 0], ref[:, 0], rtol=0, atol=ATOL)

"""Numba kernel for one-dimensional Gaussian mixtures over weighted distinct values.

Feature relevance scores a single feature, whose samples often take few
distinct values (pixels, counts, bits). The mixture over the ``m`` samples is
then a mixture over the ``u`` distinct values weighted by their counts, which
gives the same log-density for ``u / m`` of the work. Each query only visits
the values within the radius where a term can still reach ``exp(-cutoff)`` of
the query's own sample's term (two binary searches, since the values are
sorted); everything skipped adds less than ``m * exp(-cutoff)`` relative error.

Each query is reduced serially and independently of the others, so the result
does not depend on the number of threads.
"""

import math

import numpy as np
from numba import prange

from ._common import lane_sum
from ._fastexp import exp_nonpositive
from ._jit import parallel_jit

__all__ = ["weighted_lse_1d"]


# Queries per work item: a fixed split, so the work never depends on the thread count.
_QUERY_CHUNK = 256


@parallel_jit
def weighted_lse_1d(
    queries,
    own_exponent,
    query_class,
    values,
    log_counts,
    class_share,
    log_max_count,
    inv_two_var,
    cutoff,
    out_all,
    out_class,
):
    """Log-sum-exp over all samples and over the query's class, for 1-D queries.

    Parameters
    ----------
    queries : float64 array (n_queries,)
        Query points ``t``.
    own_exponent : float64 array (n_queries,)
        ``-(t - x_own)^2 * inv_two_var`` for the query's own sample, which
        belongs to both sums.
    query_class : int64 array (n_queries,)
        Class code of the query's own sample.
    values : float64 array (u,)
        Distinct sample values, sorted ascending.
    log_counts : float64 array (u,)
        Log of how many samples take each value.
    class_share : float64 array (n_classes, u)
        Share of each value's samples in each class: a class term is the
        overall term times this share, so one exponential serves both sums.
    log_max_count : float
        ``max(log_counts)``: with the largest exponent it bounds every term,
        so the shifted arguments are never positive.
    inv_two_var : float
        ``1 / (2 noise_std^2)``.
    cutoff : float
        Values whose exponent is below ``own_exponent - cutoff`` are skipped.
    out_all, out_class : float64 arrays (n_queries,)
        Receive ``log sum_j exp(-(t - x_j)^2 inv_two_var)`` over all samples
        and over the query's class.
    """
    n_queries = queries.shape[0]
    n_values = values.shape[0]
    n_chunks = (n_queries + _QUERY_CHUNK - 1) // _QUERY_CHUNK
    for chunk in prange(n_chunks):
        buf_all = np.empty(n_values)
        buf_class = np.empty(n_values)
        for q in range(chunk * _QUERY_CHUNK, min((chunk + 1) * _QUERY_CHUNK, n_queries)):
            t = queries[q]
            share = class_share[query_class[q]]
            radius = math.sqrt((cutoff - own_exponent[q]) / inv_two_var)
            lo = np.searchsorted(values, t - radius)
            hi = np.searchsorted(values, t + radius, side="right")
            # The value nearest to t has the largest exponent; shifting by it plus
            # the largest log count keeps every argument <= 0 for the fast exp.
            near = np.searchsorted(values, t)
            nearest = -np.inf
            for j in (near - 1, near):
                if 0 <= j < n_values:
                    nearest = max(nearest, -((t - values[j]) ** 2) * inv_two_var)
            shift = nearest + log_max_count
            width = hi - lo
            for k in range(width):
                buf_all[k] = log_counts[lo + k] - (t - values[lo + k]) ** 2 * inv_two_var - shift
            for k in range(width):
                buf_all[k] = exp_nonpositive(buf_all[k])
                buf_class[k] = share[lo + k] * buf_all[k]
            out_all[q] = shift + math.log(lane_sum(buf_all, 0, width))
            out_class[q] = shift + math.log(lane_sum(buf_class, 0, width))

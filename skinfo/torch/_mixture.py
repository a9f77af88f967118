"""Gaussian-mixture log-sum-exp with torch, on the tensors' device (the SP backend "torch").

The same three columns as :func:`skinfo._mixture.mixture_log_sum_exp` with
``method="dense"``: per query, the log-sum-exp of ``-||t - c_j||^2 / (2 b^2)``
over all centres, over the query's input range and over its class range.
Distances are exact differences below 48 features and the centred
expansion ``||t||^2 + ||c||^2 - 2 t.c`` (matrix products) above, as on the
Numba path. Work goes in blocks of ``block_size`` queries x ``block_size`` centres, each
folded into a running log-sum-exp per column, so memory stays
``O(block_size^2)`` whatever the number of centres.
"""

import numpy as np
import torch

from .._mixture import _GEMM_MIN_FEATURES

__all__ = ["torch_mixture_log_sum_exp"]

# Inputs' ranges (an input's replicas) up to this long are gathered per query;
# longer ones are folded block by block like the class ranges.
_MAX_GATHER_WIDTH = 1024
_GATHER_ELEMENTS = 1 << 22
# Query blocks with more distinct class ranges than this are masked instead of sliced.
_MAX_DISTINCT_RANGES = 64


def _as_tensor(array, name, device, dtype):
    if isinstance(array, torch.Tensor):
        tensor = array.detach()
    else:
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, n_features); got shape {tuple(tensor.shape)}.")
    return tensor.to(device=device, dtype=dtype)


def _fold(running, logits):
    """Running log-sum-exp per row, updated with one block of exponents (-inf allowed)."""
    return torch.logaddexp(running, torch.logsumexp(logits, dim=1))


def _distinct_ranges(lo, hi):
    """The few distinct (lo, hi) ranges of a query block, or None when there are many."""
    pairs = torch.unique(torch.stack([lo, hi], dim=1), dim=0)
    if pairs.shape[0] > _MAX_DISTINCT_RANGES:
        return None
    return [tuple(pair) for pair in pairs.tolist() if pair[1] > pair[0]]


def _fold_ranges(running, column, logits, lo, hi, distinct, c0, c1, centre_index):
    """Fold the block's centres inside each query's [lo, hi) into ``running[:, column]``.

    Few distinct ranges (classes): slice the block per range, no masking.
    Many: mask the centres outside each query's range with -inf.
    """
    if distinct is None:
        if not bool(((lo < c1) & (hi > c0)).any()):
            return
        index = centre_index[c0:c1]
        inside = (index >= lo[:, None]) & (index < hi[:, None])
        running[:, column] = _fold(running[:, column], logits.masked_fill(~inside, -torch.inf))
        return
    for range_lo, range_hi in distinct:
        first, last = max(range_lo, c0), min(range_hi, c1)
        if first >= last:
            continue
        rows = (lo == range_lo) & (hi == range_hi)
        part = logits[rows, first - c0 : last - c0]
        running[rows, column] = _fold(running[rows, column], part)


def _gathered_lse(block, centres, lo, hi, width, inv_two_var):
    """Log-sum-exp over each query's own short range [lo, hi), by exact differences."""
    offsets = torch.arange(width, device=block.device)
    valid = offsets < (hi - lo)[:, None]
    index = torch.where(valid, lo[:, None] + offsets, 0)
    logits = torch.full(valid.shape, -torch.inf, dtype=block.dtype, device=block.device)
    # Chunk the queries so the (queries, width, d) differences stay small.
    step = max(1, _GATHER_ELEMENTS // max(1, width * block.shape[1]))
    for start in range(0, block.shape[0], step):
        rows = slice(start, start + step)
        diff = block[rows, None, :] - centres[index[rows]]
        logits[rows] = torch.where(valid[rows], -(diff * diff).sum(dim=2) * inv_two_var, -torch.inf)
    return torch.logsumexp(logits, dim=1)


def torch_mixture_log_sum_exp(
    queries, centres, noise_std, groups, *, device=None, dtype=torch.float64, block_size=2048
):
    """Log-sum-exp of ``-||t - c_j||^2 / (2 noise_std^2)`` per query: all, input and class centres.

    Parameters
    ----------
    queries : ndarray or torch.Tensor of shape (n_queries, n_features)
        Query points ``t``.
    centres : ndarray or torch.Tensor of shape (n_centres, n_features)
        Mixture centres ``c_j``, ordered so that every input's and every
        class's centres form a contiguous range.
    noise_std : float
        Standard deviation ``b`` of the mixture components.
    groups : skinfo._mixture.Groups
        Centre ranges of each query's input and class (``groups.ranges()``);
        ``Groups.none(n_queries)`` leaves both conditional columns ``-inf``.
    device : str or torch.device, default=None
        Where to compute; ``None`` uses the device of ``queries`` when it is a
        tensor, else the CPU.
    dtype : torch.dtype, default=torch.float64
        Computation dtype (float32 is faster on consumer GPUs, with relative
        errors ~1e-6 in the distances).
    block_size : int, default=2048
        Queries and centres per block; memory is about
        ``3 * block_size^2`` values of ``dtype``.

    Returns
    -------
    ndarray of shape (n_queries, 3)
        Float64 columns: log-sum-exp over all centres, over the query's input
        range and over its class range (``-inf`` for an empty range). The
        values of ``mixture_log_sum_exp(..., method="dense")[0]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo._mixture import Groups
    >>> from skinfo.torch import torch_mixture_log_sum_exp
    >>> centres = np.array([[0.0], [1.0]])
    >>> lse = torch_mixture_log_sum_exp(np.array([[0.0]]), centres, 1.0, Groups.none(1))
    >>> bool(np.isclose(lse[0, 0], np.log(1 + np.exp(-0.5)))), lse[0, 1]
    (True, np.float64(-inf))
    """
    if device is None:
        device = queries.device if isinstance(queries, torch.Tensor) else torch.device("cpu")
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size must be a positive int; got {block_size!r}.")
    noise_std = float(noise_std)
    if not np.isfinite(noise_std) or noise_std <= 0.0:
        raise ValueError(f"noise_std must be a positive finite number; got {noise_std!r}.")
    queries = _as_tensor(queries, "queries", device, dtype)
    centres = _as_tensor(centres, "centres", device, dtype)
    if queries.shape[1] != centres.shape[1]:
        raise ValueError(f"queries have {queries.shape[1]} features but centres have {centres.shape[1]}.")
    n_queries, n_centres = queries.shape[0], centres.shape[0]
    inv_two_var = 0.5 / noise_std**2
    # Translation leaves distances unchanged and keeps the expansion
    # ||t||^2 + ||c||^2 - 2 t.c accurate (cancellation ~ eps * ||t||^2).
    shift = centres.mean(dim=0)
    centres = centres - shift
    queries = queries - shift
    centre_sq = (centres * centres).sum(dim=1)
    # Like the Numba path: exact differences in low dimension, matrix products above.
    direct = queries.shape[1] < _GEMM_MIN_FEATURES
    in_lo, in_hi, cls_lo, cls_hi = (torch.from_numpy(r).to(device) for r in groups.ranges())
    out = torch.full((n_queries, 3), -torch.inf, dtype=dtype, device=device)
    centre_index = torch.arange(n_centres, device=device)
    in_width = int((in_hi - in_lo).max()) if n_queries else 0
    gather_inputs = in_width <= _MAX_GATHER_WIDTH

    for q0 in range(0, n_queries, block_size):
        q1 = min(q0 + block_size, n_queries)
        block = queries[q0:q1]
        block_sq = (block * block).sum(dim=1, keepdim=True)
        running = out[q0:q1]
        folds = [(2, cls_lo[q0:q1], cls_hi[q0:q1])]
        if not gather_inputs:
            folds.append((1, in_lo[q0:q1], in_hi[q0:q1]))
        folds = [(column, lo, hi, _distinct_ranges(lo, hi)) for column, lo, hi in folds]
        for c0 in range(0, n_centres, block_size):
            c1 = min(c0 + block_size, n_centres)
            if direct:
                squared = torch.cdist(block, centres[c0:c1], compute_mode="donot_use_mm_for_euclid_dist")
                squared = squared.mul_(squared)
            else:
                squared = (block_sq + centre_sq[c0:c1] - 2.0 * block @ centres[c0:c1].T).clamp_(min=0.0)
            logits = squared.mul_(-inv_two_var)
            running[:, 0] = _fold(running[:, 0], logits)
            for column, lo, hi, distinct in folds:
                _fold_ranges(running, column, logits, lo, hi, distinct, c0, c1, centre_index)
        if gather_inputs:
            running[:, 1] = _gathered_lse(block, centres, in_lo[q0:q1], in_hi[q0:q1], in_width, inv_two_var)
    return out.to("cpu", torch.float64).numpy()

"""The one place that holds skinfo's Numba compilation policy.

Every kernel is compiled ahead of first use with ``cache=True`` (so a second
process pays no compile time) and ``error_model="numpy"`` (division by zero
gives inf/nan instead of raising, which keeps the inner loops branch-free and
vectorisable).  ``fastmath`` stays off everywhere: the estimators promise
results exact to Monte Carlo error, and reassociation would change sums with
the thread count.
"""

import numba

__all__ = ["jit", "parallel_jit"]


def jit(*args, **kwargs):
    """Serial kernel: ``numba.njit`` with the house policy."""
    kwargs.setdefault("cache", True)
    kwargs.setdefault("error_model", "numpy")
    kwargs.setdefault("nogil", True)
    return numba.njit(*args, **kwargs)


def parallel_jit(*args, **kwargs):
    """Threaded kernel (``prange``); thread count is set by the caller through
    :func:`skinfo.utils.numba_threads`."""
    kwargs["parallel"] = True
    return jit(*args, **kwargs)

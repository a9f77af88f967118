"""The one place that holds skinfo's Numba compilation and threading policy.

Every kernel is compiled ahead of first use with ``cache=True`` (so a second
process pays no compile time) and ``error_model="numpy"`` (division by zero
gives inf/nan instead of raising, which keeps the inner loops branch-free and
vectorisable).  ``fastmath`` stays off everywhere: the estimators promise
results exact to Monte Carlo error, and reassociation would change sums with
the thread count.

The large kernels are serial functions over a range of work items, spread
over threads by :func:`parallel_ranges` rather than wrapped in a ``prange``
loop: a ``prange`` wrapper re-optimises its whole callee in its own module,
which doubled the compile time of a fresh install's kernels (about 5 s of
CPU for the dense mixture kernel alone) for no run-time gain.
"""

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

__all__ = ["jit", "parallel_jit", "parallel_ranges"]


def jit(*args, **kwargs):
    """Serial kernel: ``numba.njit`` with the house policy (``nogil``, so
    :func:`parallel_ranges` can run it on several threads)."""
    kwargs.setdefault("cache", True)
    kwargs.setdefault("error_model", "numpy")
    kwargs.setdefault("nogil", True)
    return numba.njit(*args, **kwargs)


def parallel_jit(*args, **kwargs):
    """Threaded kernel (``prange``); thread count is set by the caller through
    :func:`skinfo.utils.numba_threads`."""
    kwargs["parallel"] = True
    return jit(*args, **kwargs)


_pool = None
_pool_lock = threading.Lock()
# Pieces per thread: enough to even out pieces of uneven cost, few enough that
# the Python call per piece (~10 us) stays negligible.
_PIECES_PER_THREAD = 4


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            # The calling thread works too.
            workers = max(1, numba.config.NUMBA_NUM_THREADS - 1)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="skinfo-kernel")
        return _pool


def _forget_executor():
    # A forked child inherits the pool object but not its threads.
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_executor)


def parallel_ranges(kernel, n_items, *args, grain=1):
    """Run ``kernel(*args, lo, hi)`` over contiguous pieces of ``range(n_items)``
    on ``numba.get_num_threads()`` threads (the count
    :func:`skinfo.utils.numba_threads` sets).

    ``kernel`` is a serial, ``nogil`` kernel whose result for each item does
    not depend on which piece holds it, so the output is bit-identical for any
    thread count.  Piece bounds are multiples of ``grain`` (e.g. whole query
    blocks of a kernel that works block by block).  The calling thread takes
    pieces too, so the call completes even when the pool is busy with other
    callers; a piece's exception is re-raised here after every started piece
    has finished.
    """
    if n_items <= 0:
        return
    n_units = -(-n_items // grain)
    n_threads = min(numba.get_num_threads(), n_units)
    if n_threads <= 1:
        kernel(*args, 0, n_items)
        return
    piece = -(-n_units // (_PIECES_PER_THREAD * n_threads)) * grain
    starts = itertools.count(0, piece)  # next() is atomic under the GIL

    def work():
        for lo in starts:
            if lo >= n_items:
                return
            kernel(*args, lo, min(n_items, lo + piece))

    helpers = [_executor().submit(work) for _ in range(n_threads - 1)]
    try:
        work()
    finally:
        errors = []
        for helper in helpers:
            if helper.cancel():  # never started: its pieces are done
                continue
            try:
                helper.result()
            except BaseException as exc:  # noqa: BLE001 (re-raised below)
                errors.append(exc)
        if errors:
            raise errors[0]

"""Thread control for the Numba kernels.

``n_jobs`` maps to Numba's thread count for the duration of one estimate and is
restored afterwards.  BLAS is held to one thread meanwhile: the kernels that call
BLAS do so from inside their own parallel loop, and OpenBLAS threads spinning
beside Numba's threads on the same cores made such a kernel 30x slower here.
"""

import contextlib

import numba
from threadpoolctl import ThreadpoolController

__all__ = ["effective_n_jobs", "numba_threads"]

_controller = None


def _blas_controller():
    """One controller per process: inspecting the loaded libraries costs ~7 ms,
    limiting them through an existing controller ~0.03 ms."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def effective_n_jobs(n_jobs):
    """Number of Numba threads for ``n_jobs``.

    ``None`` and ``-1`` mean every thread Numba was started with (all cores by
    default, like scikit-learn's OpenMP routines); ``-2`` all but one, and so on;
    a positive integer is capped at Numba's maximum.
    """
    max_threads = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return max_threads
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, a positive count or -1.")
    if n_jobs < 0:
        return max(1, max_threads + 1 + n_jobs)
    return min(n_jobs, max_threads)


@contextlib.contextmanager
def numba_threads(n_jobs=None):
    """Run the enclosed kernels on ``n_jobs`` Numba threads, BLAS on one.

    Results never depend on the thread count: the kernels split work into
    chunks fixed by the input size and reduce each output serially.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(effective_n_jobs(n_jobs))
    try:
        with _blas_controller().limit(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous)

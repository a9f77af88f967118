"""Vectorisable ``exp`` for non-positive arguments.

Numba's ``math.exp`` calls libm once per value (no SVML on this platform), which
made the exponential the bottleneck of the mixture log-density at small
dimension.  Two branch-free versions:

* :func:`exp_nonpositive`: Cody-Waite range reduction ``x = k ln2 + r`` with
  ``|r| <= ln2 / 2``, a degree-12 Taylor polynomial for ``exp(r)`` and the
  scale ``2**k`` assembled from its IEEE-754 bits; LLVM vectorises any loop
  that calls it (at most 2.1 ulp, tested in ``tests/test_kernels.py``).
* the table exp of the dense mixture kernels (:func:`exp_nonpositive_table`,
  and the eight-lane loops :func:`exp_affine_vector` and
  :func:`sq_dist_exp_vector` used through ``_common.exp_affine_sum`` and
  ``_common.sq_dist_exp_sum``): ``x = (16 k + j) ln2 / 16 + r``,
  ``|r| <= ln2 / 32``, a degree-6 polynomial and ``2**(j/16)`` from a table
  held in two vector registers.  12 vector FP operations per eight values
  instead of 18; at most 1.5 ulp (measured 1.16; ``tests/test_fastexp.py``).
  On this machine (Zen 4, where every vector FP operation costs about one
  cycle per eight lanes) it runs 1.6-1.9x the degree-12 exp
  (``benchmarks/bench_sp.py``, exp table).

Every multiply-add is an explicit, correctly rounded :func:`fma` (one
instruction instead of two: 1.45x the throughput of the unfused polynomial on
this machine's AVX-512 cores).  Unlike ``fastmath``'s contraction it is fixed
in the source, so results do not depend on what the compiler chooses to fuse.

Arguments below ``-708`` are clamped to ``-708`` (``exp(-708) ~ 3e-308``), so
neither version returns subnormals or 0; the callers only sum values after
subtracting the row maximum (or a fixed shift checked against
``_MIN_FIXED_SUM``), so a term this small never changes a sum that contains
``exp(0) = 1``.  The table exp maps NaN to NaN.
"""

import numpy as np
from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.core.codegen import get_host_cpu_features
from numba.extending import intrinsic

from ._jit import jit

__all__ = [
    "VECTOR_WIDTH",
    "exp_affine_vector",
    "exp_nonpositive",
    "exp_nonpositive_table",
    "fma",
    "sq_dist_exp_vector",
]

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
# 1.5 * 2**52: adding it rounds to an integer held in the low mantissa bits.
_ROUND_SHIFT = 6755399441055744.0
_EXP_BIAS_BITS = 1023 << 52
_MIN_ARG = -708.0


@intrinsic
def _float_bits(typingctx, x):
    """Reinterpret a float64 as int64 (a no-op bitcast LLVM can vectorise)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, x):
    """Reinterpret an int64 as float64."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` with one rounding (``llvm.fma``; vectorises to vfmadd)."""
    if not (a == types.float64 and b == types.float64 and c == types.float64):
        return None

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [double], ir.FunctionType(double, [double] * 3))
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


if config.DISABLE_JIT:  # plain-Python twins, so the kernels run (slowly) uncompiled

    def _float_bits(x):  # noqa: F811
        return int(np.float64(x).view(np.int64))

    def _bits_float(x):  # noqa: F811
        return float(np.int64(np.uint64(x % (1 << 64)).view(np.int64)).view(np.float64))

    def fma(a, b, c):  # noqa: F811  (two roundings: the uncompiled run checks logic, not bits)
        return a * b + c


@jit(inline="always")
def exp_nonpositive(x):
    """``exp(x)`` for ``x <= 0`` (``x`` may be ``-inf``), vectorisable."""
    x = max(x, _MIN_ARG)
    shifted = fma(x, _LOG2E, _ROUND_SHIFT)
    k = shifted - _ROUND_SHIFT
    r = fma(k, -_LN2_LO, fma(k, -_LN2_HI, x))
    p = fma(1.0 / 479001600.0, r, 1.0 / 39916800.0)
    p = fma(p, r, 1.0 / 3628800.0)
    p = fma(p, r, 1.0 / 362880.0)
    p = fma(p, r, 1.0 / 40320.0)
    p = fma(p, r, 1.0 / 5040.0)
    p = fma(p, r, 1.0 / 720.0)
    p = fma(p, r, 1.0 / 120.0)
    p = fma(p, r, 1.0 / 24.0)
    p = fma(p, r, 1.0 / 6.0)
    p = fma(p, r, 0.5)
    p = fma(p, r, 1.0)
    p = fma(p, r, 1.0)
    # The low bits of `shifted` hold k in two's complement; shifting them into
    # the exponent field discards everything else.
    scale = _bits_float((_float_bits(shifted) << 52) + _EXP_BIAS_BITS)
    return p * scale


# --- exp with a 16-entry table held in registers -------------------------------
#
# exp(x) = 2**k * 2**(j/16) * exp(r), n = 16 k + j = round(16 x / ln2),
# |r| <= ln2 / 32.  The small range needs a degree-6 polynomial instead of 12,
# but a table lookup per lane is only cheap as an in-register permute: AVX-512's
# vpermi2q picks from 16 entries held in two vector registers, whereas the
# gather LLVM emits for ``table[j]`` costs more than the polynomial terms it
# saves (measured on Zen 4).  LLVM's loop vectoriser cannot emit a variable
# permute, so the vector loop is written in LLVM IR below
# (:func:`exp_affine_vector`, used through
# :func:`~skinfo._kernels._common.exp_affine_sum`); :func:`exp_nonpositive_table`
# is its scalar twin (same operations, same roundings: bit-identical results),
# used for the tail of a buffer and on CPUs without AVX-512.
_TABLE_BITS = 4
_TABLE_SIZE = 1 << _TABLE_BITS
# Correctly rounded 2**(j/16), as IEEE-754 bits (checked against a
# high-precision reference in the tests).
_EXP2_FRACTION_BITS = (
    0x3FF0000000000000,
    0x3FF0B5586CF9890F,
    0x3FF172B83C7D517B,
    0x3FF2387A6E756238,
    0x3FF306FE0A31B715,
    0x3FF3DEA64C123422,
    0x3FF4BFDAD5362A27,
    0x3FF5AB07DD485429,
    0x3FF6A09E667F3BCD,
    0x3FF7A11473EB0187,
    0x3FF8ACE5422AA0DB,
    0x3FF9C49182A3F090,
    0x3FFAE89F995AD3AD,
    0x3FFC199BDD85529C,
    0x3FFD5818DCFBA487,
    0x3FFEA4AFA2A490DA,
)
_SCALE_SHIFT = 52 - _TABLE_BITS
# Entry j minus j << 48: adding n << 48 (whose low bits are j << 48) then puts
# exactly k into the exponent field, with no separate mask or shift of k.
_TABLE = np.array([b - (j << _SCALE_SHIFT) for j, b in enumerate(_EXP2_FRACTION_BITS)], dtype=np.int64)
if config.DISABLE_JIT:  # Python ints: the uncompiled twins shift past 64 bits
    _TABLE = [int(v) for v in _TABLE]
_INV_STEP = 23.083120654223414  # 16 / ln2
_STEP_HI = 0.04332169878499658  # ln2 / 16 rounded to double
_STEP_LO = 1.4494042586539372e-18  # ln2 / 16 - _STEP_HI
# exp(r) - 1 - r ~ r**2 * (C2 + C3 r + ... + C6 r**4) on |r| <= ln2 / 32 (a
# Chebyshev fit; relative error of 1 + q below 3e-17, i.e. 0.13 ulp).
_C2 = 0.5
_C3 = 0.1666666666530169
_C4 = 0.04166666666496045
_C5 = 0.008333449701253456
_C6 = 0.0013889034348599464


@jit(inline="always")
def exp_nonpositive_table(x):
    """``exp(x)`` for ``x <= 0`` by a 16-entry table and a degree-6 polynomial.

    The scalar form of :func:`exp_affine_vector` (bit-identical to it).
    Error below 1.5 ulp; arguments below ``-708`` (including ``-inf``) are
    clamped to ``-708`` as in :func:`exp_nonpositive`; NaN gives NaN.
    """
    x = _MIN_ARG if x < _MIN_ARG else x  # NaN compares false: stays NaN
    shifted = fma(x, _INV_STEP, _ROUND_SHIFT)
    n = shifted - _ROUND_SHIFT
    r = fma(n, -_STEP_LO, fma(n, -_STEP_HI, x))
    bits = _float_bits(shifted)
    scale = _bits_float(_TABLE[bits & (_TABLE_SIZE - 1)] + (bits << _SCALE_SHIFT))
    p = fma(fma(fma(fma(_C6, r, _C5), r, _C4), r, _C3), r, _C2)
    q = fma(p, r * r, r)
    return fma(scale, q, scale)


def _vector_loop_available():
    """AVX-512F on the compilation target (the host unless NUMBA_CPU_FEATURES says otherwise)."""
    features = config.CPU_FEATURES if config.CPU_FEATURES is not None else get_host_cpu_features()
    return "+avx512f" in features.split(",")


# Elements per step of the vector loop; 0 where it cannot be compiled (all
# elements then take the scalar loop).  A compile-time constant: Numba's cache
# is keyed on the CPU features, so a cached kernel never meets another value.
VECTOR_WIDTH = 8 if _vector_loop_available() and not config.DISABLE_JIT else 0


class _VectorEmitter:
    """LLVM IR for the eight-lane table exp (AVX-512), shared by the vector loops."""

    def __init__(self, builder):
        self.builder = builder
        self.i64 = ir.IntType(64)
        self.vd = ir.VectorType(ir.DoubleType(), 8)
        self.vi = ir.VectorType(self.i64, 8)
        module = builder.module
        self._fma = cgutils.get_or_insert_function(
            module, ir.FunctionType(self.vd, [self.vd] * 3), "llvm.fma.v8f64"
        )
        self._permute = cgutils.get_or_insert_function(
            module, ir.FunctionType(self.vi, [self.vi] * 3), "llvm.x86.avx512.vpermi2var.q.512"
        )
        self.table_lo = ir.Constant(self.vi, [int(v) for v in _TABLE[:8]])
        self.table_hi = ir.Constant(self.vi, [int(v) for v in _TABLE[8:]])

    def splat(self, value, vector_type=None):
        vector_type = vector_type or self.vd
        if isinstance(value, (int, float)):
            return ir.Constant(vector_type, [ir.Constant(vector_type.element, value)] * 8)
        single = self.builder.insert_element(
            ir.Constant(vector_type, ir.Undefined), value, ir.Constant(self.i64, 0)
        )
        return self.builder.shuffle_vector(
            single, single, ir.Constant(ir.VectorType(ir.IntType(32), 8), [0] * 8)
        )

    def fma(self, a, b, c):
        return self.builder.call(self._fma, [a, b, c])

    def load(self, data, index):
        address = self.builder.bitcast(self.builder.gep(data, [index]), self.vd.as_pointer())
        return self.builder.load(address, align=8, typ=self.vd)

    def store(self, value, data, index):
        address = self.builder.bitcast(self.builder.gep(data, [index]), self.vd.as_pointer())
        self.builder.store(value, address, align=8)

    def exp(self, x):
        """:func:`exp_nonpositive_table` on eight lanes, operation for operation."""
        b = self.builder
        lowest = self.splat(_MIN_ARG)
        x = b.select(b.fcmp_ordered("<", x, lowest), lowest, x)
        shifted = self.fma(x, self.splat(_INV_STEP), self.splat(_ROUND_SHIFT))
        n = b.fsub(shifted, self.splat(_ROUND_SHIFT))
        r = self.fma(n, self.splat(-_STEP_LO), self.fma(n, self.splat(-_STEP_HI), x))
        bits = b.bitcast(shifted, self.vi)
        entry = b.call(self._permute, [self.table_lo, bits, self.table_hi])  # indexes by bits & 15
        scale = b.bitcast(b.add(entry, b.shl(bits, self.splat(_SCALE_SHIFT, self.vi))), self.vd)
        p = self.fma(self.splat(_C6), r, self.splat(_C5))
        p = self.fma(p, r, self.splat(_C4))
        p = self.fma(p, r, self.splat(_C3))
        p = self.fma(p, r, self.splat(_C2))
        q = self.fma(p, b.fmul(r, r), r)
        return self.fma(scale, q, scale)

    def lane_total(self, lanes):
        """The lanes summed as :func:`~skinfo._kernels._common.lane_sum` combines them."""
        b = self.builder

        def lane(i):
            return b.extract_element(lanes, ir.Constant(self.i64, i))

        low = b.fadd(b.fadd(lane(0), lane(1)), b.fadd(lane(2), lane(3)))
        high = b.fadd(b.fadd(lane(4), lane(5)), b.fadd(lane(6), lane(7)))
        return b.fadd(low, high)


def _is_c_vector(value):
    return (
        isinstance(value, types.Array)
        and value.dtype == types.float64
        and value.ndim == 1
        and value.layout == "C"
    )


@intrinsic
def exp_affine_vector(typingctx, values, count, scale, shift):
    """``values[i] = exp_nonpositive_table(fma(values[i], scale, shift))`` for
    ``i < count - count % 8``, eight lanes at a time.

    AVX-512 only: callers check ``VECTOR_WIDTH`` (see
    :func:`~skinfo._kernels._common.exp_affine_sum`).  Returns the sum of the
    results in :func:`~skinfo._kernels._common.lane_sum`'s order: lane ``l``
    accumulates elements ``l, l + 8, ...``, then
    ``((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))``.
    """
    if not (
        _is_c_vector(values)
        and isinstance(count, types.Integer)
        and scale == types.float64
        and shift == types.float64
    ):
        return None

    def codegen(context, builder, signature, args):
        emit = _VectorEmitter(builder)
        i64 = emit.i64
        count_value = context.cast(builder, args[1], signature.args[1], types.int64)
        scale_v = emit.splat(args[2])
        shift_v = emit.splat(args[3])
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        stop = builder.and_(count_value, ir.Constant(i64, -8))
        accumulator = cgutils.alloca_once_value(builder, emit.splat(0.0))
        with cgutils.for_range_slice(builder, ir.Constant(i64, 0), stop, ir.Constant(i64, 8)) as (index, _):
            result = emit.exp(emit.fma(emit.load(data, index), scale_v, shift_v))
            emit.store(result, data, index)
            builder.store(builder.fadd(builder.load(accumulator, typ=emit.vd), result), accumulator)
        return emit.lane_total(builder.load(accumulator, typ=emit.vd))

    return types.float64(values, count, types.float64, types.float64), codegen


# Vectors of eight centres whose distances are accumulated together.
_BLOCK_VECTORS = 8


@intrinsic
def sq_dist_exp_vector(typingctx, out, point, points_t, start, width, scale, shift):
    """``out[j] = exp_nonpositive_table(fma(||point - points_t[:, start + j]||^2,
    scale, shift))`` for ``j < width - width % 8``, eight lanes at a time, the
    squared distance never leaving registers.

    The distance is accumulated exactly as
    :func:`~skinfo._kernels._common.sq_dist_into` does (``acc = fma(e_k, e_k,
    acc)`` for k = 0, 1, ... from 0.0), so the results are bit-identical to
    that function followed by :func:`exp_affine_vector`, whose sum this
    returns.  AVX-512 only: callers check ``VECTOR_WIDTH``.
    """
    if not (
        _is_c_vector(out)
        and isinstance(point, types.Array)
        and point.dtype == types.float64
        and point.ndim == 1
        and isinstance(points_t, types.Array)
        and points_t.dtype == types.float64
        and points_t.ndim == 2
        and points_t.layout == "C"
        and isinstance(start, types.Integer)
        and isinstance(width, types.Integer)
        and scale == types.float64
        and shift == types.float64
    ):
        return None

    def codegen(context, builder, signature, args):
        emit = _VectorEmitter(builder)
        i64 = emit.i64
        out_data = context.make_array(signature.args[0])(context, builder, args[0]).data
        point_array = context.make_array(signature.args[1])(context, builder, args[1])
        points = context.make_array(signature.args[2])(context, builder, args[2])
        n_features, n_points = cgutils.unpack_tuple(builder, points.shape, 2)
        point_stride = builder.sdiv(
            cgutils.unpack_tuple(builder, point_array.strides, 1)[0], ir.Constant(i64, 8)
        )
        start_value = context.cast(builder, args[3], signature.args[3], types.int64)
        width_value = context.cast(builder, args[4], signature.args[4], types.int64)
        scale_v = emit.splat(args[5])
        shift_v = emit.splat(args[6])
        accumulator = cgutils.alloca_once_value(builder, emit.splat(0.0))
        distances = [cgutils.alloca_once(builder, emit.vd) for _ in range(_BLOCK_VECTORS)]

        def block(first, n_vectors):
            # n_vectors independent distance chains per feature pass: the FMA
            # latency of one chain hides behind the others.
            for distance in distances[:n_vectors]:
                builder.store(emit.splat(0.0), distance)
            column = builder.add(start_value, first)
            with cgutils.for_range_slice(builder, ir.Constant(i64, 0), n_features, ir.Constant(i64, 1)) as (
                k,
                _,
            ):
                coordinate = emit.splat(
                    builder.load(builder.gep(point_array.data, [builder.mul(k, point_stride)]))
                )
                row = builder.add(builder.mul(k, n_points), column)
                for v, distance in enumerate(distances[:n_vectors]):
                    diff = builder.fsub(
                        coordinate, emit.load(points.data, builder.add(row, ir.Constant(i64, 8 * v)))
                    )
                    builder.store(emit.fma(diff, diff, builder.load(distance, typ=emit.vd)), distance)
            for v, distance in enumerate(distances[:n_vectors]):
                result = emit.exp(emit.fma(builder.load(distance, typ=emit.vd), scale_v, shift_v))
                emit.store(result, out_data, builder.add(first, ir.Constant(i64, 8 * v)))
                builder.store(builder.fadd(builder.load(accumulator, typ=emit.vd), result), accumulator)

        blocks_stop = builder.and_(width_value, ir.Constant(i64, -8 * _BLOCK_VECTORS))
        stop = builder.and_(width_value, ir.Constant(i64, -8))
        with cgutils.for_range_slice(
            builder, ir.Constant(i64, 0), blocks_stop, ir.Constant(i64, 8 * _BLOCK_VECTORS)
        ) as (index, _):
            block(index, _BLOCK_VECTORS)
        with cgutils.for_range_slice(builder, blocks_stop, stop, ir.Constant(i64, 8)) as (index, _):
            block(index, 1)
        return emit.lane_total(builder.load(accumulator, typ=emit.vd))

    signature = types.float64(out, point, points_t, types.int64, types.int64, types.float64, types.float64)
    return signature, codegen

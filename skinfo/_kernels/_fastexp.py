"""A vectorisable ``exp`` for non-positive arguments.

Numba's ``math.exp`` calls libm once per value (no SVML on this platform), which
made the exponential the bottleneck of the mixture log-density at small
dimension.  This version is branch-free so LLVM vectorises the loops that call
it: Cody-Waite range reduction ``x = k ln2 + r`` with ``|r| <= ln2 / 2``, a
degree-12 Taylor polynomial for ``exp(r)`` (truncation < 2e-16 relative) and the
scale ``2**k`` assembled from its IEEE-754 bits.  Relative error is a few ulp
(tested against ``numpy.exp`` in ``tests/test_kernels.py``).

Every multiply-add is an explicit, correctly rounded :func:`fma` (one
instruction instead of two: 1.45x the throughput of the unfused polynomial on
this machine's AVX-512 cores).  Unlike ``fastmath``'s contraction it is fixed
in the source, so results do not depend on what the compiler chooses to fuse.

Arguments below ``-708`` are clamped to ``-708`` (``exp(-708) ~ 3e-308``); the
callers only sum values after subtracting the row maximum, so a term this small
never changes a sum that contains ``exp(0) = 1``.
"""

import numpy as np
from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.core.codegen import get_host_cpu_features
from numba.extending import intrinsic

from ._jit import jit

__all__ = ["VECTOR_WIDTH", "exp_affine_vector", "exp_nonpositive", "exp_nonpositive_table", "fma"]

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
        isinstance(values, types.Array)
        and values.dtype == types.float64
        and values.ndim == 1
        and values.layout == "C"
        and isinstance(count, types.Integer)
        and scale == types.float64
        and shift == types.float64
    ):
        return None

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        f64 = ir.DoubleType()
        vd = ir.VectorType(f64, 8)
        vi = ir.VectorType(i64, 8)
        module = builder.module
        vfma = cgutils.get_or_insert_function(module, ir.FunctionType(vd, [vd] * 3), "llvm.fma.v8f64")
        permute = cgutils.get_or_insert_function(
            module, ir.FunctionType(vi, [vi] * 3), "llvm.x86.avx512.vpermi2var.q.512"
        )

        def splat(value, vector_type):
            if isinstance(value, (int, float)):
                return ir.Constant(vector_type, [ir.Constant(vector_type.element, value)] * 8)
            single = builder.insert_element(
                ir.Constant(vector_type, ir.Undefined), value, ir.Constant(i64, 0)
            )
            return builder.shuffle_vector(
                single, single, ir.Constant(ir.VectorType(ir.IntType(32), 8), [0] * 8)
            )

        count_value = context.cast(builder, args[1], signature.args[1], types.int64)
        table_lo = ir.Constant(vi, [int(v) for v in _TABLE[:8]])
        table_hi = ir.Constant(vi, [int(v) for v in _TABLE[8:]])
        scale_v = splat(args[2], vd)
        shift_v = splat(args[3], vd)
        lowest = splat(_MIN_ARG, vd)
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        stop = builder.and_(count_value, ir.Constant(i64, -8))
        accumulator = cgutils.alloca_once_value(builder, splat(0.0, vd))
        with cgutils.for_range_slice(builder, ir.Constant(i64, 0), stop, ir.Constant(i64, 8)) as (index, _):
            address = builder.bitcast(builder.gep(data, [index]), vd.as_pointer())
            x = builder.call(vfma, [builder.load(address, align=8, typ=vd), scale_v, shift_v])
            x = builder.select(builder.fcmp_ordered("<", x, lowest), lowest, x)
            shifted = builder.call(vfma, [x, splat(_INV_STEP, vd), splat(_ROUND_SHIFT, vd)])
            n = builder.fsub(shifted, splat(_ROUND_SHIFT, vd))
            r = builder.call(vfma, [n, splat(-_STEP_HI, vd), x])
            r = builder.call(vfma, [n, splat(-_STEP_LO, vd), r])
            bits = builder.bitcast(shifted, vi)
            entry = builder.call(permute, [table_lo, bits, table_hi])  # indexes by bits & 15
            scale_value = builder.bitcast(builder.add(entry, builder.shl(bits, splat(_SCALE_SHIFT, vi))), vd)
            p = builder.call(vfma, [splat(_C6, vd), r, splat(_C5, vd)])
            p = builder.call(vfma, [p, r, splat(_C4, vd)])
            p = builder.call(vfma, [p, r, splat(_C3, vd)])
            p = builder.call(vfma, [p, r, splat(_C2, vd)])
            q = builder.call(vfma, [p, builder.fmul(r, r), r])
            result = builder.call(vfma, [scale_value, q, scale_value])
            builder.store(result, address, align=8)
            builder.store(builder.fadd(builder.load(accumulator, typ=vd), result), accumulator)
        lanes = builder.load(accumulator, typ=vd)

        def lane(i):
            return builder.extract_element(lanes, ir.Constant(i64, i))

        low = builder.fadd(builder.fadd(lane(0), lane(1)), builder.fadd(lane(2), lane(3)))
        high = builder.fadd(builder.fadd(lane(4), lane(5)), builder.fadd(lane(6), lane(7)))
        return builder.fadd(low, high)

    return types.float64(values, count, types.float64, types.float64), codegen

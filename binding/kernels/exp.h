// e^x for x <= 0, vectorised, compiled once per instruction set.
//
// Contract of exp_nonpositive(x), float32 and float64 alike:
//   - domain: x <= 0, x = -inf, or NaN (softmax only ever evaluates e^(x - max) <= 0);
//   - x = -inf and every x whose e^x rounds to +0 give +0; NaN gives NaN;
//   - results in the subnormal range are produced (one rounding), not flushed to zero;
//   - float32: within 2.0 ulp of e^x for normal results with FMA (avx2, neon) and 2.3 ulp
//     without (scalar): polynomial error 9.3e-8 relative (tools/fit_exp_polynomial.py) plus the
//     rounding of Horner's rule;
//   - float64: within 1.0 ulp with FMA and 1.2 ulp without (a degree-11 minimax polynomial,
//     error below 0.05 ulp; it replaced a degree-13 Taylor series of the same accuracy, two FMAs
//     fewer per vector: float64 softmax 1.08-1.17x faster side by side);
//   - subnormal results: within 1.5 units of the smallest subnormal of the exact e^x.
//   - half-precision outputs (ExpConstantsForOutput): float32's with a degree-4 (float16) or degree-3
//     (bfloat16) polynomial, relative error 2.8e-6 and 1.0e-4, and a one-step range reduction
//     (2.4e-7), plus float32 rounding;
//   Measured by tools/check_exp_accuracy.cc over every float32 in [-104, 0] and 5e7 float64 points.
// Vectors whose lanes are all >= kFastMin (typical softmax input: no NaN, -inf or result below the
// normal range) take a fast path with the same polynomial that scales by adding n to the exponent
// bits; the results are the same to the bit except where the slow path's two-step scaling rounds.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_EXP_H
#define SIMD_SOFTMAX_ISA_EXP_H
#include "isa_unit.h"

#include <cstddef>

#include "exp_constants.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

// The part of e^x both paths share: with biased = x * log2(e) + magic, rounded so that
// n = round(x * log2(e)) sits in biased's low bits (plus whatever offset magic carries), returns
// p = e^r for r = x - n * ln2, and biased for the scaling by 2^n.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_reduced(typename V::Vec x, typename V::Scalar magic,
                                                       typename V::Vec* biased_out) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  using C = ExpOf<V>;
  // biased holds n in its low bits; n itself comes back by subtracting magic exactly.
  const Vec biased = V::fmadd(x, V::set1(C::kLog2e), V::set1(magic));
  const Vec n = V::sub(biased, V::set1(magic));
  // r = x - n * ln2 in two steps (Cody-Waite), or one where the output's precision allows;
  // |r| <= ln2 / 2 up to rounding.
  Vec r = V::fmadd(n, V::set1(C::kMinusLn2Hi), x);
  if constexpr (C::kSplitLn2) r = V::fmadd(n, V::set1(C::kMinusLn2Lo), r);
  // p = e^r by Horner's rule, ending in 1 + r * (...) so that e^0 is exactly 1.
  Vec p = V::set1(C::kPoly[0]);
  for (size_t k = 1; k < C::kPolyDegree; ++k) p = V::fmadd(p, r, V::set1(C::kPoly[k]));
  *biased_out = biased;
  return V::fmadd(p, r, V::set1(Scalar(1)));
}

// e^x for vectors whose lanes are all >= kFastMin: 2^n is added to the exponent bits with one
// integer add instead of two multiplies and a clamp.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_normal_range(typename V::Vec x) {
  typename V::Vec biased;
  const typename V::Vec p = exp_reduced<V>(x, ExpOf<V>::kFastMagic, &biased);
  // e^x = p * 2^n, exactly, by adding n to p's exponent (the result is a normal number).
  return V::add_shifted_bits(p, biased);
}

// e^x for any x <= 0, -inf and NaN, results in the subnormal range included.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_full_range(typename V::Vec x) {
  using C = ExpOf<V>;
  // Clamp where e^x rounds to +0 anyway (maps -inf to +0); NaN is the second operand, so it stays.
  x = V::max(V::set1(C::kMinInput), x);
  // kMagic also carries the exponent bias and kScaleShift, so biased's bits make 2^(n + shift).
  typename V::Vec biased;
  const typename V::Vec p = exp_reduced<V>(x, C::kMagic, &biased);
  // e^x = (p * 2^(n + shift)) * 2^-shift: the first product is exact, the second rounds once,
  // into the subnormal range where the result is that small. Lanes at the clamp (-inf: masked
  // elements) are made 0 first, as they would round to: their underflow costs a microcode assist
  // per lane on some CPUs (a quarter of each row masked ran 1.7x slower without this).
  const typename V::Vec scaled = V::zero_where_at_most(V::mul(p, V::pow2_from_biased(biased)), x, C::kMinInput);
  return V::mul(scaled, V::set1(C::kUnshift));
}

// e^x for any x <= 0, -inf and NaN (see exp_constants.h for the contract).
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_nonpositive(typename V::Vec x) {
  return V::all_at_least(x, ExpOf<V>::kFastMin) ? exp_normal_range<V>(x) : exp_full_range<V>(x);
}

// e^x for kCount vectors in place, with one choice of path for the whole group: the fast path
// when every lane of every vector is in the normal range (NaN compares false), else the full one.
template <class V, size_t kCount>
SIMD_SOFTMAX_ALWAYS_INLINE void exp_nonpositive_group(typename V::Vec (&x)[kCount]) {
  bool normal_range = true;
  for (size_t j = 0; j < kCount; ++j) normal_range &= V::all_at_least(x[j], ExpOf<V>::kFastMin);
  if (normal_range) {
    for (size_t j = 0; j < kCount; ++j) x[j] = exp_normal_range<V>(x[j]);
  } else {
    for (size_t j = 0; j < kCount; ++j) x[j] = exp_full_range<V>(x[j]);
  }
}
}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_EXP_H

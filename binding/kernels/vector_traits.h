// The vector operation structs every kernel is written against, and the helpers built on them.
// An ISA's translation unit (kernels/<isa>/) defines SIMD_SOFTMAX_ISA_NAMESPACE, declares its structs in
// simd_softmax::<that namespace>, then includes kernel_table.h, which instantiates every kernel
// there. Nothing in these headers is shared between translation units compiled with different
// flags, so the linker can never hand a baseline caller an AVX2-compiled copy. A struct V provides:
//
//   Scalar, Vec, Wide (a vector of double accumulators, one per lane), kLanes;
//   zero(), set1(s), load(p), store(p, v), load_partial(p, count, fill), store_partial(p, count, v)
//     (count in [1, kLanes); lanes >= count of a partial load hold `fill`); keep_first(v, count)
//     (v with lanes >= count set to +0);
//   add, sub, mul, div; fmadd(a, b, c) = a * b + c (fused where the ISA has FMA);
//   where_kept(bytes, v, fill): lane i is v where bytes[i] (kLanes mask bytes) is nonzero, else fill;
//   zero_where_at_most(v, x, bound): v with +0 in the lanes where x <= bound (NaN lanes keep v);
//   max(a, b) = a > b ? a : b per lane, so b whenever either is NaN (x86 MAXPS semantics);
//   pow2_from_biased(v): the bits of v shifted left by kMantissaBits, read as a float;
//   add_shifted_bits(p, n): the bits of p plus the bits of n shifted left by kMantissaBits
//     (integer arithmetic: p * 2^k where n holds the integer k in its low bits);
//   all_at_least(v, bound): whether every lane of v is >= bound (false for NaN lanes);
//   zero_where_equal(v, value): v with the lanes equal to value made +0 (float32 structs, for
//     half-precision log-softmax: see kTracksRest);
//   wide_zero(), widen_add(wide, v), wide_store(wide, double* lanes), wide_load(const double* lanes);
//   kStreamAlignment, stream(p, v) (a store that bypasses the caches, to a p aligned to
//     kStreamAlignment bytes; a plain store where the ISA has nothing better), stream_fence();
//   optionally Element: the type kernels read and write when it is not Scalar (Float16, BFloat16),
//     with load, store, load_partial, store_partial and stream overloads for Element* that widen
//     and round, to_element / from_element for one element and round_to_element(v) (see half_vectors.h);
//   optionally Narrow: a struct of the same ISA with fewer lanes, which rows shorter than kLanes
//     use instead where the planner says so (see NarrowOf);
//   optionally shifted_index(shift) and concat_shifted(lo, hi, index) (lanes shift.. of lo, then
//     lanes ..shift of hi), for streaming stores from unaligned vectors (see HasConcatShifted);
//   optionally reduce_max(v) (the largest lane; no lane is NaN) and reduce_add(wide) (the sum of
//     wide's lanes), in registers by halving steps, where a loop over stored lanes would make a
//     chain of kLanes dependent operations (see HasReductions).
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_VECTOR_TRAITS_H
#define SIMD_SOFTMAX_ISA_VECTOR_TRAITS_H
#include "isa_unit.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "exp_constants.h"
#if defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>
#endif

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {


// The exp helpers are small and sit in the innermost loops: a call per vector costs more than the
// helper itself, and compilers stop inlining them once they have several callers.
#if defined(__GNUC__) || defined(__clang__)
#define SIMD_SOFTMAX_ALWAYS_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define SIMD_SOFTMAX_ALWAYS_INLINE __forceinline
#else
#define SIMD_SOFTMAX_ALWAYS_INLINE inline
#endif

// Asks for the cache line holding p to be brought into L2 (no-op where the compiler has no hint).
SIMD_SOFTMAX_ALWAYS_INLINE void prefetch_to_l2(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 2);
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1);
#else
  (void)p;
#endif
}

// Asks for the cache line holding p to be brought into L1, for writing it soon.
SIMD_SOFTMAX_ALWAYS_INLINE void prefetch_to_l1_for_write(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1, 3);
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
#else
  (void)p;
#endif
}

// The type of the elements V's kernels read and write: V::Element where V declares one (half
// precision, computed in V::Scalar), else V::Scalar.
template <class V, class = void>
struct ElementOf {
  using type = typename V::Scalar;
};
template <class V>
struct ElementOf<V, std::void_t<typename V::Element>> {
  using type = typename V::Element;
};
template <class V>
using ElementT = typename ElementOf<V>::type;

// The exp constants of V's kernels (exp_constants.h): sized for the precision of what they write.
template <class V>
using ExpOf = ExpConstantsForOutput<ElementT<V>>;

// Writes one element of a result computed in V::Scalar (rounded to nearest even for half precision).
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE void store_element(ElementT<V>* p, typename V::Scalar value) {
  if constexpr (std::is_same_v<ElementT<V>, typename V::Scalar>) {
    *p = value;
  } else {
    *p = V::to_element(value);
  }
}

// Reads one element as V::Scalar (widened exactly from half precision).
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Scalar load_element(const ElementT<V>* p) {
  if constexpr (std::is_same_v<ElementT<V>, typename V::Scalar>) {
    return *p;
  } else {
    return V::from_element(*p);
  }
}

// Whether V's log-softmax also sums its exponentials other than exactly 1 (the rest), so that
// log(sum) keeps its low bits where sum is 1 + tiny: a half-precision log-softmax near 0 is a
// number like -2e-6 (float16 subnormals) or -2e-22 (bfloat16), which a float32 sum of 1 and
// tiny terms would round away. See log_of_sum.
template <class V>
constexpr bool kTracksRest = !kStoresExpInOutput<ElementT<V>>;

// The terms of a sum other than exactly 1 (the rest: see kTracksRest), the others made 0.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec rest_terms(typename V::Vec e) {
  return V::zero_where_equal(e, typename V::Scalar(1));
}

// log(sum) from a line's sum of e^(x - max) and its rest (the sum without the terms equal to 1):
// below 2 exactly one term is 1 (the max), and log(sum) = log1p(rest) keeps rest's relative
// accuracy; from 2 on log(sum) is at least log 2 and the sum serves. NaN stays NaN.
inline double log_of_sum(double sum, double rest) { return sum < 2.0 ? std::log1p(rest) : std::log(sum); }

// V::Narrow where V declares one, else V itself.
template <class V, class = void>
struct NarrowOf {
  using type = V;
};
template <class V>
struct NarrowOf<V, std::void_t<typename V::Narrow>> {
  using type = typename V::Narrow;
};

// Whether V declares its own in-register reductions, reduce_max and reduce_add.
template <class V, class = void>
struct HasReductions : std::false_type {};
template <class V>
struct HasReductions<V, std::void_t<decltype(V::reduce_max(V::zero())), decltype(V::reduce_add(V::wide_zero()))>>
    : std::true_type {};

// Whether V can stream a row to aligned addresses from vectors that are not aligned:
// shifted_index(shift) and concat_shifted(lo, hi, index), lanes shift.. of lo then lanes ..shift of hi.
template <class V, class = void>
struct HasConcatShifted : std::false_type {};
template <class V>
struct HasConcatShifted<
    V, std::void_t<decltype(static_cast<void>(V::concat_shifted(V::zero(), V::zero(), V::shifted_index(size_t{0}))))>>
    : std::true_type {};

// The largest lane of v, whose lanes are never NaN (callers fold NaN lanes into a running max first).
template <class V>
inline typename V::Scalar horizontal_max(typename V::Vec v) {
  if constexpr (HasReductions<V>::value) {
    return V::reduce_max(v);
  } else {
    typename V::Scalar lanes[V::kLanes];
    V::store(lanes, v);
    typename V::Scalar result = lanes[0];
    for (size_t i = 1; i < V::kLanes; ++i) result = lanes[i] > result ? lanes[i] : result;
    return result;
  }
}

// The sum of the double accumulators' lanes.
template <class V>
inline double horizontal_sum(typename V::Wide wide) {
  if constexpr (HasReductions<V>::value) {
    return V::reduce_add(wide);
  } else {
    double lanes[V::kLanes];
    V::wide_store(wide, lanes);
    double result = 0.0;
    for (size_t i = 0; i < V::kLanes; ++i) result += lanes[i];
    return result;
  }
}

// A sum of e^(x - old_max) moved to new_max: times e^(old_max - new_max) where the max rose. A sum of
// 0 or NaN stays as it is (a line of only -inf so far, or one a NaN has poisoned). The difference of
// two float maxes is exact in double; that of two double maxes rounds by at most 2^-53 |d|, 3e-15
// relative where e^d still weighs.
inline double sum_at_new_max(double sum, double old_max, double new_max) {
  return new_max > old_max && sum != 0.0 ? sum * std::exp(old_max - new_max) : sum;
}
}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_VECTOR_TRAITS_H

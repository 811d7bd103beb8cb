// The softmax and log-softmax algorithms, written once and compiled once per instruction set.
//
// An ISA's translation unit defines SIMD_SOFTMAX_ISA_NAMESPACE (scalar, avx2, neon), declares
// its vector operation structs in simd_softmax::<that namespace>, then includes this file, which
// instantiates everything inside the same namespace. Nothing defined here is shared between
// translation units compiled with different flags, so the linker can never hand a baseline
// caller an AVX2-compiled copy.
//
// A vector operation struct V (F32x8, F64x4, F32x1, ...) provides:
//   Scalar, Vec, Wide (a vector of double accumulators, one per lane), kLanes;
//   zero(), set1(s), load(p), store(p, v), load_partial(p, count, fill), store_partial(p, count, v)
//     (count in [1, kLanes); lanes >= count of a partial load hold `fill`); keep_first(v, count)
//     (v with lanes >= count set to +0);
//   add, sub, mul; fmadd(a, b, c) = a * b + c (fused where the ISA has FMA);
//   max(a, b) = a > b ? a : b per lane, so b whenever either is NaN (x86 MAXPS semantics);
//   pow2_from_biased(v): the bits of v shifted left by kMantissaBits, read as a float;
//   add_shifted_bits(p, n): the bits of p plus the bits of n shifted left by kMantissaBits
//     (integer arithmetic: p * 2^k where n holds the integer k in its low bits);
//   all_at_least(v, bound): whether every lane of v is >= bound (false for NaN lanes);
//   wide_zero(), widen_add(wide, v), wide_store(wide, double* lanes), wide_load(const double* lanes);
//   kStreamAlignment, stream(p, v) (a store that bypasses the caches, to a p aligned to
//     kStreamAlignment bytes; a plain store where the ISA has nothing better), stream_fence();
//   optionally Narrow: a struct of the same ISA with fewer lanes, which rows shorter than kLanes
//     use instead (see NarrowOf);
//   optionally shifted_index(shift) and concat_shifted(lo, hi, index) (lanes shift.. of lo, then
//     lanes ..shift of hi), for streaming stores from unaligned vectors (see HasConcatShifted);
//   optionally reduce_max(v) (the largest lane; no lane is NaN) and reduce_add(wide) (the sum of
//     wide's lanes), in registers by halving steps, where a loop over stored lanes would make a
//     chain of kLanes dependent operations (see HasReductions).
#ifndef SIMD_SOFTMAX_ISA_NAMESPACE
#error "define SIMD_SOFTMAX_ISA_NAMESPACE before including softmax_algorithm.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#if defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>
#endif

#include "exp_constants.h"
#include "kernel_set.h"

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

// The cache line size prefetching assumes (x86-64 and most Arm cores).
constexpr size_t kLineBytes = 64;
// Rows up to this many bytes prefetch the next row during pass 2 (see rows_kernel). On Zen 4 at one
// thread, against no prefetch: rows of 16 KiB 1.26x-1.41x ([4096, 4096]), 256 KiB 1.19x, 1 MiB
// 1.06x; rows of 4 MB 0.96x-0.99x, where the next row no longer fits in L2 beside this one.
constexpr size_t kPrefetchMaxRowBytes = size_t{1} << 20;
// Log-softmax rows up to this many bytes prefetch their output into L1 during pass 2 (see
// row_sum_exp), where input and output rows fit in L1 together. On an Intel Xeon VM (48 KiB L1) at
// one thread, side by side against no prefetch: rows of 2 KiB 1.22x, 4 KiB 1.07x (float64 8 KiB
// 1.13x), 8 KiB 1.09x, 16 KiB 1.02x; rows of 32 KiB 0.87x, 200 KiB 0.86x, 1 MB 0.91x.
constexpr size_t kPrefetchOutputMaxRowBytes = size_t{8} << 10;
// Bytes per chunk where a long row's max and sum run in one sweep (row_stats_chunked): a chunk is
// read again from L1. On [64, 262144] and [16, 1048576] log-softmax, chunks of 8, 16, 32 and 64 KiB
// ran within noise of each other.
constexpr size_t kRowChunkBytes = size_t{16} << 10;

// Independent accumulators per loop iteration, to hide the latency of adds and maxes.
constexpr size_t kUnroll = 4;
// Float partial sums cover at most this many vectors per lane before they are folded into the
// double accumulators, so a row of a million elements sums as accurately as a short one.
constexpr size_t kVectorsPerSumBlock = 32;
// Column blocks whose slice (rows x block width) holds at most this many bytes prefetch their
// output into L2 during pass 2 (see ColumnBlock::stats): the input and the output of such a block
// then stay in L2 together until pass 3. On mid ([16, 1000, 64] dim 1, 256 KiB blocks) on an Intel
// Xeon VM at one thread, side by side: log-softmax 1.12x-1.14x, softmax 1.05x.
constexpr size_t kPrefetchOutputMaxBlockBytes = size_t{256} << 10;
// Softmax's pass 2 prefetches the output row this many rows ahead of the one it stores.
constexpr size_t kOutputPrefetchRowsAhead = 8;

// Rows per chunk where passes 1 and 2 over columns run chunk by chunk (ColumnBlock::chunked_stats):
// 128 KiB of a 4 KiB-wide panel, so the chunk being summed and the next one being prefetched share
// L2 with room. On [4096, 1024] dim 0, chunks of 32, 64 and 128 rows ran within noise of each other.
constexpr size_t kChunkRows = 32;

// The part of e^x both paths share: with biased = x * log2(e) + magic, rounded so that
// n = round(x * log2(e)) sits in biased's low bits (plus whatever offset magic carries), returns
// p = e^r for r = x - n * ln2, and biased for the scaling by 2^n.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_reduced(typename V::Vec x, typename V::Scalar magic,
                                                       typename V::Vec* biased_out) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  using C = ExpConstants<Scalar>;
  // biased holds n in its low bits; n itself comes back by subtracting magic exactly.
  const Vec biased = V::fmadd(x, V::set1(C::kLog2e), V::set1(magic));
  const Vec n = V::sub(biased, V::set1(magic));
  // r = x - n * ln2 in two steps (Cody-Waite); |r| <= ln2 / 2 up to rounding.
  Vec r = V::fmadd(n, V::set1(C::kMinusLn2Hi), x);
  r = V::fmadd(n, V::set1(C::kMinusLn2Lo), r);
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
  const typename V::Vec p = exp_reduced<V>(x, ExpConstants<typename V::Scalar>::kFastMagic, &biased);
  // e^x = p * 2^n, exactly, by adding n to p's exponent (the result is a normal number).
  return V::add_shifted_bits(p, biased);
}

// e^x for any x <= 0, -inf and NaN, results in the subnormal range included.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_full_range(typename V::Vec x) {
  using C = ExpConstants<typename V::Scalar>;
  // Clamp where e^x rounds to +0 anyway (maps -inf to +0); NaN is the second operand, so it stays.
  x = V::max(V::set1(C::kMinInput), x);
  // kMagic also carries the exponent bias and kScaleShift, so biased's bits make 2^(n + shift).
  typename V::Vec biased;
  const typename V::Vec p = exp_reduced<V>(x, C::kMagic, &biased);
  // e^x = (p * 2^(n + shift)) * 2^-shift: the first product is exact, the second rounds once,
  // into the subnormal range where the result is that small.
  return V::mul(V::mul(p, V::pow2_from_biased(biased)), V::set1(C::kUnshift));
}

// e^x for any x <= 0, -inf and NaN (see exp_constants.h for the contract).
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec exp_nonpositive(typename V::Vec x) {
  return V::all_at_least(x, ExpConstants<typename V::Scalar>::kFastMin) ? exp_normal_range<V>(x) : exp_full_range<V>(x);
}

// e^x for kCount vectors in place, with one choice of path for the whole group: the fast path
// when every lane of every vector is in the normal range (NaN compares false), else the full one.
template <class V, size_t kCount>
SIMD_SOFTMAX_ALWAYS_INLINE void exp_nonpositive_group(typename V::Vec (&x)[kCount]) {
  bool normal_range = true;
  for (size_t j = 0; j < kCount; ++j) normal_range &= V::all_at_least(x[j], ExpConstants<typename V::Scalar>::kFastMin);
  if (normal_range) {
    for (size_t j = 0; j < kCount; ++j) x[j] = exp_normal_range<V>(x[j]);
  } else {
    for (size_t j = 0; j < kCount; ++j) x[j] = exp_full_range<V>(x[j]);
  }
}

// V::Narrow where V declares one, else V itself.
template <class V, class = void>
struct NarrowOf {
  using type = V;
};
template <class V>
struct NarrowOf<V, std::void_t<typename V::Narrow>> {
  using type = typename V::Narrow;
};

// Whether softmax over slices `length` columns wide runs on V::Narrow: those narrower than one of
// V's vectors. On Zen 4, softmax over a slice 7 columns wide took 1.15x-1.25x longer on one masked
// AVX-512 vector than on AVX2's. Log-softmax columns keep V: there AVX2's partial stores were
// 1.3x-2x slower than AVX-512's masked ones (slices 7 and 12 columns wide). (Short rows choose in
// rows_kernel.) The choice depends on the shape only, so every thread on a tensor makes the same one.
template <class V>
inline bool runs_narrow(size_t length) {
  return !std::is_same<typename NarrowOf<V>::type, V>::value && length < V::kLanes;
}

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

// ---- Last dim: contiguous rows --------------------------------------------------------------

// Largest element of a row, ignoring NaN (a NaN still poisons the row through the sum later).
template <class V>
typename V::Scalar row_max(const typename V::Scalar* x, size_t n) {
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  const Vec minus_inf = V::set1(-std::numeric_limits<typename V::Scalar>::infinity());
  Vec m0 = minus_inf, m1 = minus_inf, m2 = minus_inf, m3 = minus_inf;
  size_t i = 0;
  // Main body: four vectors per step into four running maxima.
  for (; i + kUnroll * L <= n; i += kUnroll * L) {
    m0 = V::max(V::load(x + i), m0);
    m1 = V::max(V::load(x + i + L), m1);
    m2 = V::max(V::load(x + i + 2 * L), m2);
    m3 = V::max(V::load(x + i + 3 * L), m3);
  }
  // Remaining whole vectors, then the tail padded with -inf.
  for (; i + L <= n; i += L) m0 = V::max(V::load(x + i), m0);
  if (i < n) m0 = V::max(V::load_partial(x + i, n - i, minus_inf), m0);
  return horizontal_max<V>(V::max(V::max(m0, m1), V::max(m2, m3)));
}

// Sum of e^(x - max) over a row, in double; with kStoreExp also writes each e^(x - max) to y.
// With next_row, next_row's cache lines are prefetched into L2 on the way, those under each
// four-vector step during that step (all but the last few vectors' worth), so that the next row's
// pass 1 finds them there instead of waiting on memory. With output (log-softmax, which stores
// nothing here), the output row's lines under each step are prefetched into L1 for writing, so that
// pass 3's stores find them there: pass 3 has too little arithmetic to hide the misses, and this
// pass has the exponentials.
template <class V, bool kStoreExp>
double row_sum_exp(const typename V::Scalar* x, typename V::Scalar* y, size_t n, typename V::Scalar max,
                   const typename V::Scalar* next_row = nullptr, const typename V::Scalar* output = nullptr) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  constexpr size_t kBlock = kVectorsPerSumBlock * L;
  const Vec max_v = V::set1(max);
  auto exp_at = [&](size_t i) {
    const Vec e = exp_nonpositive<V>(V::sub(V::load(x + i), max_v));
    if (kStoreExp) V::store(y + i, e);
    return e;
  };
  // Four vectors at i: e^(x - max) as a group, stored when asked.
  auto exp_four_at = [&](size_t i, Vec (&e)[kUnroll]) {
    for (size_t j = 0; j < kUnroll; ++j) e[j] = V::sub(V::load(x + i + j * L), max_v);
    exp_nonpositive_group<V, kUnroll>(e);
    if (kStoreExp) {
      for (size_t j = 0; j < kUnroll; ++j) V::store(y + i + j * L, e[j]);
    }
  };
  typename V::Wide total = V::wide_zero();
  for (size_t block = 0; block < n; block += kBlock) {
    const size_t block_end = n - block < kBlock ? n : block + kBlock;
    Vec s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
    size_t i = block;
    // Four vectors per step into four float partial sums.
    for (; i + kUnroll * L <= block_end; i += kUnroll * L) {
      // The lines starting in this step's bytes: each line once, whatever the width.
      const size_t step_begin = (i * sizeof(Scalar) + kLineBytes - 1) / kLineBytes * kLineBytes;
      const size_t step_end = (i + kUnroll * L) * sizeof(Scalar);
      if (next_row != nullptr) {
        for (size_t byte = step_begin; byte < step_end; byte += kLineBytes) {
          prefetch_to_l2(reinterpret_cast<const char*>(next_row) + byte);
        }
      }
      if (output != nullptr) {
        for (size_t byte = step_begin; byte < step_end; byte += kLineBytes) {
          prefetch_to_l1_for_write(reinterpret_cast<const char*>(output) + byte);
        }
      }
      Vec e[kUnroll];
      exp_four_at(i, e);
      s0 = V::add(s0, e[0]);
      s1 = V::add(s1, e[1]);
      s2 = V::add(s2, e[2]);
      s3 = V::add(s3, e[3]);
    }
    for (; i + L <= block_end; i += L) s0 = V::add(s0, exp_at(i));
    // Tail padded with the max, so that the padding takes exp's fast path with the rest (padding
    // whose exp underflowed would cost a microcode assist per lane on some CPUs); its lanes are
    // zeroed after the exp.
    if (i < block_end) {
      const size_t count = block_end - i;
      const Vec e = V::keep_first(exp_nonpositive<V>(V::sub(V::load_partial(x + i, count, max_v), max_v)), count);
      if (kStoreExp) V::store_partial(y + i, count, e);
      s0 = V::add(s0, e);
    }
    // Fold this block's float partial sums into the double accumulators.
    total = V::widen_add(total, V::add(V::add(s0, s1), V::add(s2, s3)));
  }
  return horizontal_sum<V>(total);
}

// The row after row r (at x) for pass 2 to prefetch, or nullptr: pass 1 of a row streams it from
// memory with nothing to compute meanwhile, and pass 2 has the arithmetic to hide the next row's
// fetch behind. Bitwise the same results either way.
template <class Scalar>
SIMD_SOFTMAX_ALWAYS_INLINE const Scalar* next_row_to_prefetch(const Scalar* x, size_t r, size_t rows, size_t row_length) {
  return r + 1 < rows && row_length * sizeof(Scalar) <= kPrefetchMaxRowBytes ? x + row_length : nullptr;
}

// y = y * scale over a row, in place.
template <class V>
void row_scale(typename V::Scalar* y, size_t n, typename V::Scalar scale) {
  constexpr size_t L = V::kLanes;
  const typename V::Vec scale_v = V::set1(scale);
  size_t i = 0;
  for (; i + L <= n; i += L) V::store(y + i, V::mul(V::load(y + i), scale_v));
  if (i < n) V::store_partial(y + i, n - i, V::mul(V::load_partial(y + i, n - i, V::zero()), scale_v));
}

// y = (x - max) - log_sum over a row (the order of torch, so huge |max| loses nothing).
template <class V>
void row_log_normalize(const typename V::Scalar* x, typename V::Scalar* y, size_t n,
                       typename V::Scalar max, typename V::Scalar log_sum) {
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  const Vec max_v = V::set1(max), log_sum_v = V::set1(log_sum);
  size_t i = 0;
  for (; i + L <= n; i += L) V::store(y + i, V::sub(V::sub(V::load(x + i), max_v), log_sum_v));
  if (i < n) {
    const Vec v = V::load_partial(x + i, n - i, V::zero());
    V::store_partial(y + i, n - i, V::sub(V::sub(v, max_v), log_sum_v));
  }
}

// Writes y[i] = f(i) for i in [0, n) with stores that bypass the caches: plain stores until y + i is
// aligned, aligned streaming stores, then plain stores for the tail. vector_at(i) and scalar_at(i)
// compute the same values (same operations), so the output does not depend on the alignment.
template <class V, class VectorAt, class ScalarAt>
SIMD_SOFTMAX_ALWAYS_INLINE void stream_row(typename V::Scalar* y, size_t n, VectorAt vector_at, ScalarAt scalar_at) {
  constexpr size_t L = V::kLanes;
  size_t i = 0;
  while (i < n && reinterpret_cast<uintptr_t>(y + i) % V::kStreamAlignment != 0) {
    y[i] = scalar_at(i);
    ++i;
  }
  for (; i + L <= n; i += L) V::stream(y + i, vector_at(i));
  for (; i < n; ++i) y[i] = scalar_at(i);
}

template <class V, bool kLog>
void rows_kernel(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t row_length);

// A row's max (NaN ignored) and its sum of e^(x - max), in one sweep of chunks of kRowChunkBytes:
// each chunk's max, then its sum of e^(x - max so far), read again from L1 while the next chunk is
// prefetched into L2. When the max rises, the sum so far moves to the new max, in double. The same
// values as passes 1 and 2 of rows_kernel, up to rounding.
template <class V>
void row_stats_chunked(const typename V::Scalar* x, size_t n, typename V::Scalar* max_out, double* sum_out) {
  using Scalar = typename V::Scalar;
  constexpr size_t kChunk = kRowChunkBytes / sizeof(Scalar);
  Scalar max = -std::numeric_limits<Scalar>::infinity();
  double sum = 0.0;
  for (size_t first = 0; first < n; first += kChunk) {
    const size_t count = n - first < kChunk ? n - first : kChunk;
    // The max so far, this chunk included; the sum so far moves to it.
    const Scalar chunk_max = row_max<V>(x + first, count);
    sum = sum_at_new_max(sum, max, chunk_max);
    max = std::max(max, chunk_max);
    // A row of only -inf so far subtracts the lowest finite value, so that its e^(-inf - max) is 0,
    // not NaN: its later elements must still count.
    const Scalar subtrahend = max == -std::numeric_limits<Scalar>::infinity() ? std::numeric_limits<Scalar>::lowest() : max;
    const Scalar* next = first + kChunk < n ? x + first + kChunk : nullptr;
    sum += row_sum_exp<V, false>(x + first, nullptr, count, subtrahend, next);
  }
  *max_out = max;
  *sum_out = sum;
}

// Rows whose output goes straight to memory (a result too large to stay in cache), written once,
// with streaming stores, so that no output line is ever read. Up to kStreamingMaxRowBytes, softmax
// keeps its exponentials in `scratch` (row_length elements) instead of the output; longer rows take
// rows_kernel (scratch may then be null). Log-softmax rows that long take their max and sum chunk by
// chunk (row_stats_chunked): side by side at 1 thread, [16, 1048576] 1.41x-1.44x, [64, 262144]
// 1.05x-1.11x, float64 [256, 65536] 1.18x-1.19x. (Softmax computing its exponentials twice that way
// ran 0.92x-1.11x.) Bitwise the same results as rows_kernel otherwise.
template <class V, bool kLog>
void rows_kernel_streaming(const typename V::Scalar* input, typename V::Scalar* output, size_t rows,
                           size_t row_length, typename V::Scalar* scratch) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  // Rows of at most one vector would only make partial-line streaming stores: they take rows_kernel,
  // which keeps each in a register.
  if (row_length <= V::kLanes) return rows_kernel<V, kLog>(input, output, rows, row_length);
  const bool long_rows = row_length * sizeof(Scalar) > kStreamingMaxRowBytes;
  if (!kLog && long_rows) return rows_kernel<V, kLog>(input, output, rows, row_length);
  for (size_t r = 0; r < rows; ++r) {
    const Scalar* x = input + r * row_length;
    Scalar* y = output + r * row_length;
    Scalar max;
    double sum;
    if (kLog && long_rows) {
      // Passes 1 and 2 in one sweep of chunks.
      row_stats_chunked<V>(x, row_length, &max, &sum);
    } else {
      // Pass 1: the row max.
      max = row_max<V>(x, row_length);
      // Pass 2: the sum of e^(x - max), softmax keeping each e^(x - max) in scratch.
      sum = row_sum_exp<V, !kLog>(x, scratch, row_length, max, next_row_to_prefetch(x, r, rows, row_length));
    }
    // Pass 3, streamed: softmax scratch * (1 / sum); log-softmax (x - max) - log(sum).
    if (kLog) {
      const Scalar log_sum = static_cast<Scalar>(std::log(sum));
      const Vec max_v = V::set1(max), log_sum_v = V::set1(log_sum);
      stream_row<V>(y, row_length, [&](size_t i) { return V::sub(V::sub(V::load(x + i), max_v), log_sum_v); },
                    [&](size_t i) { return (x[i] - max) - log_sum; });
    } else {
      const Scalar scale = static_cast<Scalar>(1.0 / sum);
      const Vec scale_v = V::set1(scale);
      stream_row<V>(y, row_length, [&](size_t i) { return V::mul(V::load(scratch + i), scale_v); },
                    [&](size_t i) { return scratch[i] * scale; });
    }
  }
  // Streaming stores are weakly ordered: make them visible before the caller reads the output.
  V::stream_fence();
}

template <class V>
void softmax_rows_streaming(const typename V::Scalar* input, typename V::Scalar* output, size_t rows,
                            size_t row_length, typename V::Scalar* scratch) {
  rows_kernel_streaming<V, false>(input, output, rows, row_length, scratch);
}

template <class V>
void log_softmax_rows_streaming(const typename V::Scalar* input, typename V::Scalar* output, size_t rows,
                                size_t row_length, typename V::Scalar* scratch) {
  rows_kernel_streaming<V, true>(input, output, rows, row_length, scratch);
}

// Rows of at most one vector: each row stays in a register from its load to its store. The
// three-pass kernel stores a short row's exponentials and reads them back, and every partial store
// read back by a vector load waits for the store to complete: a [1, 10] row took about 50 ns that
// way. Bitwise the same results as the passes below (the same operations on each lane).
template <class V, bool kLog>
void single_vector_rows(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t n) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  const bool whole = n == V::kLanes;
  const Vec minus_inf = V::set1(-std::numeric_limits<Scalar>::infinity());
  for (size_t r = 0; r < rows; ++r) {
    const Scalar* x = input + r * n;
    Scalar* y = output + r * n;
    // The row max, with NaN lanes and padding read as -inf (as row_max does).
    const Vec row = whole ? V::load(x) : V::load_partial(x, n, minus_inf);
    const Scalar max = horizontal_max<V>(V::max(row, minus_inf));
    const Vec max_v = V::set1(max);
    // x - max, the padding made 0 so that it takes exp's fast path with the rest.
    const Vec shifted = V::sub(whole ? row : V::load_partial(x, n, max_v), max_v);
    // e^(x - max) with the padding's lanes zeroed, summed in double as row_sum_exp does.
    Vec e = exp_nonpositive<V>(shifted);
    if (!whole) e = V::keep_first(e, n);
    const double sum = horizontal_sum<V>(V::widen_add(V::wide_zero(), e));
    // Softmax e * (1 / sum); log-softmax (x - max) - log(sum).
    const Vec result = kLog ? V::sub(shifted, V::set1(static_cast<Scalar>(std::log(sum))))
                            : V::mul(e, V::set1(static_cast<Scalar>(1.0 / sum)));
    if (whole) {
      V::store(y, result);
    } else {
      V::store_partial(y, n, result);
    }
  }
}

template <class V, bool kLog>
void rows_kernel(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t row_length) {
  using Scalar = typename V::Scalar;
  using Narrow = typename NarrowOf<V>::type;
  // Rows of one vector: the narrow one where it is wide enough, as its reductions are shorter.
  if (row_length <= Narrow::kLanes) return single_vector_rows<Narrow, kLog>(input, output, rows, row_length);
  if (row_length <= V::kLanes) return single_vector_rows<V, kLog>(input, output, rows, row_length);
  const bool prefetch_log_output = kLog && row_length * sizeof(Scalar) <= kPrefetchOutputMaxRowBytes;
  for (size_t r = 0; r < rows; ++r) {
    const Scalar* x = input + r * row_length;
    Scalar* y = output + r * row_length;
    // Pass 1: the row max.
    const Scalar max = row_max<V>(x, row_length);
    // Pass 2: the sum of e^(x - max), with softmax storing each e^(x - max) in y on the way.
    const double sum = row_sum_exp<V, !kLog>(x, kLog ? nullptr : y, row_length, max,
                                             next_row_to_prefetch(x, r, rows, row_length),
                                             prefetch_log_output ? y : nullptr);
    // Pass 3: softmax scales y by 1 / sum; log-softmax writes (x - max) - log(sum).
    if (kLog) {
      row_log_normalize<V>(x, y, row_length, max, static_cast<Scalar>(std::log(sum)));
    } else {
      row_scale<V>(y, row_length, static_cast<Scalar>(1.0 / sum));
    }
  }
}

template <class V>
void softmax_rows(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t row_length) {
  rows_kernel<V, false>(input, output, rows, row_length);
}

template <class V>
void log_softmax_rows(const typename V::Scalar* input, typename V::Scalar* output, size_t rows,
                      size_t row_length) {
  rows_kernel<V, true>(input, output, rows, row_length);
}

// ---- Segments of one row, for splitting a long row across threads -------------------------

template <class V>
SegmentStats segment_stats(const typename V::Scalar* input, typename V::Scalar* exp_output, size_t length) {
  // Pass 1: the segment max. Pass 2: the sum of e^(x - max), stored when exp_output is given.
  const typename V::Scalar max = row_max<V>(input, length);
  const double sum = exp_output != nullptr ? row_sum_exp<V, true>(input, exp_output, length, max)
                                           : row_sum_exp<V, false>(input, nullptr, length, max);
  return SegmentStats{static_cast<double>(max), sum};
}

// ---- Any other dim: columns of a {dim_size, inner} slice, one vector of columns at a time ----

// Whether a block of kVectors vectors (kPartial: a partial one) is streamed where its output can be:
// whole panels only, on sets that can join vectors.
template <class V, size_t kVectors, bool kPartial>
constexpr bool kStreamedBlock =
    HasConcatShifted<V>::value && kVectors == kColumnPanelBytes / sizeof(typename V::Vec) && !kPartial;

// kVectors vectors of adjacent columns per row: with 8 AVX2 vectors, four whole cache lines of
// float32 columns, so every line fetched is used, and eight independent chains per step; in a
// panel (128 AVX2 vectors), the per-column state lives in L1 arrays instead of registers. With
// kPartial, one vector of which only `count` lanes are columns (the tail), through partial loads
// and stores; whole vectors compile to plain loads and stores.
template <class V, size_t kVectors, bool kPartial>
struct ColumnBlock {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  using Wide = typename V::Wide;
  static constexpr size_t L = V::kLanes;
  static_assert(!kPartial || kVectors == 1, "a partial block is one vector");
  // Vectors per cache line, so that prefetches ask for each line once (1 where a vector spans lines).
  static constexpr size_t kVectorsPerLine = sizeof(Vec) >= kLineBytes ? 1 : kLineBytes / sizeof(Vec);

  static SIMD_SOFTMAX_ALWAYS_INLINE Vec load_at(const Scalar* p, size_t count) {
    return kPartial ? V::load_partial(p, count, V::zero()) : V::load(p);
  }
  static SIMD_SOFTMAX_ALWAYS_INLINE void store_at(Scalar* p, size_t count, Vec v) {
    if (kPartial) V::store_partial(p, count, v); else V::store(p, v);
  }

  // Passes 1 and 2 over `rows` rows: each column's max (NaN ignored) into max_v, and the sum of
  // e^(x - max) into total; with kStoreExp the exponentials also go to y. With prefetch_output,
  // pass 2 asks for the lines of the output rows that come next into L2: log-softmax's pass 3
  // then writes each row's lines there instead of fetching them with nothing to hide the wait
  // behind; softmax's pass 2 asks for a row kOutputPrefetchRowsAhead rows before it stores there.
  template <bool kStoreExp>
  static SIMD_SOFTMAX_ALWAYS_INLINE void stats(const Scalar* x, Scalar* y, size_t rows, size_t inner, size_t count,
                                               Vec* max_v, Wide* total, const Scalar* prefetch_output = nullptr) {
    constexpr size_t kRowsAhead = kStoreExp ? kOutputPrefetchRowsAhead : 0;
    // Pass 1: the max of each column, ignoring NaN.
    for (size_t j = 0; j < kVectors; ++j) max_v[j] = V::set1(-std::numeric_limits<Scalar>::infinity());
    for (size_t k = 0; k < rows; ++k) {
      for (size_t j = 0; j < kVectors; ++j) max_v[j] = V::max(load_at(x + k * inner + j * L, count), max_v[j]);
    }
    // Pass 2: e^(x - max) per column (stored for softmax), summed in float blocks folded into double.
    for (size_t j = 0; j < kVectors; ++j) total[j] = V::wide_zero();
    for (size_t block = 0; block < rows; block += kVectorsPerSumBlock) {
      const size_t block_end = rows - block < kVectorsPerSumBlock ? rows : block + kVectorsPerSumBlock;
      Vec partial[kVectors];
      for (size_t j = 0; j < kVectors; ++j) partial[j] = V::zero();
      for (size_t k = block; k < block_end; ++k) {
        const bool prefetch = prefetch_output != nullptr && k + kRowsAhead < rows;
        for (size_t j = 0; j < kVectors; ++j) {
          if (prefetch && j % kVectorsPerLine == 0) prefetch_to_l2(prefetch_output + (k + kRowsAhead) * inner + j * L);
          const Vec e = exp_nonpositive<V>(V::sub(load_at(x + k * inner + j * L, count), max_v[j]));
          if (kStoreExp) store_at(y + k * inner + j * L, count, e);
          partial[j] = V::add(partial[j], e);
        }
      }
      for (size_t j = 0; j < kVectors; ++j) total[j] = V::widen_add(total[j], partial[j]);
    }
  }

  // Softmax's pass 3 over `rows` rows: scales the exponentials stored in y by factor_v (1 / sum).
  static SIMD_SOFTMAX_ALWAYS_INLINE void scale_stored(Scalar* y, size_t rows, size_t inner, size_t count,
                                                      const Vec* factor_v) {
    for (size_t k = 0; k < rows; ++k) {
      for (size_t j = 0; j < kVectors; ++j) {
        const size_t at = k * inner + j * L;
        store_at(y + at, count, V::mul(load_at(y + at, count), factor_v[j]));
      }
    }
  }

  // One result vector from its input: log-softmax (x - max) - log(sum), softmax e^(x - max) *
  // (1 / sum) (computing again the exponentials that pass 2 did not store).
  template <bool kLog>
  static SIMD_SOFTMAX_ALWAYS_INLINE Vec result_from_input(Vec x, Vec max, Vec factor) {
    if constexpr (kLog) {
      return V::sub(V::sub(x, max), factor);
    } else {
      return V::mul(exp_nonpositive<V>(V::sub(x, max)), factor);
    }
  }

  // Pass 3 over `rows` rows from the input (result_from_input), with plain stores: log-softmax's
  // pass 3, and softmax's after passes that stored no exponentials (chunked_stats).
  template <bool kLog>
  static SIMD_SOFTMAX_ALWAYS_INLINE void apply_from_input(const Scalar* x, Scalar* y, size_t rows, size_t inner,
                                                          size_t count, const Vec* max_v, const Vec* factor_v) {
    for (size_t k = 0; k < rows; ++k) {
      for (size_t j = 0; j < kVectors; ++j) {
        const size_t at = k * inner + j * L;
        store_at(y + at, count, result_from_input<kLog>(load_at(x + at, count), max_v[j], factor_v[j]));
      }
    }
  }

  // Passes 1 and 2 in one sweep, for slices too tall to stay in L2 from one pass to the next: in
  // chunks of kChunkRows rows, each column's max so far, then the sum of e^(x - max so far) over the
  // chunk, read again from L2, while the next chunk is prefetched into L2. A column whose max rises
  // rescales its sum so far by e^(old max - new max). max_v gets each column's max, total the sum
  // of e^(x - max), as stats<false> gives them up to rounding. Each chunk is one float sum block.
  static SIMD_SOFTMAX_ALWAYS_INLINE void chunked_stats(const Scalar* x, size_t rows, size_t inner, size_t count,
                                                       Vec* max_v, Wide* total) {
    static_assert(kChunkRows <= kVectorsPerSumBlock, "a chunk sums in one float block");
    const Vec lowest = V::set1(std::numeric_limits<Scalar>::lowest());
    for (size_t j = 0; j < kVectors; ++j) {
      max_v[j] = V::set1(-std::numeric_limits<Scalar>::infinity());
      total[j] = V::wide_zero();
    }
    for (size_t first = 0; first < rows; first += kChunkRows) {
      const size_t end = rows - first < kChunkRows ? rows : first + kChunkRows;
      // The max so far of each column, this chunk included (NaN ignored).
      Vec new_max[kVectors];
      for (size_t j = 0; j < kVectors; ++j) new_max[j] = max_v[j];
      for (size_t k = first; k < end; ++k) {
        for (size_t j = 0; j < kVectors; ++j) new_max[j] = V::max(load_at(x + k * inner + j * L, count), new_max[j]);
      }
      Vec subtrahend[kVectors];
      for (size_t j = 0; j < kVectors; ++j) {
        // Sums of columns whose max rose (rare once a few chunks are in) move to the new max.
        if (!V::all_at_least(V::sub(max_v[j], new_max[j]), Scalar(0))) rescale_sums(max_v[j], new_max[j], &total[j]);
        max_v[j] = new_max[j];
        // A column of only -inf so far subtracts the lowest finite value instead, so that its
        // e^(-inf - max) is 0, not NaN: its later elements must still count.
        subtrahend[j] = V::max(new_max[j], lowest);
      }
      // The chunk's e^(x - max so far), summed per column, prefetching the next chunk's rows.
      Vec partial[kVectors];
      for (size_t j = 0; j < kVectors; ++j) partial[j] = V::zero();
      for (size_t k = first; k < end; ++k) {
        const bool prefetch = k + kChunkRows < rows;
        const Scalar* next = x + (k + kChunkRows) * inner;
        for (size_t j = 0; j < kVectors; ++j) {
          if (prefetch && j % kVectorsPerLine == 0) prefetch_to_l2(next + j * L);
          const Vec e = exp_nonpositive<V>(V::sub(load_at(x + k * inner + j * L, count), subtrahend[j]));
          partial[j] = V::add(partial[j], e);
        }
      }
      for (size_t j = 0; j < kVectors; ++j) total[j] = V::widen_add(total[j], partial[j]);
    }
  }

  // total's lanes moved from the maxes in before to those in after (sum_at_new_max), in double.
  static void rescale_sums(Vec before, Vec after, Wide* total) {
    Scalar old_max[L], new_max[L];
    double sums[L];
    V::store(old_max, before);
    V::store(new_max, after);
    V::wide_store(*total, sums);
    for (size_t lane = 0; lane < L; ++lane) sums[lane] = sum_at_new_max(sums[lane], old_max[lane], new_max[lane]);
    *total = V::wide_load(sums);
  }

  // apply_from_input, each row written with streaming stores to aligned addresses: the first `shift`
  // lanes of a row go out with a partial store, then every aligned vector joins the end of one result
  // vector to the start of the next, then a partial store of the rest. (y + shift is aligned to
  // V::kStreamAlignment in every row.) The same operations, so the same bits as apply_from_input.
  template <bool kLog>
  static SIMD_SOFTMAX_ALWAYS_INLINE void apply_streamed(const Scalar* x, Scalar* y, size_t rows, size_t inner,
                                                        const Vec* max_v, const Vec* factor_v, size_t shift) {
    static_assert(!kPartial, "streamed blocks are whole vectors");
    const auto index = V::shifted_index(shift);
    for (size_t k = 0; k < rows; ++k) {
      const Scalar* x_row = x + k * inner;
      Scalar* y_row = y + k * inner;
      Vec previous = result_from_input<kLog>(V::load(x_row), max_v[0], factor_v[0]);
      if (shift != 0) V::store_partial(y_row, shift, previous);
      for (size_t j = 1; j < kVectors; ++j) {
        const Vec current = result_from_input<kLog>(V::load(x_row + j * L), max_v[j], factor_v[j]);
        V::stream(y_row + shift + (j - 1) * L, V::concat_shifted(previous, current, index));
        previous = current;
      }
      // The last L - shift lanes, moved to the front.
      const Vec last = V::concat_shifted(previous, previous, index);
      if (shift == 0) {
        V::stream(y_row + (kVectors - 1) * L, last);
      } else {
        V::store_partial(y_row + shift + (kVectors - 1) * L, L - shift, last);
      }
    }
  }

  // Pass 3 from the input: with streaming stores (apply_streamed) where `streamed` and the block is
  // one that streams (kStreamedBlock), else with plain ones (apply_from_input). The same bits either way.
  template <bool kLog>
  static SIMD_SOFTMAX_ALWAYS_INLINE void write_from_input(const Scalar* x, Scalar* y, size_t rows, size_t inner,
                                                          size_t count, const Vec* max_v, const Vec* factor_v,
                                                          bool streamed, size_t shift) {
    if constexpr (kStreamedBlock<V, kVectors, kPartial>) {
      if (streamed) return apply_streamed<kLog>(x, y, rows, inner, max_v, factor_v, shift);
    }
    apply_from_input<kLog>(x, y, rows, inner, count, max_v, factor_v);
  }
};

// Per column, from its sum of e^(x - max): 1 / sum for softmax, log(sum) for log-softmax, in double.
template <class V, bool kLog, size_t kVectors>
SIMD_SOFTMAX_ALWAYS_INLINE void column_factors(const typename V::Wide* total, typename V::Vec* factor_v) {
  using Scalar = typename V::Scalar;
  constexpr size_t L = V::kLanes;
  for (size_t j = 0; j < kVectors; ++j) {
    double sums[L];
    V::wide_store(total[j], sums);
    Scalar factors[L];
    for (size_t lane = 0; lane < L; ++lane) {
      factors[lane] = static_cast<Scalar>(kLog ? std::log(sums[lane]) : 1.0 / sums[lane]);
    }
    factor_v[j] = V::load(factors);
  }
}

// One block of a {dim_size, inner} slice, all three passes. Softmax stores its exponentials in
// pass 2 and rescales them in place; log-softmax writes from the input, streamed where `streamed`
// (see write_from_input).
template <class V, bool kLog, size_t kVectors, bool kPartial>
void column_block(const typename V::Scalar* x, typename V::Scalar* y, size_t dim_size, size_t inner,
                  size_t count, bool streamed = false, size_t shift = 0) {
  using Block = ColumnBlock<V, kVectors, kPartial>;
  typename V::Vec max_v[kVectors];
  typename V::Wide total[kVectors];
  // Blocks small enough that their input and output stay in L2 prefetch the output in pass 2.
  const bool fits_l2 = dim_size * kVectors * sizeof(typename V::Vec) <= kPrefetchOutputMaxBlockBytes;
  Block::template stats<!kLog>(x, y, dim_size, inner, count, max_v, total, fits_l2 ? y : nullptr);
  typename V::Vec factor_v[kVectors];
  column_factors<V, kLog, kVectors>(total, factor_v);
  if constexpr (kLog) {
    Block::template write_from_input<kLog>(x, y, dim_size, inner, count, max_v, factor_v, streamed, shift);
  } else {
    Block::scale_stored(y, dim_size, inner, count, factor_v);
  }
}

// Panels of kColumnPanelBytes of columns, then blocks of kWideVectors vectors, then single vectors,
// then the partial tail. Every column is computed the same way in any block, so neither the block
// widths nor splitting columns across threads change a bit.
// - A block of 8 AVX2 vectors reads 256 bytes of each row and moves to the next page for the next
//   row. Measured on [4096, 1024] dim 0 (1 thread): 1, 2, 4, 8 vectors gave 1.6, 2.3, 3.3, 5.7 GB/s.
// - Down thousands of rows that stride is what costs: on this VM a 64-column strided read of a
//   [4096, 1024] slice took 1105 us, the same bytes read in order 215 us. A panel reads 4 KiB of
//   each row in order, and its per-column state (max, float and double sums, factors: about 20 KiB)
//   stays in L1. Against 8-vector blocks, side by side at 1 thread: [4096, 1024] dim 0 2.1x
//   (log-softmax 1.5x), [1024, 1024] 1.6x, [512, 4096] 1.4x, [64, 100, 1024] dim 1 1.4x, float64
//   [1024, 1024] 1.3x. Half-width panels (2 KiB of each row) were no faster than 8-vector blocks.
// Eight vectors per block, but no more than kColumnBlockMaxBytes of each row (four AVX-512 vectors):
// wider blocks leave narrow slices such as 64 float32 columns to single-vector blocks, each
// striding down every row on its own (mid [16, 1000, 64] ran 0.84-0.88x with 8 AVX-512 vectors).
template <class V>
constexpr size_t kWideVectors = std::min<size_t>(8, kColumnBlockMaxBytes / sizeof(typename V::Vec));

// Calls block(vectors, partial, c, count) for every block of columns [0, columns) in the order
// above: vectors and partial are std::integral_constant / std::bool_constant, c the first column,
// count the columns of a partial block (kLanes otherwise).
template <class V, class BlockFunction>
SIMD_SOFTMAX_ALWAYS_INLINE void for_each_column_block(size_t columns, BlockFunction&& block) {
  constexpr size_t L = V::kLanes;
  constexpr size_t kPanelColumns = kColumnPanelBytes / sizeof(typename V::Scalar);
  static_assert(kPanelColumns % L == 0, "a panel is whole vectors");
  size_t c = 0;
  for (; c + kPanelColumns <= columns; c += kPanelColumns) {
    block(std::integral_constant<size_t, kPanelColumns / L>{}, std::false_type{}, c, L);
  }
  for (; c + kWideVectors<V> * L <= columns; c += kWideVectors<V> * L) {
    block(std::integral_constant<size_t, kWideVectors<V>>{}, std::false_type{}, c, L);
  }
  for (; c + L <= columns; c += L) block(std::integral_constant<size_t, 1>{}, std::false_type{}, c, L);
  if (c < columns) block(std::integral_constant<size_t, 1>{}, std::true_type{}, c, columns - c);
}

template <class V, bool kLog>
void columns_kernel(const typename V::Scalar* input, typename V::Scalar* output, size_t dim_size,
                    size_t inner, size_t columns) {
  if (!kLog && runs_narrow<V>(inner)) {
    return columns_kernel<typename NarrowOf<V>::type, kLog>(input, output, dim_size, inner, columns);
  }
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    column_block<V, kLog, decltype(vectors)::value, decltype(partial)::value>(input + c, output + c, dim_size,
                                                                              inner, count);
  });
}

// Whether panels of columns of this output can be streamed (apply_streamed): the set joins vectors
// (concat_shifted), and every row shares one alignment, a whole number of elements past
// V::kStreamAlignment. If so, *shift is the number of lanes before the first aligned address of a row.
template <class V>
bool streamable_columns(const typename V::Scalar* output, size_t inner, size_t* shift) {
  if constexpr (HasConcatShifted<V>::value) {
    using Scalar = typename V::Scalar;
    constexpr size_t kAlign = V::kStreamAlignment;
    const size_t misaligned_bytes = reinterpret_cast<uintptr_t>(output) % kAlign;
    if (inner * sizeof(Scalar) % kAlign != 0 || misaligned_bytes % sizeof(Scalar) != 0) return false;
    *shift = misaligned_bytes == 0 ? 0 : (kAlign - misaligned_bytes) / sizeof(Scalar);
    return true;
  } else {
    (void)output, (void)inner, (void)shift;
    return false;
  }
}

// One block of a slice at least kChunkedMinRows tall, written once: passes 1 and 2 chunk by chunk
// (chunked_stats), then pass 3 computing softmax's exponentials again, streamed where `streamed`
// (see write_from_input). The input is read twice from beyond L2, where the three passes read it
// three times (log-softmax) or twice, plus the stored exponentials once (softmax).
template <class V, bool kLog, size_t kVectors, bool kPartial>
void column_block_chunked(const typename V::Scalar* x, typename V::Scalar* y, size_t dim_size, size_t inner,
                          size_t count, bool streamed, size_t shift) {
  using Block = ColumnBlock<V, kVectors, kPartial>;
  typename V::Vec max_v[kVectors];
  typename V::Wide total[kVectors];
  Block::chunked_stats(x, dim_size, inner, count, max_v, total);
  typename V::Vec factor_v[kVectors];
  column_factors<V, kLog, kVectors>(total, factor_v);
  Block::template write_from_input<kLog>(x, y, dim_size, inner, count, max_v, factor_v, streamed, shift);
}

// Slices at least this tall (a panel of them holds 1 MiB) take column_block_chunked where the output
// streams. Side by side at 1 thread against the three passes, over 2-4 runs (float32 unless noted;
// log-softmax in parentheses): [4096, 1024] dim 0 1.24x-1.38x (0.94x-1.52x), [8192, 1024]
// 1.50x-1.67x (1.62x-1.72x), [4, 1024, 1024] dim 1 1.23x-1.46x (1.20x-1.29x), [8, 512, 1024] dim 1
// 1.21x-1.26x (1.05x-1.26x), [16, 256, 1024] dim 1 1.15x-1.30x (0.82x-1.22x), [1024, 4096] dim 0
// 1.11x-1.12x (1.13x-1.25x); float64 [4096, 1024] 1.32x-1.33x (1.40x-1.42x), [4, 1024, 1024]
// 1.14x-1.15x (1.16x-1.18x), [16, 256, 1024] 0.92x-1.00x (1.13x-1.18x). Slices of 128 rows,
// [32, 128, 1024] dim 1: 1.07x (0.89x). Where the output stays cached, the three passes keep their
// stored exponentials in cache and win: [1024, 1024] 0.70x (0.94x).
constexpr size_t kChunkedMinRows = 256;

// Columns whose output goes straight to memory (a result too large to stay in cache). Slices of at
// least kChunkedMinRows rows take column_block_chunked in every block, so that a column's result
// does not depend on the block it falls in (a thread's range of columns can start mid-panel).
// Shorter ones run the three passes: log-softmax streams whole panels (apply_streamed), so no
// output line is read before it is written; softmax keeps its stored exponentials and plain stores.
// Streaming needs a set with concat_shifted and rows that share one alignment (inner * sizeof a
// multiple of it); otherwise the same blocks write with plain stores, with the same results.
template <class V, bool kLog>
void columns_kernel_streaming(const typename V::Scalar* input, typename V::Scalar* output, size_t dim_size,
                              size_t inner, size_t columns) {
  if (!kLog && runs_narrow<V>(inner)) {
    return columns_kernel_streaming<typename NarrowOf<V>::type, kLog>(input, output, dim_size, inner, columns);
  }
  const bool chunked = dim_size >= kChunkedMinRows;
  size_t shift = 0;
  const bool streamed = streamable_columns<V>(output, inner, &shift);
  if (!chunked && !(kLog && streamed)) return columns_kernel<V, kLog>(input, output, dim_size, inner, columns);
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    constexpr size_t kVectors = decltype(vectors)::value;
    constexpr bool kPartial = decltype(partial)::value;
    if (chunked) {
      column_block_chunked<V, kLog, kVectors, kPartial>(input + c, output + c, dim_size, inner, count, streamed, shift);
    } else {
      column_block<V, kLog, kVectors, kPartial>(input + c, output + c, dim_size, inner, count, streamed, shift);
    }
  });
  // Streaming stores are weakly ordered: make them visible before the caller reads the output.
  if (streamed) V::stream_fence();
}

template <class V>
void softmax_columns_streaming(const typename V::Scalar* input, typename V::Scalar* output, size_t dim_size,
                               size_t inner, size_t columns) {
  columns_kernel_streaming<V, false>(input, output, dim_size, inner, columns);
}

template <class V>
void log_softmax_columns_streaming(const typename V::Scalar* input, typename V::Scalar* output, size_t dim_size,
                                   size_t inner, size_t columns) {
  columns_kernel_streaming<V, true>(input, output, dim_size, inner, columns);
}

template <class V>
void softmax_columns(const typename V::Scalar* input, typename V::Scalar* output, size_t dim_size,
                     size_t inner, size_t columns) {
  columns_kernel<V, false>(input, output, dim_size, inner, columns);
}

template <class V>
void log_softmax_columns(const typename V::Scalar* input, typename V::Scalar* output,
                         size_t dim_size, size_t inner, size_t columns) {
  columns_kernel<V, true>(input, output, dim_size, inner, columns);
}

// ---- Row segments of columns, for splitting the reduced dim of a slice across threads ----------

// Passes 1 and 2 of the columns kernel over `rows` rows of columns [0, columns): each column's max
// and sum of e^(x - max) into stats[c], the exponentials into exp_output unless null. Without
// exp_output, segments of a job whose output streams (stream_output) and at least kChunkedMinRows
// tall run passes 1 and 2 chunk by chunk (chunked_stats), as whole slices do.
template <class V>
void column_segment_stats(const typename V::Scalar* input, typename V::Scalar* exp_output, size_t rows,
                          size_t inner, size_t columns, bool stream_output, SegmentStats* stats) {
  using Scalar = typename V::Scalar;
  constexpr size_t L = V::kLanes;
  const bool chunked = exp_output == nullptr && stream_output && rows >= kChunkedMinRows;
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    constexpr size_t kVectors = decltype(vectors)::value;
    using Block = ColumnBlock<V, kVectors, decltype(partial)::value>;
    typename V::Vec max_v[kVectors];
    typename V::Wide total[kVectors];
    if (chunked) {
      Block::chunked_stats(input + c, rows, inner, count, max_v, total);
    } else if (exp_output != nullptr) {
      Block::template stats<true>(input + c, exp_output + c, rows, inner, count, max_v, total);
    } else {
      Block::template stats<false>(input + c, nullptr, rows, inner, count, max_v, total);
    }
    // Per column of the block: the max and the sum out of their vectors.
    for (size_t j = 0; j < kVectors; ++j) {
      Scalar lane_max[L];
      double lane_sum[L];
      V::store(lane_max, max_v[j]);
      V::wide_store(total[j], lane_sum);
      for (size_t lane = 0; lane < count; ++lane) {
        stats[c + j * L + lane] = SegmentStats{lane_max[lane], lane_sum[lane]};
      }
    }
  });
}

// Pass 3 over `rows` rows of columns [0, columns), as `what` says (see ColumnApply), the results
// from the input written with streaming stores (stream_output) in whole panels where the set and
// the output's alignment allow.
template <class V>
void column_segment_apply(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t inner,
                          size_t columns, const typename V::Scalar* maxes, const typename V::Scalar* factors,
                          ColumnApply what, bool stream_output) {
  size_t shift = 0;
  const bool streamed =
      stream_output && what != ColumnApply::kScaleStored && streamable_columns<V>(output, inner, &shift);
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    constexpr size_t kVectors = decltype(vectors)::value;
    constexpr bool kPartial = decltype(partial)::value;
    using Block = ColumnBlock<V, kVectors, kPartial>;
    typename V::Vec max_v[kVectors];
    typename V::Vec factor_v[kVectors];
    // The block's per-column values into vectors (lanes past a partial block's columns hold 0).
    for (size_t j = 0; j < kVectors; ++j) {
      const size_t at = c + j * V::kLanes;
      factor_v[j] = Block::load_at(factors + at, count);
      max_v[j] = maxes != nullptr ? Block::load_at(maxes + at, count) : V::zero();
    }
    if (what == ColumnApply::kScaleStored) {
      Block::scale_stored(output + c, rows, inner, count, factor_v);
    } else if (what == ColumnApply::kLogSoftmax) {
      Block::template write_from_input<true>(input + c, output + c, rows, inner, count, max_v, factor_v, streamed, shift);
    } else {
      Block::template write_from_input<false>(input + c, output + c, rows, inner, count, max_v, factor_v, streamed, shift);
    }
  });
  if (streamed) {
    // Streaming stores are weakly ordered: make them visible before the caller reads the output.
    V::stream_fence();
  }
}

// The kernel table of this instruction set, from its float32 and float64 operation structs.
template <class F32, class F64>
constexpr KernelSet make_kernel_set(const char* isa) {
  return KernelSet{isa,
                   {&softmax_rows<F32>, &log_softmax_rows<F32>, &softmax_rows_streaming<F32>,
                    &log_softmax_rows_streaming<F32>, &softmax_columns<F32>, &log_softmax_columns<F32>,
                    &softmax_columns_streaming<F32>, &log_softmax_columns_streaming<F32>,
                    &segment_stats<F32>, &row_scale<F32>, &row_log_normalize<F32>,
                    &column_segment_stats<F32>, &column_segment_apply<F32>},
                   {&softmax_rows<F64>, &log_softmax_rows<F64>, &softmax_rows_streaming<F64>,
                    &log_softmax_rows_streaming<F64>, &softmax_columns<F64>, &log_softmax_columns<F64>,
                    &softmax_columns_streaming<F64>, &log_softmax_columns_streaming<F64>,
                    &segment_stats<F64>, &row_scale<F64>, &row_log_normalize<F64>,
                    &column_segment_stats<F64>, &column_segment_apply<F64>}};
}

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

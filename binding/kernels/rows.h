// Last dim: kernels over contiguous rows.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_ROWS_H
#define SIMD_SOFTMAX_ISA_ROWS_H
#include "isa_unit.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "exp.h"
#include "tuning.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

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

// A row's max (NaN ignored) and its sum of e^(x - max), in one sweep of chunks of kRowChunkBytes:
// each chunk's max, then its sum of e^(x - max so far), read again from L1 while the next chunk is
// prefetched into L2. When the max rises, the sum so far moves to the new max, in double. The same
// values as passes 1 and 2 of three_pass_rows, up to rounding.
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

// rows.three_pass: any row length. Pass 1 the max, pass 2 the sum of e^(x - max) (softmax storing
// the exponentials in the output), pass 3 the scaling (softmax) or (x - max) - log(sum).
template <class V, bool kLog>
void three_pass_rows(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t row_length) {
  using Scalar = typename V::Scalar;
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

// rows.single_vector: rows of at most V::kLanes elements, each kept in a register from its load
// to its store. The three-pass kernel stores a short row's exponentials and reads them back, and every partial store
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

// The last pass of a streamed row: softmax scratch * (1 / sum), log-softmax (x - max) - log(sum),
// written with streaming stores.
template <class V, bool kLog>
SIMD_SOFTMAX_ALWAYS_INLINE void stream_row_result(const typename V::Scalar* x, const typename V::Scalar* scratch,
                                                  typename V::Scalar* y, size_t n, typename V::Scalar max,
                                                  double sum) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  if constexpr (kLog) {
    const Scalar log_sum = static_cast<Scalar>(std::log(sum));
    const Vec max_v = V::set1(max), log_sum_v = V::set1(log_sum);
    stream_row<V>(y, n, [&](size_t i) { return V::sub(V::sub(V::load(x + i), max_v), log_sum_v); },
                  [&](size_t i) { return (x[i] - max) - log_sum; });
  } else {
    (void)x, (void)max;
    const Scalar scale = static_cast<Scalar>(1.0 / sum);
    const Vec scale_v = V::set1(scale);
    stream_row<V>(y, n, [&](size_t i) { return V::mul(V::load(scratch + i), scale_v); },
                  [&](size_t i) { return scratch[i] * scale; });
  }
}

// rows.streamed: rows written once with streaming stores, so that no output line is ever read (for
// a result too large to stay in cache). Softmax keeps each row's exponentials in `scratch`
// (row_length elements) instead of the output; log-softmax needs no scratch (it may be null).
// Bitwise the same results as three_pass_rows.
template <class V, bool kLog>
void streamed_rows(const typename V::Scalar* input, typename V::Scalar* output, size_t rows, size_t row_length,
                   typename V::Scalar* scratch) {
  using Scalar = typename V::Scalar;
  for (size_t r = 0; r < rows; ++r) {
    const Scalar* x = input + r * row_length;
    // Pass 1: the row max.
    const Scalar max = row_max<V>(x, row_length);
    // Pass 2: the sum of e^(x - max), softmax keeping each e^(x - max) in scratch.
    const double sum = row_sum_exp<V, !kLog>(x, kLog ? nullptr : scratch, row_length, max,
                                             next_row_to_prefetch(x, r, rows, row_length));
    // Pass 3, streamed.
    stream_row_result<V, kLog>(x, scratch, output + r * row_length, row_length, max, sum);
  }
  // Streaming stores are weakly ordered: make them visible before the caller reads the output.
  V::stream_fence();
}

// rows.streamed_chunked (log-softmax): as streamed_rows, with each row's max and sum in one sweep of
// chunks (row_stats_chunked), for rows too long to stay in L2 between passes 1 and 2. The same
// results as streamed_rows up to rounding.
template <class V>
void streamed_chunked_log_rows(const typename V::Scalar* input, typename V::Scalar* output, size_t rows,
                               size_t row_length) {
  using Scalar = typename V::Scalar;
  for (size_t r = 0; r < rows; ++r) {
    const Scalar* x = input + r * row_length;
    Scalar max;
    double sum;
    // Passes 1 and 2 in one sweep of chunks.
    row_stats_chunked<V>(x, row_length, &max, &sum);
    // Pass 3, streamed.
    stream_row_result<V, true>(x, nullptr, output + r * row_length, row_length, max, sum);
  }
  V::stream_fence();
}

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_ROWS_H

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
#include "filtered_input.h"
#include "tuning.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

// Largest element of a row, ignoring NaN (a NaN still poisons the row through the sum later).
template <class V, class In>
typename V::Scalar row_max(const In& x, size_t n) {
  // Through a temperature: the max of the undivided elements, divided once (FilteredInput::undivided).
  if constexpr (IsFiltered<In>::value) {
    if (x.divides) return x.divided_one(row_max<V>(x.undivided(), n));
  }
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  const Vec minus_inf = V::set1(-std::numeric_limits<typename V::Scalar>::infinity());
  Vec m0 = minus_inf, m1 = minus_inf, m2 = minus_inf, m3 = minus_inf;
  size_t i = 0;
  // Main body: four vectors per step into four running maxima.
  for (; i + kUnroll * L <= n; i += kUnroll * L) {
    m0 = V::max(read<V>(x, i), m0);
    m1 = V::max(read<V>(x, i + L), m1);
    m2 = V::max(read<V>(x, i + 2 * L), m2);
    m3 = V::max(read<V>(x, i + 3 * L), m3);
  }
  // Remaining whole vectors, then the tail padded with -inf.
  for (; i + L <= n; i += L) m0 = V::max(read<V>(x, i), m0);
  if (i < n) m0 = V::max(read_partial<V>(x, i, n - i, minus_inf), m0);
  return horizontal_max<V>(V::max(V::max(m0, m1), V::max(m2, m3)));
}

// Sum of e^(x - max) over a row, in double; with kStoreExp also writes each e^(x - max) to y (the
// output where it holds them exactly, else a float32 scratch row); with kRest also the sum of the
// terms other than exactly 1 to *rest (see kTracksRest).
// With next_row, next_row's cache lines are prefetched into L2 on the way, those under each
// four-vector step during that step (all but the last few vectors' worth), so that the next row's
// pass 1 finds them there instead of waiting on memory. With output (log-softmax, which stores
// nothing here), the output row's lines under each step are prefetched into L1 for writing, so that
// pass 3's stores find them there: pass 3 has too little arithmetic to hide the misses, and this
// pass has the exponentials.
template <class V, bool kStoreExp, bool kRest = false, class In>
double row_sum_exp(const In& x, typename V::Scalar* y, size_t n, typename V::Scalar max,
                   const ElementT<V>* next_row = nullptr, const ElementT<V>* output = nullptr,
                   double* rest = nullptr) {
  using Element = ElementT<V>;
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  constexpr size_t kBlock = kVectorsPerSumBlock * L;
  const Vec max_v = V::set1(max);
  auto exp_at = [&](size_t i) {
    const Vec e = exp_nonpositive<V>(V::sub(read<V>(x, i), max_v));
    if (kStoreExp) V::store(y + i, e);
    return e;
  };
  // Four vectors at i: e^(x - max) as a group, stored when asked.
  auto exp_four_at = [&](size_t i, Vec (&e)[kUnroll]) {
    for (size_t j = 0; j < kUnroll; ++j) e[j] = V::sub(read<V>(x, i + j * L), max_v);
    exp_nonpositive_group<V, kUnroll>(e);
    if (kStoreExp) {
      for (size_t j = 0; j < kUnroll; ++j) V::store(y + i + j * L, e[j]);
    }
  };
  typename V::Wide total = V::wide_zero(), rest_total = V::wide_zero();
  for (size_t block = 0; block < n; block += kBlock) {
    const size_t block_end = n - block < kBlock ? n : block + kBlock;
    Vec s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero(), r0 = V::zero();
    size_t i = block;
    // Four vectors per step into four float partial sums.
    for (; i + kUnroll * L <= block_end; i += kUnroll * L) {
      // The lines starting in this step's bytes: each line once, whatever the width.
      const size_t step_begin = (i * sizeof(Element) + kLineBytes - 1) / kLineBytes * kLineBytes;
      const size_t step_end = (i + kUnroll * L) * sizeof(Element);
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
      if constexpr (kRest) r0 = V::add(r0, V::add(V::add(rest_terms<V>(e[0]), rest_terms<V>(e[1])), V::add(rest_terms<V>(e[2]), rest_terms<V>(e[3]))));
    }
    for (; i + L <= block_end; i += L) {
      const Vec e = exp_at(i);
      s0 = V::add(s0, e);
      if constexpr (kRest) r0 = V::add(r0, rest_terms<V>(e));
    }
    // Tail padded with the max, so that the padding takes exp's fast path with the rest (padding
    // whose exp underflowed would cost a microcode assist per lane on some CPUs); its lanes are
    // zeroed after the exp.
    if (i < block_end) {
      const size_t count = block_end - i;
      const Vec e = V::keep_first(exp_nonpositive<V>(V::sub(read_partial<V>(x, i, count, max_v), max_v)), count);
      if (kStoreExp) V::store_partial(y + i, count, e);
      s0 = V::add(s0, e);
      if constexpr (kRest) r0 = V::add(r0, rest_terms<V>(e));
    }
    // Fold this block's float partial sums into the double accumulators.
    total = V::widen_add(total, V::add(V::add(s0, s1), V::add(s2, s3)));
    if constexpr (kRest) rest_total = V::widen_add(rest_total, r0);
  }
  if constexpr (kRest) *rest = horizontal_sum<V>(rest_total);
  (void)rest;
  return horizontal_sum<V>(total);
}

// Pass 2 of log-softmax: log of the sum of e^(x - max) over a row, prefetching as row_sum_exp does.
// Where V tracks the rest and the sum is below 2 (the max alone, the others small), the row is
// summed again without its 1 and log1p taken (log_of_sum): rows of spread-out logits skip that pass.
template <class V, class In>
double row_log_sum(const In& x, size_t n, typename V::Scalar max, const ElementT<V>* next_row = nullptr,
                   const ElementT<V>* output = nullptr) {
  const double sum = row_sum_exp<V, false>(x, nullptr, n, max, next_row, output);
  if constexpr (kTracksRest<V>) {
    if (sum < 2.0) {
      double rest;
      row_sum_exp<V, false, true>(x, nullptr, n, max, nullptr, nullptr, &rest);
      return log_of_sum(sum, rest);
    }
  }
  return std::log(sum);
}

// The row after row r (at x) for pass 2 to prefetch, or nullptr: pass 1 of a row streams it from
// memory with nothing to compute meanwhile, and pass 2 has the arithmetic to hide the next row's
// fetch behind. Bitwise the same results either way.
template <class Element>
SIMD_SOFTMAX_ALWAYS_INLINE const Element* next_row_to_prefetch(const Element* x, size_t r, size_t rows,
                                                               size_t row_length, size_t row_stride) {
  return r + 1 < rows && row_length * sizeof(Element) <= kPrefetchMaxRowBytes ? x + row_stride : nullptr;
}

// y = exps * scale over a row: in place where the output holds the exponentials (exps == y), else
// from a float32 scratch row into half-precision y, rounded once.
template <class V>
void row_scale(const typename V::Scalar* exps, ElementT<V>* y, size_t n, typename V::Scalar scale) {
  constexpr size_t L = V::kLanes;
  const typename V::Vec scale_v = V::set1(scale);
  size_t i = 0;
  for (; i + L <= n; i += L) V::store(y + i, V::mul(V::load(exps + i), scale_v));
  if (i < n) V::store_partial(y + i, n - i, V::mul(V::load_partial(exps + i, n - i, V::zero()), scale_v));
}

// segments.scale: the exponentials segment_stats stored in data, times factor, in place.
template <class V>
void row_scale_in_place(typename V::Scalar* data, size_t n, typename V::Scalar factor) {
  row_scale<V>(data, data, n, factor);
}

// segments.softmax_from_input: y = e^(x - max) * factor, the exponentials computed again (for
// outputs that cannot hold them between the passes).
template <class V, class In>
void row_softmax_from_input(const In& x, ElementT<V>* y, size_t n, typename V::Scalar max,
                            typename V::Scalar factor) {
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  const Vec max_v = V::set1(max), factor_v = V::set1(factor);
  size_t i = 0;
  for (; i + L <= n; i += L) V::store(y + i, V::mul(exp_nonpositive<V>(V::sub(read<V>(x, i), max_v)), factor_v));
  if (i < n) {
    // The tail padded with the max, as in row_sum_exp; the padding is not stored.
    const Vec e = exp_nonpositive<V>(V::sub(read_partial<V>(x, i, n - i, max_v), max_v));
    V::store_partial(y + i, n - i, V::mul(e, factor_v));
  }
}

// y = (x - max) - log_sum over a row (the order of torch, so huge |max| loses nothing).
template <class V, class In>
void row_log_normalize(const In& x, ElementT<V>* y, size_t n, typename V::Scalar max,
                       typename V::Scalar log_sum) {
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  const Vec max_v = V::set1(max), log_sum_v = V::set1(log_sum);
  size_t i = 0;
  for (; i + L <= n; i += L) V::store(y + i, V::sub(V::sub(read<V>(x, i), max_v), log_sum_v));
  if (i < n) {
    const Vec v = read_partial<V>(x, i, n - i, V::zero());
    V::store_partial(y + i, n - i, V::sub(V::sub(v, max_v), log_sum_v));
  }
}

// Writes y[i] = f(i) for i in [0, n) with stores that bypass the caches: plain stores until y + i is
// aligned, aligned streaming stores, then plain stores for the tail. vector_at(i) and scalar_at(i)
// compute the same values (same operations), so the output does not depend on the alignment.
template <class V, class VectorAt, class ScalarAt>
SIMD_SOFTMAX_ALWAYS_INLINE void stream_row(ElementT<V>* y, size_t n, VectorAt vector_at, ScalarAt scalar_at) {
  constexpr size_t L = V::kLanes;
  size_t i = 0;
  while (i < n && reinterpret_cast<uintptr_t>(y + i) % V::kStreamAlignment != 0) {
    store_element<V>(y + i, scalar_at(i));
    ++i;
  }
  for (; i + L <= n; i += L) V::stream(y + i, vector_at(i));
  for (; i < n; ++i) store_element<V>(y + i, scalar_at(i));
}

// A row's max (NaN ignored) and its sum of e^(x - max) (and its rest where V tracks it: then rest_out
// is not null), in one sweep of chunks of kRowChunkBytes:
// each chunk's max, then its sum of e^(x - max so far), read again from L1 while the next chunk is
// prefetched into L2. When the max rises, the sum so far moves to the new max, in double. The same
// values as passes 1 and 2 of three_pass_rows, up to rounding.
template <class V, class In>
void row_stats_chunked(const In& x, size_t n, typename V::Scalar* max_out, double* sum_out,
                       double* rest_out = nullptr) {
  using Scalar = typename V::Scalar;
  constexpr size_t kChunk = kRowChunkBytes / sizeof(ElementT<V>);
  Scalar max = -std::numeric_limits<Scalar>::infinity();
  double sum = 0.0, rest = 0.0;
  for (size_t first = 0; first < n; first += kChunk) {
    const size_t count = n - first < kChunk ? n - first : kChunk;
    // The max so far, this chunk included; the sum so far moves to it (where the max rose, every
    // term so far is below 1: all of it is rest).
    const Scalar chunk_max = row_max<V>(x + first, count);
    if (chunk_max > max) rest = sum_at_new_max(sum, max, chunk_max);
    sum = sum_at_new_max(sum, max, chunk_max);
    max = std::max(max, chunk_max);
    // A row of only -inf so far subtracts the lowest finite value, so that its e^(-inf - max) is 0,
    // not NaN: its later elements must still count.
    const Scalar subtrahend = max == -std::numeric_limits<Scalar>::infinity() ? std::numeric_limits<Scalar>::lowest() : max;
    const ElementT<V>* next = first + kChunk < n ? address_of(x) + first + kChunk : nullptr;
    if constexpr (kTracksRest<V>) {
      double chunk_rest;
      sum += row_sum_exp<V, false, true>(x + first, nullptr, count, subtrahend, next, nullptr, &chunk_rest);
      rest += chunk_rest;
    } else {
      sum += row_sum_exp<V, false>(x + first, nullptr, count, subtrahend, next);
    }
  }
  *max_out = max;
  *sum_out = sum;
  if (rest_out != nullptr) *rest_out = rest;
}

// After a row of growing rows (growth 1: a causal mask) computed its row_length elements: the rest
// of its row_stride, past the causal bound, written here while the row is in cache: NaN where the row
// is NaN, else what an element taking no part gives (softmax 0, log-softmax -inf).
template <class V, bool kLog>
SIMD_SOFTMAX_ALWAYS_INLINE void write_row_tail(ElementT<V>* y, size_t row_length, size_t row_stride, size_t growth) {
  using Scalar = typename V::Scalar;
  if (growth == 0 || row_length >= row_stride) return;
  const Scalar value = std::isnan(load_element<V>(y)) ? std::numeric_limits<Scalar>::quiet_NaN()
                       : kLog                         ? -std::numeric_limits<Scalar>::infinity()
                                                      : Scalar(0);
  constexpr size_t L = V::kLanes;
  const typename V::Vec v = V::set1(value);
  size_t i = row_length;
  for (; i + L <= row_stride; i += L) V::store(y + i, v);
  if (i < row_stride) V::store_partial(y + i, row_stride - i, v);
}

// rows.three_pass: any row length. Pass 1 the max, pass 2 the sum of e^(x - max) (softmax storing
// the exponentials in the output, or for half precision in `scratch`, row_length float32 elements),
// pass 3 the scaling (softmax) or (x - max) - log(sum).
template <class V, bool kLog, class In>
void three_pass_rows(In input, ElementT<V>* output, size_t rows, size_t first_length, size_t row_stride,
                     size_t growth, typename V::Scalar* scratch) {
  using Scalar = typename V::Scalar;
  using Element = ElementT<V>;
  const bool prefetch_log_output = kLog && row_stride * sizeof(Element) <= kPrefetchOutputMaxRowBytes;
  for (size_t r = 0; r < rows; ++r) {
    const size_t row_length = std::min(row_stride, first_length + r * growth);
    const In x = input_at(input, r, row_stride, 0);
    Element* y = output + r * row_stride;
    Scalar* exps = nullptr;
    if constexpr (!kLog) {
      if constexpr (kStoresExpInOutput<Element>) {
        (void)scratch;
        exps = y;
      } else {
        exps = scratch;
      }
    }
    // Pass 1: the row max.
    const Scalar max = row_max<V>(x, row_length);
    // Pass 2 and 3: log-softmax takes log(sum of e^(x - max)), then writes (x - max) - log(sum);
    // softmax stores each e^(x - max) on the way to the sum, then scales them by 1 / sum into y.
    const Element* next_row = next_row_to_prefetch(address_of(x), r, rows, row_length, row_stride);
    if constexpr (kLog) {
      const double log_sum = row_log_sum<V>(x, row_length, max, next_row, prefetch_log_output ? y : nullptr);
      row_log_normalize<V>(x, y, row_length, max, static_cast<Scalar>(log_sum));
    } else {
      const double sum = row_sum_exp<V, true>(x, exps, row_length, max, next_row);
      row_scale<V>(exps, y, row_length, static_cast<Scalar>(1.0 / sum));
    }
    write_row_tail<V, kLog>(y, row_length, row_stride, growth);
  }
}

// rows.single_vector: rows of at most V::kLanes elements, each kept in a register from its load
// to its store. The three-pass kernel stores a short row's exponentials and reads them back, and every partial store
// read back by a vector load waits for the store to complete: a [1, 10] row took about 50 ns that
// way. Bitwise the same results as the passes below (the same operations on each lane).
template <class V, bool kLog, class In>
void single_vector_rows(In input, ElementT<V>* output, size_t rows, size_t first_length, size_t row_stride,
                        size_t growth) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  const Vec minus_inf = V::set1(-std::numeric_limits<Scalar>::infinity());
  for (size_t r = 0; r < rows; ++r) {
    const size_t n = std::min(row_stride, first_length + r * growth);
    const bool whole = n == V::kLanes;
    const In x = input_at(input, r, row_stride, 0);
    ElementT<V>* y = output + r * row_stride;
    // The row max, with NaN lanes and padding read as -inf (as row_max does).
    const Vec row = whole ? read<V>(x) : read_partial<V>(x, 0, n, minus_inf);
    const Scalar max = horizontal_max<V>(V::max(row, minus_inf));
    const Vec max_v = V::set1(max);
    // x - max, the padding made 0 so that it takes exp's fast path with the rest.
    const Vec shifted = V::sub(whole ? row : read_partial<V>(x, 0, n, max_v), max_v);
    // e^(x - max) with the padding's lanes zeroed, summed in double as row_sum_exp does.
    Vec e = exp_nonpositive<V>(shifted);
    if (!whole) e = V::keep_first(e, n);
    const double sum = horizontal_sum<V>(V::widen_add(V::wide_zero(), e));
    // Softmax e * (1 / sum); log-softmax (x - max) - log(sum) (log_of_sum where V tracks the rest).
    Vec result;
    if constexpr (kLog) {
      double log_sum = std::log(sum);
      if constexpr (kTracksRest<V>) {
        log_sum = log_of_sum(sum, horizontal_sum<V>(V::widen_add(V::wide_zero(), rest_terms<V>(e))));
      }
      result = V::sub(shifted, V::set1(static_cast<Scalar>(log_sum)));
    } else {
      result = V::mul(e, V::set1(static_cast<Scalar>(1.0 / sum)));
    }
    if (whole) {
      V::store(y, result);
    } else {
      V::store_partial(y, n, result);
    }
    write_row_tail<V, kLog>(y, n, row_stride, growth);
  }
}

// The last pass of a streamed row: softmax scratch * (1 / sum), log-softmax (x - max) - log_sum,
// written with streaming stores. `reduced` is the sum (softmax) or log_sum (log-softmax).
template <class V, bool kLog, class In>
SIMD_SOFTMAX_ALWAYS_INLINE void stream_row_result(const In& x, const typename V::Scalar* scratch,
                                                  ElementT<V>* y, size_t n, typename V::Scalar max, double reduced) {
  using Scalar = typename V::Scalar;
  using Vec = typename V::Vec;
  if constexpr (kLog) {
    const Scalar log_sum = static_cast<Scalar>(reduced);
    const Vec max_v = V::set1(max), log_sum_v = V::set1(log_sum);
    stream_row<V>(y, n, [&](size_t i) { return V::sub(V::sub(read<V>(x, i), max_v), log_sum_v); },
                  [&](size_t i) { return (read_one<V>(x, i) - max) - log_sum; });
  } else {
    (void)x, (void)max;
    const Scalar scale = static_cast<Scalar>(1.0 / reduced);
    const Vec scale_v = V::set1(scale);
    stream_row<V>(y, n, [&](size_t i) { return V::mul(V::load(scratch + i), scale_v); },
                  [&](size_t i) { return scratch[i] * scale; });
  }
}

// rows.streamed: rows written once with streaming stores, so that no output line is ever read (for
// a result too large to stay in cache). Softmax keeps each row's exponentials in `scratch`
// (row_length elements) instead of the output; log-softmax needs no scratch (it may be null).
// Bitwise the same results as three_pass_rows.
template <class V, bool kLog, class In>
void streamed_rows(In input, ElementT<V>* output, size_t rows, size_t first_length, size_t row_stride, size_t growth,
                   typename V::Scalar* scratch) {
  using Scalar = typename V::Scalar;
  for (size_t r = 0; r < rows; ++r) {
    const size_t row_length = std::min(row_stride, first_length + r * growth);
    const In x = input_at(input, r, row_stride, 0);
    // Pass 1: the row max.
    const Scalar max = row_max<V>(x, row_length);
    // Pass 2: log(sum of e^(x - max)) for log-softmax; the sum for softmax, keeping each e^(x - max)
    // in scratch.
    const ElementT<V>* next_row = next_row_to_prefetch(address_of(x), r, rows, row_length, row_stride);
    double reduced;
    if constexpr (kLog) {
      reduced = row_log_sum<V>(x, row_length, max, next_row);
    } else {
      reduced = row_sum_exp<V, true>(x, scratch, row_length, max, next_row);
    }
    // Pass 3, streamed.
    stream_row_result<V, kLog>(x, scratch, output + r * row_stride, row_length, max, reduced);
    write_row_tail<V, kLog>(output + r * row_stride, row_length, row_stride, growth);
  }
  // Streaming stores are weakly ordered: make them visible before the caller reads the output.
  V::stream_fence();
}

// rows.streamed_chunked (log-softmax): as streamed_rows, with each row's max and sum in one sweep of
// chunks (row_stats_chunked), for rows too long to stay in L2 between passes 1 and 2. The same
// results as streamed_rows up to rounding.
template <class V, class In>
void streamed_chunked_log_rows(In input, ElementT<V>* output, size_t rows, size_t first_length, size_t row_stride,
                               size_t growth) {
  using Scalar = typename V::Scalar;
  for (size_t r = 0; r < rows; ++r) {
    const size_t row_length = std::min(row_stride, first_length + r * growth);
    const In x = input_at(input, r, row_stride, 0);
    Scalar max;
    double sum, rest;
    // Passes 1 and 2 in one sweep of chunks.
    row_stats_chunked<V>(x, row_length, &max, &sum, &rest);
    const double log_sum = kTracksRest<V> ? log_of_sum(sum, rest) : std::log(sum);
    // Pass 3, streamed.
    stream_row_result<V, true>(x, nullptr, output + r * row_stride, row_length, max, log_sum);
    write_row_tail<V, true>(output + r * row_stride, row_length, row_stride, growth);
  }
  V::stream_fence();
}

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_ROWS_H

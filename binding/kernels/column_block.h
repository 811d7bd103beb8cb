// Any other dim: a block of adjacent columns of a {dim_size, inner} slice, pass by pass.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_COLUMN_BLOCK_H
#define SIMD_SOFTMAX_ISA_COLUMN_BLOCK_H
#include "isa_unit.h"

#include <cstddef>
#include <limits>

#include "exp.h"
#include "filtered_input.h"
#include "tuning.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

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
  using Element = ElementT<V>;
  using Vec = typename V::Vec;
  using Wide = typename V::Wide;
  static constexpr size_t L = V::kLanes;
  static_assert(!kPartial || kVectors == 1, "a partial block is one vector");
  // Vectors per cache line, so that prefetches ask for each line once (1 where a vector spans lines).
  static constexpr size_t kVectorsPerLine = sizeof(Vec) >= kLineBytes ? 1 : kLineBytes / sizeof(Vec);

  // P: Element (the input and output) or Scalar (per-column arrays).
  template <class P>
  static SIMD_SOFTMAX_ALWAYS_INLINE Vec load_at(const P* p, size_t count) {
    return kPartial ? V::load_partial(p, count, V::zero()) : V::load(p);
  }
  // One vector of the input: element (k, c) and the columns after it.
  template <class In>
  static SIMD_SOFTMAX_ALWAYS_INLINE Vec read_at(const In& x, size_t k, size_t inner, size_t c, size_t count) {
    return kPartial ? read_partial<V>(x, k, inner, c, count, V::zero()) : read<V>(x, k, inner, c);
  }
  static SIMD_SOFTMAX_ALWAYS_INLINE void store_at(Element* p, size_t count, Vec v) {
    if (kPartial) V::store_partial(p, count, v); else V::store(p, v);
  }

  // Passes 1 and 2 over `rows` rows: each column's max (NaN ignored) into max_v, and the sum of
  // e^(x - max) into total; with kStoreExp the exponentials also go to y (only where the output
  // holds them exactly: kStoresExpInOutput). With prefetch_output,
  // pass 2 asks for the lines of the output rows that come next into L2: log-softmax's pass 3
  // then writes each row's lines there instead of fetching them with nothing to hide the wait
  // behind; softmax's pass 2 asks for a row kOutputPrefetchRowsAhead rows before it stores there.
  // With kRest, rest gets each column's sum of the terms other than exactly 1 (see kTracksRest).
  template <bool kStoreExp, bool kRest = false, class In>
  static SIMD_SOFTMAX_ALWAYS_INLINE void stats(const In& x, Element* y, size_t rows, size_t inner, size_t count,
                                               Vec* max_v, Wide* total, const Element* prefetch_output = nullptr,
                                               Wide* rest = nullptr) {
    static_assert(!kStoreExp || kStoresExpInOutput<Element>, "half-precision outputs cannot hold the exponentials");
    constexpr size_t kRowsAhead = kStoreExp ? kOutputPrefetchRowsAhead : 0;
    // Pass 1: the max of each column, ignoring NaN (through a temperature: undivided, then divided).
    for (size_t j = 0; j < kVectors; ++j) max_v[j] = V::set1(-std::numeric_limits<Scalar>::infinity());
    if constexpr (IsFiltered<In>::value) {
      const In undivided = x.undivided();
      for (size_t k = 0; k < rows; ++k) {
        for (size_t j = 0; j < kVectors; ++j) max_v[j] = V::max(read_at(undivided, k, inner, j * L, count), max_v[j]);
      }
      for (size_t j = 0; j < kVectors; ++j) max_v[j] = x.divided(max_v[j]);
    } else {
      for (size_t k = 0; k < rows; ++k) {
        for (size_t j = 0; j < kVectors; ++j) max_v[j] = V::max(read_at(x, k, inner, j * L, count), max_v[j]);
      }
    }
    // Pass 2: e^(x - max) per column (stored for softmax), summed in float blocks folded into double.
    for (size_t j = 0; j < kVectors; ++j) total[j] = V::wide_zero();
    if constexpr (kRest) {
      for (size_t j = 0; j < kVectors; ++j) rest[j] = V::wide_zero();
    }
    for (size_t block = 0; block < rows; block += kVectorsPerSumBlock) {
      const size_t block_end = rows - block < kVectorsPerSumBlock ? rows : block + kVectorsPerSumBlock;
      Vec partial[kVectors], rest_partial[kRest ? kVectors : 1];
      for (size_t j = 0; j < kVectors; ++j) partial[j] = V::zero();
      for (Vec& r : rest_partial) r = V::zero();
      for (size_t k = block; k < block_end; ++k) {
        const bool prefetch = prefetch_output != nullptr && k + kRowsAhead < rows;
        for (size_t j = 0; j < kVectors; ++j) {
          if (prefetch && j % kVectorsPerLine == 0) prefetch_to_l2(prefetch_output + (k + kRowsAhead) * inner + j * L);
          const Vec e = exp_nonpositive<V>(V::sub(read_at(x, k, inner, j * L, count), max_v[j]));
          if (kStoreExp) store_at(y + k * inner + j * L, count, e);
          partial[j] = V::add(partial[j], e);
          if constexpr (kRest) rest_partial[j] = V::add(rest_partial[j], rest_terms<V>(e));
        }
      }
      for (size_t j = 0; j < kVectors; ++j) total[j] = V::widen_add(total[j], partial[j]);
      if constexpr (kRest) {
        for (size_t j = 0; j < kVectors; ++j) rest[j] = V::widen_add(rest[j], rest_partial[j]);
      }
    }
  }

  // Softmax's pass 3 over `rows` rows: scales the exponentials stored in y by factor_v (1 / sum).
  static SIMD_SOFTMAX_ALWAYS_INLINE void scale_stored(Element* y, size_t rows, size_t inner, size_t count,
                                                      const Vec* factor_v) {
    static_assert(kStoresExpInOutput<Element>, "half-precision outputs cannot hold the exponentials");
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
  template <bool kLog, class In>
  static SIMD_SOFTMAX_ALWAYS_INLINE void apply_from_input(const In& x, Element* y, size_t rows, size_t inner,
                                                          size_t count, const Vec* max_v, const Vec* factor_v) {
    for (size_t k = 0; k < rows; ++k) {
      for (size_t j = 0; j < kVectors; ++j) {
        const size_t at = k * inner + j * L;
        store_at(y + at, count, result_from_input<kLog>(read_at(x, k, inner, j * L, count), max_v[j], factor_v[j]));
      }
    }
  }

  // Passes 1 and 2 in one sweep, for slices too tall to stay in L2 from one pass to the next: in
  // chunks of kChunkRows rows, each column's max so far, then the sum of e^(x - max so far) over the
  // chunk, read again from L2, while the next chunk is prefetched into L2. A column whose max rises
  // rescales its sum so far by e^(old max - new max). max_v gets each column's max, total the sum
  // of e^(x - max), as stats<false> gives them up to rounding. Each chunk is one float sum block.
  // With rest (not null: V tracks the rest), also each column's rest (see kTracksRest).
  template <class In>
  static SIMD_SOFTMAX_ALWAYS_INLINE void chunked_stats(const In& x, size_t rows, size_t inner, size_t count,
                                                       Vec* max_v, Wide* total, Wide* rest = nullptr) {
    static_assert(kChunkRows <= kVectorsPerSumBlock, "a chunk sums in one float block");
    const Vec lowest = V::set1(std::numeric_limits<Scalar>::lowest());
    for (size_t j = 0; j < kVectors; ++j) {
      max_v[j] = V::set1(-std::numeric_limits<Scalar>::infinity());
      total[j] = V::wide_zero();
      if (rest != nullptr) rest[j] = V::wide_zero();
    }
    for (size_t first = 0; first < rows; first += kChunkRows) {
      const size_t end = rows - first < kChunkRows ? rows : first + kChunkRows;
      // The max so far of each column, this chunk included (NaN ignored).
      Vec new_max[kVectors];
      for (size_t j = 0; j < kVectors; ++j) new_max[j] = max_v[j];
      for (size_t k = first; k < end; ++k) {
        for (size_t j = 0; j < kVectors; ++j) new_max[j] = V::max(read_at(x, k, inner, j * L, count), new_max[j]);
      }
      Vec subtrahend[kVectors];
      for (size_t j = 0; j < kVectors; ++j) {
        // Sums of columns whose max rose (rare once a few chunks are in) move to the new max.
        if (!V::all_at_least(V::sub(max_v[j], new_max[j]), Scalar(0))) {
          rescale_sums(max_v[j], new_max[j], &total[j], rest == nullptr ? nullptr : &rest[j]);
        }
        max_v[j] = new_max[j];
        // A column of only -inf so far subtracts the lowest finite value instead, so that its
        // e^(-inf - max) is 0, not NaN: its later elements must still count.
        subtrahend[j] = V::max(new_max[j], lowest);
      }
      // The chunk's e^(x - max so far), summed per column, prefetching the next chunk's rows.
      Vec partial[kVectors], rest_partial[kVectors];
      for (size_t j = 0; j < kVectors; ++j) partial[j] = rest_partial[j] = V::zero();
      for (size_t k = first; k < end; ++k) {
        const bool prefetch = k + kChunkRows < rows;
        const Element* next = address_of(x) + (k + kChunkRows) * inner;
        for (size_t j = 0; j < kVectors; ++j) {
          if (prefetch && j % kVectorsPerLine == 0) prefetch_to_l2(next + j * L);
          const Vec e = exp_nonpositive<V>(V::sub(read_at(x, k, inner, j * L, count), subtrahend[j]));
          partial[j] = V::add(partial[j], e);
          if constexpr (kTracksRest<V>) {
            if (rest != nullptr) rest_partial[j] = V::add(rest_partial[j], rest_terms<V>(e));
          }
        }
      }
      for (size_t j = 0; j < kVectors; ++j) total[j] = V::widen_add(total[j], partial[j]);
      if (rest != nullptr) {
        for (size_t j = 0; j < kVectors; ++j) rest[j] = V::widen_add(rest[j], rest_partial[j]);
      }
    }
  }

  // total's lanes moved from the maxes in before to those in after (sum_at_new_max), in double;
  // where a lane's max rose, all of its sum so far is rest (if rest is not null).
  static void rescale_sums(Vec before, Vec after, Wide* total, Wide* rest) {
    Scalar old_max[L], new_max[L];
    double sums[L], rests[L] = {};
    V::store(old_max, before);
    V::store(new_max, after);
    V::wide_store(*total, sums);
    if (rest != nullptr) V::wide_store(*rest, rests);
    for (size_t lane = 0; lane < L; ++lane) {
      sums[lane] = sum_at_new_max(sums[lane], old_max[lane], new_max[lane]);
      if (new_max[lane] > old_max[lane]) rests[lane] = sums[lane];
    }
    *total = V::wide_load(sums);
    if (rest != nullptr) *rest = V::wide_load(rests);
  }

  // apply_from_input, each row written with streaming stores to aligned addresses: the first `shift`
  // lanes of a row go out with a partial store, then every aligned vector joins the end of one result
  // vector to the start of the next, then a partial store of the rest. (y + shift is aligned to
  // V::kStreamAlignment in every row.) The same operations, so the same bits as apply_from_input.
  template <bool kLog, class In>
  static SIMD_SOFTMAX_ALWAYS_INLINE void apply_streamed(const In& x, Element* y, size_t rows, size_t inner,
                                                        const Vec* max_v, const Vec* factor_v, size_t shift) {
    static_assert(!kPartial, "streamed blocks are whole vectors");
    const auto index = V::shifted_index(shift);
    for (size_t k = 0; k < rows; ++k) {
      Element* y_row = y + k * inner;
      Vec previous = result_from_input<kLog>(read<V>(x, k, inner, 0), max_v[0], factor_v[0]);
      if (shift != 0) V::store_partial(y_row, shift, previous);
      for (size_t j = 1; j < kVectors; ++j) {
        const Vec current = result_from_input<kLog>(read<V>(x, k, inner, j * L), max_v[j], factor_v[j]);
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
  template <bool kLog, class In>
  static SIMD_SOFTMAX_ALWAYS_INLINE void write_from_input(const In& x, Element* y, size_t rows, size_t inner,
                                                          size_t count, const Vec* max_v, const Vec* factor_v,
                                                          bool streamed, size_t shift) {
    if constexpr (kStreamedBlock<V, kVectors, kPartial>) {
      if (streamed) return apply_streamed<kLog>(x, y, rows, inner, max_v, factor_v, shift);
    }
    apply_from_input<kLog>(x, y, rows, inner, count, max_v, factor_v);
  }
};

// Per column, from its sum of e^(x - max): 1 / sum for softmax, log(sum) for log-softmax (log_of_sum
// with the rest where V tracks it: rest is then not null), in double.
template <class V, bool kLog, size_t kVectors>
SIMD_SOFTMAX_ALWAYS_INLINE void column_factors(const typename V::Wide* total, typename V::Vec* factor_v,
                                               const typename V::Wide* rest = nullptr) {
  using Scalar = typename V::Scalar;
  constexpr size_t L = V::kLanes;
  for (size_t j = 0; j < kVectors; ++j) {
    double sums[L], rests[L] = {};
    V::wide_store(total[j], sums);
    if (rest != nullptr) V::wide_store(rest[j], rests);
    Scalar factors[L];
    for (size_t lane = 0; lane < L; ++lane) {
      const double log_sum = rest != nullptr ? log_of_sum(sums[lane], rests[lane]) : std::log(sums[lane]);
      factors[lane] = static_cast<Scalar>(kLog ? log_sum : 1.0 / sums[lane]);
    }
    factor_v[j] = V::load(factors);
  }
}
}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_COLUMN_BLOCK_H

// Pieces of one line (a row, or the reduced dim of columns), for splitting it across threads; the
// caller merges the pieces' (max, sum) and runs the last phase.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_SEGMENTS_H
#define SIMD_SOFTMAX_ISA_SEGMENTS_H
#include "isa_unit.h"

#include <cstddef>

#include "column_block.h"
#include "columns.h"
#include "kernel_set.h"
#include "rows.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

// segments.row_stats: a row segment's max and sum of e^(x - max), also writing each e^(x - max) to
// exp_output unless it is null (it always is for half precision: see kStoresExpInOutput).
template <class V, class In>
SegmentStats segment_stats(const In& input, ElementT<V>* exp_output, size_t length) {
  // Pass 1: the segment max. Pass 2: the sum of e^(x - max), stored when exp_output is given.
  const typename V::Scalar max = row_max<V>(input, length);
  double sum, rest = 0.0;
  if constexpr (kStoresExpInOutput<ElementT<V>>) {
    sum = exp_output != nullptr ? row_sum_exp<V, true>(input, exp_output, length, max)
                                : row_sum_exp<V, false>(input, nullptr, length, max);
  } else {
    // Half precision stores nothing and sums the rest too (see kTracksRest).
    (void)exp_output;
    sum = row_sum_exp<V, false, true>(input, nullptr, length, max, nullptr, nullptr, &rest);
  }
  return SegmentStats{static_cast<double>(max), sum, rest};
}

// segments.column_stats: passes 1 and 2 of the columns kernel over `rows` rows of columns
// [0, columns): each column's max and sum of e^(x - max) into stats[c], the exponentials into
// exp_output unless null. With `chunked` (exp_output must be null), passes 1 and 2 run chunk by
// chunk (chunked_stats), as tall whole slices do.
template <class V, class In>
void column_segment_stats(const In& input, ElementT<V>* exp_output, size_t rows, size_t inner,
                          size_t columns, bool chunked, SegmentStats* stats) {
  using Scalar = typename V::Scalar;
  constexpr size_t L = V::kLanes;
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    constexpr size_t kVectors = decltype(vectors)::value;
    using Block = ColumnBlock<V, kVectors, decltype(partial)::value>;
    typename V::Vec max_v[kVectors];
    typename V::Wide total[kVectors], rest[kVectors];
    for (auto& r : rest) r = V::wide_zero();
    if (chunked) {
      Block::chunked_stats(input_at(input, 0, inner, c), rows, inner, count, max_v, total, kTracksRest<V> ? rest : nullptr);
    } else if constexpr (kStoresExpInOutput<ElementT<V>>) {
      if (exp_output != nullptr) {
        Block::template stats<true>(input_at(input, 0, inner, c), exp_output + c, rows, inner, count, max_v, total);
      } else {
        Block::template stats<false>(input_at(input, 0, inner, c), nullptr, rows, inner, count, max_v, total);
      }
    } else {
      Block::template stats<false, true>(input_at(input, 0, inner, c), nullptr, rows, inner, count, max_v, total, nullptr, rest);
    }
    // Per column of the block: the max, the sum and the rest out of their vectors.
    for (size_t j = 0; j < kVectors; ++j) {
      Scalar lane_max[L];
      double lane_sum[L], lane_rest[L];
      V::store(lane_max, max_v[j]);
      V::wide_store(total[j], lane_sum);
      V::wide_store(rest[j], lane_rest);
      for (size_t lane = 0; lane < count; ++lane) {
        stats[c + j * L + lane] = SegmentStats{lane_max[lane], lane_sum[lane], lane_rest[lane]};
      }
    }
  });
}

// segments.column_apply: pass 3 over `rows` rows of columns [0, columns), as `what` says (see
// ColumnApply; kScaleStored only where kStoresExpInOutput). With `streamed` (not for kScaleStored;
// the planner checked that the output allows it), whole panels computed from the input are written
// with streaming stores.
template <class V, class In>
void column_segment_apply(const In& input, ElementT<V>* output, size_t rows, size_t inner, size_t columns,
                          const typename V::Scalar* maxes, const typename V::Scalar* factors, ColumnApply what,
                          bool streamed) {
  const size_t shift = streamed ? stream_shift<V>(output) : 0;
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
    if constexpr (kStoresExpInOutput<ElementT<V>>) {
      if (what == ColumnApply::kScaleStored) return Block::scale_stored(output + c, rows, inner, count, factor_v);
    }
    if (what == ColumnApply::kLogSoftmax) {
      Block::template write_from_input<true>(input_at(input, 0, inner, c), output + c, rows, inner, count, max_v, factor_v, streamed, shift);
    } else {
      Block::template write_from_input<false>(input_at(input, 0, inner, c), output + c, rows, inner, count, max_v, factor_v, streamed, shift);
    }
  });
  if (streamed) {
    // Streaming stores are weakly ordered: make them visible before the caller reads the output.
    V::stream_fence();
  }
}
}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_SEGMENTS_H

// Any other dim: kernels over the columns of {dim_size, inner} slices.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_COLUMNS_H
#define SIMD_SOFTMAX_ISA_COLUMNS_H
#include "isa_unit.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "column_block.h"
#include "tuning.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

// One block of a {dim_size, inner} slice, all three passes. Softmax stores its exponentials in
// pass 2 and rescales them in place where the output holds them exactly (float32, float64); else,
// as log-softmax, pass 3 writes from the input, streamed where `streamed` (see write_from_input).
template <class V, bool kLog, size_t kVectors, bool kPartial, class In>
void column_block(const In& x, ElementT<V>* y, size_t dim_size, size_t inner, size_t count,
                  bool streamed = false, size_t shift = 0) {
  using Block = ColumnBlock<V, kVectors, kPartial>;
  constexpr bool kStoreExp = !kLog && kStoresExpInOutput<ElementT<V>>;
  typename V::Vec max_v[kVectors];
  typename V::Wide total[kVectors];
  // Blocks small enough that their input and output stay in L2 prefetch the output in pass 2.
  const bool fits_l2 = dim_size * kVectors * sizeof(typename V::Vec) <= kPrefetchOutputMaxBlockBytes;
  // Log-softmax of half precision also sums the rest (see kTracksRest).
  constexpr bool kRest = kLog && kTracksRest<V>;
  typename V::Wide rest[kVectors];
  Block::template stats<kStoreExp, kRest>(x, y, dim_size, inner, count, max_v, total, fits_l2 ? y : nullptr, rest);
  typename V::Vec factor_v[kVectors];
  column_factors<V, kLog, kVectors>(total, factor_v, kRest ? rest : nullptr);
  if constexpr (kStoreExp) {
    Block::scale_stored(y, dim_size, inner, count, factor_v);
  } else {
    Block::template write_from_input<kLog>(x, y, dim_size, inner, count, max_v, factor_v, streamed, shift);
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

// columns.three_pass: columns [0, columns) of one {dim_size, inner} slice, block by block, each
// block in three passes (column_block), all with plain stores.
template <class V, bool kLog, class In>
void three_pass_columns(const In& input, ElementT<V>* output, size_t dim_size, size_t inner, size_t columns) {
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    column_block<V, kLog, decltype(vectors)::value, decltype(partial)::value>(input_at(input, 0, inner, c), output + c, dim_size,
                                                                              inner, count);
  });
}

// The lanes before the first address of a row that a streaming store may write (apply_streamed),
// for an output the planner found streamable: every row then starts a whole number of elements past
// the same alignment (plan_variant.h, streamable_columns), so one shift serves every row.
template <class V>
size_t stream_shift(const ElementT<V>* output) {
  constexpr size_t kAlign = V::kStreamAlignment;
  const size_t misaligned_bytes = reinterpret_cast<uintptr_t>(output) % kAlign;
  return misaligned_bytes == 0 ? 0 : (kAlign - misaligned_bytes) / sizeof(ElementT<V>);
}

// One block of a tall slice, written once: passes 1 and 2 chunk by chunk
// (chunked_stats), then pass 3 computing softmax's exponentials again, streamed where `streamed`
// (see write_from_input). The input is read twice from beyond L2, where the three passes read it
// three times (log-softmax) or twice, plus the stored exponentials once (softmax).
template <class V, bool kLog, size_t kVectors, bool kPartial, class In>
void column_block_chunked(const In& x, ElementT<V>* y, size_t dim_size, size_t inner, size_t count,
                          bool streamed, size_t shift) {
  using Block = ColumnBlock<V, kVectors, kPartial>;
  typename V::Vec max_v[kVectors];
  typename V::Wide total[kVectors];
  constexpr bool kRest = kLog && kTracksRest<V>;
  typename V::Wide rest[kVectors];
  Block::chunked_stats(x, dim_size, inner, count, max_v, total, kRest ? rest : nullptr);
  typename V::Vec factor_v[kVectors];
  column_factors<V, kLog, kVectors>(total, factor_v, kRest ? rest : nullptr);
  Block::template write_from_input<kLog>(x, y, dim_size, inner, count, max_v, factor_v, streamed, shift);
}

// Columns whose output goes straight to memory, block by block, whole panels written with streaming
// stores (apply_streamed) and the other blocks with plain ones; the output must be streamable
// (the planner checks it). kChunked: passes 1 and 2 in one sweep (column_block_chunked, columns.chunked_streamed),
// else the three passes of log-softmax (columns.streamed). The same bits as the plain-store kernels.
template <class V, bool kLog, bool kChunked, class In>
void streamed_columns(const In& input, ElementT<V>* output, size_t dim_size, size_t inner, size_t columns) {
  const size_t shift = stream_shift<V>(output);
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    constexpr size_t kVectors = decltype(vectors)::value;
    constexpr bool kPartial = decltype(partial)::value;
    if constexpr (kChunked) {
      column_block_chunked<V, kLog, kVectors, kPartial>(input_at(input, 0, inner, c), output + c, dim_size, inner, count,
                                                        true, shift);
    } else {
      column_block<V, kLog, kVectors, kPartial>(input_at(input, 0, inner, c), output + c, dim_size, inner, count, true,
                                                shift);
    }
  });
  // Streaming stores are weakly ordered: make them visible before the caller reads the output.
  V::stream_fence();
}

// columns.chunked: column_block_chunked in every block, with plain stores (a tall slice whose output
// cannot be streamed). The same bits as streamed_columns<V, kLog, true>.
template <class V, bool kLog, class In>
void chunked_columns(const In& input, ElementT<V>* output, size_t dim_size, size_t inner, size_t columns) {
  for_each_column_block<V>(columns, [&](auto vectors, auto partial, size_t c, size_t count) {
    column_block_chunked<V, kLog, decltype(vectors)::value, decltype(partial)::value>(input_at(input, 0, inner, c), output + c, dim_size,
                                                                                      inner, count, false, 0);
  });
}

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_COLUMNS_H

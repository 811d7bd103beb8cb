// The kernel table of one instruction set, filled by named fields from its vector operation structs.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_KERNEL_TABLE_H
#define SIMD_SOFTMAX_ISA_KERNEL_TABLE_H
#include "isa_unit.h"

#include "columns.h"
#include "filtered_input.h"
#include "half_vectors.h"
#include "kernel_set.h"
#include "rows.h"
#include "segments.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

// The table's entries: each kernel on the plain input, or through the job's filter (with_input).
template <class V, bool kLog>
void rows_single_vector_entry(const ElementT<V>* input, ElementT<V>* output, size_t rows, size_t n, size_t stride,
                              size_t growth, const InputFilter* filter) {
  with_input<V>(input, filter, [&](const auto& in) { single_vector_rows<V, kLog>(in, output, rows, n, stride, growth); });
}
template <class V, bool kLog>
void rows_three_pass_entry(const ElementT<V>* input, ElementT<V>* output, size_t rows, size_t n, size_t stride,
                           size_t growth, typename V::Scalar* scratch, const InputFilter* filter) {
  with_input<V>(input, filter,
                [&](const auto& in) { three_pass_rows<V, kLog>(in, output, rows, n, stride, growth, scratch); });
}
template <class V, bool kLog>
void rows_streamed_entry(const ElementT<V>* input, ElementT<V>* output, size_t rows, size_t n, size_t stride,
                         size_t growth, typename V::Scalar* scratch, const InputFilter* filter) {
  with_input<V>(input, filter,
                [&](const auto& in) { streamed_rows<V, kLog>(in, output, rows, n, stride, growth, scratch); });
}
template <class V>
void rows_streamed_chunked_entry(const ElementT<V>* input, ElementT<V>* output, size_t rows, size_t n, size_t stride,
                                 size_t growth, const InputFilter* filter) {
  with_input<V>(input, filter,
                [&](const auto& in) { streamed_chunked_log_rows<V>(in, output, rows, n, stride, growth); });
}
template <class V, bool kLog>
void columns_three_pass_entry(const ElementT<V>* input, ElementT<V>* output, size_t dim_size, size_t inner,
                              size_t columns, const InputFilter* filter) {
  with_input<V>(input, filter,
                [&](const auto& in) { three_pass_columns<V, kLog>(in, output, dim_size, inner, columns); });
}
template <class V, bool kLog>
void columns_chunked_entry(const ElementT<V>* input, ElementT<V>* output, size_t dim_size, size_t inner,
                           size_t columns, const InputFilter* filter) {
  with_input<V>(input, filter, [&](const auto& in) { chunked_columns<V, kLog>(in, output, dim_size, inner, columns); });
}
template <class V, bool kLog, bool kChunked>
void columns_streamed_entry(const ElementT<V>* input, ElementT<V>* output, size_t dim_size, size_t inner,
                            size_t columns, const InputFilter* filter) {
  with_input<V>(input, filter,
                [&](const auto& in) { streamed_columns<V, kLog, kChunked>(in, output, dim_size, inner, columns); });
}
template <class V>
SegmentStats segment_stats_entry(const ElementT<V>* input, ElementT<V>* exp_output, size_t length,
                                 const InputFilter* filter) {
  SegmentStats stats{};
  with_input<V>(input, filter, [&](const auto& in) { stats = segment_stats<V>(in, exp_output, length); });
  return stats;
}
template <class V>
void softmax_from_input_entry(const ElementT<V>* input, ElementT<V>* output, size_t length, typename V::Scalar max,
                              typename V::Scalar factor, const InputFilter* filter) {
  with_input<V>(input, filter, [&](const auto& in) { row_softmax_from_input<V>(in, output, length, max, factor); });
}
template <class V>
void log_normalize_entry(const ElementT<V>* input, ElementT<V>* output, size_t length, typename V::Scalar max,
                         typename V::Scalar log_sum, const InputFilter* filter) {
  with_input<V>(input, filter, [&](const auto& in) { row_log_normalize<V>(in, output, length, max, log_sum); });
}
template <class V>
void column_stats_entry(const ElementT<V>* input, ElementT<V>* exp_output, size_t rows, size_t inner, size_t columns,
                        bool chunked, SegmentStats* stats, const InputFilter* filter) {
  with_input<V>(input, filter, [&](const auto& in) {
    column_segment_stats<V>(in, exp_output, rows, inner, columns, chunked, stats);
  });
}
template <class V>
void column_apply_entry(const ElementT<V>* input, ElementT<V>* output, size_t rows, size_t inner, size_t columns,
                        const typename V::Scalar* maxes, const typename V::Scalar* factors, ColumnApply what,
                        bool streamed, const InputFilter* filter) {
  with_input<V>(input, filter, [&](const auto& in) {
    column_segment_apply<V>(in, output, rows, inner, columns, maxes, factors, what, streamed);
  });
}

template <class V, bool kLog>
constexpr OpKernels<ElementT<V>> make_op_kernels() {
  OpKernels<ElementT<V>> op{};
  op.rows_single_vector = &rows_single_vector_entry<V, kLog>;
  op.rows_three_pass = &rows_three_pass_entry<V, kLog>;
  op.rows_streamed = &rows_streamed_entry<V, kLog>;
  op.columns_three_pass = &columns_three_pass_entry<V, kLog>;
  op.columns_chunked = &columns_chunked_entry<V, kLog>;
  if constexpr (HasConcatShifted<V>::value) {
    op.columns_chunked_streamed = &columns_streamed_entry<V, kLog, true>;
    if constexpr (kLog) op.columns_streamed = &columns_streamed_entry<V, kLog, false>;
  }
  if constexpr (kLog) op.rows_streamed_chunked = &rows_streamed_chunked_entry<V>;
  return op;
}

template <class V>
constexpr KernelWidth<ElementT<V>> make_width() {
  KernelWidth<ElementT<V>> width{};
  width.lanes = V::kLanes;
  width.stream_alignment = V::kStreamAlignment;
  width.streams_columns = HasConcatShifted<V>::value;
  width.softmax = make_op_kernels<V, false>();
  width.log_softmax = make_op_kernels<V, true>();
  return width;
}

template <class V>
constexpr TypedKernels<ElementT<V>> make_typed_kernels() {
  TypedKernels<ElementT<V>> typed{};
  typed.wide = make_width<V>();
  typed.narrow = make_width<typename NarrowOf<V>::type>();
  typed.segments.row_stats = &segment_stats_entry<V>;
  if constexpr (kStoresExpInOutput<ElementT<V>>) typed.segments.scale = &row_scale_in_place<V>;
  typed.segments.softmax_from_input = &softmax_from_input_entry<V>;
  typed.segments.log_normalize = &log_normalize_entry<V>;
  typed.segments.column_stats = &column_stats_entry<V>;
  typed.segments.column_apply = &column_apply_entry<V>;
  return typed;
}

// The kernel table of this instruction set, from its float32, float64, float16 and bfloat16
// operation structs; bf16_rounding names how BF16 rounds (KernelSet::bf16_rounding).
template <class F32, class F64, class F16, class BF16>
constexpr KernelSet make_kernel_set(const char* isa, const char* bf16_rounding) {
  KernelSet set{};
  set.isa = isa;
  set.f32 = make_typed_kernels<F32>();
  set.f64 = make_typed_kernels<F64>();
  set.f16 = make_typed_kernels<F16>();
  set.bf16 = make_typed_kernels<BF16>();
  set.bf16_rounding = bf16_rounding;
  return set;
}

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_KERNEL_TABLE_H

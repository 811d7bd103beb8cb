// The kernel table of one instruction set, filled by named fields from its vector operation structs.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_KERNEL_TABLE_H
#define SIMD_SOFTMAX_ISA_KERNEL_TABLE_H
#include "isa_unit.h"

#include "columns.h"
#include "half_vectors.h"
#include "kernel_set.h"
#include "rows.h"
#include "segments.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

template <class V, bool kLog>
constexpr OpKernels<ElementT<V>> make_op_kernels() {
  OpKernels<ElementT<V>> op{};
  op.rows_single_vector = &single_vector_rows<V, kLog>;
  op.rows_three_pass = &three_pass_rows<V, kLog>;
  op.rows_streamed = &streamed_rows<V, kLog>;
  op.columns_three_pass = &three_pass_columns<V, kLog>;
  op.columns_chunked = &chunked_columns<V, kLog>;
  if constexpr (HasConcatShifted<V>::value) {
    op.columns_chunked_streamed = &streamed_columns<V, kLog, true>;
    if constexpr (kLog) op.columns_streamed = &streamed_columns<V, kLog, false>;
  }
  if constexpr (kLog) op.rows_streamed_chunked = &streamed_chunked_log_rows<V>;
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
  typed.segments.row_stats = &segment_stats<V>;
  if constexpr (kStoresExpInOutput<ElementT<V>>) typed.segments.scale = &row_scale_in_place<V>;
  typed.segments.softmax_from_input = &row_softmax_from_input<V>;
  typed.segments.log_normalize = &row_log_normalize<V>;
  typed.segments.column_stats = &column_segment_stats<V>;
  typed.segments.column_apply = &column_segment_apply<V>;
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

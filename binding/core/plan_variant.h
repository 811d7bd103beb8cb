// The planner's choice of kernel variant for a job on one thread (plan_unsplit): included by
// planner.cc, which adds the thread split, and by run_job.cc, whose single-thread calls (every
// staged call) plan inline. Baseline code only, compiled with every translation unit's flags alike.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../kernels/kernel_set.h"
#include "planner.h"

namespace simd_softmax {
namespace plan_detail {

// Whether column panels of this output can be written with streaming stores on `width`: the set
// joins shifted vectors, and every row starts a whole number of elements past the same alignment.
template <class Element>
inline bool streamable_columns(const KernelWidth<Element>& width, uintptr_t output, size_t inner) {
  if (!width.streams_columns) return false;
  const size_t misaligned_bytes = output % width.stream_alignment;
  return inner * sizeof(Element) % width.stream_alignment == 0 && misaligned_bytes % sizeof(Element) == 0;
}

// The kernel for the job's lines, on one thread or on whole rows or columns per thread.
template <class Element>
inline void choose_variant(const PlanRequest& request, const TypedKernels<Element>& kernels, Plan* plan) {
  const SoftmaxJob& job = request.job;
  const bool log = job.op == Op::kLogSoftmax;
  if (job.inner == 1) {
    // Rows of one vector stay in a register, on the narrow width where it is wide enough (its
    // reductions are shorter). Streaming stores would only write partial lines for them.
    if (job.dim_size <= kernels.narrow.lanes) {
      plan->variant = Variant::kRowsSingleVector;
      plan->width = Width::kNarrow;
      return;
    }
    if (job.dim_size <= kernels.wide.lanes) {
      plan->variant = Variant::kRowsSingleVector;
      return;
    }
    const bool long_rows = job.dim_size * sizeof(Element) > request.limits.streaming_max_row_bytes;
    if (!plan->stream_output || (!log && long_rows)) {
      // Softmax rows too long for a scratch row compute in place: their exponentials would
      // otherwise be computed twice (0.92x-1.11x when tried). Half-precision outputs cannot hold
      // the exponentials, so their softmax keeps them in a float32 scratch row.
      plan->variant = Variant::kRowsThreePass;
      if (!log && !kStoresExpInOutput<Element>) plan->scratch_elements = job.dim_size;
      return;
    }
    plan->streamed_stores = true;
    if (log && long_rows) {
      // Long log-softmax rows sweep max and sum in one pass of L1-sized chunks: [16, 1048576]
      // 1.41x-1.44x, [64, 262144] 1.05x-1.11x, float64 [256, 65536] 1.18x-1.19x.
      plan->variant = Variant::kRowsStreamedChunked;
    } else {
      plan->variant = Variant::kRowsStreamed;
      plan->scratch_elements = log ? 0 : job.dim_size;
    }
    return;
  }
  // Softmax over slices narrower than one wide vector runs on the narrow width: on Zen 4 a slice 7
  // columns wide took 1.15x-1.25x longer on one masked AVX-512 vector than on AVX2's. Log-softmax
  // keeps the wide one: AVX2's partial stores were 1.3x-2x slower than AVX-512's masked ones.
  if (!log && job.inner < kernels.wide.lanes) plan->width = Width::kNarrow;
  const KernelWidth<Element>& width = plan->width == Width::kNarrow ? kernels.narrow : kernels.wide;
  if (!plan->stream_output) {
    plan->variant = Variant::kColumnsThreePass;
    return;
  }
  // Tall slices (a panel of them holds 1 MiB or more) read their input twice instead of three
  // times (see kChunkedMinRows); shorter log-softmax slices stream their panels; shorter softmax
  // slices keep their stored exponentials, with plain stores.
  const bool chunked = job.dim_size >= request.limits.chunked_min_rows;
  const bool streamed = streamable_columns(width, reinterpret_cast<uintptr_t>(job.output), job.inner);
  plan->streamed_stores = streamed && (chunked || log);
  if (chunked) {
    plan->variant = streamed ? Variant::kColumnsChunkedStreamed : Variant::kColumnsChunked;
  } else {
    plan->variant = log && streamed ? Variant::kColumnsStreamed : Variant::kColumnsThreePass;
  }
}

// The plan of the job on the calling thread alone: its variant, no split.
template <class Element>
inline Plan plan_unsplit(const PlanRequest& request, const TypedKernels<Element>& kernels) {
  const SoftmaxJob& job = request.job;
  Plan plan{};
  plan.width = Width::kWide;
  plan.split = Split::kNone;
  plan.threads = 1;
  plan.chunks = 1;
  plan.piece_units = 1;
  plan.pieces_per_slice = 1;
  plan.segments = 1;
  plan.segment_apply = ColumnApply::kScaleStored;
  plan.chunked_min_rows = request.limits.chunked_min_rows;
  const size_t elements = job.outer * job.dim_size * job.inner;
  plan.stream_output = elements * sizeof(Element) >= request.limits.streaming_min_output_bytes;
  choose_variant(request, kernels, &plan);
  return plan;
}

}  // namespace plan_detail
}  // namespace simd_softmax

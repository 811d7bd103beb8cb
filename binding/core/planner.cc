#include "planner.h"

#include <algorithm>

#include "../kernels/tuning.h"

namespace simd_softmax {
namespace {

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

// Whether column panels of this output can be written with streaming stores on `width`: the set
// joins shifted vectors, and every row starts a whole number of elements past the same alignment.
template <class Scalar>
bool streamable_columns(const KernelWidth<Scalar>& width, uintptr_t output, size_t inner) {
  if (!width.streams_columns) return false;
  const size_t misaligned_bytes = output % width.stream_alignment;
  return inner * sizeof(Scalar) % width.stream_alignment == 0 && misaligned_bytes % sizeof(Scalar) == 0;
}

// The kernel for the job's lines, on one thread or on whole rows or columns per thread.
template <class Scalar>
void choose_variant(const PlanRequest& request, const TypedKernels<Scalar>& kernels, Plan* plan) {
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
    const bool long_rows = job.dim_size * sizeof(Scalar) > request.limits.streaming_max_row_bytes;
    if (!plan->stream_output || (!log && long_rows)) {
      // Softmax rows too long for a scratch row compute in place: their exponentials would
      // otherwise be computed twice (0.92x-1.11x when tried).
      plan->variant = Variant::kRowsThreePass;
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
  const KernelWidth<Scalar>& width = plan->width == Width::kNarrow ? kernels.narrow : kernels.wide;
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

template <class Scalar>
Plan plan_typed(const PlanRequest& request, const TypedKernels<Scalar>& kernels) {
  const SoftmaxJob& job = request.job;
  const PlannerLimits& limits = request.limits;
  Plan plan{};
  plan.width = Width::kWide;
  plan.split = Split::kNone;
  plan.threads = 1;
  plan.chunks = 1;
  plan.piece_units = 1;
  plan.pieces_per_slice = 1;
  plan.segments = 1;
  plan.segment_apply = ColumnApply::kScaleStored;
  plan.chunked_min_rows = limits.chunked_min_rows;
  const size_t elements = job.outer * job.dim_size * job.inner;
  plan.stream_output = elements * sizeof(Scalar) >= limits.streaming_min_output_bytes;
  choose_variant(request, kernels, &plan);

  const size_t units = work_units(job);
  plan.pieces = units;
  if (elements == 0) return plan;
  const size_t panel_columns = kColumnPanelBytes / sizeof(Scalar);
  // Slices at least a panel wide, where the columns kernel works by panels.
  const bool panel_slices = job.inner >= panel_columns;
  size_t threads = std::min(request.threads, std::max<size_t>(1, elements / limits.min_elements_per_thread));
  if (threads > 1 && job.inner > 1) {
    // Pieces of columns a thread can take: whole panels where slices are that wide (narrower pieces
    // read each row in short strided runs: on [4096, 1024] dim 0, two threads with half a panel each
    // took 3.7 ms against 2.7 ms for one thread with the whole panel), else 64 columns.
    const size_t column_pieces =
        panel_slices ? std::max<size_t>(1, units / panel_columns) : ceil_div(units, kColumnAlignment);
    // Fewer pieces than threads: cut each slice's reduced dim into row segments instead.
    const size_t segments = std::min(ceil_div(threads * kSegmentsPerThread, job.outer), job.dim_size / kMinSegmentRows);
    if (column_pieces < threads && job.outer * segments > column_pieces) {
      const bool log = job.op == Op::kLogSoftmax;
      plan.variant = Variant::kColumnSegments;
      plan.width = Width::kWide;
      plan.split = Split::kColumnSegments;
      plan.threads = threads;
      plan.segments = segments;
      plan.chunks = job.outer * segments;
      // Softmax stores its exponentials in phase 1 and rescales them in phase 2, unless the output
      // streams: then it computes from the input in phase 2, as log-softmax does (on 2 threads,
      // [4096, 1024] dim 0 1.30x-1.58x against storing, float64 1.39x-1.43x).
      plan.segments_from_input = log || plan.stream_output;
      plan.segment_apply = log ? ColumnApply::kLogSoftmax
                               : plan.segments_from_input ? ColumnApply::kSoftmax : ColumnApply::kScaleStored;
      plan.streamed_stores = plan.stream_output && plan.segment_apply != ColumnApply::kScaleStored &&
                             streamable_columns(kernels.wide, reinterpret_cast<uintptr_t>(job.output), job.inner);
      plan.merge_chunks = std::min(threads * kChunksPerThread, ceil_div(job.outer * job.inner, kColumnAlignment));
      plan.scratch_elements = 0;
      return plan;
    }
    threads = std::min(threads, column_pieces);
  }
  if (threads <= 1) return plan;
  plan.threads = threads;
  if (job.inner == 1 && job.outer < threads) {
    // Fewer rows than threads: every row cut into segments of whole cache lines.
    plan.variant = Variant::kRowSegments;
    plan.width = Width::kWide;
    plan.split = Split::kRowSegments;
    plan.streamed_stores = false;
    plan.scratch_elements = 0;
    plan.segments = std::min(ceil_div(threads * kChunksPerThread, job.outer), ceil_div(job.dim_size, kSegmentAlignment));
    plan.chunks = job.outer * plan.segments;
    return plan;
  }
  // Rows (or columns) in near-equal contiguous blocks, kChunksPerThread per thread. Columns go in
  // pieces cut within each slice, at whole panels where slices are that wide, else at 64 columns,
  // so that a slice's columns fall into the same blocks on any thread count. (Cut at multiples of a
  // panel of the flattened outer * inner columns, a slice 1040 columns wide would start its
  // second slice's ranges 16 columns into a panel, which then ran as narrower, slower blocks.)
  plan.split = job.inner == 1 ? Split::kRows : Split::kColumns;
  plan.piece_units = job.inner == 1 ? 1 : panel_slices ? panel_columns : kColumnAlignment;
  plan.pieces_per_slice = job.inner == 1 ? 1 : ceil_div(job.inner, plan.piece_units);
  plan.pieces = job.inner == 1 ? units : job.outer * plan.pieces_per_slice;
  plan.chunks = std::min(threads * kChunksPerThread, plan.pieces);
  return plan;
}

}  // namespace

PlannerLimits default_planner_limits() {
  return PlannerLimits{kStreamingMinOutputBytes, kChunkedMinRows, kStreamingMaxRowBytes, kMinElementsPerThread};
}

size_t async_thread_budget(size_t pool_threads, size_t usable_cores, size_t requested) {
  // An async call computes on a libuv thread while the JS thread runs the event loop: taking every
  // core made the loop wait for a time slice (p99 delay 9-17 ms against 2-5 ms idle on 2 cores).
  const size_t budget = requested != 0 ? requested : (usable_cores > 1 ? usable_cores - 1 : 1);
  return std::max<size_t>(1, std::min(budget, pool_threads));
}

size_t work_units(const SoftmaxJob& job) { return job.inner == 1 ? job.outer : job.outer * job.inner; }

Plan plan_job(const PlanRequest& request, const KernelSet& set) {
  return request.job.dtype == Dtype::kFloat32 ? plan_typed(request, set.f32) : plan_typed(request, set.f64);
}

const char* variant_name(Variant variant) {
  switch (variant) {
    case Variant::kRowsSingleVector: return "rows.single_vector";
    case Variant::kRowsThreePass: return "rows.three_pass";
    case Variant::kRowsStreamed: return "rows.streamed";
    case Variant::kRowsStreamedChunked: return "rows.streamed_chunked";
    case Variant::kColumnsThreePass: return "columns.three_pass";
    case Variant::kColumnsStreamed: return "columns.streamed";
    case Variant::kColumnsChunked: return "columns.chunked";
    case Variant::kColumnsChunkedStreamed: return "columns.chunked_streamed";
    case Variant::kRowSegments: return "segments.rows";
    case Variant::kColumnSegments: return "segments.columns";
  }
  return "unknown";
}

const char* width_name(Width width) { return width == Width::kNarrow ? "narrow" : "wide"; }

const char* split_name(Split split) {
  switch (split) {
    case Split::kNone: return "none";
    case Split::kRows: return "rows";
    case Split::kColumns: return "columns";
    case Split::kRowSegments: return "row_segments";
    case Split::kColumnSegments: return "column_segments";
  }
  return "unknown";
}

}  // namespace simd_softmax

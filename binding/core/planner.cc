#include "planner.h"

#include <algorithm>

#include "../kernels/tuning.h"
#include "plan_variant.h"
#include "typed_kernels.h"

namespace simd_softmax {
namespace {

using plan_detail::plan_unsplit;
using plan_detail::streamable_columns;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

template <class Element>
Plan plan_typed(const PlanRequest& request, const TypedKernels<Element>& kernels) {
  const SoftmaxJob& job = request.job;
  const PlannerLimits& limits = request.limits;
  Plan plan = plan_unsplit(request, kernels);
  const size_t elements = job.outer * job.dim_size * job.inner;

  const size_t units = work_units(job);
  plan.pieces = units;
  // Too small for a second thread (every staged call): the calling thread runs it all.
  if (request.threads <= 1 || elements < 2 * limits.min_elements_per_thread) return plan;
  // The kernels' panels hold kColumnPanelBytes of per-column state in the compute type.
  const size_t panel_columns = kColumnPanelBytes / sizeof(Compute<Element>);
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
      // [4096, 1024] dim 0 1.30x-1.58x against storing, float64 1.39x-1.43x). Half-precision
      // outputs cannot hold the exponentials: always from the input.
      if (log) {
        plan.segment_apply = ColumnApply::kLogSoftmax;
      } else {
        plan.segment_apply = plan.stream_output || !kStoresExpInOutput<Element> ? ColumnApply::kSoftmax
                                                                                : ColumnApply::kScaleStored;
      }
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
    // Phase 2 rescales the exponentials phase 1 stored, or (log-softmax, half precision) computes
    // from the input.
    if (job.op == Op::kLogSoftmax) {
      plan.segment_apply = ColumnApply::kLogSoftmax;
    } else {
      plan.segment_apply = kStoresExpInOutput<Element> ? ColumnApply::kScaleStored : ColumnApply::kSoftmax;
    }
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

size_t async_thread_budget(size_t pool_threads, size_t usable_cores, size_t requested) {
  // An async call computes on a libuv thread while the JS thread runs the event loop: taking every
  // core made the loop wait for a time slice (p99 delay 9-17 ms against 2-5 ms idle on 2 cores).
  const size_t budget = requested != 0 ? requested : (usable_cores > 1 ? usable_cores - 1 : 1);
  return std::max<size_t>(1, std::min(budget, pool_threads));
}

size_t work_units(const SoftmaxJob& job) { return job.inner == 1 ? job.outer : job.outer * job.inner; }

Plan plan_job(const PlanRequest& request, const KernelSet& set) {
  return with_typed_kernels(request.job.dtype, set, [&](const auto& typed) { return plan_typed(request, typed); });
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

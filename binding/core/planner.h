// The one place that decides how a job runs: which kernel variant, on which vector width, whether
// the output streams, and how the work is split across threads. Kernels only compute; the
// executors (run_job.cc, parallel_job.cc) only follow the plan. explain() in lib/ returns the plan.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../kernels/kernel_set.h"
#include "../kernels/tuning.h"
#include "softmax_job.h"

namespace simd_softmax {

// The kernel that computes the job's lines (see OpKernels), or, for a job split into segments, the
// segment kernels (see SegmentKernels).
enum class Variant : int {
  kRowsSingleVector,
  kRowsThreePass,
  kRowsStreamed,
  kRowsStreamedChunked,
  kColumnsThreePass,
  kColumnsStreamed,
  kColumnsChunked,
  kColumnsChunkedStreamed,
  kRowSegments,
  kColumnSegments,
};

// Which of the set's vector widths runs (TypedKernels::wide or ::narrow).
enum class Width : int { kWide, kNarrow };

// How the work is shared among threads.
enum class Split : int {
  kNone,            // the calling thread runs everything
  kRows,            // contiguous blocks of rows
  kColumns,         // contiguous blocks of columns, cut within each slice
  kRowSegments,     // every row cut into segments, (max, sum) merged, then a second pass
  kColumnSegments,  // every slice's reduced dim cut into segments, merged per column, then a second pass
};

// Where a plan may differ from the defaults below: planner tests shrink these to reach every
// variant at small sizes.
struct PlannerLimits {
  size_t streaming_min_output_bytes;  // kStreamingMinOutputBytes
  size_t chunked_min_rows;            // kChunkedMinRows
  size_t streaming_max_row_bytes;     // kStreamingMaxRowBytes
  size_t min_elements_per_thread;     // kMinElementsPerThread
};
constexpr PlannerLimits kDefaultPlannerLimits{kStreamingMinOutputBytes, kChunkedMinRows, kStreamingMaxRowBytes,
                                              kMinElementsPerThread};

struct PlanRequest {
  SoftmaxJob job;           // op, dtype and layout; input and output are read only for their addresses
  size_t threads;           // threads the call may use, the caller included (>= 1)
  PlannerLimits limits = kDefaultPlannerLimits;
};

struct Plan {
  Variant variant;
  Width width;
  bool stream_output;    // the output is too large for the caches: written once, past them where it can
  bool streamed_stores;  // streaming stores are used (the set and the output's alignment allow them)
  size_t scratch_elements;  // a row of scratch per chunk (streamed softmax rows keep their exponentials)
  Split split;
  size_t threads;   // threads that take part, the caller included
  size_t chunks;    // chunks handed to the pool (per phase for segment splits)
  // kRows / kColumns: the work units of a piece (1 row; a panel or kColumnAlignment columns), and
  // how many pieces a slice has (1 for rows).
  size_t piece_units;
  size_t pieces_per_slice;
  size_t pieces;
  // Segment splits: segments per line; kColumnSegments also: what phase 2 writes (from the input,
  // or rescaling the exponentials phase 1 stored: see segments_from_input), whether segments at
  // least chunked_min_rows tall sweep max and sum in one pass, and the chunks of the merge.
  size_t segments;
  ColumnApply segment_apply;
  size_t chunked_min_rows;
  size_t merge_chunks;
};

Plan plan_job(const PlanRequest& request, const KernelSet& set);

// Whether phase 2 of a kColumnSegments plan computes from the input (log-softmax, or an output that
// streams) instead of rescaling the exponentials phase 1 stored.
inline bool segments_from_input(const Plan& plan) { return plan.segment_apply != ColumnApply::kScaleStored; }

// The planner's rule for one segment of a kColumnSegments plan (segments differ in height by a
// row): tall segments that store nothing sweep max and sum in one chunked pass where the output
// streams, as tall whole slices do (columns.chunked).
inline bool sweeps_segment_chunked(const Plan& plan, size_t segment_rows) {
  return segments_from_input(plan) && plan.stream_output && segment_rows >= plan.chunked_min_rows;
}

// Threads an async call may use: `requested` (setAsyncThreads) when nonzero, else every usable core
// but one, which stays with the JS thread and its event loop; never more than the pool has.
size_t async_thread_budget(size_t pool_threads, size_t usable_cores, size_t requested);

// The work units of a job: its rows when the reduced dim is the last one (inner == 1), otherwise
// its outer * inner columns.
size_t work_units(const SoftmaxJob& job);

// Names for explain() and test messages: "rows.three_pass", "wide", "row_segments", ...
const char* variant_name(Variant variant);
const char* width_name(Width width);
const char* split_name(Split split);

}  // namespace simd_softmax

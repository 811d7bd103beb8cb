#include "parallel_job.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "run_job.h"

namespace simd_softmax {
namespace {

// In slices narrower than a panel, column blocks start at multiples of this, so that no thread
// boundary splits a columns kernel block (see kColumnBlockMaxBytes).
constexpr size_t kColumnAlignment = kColumnBlockMaxBytes / sizeof(float);
// Segment boundaries of a split row are multiples of this many elements (whole cache lines).
constexpr size_t kSegmentAlignment = 64;
// Row segments per thread where the reduced dim of a slice is split, and the fewest rows a segment has.
constexpr size_t kSegmentsPerThread = 2;
constexpr size_t kMinSegmentRows = 16;
// Chunks per thread: threads claim chunks as they go, so a thread slowed down by whatever else runs
// on its core (V8's garbage collector, another process) takes fewer, instead of the whole call
// waiting for it. Each chunk still holds at least kMinElementsPerThread / kChunksPerThread elements.
constexpr size_t kChunksPerThread = 4;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

// e^(a - b), with a - b taken exactly: TwoSum gives the rounded difference d and its rounding error,
// and e^(a - b) = e^d * e^error = e^d * (1 + error). Segment maxima within a factor of two of each
// other subtract exactly anyway; further apart, rounding the difference would add a second rounding
// (up to half an ulp of the difference) to every element of the segment.
double exp_of_difference(double a, double b) {
  const double d = a - b;
  const double b_part = d - a;
  const double error = (a - (d - b_part)) + (-b - b_part);
  return std::exp(d) * (1.0 + error);
}

// [begin, end) of part `index` of `count` near-equal parts of [0, total), cut at the multiple of
// `align` nearest to each equal cut (120 units in 2 parts at 64: [0, 64) and [64, 120)).
void part_bounds(size_t total, size_t count, size_t index, size_t align, size_t* begin, size_t* end) {
  auto cut = [&](size_t i) {
    if (i >= count) return total;
    const size_t raw = total * i / count;
    return std::min(total, (raw + align / 2) / align * align);
  };
  *begin = cut(index);
  *end = cut(index + 1);
}

// A segment whose line (a row, or a column of a slice) holds only -inf contributes nothing: its sum
// becomes 0 and, for softmax, its stored exponentials (NaN, from -inf - -inf) become 0. One that also
// holds a NaN keeps its NaN sum, which poisons the whole line as it should. The segment's elements
// are input[k * stride] and exp_output[k * stride] for k in [0, count); exp_output is null for log-softmax.
template <class Scalar>
void clear_minus_infinity_segment(const Scalar* input, Scalar* exp_output, size_t count, size_t stride,
                                  SegmentStats* stats) {
  if (stats->max != -std::numeric_limits<double>::infinity()) return;
  for (size_t k = 0; k < count; ++k) {
    if (std::isnan(input[k * stride])) return;
  }
  stats->sum = 0.0;
  if (exp_output != nullptr) {
    for (size_t k = 0; k < count; ++k) exp_output[k * stride] = 0;
  }
}

// Merges a line's `count` segments (segment s at first[s * stride]) into its (M, S): M the max of the
// maxima, S the sum of s_i w_i, with each weight w_i = e^(m_i - M) written to weights[s] (1 for the
// segment holding M, 0 for segments of only -inf, whose sum is 0 or NaN by now). A line of only -inf
// gets S = NaN, as torch.
SegmentStats merge_segments(const SegmentStats* first, size_t stride, size_t count, double* weights) {
  constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
  double max = kMinusInfinity;
  for (size_t s = 0; s < count; ++s) max = std::max(max, first[s * stride].max);
  double sum = 0.0;
  for (size_t s = 0; s < count; ++s) {
    const SegmentStats& part = first[s * stride];
    weights[s] = part.max == max ? 1.0 : part.max == kMinusInfinity ? 0.0 : exp_of_difference(part.max, max);
    sum += part.sum * weights[s];
  }
  if (max == kMinusInfinity) sum = std::numeric_limits<double>::quiet_NaN();
  return SegmentStats{max, sum};
}

// One long row per segment group: (max, sum) per segment, merged per row, then normalised.
template <class Scalar>
void run_split_rows(const SoftmaxJob& job, const TypedKernels<Scalar>& kernels, ThreadPool& pool, size_t threads) {
  const Scalar* input = static_cast<const Scalar*>(job.input);
  Scalar* output = static_cast<Scalar*>(job.output);
  const bool log = job.op == Op::kLogSoftmax;
  const size_t rows = job.outer;
  const size_t length = job.dim_size;
  const size_t segments = std::min(ceil_div(threads * kChunksPerThread, rows), ceil_div(length, kSegmentAlignment));
  std::vector<SegmentStats> stats(rows * segments);
  auto bounds = [&](size_t chunk, size_t* begin, size_t* end) {
    part_bounds(length, segments, chunk % segments, kSegmentAlignment, begin, end);
  };

  // Phase 1: each segment's max and sum of e^(x - segment max), softmax storing the exponentials.
  auto stats_phase = [&](size_t chunk) {
    size_t begin, end;
    bounds(chunk, &begin, &end);
    const size_t offset = (chunk / segments) * length + begin;
    Scalar* exp_output = log ? nullptr : output + offset;
    stats[chunk] = end > begin ? kernels.segment_stats(input + offset, exp_output, end - begin)
                               : SegmentStats{-std::numeric_limits<double>::infinity(), 0.0};
    clear_minus_infinity_segment(input + offset, exp_output, end - begin, 1, &stats[chunk]);
  };
  pool.run(rows * segments, ThreadPool::ChunkFunction(stats_phase));

  // Merge each row's segments into (M, S), with each segment's weight e^(m_i - M).
  std::vector<SegmentStats> row_stats(rows);
  std::vector<double> weights(rows * segments);
  for (size_t r = 0; r < rows; ++r) {
    row_stats[r] = merge_segments(&stats[r * segments], 1, segments, &weights[r * segments]);
  }

  // Phase 2: softmax rescales each segment's exponentials by e^(m_i - M) / S; log-softmax writes
  // (x - M) - log(S), exactly as the single-threaded kernel does.
  auto normalize_phase = [&](size_t chunk) {
    size_t begin, end;
    bounds(chunk, &begin, &end);
    const size_t offset = (chunk / segments) * length + begin;
    const SegmentStats& row = row_stats[chunk / segments];
    if (log) {
      kernels.log_normalize(input + offset, output + offset, end - begin, static_cast<Scalar>(row.max),
                            static_cast<Scalar>(std::log(row.sum)));
    } else {
      // A -inf segment's exponentials are 0 by now, so its factor (0 / S) only has to carry a NaN S.
      kernels.scale(output + offset, end - begin, static_cast<Scalar>(weights[chunk] / row.sum));
    }
  };
  pool.run(rows * segments, ThreadPool::ChunkFunction(normalize_phase));
}

// Slices whose reduced dim is cut into `segments` row segments, for jobs with too few columns to
// give every thread some: per (slice, segment) chunk, each column's (max, sum of exp) over the
// segment's rows; merged per column; then a second pass that rescales or normalises.
// Softmax stores its exponentials in phase 1 and rescales them in phase 2, unless the output is
// too large for the caches: then, as log-softmax, it stores nothing in phase 1 (whose tall segments
// take their max and sum chunk by chunk) and computes its results from the input in phase 2,
// e^(x - M) / S, streamed to memory. On 2 threads, against storing, in separate processes
// alternating: [4096, 1024] dim 0 1.30x-1.58x (float64 1.39x-1.43x).
template <class Scalar>
void run_split_columns(const SoftmaxJob& job, const TypedKernels<Scalar>& kernels, ThreadPool& pool,
                       size_t threads, size_t segments) {
  const Scalar* input = static_cast<const Scalar*>(job.input);
  Scalar* output = static_cast<Scalar*>(job.output);
  const bool log = job.op == Op::kLogSoftmax;
  const bool stream = streams_output(job);
  // Whether phase 2 computes from the input, with one M and one factor per column.
  const bool from_input = log || stream;
  const size_t inner = job.inner;
  const size_t chunks = job.outer * segments;
  // Per chunk and column: the segment's max and sum.
  std::vector<SegmentStats> stats(chunks * inner);
  auto bounds = [&](size_t chunk, size_t* begin, size_t* end, size_t* offset) {
    part_bounds(job.dim_size, segments, chunk % segments, 1, begin, end);
    *offset = ((chunk / segments) * job.dim_size + *begin) * inner;
  };

  // Phase 1: per column of each segment, the max and the sum of e^(x - segment max); softmax stores
  // the exponentials unless phase 2 computes from the input.
  auto stats_phase = [&](size_t chunk) {
    size_t begin, end, offset;
    bounds(chunk, &begin, &end, &offset);
    SegmentStats* chunk_stats = stats.data() + chunk * inner;
    Scalar* exp_output = from_input ? nullptr : output + offset;
    kernels.column_segment_stats(input + offset, exp_output, end - begin, inner, inner, stream, chunk_stats);
    for (size_t c = 0; c < inner; ++c) {
      clear_minus_infinity_segment(input + offset + c, exp_output == nullptr ? nullptr : exp_output + c, end - begin,
                                   inner, &chunk_stats[c]);
    }
  };
  pool.run(chunks, ThreadPool::ChunkFunction(stats_phase));

  // Merge each column's segments, columns split across threads. Computing from the input takes one
  // M and one factor per slice and column, log(S) or 1 / S; rescaling stored exponentials takes a
  // factor per segment and column, e^(m_i - M) / S.
  std::vector<Scalar> factors((from_input ? job.outer : chunks) * inner);
  std::vector<Scalar> column_maxes(from_input ? job.outer * inner : 0);
  const size_t columns = job.outer * inner;
  const size_t merge_chunks = std::min(threads * kChunksPerThread, ceil_div(columns, kColumnAlignment));
  auto merge_phase = [&](size_t merge_chunk) {
    size_t begin, end;
    part_bounds(columns, merge_chunks, merge_chunk, kColumnAlignment, &begin, &end);
    std::vector<double> weights(segments);
    for (size_t column = begin; column < end; ++column) {
      // This column's entry in its slice's first segment; segment s is s * inner further on.
      const size_t first = (column / inner) * segments * inner + column % inner;
      const SegmentStats merged = merge_segments(&stats[first], inner, segments, weights.data());
      if (from_input) {
        column_maxes[column] = static_cast<Scalar>(merged.max);
        factors[column] = static_cast<Scalar>(log ? std::log(merged.sum) : 1.0 / merged.sum);
      } else {
        // A -inf segment's exponentials are 0 by now, so its factor (0 / S) only has to carry a NaN S.
        for (size_t s = 0; s < segments; ++s) factors[first + s * inner] = static_cast<Scalar>(weights[s] / merged.sum);
      }
    }
  };
  pool.run(merge_chunks, ThreadPool::ChunkFunction(merge_phase));

  // Phase 2: log-softmax writes (x - M) - log(S), softmax e^(x - M) / S or each segment's stored
  // exponentials rescaled; results from the input stream to memory when the output is that large.
  const ColumnApply what = log ? ColumnApply::kLogSoftmax : from_input ? ColumnApply::kSoftmax : ColumnApply::kScaleStored;
  auto normalize_phase = [&](size_t chunk) {
    size_t begin, end, offset;
    bounds(chunk, &begin, &end, &offset);
    // Per slice and column from the input; per segment and column for stored exponentials.
    const size_t first_factor = (from_input ? chunk / segments : chunk) * inner;
    const Scalar* maxes = from_input ? column_maxes.data() + first_factor : nullptr;
    kernels.column_segment_apply(input + offset, output + offset, end - begin, inner, inner, maxes,
                                 factors.data() + first_factor, what, stream);
  };
  pool.run(chunks, ThreadPool::ChunkFunction(normalize_phase));
}

template <class Scalar>
void run_parallel_typed(const SoftmaxJob& job, const KernelSet& kernel_set, const TypedKernels<Scalar>& kernels,
                        ThreadPool& pool) {
  const size_t elements = job.outer * job.dim_size * job.inner;
  const size_t units = work_units(job);
  const size_t panel_columns = kColumnPanelBytes / sizeof(Scalar);
  // Slices at least a panel wide, where the columns kernel works by panels.
  const bool panel_slices = job.inner >= panel_columns;
  size_t threads = std::min(pool.threads(), std::max<size_t>(1, elements / kMinElementsPerThread));
  if (threads > 1 && job.inner > 1) {
    // Pieces of columns a thread can take: whole panels where slices are that wide (narrower pieces
    // read each row in short strided runs: on [4096, 1024] dim 0, two threads with half a panel each
    // took 3.7 ms against 2.7 ms for one thread with the whole panel), else 64 columns.
    const size_t column_pieces =
        panel_slices ? std::max<size_t>(1, units / panel_columns) : ceil_div(units, kColumnAlignment);
    // Fewer pieces than threads: cut each slice's reduced dim into row segments instead.
    const size_t segments = std::min(ceil_div(threads * kSegmentsPerThread, job.outer), job.dim_size / kMinSegmentRows);
    if (column_pieces < threads && job.outer * segments > column_pieces) {
      run_split_columns(job, kernels, pool, threads, segments);
      return;
    }
    threads = std::min(threads, column_pieces);
  }
  if (threads <= 1) {
    run_job(job, kernel_set);
    return;
  }
  if (job.inner == 1 && job.outer < threads) {
    run_split_rows(job, kernels, pool, threads);
    return;
  }
  // Rows (or columns) in near-equal contiguous blocks, kChunksPerThread per thread. Columns go in
  // pieces cut within each slice, at whole panels where slices are that wide, else at 64 columns,
  // so that a slice's columns fall into the same blocks on any thread count. (Cut at multiples of a
  // panel of the flattened outer * inner columns, a slice 1040 columns wide would start its
  // second slice's ranges 16 columns into a panel, which then ran as narrower, slower blocks.)
  const size_t align = job.inner == 1 ? 1 : panel_slices ? panel_columns : kColumnAlignment;
  const size_t pieces_per_slice = job.inner == 1 ? 1 : ceil_div(job.inner, align);
  const size_t pieces = job.inner == 1 ? units : job.outer * pieces_per_slice;
  // The first unit of piece p (units for p == pieces).
  auto piece_start = [&](size_t p) {
    return job.inner == 1 ? p : (p / pieces_per_slice) * job.inner + (p % pieces_per_slice) * align;
  };
  const size_t chunks = std::min(threads * kChunksPerThread, pieces);
  auto block = [&](size_t chunk) {
    size_t first_piece, end_piece;
    part_bounds(pieces, chunks, chunk, 1, &first_piece, &end_piece);
    run_work_units(job, kernel_set, piece_start(first_piece), piece_start(end_piece));
  };
  pool.run(chunks, ThreadPool::ChunkFunction(block));
}

}  // namespace

void run_job_parallel(const SoftmaxJob& job, const KernelSet& kernels, ThreadPool& pool) {
  if (job.dtype == Dtype::kFloat32) {
    run_parallel_typed(job, kernels, kernels.f32, pool);
  } else {
    run_parallel_typed(job, kernels, kernels.f64, pool);
  }
}

}  // namespace simd_softmax

#include "parallel_job.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../kernels/tuning.h"
#include "job_options.h"
#include "run_job.h"
#include "typed_kernels.h"

namespace simd_softmax {
namespace {


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

// A segment whose line (a row, or a column of a slice) holds only -inf (masked elements included)
// contributes nothing: its sum becomes 0 and, for softmax, its stored exponentials (NaN, from
// -inf - -inf) become 0. One that also holds a NaN taking part keeps its NaN sum, which poisons the
// whole line as it should. The segment's elements are input[k * stride] and exp_output[k * stride]
// for k in [0, count), their mask bytes mask[k * mask_stride] (mask null: all take part);
// exp_output is null for log-softmax.
template <class Element>
void clear_minus_infinity_segment(const Element* input, Element* exp_output, size_t count, size_t stride,
                                  const uint8_t* mask, size_t mask_stride, SegmentStats* stats) {
  if (stats->max != -std::numeric_limits<double>::infinity()) return;
  if (has_kept_nan(input, count, stride, mask, mask_stride)) return;
  stats->sum = 0.0;
  stats->rest = 0.0;
  if (exp_output != nullptr) {
    for (size_t k = 0; k < count; ++k) exp_output[k * stride] = Element{};
  }
}

// Merges a line's `count` segments (segment s at first[s * stride]) into its (M, S): M the max of the
// maxima, S the sum of s_i w_i, with each weight w_i = e^(m_i - M) written to weights[s] (1 for the
// segment holding M, 0 for segments of only -inf, whose sum is 0 or NaN by now). A line of only -inf
// gets S = NaN, as torch. The rest (half precision) is that of the segments holding M plus all of
// the others' weighted sums, whose terms are all below 1 at M.
SegmentStats merge_segments(const SegmentStats* first, size_t stride, size_t count, double* weights) {
  constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
  double max = kMinusInfinity;
  for (size_t s = 0; s < count; ++s) max = std::max(max, first[s * stride].max);
  double sum = 0.0, rest = 0.0;
  for (size_t s = 0; s < count; ++s) {
    const SegmentStats& part = first[s * stride];
    weights[s] = part.max == max ? 1.0 : part.max == kMinusInfinity ? 0.0 : exp_of_difference(part.max, max);
    sum += part.sum * weights[s];
    rest += part.max == max ? part.rest : part.sum * weights[s];
  }
  if (max == kMinusInfinity) sum = std::numeric_limits<double>::quiet_NaN();
  return SegmentStats{max, sum, rest};
}

// Whether a line none of whose elements takes part: every segment (count of them, at first[s * stride])
// held only -inf (masked elements included) and no NaN, so that its sum was cleared to 0.
bool is_fully_masked(const SegmentStats* first, size_t stride, size_t count) {
  for (size_t s = 0; s < count; ++s) {
    const SegmentStats& part = first[s * stride];
    if (part.max != -std::numeric_limits<double>::infinity() || part.sum != 0.0) return false;
  }
  return true;
}

// log(S) of a merged line: for half precision from its rest where S is below 2 (kernels' log_of_sum).
template <class Element>
double log_of_merged_sum(const SegmentStats& merged) {
  if constexpr (kStoresExpInOutput<Element>) {
    return std::log(merged.sum);
  } else {
    return merged.sum < 2.0 ? std::log1p(merged.rest) : std::log(merged.sum);
  }
}

// One long row per segment group: (max, sum) per segment, merged per row, then normalised.
template <class Element>
void run_split_rows(const SoftmaxJob& job, const SegmentKernels<Element>& kernels, const Plan& plan, ThreadPool& pool) {
  using Scalar = Compute<Element>;
  const Element* input = static_cast<const Element*>(job.input);
  Element* output = static_cast<Element*>(job.output);
  const bool stored = !segments_from_input(plan);
  const size_t rows = job.outer;
  const size_t length = job.dim_size;
  const size_t segments = plan.segments;
  const bool filtered = filters_input(job.options);
  std::vector<SegmentStats> stats(rows * segments);
  // A chunk's segment [begin, end) of its row, and how much of it the causal bound keeps: [begin, kept_end).
  auto bounds = [&](size_t chunk, size_t* begin, size_t* end, size_t* kept_end) {
    part_bounds(length, segments, chunk % segments, kSegmentAlignment, begin, end);
    const size_t bound = causal_bound(job.options, chunk / segments, length);
    *kept_end = std::max(*begin, std::min(*end, bound));
  };
  // The filter of a chunk's segment (null when the kernels read the input as it is).
  auto segment_filter = [&](size_t chunk, size_t begin, InputFilter* storage) -> const InputFilter* {
    if (!filtered) return nullptr;
    *storage = advanced(row_filter(job, chunk / segments), begin);
    return storage;
  };

  // Phase 1: each segment's max and sum of e^(x - segment max), softmax storing the exponentials
  // where the plan rescales them in phase 2.
  auto stats_phase = [&](size_t chunk) {
    size_t begin, end, kept_end;
    bounds(chunk, &begin, &end, &kept_end);
    const size_t offset = (chunk / segments) * length + begin;
    Element* exp_output = stored ? output + offset : nullptr;
    InputFilter storage;
    const InputFilter* filter = segment_filter(chunk, begin, &storage);
    stats[chunk] = kept_end > begin ? kernels.row_stats(input + offset, exp_output, kept_end - begin, filter)
                                    : SegmentStats{-std::numeric_limits<double>::infinity(), 0.0, 0.0};
    clear_minus_infinity_segment(input + offset, exp_output, kept_end - begin, 1, filter ? filter->mask : nullptr,
                                 filter ? filter->mask_step : 0, &stats[chunk]);
  };
  pool.run(rows * segments, ThreadPool::ChunkFunction(stats_phase), plan.threads);

  // Merge each row's segments into (M, S), with each segment's weight e^(m_i - M).
  std::vector<SegmentStats> row_stats(rows);
  std::vector<double> weights(rows * segments);
  std::vector<char> fully_masked(rows);
  for (size_t r = 0; r < rows; ++r) {
    row_stats[r] = merge_segments(&stats[r * segments], 1, segments, &weights[r * segments]);
    fully_masked[r] = job.options.zero_fully_masked && is_fully_masked(&stats[r * segments], 1, segments);
  }

  // Phase 2: softmax rescales each segment's exponentials by e^(m_i - M) / S, or (half precision)
  // writes e^(x - M) / S from the input; log-softmax writes (x - M) - log(S), exactly as the
  // single-threaded kernel does.
  auto normalize_phase = [&](size_t chunk) {
    size_t begin, end, kept_end;
    bounds(chunk, &begin, &end, &kept_end);
    const size_t offset = (chunk / segments) * length + begin;
    const SegmentStats& row = row_stats[chunk / segments];
    // A fully masked row under fullyMasked 'zero' is what its elements give; past a causal bound,
    // NaN where the row is NaN, else the same.
    if (fully_masked[chunk / segments]) return fill_line(output + offset, end - begin, 1, dropped_fill(job));
    const bool nan_row = std::isnan(row.sum);
    fill_line(output + offset + (kept_end - begin), end - kept_end, 1, nan_row ? Fill::kNaN : dropped_fill(job));
    InputFilter storage;
    const InputFilter* filter = segment_filter(chunk, begin, &storage);
    const size_t count = kept_end - begin;
    switch (plan.segment_apply) {
      case ColumnApply::kLogSoftmax:
        return kernels.log_normalize(input + offset, output + offset, count, static_cast<Scalar>(row.max),
                                     static_cast<Scalar>(log_of_merged_sum<Element>(row)), filter);
      case ColumnApply::kSoftmax:
        return kernels.softmax_from_input(input + offset, output + offset, count, static_cast<Scalar>(row.max),
                                          static_cast<Scalar>(1.0 / row.sum), filter);
      case ColumnApply::kScaleStored:
        // A -inf segment's exponentials are 0 by now, so its factor (0 / S) only has to carry a NaN S.
        return kernels.scale(output + offset, count, static_cast<Scalar>(weights[chunk] / row.sum));
    }
  };
  pool.run(rows * segments, ThreadPool::ChunkFunction(normalize_phase), plan.threads);
}

// Slices whose reduced dim is cut into `segments` row segments, for jobs with too few columns to
// give every thread some: per (slice, segment) chunk, each column's (max, sum of exp) over the
// segment's rows; merged per column; then a second pass that rescales or normalises.
// Softmax stores its exponentials in phase 1 and rescales them in phase 2, unless the output is
// too large for the caches: then, as log-softmax, it stores nothing in phase 1 (whose tall segments
// take their max and sum chunk by chunk) and computes its results from the input in phase 2,
// e^(x - M) / S, streamed to memory. On 2 threads, against storing, in separate processes
// alternating: [4096, 1024] dim 0 1.30x-1.58x (float64 1.39x-1.43x).
template <class Element>
void run_split_columns(const SoftmaxJob& job, const SegmentKernels<Element>& kernels, const Plan& plan,
                       ThreadPool& pool) {
  using Scalar = Compute<Element>;
  const Element* input = static_cast<const Element*>(job.input);
  Element* output = static_cast<Element*>(job.output);
  const bool log = job.op == Op::kLogSoftmax;
  const size_t segments = plan.segments;
  // Whether phase 2 computes from the input, with one M and one factor per column.
  const bool from_input = segments_from_input(plan);
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
  const bool filtered = filters_input(job.options);
  // Calls run(c, count, filter) for each run of a chunk's columns that one filter covers (all of
  // them without a mask; with one, each run of its innermost inner dim); filter null when the
  // kernels read the input as it is.
  auto for_each_run = [&](size_t chunk, size_t begin, auto&& run) {
    for (size_t c = 0; c < inner;) {
      const size_t count = filtered ? mask_run(job.options.mask.inner_dims, c, inner) : inner;
      const InputFilter filter = filtered ? column_filter(job, chunk / segments, begin, c) : InputFilter{};
      run(c, count, filtered ? &filter : nullptr);
      c += count;
    }
  };
  auto stats_phase = [&](size_t chunk) {
    size_t begin, end, offset;
    bounds(chunk, &begin, &end, &offset);
    SegmentStats* chunk_stats = stats.data() + chunk * inner;
    Element* exp_output = from_input ? nullptr : output + offset;
    for_each_run(chunk, begin, [&](size_t first, size_t count, const InputFilter* filter) {
      kernels.column_stats(input + offset + first, exp_output == nullptr ? nullptr : exp_output + first, end - begin,
                           inner, count, sweeps_segment_chunked(plan, end - begin), chunk_stats + first, filter);
      for (size_t c = first; c < first + count; ++c) {
        const uint8_t* mask = filter == nullptr ? nullptr : advanced(*filter, c - first).mask;
        clear_minus_infinity_segment(input + offset + c, exp_output == nullptr ? nullptr : exp_output + c, end - begin,
                                     inner, mask, filter == nullptr ? 0 : filter->mask_row_stride, &chunk_stats[c]);
      }
    });
  };
  pool.run(chunks, ThreadPool::ChunkFunction(stats_phase), plan.threads);

  // Merge each column's segments, columns split across threads. Computing from the input takes one
  // M and one factor per slice and column, log(S) or 1 / S; rescaling stored exponentials takes a
  // factor per segment and column, e^(m_i - M) / S.
  std::vector<Scalar> factors((from_input ? job.outer : chunks) * inner);
  std::vector<Scalar> column_maxes(from_input ? job.outer * inner : 0);
  const size_t columns = job.outer * inner;
  std::vector<char> fully_masked(job.options.zero_fully_masked ? columns : 0);
  const size_t merge_chunks = plan.merge_chunks;
  auto merge_phase = [&](size_t merge_chunk) {
    size_t begin, end;
    part_bounds(columns, merge_chunks, merge_chunk, kColumnAlignment, &begin, &end);
    std::vector<double> weights(segments);
    for (size_t column = begin; column < end; ++column) {
      // This column's entry in its slice's first segment; segment s is s * inner further on.
      const size_t first = (column / inner) * segments * inner + column % inner;
      const SegmentStats merged = merge_segments(&stats[first], inner, segments, weights.data());
      if (!fully_masked.empty()) fully_masked[column] = is_fully_masked(&stats[first], inner, segments);
      if (from_input) {
        column_maxes[column] = static_cast<Scalar>(merged.max);
        factors[column] = static_cast<Scalar>(log ? log_of_merged_sum<Element>(merged) : 1.0 / merged.sum);
      } else {
        // A -inf segment's exponentials are 0 by now, so its factor (0 / S) only has to carry a NaN S.
        for (size_t s = 0; s < segments; ++s) factors[first + s * inner] = static_cast<Scalar>(weights[s] / merged.sum);
      }
    }
  };
  pool.run(merge_chunks, ThreadPool::ChunkFunction(merge_phase), plan.threads);

  // Phase 2: log-softmax writes (x - M) - log(S), softmax e^(x - M) / S or each segment's stored
  // exponentials rescaled; results from the input stream to memory when the output is that large.
  auto normalize_phase = [&](size_t chunk) {
    size_t begin, end, offset;
    bounds(chunk, &begin, &end, &offset);
    // Per slice and column from the input; per segment and column for stored exponentials.
    const size_t first_factor = (from_input ? chunk / segments : chunk) * inner;
    const Scalar* maxes = from_input ? column_maxes.data() + first_factor : nullptr;
    for_each_run(chunk, begin, [&](size_t first, size_t count, const InputFilter* filter) {
      kernels.column_apply(input + offset + first, output + offset + first, end - begin, inner, count,
                           maxes == nullptr ? nullptr : maxes + first, factors.data() + first_factor + first,
                           plan.segment_apply, plan.streamed_stores, filter);
    });
    // Under fullyMasked 'zero', columns none of whose elements takes part.
    if (fully_masked.empty()) return;
    for (size_t c = 0; c < inner; ++c) {
      if (fully_masked[(chunk / segments) * inner + c]) fill_line(output + offset + c, end - begin, inner, dropped_fill(job));
    }
  };
  pool.run(chunks, ThreadPool::ChunkFunction(normalize_phase), plan.threads);
}

template <class Element>
void run_planned(const SoftmaxJob& job, const KernelSet& kernel_set, const TypedKernels<Element>& kernels,
                 const Plan& plan, ThreadPool& pool) {
  switch (plan.split) {
    case Split::kNone:
      return run_work_units(job, kernel_set, plan, 0, work_units(job));
    case Split::kRowSegments:
      return run_split_rows(job, kernels.segments, plan, pool);
    case Split::kColumnSegments:
      return run_split_columns(job, kernels.segments, plan, pool);
    case Split::kRows:
    case Split::kColumns:
      break;
  }
  // The first unit of piece p (units for p == pieces).
  auto piece_start = [&](size_t p) {
    return job.inner == 1 ? p : (p / plan.pieces_per_slice) * job.inner + (p % plan.pieces_per_slice) * plan.piece_units;
  };
  auto block = [&](size_t chunk) {
    size_t first_piece, end_piece;
    part_bounds(plan.pieces, plan.chunks, chunk, 1, &first_piece, &end_piece);
    run_work_units(job, kernel_set, plan, piece_start(first_piece), piece_start(end_piece));
  };
  pool.run(plan.chunks, ThreadPool::ChunkFunction(block), plan.threads);
}

}  // namespace

void run_plan(const SoftmaxJob& job, const KernelSet& kernels, const Plan& plan, ThreadPool& pool) {
  with_typed_kernels(job.dtype, kernels, [&](const auto& typed) { run_planned(job, kernels, typed, plan, pool); });
}

void run_job_parallel(const SoftmaxJob& job, const KernelSet& kernels, ThreadPool& pool) {
  const Plan plan = plan_job(PlanRequest{job, pool.threads()}, kernels);
  // Most calls run on the calling thread: straight to the kernel.
  if (plan.split == Split::kNone) return run_work_units(job, kernels, plan, 0, work_units(job));
  run_plan(job, kernels, plan, pool);
}

}  // namespace simd_softmax

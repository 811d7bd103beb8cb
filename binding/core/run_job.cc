#include "run_job.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "job_options.h"
#include "plan_variant.h"
#include "typed_kernels.h"

namespace simd_softmax {
namespace {

// Scratch rows up to this many elements live on the stack (4 KiB of float32), longer ones on the heap.
constexpr size_t kStackScratchElements = 1024;

// The rows kernel of the plan's variant over `rows` rows of `length` elements, row_stride apart.
// (growth: each row one element longer than the one before, see OpKernels::RowsKernel).
template <class Element>
void run_rows_kernel(const OpKernels<Element>& op, Variant variant, const Element* input, Element* output, size_t rows,
                     size_t length, size_t row_stride, size_t growth, Compute<Element>* scratch,
                     const InputFilter* filter) {
  switch (variant) {
    case Variant::kRowsSingleVector: return op.rows_single_vector(input, output, rows, length, row_stride, growth, filter);
    case Variant::kRowsStreamedChunked:
      return op.rows_streamed_chunked(input, output, rows, length, row_stride, growth, filter);
    case Variant::kRowsThreePass: return op.rows_three_pass(input, output, rows, length, row_stride, growth, scratch, filter);
    default: return op.rows_streamed(input, output, rows, length, row_stride, growth, scratch, filter);
  }
}

// A row whose elements [first, last) the kernels computed (all of them for a plain row; a causal
// row's first ones, its tail written too: tail_written; a padding mask's kept range): the others
// become NaN where the row is NaN, else what an element taking no part gives; under fullyMasked
// 'zero', a row none of whose elements takes part (its filtered max -inf, no NaN taking part) becomes
// that whole. `filter`: the one the kernels read [first, last) through (null: as it is).
template <class Element>
void finish_row(const SoftmaxJob& job, const SegmentKernels<Element>& segments, size_t row, size_t first, size_t last,
                const InputFilter* filter, bool tail_written = false) {
  const Element* x = static_cast<const Element*>(job.input) + row * job.dim_size + first;
  Element* y = static_cast<Element*>(job.output) + row * job.dim_size;
  const bool nan_row = last == first || is_nan(y[first]);
  const Fill outside = nan_row ? Fill::kNaN : dropped_fill(job);
  if (first > 0) fill_line(y, first, 1, outside);
  if (last < job.dim_size && !(tail_written && last > first)) fill_line(y + last, job.dim_size - last, 1, outside);
  if (!nan_row || !job.options.zero_fully_masked) return;
  if (last > first) {
    if (segments.row_stats(x, nullptr, last - first, filter).max != -std::numeric_limits<double>::infinity()) return;
    if (has_kept_nan(x, last - first, 1, filter == nullptr ? nullptr : filter->mask, filter == nullptr ? 0 : filter->mask_step)) {
      return;
    }
  }
  fill_line(y, job.dim_size, 1, dropped_fill(job));
}

// Where a mask row (n bytes at `bytes`, step apart) keeps one contiguous range of elements,
// [*first, *last) (empty: first == last); false where it keeps two or more.
inline bool kept_range(const uint8_t* bytes, size_t step, size_t n, size_t* first, size_t* last) {
  size_t i = 0;
  while (i < n && bytes[i * step] == 0) ++i;
  *first = i;
  while (i < n && bytes[i * step] != 0) ++i;
  *last = i;
  while (i < n && bytes[i * step] == 0) ++i;
  return i == n;
}

// Columns [column, column + columns) of slice outer_index after the kernel, under fullyMasked
// 'zero': each column left NaN none of whose elements takes part becomes what such an element gives.
template <class Element>
void finish_columns(const SoftmaxJob& job, const SegmentKernels<Element>& segments, size_t outer_index, size_t column,
                    size_t columns, const InputFilter* filter) {
  const size_t offset = outer_index * job.dim_size * job.inner + column;
  const Element* x = static_cast<const Element*>(job.input) + offset;
  Element* y = static_cast<Element*>(job.output) + offset;
  for (size_t c = 0; c < columns; ++c) {
    if (!is_nan(y[c])) continue;
    const InputFilter* column_filter = filter;
    InputFilter moved;
    if (filter != nullptr) {
      moved = advanced(*filter, c);
      column_filter = &moved;
    }
    SegmentStats stats;
    segments.column_stats(x + c, nullptr, job.dim_size, job.inner, 1, false, &stats, column_filter);
    if (stats.max != -std::numeric_limits<double>::infinity()) continue;
    const uint8_t* mask = column_filter == nullptr ? nullptr : column_filter->mask;
    if (has_kept_nan(x + c, job.dim_size, job.inner, mask, column_filter == nullptr ? 0 : column_filter->mask_row_stride)) {
      continue;
    }
    fill_line(y + c, job.dim_size, job.inner, dropped_fill(job));
  }
}

template <class Element>
void run_typed(const SoftmaxJob& job, const TypedKernels<Element>& kernels, const Plan& plan, size_t begin,
               size_t end) {
  const Element* input = static_cast<const Element*>(job.input);
  Element* output = static_cast<Element*>(job.output);
  const KernelWidth<Element>& width = plan.width == Width::kNarrow ? kernels.narrow : kernels.wide;
  const OpKernels<Element>& op = job.op == Op::kLogSoftmax ? width.log_softmax : width.softmax;
  const JobOptions& options = job.options;
  const bool options_on = has_options(job);
  const bool filtered = filters_input(options);
  if (job.inner == 1) {
    // The scratch row the plan asks for (null when it asks for none).
    Compute<Element> stack_scratch[kStackScratchElements];
    std::vector<Compute<Element>> heap_scratch(plan.scratch_elements > kStackScratchElements ? plan.scratch_elements : 0);
    Compute<Element>* scratch = plan.scratch_elements == 0 ? nullptr
                                : heap_scratch.empty()     ? stack_scratch
                                                           : heap_scratch.data();
    // Last dim: units are rows. Elements [first, last) of `rows` rows from `row` on (growth 1: each
    // row one element longer than the one before).
    auto run_rows = [&](size_t row, size_t rows, size_t first, size_t last, const InputFilter* filter, size_t growth = 0) {
      const size_t at = row * job.dim_size + first;
      run_rows_kernel(op, plan.variant, input + at, output + at, rows, last - first, job.dim_size, growth, scratch, filter);
    };
    if (!options_on) return run_rows(begin, end - begin, 0, job.dim_size, nullptr);
    // With options: runs of rows whose mask bytes lie at one stride from each other (and, causal,
    // in one matrix), then the rows the kernels left NaN or did not reach in full.
    for (size_t row = begin; row < end;) {
      const InputFilter filter = row_filter(job, row);
      size_t rows = mask_run(options.mask.outer_dims, row, end);
      const InputFilter* used = filtered ? &filter : nullptr;
      if (options.causal) {
        // The rest of this row's matrix: row i keeps i + diagonal + 1 elements, one more than the
        // row before, so one call computes them (growth 1) after the rows that keep none.
        rows = std::min(rows, options.causal_rows - row % options.causal_rows);
        size_t skipped = 0;
        while (skipped < rows && causal_bound(options, row + skipped, job.dim_size) == 0) ++skipped;
        if (skipped < rows) {
          const InputFilter moved = advanced_rows(filter, skipped);
          run_rows(row + skipped, rows - skipped, 0, causal_bound(options, row + skipped, job.dim_size),
                   filtered ? &moved : nullptr, 1);
        }
        for (size_t r = row; r < row + rows; ++r) {
          const InputFilter own = advanced_rows(filter, r - row);
          finish_row(job, kernels.segments, r, 0, causal_bound(options, r, job.dim_size), filtered ? &own : nullptr, true);
        }
        row += rows;
        continue;
      }
      size_t first = 0, last = job.dim_size;
      // Rows that share one mask row keeping one range of elements (a padding mask) compute that
      // range as it is, and write the rest: no mask to read, no exponential of a masked element.
      InputFilter unmasked = filter;
      size_t kept_first, kept_last;
      if (filter.mask != nullptr && (rows == 1 || filter.mask_row_stride == 0) &&
          kept_range(filter.mask, filter.mask_step, job.dim_size, &kept_first, &kept_last)) {
        first = kept_first;
        last = kept_last;
        unmasked.mask = nullptr;
        used = unmasked.temperature != 1.0 ? &unmasked : nullptr;
      }
      if (last > first) run_rows(row, rows, first, last, used);
      for (size_t r = row; r < row + rows; ++r) {
        // Rows of a run with a mask row each need their own for the check (their bytes differ).
        const InputFilter own = used == &filter ? advanced_rows(filter, r - row) : InputFilter{};
        finish_row(job, kernels.segments, r, first, last, used == &filter ? &own : used);
      }
      row += rows;
    }
    return;
  }
  // Other dims: unit u is column u % inner of outer slice u / inner; walk the range slice by slice
  // (with a mask, run by run of its innermost inner dim).
  const auto columns_kernel = plan.variant == Variant::kColumnsStreamed          ? op.columns_streamed
                              : plan.variant == Variant::kColumnsChunked         ? op.columns_chunked
                              : plan.variant == Variant::kColumnsChunkedStreamed ? op.columns_chunked_streamed
                                                                                 : op.columns_three_pass;
  const size_t slice_size = job.dim_size * job.inner;
  size_t unit = begin;
  while (unit < end) {
    const size_t outer_index = unit / job.inner;
    const size_t column = unit % job.inner;
    const size_t slice_end = (outer_index + 1) * job.inner;
    size_t columns = (end < slice_end ? end : slice_end) - unit;
    const size_t offset = outer_index * slice_size + column;
    if (!options_on) {
      columns_kernel(input + offset, output + offset, job.dim_size, job.inner, columns, nullptr);
    } else {
      columns = std::min(columns, mask_run(options.mask.inner_dims, column, job.inner));
      const InputFilter filter = column_filter(job, outer_index, 0, column);
      const InputFilter* used = filtered ? &filter : nullptr;
      columns_kernel(input + offset, output + offset, job.dim_size, job.inner, columns, used);
      if (options.zero_fully_masked) finish_columns(job, kernels.segments, outer_index, column, columns, used);
    }
    unit += columns;
  }
}

}  // namespace

void run_work_units(const SoftmaxJob& job, const KernelSet& kernels, const Plan& plan, size_t begin, size_t end) {
  if (begin >= end || job.dim_size == 0) return;
  with_typed_kernels(job.dtype, kernels, [&](const auto& typed) { run_typed(job, typed, plan, begin, end); });
}

void run_job(const SoftmaxJob& job, const KernelSet& kernels) {
  if (job.dim_size == 0 || work_units(job) == 0) return;
  // The planner's one-thread plan, inlined: every staged call comes here.
  const PlanRequest request{job, 1};
  with_typed_kernels(job.dtype, kernels, [&](const auto& typed) {
    run_typed(job, typed, plan_detail::plan_unsplit(request, typed), 0, work_units(job));
  });
}

}  // namespace simd_softmax

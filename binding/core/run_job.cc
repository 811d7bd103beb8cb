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

// Asks for the cache lines of [p, p + bytes) to be brought into L2 (no-op where the compiler has no hint).
inline void prefetch_to_l2(const void* p, size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(static_cast<const char*>(p) + offset, 0, 2);
#else
  (void)p, (void)bytes;
#endif
}

// The rows kernel of the plan's variant over `rows` rows of `length` elements, row_stride apart.
template <class Element>
void run_rows_kernel(const OpKernels<Element>& op, Variant variant, const Element* input, Element* output, size_t rows,
                     size_t length, size_t row_stride, Compute<Element>* scratch, const InputFilter* filter) {
  switch (variant) {
    case Variant::kRowsSingleVector: return op.rows_single_vector(input, output, rows, length, row_stride, filter);
    case Variant::kRowsStreamedChunked: return op.rows_streamed_chunked(input, output, rows, length, row_stride, filter);
    case Variant::kRowsThreePass: return op.rows_three_pass(input, output, rows, length, row_stride, scratch, filter);
    default: return op.rows_streamed(input, output, rows, length, row_stride, scratch, filter);
  }
}

// A row whose elements [first, last) the kernels computed (all of them for a plain row; a causal
// row's first ones; a padding mask's kept range): the others become NaN where the row is NaN, else
// what an element taking no part gives; under fullyMasked 'zero', a row none of whose elements
// takes part (its filtered max -inf, no NaN taking part) becomes that whole. `filter`: the one the
// kernels read [first, last) through (null: as it is).
template <class Element>
void finish_row(const SoftmaxJob& job, const SegmentKernels<Element>& segments, size_t row, size_t first, size_t last,
                const InputFilter* filter) {
  const Element* x = static_cast<const Element*>(job.input) + row * job.dim_size + first;
  Element* y = static_cast<Element*>(job.output) + row * job.dim_size;
  const bool nan_row = last == first || is_nan(y[first]);
  const Fill outside = nan_row ? Fill::kNaN : dropped_fill(job);
  if (first > 0) fill_line(y, first, 1, outside);
  if (last < job.dim_size) fill_line(y + last, job.dim_size - last, 1, outside);
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
    // Last dim: units are rows. Elements [first, last) of `rows` rows from `row` on.
    auto run_rows = [&](size_t row, size_t rows, size_t first, size_t last, const InputFilter* filter) {
      const size_t at = row * job.dim_size + first;
      run_rows_kernel(op, plan.variant, input + at, output + at, rows, last - first, job.dim_size, scratch, filter);
    };
    if (!options_on) return run_rows(begin, end - begin, 0, job.dim_size, nullptr);
    // With options: runs of rows whose mask bytes lie at one stride from each other, each causal
    // row on its own (its bound), then the rows the kernels left NaN or did not reach in full.
    for (size_t row = begin; row < end;) {
      const InputFilter filter = row_filter(job, row);
      const size_t rows = options.causal ? 1 : mask_run(options.mask.outer_dims, row, end);
      size_t first = 0, last = causal_bound(options, row, job.dim_size);
      const InputFilter* used = filtered ? &filter : nullptr;
      // Rows that share one mask row keeping one range of elements (a padding mask) compute that
      // range as it is, and write the rest: no mask to read, no exponential of a masked element.
      InputFilter unmasked = filter;
      if (filter.mask != nullptr && (rows == 1 || filter.mask_row_stride == 0) &&
          kept_range(filter.mask, filter.mask_step, last, &first, &last)) {
        unmasked.mask = nullptr;
        used = unmasked.temperature != 1.0 ? &unmasked : nullptr;
      }
      // A causal row runs alone, so the kernel cannot fetch the next row ahead as it does within a
      // call: ask for the next row's kept elements now, to arrive while this row computes.
      if (options.causal && row + 1 < end) {
        prefetch_to_l2(input + (row + 1) * job.dim_size, causal_bound(options, row + 1, job.dim_size) * sizeof(Element));
      }
      if (last > first) run_rows(row, rows, first, last, used);
      for (size_t r = row; r < row + rows; ++r) {
        // Rows of a run with a mask row each need their own for the check (their bytes differ).
        InputFilter own = used == &filter ? advanced_rows(filter, r - row) : InputFilter{};
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

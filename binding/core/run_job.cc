#include "run_job.h"

#include <vector>

#include "plan_variant.h"
#include "typed_kernels.h"

namespace simd_softmax {
namespace {

// Scratch rows up to this many elements live on the stack (4 KiB of float32), longer ones on the heap.
constexpr size_t kStackScratchElements = 1024;

template <class Element>
void run_typed(const SoftmaxJob& job, const TypedKernels<Element>& kernels, const Plan& plan, size_t begin,
               size_t end) {
  const Element* input = static_cast<const Element*>(job.input);
  Element* output = static_cast<Element*>(job.output);
  const KernelWidth<Element>& width = plan.width == Width::kNarrow ? kernels.narrow : kernels.wide;
  const OpKernels<Element>& op = job.op == Op::kLogSoftmax ? width.log_softmax : width.softmax;
  if (job.inner == 1) {
    // Last dim: units are rows.
    const Element* first_input = input + begin * job.dim_size;
    Element* first_output = output + begin * job.dim_size;
    const size_t rows = end - begin;
    if (plan.variant == Variant::kRowsSingleVector) {
      return op.rows_single_vector(first_input, first_output, rows, job.dim_size);
    }
    if (plan.variant == Variant::kRowsStreamedChunked) {
      return op.rows_streamed_chunked(first_input, first_output, rows, job.dim_size);
    }
    // The scratch row the plan asks for (null when it asks for none).
    Compute<Element> stack_scratch[kStackScratchElements];
    std::vector<Compute<Element>> heap_scratch(plan.scratch_elements > kStackScratchElements ? plan.scratch_elements : 0);
    Compute<Element>* scratch = plan.scratch_elements == 0 ? nullptr
                                : heap_scratch.empty()     ? stack_scratch
                                                           : heap_scratch.data();
    if (plan.variant == Variant::kRowsThreePass) {
      return op.rows_three_pass(first_input, first_output, rows, job.dim_size, scratch);
    }
    return op.rows_streamed(first_input, first_output, rows, job.dim_size, scratch);
  }
  // Other dims: unit u is column u % inner of outer slice u / inner; walk the range slice by slice.
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
    const size_t columns = (end < slice_end ? end : slice_end) - unit;
    const size_t offset = outer_index * slice_size + column;
    columns_kernel(input + offset, output + offset, job.dim_size, job.inner, columns);
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

#include "run_job.h"

#include <vector>

#include "plan_variant.h"

namespace simd_softmax {
namespace {

template <class Scalar>
void run_typed(const SoftmaxJob& job, const TypedKernels<Scalar>& kernels, const Plan& plan, size_t begin,
               size_t end) {
  const Scalar* input = static_cast<const Scalar*>(job.input);
  Scalar* output = static_cast<Scalar*>(job.output);
  const KernelWidth<Scalar>& width = plan.width == Width::kNarrow ? kernels.narrow : kernels.wide;
  const OpKernels<Scalar>& op = job.op == Op::kLogSoftmax ? width.log_softmax : width.softmax;
  if (job.inner == 1) {
    // Last dim: units are rows.
    const Scalar* first_input = input + begin * job.dim_size;
    Scalar* first_output = output + begin * job.dim_size;
    const size_t rows = end - begin;
    switch (plan.variant) {
      case Variant::kRowsSingleVector: return op.rows_single_vector(first_input, first_output, rows, job.dim_size);
      case Variant::kRowsThreePass: return op.rows_three_pass(first_input, first_output, rows, job.dim_size);
      case Variant::kRowsStreamedChunked:
        return op.rows_streamed_chunked(first_input, first_output, rows, job.dim_size);
      default: {
        std::vector<Scalar> scratch(plan.scratch_elements);
        return op.rows_streamed(first_input, first_output, rows, job.dim_size, scratch.data());
      }
    }
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
  if (job.dtype == Dtype::kFloat32) {
    run_typed(job, kernels.f32, plan, begin, end);
  } else {
    run_typed(job, kernels.f64, plan, begin, end);
  }
}

void run_job(const SoftmaxJob& job, const KernelSet& kernels) {
  if (job.dim_size == 0 || work_units(job) == 0) return;
  // The planner's one-thread plan, inlined: every staged call comes here.
  const PlanRequest request{job, 1};
  if (job.dtype == Dtype::kFloat32) {
    run_typed(job, kernels.f32, plan_detail::plan_unsplit(request, kernels.f32), 0, work_units(job));
  } else {
    run_typed(job, kernels.f64, plan_detail::plan_unsplit(request, kernels.f64), 0, work_units(job));
  }
}

}  // namespace simd_softmax

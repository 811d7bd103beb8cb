#include "run_job.h"

#include <vector>

namespace simd_softmax {
namespace {

// Outputs at least this large go straight to memory (streaming stores): they cannot stay in cache
// anyway, and skipping the read of each output line saves a third of the memory traffic.
constexpr size_t kStreamingMinOutputBytes = size_t{16} << 20;

template <class Scalar>
void run_typed(const SoftmaxJob& job, const TypedKernels<Scalar>& kernels, size_t begin, size_t end) {
  const Scalar* input = static_cast<const Scalar*>(job.input);
  Scalar* output = static_cast<Scalar*>(job.output);
  const bool log = job.op == Op::kLogSoftmax;
  const bool stream = streams_output(job);
  if (job.inner == 1) {
    // Last dim: units are rows.
    if (stream) {
      // Softmax keeps a row's exponentials in scratch, up to kStreamingMaxRowBytes.
      const bool keeps_exponentials = !log && job.dim_size * sizeof(Scalar) <= kStreamingMaxRowBytes;
      std::vector<Scalar> scratch(keeps_exponentials ? job.dim_size : 0);
      const auto rows_kernel = log ? kernels.log_softmax_rows_streaming : kernels.softmax_rows_streaming;
      rows_kernel(input + begin * job.dim_size, output + begin * job.dim_size, end - begin, job.dim_size, scratch.data());
      return;
    }
    const auto rows_kernel = log ? kernels.log_softmax_rows : kernels.softmax_rows;
    rows_kernel(input + begin * job.dim_size, output + begin * job.dim_size, end - begin, job.dim_size);
    return;
  }
  // Other dims: unit u is column u % inner of outer slice u / inner; walk the range slice by slice.
  const auto columns_kernel = log ? (stream ? kernels.log_softmax_columns_streaming : kernels.log_softmax_columns)
                                  : (stream ? kernels.softmax_columns_streaming : kernels.softmax_columns);
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

bool streams_output(const SoftmaxJob& job) {
  const size_t element_bytes = job.dtype == Dtype::kFloat32 ? sizeof(float) : sizeof(double);
  return job.outer * job.dim_size * job.inner * element_bytes >= kStreamingMinOutputBytes;
}

size_t work_units(const SoftmaxJob& job) {
  return job.inner == 1 ? job.outer : job.outer * job.inner;
}

void run_work_units(const SoftmaxJob& job, const KernelSet& kernels, size_t begin, size_t end) {
  if (begin >= end || job.dim_size == 0) return;
  if (job.dtype == Dtype::kFloat32) {
    run_typed(job, kernels.f32, begin, end);
  } else {
    run_typed(job, kernels.f64, begin, end);
  }
}

}  // namespace simd_softmax

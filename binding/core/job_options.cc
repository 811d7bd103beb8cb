#include "job_options.h"

#include <algorithm>

namespace simd_softmax {

size_t mask_offset(const MaskDims& dims, size_t index) {
  size_t offset = 0;
  // Innermost dim first: each takes its index off the remaining quotient.
  for (size_t d = dims.count; d-- > 0;) {
    offset += (index % dims.sizes[d]) * dims.strides[d];
    index /= dims.sizes[d];
  }
  return offset;
}

size_t mask_run(const MaskDims& dims, size_t index, size_t total) {
  if (dims.count == 0) return total - index;
  const size_t innermost = dims.sizes[dims.count - 1];
  return std::min(total - index, innermost - index % innermost);
}

InputFilter row_filter(const SoftmaxJob& job, size_t row) {
  const JobOptions& options = job.options;
  const MaskLayout& mask = options.mask;
  InputFilter filter{nullptr, 0, 0, options.temperature};
  if (mask.data != nullptr) {
    filter.mask = mask.data + mask_offset(mask.outer_dims, row);
    filter.mask_step = mask.dim_stride;
    filter.mask_row_stride = mask.outer_dims.count == 0 ? 0 : mask.outer_dims.strides[mask.outer_dims.count - 1];
  }
  return filter;
}

InputFilter column_filter(const SoftmaxJob& job, size_t outer_index, size_t first_row, size_t column) {
  const JobOptions& options = job.options;
  const MaskLayout& mask = options.mask;
  InputFilter filter{nullptr, 0, 0, options.temperature};
  if (mask.data != nullptr) {
    filter.mask = mask.data + mask_offset(mask.outer_dims, outer_index) + first_row * mask.dim_stride +
                  mask_offset(mask.inner_dims, column);
    filter.mask_step = mask.inner_dims.count == 0 ? 0 : mask.inner_dims.strides[mask.inner_dims.count - 1];
    filter.mask_row_stride = mask.dim_stride;
  }
  return filter;
}

size_t causal_bound(const JobOptions& options, size_t row, size_t dim_size) {
  if (!options.causal) return dim_size;
  // Row i keeps j <= i + diagonal: the first i + diagonal + 1 elements, clamped to [0, dim_size].
  const int64_t i = static_cast<int64_t>(row % options.causal_rows);
  const int64_t kept = i + options.causal_diagonal + 1;
  if (kept <= 0) return 0;
  return std::min(static_cast<size_t>(kept), dim_size);
}

}  // namespace simd_softmax

// What the executors (run_job.cc, parallel_job.cc) do for a job's options: the filter each kernel
// call reads its input through (mask bytes and temperature), the causal bound of a row, and the
// finishing of lines the kernels leave NaN or do not reach (past a causal bound; fully masked
// lines under fullyMasked: 'zero'). Baseline code, compiled once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../kernels/kernel_set.h"
#include "softmax_job.h"

namespace simd_softmax {

// Whether the kernels must read the input through a filter (a mask or a temperature); causal and
// fullyMasked alone are the executors' business.
inline bool filters_input(const JobOptions& options) {
  return options.mask.data != nullptr || options.temperature != 1.0;
}

// The mask bytes' offset of index `index` over `dims` (row-major, outermost first).
size_t mask_offset(const MaskDims& dims, size_t index);

// How many indices from `index` on stay in the innermost dim of `dims` (where the offset moves by
// its stride at each step); every index left when dims has none.
size_t mask_run(const MaskDims& dims, size_t index, size_t total);

// The filter for rows [row, row + run) of a last-dim job (run from mask_run over the outer dims).
InputFilter row_filter(const SoftmaxJob& job, size_t row);

// The filter for columns from `column` (within one innermost run of the inner dims) of slice
// `outer_index`, from row `first_row` of the reduced dim on.
InputFilter column_filter(const SoftmaxJob& job, size_t outer_index, size_t first_row, size_t column);

// The filter moved on by `elements` along its line (a row segment).
inline InputFilter advanced(InputFilter filter, size_t elements) {
  if (filter.mask != nullptr) filter.mask += elements * filter.mask_step;
  return filter;
}

// The filter moved on by `rows` rows.
inline InputFilter advanced_rows(InputFilter filter, size_t rows) {
  if (filter.mask != nullptr) filter.mask += rows * filter.mask_row_stride;
  return filter;
}

// The elements of row `row` that take part under the causal bound: [0, bound).
size_t causal_bound(const JobOptions& options, size_t row, size_t dim_size);

// Whether an element is NaN: all-ones exponent and a nonzero mantissa.
inline bool is_nan(float value) { return std::isnan(value); }
inline bool is_nan(double value) { return std::isnan(value); }
inline bool is_nan(Float16 value) { return (value.bits & 0x7fffu) > 0x7c00u; }
inline bool is_nan(BFloat16 value) { return (value.bits & 0x7fffu) > 0x7f80u; }

// What a finished line's elements become: NaN, or what an element taking no part gives (0 for
// softmax, -inf for log-softmax).
enum class Fill { kNaN, kZero, kMinusInfinity };

template <class Element>
Element fill_value(Fill fill) {
  if constexpr (sizeof(Element) == sizeof(uint16_t)) {
    const bool is_half = std::is_same_v<Element, Float16>;
    const uint16_t nan = is_half ? 0x7e00u : 0x7fc0u, minus_infinity = is_half ? 0xfc00u : 0xff80u;
    return Element{fill == Fill::kNaN ? nan : fill == Fill::kZero ? uint16_t{0} : minus_infinity};
  } else {
    return fill == Fill::kNaN    ? std::numeric_limits<Element>::quiet_NaN()
           : fill == Fill::kZero ? Element(0)
                                 : -std::numeric_limits<Element>::infinity();
  }
}

// What an element that takes no part gives.
inline Fill dropped_fill(const SoftmaxJob& job) { return job.op == Op::kLogSoftmax ? Fill::kMinusInfinity : Fill::kZero; }

// y[k * stride] = fill for k in [0, count).
template <class Element>
void fill_line(Element* y, size_t count, size_t stride, Fill fill) {
  const Element value = fill_value<Element>(fill);
  // Contiguous (a causal row's tail): a plain fill the compiler turns into vector stores.
  if (stride == 1) return std::fill(y, y + count, value);
  for (size_t k = 0; k < count; ++k) y[k * stride] = value;
}

// Whether an element of x[k * stride] (k in [0, count)) that takes part (its mask byte,
// mask[k * mask_stride], nonzero; all when mask is null) is NaN. Dividing by a temperature keeps
// NaN NaN and makes nothing else NaN.
template <class Element>
bool has_kept_nan(const Element* x, size_t count, size_t stride, const uint8_t* mask, size_t mask_stride) {
  for (size_t k = 0; k < count; ++k) {
    if ((mask == nullptr || mask[k * mask_stride] != 0) && is_nan(x[k * stride])) return true;
  }
  return false;
}

}  // namespace simd_softmax

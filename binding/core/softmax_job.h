// The plain description of one softmax job that the TypeScript layer has already validated.
// Nothing here re-validates shapes or dtypes: the addon glue only checks that the buffers are
// large enough for the description, so a wrong description can never touch memory out of range.
#pragma once

#include <cstddef>
#include <cstdint>

namespace simd_softmax {

enum class Op : int { kSoftmax = 0, kLogSoftmax = 1 };
enum class Dtype : int { kFloat32 = 0, kFloat64 = 1, kFloat16 = 2, kBFloat16 = 3 };

// lib/ names a job's op and dtype in one number, its kind: op + kOpCount * dtype. The addon exports
// these values (protocol) and lib/ reads them from there.
constexpr int kOpCount = 2;
constexpr int kDtypeCount = 4;

// Bytes per element of a dtype.
constexpr size_t element_bytes(Dtype dtype) {
  return dtype == Dtype::kFloat64 ? 8 : dtype == Dtype::kFloat32 ? 4 : 2;
}

// The most dims a mask's layout has once lib/ has merged neighbouring dims it can (see MaskLayout).
constexpr size_t kMaxMaskDims = 16;

// Dims of a mask over a run of the tensor's dims, outermost first: index i of dim d (an index of the
// tensor's, the mask broadcast to it) moves i * strides[d] bytes in the mask; a broadcast dim has
// stride 0. Neighbouring dims that move alike are merged by lib/.
struct MaskDims {
  size_t count;
  size_t sizes[kMaxMaskDims];
  size_t strides[kMaxMaskDims];
};

// A uint8 mask broadcast to the tensor (nonzero: the element takes part). The byte of element
// (o, k, c) of the {outer, dim_size, inner} view is data[offset(outer_dims, o) + k * dim_stride +
// offset(inner_dims, c)], never expanded in memory.
struct MaskLayout {
  const uint8_t* data;  // null: no mask
  MaskDims outer_dims;
  size_t dim_stride;
  MaskDims inner_dims;
};

// What softmax's options ask of a job (lib/ validated them); a job without any is plain.
struct JobOptions {
  MaskLayout mask{};
  // Causal: the reduced dim is the last (inner == 1); row r is row i = r % causal_rows of its matrix
  // and keeps elements j <= i + causal_diagonal (torch's tril(diagonal)).
  bool causal = false;
  size_t causal_rows = 0;
  int64_t causal_diagonal = 0;
  double temperature = 1.0;       // each element divided by it, already rounded to the dtype; 1: none
  bool zero_fully_masked = false;  // a line with no element taking part gives 0 (log-softmax -inf), not NaN
};

// The tensor is viewed as {outer, dim_size, inner}: the reduced dim has dim_size elements at a
// stride of `inner`; the last dim is the case inner == 1. input and output hold
// outer * dim_size * inner elements of `dtype`; they are either the same buffer (in place) or do
// not overlap at all.
struct SoftmaxJob {
  Op op;
  Dtype dtype;
  const void* input;
  void* output;
  size_t outer;
  size_t dim_size;
  size_t inner;
  JobOptions options{};  // all off for a plain job (see has_options)
};

// A job with no options: the kernels read the input as it is.
inline bool has_options(const SoftmaxJob& job) {
  const JobOptions& options = job.options;
  return options.mask.data != nullptr || options.causal || options.temperature != 1.0 || options.zero_fully_masked;
}

}  // namespace simd_softmax

// The plain description of one softmax job that the TypeScript layer has already validated.
// Nothing here re-validates shapes or dtypes: the addon glue only checks that the buffers are
// large enough for the description, so a wrong description can never touch memory out of range.
#pragma once

#include <cstddef>

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
};

}  // namespace simd_softmax

// From a job's dtype to the kernel table of its element type: the one switch over dtypes that the
// planner and the executors share.
#pragma once

#include "../kernels/kernel_set.h"
#include "softmax_job.h"

namespace simd_softmax {

// fn(set.f32), fn(set.f64), fn(set.f16) or fn(set.bf16), as `dtype` says.
template <class Fn>
decltype(auto) with_typed_kernels(Dtype dtype, const KernelSet& set, Fn&& fn) {
  switch (dtype) {
    case Dtype::kFloat64: return fn(set.f64);
    case Dtype::kFloat16: return fn(set.f16);
    case Dtype::kBFloat16: return fn(set.bf16);
    case Dtype::kFloat32: break;
  }
  return fn(set.f32);
}

}  // namespace simd_softmax

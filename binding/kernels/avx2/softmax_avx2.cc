// The AVX2 + FMA kernel set: 8 float32 or 4 float64 lanes, half precision through F16C and integer
// arithmetic. Only this file is compiled with -mavx2 -mfma -mf16c; dispatch/kernel_dispatch.cc
// reaches it only after the CPU check.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#define SIMD_SOFTMAX_ISA_NAMESPACE avx2

#include "../half_vectors.h"

namespace simd_softmax {
namespace avx2 {

#include "vectors_avx2.h"

}  // namespace avx2
}  // namespace simd_softmax

#include "../kernel_table.h"

namespace simd_softmax {

const KernelSet& avx2_kernel_set() {
  static constexpr KernelSet kSet = avx2::make_kernel_set<avx2::F32x8, avx2::F64x4, avx2::F16x8, avx2::BF16x8>("avx2", "integer");
  return kSet;
}

}  // namespace simd_softmax

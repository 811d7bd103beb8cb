// The avx512_bf16 kernel set: the avx512 set, except that bfloat16 stores round with AVX512-BF16's
// VCVTNEPS2BF16. Only this file is compiled with -mavx512bf16 -mavx512dq; dispatch/
// kernel_dispatch.cc reaches it only after the CPU check. It compiles only the bfloat16 kernels;
// the others are avx512's.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#define SIMD_SOFTMAX_ISA_NAMESPACE avx512_bf16

#include "../half_vectors.h"

namespace simd_softmax {
namespace avx512_bf16 {

#include "../avx2/vectors_avx2.h"

#include "vectors_avx512.h"

// bfloat16 through VCVTNEPS2BF16 (round to nearest even in one instruction). The instruction
// flushes float32 subnormals to zero, so a vector holding any (results below 1.2e-38) takes the
// integer rounding instead, which keeps them.
struct BF16NativeCodec16 {
  using Element = BFloat16;
  static constexpr size_t kStreamAlignment = 32;
  static __m512 widen(const uint16_t* p) { return BF16Codec16::widen(p); }
  static __m256i round(__m512 v) {
    // VFPCLASSPS category 0x20: denormal, either sign.
    if (_mm512_fpclass_ps_mask(v, 0x20) != 0) return BF16Codec16::round(v);
    return (__m256i)_mm512_cvtneps_pbh(v);
  }
  static void narrow(uint16_t* p, __m512 v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), round(v)); }
  static void narrow_stream(uint16_t* p, __m512 v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), round(v)); }
};

using BF16NativeX16 = HalfVectors<F32x16, BF16NativeCodec16, BF16x8>;

}  // namespace avx512_bf16
}  // namespace simd_softmax

#include "../kernel_table.h"

namespace simd_softmax {

const KernelSet& avx512_bf16_kernel_set() {
  static const KernelSet kSet = [] {
    KernelSet set = avx512_kernel_set();
    set.isa = "avx512_bf16";
    set.bf16 = avx512_bf16::make_typed_kernels<avx512_bf16::BF16NativeX16>();
    set.bf16_rounding = "native";
    return set;
  }();
  return kSet;
}

}  // namespace simd_softmax

// The AVX-512 kernel set: 16 float32 or 8 float64 lanes, using AVX-512F only (with AVX2 and FMA,
// which every AVX-512F CPU has). Only this file is compiled with -mavx512f; dispatch/
// kernel_dispatch.cc reaches it only after the CPU check, which includes the OS saving the opmask
// and ZMM registers.
// GCC 12's own avx512fintrin.h trips -W(maybe-)uninitialized in its _mm512_undefined_* helpers
// (GCC bug 105593, fixed in GCC 13); the warning is about the header, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#define SIMD_SOFTMAX_ISA_NAMESPACE avx512

#include "../half_vectors.h"

namespace simd_softmax {
namespace avx512 {

// AVX2's F32x8 and F64x4 (and their half structs), compiled here with this unit's flags: rows shorter
// than one AVX-512 vector run on them (Narrow in vectors_avx512.h).
#include "../avx2/vectors_avx2.h"

#include "vectors_avx512.h"

}  // namespace avx512
}  // namespace simd_softmax

#include "../kernel_table.h"

namespace simd_softmax {

const KernelSet& avx512_kernel_set() {
  static constexpr KernelSet kSet = avx512::make_kernel_set<avx512::F32x16, avx512::F64x8, avx512::F16x16, avx512::BF16x16>("avx512", "integer");
  return kSet;
}

}  // namespace simd_softmax

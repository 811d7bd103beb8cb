#include "cpu_features.h"

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <immintrin.h>
#include <intrin.h>
#endif

namespace simd_softmax {

bool cpu_supports_avx2_fma() {
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  int regs[4];
  __cpuid(regs, 0);
  if (regs[0] < 7) return false;
  __cpuid(regs, 1);
  const bool fma = (regs[2] & (1 << 12)) != 0;
  const bool osxsave = (regs[2] & (1 << 27)) != 0;
  const bool avx = (regs[2] & (1 << 28)) != 0;
  if (!(fma && osxsave && avx)) return false;
  // XCR0 bits 1 and 2: the OS saves SSE and AVX (YMM) state on context switches.
  if ((_xgetbv(0) & 0x6) != 0x6) return false;
  __cpuidex(regs, 7, 0);
  return (regs[1] & (1 << 5)) != 0;
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  // libgcc's and compiler-rt's checks include the OS's XSAVE support for AVX state.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_supports_avx512f() {
  // Every AVX-512F CPU also has AVX2 and FMA, which the AVX-512 kernels use beside it.
  if (!cpu_supports_avx2_fma()) return false;
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  // XCR0 bits 5-7: the OS saves the opmask registers and the upper halves of ZMM0-31.
  if ((_xgetbv(0) & 0xE6) != 0xE6) return false;
  int regs[4];
  __cpuidex(regs, 7, 0);
  return (regs[1] & (1 << 16)) != 0;
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  // As for AVX2, libgcc's and compiler-rt's check includes the OS saving the AVX-512 state.
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

}  // namespace simd_softmax

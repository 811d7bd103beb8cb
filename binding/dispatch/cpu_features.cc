#include "cpu_features.h"

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <immintrin.h>
#include <intrin.h>
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#endif

namespace simd_softmax {
namespace {

// CPUID leaf `leaf`, subleaf `subleaf`: EAX, EBX, ECX, EDX (zeros where the leaf does not exist).
struct CpuidRegisters {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};
[[maybe_unused]] CpuidRegisters cpuid(unsigned leaf, unsigned subleaf) {
  CpuidRegisters r;
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  int regs[4];
  __cpuid(regs, 0);
  if (static_cast<unsigned>(regs[0]) < leaf) return r;
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  r.eax = static_cast<unsigned>(regs[0]);
  r.ebx = static_cast<unsigned>(regs[1]);
  r.ecx = static_cast<unsigned>(regs[2]);
  r.edx = static_cast<unsigned>(regs[3]);
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  if (__get_cpuid_max(0, nullptr) < leaf) return r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#else
  (void)leaf, (void)subleaf;
#endif
  return r;
}

}  // namespace

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
  return (regs[1] & (1 << 5)) != 0 && (cpuid(1, 0).ecx & (1u << 29)) != 0;
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  // libgcc's and compiler-rt's checks include the OS's XSAVE support for AVX state; F16C (CPUID
  // leaf 1, ECX bit 29) converts half precision in the AVX2 set.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && (cpuid(1, 0).ecx & (1u << 29)) != 0;
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

bool cpu_supports_avx512_bf16() {
  if (!cpu_supports_avx512f()) return false;
  // CPUID leaf 7: subleaf 0 EBX bits 17 and 30 are AVX-512DQ and AVX-512BW, subleaf 1 EAX bit 5 is
  // AVX512-BF16.
  const unsigned dq_bw = (1u << 17) | (1u << 30);
  return (cpuid(7, 0).ebx & dq_bw) == dq_bw && (cpuid(7, 1).eax & (1u << 5)) != 0;
}

}  // namespace simd_softmax

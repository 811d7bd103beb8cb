#include "kernel_dispatch.h"

#include <cstdlib>
#include <cstring>

#include "../diagnostics/warnings.h"
#include "cpu_features.h"

namespace simd_softmax {
namespace {

struct Candidate {
  const char* isa;
  const KernelSet& (*kernel_set)();
  bool (*cpu_can_run)();
};

bool always() { return true; }

// Every kernel set this build knows, best first; the last one runs anywhere.
const Candidate kCandidates[] = {
#if defined(SIMD_SOFTMAX_HAVE_AVX512)
    {"avx512_bf16", &avx512_bf16_kernel_set, &cpu_supports_avx512_bf16},
    {"avx512", &avx512_kernel_set, &cpu_supports_avx512f},
#endif
#if defined(SIMD_SOFTMAX_HAVE_AVX2)
    {"avx2", &avx2_kernel_set, &cpu_supports_avx2_fma},
#endif
#if defined(SIMD_SOFTMAX_HAVE_NEON)
    {"neon", &neon_kernel_set, &always},
#endif
    {"scalar", &scalar_kernel_set, &always},
};

// Names users may ask for, including sets that exist only in builds for other CPUs.
const char* const kKnownIsas[] = {"avx512_bf16", "avx512", "avx2", "neon", "scalar"};

const KernelSet& best_runnable() {
  for (const Candidate& candidate : kCandidates) {
    if (candidate.cpu_can_run()) return candidate.kernel_set();
  }
  return scalar_kernel_set();
}

const KernelSet& choose() {
  const char* requested = std::getenv("SIMD_SOFTMAX_ISA");
  if (requested == nullptr || requested[0] == '\0' || std::strcmp(requested, "auto") == 0) {
    return best_runnable();
  }
  for (const Candidate& candidate : kCandidates) {
    if (std::strcmp(candidate.isa, requested) != 0) continue;
    if (candidate.cpu_can_run()) return candidate.kernel_set();
    const KernelSet& fallback = best_runnable();
    report_warning("SIMD_SOFTMAX_ISA_FALLBACK", std::string("SIMD_SOFTMAX_ISA=") + requested +
                                                    ", but this CPU cannot run it; using " + fallback.isa);
    return fallback;
  }
  const KernelSet& fallback = best_runnable();
  bool known = false;
  for (const char* isa : kKnownIsas) known = known || std::strcmp(isa, requested) == 0;
  if (known) {
    report_warning("SIMD_SOFTMAX_ISA_FALLBACK", std::string("SIMD_SOFTMAX_ISA=") + requested + ", but this build has no " +
                                                    requested + " kernels; using " + fallback.isa);
  } else {
    report_warning("SIMD_SOFTMAX_ISA_FALLBACK", std::string("SIMD_SOFTMAX_ISA=") + requested +
                                                    " is not a kernel set (expected scalar, avx2, avx512, avx512_bf16, "
                                                    "neon or auto); using " + fallback.isa);
  }
  return fallback;
}

}  // namespace

const KernelSet& active_kernel_set() {
  // Chosen once per process (thread-safe static initialisation); every addon instance shares it.
  static const KernelSet& chosen = choose();
  return chosen;
}

std::vector<const KernelSet*> runnable_kernel_sets() {
  std::vector<const KernelSet*> sets;
  for (const Candidate& candidate : kCandidates) {
    if (candidate.cpu_can_run()) sets.push_back(&candidate.kernel_set());
  }
  return sets;
}

std::vector<std::string> runnable_isas() {
  std::vector<std::string> names;
  for (const Candidate& candidate : kCandidates) {
    if (candidate.cpu_can_run()) names.emplace_back(candidate.isa);
  }
  return names;
}

}  // namespace simd_softmax

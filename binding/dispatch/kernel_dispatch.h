// The one place that chooses a kernel set.
#pragma once

#include <string>
#include <vector>

#include "../kernels/kernel_set.h"

namespace simd_softmax {

// The kernel set in use, chosen on first call: the best one this build and CPU support, or the
// one named by the environment variable SIMD_SOFTMAX_ISA (scalar, avx2, avx512, neon; empty or "auto"
// means the best). A name that is unknown, not built in, or not supported by the CPU falls back
// to the best, with a warning (SIMD_SOFTMAX_ISA_FALLBACK, see diagnostics/warnings.h).
const KernelSet& active_kernel_set();

// The kernel sets this build contains and this CPU can run, best first (the native tests run each).
std::vector<const KernelSet*> runnable_kernel_sets();

// Names of the kernel sets this build contains and this CPU can run, best first.
std::vector<std::string> runnable_isas();

}  // namespace simd_softmax

// What the running CPU (and its operating system) can execute.
#pragma once

namespace simd_softmax {

// AVX2 and FMA instructions, with the OS saving the 256-bit register state.
bool cpu_supports_avx2_fma();

// AVX-512F (with AVX2 and FMA), with the OS saving the opmask and 512-bit register state.
bool cpu_supports_avx512f();

}  // namespace simd_softmax

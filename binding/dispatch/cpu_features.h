// What the running CPU (and its operating system) can execute.
#pragma once

namespace simd_softmax {

// AVX2, FMA and F16C instructions, with the OS saving the 256-bit register state.
bool cpu_supports_avx2_fma();

// AVX-512F (with AVX2, FMA and F16C), with the OS saving the opmask and 512-bit register state.
bool cpu_supports_avx512f();

// AVX512-BF16, AVX-512BW (which the compiler's -mavx512bf16 implies) and AVX-512DQ on top of AVX-512F.
bool cpu_supports_avx512_bf16();

}  // namespace simd_softmax

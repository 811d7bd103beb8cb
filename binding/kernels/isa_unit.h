// Included first by every header that is compiled once per instruction set: such a header belongs
// inside an ISA's translation unit (kernels/<isa>/softmax_<isa>.cc), which names its namespace.
#ifndef SIMD_SOFTMAX_ISA_NAMESPACE
#error "define SIMD_SOFTMAX_ISA_NAMESPACE (an ISA's translation unit does) before including a kernel header"
#endif

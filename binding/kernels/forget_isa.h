// Lets one translation unit instantiate the kernels for a second instruction set (the exp accuracy
// checker does, to compare a SIMD set with the scalar one): forgets the first set's namespace and
// the guards of the per-ISA headers, which are per instruction set rather than per file.
#undef SIMD_SOFTMAX_ISA_NAMESPACE
#undef SIMD_SOFTMAX_ISA_EXP_H
#undef SIMD_SOFTMAX_ISA_VECTOR_TRAITS_H
#undef SIMD_SOFTMAX_ISA_ROWS_H
#undef SIMD_SOFTMAX_ISA_COLUMN_BLOCK_H
#undef SIMD_SOFTMAX_ISA_COLUMNS_H
#undef SIMD_SOFTMAX_ISA_SEGMENTS_H
#undef SIMD_SOFTMAX_ISA_KERNEL_TABLE_H
#undef SIMD_SOFTMAX_ISA_HALF_VECTORS_H
#undef SIMD_SOFTMAX_ISA_FILTERED_INPUT_H

// The table of kernels one instruction set provides. A kernel set is chosen once, at load time,
// by dispatch/kernel_dispatch.cc; callers only see these function pointers.
#pragma once

#include <cstddef>

namespace simd_softmax {

// Columns kernels take columns in panels of this many bytes of each row (1024 float32 or 512
// float64 columns), sweeping whole row segments; thread partitions of slices that wide cut at panel
// bounds (core/parallel_job.cc).
constexpr size_t kColumnPanelBytes = 4096;
// Narrower slices go in blocks of up to 8 vectors, but at most this many bytes of each row (8 AVX2
// or 4 AVX-512 vectors: 64 float32 columns). Every set's block widths divide 64 columns, so thread
// partitions cut at multiples of 64 columns never split a block (core/parallel_job.cc).
constexpr size_t kColumnBlockMaxBytes = 256;

// Rows up to this many bytes, in a job whose output streams, keep softmax's exponentials in a scratch
// row of this size (TypedKernels::softmax_rows_streaming); longer ones compute them twice instead.
constexpr size_t kStreamingMaxRowBytes = size_t{256} << 10;

// The max of a row segment and the sum of e^(x - max) over it: segments of one row merge
// associatively, (m1, s1) + (m2, s2) = (M, s1 e^(m1 - M) + s2 e^(m2 - M)) with M = max(m1, m2).
struct SegmentStats {
  double max;  // NaN is ignored; -inf when the segment holds only -inf and NaN
  double sum;  // NaN when the segment holds NaN or +inf, or when max is -inf
};

// What the last phase over a segment of columns writes (TypedKernels::column_segment_apply).
enum class ColumnApply {
  kScaleStored,  // softmax: output = output * factors[c], the exponentials phase 1 stored, rescaled
  kSoftmax,      // output = e^(input - maxes[c]) * factors[c]
  kLogSoftmax,   // output = (input - maxes[c]) - factors[c]
};

template <class Scalar>
struct TypedKernels {
  // `rows` contiguous rows of `row_length` elements: row r is input[r * row_length ...].
  using RowsKernel = void (*)(const Scalar* input, Scalar* output, size_t rows, size_t row_length);
  // The same, writing the output once with stores that bypass the caches (for results too large to
  // stay cached); scratch holds row_length elements for softmax rows up to kStreamingMaxRowBytes (it
  // is unused otherwise). Bitwise the same results as RowsKernel, but for log-softmax rows longer
  // than that, whose max and sum run chunk by chunk (the same up to rounding).
  using StreamingRowsKernel = void (*)(const Scalar* input, Scalar* output, size_t rows, size_t row_length,
                                       Scalar* scratch);
  // Columns [0, columns) of one {dim_size, inner} slice: element (k, c) is input[k * inner + c].
  using ColumnsKernel = void (*)(const Scalar* input, Scalar* output, size_t dim_size, size_t inner,
                                 size_t columns);

  // Pieces of one row, for splitting a long row across threads:
  // the stats of a segment, also writing e^(x - segment max) to exp_output unless it is null;
  using SegmentStatsKernel = SegmentStats (*)(const Scalar* input, Scalar* exp_output, size_t length);
  // data = data * factor;
  using ScaleKernel = void (*)(Scalar* data, size_t length, Scalar factor);
  // output = (input - max) - log_sum.
  using LogNormalizeKernel = void (*)(const Scalar* input, Scalar* output, size_t length, Scalar max, Scalar log_sum);

  // Row segments of columns, for splitting the reduced dim of a slice across threads (element (k, c)
  // is at k * inner + c; `rows` rows of columns [0, columns)):
  // each column's max and sum of e^(x - max) into stats[c], also writing the exponentials to
  // exp_output unless it is null (stream_output: the job's output is too large for the caches);
  using ColumnStatsKernel = void (*)(const Scalar* input, Scalar* exp_output, size_t rows, size_t inner,
                                     size_t columns, bool stream_output, SegmentStats* stats);
  // the output as `what` says (maxes unused for kScaleStored); with stream_output, results from the
  // input are written with stores that bypass the caches where the set and the output's alignment allow.
  using ColumnApplyKernel = void (*)(const Scalar* input, Scalar* output, size_t rows, size_t inner, size_t columns,
                                     const Scalar* maxes, const Scalar* factors, ColumnApply what,
                                     bool stream_output);

  RowsKernel softmax_rows;
  RowsKernel log_softmax_rows;
  StreamingRowsKernel softmax_rows_streaming;
  StreamingRowsKernel log_softmax_rows_streaming;
  ColumnsKernel softmax_columns;
  ColumnsKernel log_softmax_columns;
  // softmax_columns and log_softmax_columns, writing the output with stores that bypass the caches
  // where the set and the output's alignment allow (for results too large to stay cached), and for
  // softmax where a panel's exponentials are worth computing twice. Bitwise the same results.
  ColumnsKernel softmax_columns_streaming;
  ColumnsKernel log_softmax_columns_streaming;
  SegmentStatsKernel segment_stats;
  ScaleKernel scale;
  LogNormalizeKernel log_normalize;
  ColumnStatsKernel column_segment_stats;
  ColumnApplyKernel column_segment_apply;
};

struct KernelSet {
  const char* isa;  // "scalar", "avx2", "avx512" or "neon"
  TypedKernels<float> f32;
  TypedKernels<double> f64;
};

// One accessor per kernel set compiled into this build; each lives in its own translation unit
// (kernels/<isa>/), compiled with that instruction set's flags and nothing else.
const KernelSet& scalar_kernel_set();
#if defined(SIMD_SOFTMAX_HAVE_AVX2)
const KernelSet& avx2_kernel_set();
#endif
#if defined(SIMD_SOFTMAX_HAVE_AVX512)
const KernelSet& avx512_kernel_set();
#endif
#if defined(SIMD_SOFTMAX_HAVE_NEON)
const KernelSet& neon_kernel_set();
#endif

}  // namespace simd_softmax

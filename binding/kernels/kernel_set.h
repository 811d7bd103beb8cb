// The table of kernels one instruction set provides. A kernel set is chosen once, at load time,
// by dispatch/kernel_dispatch.cc; callers only see these function pointers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace simd_softmax {

// Half-precision elements as they sit in memory: the bits of an IEEE binary16 number and of a
// bfloat16 (the top half of a float32). Kernels widen them to float32 on load and round to nearest
// even on store; distinct types so that the two tables cannot be confused.
struct Float16 {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

// The type an element is computed in: itself for float32 and float64, float32 for half precision.
template <class Element>
struct ComputeOf {
  using type = Element;
};
template <>
struct ComputeOf<Float16> {
  using type = float;
};
template <>
struct ComputeOf<BFloat16> {
  using type = float;
};
template <class Element>
using Compute = typename ComputeOf<Element>::type;

// Whether a softmax may keep its exponentials in the output: only where the output holds them
// exactly (storing them in half precision would round every result twice).
template <class Element>
constexpr bool kStoresExpInOutput = sizeof(Element) == sizeof(Compute<Element>);

// The max of a row segment and the sum of e^(x - max) over it: segments of one row merge
// associatively, (m1, s1) + (m2, s2) = (M, s1 e^(m1 - M) + s2 e^(m2 - M)) with M = max(m1, m2).
struct SegmentStats {
  double max;   // NaN is ignored; -inf when the segment holds only -inf and NaN
  double sum;   // NaN when the segment holds NaN or +inf, or when max is -inf
  double rest;  // half precision: the sum without its terms equal to 1 (see log_of_sum); else unused
};

// What a job's options do to the elements a kernel reads, before the softmax: each element x becomes
// x / temperature (in the compute type, rounded to the element type, as torch divides a tensor of
// that dtype), then -inf where its mask byte is 0 (it takes no part). The mask byte of element
// (k, c) of a kernel's input (row k, element or column c) is mask[k * mask_row_stride + c * mask_step].
// Kernels take a pointer to one; null reads the input as it is.
struct InputFilter {
  const uint8_t* mask;     // null: every element takes part
  size_t mask_step;        // 0 (one byte for every element of a row) or 1
  size_t mask_row_stride;  // from one row's mask bytes to the next's (0: the rows share them)
  double temperature;      // already rounded to the element type; 1: no division (x / 1 is x)
};

// What the last phase over a segment of columns writes (SegmentKernels::column_apply).
enum class ColumnApply {
  kScaleStored,  // softmax: output = output * factors[c], the exponentials phase 1 stored, rescaled
                 // (float32 and float64 only: see kStoresExpInOutput)
  kSoftmax,      // output = e^(input - maxes[c]) * factors[c]
  kLogSoftmax,   // output = (input - maxes[c]) - factors[c]
};

// The kernels of one op (softmax or log-softmax) on vectors of one width, for elements of one
// dtype (Scalar: float, double, Float16 or BFloat16). Each computes; none chooses: the planner
// (core/planner.h) decides which runs for a job. Entries an op does not have are null. Every kernel
// that reads the input takes a filter last (see InputFilter; null for plain jobs).
template <class Scalar>
struct OpKernels {
  // `rows` rows, row_stride elements apart: row r is input[r * row_stride ...], of row_length + r *
  // growth elements, at most row_stride. Growth 1 (the rows of a causal mask): each row's elements
  // past its length are written too (NaN where the row is NaN, else 0, log-softmax -inf). Growth 0
  // with row_length < row_stride: the first elements of longer rows, whose others the caller writes.
  using RowsKernel = void (*)(const Scalar* input, Scalar* output, size_t rows, size_t row_length, size_t row_stride,
                              size_t growth, const InputFilter* filter);
  // The same, with scratch of row_length compute elements where the plan has scratch_elements
  // (softmax whose exponentials cannot stay in the output), else null.
  using ScratchRowsKernel = void (*)(const Scalar* input, Scalar* output, size_t rows, size_t row_length,
                                     size_t row_stride, size_t growth, Compute<Scalar>* scratch,
                                     const InputFilter* filter);
  // Columns [0, columns) of one {dim_size, inner} slice: element (k, c) is input[k * inner + c].
  using ColumnsKernel = void (*)(const Scalar* input, Scalar* output, size_t dim_size, size_t inner,
                                 size_t columns, const InputFilter* filter);

  RowsKernel rows_single_vector;      // rows of at most `lanes` elements, each kept in a register
  ScratchRowsKernel rows_three_pass;  // any row: max; sum of exp (softmax storing it); normalise
  ScratchRowsKernel rows_streamed;    // as three_pass, the output written once with streaming stores
  RowsKernel rows_streamed_chunked;   // log-softmax only: streamed, max and sum in one chunked sweep
  ColumnsKernel columns_three_pass;   // three passes per block of columns, plain stores
  ColumnsKernel columns_streamed;     // log-softmax only: three passes, panels streamed
  ColumnsKernel columns_chunked;      // max and sum in one chunked sweep, then the results from the input
  ColumnsKernel columns_chunked_streamed;  // columns_chunked with panels streamed
};

// The kernels of one dtype on vectors of one width, and what the planner needs to know of that width.
template <class Scalar>
struct KernelWidth {
  size_t lanes;             // elements per vector
  size_t stream_alignment;  // bytes a streaming store's address must be a multiple of
  bool streams_columns;     // whether column panels can be streamed (the set joins shifted vectors)
  OpKernels<Scalar> softmax;
  OpKernels<Scalar> log_softmax;
};

// Pieces of one line, for splitting it across threads (core/parallel_job.cc merges them).
template <class Scalar>
struct SegmentKernels {
  // The stats of a row segment, also writing e^(x - segment max) to exp_output unless it is null.
  using RowStatsKernel = SegmentStats (*)(const Scalar* input, Scalar* exp_output, size_t length,
                                          const InputFilter* filter);
  // data = data * factor (the exponentials row_stats stored; null where kStoresExpInOutput is false).
  using ScaleKernel = void (*)(Scalar* data, size_t length, Compute<Scalar> factor);
  // output = e^(input - max) * factor, the exponentials computed again.
  using SoftmaxApplyKernel = void (*)(const Scalar* input, Scalar* output, size_t length, Compute<Scalar> max,
                                      Compute<Scalar> factor, const InputFilter* filter);
  // output = (input - max) - log_sum.
  using LogNormalizeKernel = void (*)(const Scalar* input, Scalar* output, size_t length, Compute<Scalar> max,
                                      Compute<Scalar> log_sum, const InputFilter* filter);
  // Row segments of columns (element (k, c) at k * inner + c; `rows` rows of columns [0, columns)):
  // each column's max and sum of e^(x - max) into stats[c], also writing the exponentials to
  // exp_output unless it is null; `chunked` (exp_output null) sweeps max and sum in one pass.
  using ColumnStatsKernel = void (*)(const Scalar* input, Scalar* exp_output, size_t rows, size_t inner,
                                     size_t columns, bool chunked, SegmentStats* stats, const InputFilter* filter);
  // The output as `what` says (maxes unused for kScaleStored); `streamed`: whole panels from the
  // input with streaming stores (the output must allow it: KernelWidth::streams_columns and alignment).
  using ColumnApplyKernel = void (*)(const Scalar* input, Scalar* output, size_t rows, size_t inner, size_t columns,
                                     const Compute<Scalar>* maxes, const Compute<Scalar>* factors, ColumnApply what,
                                     bool streamed, const InputFilter* filter);

  RowStatsKernel row_stats;
  ScaleKernel scale;
  SoftmaxApplyKernel softmax_from_input;
  LogNormalizeKernel log_normalize;
  ColumnStatsKernel column_stats;
  ColumnApplyKernel column_apply;
};

template <class Scalar>
struct TypedKernels {
  KernelWidth<Scalar> wide;    // the set's own vectors
  KernelWidth<Scalar> narrow;  // a narrower vector of the same ISA (AVX2's in the avx512 set), else = wide
  SegmentKernels<Scalar> segments;  // on wide vectors
};

struct KernelSet {
  const char* isa;  // "scalar", "avx2", "avx512", "avx512_bf16" or "neon"
  TypedKernels<float> f32;
  TypedKernels<double> f64;
  TypedKernels<Float16> f16;
  TypedKernels<BFloat16> bf16;
  // How bfloat16 stores round: "native" (AVX512-BF16's VCVTNEPS2BF16) or "integer" (bit arithmetic).
  const char* bf16_rounding;
};

// One accessor per kernel set compiled into this build; each lives in its own translation unit
// (kernels/<isa>/), compiled with that instruction set's flags and nothing else.
const KernelSet& scalar_kernel_set();
#if defined(SIMD_SOFTMAX_HAVE_AVX2)
const KernelSet& avx2_kernel_set();
#endif
#if defined(SIMD_SOFTMAX_HAVE_AVX512)
const KernelSet& avx512_kernel_set();
const KernelSet& avx512_bf16_kernel_set();  // avx512 with AVX512-BF16 bfloat16 stores
#endif
#if defined(SIMD_SOFTMAX_HAVE_NEON)
const KernelSet& neon_kernel_set();
#endif

}  // namespace simd_softmax

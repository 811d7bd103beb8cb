// Every float32 and float64 kernel of every kernel set this CPU runs, called directly (XNNPACK's way;
// half_kernel_tests.cc covers float16 and bfloat16): both dtypes, both
// vector widths, both ops, at sizes below, at and above each vector width, unroll step, sum block,
// chunk and panel, at odd alignments, rows and columns, the streamed and chunked variants at small
// sizes, and the segment kernels. Each result is checked against a long double reference with
// torch's special-value semantics and against the scalar set's same kernel. Then whole jobs run
// through the planner with its thresholds shrunk (PlannerLimits), so that every split (row and
// column segments merged across threads) runs at small sizes on 1 to 3 threads. Run by ctest.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/parallel_job.h"
#include "core/planner.h"
#include "dispatch/kernel_dispatch.h"
#include "kernels/kernel_set.h"
#include "kernels/tuning.h"
#include "test_support.h"
#include "threads/thread_pool.h"

namespace {

using namespace simd_softmax;
using test_support::check;
using test_support::close_to;
using test_support::fill;
using test_support::around;
using test_support::reference_line;

std::mt19937_64 random_engine(20261203);

template <class Scalar>
const TypedKernels<Scalar>& typed(const KernelSet& set) {
  if constexpr (sizeof(Scalar) == 4) {
    return set.f32;
  } else {
    return set.f64;
  }
}

template <class Scalar>
const char* dtype_name() {
  return sizeof(Scalar) == 4 ? "float32" : "float64";
}

// One case's description, for failure messages.
struct Case {
  std::string what;
};

// Checks a computed block of lines: line l starts at l_first(l), has `length` elements at `stride`.
// Compares against the reference and, for every element, against the scalar set's output.
template <class Scalar>
void check_lines(const Case& c, const std::vector<Scalar>& input, const Scalar* got, const Scalar* scalar_got,
                 size_t first_offset, size_t lines, size_t line_step, size_t length, size_t stride, bool log,
                 double scale) {
  size_t bad_reference = 0, bad_scalar = 0;
  for (size_t l = 0; l < lines; ++l) {
    const size_t start = first_offset + l * line_step;
    const auto want = reference_line(input.data() + start, length, stride, log);
    for (size_t k = 0; k < length; ++k) {
      const size_t at = start + k * stride;
      if (!close_to(got[at], want[k], log, scale)) {
        if (bad_reference++ == 0) {
          check(false, c.what + ": element " + std::to_string(at) + " = " + std::to_string(got[at]) + ", exact " +
                           std::to_string(static_cast<double>(want[k])));
        }
      }
      if (scalar_got != nullptr && !close_to(got[at], static_cast<long double>(scalar_got[at]), log, 2 * scale)) {
        if (bad_scalar++ == 0) {
          check(false, c.what + ": element " + std::to_string(at) + " = " + std::to_string(got[at]) + ", scalar set " +
                           std::to_string(scalar_got[at]));
        }
      }
    }
  }
  check(bad_reference == 0, c.what + " against the exact result");
  check(bad_scalar == 0, c.what + " against the scalar set");
}

enum class RowVariant { kSingleVector, kThreePass, kStreamed, kStreamedChunked };

template <class Scalar>
void run_rows(const OpKernels<Scalar>& op, RowVariant variant, const Scalar* input, Scalar* output, size_t rows,
              size_t length) {
  std::vector<Scalar> scratch(length);
  switch (variant) {
    case RowVariant::kSingleVector: return op.rows_single_vector(input, output, rows, length, length, 0, nullptr);
    case RowVariant::kThreePass: return op.rows_three_pass(input, output, rows, length, length, 0, nullptr, nullptr);
    case RowVariant::kStreamed: return op.rows_streamed(input, output, rows, length, length, 0, scratch.data(), nullptr);
    case RowVariant::kStreamedChunked: return op.rows_streamed_chunked(input, output, rows, length, length, 0, nullptr);
  }
}

// The rows kernels of one width and op.
template <class Scalar>
void test_rows(const KernelSet& set, bool narrow, bool log) {
  const KernelWidth<Scalar>& width = narrow ? typed<Scalar>(set).narrow : typed<Scalar>(set).wide;
  const KernelWidth<Scalar>& scalar_width = typed<Scalar>(scalar_kernel_set()).wide;
  const OpKernels<Scalar>& op = log ? width.log_softmax : width.softmax;
  const OpKernels<Scalar>& scalar_op = log ? scalar_width.log_softmax : scalar_width.softmax;
  const size_t lanes = width.lanes;
  const size_t chunk = kRowChunkBytes / sizeof(Scalar);
  struct VariantSizes {
    RowVariant variant;
    const char* name;
    std::vector<size_t> sizes;
  };
  std::vector<VariantSizes> variants;
  std::vector<size_t> single;
  for (size_t n = 1; n <= lanes; ++n) single.push_back(n);
  variants.push_back({RowVariant::kSingleVector, "rows.single_vector", single});
  const std::vector<size_t> general = around({1, lanes, 2 * lanes, kUnroll * lanes, 2 * kUnroll * lanes,
                                              kVectorsPerSumBlock * lanes, 2 * kVectorsPerSumBlock * lanes + 3});
  variants.push_back({RowVariant::kThreePass, "rows.three_pass", general});
  variants.push_back({RowVariant::kStreamed, "rows.streamed", general});
  if (log) variants.push_back({RowVariant::kStreamedChunked, "rows.streamed_chunked", around({1, lanes, 100, chunk, 2 * chunk + 7})});
  for (const auto& v : variants) {
    for (size_t length : v.sizes) {
      for (size_t rows : {size_t{1}, size_t{3}}) {
        for (size_t offset : {size_t{0}, size_t{1}}) {
          for (double special_rate : {0.0, 0.05}) {
            const double scale = length % 2 ? 1.0 : 30.0;
            const size_t count = rows * length;
            std::vector<Scalar> input(count + offset);
            fill(input, random_engine, scale, special_rate);
            std::vector<Scalar> output(count + offset, Scalar(-7)), scalar_output(count + offset, Scalar(-7));
            run_rows(op, v.variant, input.data() + offset, output.data() + offset, rows, length);
            run_rows(scalar_op, v.variant == RowVariant::kSingleVector ? RowVariant::kThreePass : v.variant,
                     input.data() + offset, scalar_output.data() + offset, rows, length);
            const Case c{std::string(set.isa) + " " + dtype_name<Scalar>() + (narrow ? " narrow " : " wide ") +
                         (log ? "log_softmax " : "softmax ") + v.name + " rows " + std::to_string(rows) + " x " +
                         std::to_string(length) + " offset " + std::to_string(offset) +
                         (special_rate > 0 ? " with specials" : "")};
            check_lines(c, input, output.data(), scalar_output.data(), offset, rows, length, length, 1, log, scale);
            check(offset == 0 || output[0] == Scalar(-7), c.what + ": nothing written before the output");
          }
        }
      }
    }
  }
}

enum class ColumnVariant { kThreePass, kStreamed, kChunked, kChunkedStreamed };

template <class Scalar>
typename OpKernels<Scalar>::ColumnsKernel columns_kernel(const OpKernels<Scalar>& op, ColumnVariant variant) {
  switch (variant) {
    case ColumnVariant::kThreePass: return op.columns_three_pass;
    case ColumnVariant::kStreamed: return op.columns_streamed;
    case ColumnVariant::kChunked: return op.columns_chunked;
    case ColumnVariant::kChunkedStreamed: return op.columns_chunked_streamed;
  }
  return nullptr;
}

// The columns kernels of one width and op: whole slices and ranges of columns within them.
template <class Scalar>
void test_columns(const KernelSet& set, bool narrow, bool log) {
  const KernelWidth<Scalar>& width = narrow ? typed<Scalar>(set).narrow : typed<Scalar>(set).wide;
  const OpKernels<Scalar>& op = log ? width.log_softmax : width.softmax;
  const OpKernels<Scalar>& scalar_op = log ? typed<Scalar>(scalar_kernel_set()).wide.log_softmax
                                           : typed<Scalar>(scalar_kernel_set()).wide.softmax;
  const size_t lanes = width.lanes;
  const size_t panel = kColumnPanelBytes / sizeof(Scalar);
  const size_t block = kColumnBlockMaxBytes / sizeof(Scalar);
  const size_t align_elements = width.stream_alignment / sizeof(Scalar);
  const char* names[] = {"columns.three_pass", "columns.streamed", "columns.chunked", "columns.chunked_streamed"};
  for (ColumnVariant variant : {ColumnVariant::kThreePass, ColumnVariant::kStreamed, ColumnVariant::kChunked,
                                ColumnVariant::kChunkedStreamed}) {
    const auto kernel = columns_kernel(op, variant);
    const bool streamed = variant == ColumnVariant::kStreamed || variant == ColumnVariant::kChunkedStreamed;
    if (kernel == nullptr) {
      check(!width.streams_columns || (variant == ColumnVariant::kStreamed && !log),
            std::string(set.isa) + " " + names[static_cast<int>(variant)] + " is missing");
      continue;
    }
    // Streamed kernels need rows that share one alignment: widths a multiple of it.
    std::vector<size_t> inners = streamed ? std::vector<size_t>{align_elements, 2 * align_elements, panel, panel + align_elements}
                                          : around({1, lanes, 2 * lanes, block, panel, panel + block});
    for (size_t inner : inners) {
      for (size_t dim : {size_t{1}, size_t{2}, size_t{5}, kChunkRows - 1, kChunkRows, kChunkRows + 1, size_t{2 * kChunkRows + 3}}) {
        // The whole slice, and a range of columns that starts and ends inside it.
        for (bool part : {false, true}) {
          if (part && inner < 3) continue;
          // Offsets in whole elements keep streamed rows aligned alike; others try odd alignments.
          for (size_t offset : {size_t{0}, size_t{1}}) {
            const size_t first_column = part ? (streamed ? 0 : 1) : 0;
            const size_t columns = part ? inner - first_column - 1 : inner;
            const double special_rate = dim % 2 ? 0.03 : 0.0;
            const double scale = inner % 2 ? 1.0 : 30.0;
            const size_t count = dim * inner;
            std::vector<Scalar> input(count + offset);
            fill(input, random_engine, scale, special_rate);
            std::vector<Scalar> output(count + offset, Scalar(-7)), scalar_output(count + offset, Scalar(-7));
            const size_t start = offset + first_column;
            kernel(input.data() + start, output.data() + start, dim, inner, columns, nullptr);
            scalar_op.columns_three_pass(input.data() + start, scalar_output.data() + start, dim, inner, columns, nullptr);
            const Case c{std::string(set.isa) + " " + dtype_name<Scalar>() + (narrow ? " narrow " : " wide ") +
                         (log ? "log_softmax " : "softmax ") + names[static_cast<int>(variant)] + " dim " +
                         std::to_string(dim) + " inner " + std::to_string(inner) + " columns [" +
                         std::to_string(first_column) + ", " + std::to_string(first_column + columns) + ") offset " +
                         std::to_string(offset)};
            check_lines(c, input, output.data(), scalar_output.data(), start, columns, 1, dim, inner, log, scale);
            // Columns outside the range stay untouched.
            bool untouched = true;
            for (size_t k = 0; k < dim; ++k) {
              for (size_t col = 0; col < inner; ++col) {
                if (col >= first_column && col < first_column + columns) continue;
                untouched = untouched && output[offset + k * inner + col] == Scalar(-7);
              }
            }
            check(untouched, c.what + ": columns outside the range untouched");
          }
        }
      }
    }
  }
}

// The pieces of a split line: row stats, scaling and normalising, directly.
template <class Scalar>
void test_segment_kernels(const KernelSet& set) {
  const SegmentKernels<Scalar>& kernels = typed<Scalar>(set).segments;
  const size_t lanes = typed<Scalar>(set).wide.lanes;
  for (size_t length : around({1, lanes, kUnroll * lanes, kVectorsPerSumBlock * lanes, 1000})) {
    std::vector<Scalar> input(length), exps(length), output(length);
    fill(input, random_engine, 10.0, length % 3 == 0 ? 0.02 : 0.0);
    const SegmentStats stats = kernels.row_stats(input.data(), exps.data(), length, nullptr);
    long double max = -INFINITY, sum = 0;
    bool nan = false;
    for (Scalar x : input) {
      nan = nan || std::isnan(x) || x == INFINITY;
      if (x > max) max = x;
    }
    for (Scalar x : input) sum += std::exp(static_cast<long double>(x) - max);
    const std::string what = std::string(set.isa) + " " + dtype_name<Scalar>() + " segments.row_stats length " + std::to_string(length);
    if (nan) {
      check(std::isnan(stats.sum), what + ": NaN or +inf poisons the sum");
    } else if (max != -INFINITY) {
      check(stats.max == static_cast<double>(max), what + ": the max");
      check(std::fabs(stats.sum - sum) <= 1e-5L * sum, what + ": the sum of exponentials");
      bool exps_ok = true;
      for (size_t i = 0; i < length; ++i) exps_ok = exps_ok && close_to(exps[i], std::exp(static_cast<long double>(input[i]) - max), false, 10.0);
      check(exps_ok, what + ": the stored exponentials");
      // Scaling the exponentials by 1 / sum gives the softmax; normalising gives the log-softmax.
      kernels.scale(exps.data(), length, static_cast<Scalar>(1.0 / stats.sum));
      kernels.log_normalize(input.data(), output.data(), length, static_cast<Scalar>(stats.max),
                            static_cast<Scalar>(std::log(stats.sum)), nullptr);
      const auto softmax = reference_line(input.data(), length, 1, false);
      const auto log_softmax = reference_line(input.data(), length, 1, true);
      bool scaled = true, normalized = true;
      for (size_t i = 0; i < length; ++i) {
        scaled = scaled && close_to(exps[i], softmax[i], false, 10.0);
        normalized = normalized && close_to(output[i], log_softmax[i], true, 10.0);
      }
      check(scaled, what + ": segments.scale");
      check(normalized, what + ": segments.log_normalize");
    }
  }
}

// Whole jobs through the planner with its thresholds shrunk, so that streamed, chunked and split
// variants (and the merge of split rows and reduced dims) run at small sizes, on 1 to 3 threads.
template <class Scalar>
void test_planned_jobs(const KernelSet& set) {
  const test_support::JobShape shapes[] = {{1, 3000, 1},   {2, 5000, 1}, {3, 70, 1},    {1, 1, 1},  {1, 700, 48},
                                           {1, 300, 1024}, {2, 90, 17},  {1, 50, 2048}, {4, 3, 33}, {1, 4096, 16}};
  ThreadPool& pool = ThreadPool::shared();
  test_support::for_each_planned_case(shapes, [&](const test_support::JobShape& shape, bool log, size_t threads,
                                                  bool with_specials) {
    const size_t count = shape.outer * shape.dim * shape.inner;
    std::vector<Scalar> input(count), output(count, Scalar(-7));
    fill(input, random_engine, 5.0, with_specials ? 0.01 : 0.0);
    // A line of only -inf inside a long row: a split segment of nothing must merge right.
    if (with_specials && shape.inner == 1 && shape.dim > 200) {
      for (size_t k = 0; k < 200; ++k) input[k] = -INFINITY;
    }
    SoftmaxJob job{log ? Op::kLogSoftmax : Op::kSoftmax, sizeof(Scalar) == 4 ? Dtype::kFloat32 : Dtype::kFloat64,
                   input.data(), output.data(), shape.outer, shape.dim, shape.inner};
    PlanRequest request{job, threads, test_support::tiny_planner_limits()};
    const Plan plan = plan_job(request, set);
    pool.set_threads(threads);
    run_plan(job, set, plan, pool);
    const Case c{std::string(set.isa) + " " + dtype_name<Scalar>() + (log ? " log_softmax " : " softmax ") + "job [" +
                 std::to_string(shape.outer) + ", " + std::to_string(shape.dim) + ", " + std::to_string(shape.inner) +
                 "] on " + std::to_string(threads) + " threads as " + variant_name(plan.variant) + " split " +
                 split_name(plan.split) + (with_specials ? " with specials" : "")};
    for (size_t o = 0; o < shape.outer; ++o) {
      check_lines(c, input, output.data(), static_cast<const Scalar*>(nullptr), o * shape.dim * shape.inner,
                  shape.inner, 1, shape.dim, shape.inner, log, 5.0);
    }
  });
}

template <class Scalar>
void test_set(const KernelSet& set) {
  for (bool narrow : {false, true}) {
    for (bool log : {false, true}) {
      test_rows<Scalar>(set, narrow, log);
      test_columns<Scalar>(set, narrow, log);
    }
  }
  test_segment_kernels<Scalar>(set);
  test_planned_jobs<Scalar>(set);
}

}  // namespace

int main() {
  test_support::TablesSeen tables;
  for (const KernelSet* set : runnable_kernel_sets()) {
    const size_t failed_before = test_support::counts().failed;
    if (tables.first_time(set->f32.wide.softmax.rows_three_pass)) test_set<float>(*set);
    if (tables.first_time(set->f64.wide.softmax.rows_three_pass)) test_set<double>(*set);
    std::printf("kernel set %s: %s\n", set->isa, test_support::counts().failed == failed_before ? "ok" : "FAILED");
  }
  return test_support::finish("kernel_tests");
}

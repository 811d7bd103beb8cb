// Options read through a filter (mask and temperature): every kernel of every set, called directly
// at its vector-width tails and through planned jobs (the planner's thresholds shrunk so that every
// variant and split runs), gives the same bits as the same kernel or job reading the filtered values
// from memory (masked elements -inf, x / T). Masks that keep nothing, one element, everything and
// random patterns; masks shared by rows (row stride 0) and broadcast along a line (step 0). Causal
// jobs against the exact softmax of each row's first elements, with diagonals below 0, 0 and past
// the row's end, and fully masked lines under fullyMasked 'zero'.
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/job_options.h"
#include "core/parallel_job.h"
#include "core/planner.h"
#include "dispatch/kernel_dispatch.h"
#include "kernels/kernel_set.h"
#include "test_support.h"
#include "threads/thread_pool.h"

namespace {

using namespace simd_softmax;
using test_support::around;
using test_support::check;

std::mt19937_64 random_engine(20261204);

// Elements as doubles and back (values the element type holds exactly), and their bits compared.
double value_of(float x) { return x; }
double value_of(double x) { return x; }
double value_of(Float16 x) {
  const int exponent = (x.bits >> 10) & 0x1f, mantissa = x.bits & 0x3ff;
  const double sign = x.bits & 0x8000 ? -1.0 : 1.0;
  if (exponent == 0x1f) return mantissa ? NAN : sign * INFINITY;
  return sign * (exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(1024 + mantissa, exponent - 25));
}
double value_of(BFloat16 x) {
  const uint32_t bits = static_cast<uint32_t>(x.bits) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
template <class Element>
Element element_of(double value) {
  if constexpr (std::is_same_v<Element, Float16>) {
    // Truncated to the format's precision: exact for the values it holds, which is all the test asks.
    const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
    const double magnitude = std::fabs(value);
    if (std::isnan(value)) return Float16{0x7e00};
    if (magnitude >= 65536.0) return Float16{static_cast<uint16_t>(sign | 0x7c00)};
    if (magnitude < std::ldexp(1.0, -14)) return Float16{static_cast<uint16_t>(sign | static_cast<uint16_t>(magnitude * 16777216.0))};
    int exponent;
    const double fraction = std::frexp(magnitude, &exponent);  // magnitude = fraction * 2^exponent, fraction in [0.5, 1)
    const uint16_t mantissa = static_cast<uint16_t>((fraction * 2048.0)) & 0x3ff;
    return Float16{static_cast<uint16_t>(sign | ((exponent + 14) << 10) | mantissa)};
  } else if constexpr (std::is_same_v<Element, BFloat16>) {
    const float f = static_cast<float>(value);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return BFloat16{static_cast<uint16_t>(bits >> 16)};  // truncation: inputs need not be rounded
  } else {
    return static_cast<Element>(value);
  }
}
// The same bits, or both NaN (a NaN's sign depends on which operation made it first).
template <class Element>
bool same_bits(const std::vector<Element>& a, const std::vector<Element>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(Element)) != 0 && !(std::isnan(value_of(a[i])) && std::isnan(value_of(b[i])))) {
      return false;
    }
  }
  return a.size() == b.size();
}

// Within a rounding or two of each other (rows computed over a kept range sum in another order than
// the same rows with -inf around it): the same special values, and finite values within the
// dtype's few ulps (log-softmax relative to max(1, |want|)).
template <class Element>
bool close_values(const std::vector<Element>& got, const std::vector<Element>& want, bool log) {
  const double tolerance = std::is_same_v<Element, double> ? 1e-13 : std::is_same_v<Element, float> ? 1e-5
                           : std::is_same_v<Element, Float16> ? 2e-3 : 1.6e-2;
  for (size_t i = 0; i < got.size(); ++i) {
    const double a = value_of(got[i]), b = value_of(want[i]);
    if (std::isnan(a) || std::isnan(b) || std::isinf(a) || std::isinf(b) || b == 0) {
      if (!(a == b || (std::isnan(a) && std::isnan(b)) || (b == 0 && std::fabs(a) < 1e-300))) return false;
      continue;
    }
    if (std::fabs(a - b) > tolerance * (log ? std::max(1.0, std::fabs(b)) : std::fabs(b)) + 1e-300) return false;
  }
  return got.size() == want.size();
}

template <class Element>
const TypedKernels<Element>& typed(const KernelSet& set) {
  if constexpr (std::is_same_v<Element, float>) return set.f32;
  else if constexpr (std::is_same_v<Element, double>) return set.f64;
  else if constexpr (std::is_same_v<Element, Float16>) return set.f16;
  else return set.bf16;
}
template <class Element>
const char* dtype_name() {
  if constexpr (std::is_same_v<Element, float>) return "float32";
  else if constexpr (std::is_same_v<Element, double>) return "float64";
  else if constexpr (std::is_same_v<Element, Float16>) return "float16";
  else return "bfloat16";
}

// Temperatures whose quotients every dtype holds exactly for the test's inputs (half precision), or
// that round (float32 and float64: divided here as the kernels divide).
template <class Element>
std::vector<double> temperatures() {
  if constexpr (sizeof(Element) == 2) return {1.0, 0.5};
  else return {1.0, 0.5, 0.7};
}

// x / T in the compute type, as an element: what the filter reads.
template <class Element>
Element divided(Element x, double temperature) {
  if (temperature == 1.0) return x;
  if constexpr (std::is_same_v<Element, double>) return x / temperature;
  else return element_of<Element>(static_cast<float>(value_of(x)) / static_cast<float>(temperature));
}

template <class Element>
std::vector<Element> random_input(size_t count) {
  std::normal_distribution<double> normal(0.0, 4.0);
  std::vector<Element> input(count);
  for (Element& x : input) x = element_of<Element>(normal(random_engine));
  return input;
}

// Mask bytes: keep nothing, one element, everything, about half at random (nonzero bytes vary), or
// one range (a padding mask: what the executors compute as a shorter row).
std::vector<uint8_t> mask_bytes(size_t count, int pattern) {
  std::vector<uint8_t> mask(count, 0);
  std::uniform_int_distribution<int> byte(1, 255);
  for (size_t i = 0; i < count; ++i) {
    if (pattern == 2) mask[i] = static_cast<uint8_t>(byte(random_engine));
    if (pattern == 3) mask[i] = random_engine() % 2 ? static_cast<uint8_t>(byte(random_engine)) : 0;
  }
  if (pattern == 1 && count > 0) mask[random_engine() % count] = 1;
  if (pattern == 4 && count > 0) {
    const size_t first = random_engine() % count, last = first + random_engine() % (count - first + 1);
    std::fill(mask.begin() + first, mask.begin() + last, uint8_t{3});
  }
  return mask;
}
const char* pattern_name(int pattern) {
  static const char* names[] = {"none kept", "one kept", "all kept", "random", "one range"};
  return names[pattern];
}

// The values a filter reads, in memory: element (k, c) of `rows` rows of `length` (row k at
// input[k * length]), -inf where its mask byte (mask[k * row_stride + c * step]) is 0, else x / T.
template <class Element>
std::vector<Element> filtered_values(const std::vector<Element>& input, const std::vector<uint8_t>& mask, size_t rows,
                                     size_t length, size_t row_stride, size_t step, double temperature) {
  std::vector<Element> filtered(rows * length);
  for (size_t k = 0; k < rows; ++k) {
    for (size_t c = 0; c < length; ++c) {
      const bool kept = mask[k * row_stride + c * step] != 0;
      filtered[k * length + c] = kept ? divided(input[k * length + c], temperature) : element_of<Element>(-INFINITY);
    }
  }
  return filtered;
}

// Rows kernels at the tails of their width: rows whose mask rows are apart (row stride n) or shared
// (row stride 0), and a mask broadcast along each row (step 0, one byte per row).
template <class Element>
void test_rows(const KernelSet& set, bool narrow, bool log) {
  const KernelWidth<Element>& width = narrow ? typed<Element>(set).narrow : typed<Element>(set).wide;
  const OpKernels<Element>& op = log ? width.log_softmax : width.softmax;
  const size_t lanes = width.lanes;
  constexpr size_t kRows = 3;
  for (size_t n : around({1, lanes, 2 * lanes, 4 * lanes, 4 * lanes + 3, 1024})) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      for (size_t row_stride : {n, size_t{0}}) {
        for (size_t step : {size_t{1}, size_t{0}}) {
          for (double temperature : temperatures<Element>()) {
            const std::vector<Element> input = random_input<Element>(kRows * n);
            const std::vector<uint8_t> mask = mask_bytes(kRows * n, pattern);
            const std::vector<Element> filtered = filtered_values(input, mask, kRows, n, row_stride, step, temperature);
            const InputFilter filter{mask.data(), step, row_stride, temperature};
            std::vector<Compute<Element>> scratch(n);
            struct Variant {
              const char* name;
              bool usable;
              void (*run)(const OpKernels<Element>&, const Element*, Element*, size_t, size_t, Compute<Element>*,
                          const InputFilter*);
            };
            const Variant variants[] = {
                {"rows.single_vector", n <= lanes,
                 [](const OpKernels<Element>& o, const Element* x, Element* y, size_t rows, size_t len, Compute<Element>*,
                    const InputFilter* f) { o.rows_single_vector(x, y, rows, len, len, 0, f); }},
                {"rows.three_pass", true,
                 [](const OpKernels<Element>& o, const Element* x, Element* y, size_t rows, size_t len, Compute<Element>* s,
                    const InputFilter* f) { o.rows_three_pass(x, y, rows, len, len, 0, s, f); }},
                {"rows.streamed", true,
                 [](const OpKernels<Element>& o, const Element* x, Element* y, size_t rows, size_t len, Compute<Element>* s,
                    const InputFilter* f) { o.rows_streamed(x, y, rows, len, len, 0, s, f); }},
                {"rows.streamed_chunked", log,
                 [](const OpKernels<Element>& o, const Element* x, Element* y, size_t rows, size_t len, Compute<Element>*,
                    const InputFilter* f) { o.rows_streamed_chunked(x, y, rows, len, len, 0, f); }},
            };
            for (const Variant& variant : variants) {
              if (!variant.usable) continue;
              std::vector<Element> got(kRows * n), want(kRows * n);
              variant.run(op, input.data(), got.data(), kRows, n, scratch.data(), &filter);
              variant.run(op, filtered.data(), want.data(), kRows, n, scratch.data(), nullptr);
              check(same_bits(got, want), std::string(set.isa) + " " + dtype_name<Element>() + (narrow ? " narrow " : " wide ") +
                                              (log ? "log_softmax " : "softmax ") + variant.name + " n " + std::to_string(n) +
                                              " " + pattern_name(pattern) + " row stride " + std::to_string(row_stride) +
                                              " step " + std::to_string(step) + " T " + std::to_string(temperature));
            }
          }
        }
      }
    }
  }
}

// Columns kernels and the column segment kernels: element (k, c)'s mask byte at k * row_stride +
// c * step, with the mask per element, per row (step 0), or per column (row stride 0).
template <class Element>
void test_columns(const KernelSet& set, bool narrow, bool log) {
  const KernelWidth<Element>& width = narrow ? typed<Element>(set).narrow : typed<Element>(set).wide;
  const OpKernels<Element>& op = log ? width.log_softmax : width.softmax;
  const SegmentKernels<Element>& segments = typed<Element>(set).segments;
  const size_t lanes = width.lanes;
  for (size_t inner : around({1, lanes, 3 * lanes, 8 * lanes + 1})) {
    for (size_t dim : {size_t{1}, size_t{5}, size_t{70}}) {
      for (int pattern = 0; pattern < 4; ++pattern) {
        for (int layout = 0; layout < 3; ++layout) {
          const size_t step = layout == 1 ? 0 : 1, row_stride = layout == 0 ? inner : layout == 1 ? 1 : 0;
          const double temperature = temperatures<Element>()[pattern % temperatures<Element>().size()];
          const std::vector<Element> input = random_input<Element>(dim * inner);
          const std::vector<uint8_t> mask = mask_bytes(dim * inner, pattern);
          const std::vector<Element> filtered = filtered_values(input, mask, dim, inner, row_stride, step, temperature);
          const InputFilter filter{mask.data(), step, row_stride, temperature};
          const std::string what = std::string(set.isa) + " " + dtype_name<Element>() + (narrow ? " narrow " : " wide ") +
                                   (log ? "log_softmax " : "softmax ") + "dim " + std::to_string(dim) + " inner " +
                                   std::to_string(inner) + " " + pattern_name(pattern) + " layout " + std::to_string(layout);
          for (auto kernel : {op.columns_three_pass, op.columns_chunked}) {
            std::vector<Element> got(dim * inner), want(dim * inner);
            kernel(input.data(), got.data(), dim, inner, inner, &filter);
            kernel(filtered.data(), want.data(), dim, inner, inner, nullptr);
            check(same_bits(got, want), what + (kernel == op.columns_chunked ? " columns.chunked" : " columns.three_pass"));
          }
          if (narrow) continue;
          // The segment kernels of split reduced dims: stats, then the results from the input.
          std::vector<SegmentStats> got_stats(inner), want_stats(inner);
          segments.column_stats(input.data(), nullptr, dim, inner, inner, dim > 40, got_stats.data(), &filter);
          segments.column_stats(filtered.data(), nullptr, dim, inner, inner, dim > 40, want_stats.data(), nullptr);
          bool stats_same = true;
          for (size_t c = 0; c < inner; ++c) {
            stats_same = stats_same && std::memcmp(&got_stats[c], &want_stats[c], sizeof(SegmentStats)) == 0;
          }
          check(stats_same, what + " segments.column_stats");
          std::vector<Compute<Element>> maxes(inner, Compute<Element>(0.5)), factors(inner, Compute<Element>(0.25));
          std::vector<Element> got(dim * inner), want(dim * inner);
          const ColumnApply apply = log ? ColumnApply::kLogSoftmax : ColumnApply::kSoftmax;
          segments.column_apply(input.data(), got.data(), dim, inner, inner, maxes.data(), factors.data(), apply, false, &filter);
          segments.column_apply(filtered.data(), want.data(), dim, inner, inner, maxes.data(), factors.data(), apply, false, nullptr);
          check(same_bits(got, want), what + " segments.column_apply");
        }
      }
    }
  }
}

// The row segment kernels on segments of every length around the width.
template <class Element>
void test_row_segments(const KernelSet& set) {
  const SegmentKernels<Element>& segments = typed<Element>(set).segments;
  const size_t lanes = typed<Element>(set).wide.lanes;
  for (size_t n : around({1, lanes, 4 * lanes, 1000})) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      const double temperature = temperatures<Element>()[pattern % temperatures<Element>().size()];
      const std::vector<Element> input = random_input<Element>(n);
      const std::vector<uint8_t> mask = mask_bytes(n, pattern);
      std::vector<Element> filtered(n);
      for (size_t i = 0; i < n; ++i) filtered[i] = mask[i] ? divided(input[i], temperature) : element_of<Element>(-INFINITY);
      const InputFilter filter{mask.data(), 1, 0, temperature};
      const std::string what = std::string(set.isa) + " " + dtype_name<Element>() + " n " + std::to_string(n) + " " +
                               pattern_name(pattern);
      const SegmentStats got = segments.row_stats(input.data(), nullptr, n, &filter);
      const SegmentStats want = segments.row_stats(filtered.data(), nullptr, n, nullptr);
      check(std::memcmp(&got, &want, sizeof got) == 0, what + " segments.row_stats");
      std::vector<Element> got_out(n), want_out(n);
      segments.softmax_from_input(input.data(), got_out.data(), n, 0.5f, 0.25f, &filter);
      segments.softmax_from_input(filtered.data(), want_out.data(), n, 0.5f, 0.25f, nullptr);
      check(same_bits(got_out, want_out), what + " segments.softmax_from_input");
      segments.log_normalize(input.data(), got_out.data(), n, 0.5f, 0.25f, &filter);
      segments.log_normalize(filtered.data(), want_out.data(), n, 0.5f, 0.25f, nullptr);
      check(same_bits(got_out, want_out), what + " segments.log_normalize");
    }
  }
}

// Whole jobs through the planner (thresholds shrunk: every variant and split), with a mask broadcast
// along each dim position of the {outer, dim, inner} view and a temperature, against the same job on
// the filtered values; on 1 to 3 threads.
template <class Element>
void test_planned_jobs(const KernelSet& set) {
  const test_support::JobShape shapes[] = {{1, 3000, 1}, {2, 5000, 1}, {3, 70, 1},   {1, 1, 1},     {1, 700, 48},
                                           {1, 300, 1024}, {2, 90, 17}, {1, 50, 2048}, {4, 3, 33}, {1, 4096, 16}};
  ThreadPool& pool = ThreadPool::shared();
  const Dtype dtype = std::is_same_v<Element, float>    ? Dtype::kFloat32
                      : std::is_same_v<Element, double> ? Dtype::kFloat64
                      : std::is_same_v<Element, Float16> ? Dtype::kFloat16
                                                          : Dtype::kBFloat16;
  test_support::for_each_planned_case(shapes, [&](const test_support::JobShape& shape, bool log, size_t threads, bool zero) {
    // The mask broadcast over outer (per element of each slice), over dim, or over inner.
    for (int broadcast = 0; broadcast < 3; ++broadcast) {
      const size_t count = shape.outer * shape.dim * shape.inner;
      const std::vector<Element> input = random_input<Element>(count);
      const size_t mask_outer = broadcast == 0 ? 1 : shape.outer, mask_dim = broadcast == 1 ? 1 : shape.dim,
                   mask_inner = broadcast == 2 ? 1 : shape.inner;
      // Shared by every slice: one range of each line kept (a padding mask); else random bytes.
      const std::vector<uint8_t> mask = mask_bytes(mask_outer * mask_dim * mask_inner, broadcast == 0 ? 4 : 3);
      const double temperature = temperatures<Element>().back();
      SoftmaxJob job{log ? Op::kLogSoftmax : Op::kSoftmax, dtype, input.data(), nullptr, shape.outer, shape.dim, shape.inner};
      JobOptions& options = job.options;
      options.mask.data = mask.data();
      options.mask.outer_dims = MaskDims{shape.outer > 1 ? size_t{1} : 0, {shape.outer}, {mask_outer == 1 ? 0 : mask_dim * mask_inner}};
      options.mask.dim_stride = mask_dim == 1 ? 0 : mask_inner;
      options.mask.inner_dims = MaskDims{shape.inner > 1 ? size_t{1} : 0, {shape.inner}, {mask_inner == 1 ? size_t{0} : 1}};
      options.temperature = temperature;
      options.zero_fully_masked = zero;
      std::vector<Element> filtered(count), got(count), want(count);
      for (size_t o = 0; o < shape.outer; ++o) {
        for (size_t k = 0; k < shape.dim; ++k) {
          for (size_t c = 0; c < shape.inner; ++c) {
            const size_t at = (o * shape.dim + k) * shape.inner + c;
            const size_t byte = (mask_outer == 1 ? 0 : o) * mask_dim * mask_inner + (mask_dim == 1 ? 0 : k) * mask_inner +
                                (mask_inner == 1 ? 0 : c);
            filtered[at] = mask[byte] ? divided(input[at], temperature) : element_of<Element>(-INFINITY);
          }
        }
      }
      job.output = got.data();
      PlanRequest request{job, threads, test_support::tiny_planner_limits()};
      const Plan plan = plan_job(request, set);
      pool.set_threads(threads);
      run_plan(job, set, plan, pool);
      SoftmaxJob plain{job.op, dtype, filtered.data(), want.data(), shape.outer, shape.dim, shape.inner};
      run_plan(plain, set, plan_job(PlanRequest{plain, threads, test_support::tiny_planner_limits()}, set), pool);
      // Under 'zero', lines of only -inf are what their elements give.
      if (zero) {
        for (size_t line = 0; line < shape.outer * shape.inner; ++line) {
          const size_t first = (line / shape.inner) * shape.dim * shape.inner + line % shape.inner;
          bool none = true;
          for (size_t k = 0; k < shape.dim; ++k) none = none && value_of(filtered[first + k * shape.inner]) == -INFINITY;
          if (none) fill_line(want.data() + first, shape.dim, shape.inner, dropped_fill(job));
        }
      }
      // Rows sharing a mask row that keeps one range are computed as shorter rows: close, not equal.
      const bool shorter_rows = broadcast == 0 && shape.inner == 1;
      check(shorter_rows ? close_values(got, want, log) : same_bits(got, want),
            std::string(set.isa) + " " + dtype_name<Element>() + (log ? " log_softmax" : " softmax") + " job [" + std::to_string(shape.outer) + ", " + std::to_string(shape.dim) + ", " +
                                      std::to_string(shape.inner) + "] mask broadcast over " +
                                      (broadcast == 0 ? "outer" : broadcast == 1 ? "dim" : "inner") + " on " +
                                      std::to_string(threads) + " threads as " + variant_name(plan.variant) +
                                      (zero ? " zero" : ""));
    }
  });
}

// Causal jobs: each row's first i + diagonal + 1 elements against their exact softmax, the rest 0
// (-inf), rows with none NaN or (zero) 0; as rows and as split rows.
template <class Element>
void test_causal(const KernelSet& set) {
  ThreadPool& pool = ThreadPool::shared();
  const Dtype dtype = std::is_same_v<Element, float> ? Dtype::kFloat32 : Dtype::kFloat64;
  for (size_t length : {size_t{7}, size_t{33}, size_t{3000}}) {
    const size_t rows_per_matrix = length > 100 ? 3 : length;
    for (int64_t diagonal : {int64_t{-3}, int64_t{-1}, int64_t{0}, int64_t{2}, static_cast<int64_t>(length) + 5}) {
      for (bool log : {false, true}) {
        for (bool zero : {false, true}) {
          for (size_t threads : {size_t{1}, size_t{2}}) {
            const size_t outer = 2 * rows_per_matrix;
            const std::vector<Element> input = random_input<Element>(outer * length);
            std::vector<Element> output(outer * length);
            SoftmaxJob job{log ? Op::kLogSoftmax : Op::kSoftmax, dtype, input.data(), output.data(), outer, length, 1};
            job.options.causal = true;
            job.options.causal_rows = rows_per_matrix;
            job.options.causal_diagonal = diagonal;
            job.options.zero_fully_masked = zero;
            const Plan plan = plan_job(PlanRequest{job, threads, test_support::tiny_planner_limits()}, set);
            pool.set_threads(threads);
            run_plan(job, set, plan, pool);
            bool ok = true;
            for (size_t r = 0; r < outer; ++r) {
              const size_t bound = causal_bound(job.options, r, length);
              const auto exact = test_support::reference_line(input.data() + r * length, bound, 1, log);
              for (size_t j = 0; j < length; ++j) {
                const Element y = output[r * length + j];
                if (bound == 0) ok = ok && (zero ? y == (log ? -INFINITY : 0) : std::isnan(y));
                else if (j >= bound) ok = ok && y == (log ? -INFINITY : 0);
                else ok = ok && test_support::close_to(y, exact[j], log, 10.0);
              }
            }
            check(ok, std::string(set.isa) + " " + dtype_name<Element>() + (log ? " log_softmax" : " softmax") +
                          " causal rows of " + std::to_string(length) + " diagonal " + std::to_string(diagonal) + " on " +
                          std::to_string(threads) + " threads as " + variant_name(plan.variant) + (zero ? " zero" : ""));
          }
        }
      }
    }
  }
}

template <class Element>
void test_dtype(const KernelSet& set) {
  for (bool narrow : {false, true}) {
    for (bool log : {false, true}) {
      test_rows<Element>(set, narrow, log);
      test_columns<Element>(set, narrow, log);
    }
  }
  test_row_segments<Element>(set);
  test_planned_jobs<Element>(set);
  if constexpr (sizeof(Element) >= 4) test_causal<Element>(set);
}

}  // namespace

int main() {
  test_support::TablesSeen tables;
  for (const KernelSet* set : runnable_kernel_sets()) {
    const size_t failed_before = test_support::counts().failed;
    if (tables.first_time(set->f32.wide.softmax.rows_three_pass)) test_dtype<float>(*set);
    if (tables.first_time(set->f64.wide.softmax.rows_three_pass)) test_dtype<double>(*set);
    if (tables.first_time(set->f16.wide.softmax.rows_three_pass)) test_dtype<Float16>(*set);
    if (tables.first_time(set->bf16.wide.softmax.rows_three_pass)) test_dtype<BFloat16>(*set);
    std::printf("kernel set %s: %s\n", set->isa, test_support::counts().failed == failed_before ? "ok" : "FAILED");
  }
  return test_support::finish("filter_kernel_tests");
}

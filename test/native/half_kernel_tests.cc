// The float16 and bfloat16 kernels of every kernel set this CPU runs, called directly: the
// conversions (every bit pattern widened and narrowed back; float32 values rounded to nearest even,
// ties, overflow and subnormals included), then every rows, columns and segment kernel at the
// vector-width tails with special values (NaN payloads, infinities, max finite, subnormals), then
// whole jobs through the planner with its thresholds shrunk on 1 to 3 threads. Each result must be
// within one ulp of the exact result (long double) rounded once to the type. Run by ctest.
#include <algorithm>
#include <cmath>
#include <cstdint>
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
using test_support::around;
using test_support::check;

std::mt19937_64 random_engine(20261203);

// A format's layout, decoded independently of the library's conversions.
struct Format {
  const char* name;
  int mantissa_bits;     // stored fraction bits: 10 (float16), 7 (bfloat16)
  int exponent_bits;     // 5, 8
  uint16_t max_finite;   // 0x7bff, 0x7f7f
  uint16_t infinity;     // 0x7c00, 0x7f80
};
constexpr Format kFloat16Format{"float16", 10, 5, 0x7bff, 0x7c00};
constexpr Format kBFloat16Format{"bfloat16", 7, 8, 0x7f7f, 0x7f80};

template <class Element>
constexpr const Format& format_of() {
  if constexpr (std::is_same_v<Element, Float16>) {
    return kFloat16Format;
  } else {
    return kBFloat16Format;
  }
}

bool is_nan_bits(const Format& f, uint16_t bits) { return (bits & 0x7fffu) > f.infinity; }

// The value of a bit pattern, by the definition of the format.
long double decode(const Format& f, uint16_t bits) {
  const bool negative = (bits & 0x8000u) != 0;
  const int exponent = (bits >> f.mantissa_bits) & ((1 << f.exponent_bits) - 1);
  const uint32_t mantissa = bits & ((1u << f.mantissa_bits) - 1u);
  const int bias = (1 << (f.exponent_bits - 1)) - 1;
  long double value;
  if (exponent == (1 << f.exponent_bits) - 1) {
    value = mantissa != 0 ? std::numeric_limits<long double>::quiet_NaN() : std::numeric_limits<long double>::infinity();
  } else if (exponent == 0) {
    value = std::ldexp(static_cast<long double>(mantissa), 1 - bias - f.mantissa_bits);
  } else {
    value = std::ldexp(static_cast<long double>(mantissa + (1u << f.mantissa_bits)), exponent - bias - f.mantissa_bits);
  }
  return negative ? -value : value;
}

// v rounded to nearest even in the format, by search over the ordered non-negative patterns (the
// infinity pattern stands for 2^(emax + 1), where IEEE rounding overflows).
uint16_t round_to(const Format& f, long double v) {
  if (std::isnan(v)) return static_cast<uint16_t>(f.infinity | 0x1u);
  const uint16_t sign = std::signbit(v) ? 0x8000u : 0;
  const long double magnitude = std::fabs(v);
  // The non-negative patterns' values, decoded once per format.
  static std::vector<long double> float16_values, bfloat16_values;
  std::vector<long double>& values = &f == &kFloat16Format ? float16_values : bfloat16_values;
  if (values.empty()) {
    for (uint32_t bits = 0; bits <= f.infinity; ++bits) {
      values.push_back(bits == f.infinity ? std::ldexp(1.0L, 1 << (f.exponent_bits - 1)) : decode(f, static_cast<uint16_t>(bits)));
    }
  }
  auto value_at = [&](uint16_t bits) { return values[bits]; };
  if (magnitude >= value_at(f.infinity)) return sign | f.infinity;
  uint16_t low = 0, high = f.infinity;  // value_at(low) <= magnitude < value_at(high)
  while (high - low > 1) {
    const uint16_t middle = static_cast<uint16_t>((low + high) / 2);
    if (value_at(middle) <= magnitude) low = middle; else high = middle;
  }
  const long double below = magnitude - value_at(low), above = value_at(high) - magnitude;
  const uint16_t nearest = below < above ? low : above < below ? high : (low % 2 == 0 ? low : high);
  return static_cast<uint16_t>(sign | nearest);
}

// Patterns ordered as the values they encode, so that neighbours differ by one.
int64_t ordered(uint16_t bits) { return bits & 0x8000u ? -static_cast<int64_t>(bits & 0x7fffu) : bits; }

// How the results of one kernel set and dtype compare with the exact ones rounded once: finite
// results checked, how many were not the rounded exact value itself, and the largest distance.
struct UlpStats {
  size_t finite = 0;
  size_t inexact = 0;
  int64_t max_ulps = 0;
};
UlpStats ulp_stats;

// Whether got is the exact value rounded once, or a neighbour of it (+0 and -0 alike); NaN and
// infinities exactly.
bool within_one_ulp(const Format& f, uint16_t got, long double exact) {
  if (std::isnan(exact)) return is_nan_bits(f, got);
  if (is_nan_bits(f, got)) return false;
  const uint16_t want = round_to(f, exact);
  if ((want & 0x7fffu) == f.infinity || std::isinf(exact)) return got == want;
  const int64_t distance = std::llabs(ordered(got) - ordered(want)) - ((got | want) == 0x8000u ? 1 : 0);
  ++ulp_stats.finite;
  ulp_stats.inexact += distance != 0;
  ulp_stats.max_ulps = std::max(ulp_stats.max_ulps, distance);
  return distance <= 1;
}

template <class Element>
std::vector<Element> random_elements(size_t count, double scale, double special_rate) {
  const Format& f = format_of<Element>();
  // Special patterns: infinities, NaNs with several payloads, zeros, max finite, lowest, subnormals.
  const uint16_t specials[] = {f.infinity, static_cast<uint16_t>(0x8000u | f.infinity), static_cast<uint16_t>(f.infinity | 1u),
                               static_cast<uint16_t>(f.infinity | 0x40u), 0xffffu, 0x0000u, 0x8000u, f.max_finite,
                               static_cast<uint16_t>(0x8000u | f.max_finite), 0x0001u, 0x8001u};
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<Element> values(count);
  for (Element& value : values) {
    value.bits = uniform(random_engine) < special_rate ? specials[random_engine() % (sizeof specials / sizeof specials[0])]
                                                       : round_to(f, normal(random_engine) * scale);
  }
  return values;
}

// The exact softmax (or log-softmax) of one line, element k at line[k * stride], with torch's rules
// (NaN or +inf makes the line NaN; so does a line of only -inf; -inf gives 0, or -inf).
template <class Element>
std::vector<long double> exact_line(const Element* line, size_t length, size_t stride, bool log) {
  const Format& f = format_of<Element>();
  std::vector<long double> x(length), result(length);
  long double max = -INFINITY;
  bool poisoned = false;
  for (size_t k = 0; k < length; ++k) {
    x[k] = decode(f, line[k * stride].bits);
    poisoned = poisoned || std::isnan(x[k]) || x[k] == INFINITY;
    max = std::max(max, x[k]);
  }
  if (poisoned || max == -INFINITY) return std::vector<long double>(length, std::numeric_limits<long double>::quiet_NaN());
  // The sum as (elements equal to the max) + rest, so that log(sum) = log1p(rest) keeps every bit of
  // a rest far below long double's epsilon when the max is alone (bfloat16 results reach 1e-38).
  long double rest = 0;
  size_t at_max = 0;
  for (size_t k = 0; k < length; ++k) {
    if (x[k] == max) {
      ++at_max;
    } else {
      rest += std::exp(x[k] - max);
    }
  }
  const long double sum = at_max + rest;
  const long double log_sum = at_max == 1 ? std::log1p(rest) : std::log(sum);
  for (size_t k = 0; k < length; ++k) result[k] = log ? (x[k] - max) - log_sum : std::exp(x[k] - max) / sum;
  return result;
}

// Checks lines l < lines, line l at first + l * line_step with `length` elements at `stride`.
template <class Element>
void check_lines(const std::string& what, const std::vector<Element>& input, const std::vector<Element>& output,
                 size_t first, size_t lines, size_t line_step, size_t length, size_t stride, bool log) {
  const Format& f = format_of<Element>();
  size_t bad = 0;
  for (size_t l = 0; l < lines; ++l) {
    const size_t start = first + l * line_step;
    const auto want = exact_line(input.data() + start, length, stride, log);
    for (size_t k = 0; k < length; ++k) {
      const uint16_t got = output[start + k * stride].bits;
      if (!within_one_ulp(f, got, want[k]) && bad++ == 0) {
        char message[160];
        std::snprintf(message, sizeof message, ": element %zu is 0x%04x (%.9Lg), exact %.9Lg", start + k * stride,
                      static_cast<unsigned>(got), decode(f, got), want[k]);
        check(false, what + message);
      }
    }
  }
  check(bad == 0, what + " within one ulp of the exact result");
}

template <class Element>
std::string label(const KernelSet& set, const char* what) {
  return std::string(set.isa) + " " + format_of<Element>().name + " " + what;
}

template <class Element>
const TypedKernels<Element>& typed(const KernelSet& set) {
  if constexpr (std::is_same_v<Element, Float16>) {
    return set.f16;
  } else {
    return set.bf16;
  }
}

// Widening and narrowing through log_normalize(x, max, log_sum) = (x - max) - log_sum: with 0 and 0
// every pattern must come back as itself (NaN as a NaN); with a float32 max the result must be
// float32's x - max rounded once to the type, ties to even, overflow and subnormals included.
template <class Element>
void test_conversions(const KernelSet& set) {
  const Format& f = format_of<Element>();
  const SegmentKernels<Element>& segments = typed<Element>(set).segments;
  std::vector<Element> all(65536), back(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i].bits = static_cast<uint16_t>(i);
  segments.log_normalize(all.data(), back.data(), all.size(), 0.0f, 0.0f, nullptr);
  size_t bad = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const bool ok = is_nan_bits(f, all[i].bits) ? is_nan_bits(f, back[i].bits) : back[i].bits == all[i].bits;
    if (!ok && bad++ == 0) check(false, label<Element>(set, "round trip of 0x") + std::to_string(i));
  }
  check(bad == 0, label<Element>(set, "every pattern widened and narrowed back"));
  // x - max for random x and max, and for max chosen so that x - max falls exactly half way between
  // two neighbours (ties) or past the largest finite value.
  std::uniform_int_distribution<int> exponent(-40, 20);
  std::uniform_real_distribution<float> fraction(1.0f, 2.0f);
  for (int round = 0; round < 4000; ++round) {
    const float max = (round % 2 ? -1.0f : 1.0f) * std::ldexp(fraction(random_engine), exponent(random_engine));
    std::vector<Element> x = random_elements<Element>(67, round % 3 == 0 ? 1e-3 : 20.0, 0.05);
    std::vector<Element> y(x.size());
    segments.log_normalize(x.data(), y.data(), x.size(), max, 0.0f, nullptr);
    for (size_t i = 0; i < x.size(); ++i) {
      const float difference = static_cast<float>(decode(f, x[i].bits)) - max;
      const uint16_t want = round_to(f, difference);
      const bool ok = std::isnan(difference) ? is_nan_bits(f, y[i].bits) : y[i].bits == want;
      if (!ok && bad++ == 0) {
        check(false, label<Element>(set, "narrowing ") + std::to_string(difference) + " gave " + std::to_string(y[i].bits) +
                         ", want " + std::to_string(want));
      }
    }
  }
  // Ties: v = a + (ulp / 2) for patterns a, as x = a (exact) minus max = -(ulp / 2).
  for (uint16_t a = 1; a < f.max_finite; a = static_cast<uint16_t>(a + 97)) {
    const long double low = decode(f, a), high = decode(f, static_cast<uint16_t>(a + 1));
    const float half_gap = static_cast<float>((high - low) / 2);
    if (static_cast<long double>(half_gap) != (high - low) / 2) continue;
    Element x{a}, y{};
    segments.log_normalize(&x, &y, 1, -half_gap, 0.0f, nullptr);
    const uint16_t want = a % 2 == 0 ? a : static_cast<uint16_t>(a + 1);
    if (static_cast<long double>(static_cast<float>(low + half_gap)) != low + half_gap) continue;
    if (y.bits != want && bad++ == 0) check(false, label<Element>(set, "tie at pattern ") + std::to_string(a));
  }
  check(bad == 0, label<Element>(set, "float32 rounded to nearest even (ties, overflow, subnormals)"));
}


enum class RowVariant { kSingleVector, kThreePass, kStreamed, kStreamedChunked };

template <class Element>
void test_rows(const KernelSet& set, bool narrow, bool log) {
  const KernelWidth<Element>& width = narrow ? typed<Element>(set).narrow : typed<Element>(set).wide;
  const OpKernels<Element>& op = log ? width.log_softmax : width.softmax;
  const size_t lanes = width.lanes;
  const size_t chunk = kRowChunkBytes / sizeof(Element);
  const std::vector<size_t> general = around({1, lanes, 2 * lanes, kUnroll * lanes, 2 * kUnroll * lanes,
                                              kVectorsPerSumBlock * lanes, 2 * kVectorsPerSumBlock * lanes + 3});
  struct VariantSizes {
    RowVariant variant;
    const char* name;
    std::vector<size_t> sizes;
  };
  std::vector<size_t> single;
  for (size_t n = 1; n <= lanes; ++n) single.push_back(n);
  std::vector<VariantSizes> variants{{RowVariant::kSingleVector, "rows.single_vector", single},
                                     {RowVariant::kThreePass, "rows.three_pass", general},
                                     {RowVariant::kStreamed, "rows.streamed", general}};
  if (log) variants.push_back({RowVariant::kStreamedChunked, "rows.streamed_chunked", around({1, lanes, 100, chunk, 2 * chunk + 7})});
  for (const auto& v : variants) {
    for (size_t length : v.sizes) {
      for (size_t rows : {size_t{1}, size_t{3}}) {
        for (size_t offset : {size_t{0}, size_t{1}}) {
          for (double special_rate : {0.0, 0.05}) {
            const double scale = length % 2 ? 1.0 : 12.0;
            std::vector<Element> input = random_elements<Element>(rows * length + offset, scale, special_rate);
            std::vector<Element> output(input.size(), Element{0x5555});
            std::vector<float> scratch(length);
            const Element* in = input.data() + offset;
            Element* out = output.data() + offset;
            switch (v.variant) {
              case RowVariant::kSingleVector: op.rows_single_vector(in, out, rows, length, length, 0, nullptr); break;
              case RowVariant::kThreePass: op.rows_three_pass(in, out, rows, length, length, 0, log ? nullptr : scratch.data(), nullptr); break;
              case RowVariant::kStreamed: op.rows_streamed(in, out, rows, length, length, 0, scratch.data(), nullptr); break;
              case RowVariant::kStreamedChunked: op.rows_streamed_chunked(in, out, rows, length, length, 0, nullptr); break;
            }
            const std::string what = label<Element>(set, narrow ? "narrow " : "wide ") + (log ? "log_softmax " : "softmax ") +
                                     v.name + " " + std::to_string(rows) + " x " + std::to_string(length) + " offset " +
                                     std::to_string(offset) + (special_rate > 0 ? " with specials" : "");
            check_lines(what, input, output, offset, rows, length, length, 1, log);
            check(offset == 0 || output[0].bits == 0x5555, what + ": nothing written before the output");
          }
        }
      }
    }
  }
}

template <class Element>
void test_columns(const KernelSet& set, bool narrow, bool log) {
  const KernelWidth<Element>& width = narrow ? typed<Element>(set).narrow : typed<Element>(set).wide;
  const OpKernels<Element>& op = log ? width.log_softmax : width.softmax;
  const size_t lanes = width.lanes;
  const size_t panel = kColumnPanelBytes / sizeof(float);
  const size_t block = kColumnBlockMaxBytes / sizeof(float);
  const size_t align_elements = width.stream_alignment / sizeof(Element);
  struct Named {
    typename OpKernels<Element>::ColumnsKernel kernel;
    const char* name;
    bool streamed;
  };
  const Named kernels[] = {{op.columns_three_pass, "columns.three_pass", false},
                           {op.columns_streamed, "columns.streamed", true},
                           {op.columns_chunked, "columns.chunked", false},
                           {op.columns_chunked_streamed, "columns.chunked_streamed", true}};
  for (const Named& named : kernels) {
    if (named.kernel == nullptr) continue;
    const std::vector<size_t> inners = named.streamed ? std::vector<size_t>{align_elements, 2 * align_elements, panel + align_elements}
                                                      : around({1, lanes, 2 * lanes, block, panel + 1});
    for (size_t inner : inners) {
      for (size_t dim : {size_t{1}, size_t{2}, size_t{5}, kChunkRows + 1, size_t{2 * kChunkRows + 3}}) {
        for (size_t offset : {size_t{0}, size_t{1}}) {
          // A range of columns inside the slice where it is wide enough, else all of them.
          const size_t first_column = inner >= 3 && !named.streamed ? 1 : 0;
          const size_t columns = inner >= 3 ? inner - first_column - 1 : inner;
          std::vector<Element> input = random_elements<Element>(dim * inner + offset, inner % 2 ? 1.0 : 12.0, dim % 2 ? 0.03 : 0.0);
          std::vector<Element> output(input.size(), Element{0x5555});
          const size_t start = offset + first_column;
          named.kernel(input.data() + start, output.data() + start, dim, inner, columns, nullptr);
          const std::string what = label<Element>(set, narrow ? "narrow " : "wide ") + (log ? "log_softmax " : "softmax ") +
                                   named.name + " dim " + std::to_string(dim) + " inner " + std::to_string(inner) +
                                   " offset " + std::to_string(offset);
          check_lines(what, input, output, start, columns, 1, dim, inner, log);
          bool untouched = true;
          for (size_t k = 0; k < dim; ++k) {
            for (size_t col = 0; col < inner; ++col) {
              if (col < first_column || col >= first_column + columns) untouched = untouched && output[offset + k * inner + col].bits == 0x5555;
            }
          }
          check(untouched, what + ": columns outside the range untouched");
        }
      }
    }
  }
}

// log(sum) of a segment's stats as the merge takes it: from the rest where the sum is below 2.
double log_sum_of(const SegmentStats& stats) { return stats.sum < 2.0 ? std::log1p(stats.rest) : std::log(stats.sum); }

// The segment kernels: row stats without stored exponentials, softmax from the input and
// log_normalize with the merged stats; column stats and apply.
template <class Element>
void test_segment_kernels(const KernelSet& set) {
  const SegmentKernels<Element>& kernels = typed<Element>(set).segments;
  check(kernels.scale == nullptr, label<Element>(set, "segments.scale is absent (nothing is stored to rescale)"));
  const size_t lanes = typed<Element>(set).wide.lanes;
  for (size_t length : around({1, lanes, kUnroll * lanes, kVectorsPerSumBlock * lanes, 1000})) {
    std::vector<Element> input = random_elements<Element>(length, 10.0, length % 3 == 0 ? 0.02 : 0.0);
    std::vector<Element> output(length), log_output(length);
    const SegmentStats stats = kernels.row_stats(input.data(), nullptr, length, nullptr);
    kernels.softmax_from_input(input.data(), output.data(), length, static_cast<float>(stats.max),
                               static_cast<float>(1.0 / stats.sum), nullptr);
    kernels.log_normalize(input.data(), log_output.data(), length, static_cast<float>(stats.max),
                          static_cast<float>(log_sum_of(stats)), nullptr);
    const std::string what = label<Element>(set, "segments rows length ") + std::to_string(length);
    if (stats.max != -INFINITY) {
      check_lines(what + " softmax_from_input", input, output, 0, 1, length, length, 1, false);
      check_lines(what + " log_normalize", input, log_output, 0, 1, length, length, 1, true);
    }
  }
  for (size_t inner : around({1, lanes, 70})) {
    const size_t rows = 37;
    for (bool chunked : {false, true}) {
      for (bool log : {false, true}) {
        std::vector<Element> input = random_elements<Element>(rows * inner, 6.0, 0.02);
        std::vector<Element> output(input.size());
        std::vector<SegmentStats> stats(inner);
        kernels.column_stats(input.data(), nullptr, rows, inner, inner, chunked, stats.data(), nullptr);
        std::vector<float> maxes(inner), factors(inner);
        for (size_t c = 0; c < inner; ++c) {
          maxes[c] = static_cast<float>(stats[c].max);
          factors[c] = static_cast<float>(log ? log_sum_of(stats[c]) : 1.0 / stats[c].sum);
        }
        kernels.column_apply(input.data(), output.data(), rows, inner, inner, maxes.data(), factors.data(),
                             log ? ColumnApply::kLogSoftmax : ColumnApply::kSoftmax, false, nullptr);
        // Columns of only -inf are the merge's business (parallel_job.cc), not the kernels'.
        for (size_t c = 0; c < inner; ++c) {
          if (stats[c].max == -INFINITY) {
            for (size_t k = 0; k < rows; ++k) input[k * inner + c].bits = 0, output[k * inner + c].bits = log ? 0xc000 : 0;
          }
        }
        const std::string what = label<Element>(set, "segments columns inner ") + std::to_string(inner) +
                                 (chunked ? " chunked" : "") + (log ? " log_softmax" : " softmax");
        for (size_t c = 0; c < inner; ++c) {
          if (stats[c].max != -INFINITY) check_lines(what, input, output, c, 1, 1, rows, inner, log);
        }
      }
    }
  }
}

// Whole jobs through the planner, thresholds shrunk so that every variant and split runs small.
template <class Element>
void test_planned_jobs(const KernelSet& set) {
  const test_support::JobShape shapes[] = {{1, 3000, 1},   {2, 2500, 1}, {3, 70, 1}, {1, 1, 1},    {1, 700, 48},
                                           {1, 100, 1024}, {2, 90, 17},  {4, 3, 33}, {1, 1024, 16}, {5, 600, 1}};
  const Dtype dtype = std::is_same_v<Element, Float16> ? Dtype::kFloat16 : Dtype::kBFloat16;
  ThreadPool& pool = ThreadPool::shared();
  test_support::for_each_planned_case(shapes, [&](const test_support::JobShape& shape, bool log, size_t threads,
                                                  bool with_specials) {
    std::vector<Element> input = random_elements<Element>(shape.outer * shape.dim * shape.inner, 5.0, with_specials ? 0.01 : 0.0);
    std::vector<Element> output(input.size(), Element{0x5555});
    // A run of -inf inside a long row: a split segment of nothing must merge right.
    if (with_specials && shape.inner == 1 && shape.dim > 200) {
      for (size_t k = 0; k < 200; ++k) input[k].bits = static_cast<uint16_t>(0x8000u | format_of<Element>().infinity);
    }
    SoftmaxJob job{log ? Op::kLogSoftmax : Op::kSoftmax, dtype, input.data(), output.data(), shape.outer, shape.dim,
                   shape.inner};
    const Plan plan = plan_job(PlanRequest{job, threads, test_support::tiny_planner_limits()}, set);
    pool.set_threads(threads);
    run_plan(job, set, plan, pool);
    const std::string what = label<Element>(set, log ? "log_softmax job [" : "softmax job [") + std::to_string(shape.outer) +
                             ", " + std::to_string(shape.dim) + ", " + std::to_string(shape.inner) + "] on " +
                             std::to_string(threads) + " threads as " + variant_name(plan.variant) + " split " +
                             split_name(plan.split) + (with_specials ? " with specials" : "");
    for (size_t o = 0; o < shape.outer; ++o) {
      check_lines(what, input, output, o * shape.dim * shape.inner, shape.inner, 1, shape.dim, shape.inner, log);
    }
  });
}

template <class Element>
void test_set(const KernelSet& set) {
  ulp_stats = UlpStats{};
  test_conversions<Element>(set);
  for (bool narrow : {false, true}) {
    for (bool log : {false, true}) {
      test_rows<Element>(set, narrow, log);
      test_columns<Element>(set, narrow, log);
    }
  }
  test_segment_kernels<Element>(set);
  test_planned_jobs<Element>(set);
  std::printf("%s %s: %zu finite results, max %lld ulp from the exact result rounded once, %.2f%% not exactly it\n", set.isa,
              format_of<Element>().name, ulp_stats.finite, static_cast<long long>(ulp_stats.max_ulps),
              100.0 * static_cast<double>(ulp_stats.inexact) / static_cast<double>(std::max<size_t>(ulp_stats.finite, 1)));
}

}  // namespace

int main() {
  test_support::TablesSeen tables;
  for (const KernelSet* set : runnable_kernel_sets()) {
    const size_t failed_before = test_support::counts().failed;
    if (tables.first_time(set->f16.wide.softmax.rows_three_pass)) test_set<Float16>(*set);
    if (tables.first_time(set->bf16.wide.softmax.rows_three_pass)) test_set<BFloat16>(*set);
    std::printf("kernel set %s (bfloat16 rounding %s): %s\n", set->isa, set->bf16_rounding,
                test_support::counts().failed == failed_before ? "ok" : "FAILED");
  }
  return test_support::finish("half_kernel_tests");
}

// What the native tests share: a check that counts and reports, inputs with special values, and a
// long double reference with torch's special-value semantics.
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/planner.h"

namespace test_support {

// The planner's thresholds shrunk, so that streamed, chunked and split variants (and the merge of
// split rows and reduced dims) run at small sizes.
inline simd_softmax::PlannerLimits tiny_planner_limits() {
  simd_softmax::PlannerLimits tiny{};
  tiny.streaming_min_output_bytes = 4096;
  tiny.chunked_min_rows = 40;
  tiny.streaming_max_row_bytes = 256;
  tiny.min_elements_per_thread = 64;
  return tiny;
}

// Whether a kernel table (known by one of its kernels) is met for the first time: sets may share
// tables (avx512_bf16 has avx512's float32, float64 and float16 ones), which need testing once.
class TablesSeen {
 public:
  template <class Kernel>
  bool first_time(Kernel kernel) {
    const void* key = reinterpret_cast<const void*>(kernel);
    for (const void* seen : seen_) {
      if (seen == key) return false;
    }
    seen_.push_back(key);
    return true;
  }

 private:
  std::vector<const void*> seen_;
};

// Sizes around each point n: n - 1, n, n + 1 (those >= 1), each once: the tails of a width.
inline std::vector<size_t> around(std::initializer_list<size_t> points) {
  std::vector<size_t> sizes;
  for (size_t n : points) {
    for (size_t s : {n - 1, n, n + 1}) {
      if (s >= 1 && std::find(sizes.begin(), sizes.end(), s) == sizes.end()) sizes.push_back(s);
    }
  }
  return sizes;
}

// A job's {outer, dim_size, inner}.
struct JobShape {
  size_t outer, dim, inner;
};

// body(shape, log, threads, with_specials) for every shape, both ops, 1 to 3 threads, and inputs
// without and with special values.
template <size_t kShapes, class Body>
void for_each_planned_case(const JobShape (&shapes)[kShapes], Body body) {
  for (const JobShape& shape : shapes) {
    for (bool log : {false, true}) {
      for (size_t threads : {size_t{1}, size_t{2}, size_t{3}}) {
        for (bool with_specials : {false, true}) body(shape, log, threads, with_specials);
      }
    }
  }
}

struct Counts {
  size_t passed = 0;
  size_t failed = 0;
};

inline Counts& counts() {
  static Counts value;
  return value;
}

// Records one check; prints the first failures with what was checked.
inline bool check(bool condition, const std::string& what) {
  if (condition) {
    ++counts().passed;
  } else {
    if (++counts().failed <= 30) std::printf("FAIL: %s\n", what.c_str());
  }
  return condition;
}

// The closing line CI reads, and the exit status.
inline int finish(const char* name) {
  std::printf("%s: %zu passed, %zu failed\n", name, counts().passed, counts().failed);
  return counts().failed == 0 ? 0 : 1;
}

// Random values scaled by `scale`, with special values planted at a rate of `special_rate`.
template <class Scalar>
void fill(std::vector<Scalar>& values, std::mt19937_64& random, double scale, double special_rate) {
  static const Scalar kSpecials[] = {std::numeric_limits<Scalar>::infinity(), -std::numeric_limits<Scalar>::infinity(),
                                     std::numeric_limits<Scalar>::quiet_NaN(), Scalar(0), Scalar(-0.0),
                                     std::numeric_limits<Scalar>::max(), std::numeric_limits<Scalar>::lowest(),
                                     std::numeric_limits<Scalar>::denorm_min()};
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (Scalar& value : values) {
    if (uniform(random) < special_rate) {
      value = kSpecials[random() % (sizeof kSpecials / sizeof kSpecials[0])];
    } else {
      value = static_cast<Scalar>(normal(random) * scale);
    }
  }
}

// The exact softmax (or log-softmax) of one line, line[k * stride] for k < length, in long double,
// with torch's rules: NaN or +inf anywhere, or only -inf, makes the line NaN; -inf gives 0 (-inf).
template <class Scalar>
std::vector<long double> reference_line(const Scalar* line, size_t length, size_t stride, bool log) {
  std::vector<long double> result(length);
  long double max = -std::numeric_limits<long double>::infinity();
  bool poisoned = false;
  for (size_t k = 0; k < length; ++k) {
    const Scalar x = line[k * stride];
    if (std::isnan(x) || x == std::numeric_limits<Scalar>::infinity()) poisoned = true;
    if (x > max) max = x;
  }
  if (poisoned || max == -std::numeric_limits<long double>::infinity()) {
    for (auto& r : result) r = std::numeric_limits<long double>::quiet_NaN();
    return result;
  }
  // x - max rounded to the dtype, as torch (and every float implementation) computes it: below
  // the dtype's lowest it is -inf (log-softmax of [max, lowest] is [0, -inf]).
  auto shifted_at = [&](size_t k) {
    return static_cast<long double>(static_cast<Scalar>(static_cast<long double>(line[k * stride]) - max));
  };
  long double sum = 0;
  for (size_t k = 0; k < length; ++k) sum += std::exp(shifted_at(k));
  for (size_t k = 0; k < length; ++k) {
    const long double shifted = shifted_at(k);
    result[k] = log ? shifted - std::log(sum) : std::exp(shifted) / sum;
  }
  return result;
}

// Whether `got` is within the library's accuracy of the exact `want`: the same special value, and
// for finite values a relative error (softmax) or an error relative to max(1, |want|) (log-softmax)
// of a few times the float32 (float64) bound torch itself reaches (5.3e-6, 5.7e-14), plus what
// rounding x - max to the dtype costs at large scales; subnormal softmax results within a few units
// of the smallest subnormal.
template <class Scalar>
bool close_to(Scalar got, long double want, bool log, long double scale) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  if (!std::isfinite(got)) return false;
  constexpr bool kFloat = sizeof(Scalar) == 4;
  const long double eps = std::numeric_limits<Scalar>::epsilon();
  const long double bound = (kFloat ? 64 : 512) * eps * (1 + scale);
  if (log) return std::fabs(got - want) <= bound * std::max<long double>(1, std::fabs(want));
  return std::fabs(got - want) <= bound * want + 4 * std::numeric_limits<Scalar>::denorm_min();
}

}  // namespace test_support

// libFuzzer target for the C++ core: each input describes one job (op, dtype, kernel set, threads,
// shape, dim layout, in place or not, alignment, value scale) and patches that place NaN,
// infinities, zeros, subnormals, extremes and raw bit patterns anywhere in it. The job runs through run_job_parallel on exactly-sized heap
// buffers (so ASan sees any access out of range) and its output is checked:
// - against the scalar kernel set on one thread: the same NaN/infinity/zero pattern, and finite
//   values within the accuracy contract;
// - against a long double reference with torch's special-value semantics (a row with NaN or +inf,
//   or only -inf, is all NaN; -inf elements give 0 / -inf).
// Any mismatch aborts with a description. Built and run by `npm run fuzz` (scripts/fuzz.js).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "core/parallel_job.h"
#include "dispatch/kernel_dispatch.h"
#include "kernels/kernel_set.h"
#include "threads/thread_pool.h"

namespace {

using simd_softmax::Dtype;
using simd_softmax::KernelSet;
using simd_softmax::Op;
using simd_softmax::SoftmaxJob;
using simd_softmax::ThreadPool;

// Reads the fuzzer's bytes in order; once they run out, a generator seeded by them continues.
class ByteSource {
 public:
  ByteSource(const uint8_t* data, size_t size) : data_(data), size_(size) {
    for (size_t i = 0; i < size; ++i) state_ = (state_ ^ data[i]) * 0x100000001b3ULL;
  }
  uint8_t byte() {
    if (position_ < size_) return data_[position_++];
    // xorshift64*, for the rest of a large tensor
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<uint8_t>((state_ * 0x2545F4914F6CDD1DULL) >> 56);
  }
  uint64_t bits(int bytes) {
    uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value = value << 8 | byte();
    return value;
  }
  bool exhausted() const { return position_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

[[noreturn]] void fail(const char* what, size_t index, double got, double want) {
  std::fprintf(stderr, "softmax_fuzzer: %s at element %zu: got %.17g, want %.17g\n", what, index, got, want);
  std::abort();
}

// A special or extreme value, or raw bits (NaN payloads included), chosen by `kind`.
template <class Scalar>
Scalar special_value(uint8_t kind, ByteSource& source) {
  using Limits = std::numeric_limits<Scalar>;
  switch (kind % 8) {
    case 0: return Limits::quiet_NaN();
    case 1: return Limits::infinity();
    case 2: return -Limits::infinity();
    case 3: return (kind & 8) ? Scalar(0) : -Scalar(0);
    case 4: return (kind & 8) ? Limits::denorm_min() : -Limits::min() / 3;
    case 5: return (kind & 8) ? Limits::max() : Limits::lowest();
    case 6: {
      Scalar value;
      const uint64_t bits = source.bits(sizeof(Scalar));
      std::memcpy(&value, &bits, sizeof(Scalar));
      return value;
    }
    default: return static_cast<Scalar>((kind & 8) ? 88.7 : -745.2);  // near exp's overflow and underflow
  }
}

// An ordinary value: uniform in [-scale, scale].
template <class Scalar>
Scalar ordinary_value(ByteSource& source, double scale) {
  return static_cast<Scalar>((static_cast<double>(source.bits(2)) / 32768.0 - 1.0) * scale);
}

struct Layout {
  size_t outer, dim_size, inner;
};

// The long double reference of one reduced line (dim_size values at a stride), torch's semantics.
template <class Scalar>
void check_against_reference(const Scalar* input, const Scalar* output, const Layout& layout, size_t line_start,
                             bool log) {
  using Limits = std::numeric_limits<Scalar>;
  const size_t stride = layout.inner;
  bool poisoned = false;  // NaN or +inf anywhere: the whole line is NaN
  long double max = -std::numeric_limits<long double>::infinity();
  for (size_t k = 0; k < layout.dim_size; ++k) {
    const Scalar x = input[line_start + k * stride];
    if (std::isnan(x) || x == Limits::infinity()) poisoned = true;
    if (x > max) max = x;
  }
  if (max == -std::numeric_limits<long double>::infinity()) poisoned = true;  // only -inf
  if (poisoned) {
    for (size_t k = 0; k < layout.dim_size; ++k) {
      const size_t at = line_start + k * stride;
      if (!std::isnan(output[at])) fail("expected NaN (a row with NaN, +inf or only -inf)", at, output[at], NAN);
    }
    return;
  }
  // x - max as the kernels take it: rounded to Scalar, so a difference beyond Scalar's range is -inf.
  auto difference = [&](Scalar x) -> long double {
    return static_cast<long double>(static_cast<Scalar>(static_cast<long double>(x) - max));
  };
  long double sum = 0;
  for (size_t k = 0; k < layout.dim_size; ++k) sum += std::exp(difference(input[line_start + k * stride]));
  const bool is_float = sizeof(Scalar) == 4;
  // The accuracy contract: relative error of softmax (the rounding of x - max included) and
  // log-softmax error relative to max(1, |value|), with a few units of the smallest subnormal.
  const long double relative = is_float ? 1e-5L : 2e-13L;
  const long double log_relative = is_float ? 2e-6L : 1e-14L;
  const long double absolute = 8.0L * Limits::denorm_min();
  for (size_t k = 0; k < layout.dim_size; ++k) {
    const size_t at = line_start + k * stride;
    const long double d = difference(input[at]);
    const long double got = output[at];
    if (log) {
      const long double want = d - std::log(sum);
      if (std::isinf(want)) {
        if (got != want) fail("log-softmax of an element at -inf distance", at, got, want);
      } else if (!(std::fabs(got - want) <= log_relative * std::fmax(1.0L, std::fabs(want)))) {
        fail("log-softmax differs from the reference", at, got, want);
      }
    } else {
      const long double want = std::exp(d) / sum;
      if (!(std::fabs(got - want) <= relative * want + absolute)) fail("softmax differs from the reference", at, got, want);
    }
  }
}

// The scalar kernel set on one thread: NaN and infinities in the same places, other values close.
template <class Scalar>
void check_against_scalar(const Scalar* output, const Scalar* scalar_output, size_t count, bool log) {
  const long double relative = sizeof(Scalar) == 4 ? 1e-5L : 2e-13L;
  const long double absolute = 8.0L * std::numeric_limits<Scalar>::denorm_min();
  for (size_t i = 0; i < count; ++i) {
    const Scalar a = output[i];
    const Scalar b = scalar_output[i];
    if (std::isnan(a) != std::isnan(b)) fail("NaN where the scalar kernels have none (or the reverse)", i, a, b);
    if (std::isnan(a)) continue;
    // Infinities must match exactly. Zeros are ordinary values here: a log-softmax of 0 (the max of
    // a row whose sum rounds to 1) may be -2e-15 with another summation order.
    if (std::isinf(a) || std::isinf(b)) {
      if (a != b) fail("infinity differs from the scalar kernels", i, a, b);
      continue;
    }
    const long double scale = log ? std::fmax(1.0L, std::fabs(static_cast<long double>(b))) : std::fabs(static_cast<long double>(b));
    if (!(std::fabs(static_cast<long double>(a) - b) <= relative * scale + absolute)) fail("differs from the scalar kernels", i, a, b);
  }
}

template <class Scalar>
void run_case(ByteSource& source, const KernelSet& kernels, size_t threads, Op op, const Layout& layout, bool in_place,
              bool misaligned, double scale) {
  const size_t count = layout.outer * layout.dim_size * layout.inner;
  const size_t offset = misaligned ? 1 : 0;
  // Exactly sized buffers: one element of offset at the front when misaligned, nothing after.
  std::vector<Scalar> input_storage(count + offset);
  Scalar* input = input_storage.data() + offset;
  // The fuzzer's remaining bytes are patches (3 bytes of position, 1 of kind) laid over ordinary
  // values at the case's scale: a few bytes put NaN, infinities or extremes anywhere in a large tensor.
  std::vector<std::pair<size_t, uint8_t>> patches;
  while (!source.exhausted()) {
    const size_t position = static_cast<size_t>(source.bits(3)) % count;
    patches.emplace_back(position, source.byte());
  }
  for (size_t i = 0; i < count; ++i) input[i] = ordinary_value<Scalar>(source, scale);
  for (const auto& [position, kind] : patches) input[position] = special_value<Scalar>(kind, source);
  const std::vector<Scalar> original(input, input + count);

  std::vector<Scalar> output_storage(in_place ? 0 : count + offset);
  Scalar* output = in_place ? input : output_storage.data() + offset;
  const Dtype dtype = sizeof(Scalar) == 4 ? Dtype::kFloat32 : Dtype::kFloat64;
  SoftmaxJob job{op, dtype, input, output, layout.outer, layout.dim_size, layout.inner};
  ThreadPool& pool = ThreadPool::shared();
  pool.set_threads(threads);
  simd_softmax::run_job_parallel(job, kernels, pool);

  // The reference answer: the scalar kernel set, on one thread, out of place.
  std::vector<Scalar> scalar_output(count);
  SoftmaxJob scalar_job{op, dtype, original.data(), scalar_output.data(), layout.outer, layout.dim_size, layout.inner};
  pool.set_threads(1);
  simd_softmax::run_job_parallel(scalar_job, simd_softmax::scalar_kernel_set(), pool);
  const bool log = op == Op::kLogSoftmax;
  check_against_scalar(output, scalar_output.data(), count, log);
  for (size_t o = 0; o < layout.outer; ++o) {
    for (size_t c = 0; c < layout.inner; ++c) {
      check_against_reference(original.data(), output, layout, o * layout.dim_size * layout.inner + c, log);
    }
  }
}

// Any kernel set this CPU runs, avx512 included.
const KernelSet& kernel_set_for(uint8_t choice) {
  static const std::vector<const KernelSet*> sets = simd_softmax::runnable_kernel_sets();
  return *sets[choice % sets.size()];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 7) return 0;
  ByteSource source(data, size);
  // Byte 0: op, dtype, kernel set, in place, misaligned; byte 1: threads and layout.
  const uint8_t flags = source.byte();
  const uint8_t shape_flags = source.byte();
  const Op op = (flags & 1) ? Op::kLogSoftmax : Op::kSoftmax;
  const bool float64 = flags & 2;
  const KernelSet& kernels = kernel_set_for(flags >> 2);
  const bool in_place = flags & 8;
  const bool misaligned = flags & 16;
  const size_t threads = 1 + (shape_flags & 3);
  // Bytes 2-5: the sizes. Rows up to 2^16 + 1 elements (long rows split across threads), inner
  // sizes from 1 (last dim) to 70 (tails of the columns kernel's 64-wide blocks).
  Layout layout{};
  layout.outer = 1 + source.byte() % 8;
  layout.dim_size = static_cast<size_t>(source.bits(2)) % ((shape_flags & 4) ? 65537 : 300);
  const uint8_t inner_byte = source.byte();
  layout.inner = (shape_flags & 8) ? 1 + inner_byte % 70 : 1;
  // Byte 6: the scale of the ordinary values, [-1, 1] times 10^(-3 .. 38).
  static const double kScales[] = {1e-3, 1, 4, 10, 30, 88, 100, 700, 1000, 1e6, 1e30, 1e38};
  const double scale = kScales[source.byte() % 12];
  // Keep each execution fast: at most 2^17 elements.
  while (layout.outer * layout.dim_size * layout.inner > (size_t{1} << 17) && layout.outer > 1) layout.outer /= 2;
  while (layout.outer * layout.dim_size * layout.inner > (size_t{1} << 17) && layout.inner > 1) layout.inner /= 2;
  if (layout.outer * layout.dim_size * layout.inner == 0) return 0;
  if (float64) {
    run_case<double>(source, kernels, threads, op, layout, in_place, misaligned, scale);
  } else {
    run_case<float>(source, kernels, threads, op, layout, in_place, misaligned, scale);
  }
  return 0;
}

// Measures the error of the kernels' exp_nonpositive against a higher-precision reference:
// every float32 in [-104, 0] (against double exp), and 50 million float64 points spread over
// [-746, 0] plus the underflow edge (against long double expl). Errors are in ulps of the
// correctly rounded result; subnormal results are counted separately (absolute, in units of the
// smallest subnormal).
//
// It includes the kernel translation units directly, one vector set per build. `npm run bench:native`
// builds build/bench-native/check_exp_accuracy_avx2 and _avx512 on x86-64 (run the avx512 one on a
// CPU that has AVX-512F), _neon on arm64; cross-compiled for arm64, it runs under
// `qemu-aarch64-static -L /usr/aarch64-linux-gnu` (the float32 sweep takes minutes).
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>

#if defined(__aarch64__)
#include "../binding/kernels/neon/softmax_neon.cc"
namespace vector_set = simd_softmax::neon;
using VectorF32 = vector_set::F32x4;
using VectorF64 = vector_set::F64x2;
constexpr const char* kVectorSet = "neon";
#elif defined(SIMD_SOFTMAX_HAVE_AVX512)
#include "../binding/kernels/avx512/softmax_avx512.cc"
namespace vector_set = simd_softmax::avx512;
using VectorF32 = vector_set::F32x16;
using VectorF64 = vector_set::F64x8;
constexpr const char* kVectorSet = "avx512";
#else
#include "../binding/kernels/avx2/softmax_avx2.cc"
namespace vector_set = simd_softmax::avx2;
using VectorF32 = vector_set::F32x8;
using VectorF64 = vector_set::F64x4;
constexpr const char* kVectorSet = "avx2";
#endif
#include "../binding/kernels/forget_isa.h"
#include "../binding/kernels/scalar/softmax_scalar.cc"

namespace {

template <class Float>
double ulp_of(Float reference) {
  int exponent;
  std::frexp(reference, &exponent);
  return std::ldexp(1.0, exponent - (std::numeric_limits<Float>::digits));
}

struct ErrorStats {
  double max_ulp_normal = 0, max_subnormal_units = 0, worst_input = 0;
  uint64_t count = 0, wrong_special = 0;
};

template <class Float>
void record(ErrorStats& stats, Float x, Float got, long double reference_exact) {
  stats.count++;
  const Float reference = static_cast<Float>(reference_exact);
  if (reference == 0 || std::isnan(got)) {
    if (got != reference) stats.wrong_special++;
    return;
  }
  if (reference < std::numeric_limits<Float>::min()) {
    const double units = std::fabs(static_cast<double>((got - reference_exact) / std::numeric_limits<Float>::denorm_min()));
    if (units > stats.max_subnormal_units) stats.max_subnormal_units = units;
    return;
  }
  const double ulps = static_cast<double>(std::fabs(static_cast<long double>(got) - reference_exact)) / ulp_of(reference);
  if (ulps > stats.max_ulp_normal) {
    stats.max_ulp_normal = ulps;
    stats.worst_input = x;
  }
}

void print(const char* name, const ErrorStats& s) {
  std::printf("%-14s %12llu inputs: max %.3f ulp (normal results, worst at x = %.9g), max %.3f subnormal units, %llu wrong special values\n",
              name, static_cast<unsigned long long>(s.count), s.max_ulp_normal, s.worst_input,
              s.max_subnormal_units, static_cast<unsigned long long>(s.wrong_special));
}

// out[i] = exp(in[i]) for i < count (a multiple of V::kLanes) through the vector kernel set.
template <class V>
void vector_exp(const typename V::Scalar* in, typename V::Scalar* out, size_t count) {
  for (size_t i = 0; i < count; i += V::kLanes) V::store(out + i, vector_set::exp_nonpositive<V>(V::load(in + i)));
}

void print_vector(const char* suffix, const ErrorStats& s) {
  char name[32];
  std::snprintf(name, sizeof name, "%s %s", kVectorSet, suffix);
  print(name, s);
}

}  // namespace

int main() {
  using namespace simd_softmax;
  // float32: every representable x in [-104, 0], 8 at a time through the vector set and one at a time through scalar.
  ErrorStats vector_f32, scalar_f32;
  float batch[8];
  int filled = 0;
  auto flush = [&](int n) {
    float out[8];
    vector_exp<VectorF32>(batch, out, 8);
    for (int i = 0; i < n; ++i) {
      const long double ref = std::exp(static_cast<double>(batch[i]));
      record<float>(vector_f32, batch[i], out[i], ref);
      record<float>(scalar_f32, batch[i], scalar::exp_nonpositive<scalar::F32x1>(batch[i]), ref);
    }
  };
  for (float x = -0.0f; x >= -104.0f; x = std::nextafter(x, -INFINITY)) {
    batch[filled++] = x;
    if (filled == 8) { flush(8); filled = 0; }
  }
  if (filled) { for (int i = filled; i < 8; ++i) batch[i] = 0; flush(filled); }
  print_vector("f32", vector_f32);
  print("scalar f32", scalar_f32);

  // Special values: -inf -> +0, NaN -> NaN, far below the range -> +0.
  const float specials[8] = {-INFINITY, NAN, -1e30f, -FLT_MAX, -104.5f, 0.0f, -0.0f, -87.5f};
  float special_out[8];
  vector_exp<VectorF32>(specials, special_out, 8);
  for (int i = 0; i < 8; ++i) {
    std::printf("  f32 exp(%g): %s %.9g, scalar %.9g\n", specials[i], kVectorSet, special_out[i],
                scalar::exp_nonpositive<scalar::F32x1>(specials[i]));
  }

  // float64: random points over the whole domain and dense near the underflow edge.
  ErrorStats vector_f64, scalar_f64;
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> whole(-746.0, 0.0), edge(-746.0, -700.0), small(-1.0, 0.0);
  for (int i = 0; i < 12500000; ++i) {
    double xs[4] = {whole(rng), edge(rng), small(rng), -std::ldexp(1.0, -static_cast<int>(rng() % 60)) * (1 + (rng() % 1000) / 1000.0)};
    double out[4];
    vector_exp<VectorF64>(xs, out, 4);
    for (int k = 0; k < 4; ++k) {
      const long double ref = std::exp(static_cast<long double>(xs[k]));
      record<double>(vector_f64, xs[k], out[k], ref);
      record<double>(scalar_f64, xs[k], scalar::exp_nonpositive<scalar::F64x1>(xs[k]), ref);
    }
  }
  print_vector("f64", vector_f64);
  print("scalar f64", scalar_f64);
  const double specials64[4] = {-INFINITY, NAN, -1e300, -745.5};
  double special64_out[4];
  vector_exp<VectorF64>(specials64, special64_out, 4);
  for (int i = 0; i < 4; ++i) std::printf("  f64 exp(%g): %s %.17g\n", specials64[i], kVectorSet, special64_out[i]);
  return 0;
}

// The portable kernel set: one lane, plain C++, compiled for the baseline of the target (any
// x86-64 or arm64 CPU). It runs the same algorithm and the same exp as the SIMD sets.
#include <cstdint>
#include <cstring>

#include "../exp_constants.h"

#define SIMD_SOFTMAX_ISA_NAMESPACE scalar

#include "../half_vectors.h"

namespace simd_softmax {
namespace scalar {

// One lane of Scalar; the integer type has Scalar's width, for the exponent bit trick.
template <class ScalarT, class Bits>
struct OneLane {
  using Scalar = ScalarT;
  using Vec = ScalarT;
  using Wide = double;
  static constexpr size_t kLanes = 1;

  static Vec zero() { return Scalar(0); }
  static Vec set1(Scalar v) { return v; }
  static Vec load(const Scalar* p) { return *p; }
  static void store(Scalar* p, Vec v) { *p = v; }
  // With one lane there is never a partial vector; these exist to satisfy the interface.
  static Vec load_partial(const Scalar* p, size_t count, Vec fill) { return count ? *p : fill; }
  static void store_partial(Scalar* p, size_t count, Vec v) {
    if (count) *p = v;
  }
  static Vec keep_first(Vec v, size_t count) { return count ? v : Scalar(0); }
  static constexpr size_t kStreamAlignment = 1;
  static void stream(Scalar* p, Vec v) { *p = v; }
  static void stream_fence() {}
  static Vec add(Vec a, Vec b) { return a + b; }
  static Vec sub(Vec a, Vec b) { return a - b; }
  static Vec mul(Vec a, Vec b) { return a * b; }
  static Vec div(Vec a, Vec b) { return a / b; }
  static Vec zero_where_at_most(Vec v, Vec x, Scalar bound) { return x <= bound ? Scalar(0) : v; }
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) { return bytes[0] != 0 ? v : fill; }
  // Not fused: baseline x86-64 has no FMA instruction, and a software fma is slow.
  static Vec fmadd(Vec a, Vec b, Vec c) { return a * b + c; }
  static Vec max(Vec a, Vec b) { return a > b ? a : b; }
  static Vec pow2_from_biased(Vec biased) {
    Bits bits;
    std::memcpy(&bits, &biased, sizeof bits);
    bits <<= ExpConstants<ScalarT>::kMantissaBits;
    Vec result;
    std::memcpy(&result, &bits, sizeof result);
    return result;
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    Bits p_bits, n_bits;
    std::memcpy(&p_bits, &p, sizeof p_bits);
    std::memcpy(&n_bits, &n, sizeof n_bits);
    p_bits += n_bits << ExpConstants<ScalarT>::kMantissaBits;
    Vec result;
    std::memcpy(&result, &p_bits, sizeof result);
    return result;
  }
  static bool all_at_least(Vec v, Scalar bound) { return v >= bound; }
  static Vec zero_where_equal(Vec v, Scalar value) { return v == value ? Scalar(0) : v; }
  static Wide wide_zero() { return 0.0; }
  static Wide widen_add(Wide wide, Vec v) { return wide + static_cast<double>(v); }
  static void wide_store(Wide wide, double* lanes) { lanes[0] = wide; }
  static Wide wide_load(const double* lanes) { return lanes[0]; }
};

using F32x1 = OneLane<float, uint32_t>;
using F64x1 = OneLane<double, uint64_t>;

// Half precision one element at a time, by the portable bit arithmetic of half_vectors.h.
template <class ElementT>
struct OneLaneHalfCodec {
  using Element = ElementT;
  static constexpr size_t kStreamAlignment = sizeof(Element);
  static float widen(const uint16_t* p) { return HalfFormat<Element>::widen(*p); }
  static void narrow(uint16_t* p, float v) { *p = HalfFormat<Element>::narrow(v); }
  static void narrow_stream(uint16_t* p, float v) { narrow(p, v); }
};

using F16x1 = HalfVectors<F32x1, OneLaneHalfCodec<Float16>>;
using BF16x1 = HalfVectors<F32x1, OneLaneHalfCodec<BFloat16>>;

}  // namespace scalar
}  // namespace simd_softmax

#include "../kernel_table.h"

namespace simd_softmax {

const KernelSet& scalar_kernel_set() {
  static constexpr KernelSet kSet = scalar::make_kernel_set<scalar::F32x1, scalar::F64x1, scalar::F16x1, scalar::BF16x1>("scalar", "integer");
  return kSet;
}

}  // namespace simd_softmax

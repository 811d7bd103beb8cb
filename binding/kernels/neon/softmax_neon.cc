// The NEON kernel set (AArch64): 4 float32 or 2 float64 lanes; float16 through FCVTL/FCVTN and
// bfloat16 by integer arithmetic, on the float32 lanes. NEON (with those conversions) is part of
// every AArch64 CPU, so dispatch needs no feature check beyond the architecture.
#include <arm_neon.h>

#include <cstddef>
#include <cstring>

#define SIMD_SOFTMAX_ISA_NAMESPACE neon

#include "../half_vectors.h"

namespace simd_softmax {
namespace neon {

struct F32x4 {
  using Scalar = float;
  using Vec = float32x4_t;
  struct Wide {
    float64x2_t low, high;
  };
  static constexpr size_t kLanes = 4;

  static Vec zero() { return vdupq_n_f32(0.0f); }
  static Vec set1(float v) { return vdupq_n_f32(v); }
  static Vec load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, Vec v) { vst1q_f32(p, v); }
  // NEON has no masked load or store: go through a register-sized buffer.
  static Vec load_partial(const float* p, size_t count, Vec fill) {
    float lanes[kLanes];
    vst1q_f32(lanes, fill);
    std::memcpy(lanes, p, count * sizeof(float));
    return vld1q_f32(lanes);
  }
  static void store_partial(float* p, size_t count, Vec v) {
    float lanes[kLanes];
    vst1q_f32(lanes, v);
    std::memcpy(p, lanes, count * sizeof(float));
  }
  static Vec keep_first(Vec v, size_t count) {
    float lanes[kLanes] = {};
    store_partial(lanes, count, v);
    return vld1q_f32(lanes);
  }
  // No non-temporal vector store is worth it here: streaming is a plain store.
  static constexpr size_t kStreamAlignment = 1;
  static void stream(float* p, Vec v) { vst1q_f32(p, v); }
  static void stream_fence() {}
  static Vec add(Vec a, Vec b) { return vaddq_f32(a, b); }
  static Vec sub(Vec a, Vec b) { return vsubq_f32(a, b); }
  static Vec mul(Vec a, Vec b) { return vmulq_f32(a, b); }
  static Vec div(Vec a, Vec b) { return vdivq_f32(a, b); }
  // Lanes where x > bound or x is NaN keep v (vcleq is false for NaN).
  static Vec zero_where_at_most(Vec v, Vec x, float bound) {
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), vcleq_f32(x, vdupq_n_f32(bound))));
  }
  // Lane i: v where bytes[i] (kLanes mask bytes) is nonzero, else fill.
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) {
    uint32_t four;
    std::memcpy(&four, bytes, sizeof four);
    const uint32x4_t lanes = vmovl_u16(vget_low_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(four)))));
    return vbslq_f32(vceqzq_u32(lanes), fill, v);
  }
  static Vec fmadd(Vec a, Vec b, Vec c) { return vfmaq_f32(c, a, b); }
  // FMAX would propagate NaN; the algorithm wants x86's "b when either is NaN".
  static Vec max(Vec a, Vec b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static Vec pow2_from_biased(Vec biased) {
    return vreinterpretq_f32_s32(vshlq_n_s32(vreinterpretq_s32_f32(biased), 23));
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    return vreinterpretq_f32_s32(vaddq_s32(vreinterpretq_s32_f32(p), vshlq_n_s32(vreinterpretq_s32_f32(n), 23)));
  }
  static bool all_at_least(Vec v, float bound) { return vminvq_u32(vcgeq_f32(v, vdupq_n_f32(bound))) != 0; }
  static Vec zero_where_equal(Vec v, float value) {
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), vceqq_f32(v, vdupq_n_f32(value))));
  }
  static Wide wide_zero() { return {vdupq_n_f64(0.0), vdupq_n_f64(0.0)}; }
  static Wide widen_add(Wide wide, Vec v) {
    return {vaddq_f64(wide.low, vcvt_f64_f32(vget_low_f32(v))), vaddq_f64(wide.high, vcvt_high_f64_f32(v))};
  }
  static void wide_store(Wide wide, double* lanes) {
    vst1q_f64(lanes, wide.low);
    vst1q_f64(lanes + 2, wide.high);
  }
  static Wide wide_load(const double* lanes) { return {vld1q_f64(lanes), vld1q_f64(lanes + 2)}; }
};

struct F64x2 {
  using Scalar = double;
  using Vec = float64x2_t;
  using Wide = float64x2_t;
  static constexpr size_t kLanes = 2;

  static Vec zero() { return vdupq_n_f64(0.0); }
  static Vec set1(double v) { return vdupq_n_f64(v); }
  static Vec load(const double* p) { return vld1q_f64(p); }
  static void store(double* p, Vec v) { vst1q_f64(p, v); }
  static Vec load_partial(const double* p, size_t count, Vec fill) {
    double lanes[kLanes];
    vst1q_f64(lanes, fill);
    std::memcpy(lanes, p, count * sizeof(double));
    return vld1q_f64(lanes);
  }
  static void store_partial(double* p, size_t count, Vec v) {
    double lanes[kLanes];
    vst1q_f64(lanes, v);
    std::memcpy(p, lanes, count * sizeof(double));
  }
  static Vec keep_first(Vec v, size_t count) {
    double lanes[kLanes] = {};
    store_partial(lanes, count, v);
    return vld1q_f64(lanes);
  }
  static constexpr size_t kStreamAlignment = 1;
  static void stream(double* p, Vec v) { vst1q_f64(p, v); }
  static void stream_fence() {}
  static Vec add(Vec a, Vec b) { return vaddq_f64(a, b); }
  static Vec sub(Vec a, Vec b) { return vsubq_f64(a, b); }
  static Vec mul(Vec a, Vec b) { return vmulq_f64(a, b); }
  static Vec div(Vec a, Vec b) { return vdivq_f64(a, b); }
  static Vec zero_where_at_most(Vec v, Vec x, double bound) {
    return vreinterpretq_f64_u64(vbicq_u64(vreinterpretq_u64_f64(v), vcleq_f64(x, vdupq_n_f64(bound))));
  }
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) {
    const uint64_t pair[kLanes] = {bytes[0], bytes[1]};
    return vbslq_f64(vceqzq_u64(vld1q_u64(pair)), fill, v);
  }
  static Vec fmadd(Vec a, Vec b, Vec c) { return vfmaq_f64(c, a, b); }
  static Vec max(Vec a, Vec b) { return vbslq_f64(vcgtq_f64(a, b), a, b); }
  static Vec pow2_from_biased(Vec biased) {
    return vreinterpretq_f64_s64(vshlq_n_s64(vreinterpretq_s64_f64(biased), 52));
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    return vreinterpretq_f64_s64(vaddq_s64(vreinterpretq_s64_f64(p), vshlq_n_s64(vreinterpretq_s64_f64(n), 52)));
  }
  static bool all_at_least(Vec v, double bound) {
    const uint64x2_t ge = vcgeq_f64(v, vdupq_n_f64(bound));
    return (vgetq_lane_u64(ge, 0) & vgetq_lane_u64(ge, 1)) != 0;
  }
  static Wide wide_zero() { return vdupq_n_f64(0.0); }
  static Wide widen_add(Wide wide, Vec v) { return vaddq_f64(wide, v); }
  static void wide_store(Wide wide, double* lanes) { vst1q_f64(lanes, wide); }
  static Wide wide_load(const double* lanes) { return vld1q_f64(lanes); }
};

// float16 through FCVTL / FCVTN, which round to nearest even (the FPCR default) and keep subnormals.
struct F16Codec4 {
  using Element = Float16;
  static constexpr size_t kStreamAlignment = 1;  // streaming is a plain store (see F32x4)
  static float32x4_t widen(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static void narrow(uint16_t* p, float32x4_t v) { vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v))); }
  static void narrow_stream(uint16_t* p, float32x4_t v) { narrow(p, v); }
};

// bfloat16 by integer arithmetic: widening shifts the bits up; rounding adds 0x7fff plus the lowest
// kept bit and keeps the top half (NaN lanes keep their top half, made quiet).
struct BF16Codec4 {
  using Element = BFloat16;
  static constexpr size_t kStreamAlignment = 1;
  static float32x4_t widen(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
  static void narrow(uint16_t* p, float32x4_t v) {
    const uint32x4_t bits = vreinterpretq_u32_f32(v);
    const uint32x4_t lowest_kept = vandq_u32(vshrq_n_u32(bits, 16), vdupq_n_u32(1));
    const uint16x4_t rounded = vshrn_n_u32(vaddq_u32(vaddq_u32(bits, vdupq_n_u32(0x7fff)), lowest_kept), 16);
    const uint16x4_t quiet_nan = vorr_u16(vshrn_n_u32(bits, 16), vdup_n_u16(0x40));
    const uint16x4_t is_number = vmovn_u32(vceqq_f32(v, v));
    vst1_u16(p, vbsl_u16(is_number, rounded, quiet_nan));
  }
  static void narrow_stream(uint16_t* p, float32x4_t v) { narrow(p, v); }
};

using F16x4 = HalfVectors<F32x4, F16Codec4>;
using BF16x4 = HalfVectors<F32x4, BF16Codec4>;

}  // namespace neon
}  // namespace simd_softmax

#include "../kernel_table.h"

namespace simd_softmax {

const KernelSet& neon_kernel_set() {
  static constexpr KernelSet kSet = neon::make_kernel_set<neon::F32x4, neon::F64x2, neon::F16x4, neon::BF16x4>("neon", "integer");
  return kSet;
}

}  // namespace simd_softmax

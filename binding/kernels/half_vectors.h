// Half-precision elements (Float16, BFloat16) on a set's float32 vectors: loads widen to float32,
// stores round to nearest even, and every kernel computes on the float32 vector struct unchanged.
// An ISA unit gives a codec per format (the conversions of one full vector, with its instructions)
// and builds its half structs with HalfVectors<float32 struct, codec>.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_HALF_VECTORS_H
#define SIMD_SOFTMAX_ISA_HALF_VECTORS_H
#include "isa_unit.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernel_set.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

inline uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float float_from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// binary16 bits to float32, exactly (every binary16 value is a float32); NaN payloads are kept.
inline float float_from_half_bits(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  // Infinity and NaN: the float32 all-ones exponent, the payload at the top of the mantissa.
  if (exponent == 0x1f) return float_from_bits(sign | 0x7f800000u | (mantissa << 13));
  // Zero and subnormals: mantissa * 2^-24, exact in float32.
  if (exponent == 0) return float_from_bits(sign | float_bits(static_cast<float>(mantissa) * 0x1p-24f));
  // Normal: the exponent rebiased from 15 to 127.
  return float_from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// float32 to binary16 bits, rounded to nearest even: overflow gives infinity, small values the
// subnormals they round to, NaN a quiet NaN with the payload's top bits (as VCVTPS2PH does).
inline uint16_t half_bits_from_float(float value) {
  uint32_t bits = float_bits(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  bits &= 0x7fffffffu;
  if (bits > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((bits >> 13) & 0x3ffu));
  if (bits >= 0x38800000u) {
    // At least 2^-14, a normal binary16 or too large: rebias, then round the 13 dropped bits to
    // nearest even (adding 0xfff plus the kept lowest bit carries exactly when it should).
    const uint32_t rounded = bits - 0x38000000u + 0xfffu + ((bits >> 13) & 1u);
    return static_cast<uint16_t>(sign | (rounded >= 0x0f800000u ? 0x7c00u : rounded >> 13));
  }
  // Below 2^-14: adding 0.5 rounds to a multiple of 2^-24 (the float32 ulp at 0.5), the subnormal
  // step, in the FPU's round-to-nearest-even; the low bits of the sum are then the binary16 bits.
  return static_cast<uint16_t>(sign | (float_bits(float_from_bits(bits) + 0.5f) - 0x3f000000u));
}

// bfloat16 bits to float32: the top half of a float32.
inline float float_from_bfloat16_bits(uint16_t bfloat16) { return float_from_bits(static_cast<uint32_t>(bfloat16) << 16); }

// float32 to bfloat16 bits, rounded to nearest even (subnormals included), NaN kept NaN and quiet.
inline uint16_t bfloat16_bits_from_float(float value) {
  const uint32_t bits = float_bits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// The scalar conversions of one format, for the elements that kernels write one at a time.
template <class Element>
struct HalfFormat;
template <>
struct HalfFormat<Float16> {
  static float widen(uint16_t bits) { return float_from_half_bits(bits); }
  static uint16_t narrow(float value) { return half_bits_from_float(value); }
};
template <>
struct HalfFormat<BFloat16> {
  static float widen(uint16_t bits) { return float_from_bfloat16_bits(bits); }
  static uint16_t narrow(float value) { return bfloat16_bits_from_float(value); }
};

// Base: the set's float32 struct. Codec: Element, kStreamAlignment, widen(const uint16_t*) (kLanes
// elements to a Vec), narrow(uint16_t*, Vec) and narrow_stream(uint16_t*, Vec) (kLanes elements,
// rounded to nearest even; the stream to a kStreamAlignment-aligned address). NarrowHalf: the half
// struct on Base::Narrow's vectors, or void where Base has no narrower width.
template <class Base, class Codec, class NarrowHalf = void>
struct HalfVectors : Base {
  using Element = typename Codec::Element;
  using Scalar = float;
  using Vec = typename Base::Vec;
  using Narrow = std::conditional_t<std::is_void_v<NarrowHalf>, HalfVectors, NarrowHalf>;
  static constexpr size_t kLanes = Base::kLanes;

  // Scratch rows and per-column arrays stay float32: Base's loads and stores serve them.
  using Base::load;
  using Base::load_partial;
  using Base::store;
  using Base::store_partial;
  using Base::stream;

  static const uint16_t* bits(const Element* p) { return reinterpret_cast<const uint16_t*>(p); }
  static uint16_t* bits(Element* p) { return reinterpret_cast<uint16_t*>(p); }

  static Vec load(const Element* p) { return Codec::widen(bits(p)); }
  static void store(Element* p, Vec v) { Codec::narrow(bits(p), v); }
  // Partial vectors go through a full vector on the stack, so that no lane past `count` is touched.
  static Vec load_partial(const Element* p, size_t count, Vec fill) {
    uint16_t lanes[kLanes] = {};
    std::memcpy(lanes, p, count * sizeof(Element));
    float widened[kLanes];
    Base::store(widened, Codec::widen(lanes));
    return Base::load_partial(widened, count, fill);
  }
  static void store_partial(Element* p, size_t count, Vec v) {
    uint16_t lanes[kLanes];
    Codec::narrow(lanes, v);
    std::memcpy(p, lanes, count * sizeof(Element));
  }
  static constexpr size_t kStreamAlignment = Codec::kStreamAlignment;
  static void stream(Element* p, Vec v) { Codec::narrow_stream(bits(p), v); }
  // One element, for the head and tail of a streamed row: the same rounding as narrow().
  static Element to_element(float value) { return Element{HalfFormat<Element>::narrow(value)}; }
  static float from_element(Element element) { return HalfFormat<Element>::widen(element.bits); }
  // v rounded to the element type and widened back: a quotient x / temperature as the element type holds it.
  static Vec round_to_element(Vec v) {
    uint16_t lanes[kLanes];
    Codec::narrow(lanes, v);
    return Codec::widen(lanes);
  }
};

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_HALF_VECTORS_H

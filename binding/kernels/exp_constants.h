// Constants of the vectorised exp used by every kernel set (exp.h states its contract). Data only:
// no functions, so nothing here can cross instruction-set translation units.
//
#pragma once

#include <cstddef>

#include "kernel_set.h"

namespace simd_softmax {

template <class Scalar>
struct ExpConstants;

template <>
struct ExpConstants<float> {
  // e^x < 2^-150 (half the smallest subnormal) for x < -103.97, so everything below rounds to +0.
  static constexpr float kMinInput = -105.0f;
  static constexpr float kLog2e = 1.44269502f;
  // 1.5 * 2^23 makes fma(x, log2e, kMagic) round x*log2e to an integer n held in the low mantissa
  // bits, plus the exponent bias (127) and kScaleShift, so shifting those bits into the exponent
  // field gives 2^(n + kScaleShift) directly.
  static constexpr int kScaleShift = 64;
  static constexpr float kMagic = 12582912.0f + 127.0f + kScaleShift;
  static constexpr int kMantissaBits = 23;
  static constexpr float kUnshift = 5.42101086e-20f;  // 2^-64
  // Fast path: for x >= kFastMin the result is normal, so 2^n can be added to p's exponent bits
  // directly (p >= 0.7 has exponent -1, and -1 + n >= -126). kFastMagic rounds without any bias.
  static constexpr float kFastMin = -86.0f;
  static constexpr float kFastMagic = 12582912.0f;
  // ln2 split so that n * kLn2Hi is exact for |n| < 2^9 (Cody-Waite).
  static constexpr bool kSplitLn2 = true;
  static constexpr float kMinusLn2Hi = -0.693145751953125f;
  static constexpr float kMinusLn2Lo = -1.42860677e-06f;
  // e^r ~ 1 + r (c1 + r (c2 + r (c3 + r (c4 + r c5)))) on [-ln2/2, ln2/2]; highest degree first.
  static constexpr size_t kPolyDegree = 5;
  static constexpr float kPoly[kPolyDegree] = {
      0x1.0fa7d8p-7f, 0x1.573ad0p-5f, 0x1.555a6ep-3f, 0x1.fffdc4p-2f, 0x1.fffff6p-1f};
};

template <>
struct ExpConstants<double> {
  // e^x < 2^-1075 (half the smallest subnormal) for x < -745.14.
  static constexpr double kMinInput = -746.0;
  static constexpr double kLog2e = 1.4426950408889634;
  // 1.5 * 2^52 rounds to an integer; 1023 is the exponent bias.
  static constexpr int kScaleShift = 512;
  static constexpr double kMagic = 6755399441055744.0 + 1023.0 + kScaleShift;
  static constexpr int kMantissaBits = 52;
  static constexpr double kUnshift = 0x1p-512;
  static constexpr double kFastMin = -707.0;  // -1 + n >= -1022
  static constexpr double kFastMagic = 6755399441055744.0;
  // fdlibm's split of ln2: n * kLn2Hi is exact for |n| < 2^11.
  static constexpr bool kSplitLn2 = true;
  static constexpr double kMinusLn2Hi = -6.93147180369123816490e-01;
  static constexpr double kMinusLn2Lo = -1.90821492927058770002e-10;
  // e^r ~ 1 + r (1 + r (c2 + ... + r c11)) on [-ln2/2, ln2/2], the minimax fit for relative error with
  // the linear coefficient held at exactly 1 (tools/fit_exp_polynomial.py --float64); highest degree first.
  static constexpr size_t kPolyDegree = 11;
  static constexpr double kPoly[kPolyDegree] = {
      0x1.ad7f77e90c3bdp-26, 0x1.28ad68a523075p-22, 0x1.71df253bf587dp-19, 0x1.a0199a16df503p-16,
      0x1.a01a012a68fb7p-13, 0x1.6c16c184266dep-10, 0x1.1111111127b9dp-7,  0x1.555555555088cp-5,
      0x1.55555555554fap-3,  0x1.000000000000ap-1,  0x1.0000000000000p+0};
};

// The exp that kernels writing Element use: the float32 and float64 ones above, and for half-precision
// outputs float32's with a shorter polynomial (the range reduction, the paths and the handling of
// -inf, NaN and subnormal results are float32's). The results are rounded to 11 (float16) or 8
// (bfloat16) significant bits, so e^x needs only about 2^-16 or 2^-12 relative accuracy for every
// result to stay within one ulp of the exact one rounded once.
template <class Element>
struct ExpConstantsForOutput : ExpConstants<Element> {};

// One reduction step with ln2 rounded to float32 (r = x - n ln2 in one FMA): its error, under
// |n| * 1.9e-9 (2.4e-7 relative at most), is far below what half precision keeps.
struct ExpReductionForHalf : ExpConstants<float> {
  static constexpr bool kSplitLn2 = false;
  static constexpr float kMinusLn2Hi = -0x1.62e430p-1f;
  static constexpr float kMinusLn2Lo = 0.0f;
};

template <>
struct ExpConstantsForOutput<Float16> : ExpReductionForHalf {
  // e^r ~ 1 + r (c1 + r (c2 + r (c3 + r c4))): relative error 2.8e-6 (fit_exp_polynomial.py 4).
  static constexpr size_t kPolyDegree = 4;
  static constexpr float kPoly[kPolyDegree] = {0x1.541480p-5f, 0x1.57cf54p-3f, 0x1.0003f6p-1f, 0x1.fffba6p-1f};
};

template <>
struct ExpConstantsForOutput<BFloat16> : ExpReductionForHalf {
  // e^r ~ 1 + r (c1 + r (c2 + r c3)): relative error 1.0e-4 (fit_exp_polynomial.py 3).
  static constexpr size_t kPolyDegree = 3;
  static constexpr float kPoly[kPolyDegree] = {0x1.524900p-3f, 0x1.021deap-1f, 0x1.000cdcp+0f};
};

}  // namespace simd_softmax

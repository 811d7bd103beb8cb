// Constants of the vectorised exp used by every kernel set (see exp_nonpositive in
// softmax_algorithm.h). Data only: no functions, so nothing here can cross instruction-set
// translation units.
//
// Contract of exp_nonpositive(x), float32 and float64 alike:
//   - domain: x <= 0, x = -inf, or NaN (softmax only ever evaluates e^(x - max) <= 0);
//   - x = -inf and every x whose e^x rounds to +0 give +0; NaN gives NaN;
//   - results in the subnormal range are produced (one rounding), not flushed to zero;
//   - float32: within 2.0 ulp of e^x for normal results with FMA (avx2, neon) and 2.3 ulp
//     without (scalar): polynomial error 9.3e-8 relative (tools/fit_exp_polynomial.py) plus the
//     rounding of Horner's rule;
//   - float64: within 1.2 ulp (Taylor series to degree 13, truncation below 0.05 ulp);
//   - subnormal results: within 1.5 units of the smallest subnormal of the exact e^x.
//   Measured by tools/check_exp_accuracy.cc over every float32 in [-104, 0] and 5e7 float64 points.
// Vectors whose lanes are all >= kFastMin (typical softmax input: no NaN, -inf or result below the
// normal range) take a fast path with the same polynomial that scales by adding n to the exponent
// bits; the results are the same to the bit except where the slow path's two-step scaling rounds.
#pragma once

#include <cstddef>

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
  static constexpr double kMinusLn2Hi = -6.93147180369123816490e-01;
  static constexpr double kMinusLn2Lo = -1.90821492927058770002e-10;
  // Taylor coefficients 1/k!, k = 13 down to 1.
  static constexpr size_t kPolyDegree = 13;
  static constexpr double kPoly[kPolyDegree] = {
      1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
      1.0 / 40320.0,      1.0 / 5040.0,      1.0 / 720.0,      1.0 / 120.0,     1.0 / 24.0,
      1.0 / 6.0,          0.5,               1.0};
};

}  // namespace simd_softmax

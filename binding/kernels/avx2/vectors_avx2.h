// The AVX2 + FMA (+ F16C) vector operation structs (see vector_traits.h): F32x8 and F64x4, and
// F16x8 and BF16x8 on F32x8 (see half_vectors.h, which the unit includes first).
//
// No include guard, no includes and no namespace on purpose: a kernel translation unit includes
// this inside its own ISA namespace, after <immintrin.h>. kernels/avx2/ builds its kernel set from
// these, and kernels/avx512/ uses them for rows shorter than one AVX-512 vector. Each copy is
// compiled with its own unit's flags and lives in its own namespace, so the linker can never hand
// the avx2 set a copy compiled for AVX-512.

// Sliding windows over these give the lane masks of partial loads and keep_first: the mask for
// `count` lanes starts at element kLanes - count. Partial stores do not use masks: VMASKMOVPS to
// memory cost about 10 ns a store on Zen 3 (a [1, 7] softmax took 143 ns instead of 112), so they
// store the vector to the stack and copy `count` lanes out (a vector store read back by scalar
// loads forwards; the reverse, scalar stores read by a vector load, stalls, so loads stay masked).
alignas(32) constexpr int32_t kTailMask32[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
alignas(32) constexpr int64_t kTailMask64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

// The sum of four doubles by halving steps.
inline double sum_lanes(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

struct F32x8 {
  using Scalar = float;
  using Vec = __m256;
  struct Wide {
    __m256d low, high;
  };
  static constexpr size_t kLanes = 8;

  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec set1(float v) { return _mm256_set1_ps(v); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  static __m256i tail_mask(size_t count) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask32 + kLanes - count));
  }
  static Vec load_partial(const float* p, size_t count, Vec fill) {
    const __m256i mask = tail_mask(count);
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, mask), _mm256_castsi256_ps(mask));
  }
  static void store_partial(float* p, size_t count, Vec v) {
    // Through the stack, not VMASKMOVPS (see kTailMask32).
    alignas(32) float lanes[kLanes];
    _mm256_store_ps(lanes, v);
    for (size_t i = 0; i < count; ++i) p[i] = lanes[i];
  }
  static Vec keep_first(Vec v, size_t count) { return _mm256_and_ps(v, _mm256_castsi256_ps(tail_mask(count))); }
  // A non-temporal store (past the caches) to a 32-byte aligned address.
  static constexpr size_t kStreamAlignment = 32;
  static void stream(float* p, Vec v) { _mm256_stream_ps(p, v); }
  static void stream_fence() { _mm_sfence(); }
  static Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm256_sub_ps(a, b); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
  static Vec div(Vec a, Vec b) { return _mm256_div_ps(a, b); }
  static Vec zero_where_at_most(Vec v, Vec x, float bound) {
    return _mm256_and_ps(v, _mm256_cmp_ps(x, _mm256_set1_ps(bound), _CMP_NLE_UQ));
  }
  // Lane i: v where bytes[i] (kLanes mask bytes) is nonzero, else fill.
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) {
    const __m256i lanes = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes)));
    const __m256i dropped = _mm256_cmpeq_epi32(lanes, _mm256_setzero_si256());
    return _mm256_blendv_ps(v, fill, _mm256_castsi256_ps(dropped));
  }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  static Vec max(Vec a, Vec b) { return _mm256_max_ps(a, b); }
  static Vec pow2_from_biased(Vec biased) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(biased), 23));
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    return _mm256_castsi256_ps(
        _mm256_add_epi32(_mm256_castps_si256(p), _mm256_slli_epi32(_mm256_castps_si256(n), 23)));
  }
  static bool all_at_least(Vec v, float bound) {
    return _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_set1_ps(bound), _CMP_GE_OQ)) == 0xFF;
  }
  static Vec zero_where_equal(Vec v, float value) {
    return _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_set1_ps(value), _CMP_NEQ_UQ));
  }
  static Wide wide_zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  static Wide widen_add(Wide wide, Vec v) {
    return {_mm256_add_pd(wide.low, _mm256_cvtps_pd(_mm256_castps256_ps128(v))),
            _mm256_add_pd(wide.high, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)))};
  }
  static void wide_store(Wide wide, double* lanes) {
    _mm256_storeu_pd(lanes, wide.low);
    _mm256_storeu_pd(lanes + 4, wide.high);
  }
  static Wide wide_load(const double* lanes) { return {_mm256_loadu_pd(lanes), _mm256_loadu_pd(lanes + 4)}; }
  // Halving steps: the high half onto the low one, three times.
  static float reduce_max(Vec v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
  }
  static double reduce_add(Wide wide) { return sum_lanes(_mm256_add_pd(wide.low, wide.high)); }
};

struct F64x4 {
  using Scalar = double;
  using Vec = __m256d;
  using Wide = __m256d;
  static constexpr size_t kLanes = 4;

  static Vec zero() { return _mm256_setzero_pd(); }
  static Vec set1(double v) { return _mm256_set1_pd(v); }
  static Vec load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, Vec v) { _mm256_storeu_pd(p, v); }
  static __m256i tail_mask(size_t count) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask64 + kLanes - count));
  }
  static Vec load_partial(const double* p, size_t count, Vec fill) {
    const __m256i mask = tail_mask(count);
    return _mm256_blendv_pd(fill, _mm256_maskload_pd(p, mask), _mm256_castsi256_pd(mask));
  }
  static void store_partial(double* p, size_t count, Vec v) {
    // Through the stack, not VMASKMOVPD (see kTailMask32).
    alignas(32) double lanes[kLanes];
    _mm256_store_pd(lanes, v);
    for (size_t i = 0; i < count; ++i) p[i] = lanes[i];
  }
  static Vec keep_first(Vec v, size_t count) { return _mm256_and_pd(v, _mm256_castsi256_pd(tail_mask(count))); }
  static constexpr size_t kStreamAlignment = 32;
  static void stream(double* p, Vec v) { _mm256_stream_pd(p, v); }
  static void stream_fence() { _mm_sfence(); }
  static Vec add(Vec a, Vec b) { return _mm256_add_pd(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm256_sub_pd(a, b); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_pd(a, b); }
  static Vec div(Vec a, Vec b) { return _mm256_div_pd(a, b); }
  static Vec zero_where_at_most(Vec v, Vec x, double bound) {
    return _mm256_and_pd(v, _mm256_cmp_pd(x, _mm256_set1_pd(bound), _CMP_NLE_UQ));
  }
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) {
    int32_t four;
    std::memcpy(&four, bytes, sizeof four);
    const __m256i lanes = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(four));
    const __m256i dropped = _mm256_cmpeq_epi64(lanes, _mm256_setzero_si256());
    return _mm256_blendv_pd(v, fill, _mm256_castsi256_pd(dropped));
  }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_pd(a, b, c); }
  static Vec max(Vec a, Vec b) { return _mm256_max_pd(a, b); }
  static Vec pow2_from_biased(Vec biased) {
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(biased), 52));
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    return _mm256_castsi256_pd(
        _mm256_add_epi64(_mm256_castpd_si256(p), _mm256_slli_epi64(_mm256_castpd_si256(n), 52)));
  }
  static bool all_at_least(Vec v, double bound) {
    return _mm256_movemask_pd(_mm256_cmp_pd(v, _mm256_set1_pd(bound), _CMP_GE_OQ)) == 0xF;
  }
  static Wide wide_zero() { return _mm256_setzero_pd(); }
  static Wide widen_add(Wide wide, Vec v) { return _mm256_add_pd(wide, v); }
  static void wide_store(Wide wide, double* lanes) { _mm256_storeu_pd(lanes, wide); }
  static Wide wide_load(const double* lanes) { return _mm256_loadu_pd(lanes); }
  // Halving steps, as F32x8's.
  static double reduce_max(Vec v) {
    const __m128d m = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_max_sd(m, _mm_unpackhi_pd(m, m)));
  }
  static double reduce_add(Wide wide) { return sum_lanes(wide); }
};

// float16 on F32x8 through F16C: VCVTPH2PS widens, VCVTPS2PH rounds to nearest even (subnormals
// and NaN as IEEE says).
struct F16Codec8 {
  using Element = Float16;
  static constexpr size_t kStreamAlignment = 16;
  static __m256 widen(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static __m128i round(__m256 v) { return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static void narrow(uint16_t* p, __m256 v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), round(v)); }
  static void narrow_stream(uint16_t* p, __m256 v) { _mm_stream_si128(reinterpret_cast<__m128i*>(p), round(v)); }
};

// bfloat16 on F32x8 by integer arithmetic: widening shifts the bits up; rounding adds 0x7fff plus
// the lowest kept bit and keeps the top half (NaN lanes keep their top half, made quiet).
struct BF16Codec8 {
  using Element = BFloat16;
  static constexpr size_t kStreamAlignment = 16;
  static __m256 widen(const uint16_t* p) {
    const __m256i bits = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(bits, 16));
  }
  static __m128i round(__m256 v) {
    const __m256i bits = _mm256_castps_si256(v);
    const __m256i lowest_kept = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i rounded =
        _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7fff)), lowest_kept), 16);
    const __m256i quiet_nan = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
    const __m256i halves = _mm256_blendv_epi8(rounded, quiet_nan, _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
    // Pack the eight 16-bit values (in 32-bit lanes) into the low 128 bits.
    const __m256i packed = _mm256_packus_epi32(halves, halves);
    return _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08));
  }
  static void narrow(uint16_t* p, __m256 v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), round(v)); }
  static void narrow_stream(uint16_t* p, __m256 v) { _mm_stream_si128(reinterpret_cast<__m128i*>(p), round(v)); }
};

using F16x8 = HalfVectors<F32x8, F16Codec8>;
using BF16x8 = HalfVectors<F32x8, BF16Codec8>;

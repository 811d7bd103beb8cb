// The AVX-512F vector operation structs (see vector_traits.h): F32x16 and F64x8, and F16x16 and
// BF16x16 on F32x16 (see half_vectors.h). As vectors_avx2.h: no guard, no includes, no namespace;
// a unit includes this inside its ISA namespace after <immintrin.h>, half_vectors.h and
// vectors_avx2.h (the narrow width).

// Partial loads and stores use opmask registers: a masked AVX-512 load or store touches only the
// lanes it names and suppresses faults on the others, unlike AVX2's VMASKMOVPS stores.
inline __mmask16 first_lanes16(size_t count) { return static_cast<__mmask16>((1u << count) - 1u); }
inline __mmask8 first_lanes8(size_t count) { return static_cast<__mmask8>((1u << count) - 1u); }

struct F32x16 {
  using Scalar = float;
  using Vec = __m512;
  struct Wide {
    __m512d low, high;
  };
  static constexpr size_t kLanes = 16;
  // Rows shorter than 16 elements run on AVX2 vectors where the planner chooses the narrow width (core/planner.cc).
  using Narrow = F32x8;

  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec set1(float v) { return _mm512_set1_ps(v); }
  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  static Vec load_partial(const float* p, size_t count, Vec fill) {
    return _mm512_mask_loadu_ps(fill, first_lanes16(count), p);
  }
  static void store_partial(float* p, size_t count, Vec v) { _mm512_mask_storeu_ps(p, first_lanes16(count), v); }
  static Vec keep_first(Vec v, size_t count) { return _mm512_maskz_mov_ps(first_lanes16(count), v); }
  // A non-temporal store (past the caches) to a 64-byte aligned address.
  static constexpr size_t kStreamAlignment = 64;
  static void stream(float* p, Vec v) { _mm512_stream_ps(p, v); }
  static void stream_fence() { _mm_sfence(); }
  static Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm512_sub_ps(a, b); }
  static Vec mul(Vec a, Vec b) { return _mm512_mul_ps(a, b); }
  static Vec div(Vec a, Vec b) { return _mm512_div_ps(a, b); }
  static Vec zero_where_at_most(Vec v, Vec x, float bound) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(bound), _CMP_NLE_UQ), v);
  }
  // Lane i: v where bytes[i] (kLanes mask bytes) is nonzero, else fill.
  // The lane mask from a byte compare and a movemask (SSE2, cheap), not by widening the bytes to
  // 32 bits (a 512-bit shuffle, which took the masked [8, 12, 128, 128] case from 1.3x to 2x of plain).
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) {
    const __m128i dropped = _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)), _mm_setzero_si128());
    return _mm512_mask_blend_ps(static_cast<__mmask16>(~_mm_movemask_epi8(dropped)), fill, v);
  }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  // VMAXPS: the second operand whenever either is NaN, as with AVX2.
  static Vec max(Vec a, Vec b) { return _mm512_max_ps(a, b); }
  static Vec pow2_from_biased(Vec biased) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(biased), 23));
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    return _mm512_castsi512_ps(
        _mm512_add_epi32(_mm512_castps_si512(p), _mm512_slli_epi32(_mm512_castps_si512(n), 23)));
  }
  static bool all_at_least(Vec v, float bound) {
    return _mm512_cmp_ps_mask(v, _mm512_set1_ps(bound), _CMP_GE_OQ) == 0xFFFF;
  }
  static Vec zero_where_equal(Vec v, float value) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_set1_ps(value), _CMP_NEQ_UQ), v);
  }
  static Wide wide_zero() { return {_mm512_setzero_pd(), _mm512_setzero_pd()}; }
  static Wide widen_add(Wide wide, Vec v) {
    const __m256 high = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return {_mm512_add_pd(wide.low, _mm512_cvtps_pd(_mm512_castps512_ps256(v))),
            _mm512_add_pd(wide.high, _mm512_cvtps_pd(high))};
  }
  static void wide_store(Wide wide, double* lanes) {
    _mm512_storeu_pd(lanes, wide.low);
    _mm512_storeu_pd(lanes + 8, wide.high);
  }
  static Wide wide_load(const double* lanes) { return {_mm512_loadu_pd(lanes), _mm512_loadu_pd(lanes + 8)}; }
  // The compilers' reduce helpers work by halving steps.
  static float reduce_max(Vec v) { return _mm512_reduce_max_ps(v); }
  static double reduce_add(Wide wide) { return _mm512_reduce_add_pd(_mm512_add_pd(wide.low, wide.high)); }
  // VPERMT2PS with indices shift..shift+15: past 15 they pick hi's lanes.
  static __m512i shifted_index(size_t shift) {
    return _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                            _mm512_set1_epi32(static_cast<int>(shift)));
  }
  static Vec concat_shifted(Vec lo, Vec hi, __m512i index) { return _mm512_permutex2var_ps(lo, index, hi); }
};

struct F64x8 {
  using Scalar = double;
  using Vec = __m512d;
  using Wide = __m512d;
  static constexpr size_t kLanes = 8;
  using Narrow = F64x4;

  static Vec zero() { return _mm512_setzero_pd(); }
  static Vec set1(double v) { return _mm512_set1_pd(v); }
  static Vec load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, Vec v) { _mm512_storeu_pd(p, v); }
  static Vec load_partial(const double* p, size_t count, Vec fill) {
    return _mm512_mask_loadu_pd(fill, first_lanes8(count), p);
  }
  static void store_partial(double* p, size_t count, Vec v) { _mm512_mask_storeu_pd(p, first_lanes8(count), v); }
  static Vec keep_first(Vec v, size_t count) { return _mm512_maskz_mov_pd(first_lanes8(count), v); }
  static constexpr size_t kStreamAlignment = 64;
  static void stream(double* p, Vec v) { _mm512_stream_pd(p, v); }
  static void stream_fence() { _mm_sfence(); }
  static Vec add(Vec a, Vec b) { return _mm512_add_pd(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm512_sub_pd(a, b); }
  static Vec mul(Vec a, Vec b) { return _mm512_mul_pd(a, b); }
  static Vec div(Vec a, Vec b) { return _mm512_div_pd(a, b); }
  static Vec zero_where_at_most(Vec v, Vec x, double bound) {
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(x, _mm512_set1_pd(bound), _CMP_NLE_UQ), v);
  }
  static Vec where_kept(const uint8_t* bytes, Vec v, Vec fill) {
    const __m128i dropped = _mm_cmpeq_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes)), _mm_setzero_si128());
    return _mm512_mask_blend_pd(static_cast<__mmask8>(~_mm_movemask_epi8(dropped)), fill, v);
  }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
  static Vec max(Vec a, Vec b) { return _mm512_max_pd(a, b); }
  static Vec pow2_from_biased(Vec biased) {
    return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(biased), 52));
  }
  static Vec add_shifted_bits(Vec p, Vec n) {
    return _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_castpd_si512(p), _mm512_slli_epi64(_mm512_castpd_si512(n), 52)));
  }
  static bool all_at_least(Vec v, double bound) {
    return _mm512_cmp_pd_mask(v, _mm512_set1_pd(bound), _CMP_GE_OQ) == 0xFF;
  }
  static Wide wide_zero() { return _mm512_setzero_pd(); }
  static Wide widen_add(Wide wide, Vec v) { return _mm512_add_pd(wide, v); }
  static void wide_store(Wide wide, double* lanes) { _mm512_storeu_pd(lanes, wide); }
  static Wide wide_load(const double* lanes) { return _mm512_loadu_pd(lanes); }
  static double reduce_max(Vec v) { return _mm512_reduce_max_pd(v); }
  static double reduce_add(Wide wide) { return _mm512_reduce_add_pd(wide); }
  static __m512i shifted_index(size_t shift) {
    return _mm512_add_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), _mm512_set1_epi64(static_cast<long long>(shift)));
  }
  static Vec concat_shifted(Vec lo, Vec hi, __m512i index) { return _mm512_permutex2var_pd(lo, index, hi); }
};

// float16 through AVX-512F's VCVTPH2PS / VCVTPS2PH (rounding to nearest even).
struct F16Codec16 {
  using Element = Float16;
  static constexpr size_t kStreamAlignment = 32;
  static __m512 widen(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static __m256i round(__m512 v) { return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static void narrow(uint16_t* p, __m512 v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), round(v)); }
  static void narrow_stream(uint16_t* p, __m512 v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), round(v)); }
};

// bfloat16 by integer arithmetic, as BF16Codec8; VPMOVDW packs the halves.
struct BF16Codec16 {
  using Element = BFloat16;
  static constexpr size_t kStreamAlignment = 32;
  static __m512 widen(const uint16_t* p) {
    const __m512i bits = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(bits, 16));
  }
  static __m256i round(__m512 v) {
    const __m512i bits = _mm512_castps_si512(v);
    const __m512i lowest_kept = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    const __m512i rounded =
        _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7fff)), lowest_kept), 16);
    const __m512i quiet_nan = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_cvtepi32_epi16(_mm512_mask_mov_epi32(rounded, nan, quiet_nan));
  }
  static void narrow(uint16_t* p, __m512 v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), round(v)); }
  static void narrow_stream(uint16_t* p, __m512 v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), round(v)); }
};

using F16x16 = HalfVectors<F32x16, F16Codec16, F16x8>;
using BF16x16 = HalfVectors<F32x16, BF16Codec16, BF16x8>;

// How kernels read their input: a plain pointer (the input as it is) or a FilteredInput (a job's
// mask and temperature applied on the way in, see InputFilter). Kernels are written once against
// the read functions below and instantiated for both, so the options cost no pass of their own.
// Guarded per instruction set, not per file: see forget_isa.h.
#ifndef SIMD_SOFTMAX_ISA_FILTERED_INPUT_H
#define SIMD_SOFTMAX_ISA_FILTERED_INPUT_H
#include "isa_unit.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernel_set.h"
#include "vector_traits.h"

namespace simd_softmax {
namespace SIMD_SOFTMAX_ISA_NAMESPACE {

// v rounded to V's element type (a no-op where the element type is the compute type).
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec rounded_to_element(typename V::Vec v) {
  if constexpr (std::is_same_v<ElementT<V>, typename V::Scalar>) {
    return v;
  } else {
    return V::round_to_element(v);
  }
}

template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Scalar one_rounded_to_element(typename V::Scalar value) {
  if constexpr (std::is_same_v<ElementT<V>, typename V::Scalar>) {
    return value;
  } else {
    return V::from_element(V::to_element(value));
  }
}

// The elements from x on, read through a filter: x / temperature where `divides`, then -inf where
// the mask byte is 0. Element c of the row is x[c], its mask byte mask[c * step]; row k further on
// is x + k * row_length, its mask bytes mask + k * row_stride (see input_at).
template <class V>
struct FilteredInput {
  using Scalar = typename V::Scalar;
  const ElementT<V>* x;
  const uint8_t* mask;  // null: every element takes part
  size_t step;          // 0 or 1
  size_t row_stride;
  Scalar temperature;  // already rounded to the element type
  bool divides;

  // filter.temperature is already rounded to the element type (lib/ rounds it once, from the
  // caller's number), so converting it to the compute type is exact.
  static FilteredInput of(const ElementT<V>* input, const InputFilter& filter) {
    return FilteredInput{input, filter.mask, filter.mask_step, filter.mask_row_stride,
                         static_cast<Scalar>(filter.temperature), filter.temperature != 1.0};
  }
  // Element c of this row.
  FilteredInput operator+(size_t c) const {
    return FilteredInput{x + c, mask == nullptr ? nullptr : mask + c * step, step, row_stride, temperature, divides};
  }
  // The same elements masked but not divided, and a max of theirs divided: dividing by T > 0 and
  // rounding keep the order, so the max of the quotients is the quotient of the max, bit for bit.
  // Max passes take it, and divide once per line instead of once per vector.
  FilteredInput undivided() const { return FilteredInput{x, mask, step, row_stride, temperature, false}; }
  SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec divided(typename V::Vec max) const {
    return divides ? rounded_to_element<V>(V::div(max, V::set1(temperature))) : max;
  }
  SIMD_SOFTMAX_ALWAYS_INLINE Scalar divided_one(Scalar max) const {
    return divides ? one_rounded_to_element<V>(max / temperature) : max;
  }
  // One vector of elements, filtered; their mask bytes from mask + mask_offset on.
  SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec apply(typename V::Vec v, size_t mask_offset) const {
    const typename V::Vec minus_inf = V::set1(-std::numeric_limits<Scalar>::infinity());
    if (divides) v = rounded_to_element<V>(V::div(v, V::set1(temperature)));
    if (mask == nullptr) return v;
    if (step == 0) return mask[mask_offset] != 0 ? v : minus_inf;
    return V::where_kept(mask + mask_offset, v, minus_inf);
  }
};

// Whether kernels read In through a filter.
template <class In>
struct IsFiltered : std::false_type {};
template <class V>
struct IsFiltered<FilteredInput<V>> : std::true_type {};

// Element (k, c) of an input whose rows are row_length elements apart: row k of a rows kernel, or
// column c of row k of a columns kernel.
template <class Element>
SIMD_SOFTMAX_ALWAYS_INLINE const Element* input_at(const Element* x, size_t k, size_t row_length, size_t c) {
  return x + k * row_length + c;
}
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE FilteredInput<V> input_at(const FilteredInput<V>& in, size_t k, size_t row_length,
                                                     size_t c) {
  FilteredInput<V> at = in + c;
  at.x += k * row_length;
  if (at.mask != nullptr) at.mask += k * in.row_stride;
  return at;
}

// The address of the first element, for prefetching.
template <class Element>
SIMD_SOFTMAX_ALWAYS_INLINE const Element* address_of(const Element* x) {
  return x;
}
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE const ElementT<V>* address_of(const FilteredInput<V>& in) {
  return in.x;
}

// Reads take the input and an element offset (i along a row; row k and column c for columns),
// so that a FilteredInput is never copied in the inner loops.

// A whole vector at element i.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read(const ElementT<V>* x, size_t i = 0) {
  return V::load(x + i);
}
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read(const FilteredInput<V>& in, size_t i = 0) {
  return in.apply(V::load(in.x + i), i * in.step);
}

// A whole vector at element (k, c) of rows row_length elements apart.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read(const ElementT<V>* x, size_t k, size_t row_length, size_t c) {
  return V::load(x + k * row_length + c);
}
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read(const FilteredInput<V>& in, size_t k, size_t row_length, size_t c) {
  return in.apply(V::load(in.x + k * row_length + c), k * in.row_stride + c * in.step);
}

// The first count lanes from element i (count in [1, kLanes)), the others `fill`.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read_partial(const ElementT<V>* x, size_t i, size_t count,
                                                        typename V::Vec fill) {
  return V::load_partial(x + i, count, fill);
}
template <class V>
inline typename V::Vec read_partial(const FilteredInput<V>& in, size_t i, size_t count, typename V::Vec fill) {
  constexpr size_t L = V::kLanes;
  const typename V::Vec minus_inf = V::set1(-std::numeric_limits<typename V::Scalar>::infinity());
  typename V::Vec v = V::load_partial(in.x + i, count, fill);
  if (in.divides) v = rounded_to_element<V>(V::div(v, V::set1(in.temperature)));
  // Lanes below count that take no part become -inf; lanes from count on get `fill` back.
  uint8_t kept[L], present[L];
  for (size_t lane = 0; lane < L; ++lane) {
    kept[lane] = lane >= count || in.mask == nullptr || in.mask[(i + lane) * in.step] != 0;
    present[lane] = lane < count;
  }
  return V::where_kept(present, V::where_kept(kept, v, minus_inf), fill);
}

// The same at element (k, c) of rows row_length elements apart.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read_partial(const ElementT<V>* x, size_t k, size_t row_length, size_t c,
                                                        size_t count, typename V::Vec fill) {
  return V::load_partial(x + k * row_length + c, count, fill);
}
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Vec read_partial(const FilteredInput<V>& in, size_t k, size_t row_length,
                                                        size_t c, size_t count, typename V::Vec fill) {
  return read_partial<V>(input_at(in, k, row_length, 0), c, count, fill);
}

// One element, as V::Scalar.
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Scalar read_one(const ElementT<V>* x, size_t i) {
  return load_element<V>(x + i);
}
template <class V>
SIMD_SOFTMAX_ALWAYS_INLINE typename V::Scalar read_one(const FilteredInput<V>& in, size_t i) {
  typename V::Scalar value = load_element<V>(in.x + i);
  if (in.divides) value = one_rounded_to_element<V>(value / in.temperature);
  if (in.mask != nullptr && in.mask[i * in.step] == 0) value = -std::numeric_limits<typename V::Scalar>::infinity();
  return value;
}

// Calls kernel(input) for a plain job (filter null) and kernel(FilteredInput) otherwise.
template <class V, class Kernel>
SIMD_SOFTMAX_ALWAYS_INLINE void with_input(const ElementT<V>* input, const InputFilter* filter, Kernel&& kernel) {
  if (filter == nullptr) {
    kernel(input);
  } else {
    kernel(FilteredInput<V>::of(input, *filter));
  }
}

}  // namespace SIMD_SOFTMAX_ISA_NAMESPACE
}  // namespace simd_softmax

#endif  // SIMD_SOFTMAX_ISA_FILTERED_INPUT_H

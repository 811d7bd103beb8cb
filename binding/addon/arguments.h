// What every Node-API entry point of the addon shares: reading its arguments (checking only what
// keeps memory safe: lib/ validates everything users pass, so a failed check here is a bug in lib/)
// and turning C++ exceptions into JS ones.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>

#include "../core/softmax_job.h"

namespace simd_softmax {
namespace addon {

inline constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

[[noreturn]] inline void throw_internal(napi_env env, const std::string& what) {
  throw Napi::TypeError::New(env, "simd-softmax internal error (lib/ should have caught this): " + what);
}

inline double read_number(napi_env env, napi_value value, const char* name) {
  double number = 0.0;
  if (napi_get_value_double(env, value, &number) != napi_ok) throw_internal(env, std::string(name) + " is not a number");
  return number;
}

inline size_t read_count(napi_env env, napi_value value, const char* name) {
  const double number = read_number(env, value, name);
  // An integer converts to size_t and back unchanged (a cast, not a call to floor, on the hot path).
  if (!(number >= 0.0 && number <= kMaxSafeInteger && static_cast<double>(static_cast<int64_t>(number)) == number)) {
    throw_internal(env, std::string(name) + " is not a non-negative integer");
  }
  return static_cast<size_t>(number);
}

// A typed array argument's element type, length and address of its first element.
struct TypedArrayView {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

inline TypedArrayView read_typed_array(napi_env env, napi_value value, const char* name) {
  TypedArrayView view{};
  napi_value array_buffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, value, &view.type, &view.length, &view.data, &array_buffer, &byte_offset) !=
      napi_ok) {
    throw_internal(env, std::string(name) + " is not a typed array");
  }
  return view;
}

// run() and runAsync() take six arguments, (kind, input, output, outer, dimSize, inner), and for a
// job with options two more, (mask, optionWords): kind is op + kOpCount * dtype (see protocol in
// Init); input and output are typed arrays of that dtype (possibly the same one; Uint16Array views
// of the bits for float16 and bfloat16, whatever array the user passed); mask a Uint8Array or
// null; optionWords a Float64Array (read_options). Raw Node-API: every call takes this path.
inline constexpr size_t kRunArguments = 6;
inline constexpr size_t kRunArgumentsWithOptions = 8;

struct JobArguments {
  SoftmaxJob job;
  napi_value input;
  napi_value output;
  napi_value mask;  // null when the job has no mask
};

inline bool has_work(const SoftmaxJob& job) { return job.outer > 0 && job.dim_size > 0 && job.inner > 0; }

// Reads `count` dims (sizes, then strides) from words[at...] into dims; their sizes must multiply to
// `total`. Returns the largest mask offset they reach, in double.
inline double read_mask_dims(napi_env env, const double* words, size_t word_count, size_t* at, size_t total,
                             MaskDims* dims) {
  auto word = [&](const char* name) {
    if (*at >= word_count) throw_internal(env, std::string("optionWords ends before ") + name);
    const double value = words[(*at)++];
    if (!(value >= 0 && value <= kMaxSafeInteger && value == static_cast<double>(static_cast<int64_t>(value)))) {
      throw_internal(env, std::string(name) + " is not a non-negative integer");
    }
    return static_cast<size_t>(value);
  };
  dims->count = word("dim count");
  if (dims->count > kMaxMaskDims) throw_internal(env, "a mask has more dims than kMaxMaskDims");
  double product = 1.0, reach = 0.0;
  for (size_t d = 0; d < dims->count; ++d) {
    dims->sizes[d] = word("size");
    if (dims->sizes[d] == 0) throw_internal(env, "a mask dim of size 0");
    product *= static_cast<double>(dims->sizes[d]);
  }
  for (size_t d = 0; d < dims->count; ++d) {
    dims->strides[d] = word("stride");
    reach += static_cast<double>(dims->sizes[d] - 1) * static_cast<double>(dims->strides[d]);
  }
  if (total > 0 && product != static_cast<double>(total)) throw_internal(env, "mask dims do not cover the tensor");
  return reach;
}

// The options of a job from (mask, optionWords): optionWords holds temperature, zeroFullyMasked
// (0 or 1), causal (0 or 1), causalRows, causalDiagonal, then, with a mask, dimStride and the outer
// and inner dims (read_mask_dims: count, sizes, strides). Checks what keeps memory safe: the mask
// holds every offset the layout reaches, the dims cover the tensor, a causal job's rows divide outer.
inline void read_options(napi_env env, napi_value mask_value, napi_value words_value, JobArguments* arguments) {
  SoftmaxJob& job = arguments->job;
  JobOptions& options = job.options;
  const TypedArrayView words = read_typed_array(env, words_value, "optionWords");
  if (words.type != napi_float64_array || words.length < 5) throw_internal(env, "optionWords is not a Float64Array of 5+");
  const double* word = static_cast<const double*>(words.data);
  options.temperature = word[0];
  if (!(options.temperature > 0 && options.temperature < std::numeric_limits<double>::infinity())) {
    throw_internal(env, "temperature is not a finite positive number");
  }
  options.zero_fully_masked = word[1] != 0;
  options.causal = word[2] != 0;
  if (options.causal) {
    if (!(word[3] >= 1 && word[3] <= kMaxSafeInteger) || job.inner != 1) throw_internal(env, "causal rows");
    options.causal_rows = static_cast<size_t>(word[3]);
    if (job.outer % options.causal_rows != 0) throw_internal(env, "causal rows do not divide outer");
    if (!(std::abs(word[4]) <= kMaxSafeInteger) || word[4] != static_cast<double>(static_cast<int64_t>(word[4]))) {
      throw_internal(env, "causal diagonal is not an integer");
    }
    options.causal_diagonal = static_cast<int64_t>(word[4]);
  }
  napi_valuetype mask_type;
  if (napi_typeof(env, mask_value, &mask_type) != napi_ok) throw_internal(env, "mask");
  if (mask_type == napi_null || mask_type == napi_undefined) return;
  const TypedArrayView mask = read_typed_array(env, mask_value, "mask");
  if (mask.type != napi_uint8_array) throw_internal(env, "mask is not a Uint8Array");
  size_t at = 5;
  if (words.length < 6) throw_internal(env, "optionWords has no mask layout");
  const double dim_stride = word[at++];
  if (!(dim_stride >= 0 && dim_stride <= kMaxSafeInteger && dim_stride == static_cast<double>(static_cast<int64_t>(dim_stride)))) {
    throw_internal(env, "dim stride is not a non-negative integer");
  }
  options.mask.dim_stride = static_cast<size_t>(dim_stride);
  double reach = read_mask_dims(env, word, words.length, &at, job.outer, &options.mask.outer_dims);
  reach += read_mask_dims(env, word, words.length, &at, job.inner, &options.mask.inner_dims);
  // The stride along a line the kernels step through with vectors: 0 or 1 (rows: the dim; columns:
  // the innermost inner dim).
  const MaskDims& inner_dims = options.mask.inner_dims;
  if (job.inner == 1 ? dim_stride > 1 : (inner_dims.count > 0 && inner_dims.strides[inner_dims.count - 1] > 1)) {
    throw_internal(env, "a mask's innermost stride is not 0 or 1");
  }
  if (job.dim_size > 0) reach += static_cast<double>(job.dim_size - 1) * dim_stride;
  if (has_work(job) && reach >= static_cast<double>(mask.length)) throw_internal(env, "the mask is smaller than its layout");
  options.mask.data = static_cast<const uint8_t*>(mask.data);
  arguments->mask = mask_value;
}

// A job with the op and dtype of kind (op + kOpCount * dtype); the rest is left for the caller to set.
inline SoftmaxJob job_of_kind(napi_env env, double kind) {
  if (!(kind >= 0 && kind < kOpCount * kDtypeCount && kind == static_cast<int>(kind))) {
    throw_internal(env, "kind is not a job kind");
  }
  SoftmaxJob job{};
  job.op = static_cast<Op>(static_cast<int>(kind) % kOpCount);
  job.dtype = static_cast<Dtype>(static_cast<int>(kind) / kOpCount);
  return job;
}

// A job's op, dtype and {outer, dim_size, inner} from the arguments kind, outer, dimSize and inner;
// its buffers are left for the caller to set.
inline SoftmaxJob read_layout(napi_env env, napi_value kind_value, napi_value outer, napi_value dim_size, napi_value inner) {
  SoftmaxJob job = job_of_kind(env, read_number(env, kind_value, "kind"));
  job.outer = read_count(env, outer, "outer");
  job.dim_size = read_count(env, dim_size, "dimSize");
  job.inner = read_count(env, inner, "inner");
  return job;
}

// outer * dim_size * inner, in double: the product of three counts may overflow size_t.
inline double element_count(const SoftmaxJob& job) {
  return static_cast<double>(job.outer) * static_cast<double>(job.dim_size) * static_cast<double>(job.inner);
}

inline JobArguments read_job(napi_env env, napi_callback_info info) {
  size_t argc = kRunArgumentsWithOptions;
  napi_value args[kRunArgumentsWithOptions];
  if (napi_get_cb_info(env, info, &argc, args, nullptr, nullptr) != napi_ok ||
      (argc != kRunArguments && argc != kRunArgumentsWithOptions)) {
    throw_internal(env, "run() takes 6 or 8 arguments");
  }
  SoftmaxJob job = read_layout(env, args[0], args[3], args[4], args[5]);
  const TypedArrayView input = read_typed_array(env, args[1], "input");
  const TypedArrayView output = read_typed_array(env, args[2], "output");

  // The buffers must be of the job's dtype and hold outer * dim_size * inner elements.
  const napi_typedarray_type expected = job.dtype == Dtype::kFloat32   ? napi_float32_array
                                        : job.dtype == Dtype::kFloat64 ? napi_float64_array
                                                                       : napi_uint16_array;
  if (input.type != expected || output.type != expected) throw_internal(env, "buffer type differs from dtype");
  const double elements = element_count(job);
  if (elements > static_cast<double>(input.length) || elements > static_cast<double>(output.length)) {
    throw_internal(env, "buffers are smaller than outer * dimSize * inner");
  }
  // Partial overlap would corrupt the result. lib/ rejects it for arrays over the same buffer; this
  // catches what JS cannot see (two SharedArrayBuffer objects over the same memory).
  const uintptr_t in_begin = reinterpret_cast<uintptr_t>(input.data);
  const uintptr_t out_begin = reinterpret_cast<uintptr_t>(output.data);
  const size_t byte_count = static_cast<size_t>(elements) * element_bytes(job.dtype);
  if (in_begin != out_begin && byte_count > 0 && in_begin < out_begin + byte_count &&
      out_begin < in_begin + byte_count) {
    throw Napi::RangeError::New(env,
        "options.out partially overlaps the input's memory; pass the input's own array (in place) or a separate one");
  }
  job.input = input.data;
  job.output = output.data;
  JobArguments arguments{job, args[1], args[2], nullptr};
  if (argc == kRunArgumentsWithOptions) read_options(env, args[6], args[7], &arguments);
  return arguments;
}


// Runs body(), which returns the call's result, and turns its C++ exceptions into the pending JS
// exception; the raw Node-API callbacks below all end here.
template <class Body>
napi_value with_js_exceptions(napi_env env, Body body) {
  try {
    return body();
  } catch (const Napi::Error& error) {
    // As node-addon-api's own wrappers do: the C++ error becomes the pending JS exception.
    error.ThrowAsJavaScriptException();
  } catch (const std::exception& error) {
    // Allocation failure, on the calling thread or a pool thread (the pool rethrows it here).
    napi_throw_range_error(env, nullptr, (std::string("simd-softmax: ") + error.what()).c_str());
  }
  return nullptr;
}

}  // namespace addon
}  // namespace simd_softmax

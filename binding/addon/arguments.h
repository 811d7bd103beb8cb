// What every Node-API entry point of the addon shares: reading its arguments (checking only what
// keeps memory safe: lib/ validates everything users pass, so a failed check here is a bug in lib/)
// and turning C++ exceptions into JS ones.
#pragma once

#include <napi.h>

#include <cstddef>
#include <exception>
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

// run() and runAsync() take six arguments, (kind, input, output, outer, dimSize, inner): kind is
// op + kOpCount * dtype (see protocol in Init); input and output
// are typed arrays of that dtype (possibly the same one; Uint16Array views of the bits for float16 and
// bfloat16, whatever array the user passed). Raw Node-API: every call takes this path.
inline constexpr size_t kRunArguments = 6;

struct JobArguments {
  SoftmaxJob job;
  napi_value input;
  napi_value output;
};

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
  size_t argc = kRunArguments;
  napi_value args[kRunArguments];
  if (napi_get_cb_info(env, info, &argc, args, nullptr, nullptr) != napi_ok || argc != kRunArguments) {
    throw_internal(env, "run() takes 6 arguments");
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
  return JobArguments{job, args[1], args[2]};
}

inline bool has_work(const SoftmaxJob& job) { return job.outer > 0 && job.dim_size > 0 && job.inner > 0; }

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

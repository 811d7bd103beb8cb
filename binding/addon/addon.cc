// The Node-API glue: turns the arguments of lib/native.ts's calls into a SoftmaxJob and runs it.
// No math here, and no argument checking beyond what keeps memory safe: lib/ validates everything
// users pass, so a failure of these checks is a bug in lib/, reported as such.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "../core/run_job.h"
#include "../dispatch/kernel_dispatch.h"

namespace simd_softmax {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

[[noreturn]] void throw_internal(Napi::Env env, const std::string& what) {
  throw Napi::TypeError::New(env, "simd-softmax internal error (lib/ should have caught this): " + what);
}

// A typed array argument's element type, length and address of its first element.
struct TypedArrayView {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

TypedArrayView read_typed_array(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray()) throw_internal(info.Env(), std::string(name) + " is not a typed array");
  TypedArrayView view{};
  napi_value array_buffer;
  size_t byte_offset;
  const napi_status status = napi_get_typedarray_info(info.Env(), value, &view.type, &view.length, &view.data,
                                                      &array_buffer, &byte_offset);
  if (status != napi_ok) throw_internal(info.Env(), std::string("cannot read ") + name);
  return view;
}

size_t read_count(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value value = info[index];
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!(number >= 0.0 && number <= kMaxSafeInteger && std::floor(number) == number)) {
    throw_internal(info.Env(), std::string(name) + " is not a non-negative integer");
  }
  return static_cast<size_t>(number);
}

int read_enum(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value value = info[index];
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (number != 0.0 && number != 1.0) throw_internal(info.Env(), std::string(name) + " is not 0 or 1");
  return static_cast<int>(number);
}

// run(op, dtype, input, output, outer, dimSize, inner): op 0 softmax / 1 log-softmax, dtype
// 0 float32 / 1 float64; input and output are typed arrays of that dtype (possibly the same one).
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7) throw_internal(env, "run() takes 7 arguments");
  SoftmaxJob job{};
  job.op = static_cast<Op>(read_enum(info, 0, "op"));
  job.dtype = static_cast<Dtype>(read_enum(info, 1, "dtype"));
  const TypedArrayView input = read_typed_array(info, 2, "input");
  const TypedArrayView output = read_typed_array(info, 3, "output");
  job.outer = read_count(info, 4, "outer");
  job.dim_size = read_count(info, 5, "dimSize");
  job.inner = read_count(info, 6, "inner");

  // The buffers must be of the job's dtype and hold outer * dim_size * inner elements.
  const napi_typedarray_type expected = job.dtype == Dtype::kFloat32 ? napi_float32_array : napi_float64_array;
  if (input.type != expected || output.type != expected) throw_internal(env, "buffer type differs from dtype");
  double elements = static_cast<double>(job.outer) * static_cast<double>(job.dim_size) * static_cast<double>(job.inner);
  if (elements > static_cast<double>(input.length) || elements > static_cast<double>(output.length)) {
    throw_internal(env, "buffers are smaller than outer * dimSize * inner");
  }
  // Partial overlap would corrupt the result. lib/ rejects it for arrays over the same buffer; this
  // catches what JS cannot see (two SharedArrayBuffer objects over the same memory).
  const size_t element_size = job.dtype == Dtype::kFloat32 ? sizeof(float) : sizeof(double);
  const uintptr_t in_begin = reinterpret_cast<uintptr_t>(input.data);
  const uintptr_t out_begin = reinterpret_cast<uintptr_t>(output.data);
  const size_t byte_count = static_cast<size_t>(elements) * element_size;
  if (in_begin != out_begin && byte_count > 0 && in_begin < out_begin + byte_count && out_begin < in_begin + byte_count) {
    throw Napi::RangeError::New(env,
        "options.out partially overlaps the input's memory; pass the input's own array (in place) or a separate one");
  }
  job.input = input.data;
  job.output = output.data;
  if (elements > 0) run_job(job, active_kernel_set());
  return env.Undefined();
}

// isa(): the name of the active kernel set.
Napi::Value Isa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), active_kernel_set().isa);
}

// runnableIsas(): the kernel sets this build contains and this CPU runs, best first.
Napi::Value RunnableIsas(const Napi::CallbackInfo& info) {
  const std::vector<std::string> names = runnable_isas();
  Napi::Array result = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) result.Set(static_cast<uint32_t>(i), names[i]);
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Choose the kernel set now, so that a SIMD_SOFTMAX_ISA warning appears when the addon loads.
  active_kernel_set();
  exports.Set("run", Napi::Function::New(env, Run, "run"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  exports.Set("runnableIsas", Napi::Function::New(env, RunnableIsas, "runnableIsas"));
  return exports;
}

}  // namespace
}  // namespace simd_softmax

// NODE_API_MODULE pastes the name into an identifier, so it needs an unqualified one.
static Napi::Object InitSimdSoftmax(Napi::Env env, Napi::Object exports) {
  return simd_softmax::Init(env, exports);
}

NODE_API_MODULE(simd_softmax, InitSimdSoftmax)

// The Node-API glue: turns the arguments of lib/native.ts's calls into a SoftmaxJob and runs it.
// No math here, and no argument checking beyond what keeps memory safe: lib/ validates everything
// users pass, so a failure of these checks is a bug in lib/, reported as such.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "../core/parallel_job.h"
#include "../dispatch/kernel_dispatch.h"
#include "../threads/thread_pool.h"

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

// Reads run()'s and runAsync()'s arguments, (op, dtype, input, output, outer, dimSize, inner): op 0
// softmax / 1 log-softmax, dtype 0 float32 / 1 float64; input and output are typed arrays of that
// dtype (possibly the same one).
SoftmaxJob read_job(const Napi::CallbackInfo& info) {
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
  const double elements = static_cast<double>(job.outer) * static_cast<double>(job.dim_size) * static_cast<double>(job.inner);
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
  return job;
}

bool has_work(const SoftmaxJob& job) { return job.outer > 0 && job.dim_size > 0 && job.inner > 0; }

// run(...): computes on the calling thread and the pool; returns when done.
Napi::Value Run(const Napi::CallbackInfo& info) {
  const SoftmaxJob job = read_job(info);
  if (has_work(job)) run_job_parallel(job, active_kernel_set(), ThreadPool::shared());
  return info.Env().Undefined();
}

// Runs one job off the JS thread (on libuv's thread pool, which hands chunks to our pool), keeping
// the input and output arrays referenced, so alive, until the promise settles.
class SoftmaxWorker : public Napi::AsyncWorker {
 public:
  SoftmaxWorker(Napi::Env env, const SoftmaxJob& job, Napi::Object input, Napi::Object output)
      : Napi::AsyncWorker(env, "simd-softmax"),
        job_(job),
        input_(Napi::Persistent(input)),
        output_(Napi::Persistent(output)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    if (has_work(job_)) run_job_parallel(job_, active_kernel_set(), ThreadPool::shared());
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  SoftmaxJob job_;
  Napi::ObjectReference input_;
  Napi::ObjectReference output_;
  Napi::Promise::Deferred deferred_;
};

// runAsync(...): the same arguments as run(); returns a promise that resolves when the output is written.
Napi::Value RunAsync(const Napi::CallbackInfo& info) {
  const SoftmaxJob job = read_job(info);
  auto* worker = new SoftmaxWorker(info.Env(), job, info[2].As<Napi::Object>(), info[3].As<Napi::Object>());
  const Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

// threads() / setThreads(n): the size of the process-wide pool, the calling thread included.
Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ThreadPool::shared().threads()));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const size_t threads = read_count(info, 0, "threads");
  if (threads < 1 || threads > 1024) throw_internal(info.Env(), "threads is not in [1, 1024]");
  ThreadPool::shared().set_threads(threads);
  return info.Env().Undefined();
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
  // Choose the kernel set and size the pool now, so that a warning about SIMD_SOFTMAX_ISA or
  // SIMD_SOFTMAX_NUM_THREADS appears when the addon loads.
  active_kernel_set();
  ThreadPool::shared();
  exports.Set("run", Napi::Function::New(env, Run, "run"));
  exports.Set("runAsync", Napi::Function::New(env, RunAsync, "runAsync"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
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

// The Node-API glue: turns the arguments of lib/native.ts's calls into a SoftmaxJob and runs it.
// No math here, and no argument checking beyond what keeps memory safe: lib/ validates everything
// users pass, so a failure of these checks is a bug in lib/, reported as such.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/parallel_job.h"
#include "../core/planner.h"
#include "../core/run_job.h"
#include "../kernels/tuning.h"
#include "../diagnostics/warnings.h"
#include "../dispatch/kernel_dispatch.h"
#include "../memory/huge_pages.h"
#include "../threads/thread_pool.h"

namespace simd_softmax {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

[[noreturn]] void throw_internal(napi_env env, const std::string& what) {
  throw Napi::TypeError::New(env, "simd-softmax internal error (lib/ should have caught this): " + what);
}

double read_number(napi_env env, napi_value value, const char* name) {
  double number = 0.0;
  if (napi_get_value_double(env, value, &number) != napi_ok) throw_internal(env, std::string(name) + " is not a number");
  return number;
}

size_t read_count(napi_env env, napi_value value, const char* name) {
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

TypedArrayView read_typed_array(napi_env env, napi_value value, const char* name) {
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
// are typed arrays of that dtype (possibly the same one). Raw Node-API: every call takes this path.
constexpr size_t kRunArguments = 6;

struct JobArguments {
  SoftmaxJob job;
  napi_value input;
  napi_value output;
};

// A job with the op and dtype of kind (op + kOpCount * dtype); the rest is left for the caller to set.
SoftmaxJob job_of_kind(napi_env env, double kind) {
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
SoftmaxJob read_layout(napi_env env, napi_value kind_value, napi_value outer, napi_value dim_size, napi_value inner) {
  SoftmaxJob job = job_of_kind(env, read_number(env, kind_value, "kind"));
  job.outer = read_count(env, outer, "outer");
  job.dim_size = read_count(env, dim_size, "dimSize");
  job.inner = read_count(env, inner, "inner");
  return job;
}

size_t element_bytes(Dtype dtype) { return dtype == Dtype::kFloat32 ? sizeof(float) : sizeof(double); }

// outer * dim_size * inner, in double: the product of three counts may overflow size_t.
double element_count(const SoftmaxJob& job) {
  return static_cast<double>(job.outer) * static_cast<double>(job.dim_size) * static_cast<double>(job.inner);
}

JobArguments read_job(napi_env env, napi_callback_info info) {
  size_t argc = kRunArguments;
  napi_value args[kRunArguments];
  if (napi_get_cb_info(env, info, &argc, args, nullptr, nullptr) != napi_ok || argc != kRunArguments) {
    throw_internal(env, "run() takes 6 arguments");
  }
  SoftmaxJob job = read_layout(env, args[0], args[3], args[4], args[5]);
  const TypedArrayView input = read_typed_array(env, args[1], "input");
  const TypedArrayView output = read_typed_array(env, args[2], "output");

  // The buffers must be of the job's dtype and hold outer * dim_size * inner elements.
  const napi_typedarray_type expected = job.dtype == Dtype::kFloat32 ? napi_float32_array : napi_float64_array;
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

bool has_work(const SoftmaxJob& job) { return job.outer > 0 && job.dim_size > 0 && job.inner > 0; }

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

// run(...): computes on the calling thread and the pool; returns when done.
napi_value Run(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    const JobArguments arguments = read_job(env, info);
    if (has_work(arguments.job)) run_job_parallel(arguments.job, active_kernel_set(), ThreadPool::shared());
    return nullptr;
  });
}

// ---- Staged small jobs ------------------------------------------------------------------------
// Each copy of lib/ has a staging area that only it sees: small synchronous jobs are copied into
// its input, computed into its output and copied out by lib/, which writes the job's layout into
// its header first. A call then passes one small number and looks nothing up in V8 (110 -> 64 ns for
// a [1, 10] softmax), and never makes V8 move a small typed array's contents off its heap to hand
// out a pointer (which costs more than a small softmax).
//
// An area is a SharedArrayBuffer that lib/ creates and hands over once (attachStaging): a
// SharedArrayBuffer can never be detached, and the reference held here keeps it alive until the
// environment is torn down, so the address kept below stays valid for every call. An environment
// can hold several areas: each copy of lib/ loaded in it (jest loads lib/ afresh for every test
// file, with the addon loaded once) attaches its own, 8 KiB kept until the environment ends.
constexpr size_t kStagingHeaderBytes = 64;  // uint32 kind, outer, dimSize, inner; then padding
constexpr size_t kStagingBytes = 4096;      // each of the input and the output
constexpr size_t kStagingAreaBytes = kStagingHeaderBytes + 2 * kStagingBytes;

struct StagingArea {
  napi_ref view;  // the Uint8Array over the whole area
  unsigned char* memory;
};

struct StagingAreas {
  std::vector<StagingArea> areas;
};

void delete_staging_areas(napi_env env, void* data, void* /*hint*/) {
  auto* staging = static_cast<StagingAreas*>(data);
  for (const StagingArea& area : staging->areas) napi_delete_reference(env, area.view);
  delete staging;
}

StagingAreas& staging_areas(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok || data == nullptr) throw_internal(env, "no staging areas");
  return *static_cast<StagingAreas*>(data);
}

// attachStaging(view) -> id: view is a Uint8Array over a whole SharedArrayBuffer of kStagingAreaBytes.
napi_value AttachStaging(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value view;
    if (napi_get_cb_info(env, info, &argc, &view, nullptr, nullptr) != napi_ok || argc != 1) {
      throw_internal(env, "attachStaging() takes one view");
    }
    napi_typedarray_type type;
    size_t length = 0, byte_offset = 0;
    void* memory = nullptr;
    napi_value buffer;
    bool plain_array_buffer = true;
    if (napi_get_typedarray_info(env, view, &type, &length, &memory, &buffer, &byte_offset) != napi_ok ||
        napi_is_arraybuffer(env, buffer, &plain_array_buffer) != napi_ok) {
      throw_internal(env, "the staging view is not a typed array");
    }
    // A plain ArrayBuffer could be detached (its memory freed) under a later call; a shared one cannot.
    if (type != napi_uint8_array || length != kStagingAreaBytes || byte_offset != 0 || plain_array_buffer) {
      throw_internal(env, "the staging view is not a Uint8Array over a whole SharedArrayBuffer of the staging size");
    }
    StagingAreas& staging = staging_areas(env);
    StagingArea area{nullptr, static_cast<unsigned char*>(memory)};
    NAPI_THROW_IF_FAILED(env, napi_create_reference(env, view, 1, &area.view), nullptr);
    staging.areas.push_back(area);
    return Napi::Number::New(env, static_cast<double>(staging.areas.size() - 1));
  });
}

// runStaged(id): run()'s job, laid out in area id's header, from its staging input into its output.
napi_value RunStaged(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value id_value;
    uint32_t id = 0;
    if (napi_get_cb_info(env, info, &argc, &id_value, nullptr, nullptr) != napi_ok || argc != 1 ||
        napi_get_value_uint32(env, id_value, &id) != napi_ok) {
      throw_internal(env, "runStaged() takes a staging area's id");
    }
    const StagingAreas& staging = staging_areas(env);
    if (id >= staging.areas.size()) throw_internal(env, "no staging area has this id");
    unsigned char* memory = staging.areas[id].memory;
    // One read of the header: only lib/ writes it, but the memory is shared, so nothing is read twice.
    uint32_t header[4];
    std::memcpy(header, memory, sizeof header);
    SoftmaxJob job = job_of_kind(env, header[0]);
    job.outer = header[1];
    job.dim_size = header[2];
    job.inner = header[3];
    // The job must fit the staging input and output (in double: the product may overflow).
    if (element_count(job) * static_cast<double>(element_bytes(job.dtype)) > static_cast<double>(kStagingBytes)) {
      throw_internal(env, "a staged job is larger than the staging buffers");
    }
    job.input = memory + kStagingHeaderBytes;
    job.output = memory + kStagingHeaderBytes + kStagingBytes;
    // Straight to the kernels: a staged job is too small to be worth a second thread (see below).
    if (has_work(job)) run_job(job, active_kernel_set());
    return nullptr;
  });
}
static_assert(kStagingBytes / sizeof(float) < 2 * kMinElementsPerThread,
              "run_job_parallel could split a staged job, which RunStaged runs on the calling thread");

// Creates this environment's (empty) list of staging areas.
void create_staging_areas(Napi::Env env) {
  auto staging = std::make_unique<StagingAreas>();
  NAPI_THROW_IF_FAILED_VOID(env, napi_set_instance_data(env, staging.get(), delete_staging_areas, nullptr));
  staging.release();
}

// Threads an async call may use: 0 asks the planner's default (async_thread_budget), else the
// number setAsyncThreads gave. Process-wide, as the pool is.
std::atomic<size_t> requested_async_threads{0};

size_t async_threads() {
  return async_thread_budget(ThreadPool::shared().threads(), usable_core_count(),
                             requested_async_threads.load(std::memory_order_relaxed));
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
    try {
      if (has_work(job_)) {
        const KernelSet& kernels = active_kernel_set();
        run_plan(job_, kernels, plan_job(PlanRequest{job_, async_threads()}, kernels), ThreadPool::shared());
      }
    } catch (const std::exception& error) {
      // Allocation failure on this or a pool thread: rejected as a RangeError, as run() throws one.
      SetError(std::string("simd-softmax: ") + error.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::RangeError::New(Env(), error.Message()).Value());
  }

 private:
  SoftmaxJob job_;
  Napi::ObjectReference input_;
  Napi::ObjectReference output_;
  Napi::Promise::Deferred deferred_;
};

// runAsync(...): the same arguments as run(); returns a promise that resolves when the output is written.
napi_value RunAsync(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    const JobArguments arguments = read_job(env, info);
    auto* worker = new SoftmaxWorker(Napi::Env(env), arguments.job, Napi::Object(env, arguments.input),
                                     Napi::Object(env, arguments.output));
    const Napi::Promise promise = worker->promise();
    worker->Queue();  // the worker deletes itself after OnOK/OnError
    return promise;
  });
}

// preferHugePages(array): advice for an array lib/ has just allocated and nothing has written yet.
Napi::Value PreferHugePages(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsTypedArray()) throw_internal(info.Env(), "preferHugePages(array) takes a typed array");
  const Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  prefer_huge_pages(static_cast<char*>(array.ArrayBuffer().Data()) + array.ByteOffset(), array.ByteLength());
  return info.Env().Undefined();
}

// asyncThreads() / setAsyncThreads(n): threads an async call may use (n = 0: the default).
Napi::Value AsyncThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(async_threads()));
}

Napi::Value SetAsyncThreads(const Napi::CallbackInfo& info) {
  const size_t threads = read_count(info.Env(), info[0], "threads");
  if (threads > ThreadPool::kMaxThreads) throw_internal(info.Env(), "threads is out of range");
  requested_async_threads.store(threads, std::memory_order_relaxed);
  return info.Env().Undefined();
}

// threads() / setThreads(n): the size of the process-wide pool, the calling thread included.
Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ThreadPool::shared().threads()));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const size_t threads = read_count(info.Env(), info[0], "threads");
  if (threads < 1 || threads > ThreadPool::kMaxThreads) throw_internal(info.Env(), "threads is out of range");
  ThreadPool::shared().set_threads(threads);
  return info.Env().Undefined();
}

// explain(kind, outer, dimSize, inner, output | null, async): the plan run() (or runAsync(), with
// async) would follow for this job, as a plain object. output (a typed array of the job's dtype, or
// null for a result lib/ allocates, which is element-aligned) is read only for its address.
Napi::Value Explain(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 6) throw_internal(env, "explain() takes 6 arguments");
  SoftmaxJob job = read_layout(env, info[0], info[1], info[2], info[3]);
  if (!info[4].IsNull()) job.output = read_typed_array(env, info[4], "output").data;
  const bool async = info[5].ToBoolean();
  const KernelSet& set = active_kernel_set();
  PlanRequest request{job, async ? async_threads() : ThreadPool::shared().threads()};
  const Plan plan = plan_job(request, set);
  const bool f32 = job.dtype == Dtype::kFloat32;
  const bool narrow = plan.width == Width::kNarrow;
  const size_t lanes = f32 ? (narrow ? set.f32.narrow.lanes : set.f32.wide.lanes)
                           : (narrow ? set.f64.narrow.lanes : set.f64.wide.lanes);
  Napi::Object result = Napi::Object::New(env);
  result.Set("isa", set.isa);
  result.Set("variant", variant_name(plan.variant));
  result.Set("width", width_name(plan.width));
  result.Set("lanes", static_cast<double>(lanes));
  result.Set("streamOutput", plan.stream_output);
  result.Set("streamedStores", plan.streamed_stores);
  result.Set("split", split_name(plan.split));
  result.Set("threads", static_cast<double>(plan.threads));
  result.Set("chunks", static_cast<double>(plan.chunks));
  result.Set("segments", static_cast<double>(plan.segments));
  return result;
}

// warnings(): every warning the core has reported in this process, oldest first, as
// [{code, message}]; lib/ emits those it has not emitted yet.
Napi::Value Warnings(const Napi::CallbackInfo& info) {
  const std::vector<Warning> warnings = reported_warnings();
  Napi::Array result = Napi::Array::New(info.Env(), warnings.size());
  for (size_t i = 0; i < warnings.size(); ++i) {
    Napi::Object warning = Napi::Object::New(info.Env());
    warning.Set("code", warnings[i].code);
    warning.Set("message", warnings[i].message);
    result.Set(static_cast<uint32_t>(i), warning);
  }
  return result;
}

// warningCount(): how many warnings the core has reported so far (cheap: lib/ asks after calls).
Napi::Value WarningCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(reported_warning_count()));
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
  // SIMD_SOFTMAX_NUM_THREADS is there for lib/ to emit when it loads the addon.
  active_kernel_set();
  ThreadPool::shared();
  create_staging_areas(env);
  // The numbers lib/ and the addon must agree on, defined here once and read by lib/native.ts.
  Napi::Object protocol = Napi::Object::New(env);
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("softmax", static_cast<double>(Op::kSoftmax));
  ops.Set("logSoftmax", static_cast<double>(Op::kLogSoftmax));
  Napi::Object dtypes = Napi::Object::New(env);
  dtypes.Set("float32", static_cast<double>(Dtype::kFloat32));
  dtypes.Set("float64", static_cast<double>(Dtype::kFloat64));
  protocol.Set("ops", ops);
  protocol.Set("dtypes", dtypes);
  protocol.Set("opCount", static_cast<double>(kOpCount));
  protocol.Set("maxThreads", static_cast<double>(ThreadPool::kMaxThreads));
  protocol.Set("stagingHeaderBytes", static_cast<double>(kStagingHeaderBytes));
  protocol.Set("stagingBytes", static_cast<double>(kStagingBytes));
  protocol.Set("stagingAreaBytes", static_cast<double>(kStagingAreaBytes));
  exports.Set("protocol", protocol);
  for (const auto& [name, callback] : {std::pair<const char*, napi_callback>{"run", Run}, {"runAsync", RunAsync},
                                       {"attachStaging", AttachStaging}, {"runStaged", RunStaged}}) {
    napi_value function;
    NAPI_THROW_IF_FAILED(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, nullptr, &function), exports);
    exports.Set(name, function);
  }
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("asyncThreads", Napi::Function::New(env, AsyncThreads, "asyncThreads"));
  exports.Set("setAsyncThreads", Napi::Function::New(env, SetAsyncThreads, "setAsyncThreads"));
  exports.Set("preferHugePages", Napi::Function::New(env, PreferHugePages, "preferHugePages"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  exports.Set("explain", Napi::Function::New(env, Explain, "explain"));
  exports.Set("warnings", Napi::Function::New(env, Warnings, "warnings"));
  exports.Set("warningCount", Napi::Function::New(env, WarningCount, "warningCount"));
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

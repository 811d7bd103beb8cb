// The Node-API glue: turns the arguments of lib/native.ts's calls into a SoftmaxJob and runs it,
// here (run, runAsync), in staging.cc (small synchronous jobs) and queries.cc (everything else lib/
// asks). No math here, and no argument checking beyond what keeps memory safe (arguments.h).
#include <napi.h>

#include <exception>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "../core/parallel_job.h"
#include "../core/planner.h"
#include "../dispatch/kernel_dispatch.h"
#include "../threads/thread_pool.h"
#include "arguments.h"
#include "async_jobs.h"
#include "queries.h"
#include "staging.h"

namespace simd_softmax {
namespace addon {
namespace {

// run(...): computes on the calling thread and the pool; returns when done.
napi_value Run(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    const JobArguments arguments = read_job(env, info);
    if (has_work(arguments.job)) run_job_parallel(arguments.job, active_kernel_set(), ThreadPool::shared());
    return nullptr;
  });
}

// Runs one job off the JS thread (on libuv's thread pool, which hands chunks to our pool), keeping
// the input and output arrays referenced, so alive, until the promise settles, and its
// environment's memory alive while it computes (see AsyncJobs).
class SoftmaxWorker : public Napi::AsyncWorker {
 public:
  SoftmaxWorker(Napi::Env env, std::shared_ptr<AsyncJobs> jobs, const SoftmaxJob& job, Napi::Object input,
                Napi::Object output, napi_value mask)
      : Napi::AsyncWorker(env, "simd-softmax"),
        jobs_(std::move(jobs)),
        job_(job),
        input_(Napi::Persistent(input)),
        output_(Napi::Persistent(output)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (mask != nullptr) mask_ = Napi::Persistent(Napi::Object(env, mask));
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    // The environment is being torn down: its arrays may already be gone.
    if (!jobs_->begin()) return;
    try {
      if (has_work(job_)) {
        const KernelSet& kernels = active_kernel_set();
        run_plan(job_, kernels, plan_job(PlanRequest{job_, async_threads()}, kernels), ThreadPool::shared());
      }
    } catch (const std::exception& error) {
      // Allocation failure on this or a pool thread: rejected as a RangeError, as run() throws one.
      SetError(std::string("simd-softmax: ") + error.what());
    }
    jobs_->end();
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::RangeError::New(Env(), error.Message()).Value());
  }

 private:
  std::shared_ptr<AsyncJobs> jobs_;
  SoftmaxJob job_;
  Napi::ObjectReference input_;
  Napi::ObjectReference output_;
  Napi::ObjectReference mask_;  // empty for a job without a mask
  Napi::Promise::Deferred deferred_;
};

// runAsync(...): the same arguments as run(); returns a promise that resolves when the output is written.
// The function's data is its environment's AsyncJobs (see Init).
napi_value RunAsync(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    void* data = nullptr;
    NAPI_THROW_IF_FAILED(env, napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data), nullptr);
    const std::shared_ptr<AsyncJobs>& jobs = *static_cast<std::shared_ptr<AsyncJobs>*>(data);
    const JobArguments arguments = read_job(env, info);
    auto* worker = new SoftmaxWorker(Napi::Env(env), jobs, arguments.job, Napi::Object(env, arguments.input),
                                     Napi::Object(env, arguments.output), arguments.mask);
    const Napi::Promise promise = worker->promise();
    worker->Queue();  // the worker deletes itself after OnOK/OnError
    return promise;
  });
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
  dtypes.Set("float16", static_cast<double>(Dtype::kFloat16));
  dtypes.Set("bfloat16", static_cast<double>(Dtype::kBFloat16));
  protocol.Set("ops", ops);
  protocol.Set("dtypes", dtypes);
  protocol.Set("opCount", static_cast<double>(kOpCount));
  protocol.Set("maxThreads", static_cast<double>(ThreadPool::kMaxThreads));
  protocol.Set("stagingHeaderBytes", static_cast<double>(kStagingHeaderBytes));
  protocol.Set("stagingBytes", static_cast<double>(kStagingBytes));
  protocol.Set("stagingAreaBytes", static_cast<double>(kStagingAreaBytes));
  protocol.Set("maxMaskDims", static_cast<double>(kMaxMaskDims));
  exports.Set("protocol", protocol);
  // This environment's async jobs: its cleanup hook waits for them, then drops its share (jobs
  // that start later hold theirs).
  auto* jobs = new std::shared_ptr<AsyncJobs>(std::make_shared<AsyncJobs>());
  NAPI_THROW_IF_FAILED(env,
                       napi_add_env_cleanup_hook(
                           env,
                           [](void* data) {
                             auto* jobs = static_cast<std::shared_ptr<AsyncJobs>*>(data);
                             (*jobs)->close_and_wait();
                             delete jobs;
                           },
                           jobs),
                       exports);
  for (const auto& [name, callback, data] :
       {std::tuple<const char*, napi_callback, void*>{"run", Run, nullptr},
        {"runAsync", RunAsync, jobs},
        {"attachStaging", AttachStaging, nullptr},
        {"runStaged", RunStaged, nullptr}}) {
    napi_value function;
    NAPI_THROW_IF_FAILED(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, data, &function), exports);
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
}  // namespace addon
}  // namespace simd_softmax

// NODE_API_MODULE pastes the name into an identifier, so it needs an unqualified one.
static Napi::Object InitSimdSoftmax(Napi::Env env, Napi::Object exports) {
  return simd_softmax::addon::Init(env, exports);
}

NODE_API_MODULE(simd_softmax, InitSimdSoftmax)

#include "queries.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/planner.h"
#include "../core/typed_kernels.h"
#include "../diagnostics/warnings.h"
#include "../dispatch/kernel_dispatch.h"
#include "../memory/huge_pages.h"
#include "../threads/thread_pool.h"
#include "arguments.h"

namespace simd_softmax {
namespace addon {

// Threads an async call may use: 0 asks the planner's default (async_thread_budget), else the
// number setAsyncThreads gave. Process-wide, as the pool is.
namespace {
std::atomic<size_t> requested_async_threads{0};
}  // namespace

size_t async_threads() {
  return async_thread_budget(ThreadPool::shared().threads(), usable_core_count(),
                             requested_async_threads.load(std::memory_order_relaxed));
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
  const bool narrow = plan.width == Width::kNarrow;
  const size_t lanes = with_typed_kernels(job.dtype, set, [&](const auto& typed) {
    return narrow ? typed.narrow.lanes : typed.wide.lanes;
  });
  Napi::Object result = Napi::Object::New(env);
  result.Set("isa", set.isa);
  if (job.dtype == Dtype::kBFloat16) result.Set("bf16Rounding", set.bf16_rounding);
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

}  // namespace addon
}  // namespace simd_softmax

// What lib/ asks the addon besides running jobs: settings (threads), the plan of a job
// (explain), the core's warnings, the kernel sets, and advice for fresh memory.
#pragma once

#include <napi.h>

#include <cstddef>

namespace simd_softmax {
namespace addon {

// Threads an async call may use now (async_thread_budget with setAsyncThreads' request).
size_t async_threads();

Napi::Value PreferHugePages(const Napi::CallbackInfo& info);
Napi::Value AsyncThreads(const Napi::CallbackInfo& info);
Napi::Value SetAsyncThreads(const Napi::CallbackInfo& info);
Napi::Value Threads(const Napi::CallbackInfo& info);
Napi::Value SetThreads(const Napi::CallbackInfo& info);
Napi::Value Explain(const Napi::CallbackInfo& info);
Napi::Value Warnings(const Napi::CallbackInfo& info);
Napi::Value WarningCount(const Napi::CallbackInfo& info);
Napi::Value Isa(const Napi::CallbackInfo& info);
Napi::Value RunnableIsas(const Napi::CallbackInfo& info);

}  // namespace addon
}  // namespace simd_softmax

// A second, benchmark-only addon (CMake target simd_softmax_bench, built by `npm run bench`, never
// shipped): the floors and ceilings bench/run.js holds the kernels against. It links the core
// library, so it has a thread pool of its own, sized by each call.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "threads/thread_pool.h"

namespace {

using simd_softmax::ThreadPool;

size_t read_count(const Napi::Value& value) {
  const double number = value.As<Napi::Number>().DoubleValue();
  return number >= 1 ? static_cast<size_t>(number) : 1;
}

// copy(source, destination, threads): memcpy of the source's bytes, split over `threads` threads
// in contiguous blocks. The same bytes moved as a softmax, with no math.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  const Napi::TypedArray source = info[0].As<Napi::TypedArray>();
  const Napi::TypedArray destination = info[1].As<Napi::TypedArray>();
  ThreadPool& pool = ThreadPool::shared();
  pool.set_threads(read_count(info[2]));
  const char* from = static_cast<const char*>(source.ArrayBuffer().Data()) + source.ByteOffset();
  char* to = static_cast<char*>(destination.ArrayBuffer().Data()) + destination.ByteOffset();
  const size_t bytes = std::min(source.ByteLength(), destination.ByteLength());
  // Blocks of at least 64 KiB, as many as threads, cut at cache lines.
  const size_t blocks = std::max<size_t>(1, std::min(pool.threads(), bytes / 65536));
  auto copy_block = [&](size_t block) {
    const size_t begin = bytes * block / blocks / 64 * 64;
    const size_t end = block + 1 == blocks ? bytes : bytes * (block + 1) / blocks / 64 * 64;
    std::memcpy(to + begin, from + begin, end - begin);
  };
  pool.run(blocks, ThreadPool::ChunkFunction(copy_block));
  return info.Env().Undefined();
}

// computeLoop(chunks, iterations, threads): `chunks` copies of a pure compute loop (eight
// independent chains of multiply-adds, no memory traffic) on `threads` threads: timed on one and on
// all threads, the speedup any compute-bound kernel can get on this machine right now.
Napi::Value ComputeLoop(const Napi::CallbackInfo& info) {
  const size_t chunks = read_count(info[0]);
  const size_t iterations = read_count(info[1]);
  ThreadPool& pool = ThreadPool::shared();
  pool.set_threads(read_count(info[2]));
  std::atomic<uint64_t> sink{0};
  auto loop = [&](size_t chunk) {
    double chains[8];
    for (size_t i = 0; i < 8; ++i) chains[i] = 1.0 + 1e-3 * static_cast<double>(i + chunk);
    for (size_t k = 0; k < iterations; ++k) {
      for (size_t i = 0; i < 8; ++i) chains[i] = chains[i] * 0.999999 + 1e-7;
    }
    double total = 0;
    for (double chain : chains) total += chain;
    sink.fetch_add(static_cast<uint64_t>(total), std::memory_order_relaxed);  // keeps the loop alive
  };
  pool.run(chunks, ThreadPool::ChunkFunction(loop));
  return Napi::Number::New(info.Env(), static_cast<double>(sink.load()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("computeLoop", Napi::Function::New(env, ComputeLoop, "computeLoop"));
  return exports;
}

}  // namespace

NODE_API_MODULE(simd_softmax_bench, Init)

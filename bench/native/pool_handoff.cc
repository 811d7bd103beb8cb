// What the thread pool costs a call beyond its work: the pool's run() over 8 chunks of pure
// arithmetic (about 3 us each, no memory traffic), timed on 1 and on 2 threads, back to back as a
// busy service calls it. With perfect scaling 2 threads would take half the 1-thread time; the rest
// is the hand-off (waking or reaching the helper, the end of the task) and the imbalance of whole
// chunks. For scale, it also times a bare hand-off (bare_split.h), about the least two threads
// can cost on the machine; the pool cannot get below it, since it must serve several callers and
// survive a slow or absent helper.
// Built by `npm run bench:native` (CMake target bench_pool_handoff): build/bench-native/bench_pool_handoff
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "threads/thread_pool.h"
#include "bare_split.h"

namespace {

// A dependent chain of multiply-adds: time without memory traffic.
double arithmetic(int steps, double seed) {
  double x = seed;
  for (int i = 0; i < steps; ++i) x = x * 1.0000001 + 1e-9;
  return x;
}

// One result per chunk, a cache line apart, so that threads do not share the lines they write.
struct alignas(64) Slot {
  double value = 0;
};

// The median time of `calls` calls of `run`, in nanoseconds.
double median_ns(int calls, const std::function<void()>& run) {
  std::vector<double> times;
  for (int call = 0; call < calls; ++call) {
    const auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// The pool's run() of `chunks` chunks on `threads` threads.
double median_run_ns(simd_softmax::ThreadPool& pool, size_t threads, size_t chunks, int calls) {
  pool.set_threads(threads);
  std::vector<Slot> results(chunks);
  auto chunk = [&](size_t c) { results[c].value += arithmetic(2000, static_cast<double>(c)); };
  return median_ns(calls, [&] { pool.run(chunks, simd_softmax::ThreadPool::ChunkFunction(chunk)); });
}

// The bare hand-off (bare_split.h): the caller runs the first half of the chunks, a dedicated
// helper the second.
double median_bare_ns(size_t chunks, int calls) {
  std::vector<Slot> results(chunks);
  auto chunk = [&](size_t c) { results[c].value += arithmetic(2000, static_cast<double>(c)); };
  BareSplit split([&] {
    for (size_t c = chunks / 2; c < chunks; ++c) chunk(c);
  });
  return median_ns(calls, [&] {
    split.call([&] {
      for (size_t c = 0; c < chunks / 2; ++c) chunk(c);
    });
  });
}

}  // namespace

int main() {
  simd_softmax::ThreadPool& pool = simd_softmax::ThreadPool::shared();
  constexpr size_t kChunks = 8;
  constexpr int kCalls = 3000;
  for (int round = 0; round < 3; ++round) {
    const double one = median_run_ns(pool, 1, kChunks, kCalls);
    const double two = median_run_ns(pool, 2, kChunks, kCalls);
    // The pool's worker sleeps after 200 us without work, and leaves the second core to the bare helper.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double bare = median_bare_ns(kChunks, kCalls);
    std::printf("1 thread %.0f ns, 2 threads %.0f ns: %.2fx, %.0f ns beyond half the 1-thread time; bare hand-off %.0f ns: %.2fx, %.0f ns beyond half\n",
                one, two, one / two, two - one / 2, bare, one / bare, bare - one / 2);
  }
}

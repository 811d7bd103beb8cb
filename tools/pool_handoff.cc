// What the thread pool costs a call beyond its work: the pool's run() over 8 chunks of pure
// arithmetic (about 3 us each, no memory traffic), timed on 1 and on 2 threads, back to back as a
// busy service calls it. With perfect scaling 2 threads would take half the 1-thread time; the rest
// is the hand-off (waking or reaching the helper, the end of the task) and the imbalance of whole
// chunks.
//   g++ -O2 -std=c++17 -pthread tools/pool_handoff.cc binding/threads/thread_pool.cc -ldl -o /tmp/pool_handoff
//   /tmp/pool_handoff
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "../binding/threads/thread_pool.h"

namespace {

// A dependent chain of multiply-adds: time without memory traffic.
double arithmetic(int steps, double seed) {
  double x = seed;
  for (int i = 0; i < steps; ++i) x = x * 1.0000001 + 1e-9;
  return x;
}

// The median time of `calls` runs of `chunks` chunks on `threads` threads, in nanoseconds.
double median_run_ns(simd_softmax::ThreadPool& pool, size_t threads, size_t chunks, int calls) {
  pool.set_threads(threads);
  // One result per chunk, a cache line apart, so that threads do not share the lines they write.
  struct alignas(64) Slot {
    double value = 0;
  };
  std::vector<Slot> results(chunks);
  auto chunk = [&](size_t c) { results[c].value += arithmetic(2000, static_cast<double>(c)); };
  std::vector<double> times;
  for (int call = 0; call < calls; ++call) {
    const auto start = std::chrono::steady_clock::now();
    pool.run(chunks, simd_softmax::ThreadPool::ChunkFunction(chunk));
    times.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main() {
  simd_softmax::ThreadPool& pool = simd_softmax::ThreadPool::shared();
  constexpr size_t kChunks = 8;
  constexpr int kCalls = 3000;
  for (int round = 0; round < 3; ++round) {
    const double one = median_run_ns(pool, 1, kChunks, kCalls);
    const double two = median_run_ns(pool, 2, kChunks, kCalls);
    std::printf("1 thread %.0f ns, 2 threads %.0f ns: %.2fx, %.0f ns beyond half the 1-thread time\n", one, two,
                one / two, two - one / 2);
  }
}

// The pool's hand-off under every path it has: several callers at once (so that one call's task
// takes the offer slot and the others join through the list), more threads than cores, idle gaps
// longer than a worker's spin (so that workers and waiting callers sleep and must be woken), chunks
// longer than a caller's spin, and chunks that throw. Each call checks that every chunk ran exactly
// once and that a thrown exception reached its caller. Built and run by `npm run test:asan`, under
// ASan+UBSan and under ThreadSanitizer; exits non-zero on any failed check.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

#include "threads/thread_pool.h"

namespace {

using simd_softmax::ThreadPool;

std::atomic<int> failures{0};

void check(bool ok, const char* what, int caller, int call) {
  if (!ok) {
    if (failures.fetch_add(1) < 20) std::fprintf(stderr, "FAIL caller %d call %d: %s\n", caller, call, what);
  }
}

// Arithmetic that takes time without memory traffic: a chain through a volatile, about 2.7 ns a step
// at -O1 on the project's Intel VM (a million steps, the long chunks, took 2.7-2.8 ms).
double busy(int steps) {
  volatile double x = 1.0;
  for (int i = 0; i < steps; ++i) x = x * 1.0000001 + 1e-9;
  return x;
}

void caller_loop(ThreadPool& pool, int caller, int calls) {
  for (int call = 0; call < calls; ++call) {
    // Chunk counts from 1 to 40, and a pattern of work sizes that varies per call.
    const size_t chunks = 1 + static_cast<size_t>((call * 7 + caller * 3) % 40);
    std::vector<std::atomic<int>> runs(chunks);
    const bool long_chunks = call % 97 == 13;  // longer than the caller's 200 us spin
    const bool throws = call % 53 == 7;
    const size_t throwing_chunk = chunks / 2;
    auto chunk = [&](size_t c) {
      runs[c].fetch_add(1, std::memory_order_relaxed);
      busy(long_chunks ? 1000000 : 200 + static_cast<int>((c * 131) % 900));
      if (throws && c == throwing_chunk) throw std::runtime_error("chunk failed");
    };
    bool caught = false;
    try {
      pool.run(chunks, ThreadPool::ChunkFunction(chunk));
    } catch (const std::runtime_error&) {
      caught = true;
    }
    check(caught == throws, throws ? "the chunk's exception did not reach the caller" : "an exception came from nowhere",
          caller, call);
    for (size_t c = 0; c < chunks; ++c) {
      const int count = runs[c].load(std::memory_order_relaxed);
      // After a failure later chunks may be skipped, never run twice; without one, each runs once.
      check(throws ? count <= 1 : count == 1, "a chunk ran a wrong number of times", caller, call);
    }
    if (throws) check(runs[throwing_chunk].load() == 1, "the throwing chunk did not run", caller, call);
    // Now and then an idle gap longer than a worker's spin, so that workers go to sleep.
    if (call % 61 == 0) std::this_thread::sleep_for(std::chrono::microseconds(1500));
  }
}

}  // namespace

int main() {
  // A lost wake-up or a miscounted helper shows as a hang: fail instead of waiting for CI's timeout.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(300));
    std::fprintf(stderr, "thread_pool_stress_test: not finished after 300 s (a hang)\n");
    std::_Exit(1);
  }).detach();
  ThreadPool& pool = ThreadPool::shared();
  // Thread counts below, at and above this machine's cores; 1 runs inline.
  for (size_t threads : {2u, 3u, 5u, 1u, 4u}) {
    pool.set_threads(threads);
    // One caller alone (the slot every time), then four at once (slot and list together).
    for (int callers : {1, 4}) {
      std::vector<std::thread> running;
      for (int caller = 0; caller < callers; ++caller) {
        running.emplace_back(caller_loop, std::ref(pool), caller, 400);
      }
      for (std::thread& t : running) t.join();
    }
  }
  if (failures.load() != 0) {
    std::fprintf(stderr, "thread_pool_stress_test: %d failed checks\n", failures.load());
    return 1;
  }
  std::printf("thread_pool_stress_test: passed\n");
  return 0;
}

// A failing allocation or a throwing chunk on any thread of the pool must reach the caller as an
// exception (which the addon turns into a RangeError), never std::terminate, and leave the pool
// working. Built and run by `npm run test:asan` under AddressSanitizer and UBSan; exits non-zero on
// any failed check.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <vector>

#include "core/parallel_job.h"
#include "dispatch/kernel_dispatch.h"
#include "threads/thread_pool.h"

namespace {

// While armed, every operator new fails: the next allocation anywhere in the job throws bad_alloc.
std::atomic<bool> fail_allocations{false};

int failures = 0;

void check(bool condition, const char* what) {
  std::printf("%s: %s\n", condition ? "ok  " : "FAIL", what);
  if (!condition) ++failures;
}

}  // namespace

void* operator new(std::size_t size) {
  if (fail_allocations.load(std::memory_order_relaxed)) throw std::bad_alloc();
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

int main() {
  using simd_softmax::ThreadPool;
  ThreadPool& pool = ThreadPool::shared();
  pool.set_threads(4);

  // 1. A chunk that throws on whichever thread runs it: the caller gets that exception.
  for (size_t failing_chunk : {0, 5, 63}) {
    std::atomic<int> runs[64] = {};
    auto chunk = [&](size_t index) {
      runs[index].fetch_add(1);
      if (index == failing_chunk) throw std::runtime_error("chunk failed");
    };
    bool caught = false;
    try {
      pool.run(64, ThreadPool::ChunkFunction(chunk));
    } catch (const std::runtime_error&) {
      caught = true;
    }
    check(caught, "a throwing chunk's exception reaches the caller");
    bool at_most_once = true;
    for (const auto& count : runs) at_most_once = at_most_once && count.load() <= 1;
    check(at_most_once, "no chunk runs twice (chunks after a failure may be skipped)");
  }

  // 2. The pool still runs every chunk afterwards.
  std::atomic<size_t> ran{0};
  auto count = [&](size_t) { ran.fetch_add(1); };
  pool.run(1000, ThreadPool::ChunkFunction(count));
  check(ran.load() == 1000, "the pool runs all chunks after failures");

  // 3. A real job whose allocations fail: the streaming path's scratch rows (pool threads) and the
  // split-row statistics (the caller) both throw bad_alloc to the caller.
  const simd_softmax::KernelSet& kernels = simd_softmax::active_kernel_set();
  struct Shape {
    size_t outer, dim_size;
    const char* what;
  };
  const Shape shapes[] = {{1024, 8192, "streaming rows (scratch on pool threads)"},
                          {1, 1 << 20, "one split row (statistics on the caller)"}};
  for (const Shape& shape : shapes) {
    std::vector<float> input(shape.outer * shape.dim_size, 0.5f);
    std::vector<float> output(input.size(), -1.0f);
    simd_softmax::SoftmaxJob job{simd_softmax::Op::kSoftmax, simd_softmax::Dtype::kFloat32, input.data(), output.data(),
                                 shape.outer, shape.dim_size, 1};
    bool caught = false;
    fail_allocations.store(true);
    try {
      simd_softmax::run_job_parallel(job, kernels, pool);
    } catch (const std::bad_alloc&) {
      caught = true;
    }
    fail_allocations.store(false);
    check(caught, shape.what);
    // And the same job then succeeds.
    simd_softmax::run_job_parallel(job, kernels, pool);
    const float expected = 1.0f / static_cast<float>(shape.dim_size);
    check(output.front() == expected && output.back() == expected, "the job succeeds once memory is back");
  }

  std::printf("%s: %d failed checks\n", failures == 0 ? "passed" : "FAILED", failures);
  return failures == 0 ? 0 : 1;
}

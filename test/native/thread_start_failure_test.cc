// When the OS refuses the pool a worker thread (a container's process limit, say), jobs must still
// run, on the threads there are, and give the same results. The test lowers RLIMIT_NPROC to 1 so
// that every new thread is refused; root is exempt from that limit, so as root it first becomes the
// user `nobody`. Built and run by `npm run test:asan`; exits non-zero on any failed check.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/parallel_job.h"
#include "dispatch/kernel_dispatch.h"
#include "threads/thread_pool.h"

int main() {
  if (geteuid() == 0 && setuid(65534) != 0) {
    std::perror("setuid(nobody)");
    return 1;
  }
  const rlimit one_process{1, 1};
  if (setrlimit(RLIMIT_NPROC, &one_process) != 0) {
    std::perror("setrlimit(RLIMIT_NPROC)");
    return 1;
  }

  using namespace simd_softmax;
  ThreadPool& pool = ThreadPool::shared();
  pool.set_threads(4);
  // Large enough to be split over four threads, and a long single row (the split-row path).
  int failures = 0;
  for (size_t rows : {size_t{64}, size_t{1}}) {
    const size_t length = rows == 1 ? 1 << 18 : 4096;
    std::vector<float> input(rows * length, 1.0f);
    std::vector<float> output(input.size(), -1.0f);
    SoftmaxJob job{Op::kSoftmax, Dtype::kFloat32, input.data(), output.data(), rows, length, 1};
    run_job_parallel(job, active_kernel_set(), pool);
    const float expected = 1.0f / static_cast<float>(length);
    bool right = true;
    for (float value : output) right = right && value == expected;
    std::printf("%s: [%zu, %zu] computed on the caller alone\n", right ? "ok  " : "FAIL", rows, length);
    if (!right) ++failures;
  }
  // The refusal really happened: this process still has only its main thread.
  int threads = -1;
  if (FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, status) != nullptr) {
      if (std::strncmp(line, "Threads:", 8) == 0) threads = std::atoi(line + 8);
    }
    std::fclose(status);
  }
  std::printf("%s: %d thread(s) in the process (every worker refused)\n", threads == 1 ? "ok  " : "FAIL", threads);
  if (threads != 1) ++failures;
  std::printf("%s: %d failed checks\n", failures == 0 ? "passed" : "FAILED", failures);
  return failures == 0 ? 0 : 1;
}

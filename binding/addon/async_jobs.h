// The async jobs of one environment (the main thread's, or a worker's) that are computing, so that
// the environment's memory outlives them. Node waits for a terminated worker's async work before it
// frees the worker's heap; Deno does not, and frees the jobs' arrays while the kernels still write
// into them. The environment's cleanup hook calls close_and_wait(): it waits for the jobs computing,
// and jobs that had not started by then skip their work (no JavaScript can see their results).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace simd_softmax {
namespace addon {

class AsyncJobs {
 public:
  // Before a job computes: false when the environment is closing (the job must not touch its arrays).
  bool begin() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return false;
    ++running_;
    return true;
  }
  // After a job that begin() let through is done with its arrays.
  void end() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--running_ == 0) idle_.notify_all();
  }
  // From the environment's cleanup hook: no job starts from now on, and the running ones finish.
  void close_and_wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    closing_ = true;
    idle_.wait(lock, [this] { return running_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  size_t running_ = 0;
  bool closing_ = false;
};

}  // namespace addon
}  // namespace simd_softmax

// The least two threads can cost on this machine, for the tools that compare the pool with it: a
// dedicated helper thread that polls a counter and runs the second half of each call's work, with
// nothing else (no task to read, no stealing, no sleeping, a single caller).
#pragma once

#include <atomic>
#include <functional>
#include <thread>
#include <utility>

class BareSplit {
 public:
  // Starts the helper, which runs second_half once for every call().
  explicit BareSplit(std::function<void()> second_half) : second_half_(std::move(second_half)), helper_([this] { serve(); }) {}

  ~BareSplit() {
    stop_.store(true, std::memory_order_release);
    helper_.join();
  }

  // Bumps the call counter, runs first_half on the caller, then polls until the helper has stored
  // the same number in done_ after running its half.
  void call(const std::function<void()>& first_half) {
    const long this_call = ++calls_made_;
    call_.value.store(this_call, std::memory_order_release);
    first_half();
    while (done_.value.load(std::memory_order_acquire) < this_call) {
    }
  }

  BareSplit(const BareSplit&) = delete;
  BareSplit& operator=(const BareSplit&) = delete;

 private:
  struct alignas(64) Counter {
    std::atomic<long> value{0};
  };

  void serve() {
    for (long seen = 0;;) {
      while (call_.value.load(std::memory_order_acquire) == seen) {
        if (stop_.load(std::memory_order_acquire)) return;
      }
      seen = call_.value.load(std::memory_order_acquire);
      second_half_();
      done_.value.store(seen, std::memory_order_release);
    }
  }

  std::function<void()> second_half_;
  Counter call_, done_;
  std::atomic<bool> stop_{false};
  long calls_made_ = 0;
  std::thread helper_;  // last: started once every member it reads exists
};

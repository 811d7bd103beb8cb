#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../diagnostics/warnings.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#include <immintrin.h>
#elif defined(_M_ARM64)
#include <intrin.h>
#endif
#if defined(__linux__)
#include <link.h>
#include <sched.h>
#endif

namespace simd_softmax {
namespace {

// How long an idle worker polls for new work, and a caller for its helpers to finish, before
// sleeping. A futex wake-up costs tens of microseconds on a virtual machine; back-to-back calls
// and the end of a task then skip it.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(200);
// For the first part of its spin, an idle worker polls with the CPU's spin-wait hint instead of
// yielding its core: polling by sched_yield noticed new work 0.4-0.6 us after it came on this VM,
// the hint 0.06 us (tools/pool_handoff.cc: a 2-thread call's cost beyond half the 1-thread time
// went from 1.0-1.13 us to 0.55-0.59 us). Afterwards the worker yields, so that another thread
// waiting for this core gets it.
constexpr auto kPollWithoutYielding = std::chrono::microseconds(20);

// Tells the CPU that this thread is spinning (x86 PAUSE, Arm YIELD), where the compiler knows how.
inline void spin_wait_hint() {
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
  _mm_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#elif defined(_M_ARM64)
  __yield();
#endif
}

// The core the calling thread runs on, or -1 where the OS does not say.
int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

size_t usable_cores() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
#endif
  const unsigned count = std::thread::hardware_concurrency();
  return count > 0 ? count : 1;
}

#if defined(__linux__)
// True when `address` lies in a loaded segment of the executable (the first object the loader lists).
bool in_main_program(const void* address) {
  struct Search {
    uintptr_t address;
    bool found;
  } search{reinterpret_cast<uintptr_t>(address), false};
  dl_iterate_phdr(
      [](dl_phdr_info* object, size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        for (int i = 0; i < object->dlpi_phnum; ++i) {
          const ElfW(Phdr)& segment = object->dlpi_phdr[i];
          const uintptr_t start = object->dlpi_addr + segment.p_vaddr;
          if (segment.p_type == PT_LOAD && s->address >= start && s->address < start + segment.p_memsz) s->found = true;
        }
        return 1;  // only the first object: the executable
      },
      &search);
  return search.found;
}
#else
bool in_main_program(const void*) { return false; }
#endif

// Keeps this library mapped until the process exits. Node unloads an addon when the last
// environment using it (say, the last worker_thread) goes away, but the pool's threads live on in
// its code.
void pin_library_in_memory() {
  static const bool pinned = [] {
#if defined(_WIN32)
    HMODULE module = nullptr;
    return GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                              reinterpret_cast<LPCWSTR>(&pin_library_in_memory), &module) != 0;
#else
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&pin_library_in_memory), &info) == 0 || info.dli_fname == nullptr) return false;
    // A second reference that dlclose never drops (RTLD_NODELETE), taken without loading anything new.
    if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) != nullptr) return true;
    // Linked into the executable itself (the native tests and the fuzzer): never unloaded.
    return in_main_program(reinterpret_cast<const void*>(&pin_library_in_memory));
#endif
  }();
  if (!pinned) {
    report_warning("SIMD_SOFTMAX_PIN_FAILED", "could not pin the addon in memory; unloading it while threads run may crash");
  }
}

}  // namespace

size_t usable_core_count() { return usable_cores(); }

size_t default_thread_count() {
  const char* requested = std::getenv("SIMD_SOFTMAX_NUM_THREADS");
  if (requested != nullptr && requested[0] != '\0') {
    char* end = nullptr;
    const long long value = std::strtoll(requested, &end, 10);
    if (end != nullptr && *end == '\0' && value >= 1 && static_cast<size_t>(value) <= ThreadPool::kMaxThreads) return static_cast<size_t>(value);
    report_warning("SIMD_SOFTMAX_NUM_THREADS_INVALID", "SIMD_SOFTMAX_NUM_THREADS=" + std::string(requested) +
                                                           " is not an integer in [1, " + std::to_string(ThreadPool::kMaxThreads) + "]; using " +
                                                           std::to_string(usable_cores()) + " (the usable cores)");
  }
  return usable_cores();
}

ThreadPool& ThreadPool::shared() {
  // Deliberately never destroyed: a static destructor joining threads at exit could wait on work
  // that an exiting process no longer cares about.
  static ThreadPool* pool = new ThreadPool(default_thread_count());
  return *pool;
}

ThreadPool::ThreadPool(size_t threads) : threads_(threads < 1 ? 1 : threads) {}

void ThreadPool::start_workers() noexcept {
  const size_t wanted = threads() - 1;
  if (worker_count_.load(std::memory_order_acquire) >= wanted || thread_start_failed_.load(std::memory_order_relaxed)) {
    return;
  }
  std::lock_guard<std::mutex> lock(start_mutex_);
  pin_library_in_memory();
  for (size_t count = worker_count_.load(std::memory_order_relaxed); count < wanted; ++count) {
    try {
      // The pool lives until the process exits; its workers are never joined.
      std::thread(&ThreadPool::worker_loop, this).detach();
    } catch (const std::exception& error) {
      // Out of threads (a container's limit, say): run with the workers there are. The caller
      // works on every task, so a task still finishes without helpers.
      thread_start_failed_.store(true, std::memory_order_relaxed);
      report_warning("SIMD_SOFTMAX_THREAD_START_FAILED", "could not start a worker thread (" + std::string(error.what()) +
                                                             "); running with " + std::to_string(count + 1) + " threads");
      return;
    }
    worker_count_.store(count + 1, std::memory_order_release);
  }
}

ThreadPool::Task* ThreadPool::find_task_locked() {
  for (Task* task : tasks_) {
    if (task->helpers_wanted > 0) return task;
  }
  return nullptr;
}

ThreadPool::Task* ThreadPool::claim_offered_task() {
  Task* task = offered_task_.load(std::memory_order_relaxed);
  // Without a successful exchange nothing of the task is read: it may be finished and gone by now.
  // Its acquire pairs with the caller's publishing exchange, so the task's fields are visible.
  if (task == nullptr ||
      !offered_task_.compare_exchange_strong(task, nullptr, std::memory_order_acquire, std::memory_order_relaxed)) {
    return nullptr;
  }
  return task;
}

ThreadPool::Task::Task(ChunkFunction f, size_t count, size_t helpers)
    : chunk(f), chunk_count(count), participants(helpers + 1) {
  // Near-equal contiguous home ranges, one per participant.
  for (size_t p = 0; p < participants; ++p) {
    ranges[p].next.store(count * p / participants, std::memory_order_relaxed);
    ranges[p].end = count * (p + 1) / participants;
  }
}

void ThreadPool::work_on(Task& task, size_t participant) noexcept {
  for (size_t offset = 0; offset < task.participants; ++offset) {
    ChunkRange& range = task.ranges[(participant + offset) % task.participants];
    for (;;) {
      const size_t chunk = range.next.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= range.end) break;
      // After a failure the remaining chunks are claimed but not run: the call has failed anyway.
      if (task.failed.load(std::memory_order_relaxed)) continue;
      try {
        task.chunk(chunk);
      } catch (...) {
        // The first failure is kept; its release pairs with the caller's acquire of helpers_active.
        if (!task.failed.exchange(true, std::memory_order_acq_rel)) task.failure = std::current_exception();
      }
    }
  }
}

void ThreadPool::leave(Task& task) {
  // The last access to the task: afterwards its caller may return and destroy it. Its release
  // makes this helper's output visible to the caller. Sequentially consistent with the caller's
  // raising of sleeping_callers_: either the caller sees the count reach zero before it sleeps, or
  // this sees the caller asleep and, by taking the mutex, notifies only once it waits.
  if (task.helpers_active.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      sleeping_callers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    task_finished_.notify_all();
  }
}

void ThreadPool::spin_for_work() const {
  // First holding the core with the spin-wait hint, then yielding it.
  auto work_shown = [this] {
    return offered_task_.load(std::memory_order_relaxed) != nullptr ||
           waiting_helpers_.load(std::memory_order_relaxed) != 0;
  };
  const auto spin_start = std::chrono::steady_clock::now();
  for (auto now = spin_start; !work_shown() && now - spin_start < kSpinBeforeSleep; now = std::chrono::steady_clock::now()) {
    if (now - spin_start < kPollWithoutYielding) {
      for (int i = 0; i < 16 && !work_shown(); ++i) spin_wait_hint();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::worker_loop() {
  // Spinning keeps hand-offs short, but a spinning thread that the OS started on its caller's core
  // is never moved off it (it never sleeps, so it is never placed again), and the two then share
  // one core. A worker that finds itself on its caller's core sleeps instead; its next wake-up
  // places it on an idle core.
  bool spin = true;
  for (;;) {
    // A task offered in the slot, else one listed in tasks_ that still wants helpers.
    size_t participant = 1;
    Task* task = claim_offered_task();
    if (task == nullptr) {
      std::unique_lock<std::mutex> lock(mutex_);
      task = find_task_locked();
      if (task == nullptr) {
        if (spin) {
          // Poll briefly for the next task; then look again, and sleep if none came.
          lock.unlock();
          spin_for_work();
          spin = false;
          continue;
        }
        // Raised before looking again, sequentially consistent with a caller's offer: either this
        // sees the offer, or the caller sees a sleeper and notifies once this waits.
        sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
        while (offered_task_.load(std::memory_order_seq_cst) == nullptr && find_task_locked() == nullptr) {
          work_available_.wait(lock);
        }
        sleeping_workers_.fetch_sub(1, std::memory_order_relaxed);
        spin = true;
        continue;
      }
      // Join the listed task; its caller keeps it alive until helpers_active is back to zero.
      task->helpers_wanted--;
      participant = ++task->helpers_joined;
      waiting_helpers_.fetch_sub(1, std::memory_order_relaxed);
      task->helpers_active.fetch_add(1, std::memory_order_relaxed);
    }
    spin = task->caller_cpu < 0 || task->caller_cpu != current_cpu();
    work_on(*task, participant);
    leave(*task);
  }
}

void ThreadPool::run(size_t chunks, ChunkFunction chunk, size_t max_threads) {
  if (chunks == 0) return;
  const size_t helpers = std::max<size_t>(1, std::min({chunks, threads(), max_threads, kMaxParticipants})) - 1;
  if (helpers == 0) {
    // Inline: an exception reaches the caller directly.
    for (size_t i = 0; i < chunks; ++i) chunk(i);
    return;
  }
  Task task(chunk, chunks, helpers);
  task.caller_cpu = current_cpu();
  // Workers start lazily, on the first call that can use them.
  start_workers();
  // Offer the task to the first helper through the slot, counted in helpers_active while it waits
  // there. The slot holds one task: when another call's is in it, every helper joins through tasks_.
  task.helpers_active.store(1, std::memory_order_relaxed);
  Task* empty = nullptr;
  const bool offered = offered_task_.compare_exchange_strong(empty, &task, std::memory_order_seq_cst);
  if (!offered) task.helpers_active.store(0, std::memory_order_relaxed);
  const size_t listed_helpers = helpers - (offered ? 1 : 0);
  size_t sleepers = 0;
  if (listed_helpers > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    task.helpers_wanted = listed_helpers;
    task.helpers_joined = offered ? 1 : 0;
    tasks_.push_back(&task);
    waiting_helpers_.fetch_add(listed_helpers, std::memory_order_release);
    sleepers = sleeping_workers_.load(std::memory_order_relaxed);
  } else if (sleeping_workers_.load(std::memory_order_seq_cst) > 0) {
    // A sleeping worker waits under the mutex: taking it here means the worker either looks at the
    // slot after this offer or is already waiting, so the notification below is not lost.
    std::lock_guard<std::mutex> lock(mutex_);
    sleepers = sleeping_workers_.load(std::memory_order_relaxed);
  }
  for (size_t i = 0; i < std::min(helpers, sleepers); ++i) work_available_.notify_one();
  // The caller works too, so the task finishes even if every pool thread is busy elsewhere.
  work_on(task, 0);
  // No more chunks to claim: withdraw the task so that idle workers stop joining it. An offer still
  // in the slot was never taken, and its count in helpers_active goes with it.
  Task* self = &task;
  if (offered && offered_task_.compare_exchange_strong(self, nullptr, std::memory_order_relaxed)) {
    task.helpers_active.fetch_sub(1, std::memory_order_relaxed);
  }
  if (listed_helpers > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_helpers_.fetch_sub(task.helpers_wanted, std::memory_order_relaxed);
    task.helpers_wanted = 0;
    tasks_.erase(std::find(tasks_.begin(), tasks_.end(), &task));
  }
  // Wait for the helpers still running chunks: spin briefly, then sleep. Every chunk was claimed by
  // the caller or a helper, and a helper's release of helpers_active follows its writes, so once it
  // reads 0 all output is visible here and no thread touches the task again.
  const auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  while (task.helpers_active.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < spin_until) {
  }
  if (task.helpers_active.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    // Raised before looking again, sequentially consistent with leave(): see there.
    sleeping_callers_.fetch_add(1, std::memory_order_seq_cst);
    task_finished_.wait(lock, [&] { return task.helpers_active.load(std::memory_order_seq_cst) == 0; });
    sleeping_callers_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (task.failed.load(std::memory_order_acquire)) std::rethrow_exception(task.failure);
}

}  // namespace simd_softmax

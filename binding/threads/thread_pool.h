// A persistent pool of worker threads shared by every caller in the process: the main thread,
// worker_threads, and the libuv threads that run async calls.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>

namespace simd_softmax {

class ThreadPool {
 public:
  // Threads one call can use at most, the caller included.
  static constexpr size_t kMaxParticipants = 64;
  // The largest thread count a user may set (setNumThreads, SIMD_SOFTMAX_NUM_THREADS).
  static constexpr size_t kMaxThreads = 1024;

  // A non-owning reference to a callable taking the chunk index; no allocation per call.
  class ChunkFunction {
   public:
    // Excludes ChunkFunction itself: copies must copy, not wrap the (possibly temporary) source.
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, ChunkFunction>>>
    explicit ChunkFunction(F& f)
        : object_(&f), invoke_([](void* object, size_t chunk) { (*static_cast<F*>(object))(chunk); }) {}
    void operator()(size_t chunk) const { invoke_(object_, chunk); }

   private:
    void* object_;
    void (*invoke_)(void*, size_t);
  };

  // The process-wide pool: created on first use, sized by SIMD_SOFTMAX_NUM_THREADS or the number
  // of usable cores, and never destroyed (its threads sleep until the process exits).
  static ThreadPool& shared();

  // Threads a call may use, the calling thread included (>= 1). Lowering it parks the surplus
  // workers instead of ending them: re-creating threads would make the OS place them anew, and a new
  // thread often starts on its creator's core.
  size_t threads() const { return threads_.load(std::memory_order_relaxed); }
  void set_threads(size_t threads) { threads_.store(threads < 1 ? 1 : threads, std::memory_order_relaxed); }

  // Runs chunk(i) for every i in [0, chunks) on the caller and up to min(threads(), max_threads) - 1
  // pool threads (at most kMaxParticipants - 1); returns when all have finished. Safe to call from any number of
  // threads at once. If a chunk throws, the chunks not yet started are skipped and the first
  // exception is rethrown here, on the caller, once no thread touches the task any more: a
  // std::bad_alloc on a pool thread becomes the caller's error, never std::terminate.
  void run(size_t chunks, ChunkFunction chunk, size_t max_threads = kMaxParticipants);

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  // Participants (the caller is 0, helpers are numbered as they join) each own a contiguous home
  // range of chunks and work through it first, then take what is left in the others' ranges. In
  // steady state every thread touches the same part of the data on every call (its cache stays
  // warm), and a slowed thread still leaves its unclaimed chunks to the others.
  struct alignas(64) ChunkRange {
    std::atomic<size_t> next{0};
    size_t end = 0;
  };

  struct Task {
    ChunkFunction chunk;
    size_t chunk_count;
    size_t participants;    // the caller and at most participants - 1 helpers
    ChunkRange ranges[kMaxParticipants];
    size_t helpers_wanted = 0;  // pool threads that may still join through tasks_ (guarded by mutex_)
    // Guarded by mutex_: the n-th helper to join through tasks_ is participant helpers_joined + n (the
    // slot's helper is participant 1, so these start at 2 when the task was offered there).
    size_t helpers_joined = 0;
    int caller_cpu = -1;    // the core the caller runs on, where the OS tells (Linux), else -1
    // Set by the first chunk that throws; later chunks are then skipped.
    std::atomic<bool> failed{false};
    std::exception_ptr failure;  // written once, by the thread that set `failed`
    // Pool threads working on it, plus one while it is offered in offered_task_: the waiting
    // caller reads it without the mutex.
    std::atomic<size_t> helpers_active{0};
    Task(ChunkFunction f, size_t count, size_t helpers);
  };

  explicit ThreadPool(size_t threads);
  void worker_loop();
  // Starts workers until there are threads() - 1 of them, or until the OS refuses a thread.
  void start_workers() noexcept;
  // Runs the chunks of participant's home range, then any left in the other ranges. Never throws:
  // a chunk's exception is stored in the task.
  static void work_on(Task& task, size_t participant) noexcept;
  Task* find_task_locked();
  // Takes the task in offered_task_, if any, as participant 1.
  Task* claim_offered_task();
  // Polls for new work for up to kSpinBeforeSleep, without the mutex.
  void spin_for_work() const;
  // A helper's last touch of a task it worked on; wakes the task's caller if it sleeps.
  void leave(Task& task);

  std::atomic<size_t> threads_;
  std::mutex mutex_;
  std::condition_variable work_available_;
  std::condition_variable task_finished_;
  std::deque<Task*> tasks_;                 // guarded by mutex_
  // A call's first helper comes through this slot, without the mutex: the caller publishes its task
  // with one compare-exchange and a spinning worker takes it with another. Further helpers, and
  // every helper of a call that finds the slot taken, join through tasks_ under the mutex.
  alignas(64) std::atomic<Task*> offered_task_{nullptr};
  // Sum of helpers_wanted over tasks_, for spinning workers.
  alignas(64) std::atomic<size_t> waiting_helpers_{0};
  // Workers asleep on work_available_ and callers asleep on task_finished_ (each raised under
  // mutex_ before waiting): a call or a helper takes the mutex to notify only when one sleeps.
  alignas(64) std::atomic<size_t> sleeping_workers_{0};
  std::atomic<size_t> sleeping_callers_{0};
  alignas(64) std::atomic<size_t> worker_count_{0};  // workers started (detached, never joined); grows under start_mutex_
  std::atomic<bool> thread_start_failed_{false};  // the OS refused a thread once: stop asking
  std::mutex start_mutex_;
};

// The cores this process may run on (its CPU affinity where the OS tells, else the hardware's).
size_t usable_core_count();

// SIMD_SOFTMAX_NUM_THREADS if it is a positive integer (a warning, see diagnostics/warnings.h, otherwise), else the
// cores this process may run on.
size_t default_thread_count();

}  // namespace simd_softmax

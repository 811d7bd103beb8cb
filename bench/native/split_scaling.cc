// How much of a second thread a last-dim softmax gets through the pool, against the same split with
// no pool at all: in each round, the job on 1 thread, then through run_job_parallel on 2 threads,
// then as a bare split (the caller runs the first half of the rows and a dedicated thread, polling a
// counter, runs the second half). The bare split is about the best two threads can do for this job
// on this machine; when the pool's ratio moves with it from round to round, the pool is not what
// holds the job back.
//
// Built by `npm run bench:native` (CMake target bench_split_scaling); run it with rows, columns,
// and `log` for log-softmax (cls [64, 1000] softmax by default):
//   build/bench-native/bench_split_scaling 64 1000
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "bare_split.h"
#include "core/parallel_job.h"
#include "core/planner.h"
#include "core/run_job.h"
#include "dispatch/kernel_dispatch.h"

namespace {

using simd_softmax::SoftmaxJob;

// The mean time of one call over `calls` calls of `run`, in microseconds.
double mean_us(int calls, const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  for (int call = 0; call < calls; ++call) run();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / calls;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The bare split (bare_split.h): the caller runs rows [0, rows / 2), a dedicated helper the rest,
// each with the plan of a one-thread call.
double bare_split_us(const SoftmaxJob& job, const simd_softmax::KernelSet& kernels, int calls) {
  const size_t half = job.outer / 2;
  const simd_softmax::Plan plan = simd_softmax::plan_job(simd_softmax::PlanRequest{job, 1}, kernels);
  BareSplit split([&] { simd_softmax::run_work_units(job, kernels, plan, half, job.outer); });
  return mean_us(calls, [&] { split.call([&] { simd_softmax::run_work_units(job, kernels, plan, 0, half); }); });
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
  const size_t columns = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  const bool log = argc > 3 && std::strcmp(argv[3], "log") == 0;
  if (rows < 2 || columns < 1) {
    std::fprintf(stderr, "usage: split_scaling ROWS COLUMNS [log], with at least 2 rows\n");
    return 2;
  }
  std::vector<float> input(rows * columns), output(rows * columns);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(3 * std::sin(static_cast<double>(i)));
  const SoftmaxJob job{log ? simd_softmax::Op::kLogSoftmax : simd_softmax::Op::kSoftmax, simd_softmax::Dtype::kFloat32,
                       input.data(), output.data(), rows, columns, 1};
  const simd_softmax::KernelSet& kernels = simd_softmax::active_kernel_set();
  simd_softmax::ThreadPool& pool = simd_softmax::ThreadPool::shared();
  // 30 million elements per measurement, at least 50 calls (cls: 468 calls, 6-7 ms on one thread).
  const int calls = static_cast<int>(std::max<size_t>(50, size_t{30000000} / (rows * columns)));
  std::printf("[%zu, %zu] %s, %d calls per measurement\n", rows, columns, log ? "log-softmax" : "softmax", calls);
  std::vector<double> pool_ratios, bare_ratios;
  for (int round = 0; round < 12; ++round) {
    pool.set_threads(1);
    const double one = mean_us(calls, [&] { simd_softmax::run_job(job, kernels); });
    pool.set_threads(2);
    const double two = mean_us(calls, [&] { simd_softmax::run_job_parallel(job, kernels, pool); });
    // The pool's worker sleeps after 200 us without work and leaves the second core to the helper.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double bare = bare_split_us(job, kernels, calls);
    pool_ratios.push_back(one / two);
    bare_ratios.push_back(one / bare);
    std::printf("1 thread %.2f us; pool 2 threads %.2f us: %.2fx; bare split %.2f us: %.2fx\n", one, two, one / two, bare,
                one / bare);
  }
  std::printf("medians: pool %.2fx, bare split %.2fx\n", median(pool_ratios), median(bare_ratios));
}

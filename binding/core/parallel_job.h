// Runs a softmax job on the thread pool: how much parallelism a job gets, and how it is split.
#pragma once

#include "../kernels/kernel_set.h"
#include "../threads/thread_pool.h"
#include "softmax_job.h"

namespace simd_softmax {

// Below this many elements per thread, waking another thread costs more than it saves; a job
// smaller than twice this runs on the calling thread alone. Measured on the 2-vCPU VM, float32
// softmax, 2 threads against 1: [16, 1024] gained nothing (11.5 vs 11.5 us), [32, 1024] 1.9x.
constexpr size_t kMinElementsPerThread = 16384;

// Splits the job over up to pool.threads() threads, the caller included, in several chunks per
// thread that threads claim as they go:
// - last dim with at least as many rows as threads: balanced contiguous blocks of rows;
// - last dim with fewer rows than threads: every row split into segments whose (max, sum of exp)
//   are merged, then a second parallel pass that rescales or normalises (the online-softmax merge);
// - other dims: contiguous blocks of columns, cut at whole panels of the columns kernel (4 KiB of
//   each row) where slices are that wide, with at least a panel per thread; else at 64 columns;
// - other dims with fewer such pieces than threads: each slice's rows cut into segments whose
//   per-column (max, sum of exp) are merged, then a second parallel pass, as for split rows.
// Rows and columns that are not split give bitwise the same output as the single-threaded run.
void run_job_parallel(const SoftmaxJob& job, const KernelSet& kernels, ThreadPool& pool);

}  // namespace simd_softmax

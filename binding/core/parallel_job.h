// Runs a softmax job on the thread pool, split as its plan says (core/planner.h decides).
#pragma once

#include "../kernels/kernel_set.h"
#include "../threads/thread_pool.h"
#include "planner.h"
#include "softmax_job.h"

namespace simd_softmax {

// Runs the job as `plan` says, on the caller and up to plan.threads - 1 pool threads:
// - kRows / kColumns: balanced contiguous blocks of rows, or of columns cut within each slice at
//   whole panels of the columns kernel (4 KiB of each row) where slices are that wide, else at 64
//   columns; several chunks per thread, claimed as threads go;
// - kRowSegments: every row split into segments whose (max, sum of exp) are merged, then a second
//   parallel pass that rescales or normalises (the online-softmax merge);
// - kColumnSegments: each slice's rows cut into segments whose per-column (max, sum of exp) are
//   merged, then a second parallel pass, as for split rows.
// Rows and columns that are not split give bitwise the same output as the single-threaded run.
void run_plan(const SoftmaxJob& job, const KernelSet& kernels, const Plan& plan, ThreadPool& pool);

// Plans the job for the pool's thread count and runs it.
void run_job_parallel(const SoftmaxJob& job, const KernelSet& kernels, ThreadPool& pool);

}  // namespace simd_softmax

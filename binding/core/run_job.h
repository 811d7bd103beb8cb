// Runs a softmax job, or any contiguous range of its work units, on a kernel set.
#pragma once

#include <cstddef>

#include "../kernels/kernel_set.h"
#include "softmax_job.h"

namespace simd_softmax {

// A job's work units: its rows when the reduced dim is the last one (inner == 1), otherwise its
// outer * inner columns. Units are independent, so any partition of [0, units) into ranges, run in
// any order or on any thread, writes exactly the same output as one call over everything.
size_t work_units(const SoftmaxJob& job);
void run_work_units(const SoftmaxJob& job, const KernelSet& kernels, size_t begin, size_t end);

// Whether the job's whole output is too large for the caches, so that kernels write it with
// streaming stores where they can.
bool streams_output(const SoftmaxJob& job);

inline void run_job(const SoftmaxJob& job, const KernelSet& kernels) {
  run_work_units(job, kernels, 0, work_units(job));
}

}  // namespace simd_softmax

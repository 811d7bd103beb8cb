// Runs a planned job, or any contiguous range of its work units, on the calling thread.
#pragma once

#include <cstddef>

#include "../kernels/kernel_set.h"
#include "planner.h"
#include "softmax_job.h"

namespace simd_softmax {

// Runs units [begin, end) of the job (rows, or columns of its slices; see work_units) with the
// plan's variant. Units are independent, so any partition of [0, units) into ranges, run in any
// order or on any thread, writes exactly the same output as one call over everything. The plan
// must not be a segment split (parallel_job.cc runs those).
void run_work_units(const SoftmaxJob& job, const KernelSet& kernels, const Plan& plan, size_t begin, size_t end);

// The whole job on the calling thread.
void run_job(const SoftmaxJob& job, const KernelSet& kernels);

}  // namespace simd_softmax

// What a causal softmax can save on attention-sized scores: the float32 rows kernel of the active
// kernel set (SIMD_SOFTMAX_ISA chooses another) on M matrices of [S, S], each round timing
//   full:   every row whole (the plain softmax),
//   half:   the first S/2 elements of every row and nothing else (no tail written): half the reads,
//           half the writes and half the exponentials of `full`,
//   causal: row i over its first i + 1 elements, the rest of the row written as 0 (growth 1).
// Where `half` takes as long as `full`, the job is bound by the memory traffic of whole rows (the
// hardware prefetchers fetch the skipped part of each row too), and no row-wise causal kernel can
// be much faster than the plain one at that size; where the data stays in L2, `half` is the floor
// `causal` can approach.
//
// Built by `npm run bench:native` (CMake target bench_partial_rows); run it with M and S
// ([1, 12, 512, 512], the bench's attn-causal case, by default):
//   build/bench-native/bench_partial_rows 12 512
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "dispatch/kernel_dispatch.h"
#include "kernels/kernel_set.h"

namespace {

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t matrices = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 12;
  const size_t size = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 512;
  if (matrices == 0 || size < 2) {
    std::fprintf(stderr, "usage: bench_partial_rows [matrices >= 1] [size >= 2]\n");
    return 2;
  }
  const simd_softmax::KernelSet& set = simd_softmax::active_kernel_set();
  const auto rows_kernel = set.f32.wide.softmax.rows_three_pass;
  const size_t rows = matrices * size;
  std::vector<float> input(rows * size), output(rows * size);
  std::mt19937 random(1);
  std::uniform_real_distribution<float> logits(-4.0f, 4.0f);
  for (float& value : input) value = logits(random);

  std::vector<double> full, half, causal;
  for (int round = 0; round < 41; ++round) {
    auto start = std::chrono::steady_clock::now();
    rows_kernel(input.data(), output.data(), rows, size, size, 0, nullptr, nullptr);
    full.push_back(milliseconds_since(start));
    start = std::chrono::steady_clock::now();
    rows_kernel(input.data(), output.data(), rows, size / 2, size, 0, nullptr, nullptr);
    half.push_back(milliseconds_since(start));
    start = std::chrono::steady_clock::now();
    for (size_t m = 0; m < matrices; ++m) {
      rows_kernel(input.data() + m * size * size, output.data() + m * size * size, size, 1, size, 1, nullptr, nullptr);
    }
    causal.push_back(milliseconds_since(start));
  }
  std::printf("%s, %zu x [%zu, %zu] float32, medians of 41 rounds:\n", set.isa, matrices, size, size);
  std::printf("  full %.3f ms   half %.3f ms (full/half %.2fx)   causal %.3f ms (full/causal %.2fx)\n", median(full),
              median(half), median(full) / median(half), median(causal), median(full) / median(causal));
  return 0;
}

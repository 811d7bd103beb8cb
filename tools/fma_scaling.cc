// How well two threads scale on this machine for FMA-throughput-bound code with no memory traffic
// and no synchronisation: the ceiling for the 2-thread speedup of compute-bound softmax cases.
// On the project's 2-vCPU VM it printed anywhere from 1.72 to 1.99 from one run to the next (the
// guest reports one thread per core; the host's load decides how much the second vCPU gives).
//   g++ -O2 -pthread tools/fma_scaling.cc -o /tmp/fma_scaling && /tmp/fma_scaling
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <thread>

// n rounds of 8 independent chains of 256-bit FMAs: enough chains to fill both FMA pipes.
__attribute__((target("avx2,fma"))) float fma_work(long n) {
  __m256 chains[8];
  for (int i = 0; i < 8; ++i) chains[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 factor = _mm256_set1_ps(0.999999f), addend = _mm256_set1_ps(1e-7f);
  for (long k = 0; k < n; ++k) {
    for (int i = 0; i < 8; ++i) chains[i] = _mm256_fmadd_ps(chains[i], factor, addend);
  }
  float sum = 0;
  for (int i = 0; i < 8; ++i) sum += _mm256_cvtss_f32(chains[i]);
  return sum;
}

int main() {
  using clock = std::chrono::steady_clock;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = clock::now();
    volatile float one = fma_work(100000000);
    const auto middle = clock::now();
    float other = 0;
    std::thread helper([&] { other = fma_work(50000000); });
    volatile float mine = fma_work(50000000);
    helper.join();
    const auto end = clock::now();
    const double single = std::chrono::duration<double>(middle - start).count();
    const double both = std::chrono::duration<double>(end - middle).count();
    std::printf("FMA-bound loop: 1 thread %.0f ms, 2 threads (half each) %.0f ms: speedup %.2f\n", single * 1e3,
                both * 1e3, single / both);
    (void)one;
    (void)mine;
  }
  return 0;
}

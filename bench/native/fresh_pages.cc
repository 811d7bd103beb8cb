// What fresh memory costs before any softmax runs: the time to write a 64 MiB result (big,
// [4096, 4096] float32) into memory just mapped from the OS, with and without the huge-page advice
// that lib/ gives large results, against writing it into memory that is already mapped. The
// difference is the OS's page faults and the zeroing of every fresh page, which no allocation
// without a zero-filling pass of its own avoids: it is the least an allocating call on big costs
// beyond an `out=` call, unless the memory of earlier results is reused (README, Performance).
// Linux only.
// Built by `npm run bench:native` (CMake target bench_fresh_pages): build/bench-native/bench_fresh_pages
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr size_t kBytes = size_t{64} << 20;
constexpr size_t kHugePage = size_t{2} << 20;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

char* map_anonymous(size_t bytes) {
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  return static_cast<char*>(memory);
}

// Maps, optionally advises huge pages for, and writes kBytes; returns the milliseconds it took.
double write_fresh(bool huge_pages) {
  const auto start = std::chrono::steady_clock::now();
  // One huge page more than needed, so that the written range can start on a huge-page boundary.
  const size_t mapped = kBytes + kHugePage;
  char* memory = map_anonymous(mapped);
  char* aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(memory) + kHugePage - 1) & ~(kHugePage - 1));
  if (huge_pages) madvise(aligned, kBytes, MADV_HUGEPAGE);
  std::memset(aligned, 1, kBytes);
  const double ms = milliseconds_since(start);
  munmap(memory, mapped);
  return ms;
}

}  // namespace

int main() {
  char* reused = map_anonymous(kBytes);
  madvise(reused, kBytes, MADV_HUGEPAGE);
  std::memset(reused, 0, kBytes);
  std::vector<double> fresh_huge, fresh_small, again;
  for (int round = 0; round < 15; ++round) {
    fresh_huge.push_back(write_fresh(true));
    fresh_small.push_back(write_fresh(false));
    const auto start = std::chrono::steady_clock::now();
    std::memset(reused, round, kBytes);
    again.push_back(milliseconds_since(start));
  }
  std::printf("writing 64 MiB, medians of 15: fresh memory with huge-page advice %.2f ms, fresh 4 KiB pages %.2f ms, "
              "memory already mapped %.2f ms\n",
              median(fresh_huge), median(fresh_small), median(again));
  munmap(reused, kBytes);
}

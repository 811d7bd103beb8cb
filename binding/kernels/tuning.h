// Every tuning constant of the kernels and of the planner, in one place. Data only: nothing here
// is compiled differently per instruction set, so every translation unit may include it.
#pragma once

#include <cstddef>

namespace simd_softmax {

// ---- Inside the kernels: how a kernel walks its data ------------------------------------------

// The cache line size prefetching assumes (x86-64 and most Arm cores).
constexpr size_t kLineBytes = 64;
// Rows up to this many bytes prefetch the next row during pass 2 (see three_pass_rows). On Zen 4 at one
// thread, against no prefetch: rows of 16 KiB 1.26x-1.41x ([4096, 4096]), 256 KiB 1.19x, 1 MiB
// 1.06x; rows of 4 MB 0.96x-0.99x, where the next row no longer fits in L2 beside this one.
constexpr size_t kPrefetchMaxRowBytes = size_t{1} << 20;
// Log-softmax rows up to this many bytes prefetch their output into L1 during pass 2 (see
// row_sum_exp), where input and output rows fit in L1 together. On an Intel Xeon VM (48 KiB L1) at
// one thread, side by side against no prefetch: rows of 2 KiB 1.22x, 4 KiB 1.07x (float64 8 KiB
// 1.13x), 8 KiB 1.09x, 16 KiB 1.02x; rows of 32 KiB 0.87x, 200 KiB 0.86x, 1 MB 0.91x.
constexpr size_t kPrefetchOutputMaxRowBytes = size_t{8} << 10;
// Bytes per chunk where a long row's max and sum run in one sweep (row_stats_chunked): a chunk is
// read again from L1. On [64, 262144] and [16, 1048576] log-softmax, chunks of 8, 16, 32 and 64 KiB
// ran within noise of each other.
constexpr size_t kRowChunkBytes = size_t{16} << 10;

// Independent accumulators per loop iteration, to hide the latency of adds and maxes.
constexpr size_t kUnroll = 4;
// Float partial sums cover at most this many vectors per lane before they are folded into the
// double accumulators, so a row of a million elements sums as accurately as a short one.
constexpr size_t kVectorsPerSumBlock = 32;
// Column blocks whose slice (rows x block width) holds at most this many bytes prefetch their
// output into L2 during pass 2 (see ColumnBlock::stats): the input and the output of such a block
// then stay in L2 together until pass 3. On mid ([16, 1000, 64] dim 1, 256 KiB blocks) on an Intel
// Xeon VM at one thread, side by side: log-softmax 1.12x-1.14x, softmax 1.05x.
constexpr size_t kPrefetchOutputMaxBlockBytes = size_t{256} << 10;
// Softmax's pass 2 prefetches the output row this many rows ahead of the one it stores.
constexpr size_t kOutputPrefetchRowsAhead = 8;

// Rows per chunk where passes 1 and 2 over columns run chunk by chunk (ColumnBlock::chunked_stats):
// 128 KiB of a 4 KiB-wide panel, so the chunk being summed and the next one being prefetched share
// L2 with room. On [4096, 1024] dim 0, chunks of 32, 64 and 128 rows ran within noise of each other.
constexpr size_t kChunkRows = 32;

// Columns kernels take columns in panels of this many bytes of each row (1024 float32 or 512
// float64 columns), sweeping whole row segments; thread partitions of slices that wide cut at panel
// bounds (core/parallel_job.cc).
constexpr size_t kColumnPanelBytes = 4096;
// Narrower slices go in blocks of up to 8 vectors, but at most this many bytes of each row (8 AVX2
// or 4 AVX-512 vectors: 64 float32 columns). Every set's block widths divide 64 columns, so thread
// partitions cut at multiples of 64 columns never split a block (core/parallel_job.cc).
constexpr size_t kColumnBlockMaxBytes = 256;

// Rows up to this many bytes, in a job whose output streams, keep softmax's exponentials in a scratch
// row of this size (rows.streamed); longer ones compute them twice instead.
constexpr size_t kStreamingMaxRowBytes = size_t{256} << 10;

// ---- The planner: which variant runs, and how a job is split across threads ------------------

// Outputs at least this large go straight to memory (streaming stores): they cannot stay in cache
// anyway, and skipping the read of each output line saves a third of the memory traffic.
constexpr size_t kStreamingMinOutputBytes = size_t{16} << 20;

// Slices at least this tall (a panel of them holds 1 MiB) take column_block_chunked where the output
// streams. Side by side at 1 thread against the three passes, over 2-4 runs (float32 unless noted;
// log-softmax in parentheses): [4096, 1024] dim 0 1.24x-1.38x (0.94x-1.52x), [8192, 1024]
// 1.50x-1.67x (1.62x-1.72x), [4, 1024, 1024] dim 1 1.23x-1.46x (1.20x-1.29x), [8, 512, 1024] dim 1
// 1.21x-1.26x (1.05x-1.26x), [16, 256, 1024] dim 1 1.15x-1.30x (0.82x-1.22x), [1024, 4096] dim 0
// 1.11x-1.12x (1.13x-1.25x); float64 [4096, 1024] 1.32x-1.33x (1.40x-1.42x), [4, 1024, 1024]
// 1.14x-1.15x (1.16x-1.18x), [16, 256, 1024] 0.92x-1.00x (1.13x-1.18x). Slices of 128 rows,
// [32, 128, 1024] dim 1: 1.07x (0.89x). Where the output stays cached, the three passes keep their
// stored exponentials in cache and win: [1024, 1024] 0.70x (0.94x).
constexpr size_t kChunkedMinRows = 256;

// Below this many elements per thread, waking another thread costs more than it saves; a job
// smaller than twice this runs on the calling thread alone. Measured on the 2-vCPU VM, float32
// softmax, 2 threads against 1: [16, 1024] gained nothing (11.5 vs 11.5 us), [32, 1024] 1.9x.
constexpr size_t kMinElementsPerThread = 16384;
// In slices narrower than a panel, column blocks start at multiples of this, so that no thread
// boundary splits a columns kernel block (see kColumnBlockMaxBytes).
constexpr size_t kColumnAlignment = kColumnBlockMaxBytes / sizeof(float);
// Segment boundaries of a split row are multiples of this many elements (whole cache lines).
constexpr size_t kSegmentAlignment = 64;
// Row segments per thread where the reduced dim of a slice is split, and the fewest rows a segment has.
constexpr size_t kSegmentsPerThread = 2;
constexpr size_t kMinSegmentRows = 16;
// Chunks per thread: threads claim chunks as they go, so a thread slowed down by whatever else runs
// on its core (V8's garbage collector, another process) takes fewer, instead of the whole call
// waiting for it. Each chunk still holds at least kMinElementsPerThread / kChunksPerThread elements.
constexpr size_t kChunksPerThread = 4;

}  // namespace simd_softmax

// The planner's decisions, for the shapes whose variant and split each threshold decides.
#include <string>

#include "core/planner.h"
#include "dispatch/kernel_dispatch.h"
#include "kernels/tuning.h"
#include "test_support.h"

namespace {

using namespace simd_softmax;
using test_support::check;

Plan plan_for(const KernelSet& set, Op op, Dtype dtype, size_t outer, size_t dim, size_t inner, size_t threads,
              uintptr_t output_address = 64) {
  SoftmaxJob job{op, dtype, nullptr, reinterpret_cast<void*>(output_address), outer, dim, inner};
  return plan_job(PlanRequest{job, threads}, set);
}

void expect_plan(const KernelSet& set, const Plan& plan, Variant variant, Split split, size_t threads,
                 const std::string& what) {
  const std::string got = std::string(variant_name(plan.variant)) + " / " + split_name(plan.split) + " / " +
                          std::to_string(plan.threads) + " threads";
  const std::string want = std::string(variant_name(variant)) + " / " + split_name(split) + " / " +
                           std::to_string(threads) + " threads";
  check(got == want, std::string(set.isa) + " " + what + ": " + got + ", expected " + want);
}

void test_set(const KernelSet& set) {
  const Op sm = Op::kSoftmax, lsm = Op::kLogSoftmax;
  const Dtype f32 = Dtype::kFloat32, f64 = Dtype::kFloat64;
  const size_t lanes = set.f32.wide.lanes, narrow = set.f32.narrow.lanes;
  // Rows of one vector stay in a register, on the narrow width where it is wide enough.
  Plan p = plan_for(set, sm, f32, 4, narrow, 1, 1);
  expect_plan(set, p, Variant::kRowsSingleVector, Split::kNone, 1, "rows as long as the narrow width");
  check(p.width == Width::kNarrow, std::string(set.isa) + ": short rows run narrow");
  p = plan_for(set, sm, f32, 4, lanes, 1, 1);
  expect_plan(set, p, Variant::kRowsSingleVector, Split::kNone, 1, "rows of one wide vector");
  check(p.width == (lanes == narrow ? Width::kNarrow : Width::kWide), std::string(set.isa) + ": one-vector rows' width");
  expect_plan(set, plan_for(set, lsm, f32, 4, lanes + 1, 1, 1), Variant::kRowsThreePass, Split::kNone, 1, "longer rows");
  // Below twice kMinElementsPerThread a job stays on the calling thread.
  expect_plan(set, plan_for(set, sm, f32, 16, 1024, 1, 2), Variant::kRowsThreePass, Split::kNone, 1, "[16, 1024]");
  expect_plan(set, plan_for(set, sm, f32, 32, 1024, 1, 2), Variant::kRowsThreePass, Split::kRows, 2, "[32, 1024]");
  // Fewer rows than threads: rows cut into segments.
  p = plan_for(set, sm, f32, 1, 50257, 1, 2);
  expect_plan(set, p, Variant::kRowSegments, Split::kRowSegments, 2, "[1, 50257]");
  check(p.segments == 8 && p.chunks == 8, std::string(set.isa) + ": [1, 50257] in 8 segments of whole lines");
  // 16 MiB of output or more streams.
  p = plan_for(set, sm, f32, 4096, 1024, 1, 1);
  expect_plan(set, p, Variant::kRowsStreamed, Split::kNone, 1, "[4096, 1024] streams");
  check(p.stream_output && p.streamed_stores && p.scratch_elements == 1024, std::string(set.isa) + ": streamed softmax keeps a scratch row");
  expect_plan(set, plan_for(set, sm, f32, 4096, 1023, 1, 1), Variant::kRowsThreePass, Split::kNone, 1, "just under 16 MiB");
  // Rows longer than kStreamingMaxRowBytes: softmax in place, log-softmax chunked.
  const size_t long_row = kStreamingMaxRowBytes / sizeof(float) + 1;
  expect_plan(set, plan_for(set, sm, f32, 64, long_row, 1, 1), Variant::kRowsThreePass, Split::kNone, 1, "long softmax rows");
  expect_plan(set, plan_for(set, lsm, f32, 64, long_row, 1, 1), Variant::kRowsStreamedChunked, Split::kNone, 1,
              "long log-softmax rows");
  // Columns: narrow softmax slices run on the narrow width; log-softmax keeps the wide one.
  p = plan_for(set, sm, f32, 1, 100, lanes - 1 > 0 ? lanes - 1 : 1, 1);
  check(lanes == narrow || p.width == Width::kNarrow || lanes == 1, std::string(set.isa) + ": narrow softmax slices run narrow");
  check(plan_for(set, lsm, f32, 1, 100, 3, 1).width == Width::kWide, std::string(set.isa) + ": log-softmax columns stay wide");
  expect_plan(set, plan_for(set, sm, f32, 16, 1000, 64, 1), Variant::kColumnsThreePass, Split::kNone, 1, "mid");
  expect_plan(set, plan_for(set, sm, f32, 16, 1000, 64, 2), Variant::kColumnsThreePass, Split::kColumns, 2, "mid, 2 threads");
  // Tall slices whose output streams take the chunked sweep; streamed where the set can join vectors.
  const bool joins = set.f32.wide.streams_columns;
  expect_plan(set, plan_for(set, sm, f32, 1, 4096, 1024, 1),
              joins ? Variant::kColumnsChunkedStreamed : Variant::kColumnsChunked, Split::kNone, 1, "[4096, 1024] dim 0");
  expect_plan(set, plan_for(set, lsm, f32, 64, 255, 1024, 1),
              joins ? Variant::kColumnsStreamed : Variant::kColumnsThreePass, Split::kNone, 1, "short slices, log-softmax");
  expect_plan(set, plan_for(set, sm, f32, 64, 255, 1024, 1), Variant::kColumnsThreePass, Split::kNone, 1,
              "short slices, softmax");
  // An output whose rows do not share one alignment cannot stream.
  p = plan_for(set, sm, f32, 1, 4096, 1024, 1, 66);
  expect_plan(set, p, Variant::kColumnsChunked, Split::kNone, 1, "[4096, 1024] dim 0, odd address");
  // One panel of columns and two threads: the reduced dim is cut into segments.
  p = plan_for(set, sm, f32, 1, 4096, 1024, 2);
  expect_plan(set, p, Variant::kColumnSegments, Split::kColumnSegments, 2, "[4096, 1024] dim 0, 2 threads");
  check(segments_from_input(p) && p.segment_apply == ColumnApply::kSoftmax, std::string(set.isa) + ": streamed segments compute from the input");
  p = plan_for(set, sm, f64, 1, 1024, 512, 2);
  expect_plan(set, p, Variant::kColumnSegments, Split::kColumnSegments, 2, "float64 [1024, 512] dim 0, 2 threads");
  check(!segments_from_input(p) && p.segment_apply == ColumnApply::kScaleStored, std::string(set.isa) + ": cached softmax segments rescale");
  // Empty jobs plan nothing.
  p = plan_for(set, sm, f32, 0, 10, 1, 2);
  check(p.threads == 1 && p.split == Split::kNone, std::string(set.isa) + ": an empty job stays on the calling thread");
  // Injected limits move the thresholds.
  SoftmaxJob job{sm, f32, nullptr, reinterpret_cast<void*>(64), 4, 100, 1};
  PlanRequest request{job, 1};
  request.limits.streaming_min_output_bytes = 1024;
  expect_plan(set, plan_job(request, set), Variant::kRowsStreamed, Split::kNone, 1, "a shrunk streaming threshold");
}

// Half precision: softmax never keeps its exponentials in the output. Rows get a float32 scratch
// row; split rows and reduced dims compute them again in phase 2.
void test_half_precision(const KernelSet& set) {
  const std::string isa = set.isa;
  for (Dtype half : {Dtype::kFloat16, Dtype::kBFloat16}) {
    const std::string name = isa + (half == Dtype::kFloat16 ? " float16" : " bfloat16");
    Plan p = plan_for(set, Op::kSoftmax, half, 4, 1000, 1, 1);
    expect_plan(set, p, Variant::kRowsThreePass, Split::kNone, 1, name + " softmax rows");
    check(p.scratch_elements == 1000, name + ": softmax rows keep their exponentials in a scratch row");
    check(plan_for(set, Op::kLogSoftmax, half, 4, 1000, 1, 1).scratch_elements == 0, name + ": log-softmax rows need no scratch");
    p = plan_for(set, Op::kSoftmax, half, 1, 1 << 20, 1, 2);
    expect_plan(set, p, Variant::kRowSegments, Split::kRowSegments, 2, name + " one long row on 2 threads");
    check(p.segment_apply == ColumnApply::kSoftmax, name + ": split rows compute their exponentials again");
    p = plan_for(set, Op::kSoftmax, half, 1, 1 << 16, 4, 2);
    expect_plan(set, p, Variant::kColumnSegments, Split::kColumnSegments, 2, name + " tall narrow slice on 2 threads");
    check(p.segment_apply == ColumnApply::kSoftmax, name + ": split reduced dims compute their exponentials again");
  }
  // float32 stores them where it can.
  check(plan_for(set, Op::kSoftmax, Dtype::kFloat32, 1, 1 << 20, 1, 2).segment_apply == ColumnApply::kScaleStored,
        isa + " float32: split rows rescale the stored exponentials");
}

}  // namespace

int main() {
  for (const KernelSet* set : runnable_kernel_sets()) {
    test_set(*set);
    test_half_precision(*set);
  }
  return test_support::finish("planner_tests");
}

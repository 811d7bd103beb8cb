#include "staging.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "../core/run_job.h"
#include "../dispatch/kernel_dispatch.h"
#include "../kernels/tuning.h"
#include "arguments.h"

namespace simd_softmax {
namespace addon {
namespace {

// ---- Staged small jobs ------------------------------------------------------------------------
// Each copy of lib/ has a staging area that only it sees: small synchronous jobs are copied into
// its input, computed into its output and copied out by lib/, which writes the job's layout into
// its header first. A call then passes one small number and looks nothing up in V8 (110 -> 64 ns for
// a [1, 10] softmax), and never makes V8 move a small typed array's contents off its heap to hand
// out a pointer (which costs more than a small softmax).
//
// An area is a SharedArrayBuffer that lib/ creates and hands over once (attachStaging): a
// SharedArrayBuffer can never be detached, and the reference held here keeps it alive until the
// environment is torn down, so the address kept below stays valid for every call. An environment
// can hold several areas: each copy of lib/ loaded in it (jest loads lib/ afresh for every test
// file, with the addon loaded once) attaches its own, 8 KiB kept until the environment ends.
struct StagingArea {
  napi_ref view;  // the Uint8Array over the whole area
  unsigned char* memory;
};

struct StagingAreas {
  std::vector<StagingArea> areas;
};

void delete_staging_areas(napi_env env, void* data, void* /*hint*/) {
  auto* staging = static_cast<StagingAreas*>(data);
  for (const StagingArea& area : staging->areas) napi_delete_reference(env, area.view);
  delete staging;
}

StagingAreas& staging_areas(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok || data == nullptr) throw_internal(env, "no staging areas");
  return *static_cast<StagingAreas*>(data);
}

}  // namespace

// attachStaging(view) -> id: view is a Uint8Array over a whole SharedArrayBuffer of kStagingAreaBytes.
napi_value AttachStaging(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value view;
    if (napi_get_cb_info(env, info, &argc, &view, nullptr, nullptr) != napi_ok || argc != 1) {
      throw_internal(env, "attachStaging() takes one view");
    }
    napi_typedarray_type type;
    size_t length = 0, byte_offset = 0;
    void* memory = nullptr;
    napi_value buffer;
    bool plain_array_buffer = true;
    if (napi_get_typedarray_info(env, view, &type, &length, &memory, &buffer, &byte_offset) != napi_ok ||
        napi_is_arraybuffer(env, buffer, &plain_array_buffer) != napi_ok) {
      throw_internal(env, "the staging view is not a typed array");
    }
    // A plain ArrayBuffer could be detached (its memory freed) under a later call; a shared one cannot.
    if (type != napi_uint8_array || length != kStagingAreaBytes || byte_offset != 0 || plain_array_buffer) {
      throw_internal(env, "the staging view is not a Uint8Array over a whole SharedArrayBuffer of the staging size");
    }
    StagingAreas& staging = staging_areas(env);
    StagingArea area{nullptr, static_cast<unsigned char*>(memory)};
    NAPI_THROW_IF_FAILED(env, napi_create_reference(env, view, 1, &area.view), nullptr);
    staging.areas.push_back(area);
    return Napi::Number::New(env, static_cast<double>(staging.areas.size() - 1));
  });
}

// runStaged(id): run()'s job, laid out in area id's header, from its staging input into its output.
napi_value RunStaged(napi_env env, napi_callback_info info) {
  return with_js_exceptions(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value id_value;
    uint32_t id = 0;
    if (napi_get_cb_info(env, info, &argc, &id_value, nullptr, nullptr) != napi_ok || argc != 1 ||
        napi_get_value_uint32(env, id_value, &id) != napi_ok) {
      throw_internal(env, "runStaged() takes a staging area's id");
    }
    const StagingAreas& staging = staging_areas(env);
    if (id >= staging.areas.size()) throw_internal(env, "no staging area has this id");
    unsigned char* memory = staging.areas[id].memory;
    // One read of the header: only lib/ writes it, but the memory is shared, so nothing is read twice.
    uint32_t header[4];
    std::memcpy(header, memory, sizeof header);
    SoftmaxJob job = job_of_kind(env, header[0]);
    job.outer = header[1];
    job.dim_size = header[2];
    job.inner = header[3];
    // The job must fit the staging input and output (in double: the product may overflow).
    if (element_count(job) * static_cast<double>(element_bytes(job.dtype)) > static_cast<double>(kStagingBytes)) {
      throw_internal(env, "a staged job is larger than the staging buffers");
    }
    job.input = memory + kStagingHeaderBytes;
    job.output = memory + kStagingHeaderBytes + kStagingBytes;
    // Straight to the kernels: a staged job is too small to be worth a second thread (see below).
    if (has_work(job)) run_job(job, active_kernel_set());
    return nullptr;
  });
}
static_assert(kStagingBytes / sizeof(float) < 2 * kMinElementsPerThread,
              "run_job_parallel could split a staged job, which RunStaged runs on the calling thread");

void create_staging_areas(Napi::Env env) {
  auto staging = std::make_unique<StagingAreas>();
  NAPI_THROW_IF_FAILED_VOID(env, napi_set_instance_data(env, staging.get(), delete_staging_areas, nullptr));
  staging.release();
}

}  // namespace addon
}  // namespace simd_softmax

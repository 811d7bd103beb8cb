// Staged small jobs: a staging area per copy of lib/, shared with the addon (see staging.cc).
#pragma once

#include <napi.h>

#include <cstddef>

namespace simd_softmax {
namespace addon {

inline constexpr size_t kStagingHeaderBytes = 64;  // uint32 kind, outer, dimSize, inner; then padding
inline constexpr size_t kStagingBytes = 4096;      // each of the input and the output
inline constexpr size_t kStagingAreaBytes = kStagingHeaderBytes + 2 * kStagingBytes;


// attachStaging(view) -> id, and runStaged(id): see staging.cc.
napi_value AttachStaging(napi_env env, napi_callback_info info);
napi_value RunStaged(napi_env env, napi_callback_info info);

// Creates this environment's (empty) list of staging areas.
void create_staging_areas(Napi::Env env);

}  // namespace addon
}  // namespace simd_softmax

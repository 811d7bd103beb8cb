// Warnings as data: the core never prints. What it wants a user to know (an ignored environment
// setting, a missing kernel set, a thread that could not start) goes into this process-wide list,
// which the addon hands to lib/, which emits each with process.emitWarning and its code.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace simd_softmax {

struct Warning {
  std::string code;     // e.g. SIMD_SOFTMAX_ISA_FALLBACK
  std::string message;  // one sentence, without the package's name
};

// Appends a warning (thread-safe).
void report_warning(const std::string& code, const std::string& message);

// How many warnings have been reported so far (thread-safe).
size_t reported_warning_count();

// Every warning reported so far, oldest first (thread-safe).
std::vector<Warning> reported_warnings();

}  // namespace simd_softmax

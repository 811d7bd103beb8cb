#include "warnings.h"

#include <mutex>

namespace simd_softmax {
namespace {

std::mutex& warnings_mutex() {
  static std::mutex* mutex = new std::mutex;  // never destroyed: pool threads may report at exit
  return *mutex;
}

std::vector<Warning>& warnings() {
  static std::vector<Warning>* list = new std::vector<Warning>;
  return *list;
}

}  // namespace

void report_warning(const std::string& code, const std::string& message) {
  std::lock_guard<std::mutex> lock(warnings_mutex());
  warnings().push_back(Warning{code, message});
}

size_t reported_warning_count() {
  std::lock_guard<std::mutex> lock(warnings_mutex());
  return warnings().size();
}

std::vector<Warning> reported_warnings() {
  std::lock_guard<std::mutex> lock(warnings_mutex());
  return warnings();
}

}  // namespace simd_softmax

// libFuzzer: a job file's bytes through the reader and validator, and a
// valid spec through its stored form and back (it must survive unchanged).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "relinkd/domain/JobSpec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const relinkd::SpecResult result = relinkd::parseJobSpec(bytes, 14LL * 24 * 3600 * 1000, 1764000000000, 1764000000000);
  if (result.ok() != result.spec.has_value()) std::abort();  // a spec exactly when there is no problem
  (void)result.message();
  if (result.spec) {
    const std::string stored = relinkd::specToJson(*result.spec);
    const auto again = relinkd::specFromJson(stored);
    if (!again || relinkd::specToJson(*again) != stored) std::abort();
    (void)relinkd::requestBody(*result.spec);
  }
  return 0;
}

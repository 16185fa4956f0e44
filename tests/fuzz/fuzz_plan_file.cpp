// libFuzzer: a plan file's bytes through the reader and validator; a valid
// plan derives N×(N−1) distinct, valid job names.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "relinkd/domain/PlanSpec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const relinkd::PlanResult result = relinkd::parsePlan(bytes, "fuzz", 14LL * 24 * 3600 * 1000, 1764000000000);
  (void)result.message();
  if (!result.plan) return 0;
  const std::size_t n = result.plan->sites.size();
  if (result.plan->labels.size() != n) std::abort();
  std::set<std::string> names;
  for (const relinkd::DerivedJob& job : relinkd::deriveJobs("fuzz", *result.plan)) {
    if (!relinkd::jobNameProblem(job.name).empty()) std::abort();
    names.insert(job.name);
  }
  if (names.size() != n * (n - 1)) std::abort();
  return 0;
}

// Jobs counted by state and grouped by plan, every state of interface.md in its table order
// (zeros included), for /metrics and the status page.
//
// Thread-safety: pure functions on values.
#pragma once

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "relinkd/domain/Job.h"

namespace relinkd {

using StateCounts = std::array<std::pair<JobState, int>, kAllStates.size()>;

inline StateCounts countByState(const JobList& jobs) {
  StateCounts counts{};
  for (std::size_t i = 0; i < kAllStates.size(); ++i) counts[i] = {kAllStates[i], 0};
  for (const auto& job : jobs) {
    for (auto& [state, count] : counts) {
      if (state == job->state) ++count;
    }
  }
  return counts;
}

// The jobs by plan, in name order; "" holds the jobs of no plan, and is
// always there (empty when there are none).
inline std::map<std::string, JobList> jobsByPlan(const JobList& jobs) {
  std::map<std::string, JobList> plans{{"", {}}};
  for (const auto& job : jobs) plans[job->plan].push_back(job);
  return plans;
}

}  // namespace relinkd

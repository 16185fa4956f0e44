// Jobs counted by state, every state of interface.md in its table order
// (zeros included), for /metrics and the status page.
//
// Thread-safety: pure functions on values.
#pragma once

#include <array>
#include <utility>
#include <vector>

#include "relinkd/Job.h"

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

}  // namespace relinkd

// Which of a plan's jobs `relinkctl retry --plan=P` and `cancel --plan=P`
// take, and one line for the rest. A plan mixes jobs in every state, so the
// plan-wide form acts on the jobs the action allows and counts the others
// (already final, past their window, no longer in the plan, the invalid
// plan's stand-in) instead of refusing each one: refusing them would make
// every cancel of a partly finished plan exit 1.
//
// Thread-safety: pure functions on values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"

namespace relinkd {

enum class PlanAction { kRetry, kCancel };

struct PlanPick {
  std::vector<std::string> names;  // the jobs the action takes, in the order of jobs
  // "3 jobs of plan acme left as they are: 2 already final (2 succeeded); 1 no
  // longer in the plan"; empty when every job (in state S) is taken.
  std::string leftAlone;
};

// The jobs of plan (jobsOfPlan) the action takes: retry those failed,
// paused or retrying whose window is open; cancel those not finished. Jobs the
// plan no longer derives and the stand-in of an invalid plan are never taken.
// With state only the jobs in that state count (the others are not mentioned).
PlanPick pickPlanJobs(PlanAction action, const std::string& plan, const std::vector<Job>& jobs,
                      std::optional<JobState> state, TimeMs now);

}  // namespace relinkd

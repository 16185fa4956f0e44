#include "relinkd/domain/PlanActions.h"

#include <map>

#include "relinkd/domain/PlanView.h"

namespace relinkd {

namespace {

// Why the action leaves job alone, or nullopt when it takes it. The reasons
// are the groups of the left-alone line, so they are worded for a count.
std::optional<std::string> whyLeftAlone(PlanAction action, const std::string& plan, const Job& job, TimeMs now) {
  if (job.name == plan) return "the invalid plan's stand-in";
  if (!job.fileHash) return "no longer in the plan";
  if (action == PlanAction::kCancel) {
    if (isFinal(job.state)) return "already final";
    if (job.state == JobState::kInvalid) return "invalid";
    return std::nullopt;
  }
  if (job.state != JobState::kFailed && job.state != JobState::kPaused && job.state != JobState::kRetrying)
    return "neither failed, paused nor retrying";
  if (job.deadline && *job.deadline <= now) return "past the close of their window";
  return std::nullopt;
}

std::string jobsWord(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " job" : " jobs");
}

}  // namespace

PlanPick pickPlanJobs(PlanAction action, const std::string& plan, const std::vector<Job>& jobs,
                      std::optional<JobState> state, TimeMs now) {
  PlanPick pick;
  std::vector<std::string> reasons;  // in the order first seen
  std::map<std::string, std::vector<Job>> left;
  for (const Job& job : jobs) {
    if (job.plan != plan || (state && job.state != *state)) continue;
    const auto why = whyLeftAlone(action, plan, job, now);
    if (!why) {
      pick.names.push_back(job.name);
      continue;
    }
    if (left.find(*why) == left.end()) reasons.push_back(*why);
    left[*why].push_back(job);
  }
  std::size_t count = 0;
  std::string parts;
  for (const std::string& why : reasons) {
    const std::vector<Job>& group = left.at(why);
    count += group.size();
    parts += (parts.empty() ? "" : "; ") + std::to_string(group.size()) + " " + why + " (" +
             stateCountsText(group) + ")";
  }
  if (count > 0)
    pick.leftAlone = jobsWord(count) + " of plan " + plan + (count == 1 ? " left as it is: " : " left as they are: ") + parts;
  return pick;
}

}  // namespace relinkd

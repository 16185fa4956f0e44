#include "relinkd/domain/Job.h"

#include <array>
#include <utility>

namespace relinkd {

namespace {

constexpr std::array<std::pair<JobState, const char*>, 9> kStateNames{{
    {JobState::kInvalid, "invalid"},
    {JobState::kQueued, "queued"},
    {JobState::kRunning, "running"},
    {JobState::kRetrying, "retrying"},
    {JobState::kPaused, "paused"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kFailed, "failed"},
    {JobState::kExpired, "expired"},
    {JobState::kCancelled, "cancelled"},
}};

}  // namespace

const char* stateName(JobState state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) return name;
  }
  return "unknown";
}

std::string stateOutcome(JobState state) { return std::string("state: ") + stateName(state); }

std::optional<JobState> parseState(const std::string& name) {
  for (const auto& [value, stateText] : kStateNames) {
    if (name == stateText) return value;
  }
  return std::nullopt;
}

bool isFinal(JobState state) {
  switch (state) {
    case JobState::kSucceeded:
    case JobState::kFailed:
    case JobState::kExpired:
    case JobState::kCancelled:
      return true;
    case JobState::kInvalid:
    case JobState::kQueued:
    case JobState::kRunning:
    case JobState::kRetrying:
    case JobState::kPaused:
      return false;
  }
  return false;
}

void recordTimes(Job& job, const HistoryEntry* entry) {
  if (!isFinal(job.state)) {
    job.finishedAt.reset();
  } else if (!job.finishedAt) {
    job.finishedAt = entry ? entry->at : job.updatedAt;
  }
  if (entry && entry->action == "submit" && !job.firstSubmittedAt) job.firstSubmittedAt = entry->at;
}

}  // namespace relinkd

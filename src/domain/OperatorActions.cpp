#include "relinkd/domain/OperatorActions.h"

namespace relinkd {

ActionResult applyRetry(Job& job, TimeMs now, HistoryEntry& entry) {
  if (job.state == JobState::kInvalid) {
    return {false, "job is invalid: fix its file (relinkd reads it again when it changes)"};
  }
  if (job.state == JobState::kCancelled) {
    return {false, "job is cancelled: change or re-create its file to start it again"};
  }
  if (job.state != JobState::kFailed && job.state != JobState::kPaused &&
      job.state != JobState::kRetrying) {
    return {false, std::string("job is ") + stateName(job.state) +
                       "; only failed, paused or retrying jobs can be retried"};
  }
  if (job.deadline && *job.deadline <= now) {
    return {false, "its window closed at " + formatTime(*job.deadline) +
                       "; no request may be sent any more"};
  }
  if (job.submitting) {
    // A second submission now would orphan the remote job the first one
    // may have created; its answer decides what happens next.
    return {false, "a submission of this job is in flight (or relinkd stopped during one and "
                   "sends it again when it starts); its answer decides what happens next"};
  }
  const bool wasFailed = job.state == JobState::kFailed;
  if (wasFailed) job.attempts = 0;
  // A paused job that had a remote job keeps polling it; everything else
  // submits again.
  if (job.state == JobState::kPaused && job.remoteJobId) {
    job.state = JobState::kRunning;
  } else {
    job.state = job.attempts == 0 ? JobState::kQueued : JobState::kRetrying;
    job.remoteJobId.reset();
    job.remoteStatus.reset();
  }
  job.nextAttemptAt = now;
  job.updatedAt = now;
  entry = HistoryEntry{now, "retry", std::nullopt, stateOutcome(job.state),
                       wasFailed ? "re-armed by the operator with a fresh attempt count"
                                 : "re-armed by the operator for an attempt now"};
  return {true, ""};
}

ActionResult applyCancel(Job& job, TimeMs now, HistoryEntry& entry) {
  if (isFinal(job.state)) {
    return {false, std::string("job is already ") + stateName(job.state)};
  }
  if (job.state == JobState::kInvalid) {
    return {false, "job is invalid and sends nothing; remove or fix its file"};
  }
  job.state = JobState::kCancelled;
  job.nextAttemptAt.reset();
  job.submitting = false;
  job.lastError = "cancelled by the operator" +
                  (job.remoteJobId ? "; remote job " + *job.remoteJobId +
                                         " cannot be cancelled at Atlassian and is no longer polled"
                                   : std::string());
  job.updatedAt = now;
  entry = HistoryEntry{now, "cancel", std::nullopt, stateOutcome(JobState::kCancelled), *job.lastError};
  return {true, ""};
}

}  // namespace relinkd

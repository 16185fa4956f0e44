// A job file's or plan's change that leaves the request the same (only
// migratedAt or deadline, see compareSpecs) moves the job's window instead
// of restarting it: an unfinished job keeps its remote job and goes on, a
// succeeded one stays succeeded, an expired one is due again when its new
// deadline is ahead. Resubmitting would cost another remote job (with
// createBackup, another backup of the site) for the very same request.
#include <Poco/Logger.h>

#include "Scheduler.h"

namespace relinkd {

void Scheduler::windowMoved(const Job& job, const JobSpec& spec, const ScannedFile& file, const SpecChange& change) {
  if (table_.runtime(job.name).inFlight) {  // its answer first: a new version would make it look stale
    state_.fileReads.retryAt(jobFileName(job.name), clock_.monoNow() + settings_.fileRetryMs);
    return;
  }
  moveWindow(withSpec(job), spec, file.hash, stampOf(file.read.stamp), change);
}

std::optional<SpecChange> Scheduler::planChangeOf(const Job& job, const JobSpec& spec) const {
  return requestChange(job, specBefore(job, spec), spec, true);
}

std::optional<JobSpec> Scheduler::specBefore(const Job& job, const JobSpec& next) const {
  return relinkd::specBefore(job, specOf(job), next);
}

bool Scheduler::moveWindow(Job job, const JobSpec& spec, const std::string& hash,
                           const std::optional<std::string>& stamp, const SpecChange& change) {
  const TimeMs now = clock_.wallNow();
  const std::optional<TimeMs> before = job.deadline;
  job.fileHash = hash;
  job.fileStamp = stamp;
  job.specJson = specToJson(spec);
  job.specLeftOut = false;
  job.deadline = jobDeadline(spec, settings_.windowMs, job.acceptedAt);
  if (change.kind == SpecChangeKind::kSame) return commit(std::move(job), std::nullopt);  // only the bytes differ
  job.updatedAt = now;
  const std::string detail = joinFields(change.fields) + " changed: the window moved, its deadline from " +
                             (before ? formatTime(*before) : std::string("none")) + " to " +
                             formatTime(*job.deadline) + "; the request is the same, so " +
                             afterWindowMoved(job, now);
  const bool moved = before != job.deadline;
  const std::string name = job.name;
  const std::string state = stateOutcome(job.state);
  if (!commit(std::move(job), HistoryEntry{now, "window-moved", std::nullopt, state, detail})) return false;
  if (moved) table_.markWarned(name, false);  // a warning is for a deadline: the new one is warned of anew
  return true;
}

std::string Scheduler::afterWindowMoved(Job& job, TimeMs now) {
  if (job.state == JobState::kExpired && *job.deadline > now) {
    job.lastError.reset();
    wantRequests(job, resumedState(job), now);
    return std::string("the job is due again (") + stateName(job.state) + "), not submitted anew";
  }
  if (job.state == JobState::kExpired) return "the job stays expired: the new deadline has passed too";
  if (isFinal(job.state)) return std::string("the job stays ") + stateName(job.state) + " and is not submitted again";
  if (wantsRequests(job.state) && !job.nextAttemptAt) {
    // It had stopped asking, out of time under the old deadline: the new
    // one may leave time for its next request (a poll, or a submission).
    job.lastError.reset();
    scheduleRequest(job, now, context());
    if (job.nextAttemptAt)
      return std::string("the job goes on (") + stateName(job.state) +
             "): the new deadline leaves time for its next request; it is not restarted";
  }
  return std::string("the job goes on (") + stateName(job.state) + ") and is not submitted again";
}

}  // namespace relinkd

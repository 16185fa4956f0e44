// The job directory as a declaration: a new file creates a job, changed
// content restarts it (history kept) unless only its window moved
// (SchedulerWindow.cpp), the file re-created after its job was cancelled
// starts it again, a removed file cancels it if it has not finished. The
// scans that find these changes are in SchedulerScan.cpp.
//
// What is not a change: a read that failed for a reason that may pass (the
// job stays as it was and the file is read again), and a directory that
// cannot be listed (no job is cancelled because of it).
#include <Poco/Logger.h>

#include "EngineLog.h"
#include "RestartNotes.h"
#include "Scheduler.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/PlanNames.h"

namespace relinkd {

void Scheduler::reconcileFile(const std::string& fileName) {
  if (isPlanFileName(fileName)) reconcilePlan(planNameOf(fileName), source_.scanOne(fileName));
  else reconcile(jobNameOf(fileName), source_.scanOne(fileName));
}

void Scheduler::reconcile(const std::string& name, const ScannedFile& file) {
  const std::string fileName = jobFileName(name);
  const Job* existing = table_.find(name);
  const bool held = existing && isHeldByPlan(*existing);
  if (file.read.missing) {
    state_.fileReads.forget(fileName);
    if (existing && !held && existing->fileHash) fileRemoved(*existing);
    return;
  }
  if (!held) {
    if (file.read.transient && existing && existing->fileHash) return keepAfterReadError(name, fileName, file);
    if (file.read.transient) state_.fileReads.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
    else state_.fileReads.forget(fileName);
  }
  // Other content for a job: what it says, and what the job had (FileChange.h judges).
  std::optional<JobSpec> spec, before;
  if (existing && !held && existing->fileHash != file.hash) {
    std::vector<FieldProblem> problems;
    spec = readSpec(*existing, file, problems);
    if (spec) before = specBefore(*existing, *spec);
  }
  const JobChange change = judgeJobFile(name, existing, before, file, spec);
  switch (change.action) {
    case FileAction::kHeldByPlan: return heldByPlan(*existing, file);
    case FileAction::kKeep: return sameContent(*existing, file);
    case FileAction::kMoveWindow: return windowMoved(*existing, *spec, file, change.change);
    case FileAction::kStartAgain: return startFromFile(name, existing, file, "file-recreated");
    default:
      return startFromFile(name, existing, file, existing && existing->fileHash ? "file-changed" : "file-restored");
  }
}

// The name is a plan's: the plan came first, the file must give way.
void Scheduler::heldByPlan(const Job& holder, const ScannedFile& file) {
  if (state_.fileReads.remember(jobFileName(holder.name), "conflict with plan " + holder.plan))
    engineLog().error("job file " + file.path + ": " + heldByPlanProblem(holder.name, holder.plan, holder.file));
}

// The same bytes again, the job not to start again: only a stamp to
// remember, and never under a request in flight (a new version would make
// its answer look stale).
void Scheduler::sameContent(const Job& job, const ScannedFile& file) {
  if (file.read.stamp.empty()) {
    // Written within the last seconds (or the clock stepped back): too fresh
    // to judge. The known stamp stays, so that once the file's settles it
    // still tells whether the file was written again.
    if (job.state == JobState::kCancelled && job.fileStamp)
      state_.fileReads.retryAt(jobFileName(job.name), clock_.monoNow() + settings_.fileRetryMs);
    return;
  }
  if (job.fileStamp == file.read.stamp || table_.runtime(job.name).inFlight) return;
  Job stamped = job;
  stamped.fileStamp = file.read.stamp;
  commit(std::move(stamped), std::nullopt);
}

// (Re)starts the job named name from the file: created, or with action
// ("file-changed", "file-restored", "file-recreated") when it exists.
void Scheduler::startFromFile(std::string name, const Job* existing, const ScannedFile& file,
                              const std::string& action) {
  const TimeMs now = clock_.wallNow();
  Job job;
  if (existing) {
    job = *existing;
    job.plan.clear();  // a name a plan no longer uses can be a job file's
  } else {
    job.name = name;
    job.createdAt = now;  // acceptedAt stays 0 until the content is valid
  }
  job = ingest(std::move(job), file);
  std::string detail;
  if (job.state == JobState::kInvalid || job.state == JobState::kExpired) detail = *job.lastError;
  else if (!existing) detail = "accepted from " + job.file;
  else if (action == "file-recreated")
    detail = "started again: " + job.file + " was re-created or rewritten after the job was cancelled";
  else detail = restartDetail(*existing, job);
  const std::string state = stateOutcome(job.state);
  const HistoryEntry entry{now, existing ? action : "created", std::nullopt, state, detail};
  if (commit(std::move(job), entry)) table_.resetRuntime(name);
}

// What changed from was to job (restarted from its file's new content).
std::string Scheduler::restartDetail(const Job& was, const Job& job) const {
  const std::optional<JobSpec> after = specFromJson(*job.specJson);
  if (!after) return "restarted with the new content of " + job.file;
  return fileRestartDetail(was, specBefore(was, *after), *after, job.file);
}

// The job stays as it was; the file is read again soon. Logged once per
// distinct error, so a file unreadable for hours does not flood the journal.
// name is the job's, or for a plan file the plan's.
void Scheduler::keepAfterReadError(const std::string& name, const std::string& fileName, const ScannedFile& file) {
  state_.fileReads.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
  if (!state_.fileReads.remember(fileName, file.read.error)) return;
  const Job* job = table_.find(name);
  const std::string what = isPlanFileName(fileName) ? "plan " + name + ": " : "job " + name + ": ";
  const std::string stays = isPlanFileName(fileName) || !job ? "its jobs stay as they were"
                                                             : std::string("the job stays as it was (") +
                                                                   stateName(job->state) + ")";
  engineLog().warning(what + file.path + " " + file.read.error + "; " + stays +
                      " and relinkd reads the file again every " + formatDuration(settings_.fileRetryMs));
}

void Scheduler::retryFileReads() {
  for (const std::string& fileName : state_.fileReads.takeDue(clock_.monoNow())) reconcileFile(fileName);
}

// (Re)starts job from the file's content: invalid, expired, or ready for
// its first submission.
Job Scheduler::ingest(Job job, const ScannedFile& file) {
  std::vector<FieldProblem> problems;
  const std::optional<JobSpec> spec = readSpec(job, file, problems);
  return arm(std::move(job), file, spec, problemsMessage(problems));
}

std::optional<JobSpec> Scheduler::readSpec(const Job& job, const ScannedFile& file,
                                           std::vector<FieldProblem>& problems) const {
  // Without migratedAt the window counts from the first valid content.
  return jobFileSpec(job.name, file.read, settings_.windowMs, windowStartOf(&job, clock_.wallNow()),
                     clock_.wallNow(), problems);
}

Job Scheduler::arm(Job job, const ScannedFile& file, const std::optional<JobSpec>& spec,
                   const std::string& problem) {
  const TimeMs now = clock_.wallNow();
  job.file = file.path;
  job.fileHash = file.hash;
  job.fileStamp = stampOf(file.read.stamp);
  job.updatedAt = now;
  job.attempts = 0;
  job.submitting = false;
  job.remoteJobId.reset();
  job.remoteStatus.reset();
  job.nextAttemptAt.reset();
  job.deadline.reset();
  job.specJson.reset();
  job.specLeftOut = false;
  job.siteId.clear();
  job.lastError.reset();
  job.result.reset();
  job.firstSubmittedAt.reset();  // the record's times are of the current spec (recordTimes)
  job.finishedAt.reset();        // (it may become final again at once: expired)
  if (spec && problem.empty()) {
    if (job.acceptedAt == 0) job.acceptedAt = now;
    job.specJson = specToJson(*spec);
    job.siteId = spec->siteId;
    job.deadline = jobDeadline(*spec, settings_.windowMs, job.acceptedAt);
  }
  if (!problem.empty()) {
    job.state = JobState::kInvalid;
    job.lastError = problem + (file.read.transient ? " (relinkd reads it again every " +
                                                         formatDuration(settings_.fileRetryMs) + ")"
                                                   : " (fix the file; relinkd reads it again when it changes)");
  } else if (*job.deadline <= now) {
    job.state = JobState::kExpired;
    job.lastError = "the window closed at " + formatTime(*job.deadline) + "; no request was sent";
  } else {
    wantRequests(job, JobState::kQueued, now);
  }
  return job;
}

void Scheduler::wantRequests(Job& job, JobState state, TimeMs now) {
  if (credentialsRejected()) {
    job.state = JobState::kPaused;
    job.lastError = "waiting: " + pauseWhy();
    job.nextAttemptAt.reset();
  } else {
    job.state = state;
    job.nextAttemptAt = now;
  }
}

void Scheduler::fileRemoved(Job job, const std::string& why) {
  const TimeMs now = clock_.wallNow();
  job.fileHash.reset();
  job.fileStamp.reset();
  job.updatedAt = now;
  std::string detail = why;
  if (!isFinal(job.state)) {
    job.state = JobState::kCancelled;
    job.nextAttemptAt.reset();
    job.submitting = false;
    job.lastError = detail + (job.remoteJobId ? "; remote job " + *job.remoteJobId +
                                                    " cannot be cancelled and is no longer polled"
                                              : "");
    detail = *job.lastError;
  } else {
    detail += "; the job stays " + std::string(stateName(job.state));
  }
  const std::string state = stateOutcome(job.state);
  commit(std::move(job), HistoryEntry{now, "file-removed", std::nullopt, state, detail});
}

}  // namespace relinkd

// The job directory as a declaration: a new file creates a job, changed
// content restarts it (history kept), a removed file cancels it if it has
// not finished. What changed while relinkd was stopped is found by the
// full scan at start.
#include <Poco/Logger.h>

#include "EngineLog.h"
#include "relinkd/Engine.h"
#include "relinkd/JobSpec.h"

namespace relinkd {

void Engine::scanAll() {
  std::map<std::string, ScannedFile> files = source_.scanAll();
  for (const auto& [name, file] : files) reconcile(name, file);
  std::vector<std::string> gone;
  for (const auto& [name, job] : jobs_)
    if (job.fileHash && !files.count(name)) gone.push_back(name);
  for (const std::string& name : gone) fileRemoved(jobs_.at(name));
}

void Engine::reconcile(const std::string& name, const ScannedFile& file) {
  auto existing = jobs_.find(name);
  if (file.read.missing) {
    if (existing != jobs_.end() && existing->second.fileHash) fileRemoved(existing->second);
    return;
  }
  if (existing != jobs_.end() && existing->second.fileHash == file.hash) return;

  const TimeMs now = clock_.wallNow();
  Job job;
  std::string action = "created";
  if (existing != jobs_.end()) {
    job = existing->second;
    action = job.fileHash ? "file-changed" : "file-restored";
  } else {
    job.name = name;
    job.createdAt = now;  // acceptedAt stays 0 until the content is valid
  }
  job = ingest(std::move(job), file);
  std::string detail = job.state == JobState::kInvalid || job.state == JobState::kExpired
                           ? *job.lastError
                           : (action == "created" ? "accepted from " : "restarted with the new content of ") +
                                 job.file;
  commit(job, HistoryEntry{now, action, std::nullopt, std::string("state: ") + stateName(job.state),
                           detail});
  Runtime& runtime = runtime_[name];
  runtime.pollFailures = runtime.discoverFailures = 0;
  runtime.warnedNearDeadline = false;
}

// (Re)starts job from the file's content: invalid, expired, or ready for
// its first submission.
Job Engine::ingest(Job job, const ScannedFile& file) {
  const TimeMs now = clock_.wallNow();
  job.file = file.path;
  job.fileHash = file.hash;
  job.updatedAt = now;
  job.attempts = 0;
  job.submitting = false;
  job.remoteJobId.reset();
  job.remoteStatus.reset();
  job.nextAttemptAt.reset();
  job.deadline.reset();
  job.specJson.reset();
  job.siteId.clear();
  job.lastError.reset();

  std::string problem;
  if (std::string bad = jobNameProblem(job.name); !bad.empty()) {
    problem = "file name: " + bad;
  } else if (!file.read.ok) {
    problem = "file: " + file.read.error;
  } else {
    // Without migratedAt the window counts from the first valid content.
    const TimeMs windowStart = job.acceptedAt != 0 ? job.acceptedAt : now;
    SpecResult result = parseJobSpec(file.read.bytes, settings_.windowMs, windowStart);
    if (!result.ok()) {
      problem = result.message();
    } else {
      job.acceptedAt = windowStart;
      job.specJson = specToJson(*result.spec);
      job.siteId = result.spec->siteId;
      job.deadline = jobDeadline(*result.spec, settings_.windowMs, job.acceptedAt);
    }
  }
  if (!problem.empty()) {
    job.state = JobState::kInvalid;
    job.lastError = problem + " (fix the file; relinkd reads it again when it changes)";
  } else if (*job.deadline <= now) {
    job.state = JobState::kExpired;
    job.lastError = "the window closed at " + formatTime(*job.deadline) + "; no request was sent";
  } else if (credentialsRejected_) {
    job.state = JobState::kPaused;
    job.lastError = "waiting: the API rejected the credentials; fix the token file";
  } else {
    job.state = JobState::kQueued;
    job.nextAttemptAt = now;
  }
  return job;
}

void Engine::fileRemoved(Job job) {
  const TimeMs now = clock_.wallNow();
  job.fileHash.reset();
  job.updatedAt = now;
  std::string detail = "the job file was removed";
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
  commit(job, HistoryEntry{now, "file-removed", std::nullopt, std::string("state: ") + stateName(job.state),
                           detail});
}

}  // namespace relinkd

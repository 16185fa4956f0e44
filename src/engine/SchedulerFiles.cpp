// The job directory as a declaration: a new file creates a job, changed
// content restarts it (history kept), a removed file cancels it if it has
// not finished. What changed while relinkd was stopped is found by the full
// scan at start; the periodic rescan reads only files whose stamp moved.
//
// What is not a change: a read that failed for a reason that may pass (the
// job stays as it was and the file is read again), and a directory that
// cannot be listed (no job is cancelled because of it).
#include <Poco/Logger.h>

#include "EngineLog.h"
#include "ScanBatch.h"
#include "Scheduler.h"
#include "relinkd/Duration.h"
#include "relinkd/JobSpec.h"

namespace relinkd {
namespace {

// While the directory is missing, look for it again this often.
constexpr std::int64_t kMissingDirectoryRetryMs = 5000;

}  // namespace

// The phases in order. Job files first: a name that both a job file and a
// plan claim is the job file's, and the plan is told so. Removed job files
// next: their names are free for a plan that now derives them.
bool Scheduler::scanAll(const std::function<bool()>& stopRequested, Inbox* later) {
  const std::optional<Listing> listed = listJobDirectory();
  if (!listed) return true;
  ScanBatch batch(store_, [this] { writing(); }, stopRequested);
  ListedPlans plans;
  return scanJobFiles(*listed, plans, batch, later) && scanRemovedJobFiles(*listed, batch) &&
         scanPlans(plans, batch, later) && scanRemovedPlans(plans, batch) && batch.finish();
}

// The listing, or nullopt while the directory cannot be listed: then no job
// is cancelled because of it, and it is looked for again soon.
std::optional<Listing> Scheduler::listJobDirectory() {
  try {
    Listing listed = source_.list();
    if (directoryMissing_) engineLog().notice("the job directory " + source_.where() + " can be read again; rescanning");
    directoryMissing_ = false;
    return listed;
  } catch (const JobSourceError& error) {
    if (!directoryMissing_)
      engineLog().warning(std::string(error.what()) +
                          "; no job is cancelled because of it, polls and expiry go on, and relinkd "
                          "looks for the directory again every few seconds");
    directoryMissing_ = true;
    nextRescan_ = clock_.monoNow() + std::min(settings_.rescanIntervalMs, kMissingDirectoryRetryMs);
    return std::nullopt;
  }
}

// Job files whose stamp moved (plans are set aside in plans for later).
bool Scheduler::scanJobFiles(const Listing& listed, ListedPlans& plans, ScanBatch& batch, Inbox* later) {
  for (const ListedFile& file : listed) {
    if (isPlanFileName(file.fileName)) {
      plans.emplace(planNameOf(file.fileName), &file);
      continue;
    }
    const std::string name(listedName(file));
    if (unchanged(name, file)) continue;
    if (later) {
      later->files.insert(file.fileName);
      continue;
    }
    if (!batch.add([&] { reconcile(name, source_.scanOne(file.fileName)); })) return false;
  }
  return true;
}

bool Scheduler::scanRemovedJobFiles(const Listing& listed, ScanBatch& batch) {
  std::vector<std::string> gone;
  table_.forEach([&](const Job& job) {
    if (job.plan.empty() && job.fileHash && !findListed(listed, job.name)) gone.push_back(job.name);
  });
  for (const std::string& name : gone)
    if (!batch.add([&] { fileRemoved(*table_.find(name)); })) return false;
  return true;
}

bool Scheduler::scanPlans(const ListedPlans& plans, ScanBatch& batch, Inbox* later) {
  for (const auto& [plan, file] : plans) {
    if (planRecords_.unchanged(plan, *file)) continue;
    if (later) {
      later->files.insert(file->fileName);
      continue;
    }
    const std::string& planName = plan;
    const std::string& fileName = file->fileName;
    if (!batch.add([&] { reconcilePlan(planName, source_.scanOne(fileName)); })) return false;
  }
  return true;
}

bool Scheduler::scanRemovedPlans(const ListedPlans& plans, ScanBatch& batch) {
  for (const std::string& plan : planRecords_.missingFrom(plans))
    if (!batch.add([&] { planRemoved(plan); })) return false;
  return true;
}

bool Scheduler::unchanged(const std::string& name, const ListedFile& listed) const {
  const Job* job = table_.find(name);
  return job && job->fileHash && !listed.stamp.empty() && job->fileStamp == listed.stamp;
}

void Scheduler::reconcileFile(const std::string& fileName) {
  if (isPlanFileName(fileName)) reconcilePlan(planNameOf(fileName), source_.scanOne(fileName));
  else reconcile(jobNameOf(fileName), source_.scanOne(fileName));
}

void Scheduler::reconcile(const std::string& name, const ScannedFile& file) {
  const std::string fileName = jobFileName(name);
  const Job* existing = table_.find(name);
  if (existing && !existing->plan.empty() && existing->fileHash) {
    // The name is a plan's: the plan came first, the file must give way.
    if (!file.read.missing &&
        fileReads_.remember(fileName, "conflict with plan " + existing->plan)) {
      engineLog().error("job file " + file.path + ": the name " + name + " is already a job of the plan " +
                        existing->plan + " (" + existing->file + "); the file is ignored: rename it");
    }
    if (file.read.missing) fileReads_.forget(fileName);
    return;
  }
  if (file.read.missing) {
    fileReads_.forget(fileName);
    if (existing && existing->fileHash) fileRemoved(*existing);
    return;
  }
  if (file.read.transient && existing && existing->fileHash) return keepAfterReadError(name, fileName, file);
  if (file.read.transient) fileReads_.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
  else fileReads_.forget(fileName);
  if (existing && existing->fileHash == file.hash) {
    // Same content: only a stamp to remember, and never under a request in
    // flight (a new version would make its answer look stale).
    if (existing->fileStamp.value_or("") != file.read.stamp && !table_.runtime(name).inFlight) {
      Job job = *existing;
      job.fileStamp = file.read.stamp.empty() ? std::nullopt : std::optional<std::string>(file.read.stamp);
      commit(std::move(job), std::nullopt);
    }
    return;
  }
  const TimeMs now = clock_.wallNow();
  Job job;
  std::string action = "created";
  if (existing) {
    job = *existing;
    action = job.fileHash ? "file-changed" : "file-restored";
    job.plan.clear();  // a name a plan no longer uses can be a job file's
  } else {
    job.name = name;
    job.createdAt = now;  // acceptedAt stays 0 until the content is valid
  }
  job = ingest(std::move(job), file);
  std::string detail = job.state == JobState::kInvalid || job.state == JobState::kExpired
                           ? *job.lastError
                           : (action == "created" ? "accepted from " : "restarted with the new content of ") +
                                 job.file;
  const std::string state = stateOutcome(job.state);
  if (commit(std::move(job), HistoryEntry{now, action, std::nullopt, state, detail})) table_.resetRuntime(name);
}

// The job stays as it was; the file is read again soon. Logged once per
// distinct error, so a file unreadable for hours does not flood the journal.
// name is the job's, or for a plan file the plan's.
void Scheduler::keepAfterReadError(const std::string& name, const std::string& fileName, const ScannedFile& file) {
  fileReads_.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
  if (!fileReads_.remember(fileName, file.read.error)) return;
  const Job* job = table_.find(name);
  const std::string what = isPlanFileName(fileName) ? "plan " + name + ": " : "job " + name + ": ";
  const std::string stays = isPlanFileName(fileName) || !job ? "its jobs stay as they were"
                                                             : std::string("the job stays as it was (") +
                                                                   stateName(job->state) + ")";
  engineLog().warning(what + file.path + " " + file.read.error + "; " + stays +
                      " and relinkd reads the file again every " + formatDuration(settings_.fileRetryMs));
}

void Scheduler::retryFileReads() {
  for (const std::string& fileName : fileReads_.takeDue(clock_.monoNow())) reconcileFile(fileName);
}

// (Re)starts job from the file's content: invalid, expired, or ready for
// its first submission.
Job Scheduler::ingest(Job job, const ScannedFile& file) {
  std::string problem;
  std::optional<JobSpec> spec;
  if (std::string bad = jobNameProblem(job.name); !bad.empty()) {
    problem = "file name: " + bad;
  } else if (!file.read.ok) {
    problem = "file: " + file.read.error;
  } else {
    // Without migratedAt the window counts from the first valid content.
    const TimeMs windowStart = job.acceptedAt != 0 ? job.acceptedAt : clock_.wallNow();
    SpecResult result = parseJobSpec(file.read.bytes, settings_.windowMs, windowStart);
    if (result.ok()) spec = std::move(result.spec);
    else problem = result.message();
  }
  return arm(std::move(job), file, spec, problem);
}

Job Scheduler::arm(Job job, const ScannedFile& file, const std::optional<JobSpec>& spec,
                   const std::string& problem) {
  const TimeMs now = clock_.wallNow();
  job.file = file.path;
  job.fileHash = file.hash;
  job.fileStamp = file.read.stamp.empty() ? std::nullopt : std::optional<std::string>(file.read.stamp);
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
  } else if (credentialsRejected_) {
    job.state = JobState::kPaused;
    job.lastError = "waiting: " + pauseWhy_;
  } else {
    job.state = JobState::kQueued;
    job.nextAttemptAt = now;
  }
  return job;
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

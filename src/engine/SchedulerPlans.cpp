// Plan files (NAME.plan.json) as a declaration of many jobs: a valid plan
// makes one job for every ordered pair of its sites (PLAN.SRC.DST, each with
// the plan's file as its file), and every change to the plan is applied to
// that set the way a job file's change is applied to its job:
//
//   a job the plan derives and the table lacks          created
//   a job whose request the change alters               restarted (history kept)
//   a job whose window alone the change moves           window moved (same remote job; see SchedulerWindow.cpp)
//   a job the change does not alter                     left alone (same remote job, same state)
//   a cancelled job, the same content written again     started again (an edit leaves it cancelled unless it
//                                                       alters its request: a failed or cancelled job is
//                                                       judged by its fields like any other, see planChangeOf)
//   a job the plan no longer derives (a site removed)   cancelled unless final
//   the plan file removed                               all of its jobs, likewise
//   the same content written again                      nothing but the stamp each job remembers
//
// An invalid plan leaves its jobs alone and shows its problem as a job named
// PLAN ("the stand-in"), invalid, removed again once the plan is valid. A
// name the plan would derive that a job file already uses is a conflict:
// the plan is invalid and says which file holds the name. Nothing about a
// plan is stored beyond its jobs; what their file hashes say is rebuilt at
// load (PlanRecords::rebuild).
#include <Poco/Logger.h>

#include <set>

#include "EngineLog.h"
#include "RestartNotes.h"
#include "Scheduler.h"
#include "relinkd/domain/Duration.h"

namespace relinkd {

void Scheduler::reconcilePlan(const std::string& plan, const ScannedFile& file) {
  const std::string fileName = planFileName(plan);
  if (file.read.missing) {
    state_.fileReads.forget(fileName);
    planRemoved(plan);
    return;
  }
  PlanRecord* known = planRecords_.find(plan);
  if (file.read.transient && known) return keepAfterReadError(plan, fileName, file);
  if (file.read.transient) state_.fileReads.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
  else state_.fileReads.forget(fileName);
  // A stamp trusted now that was too fresh when the plan was applied: its
  // jobs learn it (applied again below), else a later rewrite of the same
  // content would not start the cancelled ones.
  const bool settled = known && known->stamp.empty() && !file.read.stamp.empty();
  if (known && known->hash == file.hash && !stampMoved(known->stamp, file.read.stamp) && !settled) {
    if (!file.read.stamp.empty()) known->stamp = file.read.stamp;  // else kept: see sameContent
    else if (!known->stamp.empty()) state_.fileReads.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
    return;
  }
  // Written again (its stamp moved), the same content or not: applied
  // again, which restarts the jobs cancelled since and changes no other.
  const PlanJudgement judged = judgePlan(plan, file, settings_.windowMs, clock_.wallNow(), knownJobs());
  if (!judged.problems.empty()) {
    planRecords_.judgeAgain(plan);  // read again at every scan
    return planInvalid(plan, file, problemsMessage(judged.problems));
  }
  planRecords_.made(plan, file.hash, file.read.stamp);
  applyPlan(plan, file, judged);
  if (file.read.stamp.empty()) state_.fileReads.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
}

KnownJobs Scheduler::knownJobs() const {
  return KnownJobs{[this](const std::string& name) { return table_.find(name); },
                   [this](const Job& job) { return specOf(job); },
                   [this](const std::string& plan) { return table_.planJobs(plan); }};
}

void Scheduler::planInvalid(const std::string& plan, const ScannedFile& file, const std::string& problem) {
  const Job* standIn = table_.find(plan);
  if (standIn && !isPlanStandIn(*standIn)) {  // the name is a job's of its own, even a finished one: never taken
    if (state_.fileReads.remember(planFileName(plan), problem)) {
      engineLog().error("plan " + plan + ": " + file.path + " is invalid: " + problem + "; its jobs stay as they were (" +
                        "the job " + plan + " of " + standIn->file + " has the plan's name, so the problem shows only here)");
    }
    return;
  }
  const TimeMs now = clock_.wallNow();
  Job job;
  std::string action = "created";
  if (standIn) {
    if (standIn->fileHash == file.hash && standIn->state == JobState::kInvalid) return;  // said already
    job = *standIn;
    action = job.fileHash ? "file-changed" : "file-restored";
  } else {
    job.name = plan;
    job.createdAt = now;
  }
  job.plan = plan;
  job = arm(std::move(job), file, std::nullopt, problem);
  const std::string detail = *job.lastError + (table_.planJobs(plan).empty() ? "" : "; the plan's jobs stay as they were");
  commit(std::move(job), HistoryEntry{now, action, std::nullopt, stateOutcome(JobState::kInvalid), detail});
}

void Scheduler::applyPlan(const std::string& plan, const ScannedFile& file, const PlanJudgement& judged) {
  bool applied = true;  // false: relinkctl changed a job meanwhile; the plan is read again at the next scan
  for (std::size_t i = 0; i < judged.jobs.size(); ++i) {
    const JobChange& change = judged.jobs[i];
    if (i < judged.derived.size()) {
      applied = applyDerived(plan, file, judged.derived[i], change) && applied;
    } else if (const Job* job = table_.find(change.name)) {  // cancelled, or let go when final
      fileRemoved(*job, "plan " + plan + " no longer derives this job (a site was removed from it)");
    }
  }
  removeStandIn(plan);
  if (!applied) planRecords_.readAgain(plan);
}

// One job the plan derives, as judgePlan said: created, restarted, its
// window moved, or left alone. False when relinkctl changed it meanwhile.
bool Scheduler::applyDerived(const std::string& plan, const ScannedFile& file, const DerivedJob& next,
                             const JobChange& change) {
  const Job* inTable = table_.find(next.name);
  const std::optional<Job> existing = inTable ? std::optional<Job>(withSpec(*inTable)) : std::nullopt;
  switch (change.action) {
    case FileAction::kKeep: return true;
    case FileAction::kStartAgain: return deriveJob(plan, file, next, existing, "file-recreated");
    case FileAction::kMoveWindow:
      // Never under a request in flight (its answer would look stale): once it is answered (catchUpPlan).
      if (table_.runtime(next.name).inFlight) {
        planRecords_.setBehind(plan, next.name, specToJson(next.spec));
        return true;
      }
      return moveWindow(*existing, next.spec, file.hash, stampOf(file.read.stamp), change.change);
    default: break;
  }
  const bool ours = existing && existing->plan == plan && existing->fileHash;
  return deriveJob(plan, file, next, existing, ours ? "plan-changed" : "");
}

// The job as the plan derives it, from scratch: created, or with action
// (file-restored when action is empty and it exists).
bool Scheduler::deriveJob(const std::string& plan, const ScannedFile& file, const DerivedJob& next,
                          const std::optional<Job>& existing, std::string action) {
  const TimeMs now = clock_.wallNow();
  Job job;
  if (existing) {
    job = *existing;
    if (action.empty()) action = "file-restored";
  } else {
    job.name = next.name;
    job.createdAt = now;
    action = "created";
  }
  job.plan = plan;
  job = arm(std::move(job), file, next.spec, "");
  const std::string pair = next.spec.productUrl + " -> " + next.spec.destinationUrl;
  std::string detail = "derived from plan " + plan + " (" + file.path + "): " + pair;
  if (job.state == JobState::kExpired) detail = *job.lastError;
  else if (action == "plan-changed")
    detail = planRestartDetail(*existing, specBefore(*existing, next.spec), next.spec, plan, file.path);
  else if (action == "file-recreated")
    detail = "started again: " + file.path + " was re-created or rewritten after the job was cancelled (" + pair + ")";
  const std::string state = stateOutcome(job.state);
  if (!commit(std::move(job), HistoryEntry{now, action, std::nullopt, state, detail})) return false;
  table_.resetRuntime(next.name);
  return true;
}

// After an answer: a job of a plan that changed while its request was out,
// not restarted by the change, takes on what the plan was made from (its
// window moved, if that is what changed).
void Scheduler::catchUpPlan(const std::string& name) {
  const Job* job = table_.find(name);
  if (!job || job->plan.empty() || table_.runtime(name).inFlight) return;
  const std::optional<std::string> specJson = planRecords_.takeBehind(job->plan, name);
  if (!specJson) return;
  const PlanRecord* file = planRecords_.find(job->plan);
  if (!job->fileHash || file->hash.empty()) return;  // removed, or judged again at the next scan
  const std::optional<JobSpec> spec = specFromJson(*specJson);
  const std::optional<SpecChange> change = spec ? planChangeOf(*job, *spec) : std::nullopt;
  const std::string plan = job->plan;
  const std::optional<std::string> stamp = stampOf(file->stamp);
  bool caughtUp;
  if (change && change->kind != SpecChangeKind::kRestart) {
    caughtUp = moveWindow(withSpec(*job), *spec, file->hash, stamp, *change);
  } else {  // invalid meanwhile, or its spec unknown: only what it is made from
    Job moved = *job;
    moved.fileHash = file->hash;
    moved.fileStamp = stamp;
    moved.specJson = *specJson;
    moved.specLeftOut = false;
    caughtUp = commit(std::move(moved), std::nullopt);
  }
  if (!caughtUp) planRecords_.readAgain(plan);  // read the plan again
}

void Scheduler::planRemoved(const std::string& plan) {
  const std::set<std::string> current = table_.planJobs(plan);
  for (const std::string& name : current) {
    const Job& job = *table_.find(name);
    if (!isPlanStandIn(job) && job.fileHash) fileRemoved(job, "the plan file " + planFileName(plan) + " was removed");
  }
  removeStandIn(plan);
  planRecords_.erase(plan);
}

void Scheduler::removeStandIn(const std::string& plan) {
  const Job* standIn = table_.find(plan);
  if (!standIn || !isPlanStandIn(*standIn)) return;
  writing();
  if (store_.remove(*standIn)) {
    engineLog().information("plan " + plan + ": valid again or removed; the job " + plan +
                            " that showed its problem is gone");
    table_.erase(plan);
  } else if (auto fresh = store_.find(plan)) {  // relinkctl changed it meanwhile: next time
    table_.put(std::move(*fresh), clock_.wallNow(), clock_.monoNow());
  }
}

}  // namespace relinkd

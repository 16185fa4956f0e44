// Plan files (NAME.plan.json) as a declaration of many jobs: a valid plan
// makes one job for every ordered pair of its sites (PLAN.SRC.DST, each with
// the plan's file as its file), and every change to the plan is applied to
// that set the way a job file's change is applied to its job:
//
//   a job the plan derives and the table lacks          created
//   a job whose spec the change alters                  restarted (history kept)
//   a job the change does not alter                     left alone (same remote job, same state)
//   a job the plan no longer derives (a site removed)   cancelled unless final
//   the plan file removed                               all of its jobs, likewise
//   the same content written again                      nothing
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
#include "Scheduler.h"
#include "relinkd/Duration.h"

namespace relinkd {

namespace {

// The same work: the same spec, or the same but for a site id the plan now
// names and the job had already discovered.
bool sameWork(const Job& job, const JobSpec& spec, const std::string& specJson) {
  if (job.specJson == specJson) return true;
  if (!job.specJson || spec.siteId.empty() || job.siteId != spec.siteId) return false;
  JobSpec withoutId = spec;
  withoutId.siteId.clear();
  return *job.specJson == specToJson(withoutId);
}

}  // namespace

void Scheduler::reconcilePlan(const std::string& plan, const ScannedFile& file) {
  const std::string fileName = planFileName(plan);
  if (file.read.missing) {
    fileReads_.forget(fileName);
    planRemoved(plan);
    return;
  }
  PlanRecord* known = planRecords_.find(plan);
  if (file.read.transient && known) return keepAfterReadError(plan, fileName, file);
  if (file.read.transient) fileReads_.retryAt(fileName, clock_.monoNow() + settings_.fileRetryMs);
  else fileReads_.forget(fileName);
  if (known && known->hash == file.hash) {
    known->stamp = file.read.stamp;  // the same content written again
    return;
  }
  PlanResult result;
  if (file.read.ok) result = parsePlan(file.read.bytes, plan, settings_.windowMs);
  else result.problems.push_back({"file", file.read.error});
  const std::vector<DerivedJob> derived = result.ok() ? deriveJobs(plan, *result.plan) : std::vector<DerivedJob>{};
  const std::string problem = result.ok() ? planConflict(plan, derived) : result.message();
  if (!problem.empty()) {
    planRecords_.judgeAgain(plan);  // read again at every scan
    return planInvalid(plan, file, problem);
  }
  planRecords_.made(plan, file.hash, file.read.stamp);
  applyPlan(plan, file, derived);
}

// A name the plan would derive that a live job of another file holds.
std::string Scheduler::planConflict(const std::string& plan, const std::vector<DerivedJob>& derived) const {
  for (const DerivedJob& job : derived) {
    const Job* holder = table_.find(job.name);
    if (holder && holder->plan != plan && holder->fileHash) {
      return "sites: the job name " + job.name + " that this plan derives is already used by " + holder->file +
             "; rename one of the two files";
    }
  }
  return "";
}

void Scheduler::planInvalid(const std::string& plan, const ScannedFile& file, const std::string& problem) {
  const Job* standIn = table_.find(plan);
  if (standIn && !isPlanStandIn(*standIn)) {  // the name is a job's of its own, even a finished one: never taken
    if (fileReads_.remember(planFileName(plan), problem)) {
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

void Scheduler::applyPlan(const std::string& plan, const ScannedFile& file, const std::vector<DerivedJob>& derived) {
  const TimeMs now = clock_.wallNow();
  bool applied = true;  // false: relinkctl changed a job meanwhile; the plan is read again at the next scan
  const std::optional<std::string> stamp =
      file.read.stamp.empty() ? std::nullopt : std::optional<std::string>(file.read.stamp);
  std::set<std::string> names;
  for (const DerivedJob& next : derived) {
    names.insert(next.name);
    const Job* inTable = table_.find(next.name);
    const std::optional<Job> existing = inTable ? std::optional<Job>(withSpec(*inTable)) : std::nullopt;
    const bool ours = existing && existing->plan == plan && existing->fileHash;
    const std::string specJson = specToJson(next.spec);
    if (ours && sameWork(*existing, next.spec, specJson)) {
      // Not a change for this job: only what it was made from moves on, and
      // never under a request in flight (its answer would look stale).
      const bool behind = existing->fileHash != file.hash || existing->fileStamp != stamp || existing->specJson != specJson;
      if (behind && table_.runtime(next.name).inFlight) {
        planRecords_.setBehind(plan, next.name, specJson);
      } else if (behind) {
        Job job = *existing;
        job.fileHash = file.hash;
        job.fileStamp = stamp;
        job.specJson = specJson;
        job.specLeftOut = false;
        applied = commit(std::move(job), std::nullopt) && applied;
      }
      continue;
    }
    Job job;
    std::string action = "created";
    if (existing) {
      job = *existing;
      action = ours ? "plan-changed" : "file-restored";
    } else {
      job.name = next.name;
      job.createdAt = now;
    }
    job.plan = plan;
    job = arm(std::move(job), file, next.spec, "");
    const std::string pair = next.spec.productUrl + " -> " + next.spec.destinationUrl;
    const std::string detail = job.state == JobState::kExpired ? *job.lastError
                               : action == "plan-changed"
                                   ? "restarted: the change to plan " + plan + " alters this job (" + pair + ")"
                                   : "derived from plan " + plan + " (" + file.path + "): " + pair;
    const std::string state = stateOutcome(job.state);
    if (commit(std::move(job), HistoryEntry{now, action, std::nullopt, state, detail})) table_.resetRuntime(next.name);
    else applied = false;
  }
  const std::set<std::string> current = table_.planJobs(plan);  // a copy: commits change it
  for (const std::string& name : current) {
    const Job& job = *table_.find(name);
    if (isPlanStandIn(job) || !job.fileHash || names.count(name)) continue;
    fileRemoved(job, "plan " + plan + " no longer derives this job (a site was removed from it)");
  }
  removeStandIn(plan);
  if (!applied) planRecords_.readAgain(plan);
}

// After an answer: a job of a plan that changed while its request was out,
// not altered by the change, takes on what the plan was made from.
void Scheduler::catchUpPlan(const std::string& name) {
  const Job* job = table_.find(name);
  if (!job || job->plan.empty() || table_.runtime(name).inFlight) return;
  const std::optional<std::string> specJson = planRecords_.takeBehind(job->plan, name);
  if (!specJson) return;
  const PlanRecord* file = planRecords_.find(job->plan);
  if (!job->fileHash || file->hash.empty()) return;  // removed, or judged again at the next scan
  Job caughtUp = *job;
  caughtUp.fileHash = file->hash;
  caughtUp.fileStamp = file->stamp.empty() ? std::nullopt : std::optional<std::string>(file->stamp);
  caughtUp.specJson = *specJson;
  caughtUp.specLeftOut = false;
  const std::string plan = job->plan;
  if (!commit(std::move(caughtUp), std::nullopt)) planRecords_.readAgain(plan);  // read the plan again
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

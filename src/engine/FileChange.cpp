#include "relinkd/engine/FileChange.h"

#include "relinkd/domain/PlanNames.h"

namespace relinkd {

namespace {

std::vector<std::string> fieldsBetween(const std::optional<JobSpec>& before, const std::optional<JobSpec>& after) {
  if (!before || !after) return {};
  return compareSpecs(*before, *after).fields;
}

JobChange restarted(const std::string& name, const std::optional<JobSpec>& before,
                    const std::optional<JobSpec>& after) {
  JobChange change{name, FileAction::kRestart, {}};
  change.change.kind = SpecChangeKind::kRestart;
  change.change.fields = fieldsBetween(before, after);
  return change;
}

// One job the plan derives, against the job of its name.
JobChange judgeDerived(const std::string& plan, const ScannedFile& file, const DerivedJob& next,
                       const KnownJobs& known) {
  const Job* job = known.find(next.name);
  if (!job) return {next.name, FileAction::kCreate, {}};
  const std::optional<std::string> specJson = known.specOf(*job);
  const std::optional<JobSpec> before = specBefore(*job, specJson, next.spec);
  // Another plan's, or of no file any more: made from scratch.
  if (job->plan != plan || !job->fileHash) return restarted(next.name, before, next.spec);
  // The same content written again since it was cancelled: how an operator
  // says "once more", as for a job file. An edit is judged by each job's
  // fields instead, so adding a site does not undo a cancel of another pair.
  if (job->state == JobState::kCancelled && job->fileHash == file.hash && stampMoved(job->fileStamp, file.read.stamp))
    return {next.name, FileAction::kStartAgain, {}};
  const std::optional<SpecChange> change = requestChange(*job, before, next.spec, true);
  if (!change || change->kind == SpecChangeKind::kRestart) return restarted(next.name, before, next.spec);
  const bool behind = job->fileHash != file.hash || job->fileStamp != stampOf(file.read.stamp) ||
                      specJson != specToJson(next.spec);
  return {next.name, behind ? FileAction::kMoveWindow : FileAction::kKeep, *change};
}

}  // namespace

const char* fileActionName(FileAction action) {
  switch (action) {
    case FileAction::kCreate: return "create";
    case FileAction::kRestart: return "restart";
    case FileAction::kStartAgain: return "start-again";
    case FileAction::kMoveWindow: return "move-window";
    case FileAction::kKeep: return "keep";
    case FileAction::kHeldByPlan: return "held-by-plan";
    case FileAction::kCancel: return "cancel";
    case FileAction::kLetGo: return "let-go";
  }
  return "?";
}

std::optional<std::string> stampOf(const std::string& stamp) {
  return stamp.empty() ? std::nullopt : std::optional<std::string>(stamp);
}

bool stampMoved(const std::optional<std::string>& known, const std::string& now) {
  return known && !known->empty() && !now.empty() && *known != now;
}

TimeMs windowStartOf(const Job* existing, TimeMs now) {
  return existing && existing->acceptedAt != 0 ? existing->acceptedAt : now;
}

std::optional<JobSpec> jobFileSpec(const std::string& name, const FileRead& read, std::int64_t windowMs,
                                   TimeMs windowStart, TimeMs now, std::vector<FieldProblem>& problems) {
  if (std::string bad = jobNameProblem(name); !bad.empty()) {
    problems.push_back({"file name", bad});
    return std::nullopt;
  }
  if (!read.ok) {
    problems.push_back({"file", read.error});
    return std::nullopt;
  }
  SpecResult result = parseJobSpec(read.bytes, windowMs, windowStart, now);
  problems = std::move(result.problems);
  return std::move(result.spec);
}

std::optional<JobSpec> specBefore(const Job& job, const std::optional<std::string>& specJson, const JobSpec& next) {
  std::optional<JobSpec> before = specJson ? specFromJson(*specJson) : std::nullopt;
  if (before && before->siteId.empty() && !next.siteId.empty() && job.siteId == next.siteId)
    before->siteId = next.siteId;
  return before;
}

std::optional<SpecChange> requestChange(const Job& job, const std::optional<JobSpec>& before, const JobSpec& spec,
                                        bool planJob) {
  if (!planJob && (job.state == JobState::kCancelled || job.state == JobState::kFailed)) return std::nullopt;
  if (job.state == JobState::kInvalid || !before) return std::nullopt;
  return compareSpecs(*before, spec);
}

JobChange judgeJobFile(const std::string& name, const Job* existing, const std::optional<JobSpec>& before,
                       const ScannedFile& file, const std::optional<JobSpec>& spec) {
  if (existing && isHeldByPlan(*existing)) return {name, FileAction::kHeldByPlan, {}};
  if (!existing) return {name, FileAction::kCreate, {}};
  if (existing->fileHash == file.hash) {
    // The same bytes again. A cancelled job whose file was re-created or
    // rewritten since (its stamp moved) starts again: that is how an
    // operator says "once more".
    const bool again = existing->state == JobState::kCancelled && stampMoved(existing->fileStamp, file.read.stamp);
    return {name, again ? FileAction::kStartAgain : FileAction::kKeep, {}};
  }
  if (existing->fileHash && spec) {
    const std::optional<SpecChange> change = requestChange(*existing, before, *spec, false);
    if (change && change->kind != SpecChangeKind::kRestart) return {name, FileAction::kMoveWindow, *change};
  }
  return restarted(name, before, spec);
}

std::optional<FieldProblem> planConflict(const std::string& plan, const std::vector<DerivedJob>& derived,
                                         const KnownJobs& known) {
  for (const DerivedJob& job : derived) {
    const Job* holder = known.find(job.name);
    if (holder && holder->plan != plan && holder->fileHash) {
      return FieldProblem{"sites", "the job name " + job.name + " that this plan derives is already used by " +
                                       holder->file + "; rename one of the two files"};
    }
  }
  return std::nullopt;
}

PlanJudgement judgePlan(const std::string& plan, const ScannedFile& file, std::int64_t windowMs, TimeMs now,
                        const KnownJobs& known) {
  PlanJudgement judged;
  PlanResult result;
  if (file.read.ok) result = parsePlan(file.read.bytes, plan, windowMs, now);
  else result.problems.push_back({"file", file.read.error});
  if (!result.ok()) {
    judged.problems = std::move(result.problems);
    return judged;
  }
  std::vector<DerivedJob> derived = deriveJobs(plan, *result.plan);
  if (auto conflict = planConflict(plan, derived, known)) {
    judged.problems.push_back(*conflict);
    return judged;
  }
  judged.derived = std::move(derived);
  std::set<std::string> names;
  for (const DerivedJob& next : judged.derived) {
    names.insert(next.name);
    judged.jobs.push_back(judgeDerived(plan, file, next, known));
  }
  for (const std::string& name : known.planJobs(plan)) {
    const Job* job = known.find(name);
    if (!job || isPlanStandIn(*job) || !job->fileHash || names.count(name)) continue;
    judged.jobs.push_back({name, isFinal(job->state) ? FileAction::kLetGo : FileAction::kCancel, {}});
  }
  return judged;
}

void addToDiff(FileDiff& diff, const JobChange& change, bool planJob) {
  switch (change.action) {
    case FileAction::kCreate: diff.create.push_back(change.name); break;
    case FileAction::kRestart:
      diff.restart.push_back({change.name, planJob ? planFields(change.change.fields) : change.change.fields});
      break;
    case FileAction::kStartAgain: diff.restart.push_back({change.name, {}}); break;
    case FileAction::kMoveWindow:
      if (change.change.kind == SpecChangeKind::kWindowOnly) diff.moved.push_back(change.name);
      else diff.unchanged.push_back(change.name);
      break;
    case FileAction::kCancel: diff.cancel.push_back(change.name); break;
    case FileAction::kKeep:
    case FileAction::kLetGo: diff.unchanged.push_back(change.name); break;
    case FileAction::kHeldByPlan: break;
  }
}

}  // namespace relinkd

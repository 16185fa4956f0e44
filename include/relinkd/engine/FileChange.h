// What a job file's or plan's content does to the jobs it declares: the
// judgement the Scheduler applies when a file changes (SchedulerFiles.cpp,
// SchedulerWindow.cpp, SchedulerPlans.cpp) and the one `relinkctl diff`
// prints, so that diff says what relinkd then does. Reading the file,
// in-flight requests, history entries and the store stay the Scheduler's;
// these functions only decide, from values: the job of the name (if any),
// its spec before, and the file's hash, stamp and parsed content.
//
// Thread-safety: free functions on values (the lookups of judgePlan are
// called on the caller's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/PlanSpec.h"
#include "relinkd/domain/SpecChange.h"
#include "relinkd/ports/JobSource.h"

namespace relinkd {

enum class FileAction {
  kCreate,      // no job of the name: created from the file
  kRestart,     // armed anew from the content (history kept): its request changed, or it restarts
                // whatever changed (invalid, cancelled or failed job file, its file gone)
  kStartAgain,  // cancelled, and the same content re-created or rewritten since: armed anew
  kMoveWindow,  // other content, the same request: change says kWindowOnly (its window moves)
                // or kSame (only the bytes differ: nothing an operator sees)
  kKeep,        // nothing changes but the stamp the job remembers
  kHeldByPlan,  // (job files) a plan's job has the name: relinkd ignores the file
  kCancel,      // (plans) no longer derived and unfinished: cancelled
  kLetGo,       // (plans) no longer derived and final: it stays as it is, of no file any more
};

const char* fileActionName(FileAction action);  // "create", "restart", ...

struct JobChange {
  std::string name;
  FileAction action = FileAction::kKeep;
  // kRestart: compareSpecs of the spec before and the new one (empty when
  // the job had no spec); kMoveWindow: the change moveWindow applies.
  SpecChange change;
};

// A stamp a file keeps on the job (ListedFile): none for an empty one, a
// file written within the last seconds whose stamp is not to be trusted yet.
std::optional<std::string> stampOf(const std::string& stamp);
// A known stamp that the file's is not any more (a new inode or new
// times). An unknown one on either side says nothing.
bool stampMoved(const std::optional<std::string>& known, const std::string& now);
// The stamp `relinkctl diff` judges a dropped file by: a new file, whose
// stamp is none that a job knows.
inline const std::string kDroppedStamp = "dropped";

// Where the window of the job named like the file starts when the content
// has no migratedAt: when it was first accepted, else now.
TimeMs windowStartOf(const Job* existing, TimeMs now);
// The file's content as the job named name: its spec, or nullopt with
// problems set (the file name, the read, or the spec's; problemsMessage
// joins them for lastError). now judges a migratedAt ahead of the clock.
std::optional<JobSpec> jobFileSpec(const std::string& name, const FileRead& read, std::int64_t windowMs,
                                   TimeMs windowStart, TimeMs now, std::vector<FieldProblem>& problems);

// job's spec (specJson, its own or the store's) as it was before next came,
// what compareSpecs compares next with; nullopt when it had none. A site id
// the file now names that the job had discovered is no new site.
std::optional<JobSpec> specBefore(const Job& job, const std::optional<std::string>& specJson, const JobSpec& next);

// The change of a job's request from before to spec; nullopt when the job
// is to restart whatever changed. A job file's cancelled or failed job
// restarts at any change; a plan's (planJob) is judged by its fields, so
// that an edit for one site does not undo the cancel of a pair it leaves alone.
std::optional<SpecChange> requestChange(const Job& job, const std::optional<JobSpec>& before, const JobSpec& spec,
                                        bool planJob);

// A job file's content (hash and stamp: file) for the job of its name
// (existing, nullptr when none). before: existing's spec (specBefore);
// spec: the content parsed (nullopt when invalid). The action is kCreate or
// kRestart for an invalid content too: the job becomes invalid.
JobChange judgeJobFile(const std::string& name, const Job* existing, const std::optional<JobSpec>& before,
                       const ScannedFile& file, const std::optional<JobSpec>& spec);

// What the judgement of a plan needs of the jobs relinkd knows.
struct KnownJobs {
  std::function<const Job*(const std::string& name)> find;
  std::function<std::optional<std::string>(const Job& job)> specOf;  // its spec, also when left out of memory
  std::function<std::set<std::string>(const std::string& plan)> planJobs;  // the jobs whose plan is plan
};

struct PlanJudgement {
  std::vector<FieldProblem> problems;  // not empty: the plan is invalid and its jobs stay as they are
  std::vector<DerivedJob> derived;     // the jobs the plan derives, in order (empty when invalid)
  std::vector<JobChange> jobs;         // one per derived job in the same order, then the jobs no longer derived
};

// A name the plan would derive that a live job of another file holds: the
// conflict (field "sites"), else nullopt.
std::optional<FieldProblem> planConflict(const std::string& plan, const std::vector<DerivedJob>& derived, const KnownJobs& known);

// A plan file's content (file, read and hashed) as the plan named plan, at now.
PlanJudgement judgePlan(const std::string& plan, const ScannedFile& file, std::int64_t windowMs, TimeMs now,
                        const KnownJobs& known);

// What the judgements come to, as `relinkctl diff` tells it: the jobs
// created, submitted again (restart: with the fields that change, the
// plan's names for a plan's job), whose window alone moves, cancelled, and
// left alone (unchanged, also a finished job a plan no longer derives).
struct FileDiff {
  struct Restart {
    std::string name;
    std::vector<std::string> fields;  // empty: the same request again (started again after a cancel)
  };
  std::vector<std::string> create;
  std::vector<Restart> restart;
  std::vector<std::string> moved;
  std::vector<std::string> cancel;
  std::vector<std::string> unchanged;
};

// Adds change to diff; planJob names its fields as the plan does
// (planFields). A job file held by a plan adds nothing: it is a problem.
void addToDiff(FileDiff& diff, const JobChange& change, bool planJob);

}  // namespace relinkd

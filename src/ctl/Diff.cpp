// relinkctl diff FILE: what dropping FILE into relinkd.jobs.dir would do,
// judged by the engine's own judgement (relinkd/engine/FileChange.h)
// against the jobs in the database, read only. A dropped file is a new
// file: its stamp is none a job knows (kDroppedStamp), so a cancelled job
// given the same content again starts again, as relinkd then does.
#include <iostream>
#include <map>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "Commands.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/PlanNames.h"
#include "relinkd/engine/FileChange.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/io/JobFile.h"

namespace relinkd::ctl {

namespace {

using JobsByName = std::map<std::string, Job>;

struct DiffReport {
  std::string name;
  bool plan = false;
  bool unread = false;  // a name relinkd does not read: no job would come of it
  FileDiff diff;
  std::vector<std::string> problems;  // "field: problem"
};

std::string baseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// No database: relinkd has not run with this state directory, so no jobs.
JobsByName knownJobs(const Config& config) {
  JobsByName jobs;
  if (!databaseExists(config)) return jobs;
  for (Job& job : openDatabase(config, true)->all()) jobs.emplace(job.name, std::move(job));
  return jobs;
}

KnownJobs lookups(const JobsByName& jobs) {
  return KnownJobs{[&jobs](const std::string& name) -> const Job* {
                     const auto it = jobs.find(name);
                     return it == jobs.end() ? nullptr : &it->second;
                   },
                   [](const Job& job) { return job.specJson; },
                   [&jobs](const std::string& plan) {
                     std::set<std::string> names;
                     for (const auto& [name, job] : jobs)
                       if (job.plan == plan) names.insert(name);
                     return names;
                   }};
}

// FILE as relinkd would read it in relinkd.jobs.dir: a new file there.
ScannedFile dropped(const std::string& path, const Config& config) {
  ScannedFile file{config.jobsDir + "/" + baseName(path), readJobFile(path), ""};
  file.hash = sha256Hex(file.read.ok ? file.read.bytes : file.read.error);
  file.read.stamp = kDroppedStamp;
  return file;
}

void addProblems(DiffReport& report, const std::vector<FieldProblem>& problems) {
  for (const FieldProblem& problem : problems) report.problems.push_back(problem.field + ": " + problem.problem);
}

// The same bytes as a job relinkd accepted: it keeps the job as it is
// (sameContent) and does not judge the content again, even where a rule
// added since would refuse it. So does diff.
bool keptAsAccepted(const JobChange& change, const Job* existing) {
  return change.action == FileAction::kKeep && existing && existing->state != JobState::kInvalid;
}

void diffJobFile(DiffReport& report, const ScannedFile& file, const JobsByName& jobs, const Config& config) {
  const auto it = jobs.find(report.name);
  const Job* existing = it == jobs.end() ? nullptr : &it->second;
  std::vector<FieldProblem> problems;
  const TimeMs now = SystemClock().wallNow();
  const std::optional<JobSpec> spec =
      jobFileSpec(report.name, file.read, config.windowMs, windowStartOf(existing, now), now, problems);
  const std::optional<JobSpec> before = existing && spec ? specBefore(*existing, existing->specJson, *spec)
                                                         : std::nullopt;
  const JobChange change = judgeJobFile(report.name, existing, before, file, spec);
  if (change.action == FileAction::kHeldByPlan) {
    report.problems.push_back("file: " + heldByPlanProblem(report.name, existing->plan, existing->file));
  } else if (!problems.empty() && !keptAsAccepted(change, existing)) {
    addProblems(report, problems);
  } else {
    addToDiff(report.diff, change, false);
  }
}

void diffPlan(DiffReport& report, const ScannedFile& file, const JobsByName& jobs, const Config& config) {
  const PlanJudgement judged = judgePlan(report.name, file, config.windowMs, SystemClock().wallNow(), lookups(jobs));
  addProblems(report, judged.problems);
  for (const JobChange& change : judged.jobs) addToDiff(report.diff, change, true);
}

DiffReport diffFile(const std::string& path, const Config& config) {
  DiffReport report;
  const std::string fileName = baseName(path);
  if (isIgnoredName(fileName) || !isJobFileName(fileName)) {
    report.name = fileName;
    report.unread = true;
    report.problems.push_back(isIgnoredName(fileName)
                                  ? "file: relinkd ignores this file name (it starts with '.' or ends in "
                                    "'~', '.tmp', '.part' or '.swp')"
                                  : "file: the name must be NAME.json (or NAME.plan.json for a plan)");
    return report;
  }
  report.plan = isPlanFileName(fileName);
  report.name = report.plan ? planNameOf(fileName) : jobNameOf(fileName);
  const ScannedFile file = dropped(path, config);
  const JobsByName jobs = knownJobs(config);
  if (report.plan) diffPlan(report, file, jobs, config);
  else diffJobFile(report, file, jobs, config);
  return report;
}

Poco::JSON::Array::Ptr namesToJson(const std::vector<std::string>& names) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const std::string& name : names) array->add(name);
  return array;
}

void printJson(const DiffReport& report) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("name", report.name);
  object->set("kind", report.plan ? "plan" : "job");
  object->set("create", namesToJson(report.diff.create));
  Poco::JSON::Array::Ptr restart = new Poco::JSON::Array;
  for (const FileDiff::Restart& job : report.diff.restart) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("name", job.name);
    item->set("fields", namesToJson(job.fields));
    restart->add(item);
  }
  object->set("restart", restart);
  object->set("moved", namesToJson(report.diff.moved));
  object->set("cancel", namesToJson(report.diff.cancel));
  object->set("unchanged", namesToJson(report.diff.unchanged));
  object->set("problems", namesToJson(report.problems));
  std::cout << toJsonText(object) << "\n";
}

void printLines(const char* what, const std::vector<std::string>& names) {
  for (const std::string& name : names) std::cout << what << name << "\n";
}

std::string count(std::size_t n, const char* what) { return std::to_string(n) + " " + what; }

void printText(const std::string& path, const DiffReport& report, const Config& config) {
  const std::string who = (report.plan ? "plan " : "job ") + report.name;
  if (!report.problems.empty()) {
    for (const std::string& problem : report.problems) std::cout << path << ": " << problem << "\n";
    const std::string outcome = report.unread ? "relinkd would not read it; no job would come of it"
                                : report.plan ? "the plan's jobs stay as they are"
                                              : "the job " + report.name + " would be invalid";
    std::cout << path << " is invalid: relinkd would send nothing for it (" << outcome << ")\n";
    return;
  }
  const FileDiff& diff = report.diff;
  printLines("create       ", diff.create);
  for (const FileDiff::Restart& job : diff.restart) {
    std::cout << "restart      " << job.name
              << (job.fields.empty() ? " (submitted anew)" : " (" + joinFields(job.fields) + " changed)")
              << "\n";
  }
  printLines("move window  ", diff.moved);
  printLines("cancel       ", diff.cancel);
  printLines("unchanged    ", diff.unchanged);
  std::cout << who << ": " << count(diff.create.size(), "to create") << ", "
            << count(diff.restart.size(), "to restart") << ", " << count(diff.moved.size(), "to move (window only)")
            << ", " << count(diff.cancel.size(), "to cancel") << ", " << count(diff.unchanged.size(), "unchanged")
            << " when dropped into " << config.jobsDir << " (nothing was written)\n";
}

}  // namespace

int runDiff(const Invocation& invocation, const Config& config) {
  if (invocation.args.size() != 1) throw UsageError("diff needs exactly one FILE", invocation.command);
  const std::string& path = invocation.args.front();
  const DiffReport report = diffFile(path, config);
  if (invocation.has("json")) printJson(report);
  else printText(path, report, config);
  return report.problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace relinkd::ctl

// relinkctl validate: the daemon's checks of a job or plan file, without the daemon.
#include <iostream>
#include <map>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSONString.h>

#include "Commands.h"
#include "relinkd/io/JobFile.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/PlanNames.h"
#include "relinkd/domain/PlanSpec.h"
#include "relinkd/io/JobDirectory.h"

namespace relinkd::ctl {

namespace {

std::string baseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Whether the daemon would pick the file up at all, by its name.
std::optional<FieldProblem> nameProblem(const std::string& path) {
  const std::string name = baseName(path);
  if (isIgnoredName(name)) {
    return FieldProblem{"file", "relinkd ignores this file name (it starts with '.' or ends in "
                                "'~', '.tmp', '.part' or '.swp')"};
  }
  if (!isJobFileName(name)) return FieldProblem{"file", "the name must be NAME.json (or NAME.plan.json for a plan)"};
  if (isPlanFileName(name)) return std::nullopt;  // parsePlan checks the plan name
  const std::string problem = jobNameProblem(jobNameOf(name));
  if (!problem.empty()) return FieldProblem{"file", "the job name " + problem};
  return std::nullopt;
}

// Valid, but too late: the daemon would expire the job without sending it.
std::optional<FieldProblem> tooLate(const JobSpec& spec, const Config& config, TimeMs now) {
  const TimeMs deadline = jobDeadline(spec, config.windowMs, now);
  if (deadline > now) return std::nullopt;
  const bool own = spec.deadline && *spec.deadline == deadline;
  return FieldProblem{own ? "deadline" : "migratedAt",
                      (own ? "has passed (" : "the window closed at ") + formatTime(deadline) +
                          (own ? ")" : " (migratedAt + relinkd.window)") +
                          "; relinkd would expire the job without sending it"};
}

// Who holds the job names a job file may want: the daemon's jobs (when
// it has run and its database can be read), else the plans in the job
// directory and on the command line.
struct NameHolders {
  std::map<std::string, Job> liveJobs;  // name -> a job of a file in place, from the database
  DerivedNames derived;
};

void addPlanFile(DerivedNames& derived, const std::string& path, const Config& config, TimeMs now) {
  const FileRead read = readJobFile(path);
  if (!read.ok) return;
  const PlanResult result = parsePlan(read.bytes, planNameOf(baseName(path)), config.windowMs, now);
  if (result.plan) derived.addPlan(planNameOf(baseName(path)), path, *result.plan);
}

NameHolders nameHolders(const std::vector<std::string>& paths, const Config& config, TimeMs now) {
  NameHolders holders;
  try {
    if (databaseExists(config)) {
      for (Job& job : openDatabase(config, true)->all())
        if (job.fileHash) holders.liveJobs.emplace(job.name, std::move(job));
    }
  } catch (const StoreError& error) {
    // The database only says who came first; the files can be judged without.
    holders.liveJobs.clear();
    std::cerr << "relinkctl: warning: the database could not be read (" << error.what()
              << "); collisions with plans checked from the plan files only\n";
  }
  for (const std::string& path : paths)
    if (isPlanFileName(baseName(path))) addPlanFile(holders.derived, path, config, now);
  const SystemClock clock;
  try {
    for (const ListedFile& file : JobDirectory(config.jobsDir, clock).list())
      if (isPlanFileName(file.fileName)) addPlanFile(holders.derived, config.jobsDir + "/" + file.fileName, config, now);
  } catch (const JobSourceError&) {
    // No job directory here (validate on a workstation): only the plans named.
  }
  return holders;
}

// A job file whose name a plan derives gives way to the plan: relinkd
// ignores it. The database says who came first, when the daemon has run.
std::optional<FieldProblem> heldByPlan(const std::string& path, const NameHolders& holders) {
  const std::string name = baseName(path);
  if (isPlanFileName(name) || !isJobFileName(name)) return std::nullopt;
  const std::string jobName = jobNameOf(name);
  if (const auto job = holders.liveJobs.find(jobName); job != holders.liveJobs.end()) {
    if (!isHeldByPlan(job->second)) return std::nullopt;  // the name is this file's (or another job file's)
    return FieldProblem{"file", heldByPlanProblem(jobName, job->second.plan, job->second.file)};
  }
  if (const auto owner = holders.derived.ownerOf(jobName))
    return FieldProblem{"file", heldByPlanProblem(jobName, owner->plan, owner->planFile)};
  return std::nullopt;
}

std::vector<FieldProblem> checkFile(const std::string& path, const Config& config, TimeMs now) {
  std::vector<FieldProblem> problems;
  if (auto problem = nameProblem(path)) problems.push_back(*problem);
  const FileRead read = readJobFile(path);
  if (!read.ok) {
    problems.push_back({"file", read.error});
    return problems;
  }
  if (isPlanFileName(baseName(path))) {
    const PlanResult result = parsePlan(read.bytes, planNameOf(baseName(path)), config.windowMs, now);
    problems.insert(problems.end(), result.problems.begin(), result.problems.end());
    if (result.plan) {
      if (auto late = tooLate(result.plan->shared, config, now)) problems.push_back(*late);
    }
    return problems;
  }
  const SpecResult result = parseJobSpec(read.bytes, config.windowMs, now, now);
  problems.insert(problems.end(), result.problems.begin(), result.problems.end());
  if (result.spec) {
    if (auto late = tooLate(*result.spec, config, now)) problems.push_back(*late);
  }
  return problems;
}

Poco::JSON::Object::Ptr resultToJson(const std::string& path,
                                     const std::vector<FieldProblem>& problems) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("file", path);
  object->set("ok", problems.empty());
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& problem : problems) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("field", problem.field);
    item->set("problem", problem.problem);
    list->add(item);
  }
  object->set("problems", list);
  return object;
}

}  // namespace

int runValidate(const Invocation& invocation, const Config& config) {
  if (invocation.args.empty()) {
    throw UsageError("validate needs at least one FILE", invocation.command);
  }
  const TimeMs now = SystemClock().wallNow();
  const bool json = invocation.has("json");
  Poco::JSON::Array::Ptr results = new Poco::JSON::Array;
  bool allValid = true;
  const NameHolders holders = nameHolders(invocation.args, config, now);
  for (const auto& path : invocation.args) {
    auto problems = checkFile(path, config, now);
    if (auto problem = heldByPlan(path, holders)) problems.insert(problems.begin(), *problem);
    allValid = allValid && problems.empty();
    if (json) {
      results->add(resultToJson(path, problems));
    } else if (problems.empty()) {
      std::cout << path << ": ok\n";
    } else {
      for (const auto& p : problems) {
        std::cout << path << ": " << p.field << ": " << p.problem << "\n";
      }
    }
  }
  if (json) std::cout << toJsonText(results) << "\n";
  return allValid ? kExitOk : kExitFailure;
}

}  // namespace relinkd::ctl

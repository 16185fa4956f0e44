// relinkctl preflight: which sites the job and plan files involve, with
// the ids given for them, their earliest deadline and the app links to
// authorize from them. Parsed by the domain's own parsers, as relinkd does.
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "Commands.h"
#include "Preflight.h"
#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/PlanSpec.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/io/JobFile.h"

namespace relinkd::ctl {

namespace {

std::string baseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool isFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The database's jobs by name, to know a job's stored deadline. Read only:
// a missing database is not created, one that cannot be read is a warning.
std::map<std::string, Job> storedJobs(const Config& config) {
  std::map<std::string, Job> jobs;
  try {
    if (!databaseExists(config)) return jobs;
    for (Job& job : openDatabase(config, true)->all()) jobs.emplace(job.name, std::move(job));
  } catch (const StoreError& error) {
    printError(std::string("warning: the database could not be read (") + error.what() +
               "); windows of jobs without migratedAt are counted from now");
  }
  return jobs;
}

class SiteCollector {
 public:
  SiteCollector(const Config& config, TimeMs now) : config_(config), now_(now), stored_(storedJobs(config)) {}

  void addFile(const std::string& path) {
    ++input_.files;
    const FileRead read = readJobFile(path);
    if (!read.ok) return problem(path, read.error);
    const std::string name = baseName(path);
    if (isPlanFileName(name)) addPlan(path, planNameOf(name), read.bytes);
    else addJob(path, jobNameOf(name), read.bytes);
  }

  void problem(const std::string& path, const std::string& text) {
    input_.fileProblems.push_back(fileProblem(path, text));
  }

  PreflightInput take() { return std::move(input_); }

 private:
  void addJob(const std::string& path, const std::string& name, const std::string& bytes) {
    const auto stored = stored_.find(name);
    const TimeMs acceptedAt = stored == stored_.end() ? now_ : stored->second.acceptedAt;
    const SpecResult result = parseJobSpec(bytes, config_.windowMs, acceptedAt, now_);
    if (!result.spec) return problem(path, result.message());
    PreflightSite& site = siteOf(result.spec->productUrl);
    if (!result.spec->siteId.empty()) site.givenIds.push_back({result.spec->siteId, "job " + name + " (" + path + ")"});
    addJobTo(site, name, *result.spec);
  }

  void addPlan(const std::string& path, const std::string& planName, const std::string& bytes) {
    const PlanResult result = parsePlan(bytes, planName, config_.windowMs, now_);
    if (!result.plan) return problem(path, result.message());
    for (const std::string& url : result.plan->sites) {
      PreflightSite& site = siteOf(url);
      const auto given = result.plan->siteIds.find(url);
      if (given != result.plan->siteIds.end())
        site.givenIds.push_back({given->second, "plan " + planName + " (" + path + ")"});
    }
    for (const DerivedJob& job : deriveJobs(planName, *result.plan)) addJobTo(siteOf(job.spec.productUrl), job.name, job.spec);
  }

  void addJobTo(PreflightSite& site, const std::string& name, const JobSpec& spec) {
    const TimeMs deadline = deadlineOf(name, spec);
    if (!site.deadline || deadline < *site.deadline) {
      site.deadline = deadline;
      site.deadlineJob = name;
    }
    const std::string& to = spec.destinationUrl;
    if (spec.recreateAsRemote && to != site.url &&
        std::find(site.destinations.begin(), site.destinations.end(), to) == site.destinations.end())
      site.destinations.push_back(to);
  }

  // Without migratedAt the window starts when relinkd accepts the job: the
  // stored deadline when it has, else now.
  TimeMs deadlineOf(const std::string& name, const JobSpec& spec) const {
    const auto stored = stored_.find(name);
    if (!spec.migratedAt && stored != stored_.end() && stored->second.deadline) {
      return spec.deadline ? std::min(*spec.deadline, *stored->second.deadline) : *stored->second.deadline;
    }
    return jobDeadline(spec, config_.windowMs, now_);
  }

  PreflightSite& siteOf(const std::string& url) {
    for (PreflightSite& site : input_.sites)
      if (site.url == url) return site;
    input_.sites.push_back(PreflightSite{url, {}, std::nullopt, "", {}});
    return input_.sites.back();
  }

  const Config& config_;
  const TimeMs now_;
  const std::map<std::string, Job> stored_;
  PreflightInput input_;
};

// A FILE is a path; a NAME or PLAN is looked up in relinkd.jobs.dir.
std::optional<std::string> resolveArgument(const std::string& arg, const Config& config) {
  if (arg.find('/') != std::string::npos || isFile(arg)) return arg;
  for (const std::string& file : {jobFileName(arg), planFileName(arg)}) {
    const std::string path = config.jobsDir + "/" + file;
    if (isFile(path)) return path;
  }
  return std::nullopt;
}

}  // namespace

PreflightInput collectSites(const std::vector<std::string>& args, const Config& config, TimeMs now) {
  SiteCollector collector(config, now);
  if (!args.empty()) {
    for (const std::string& arg : args) {
      if (auto path = resolveArgument(arg, config)) collector.addFile(*path);
      else collector.problem(arg, "no such file, nor " + jobFileName(arg) + " or " + planFileName(arg) + " in " +
                                      config.jobsDir + " (relinkd.jobs.dir)");
    }
    return collector.take();
  }
  const SystemClock clock;
  try {
    for (const ListedFile& file : JobDirectory(config.jobsDir, clock).list())
      collector.addFile(config.jobsDir + "/" + file.fileName);
  } catch (const JobSourceError& error) {
    collector.problem(config.jobsDir, std::string("the job directory cannot be listed: ") + error.what());
  }
  return collector.take();
}

}  // namespace relinkd::ctl

// Job files that relinkd ignores because a plan already derives their name
// (PlanNames.h). The daemon only logs them; relinkctl shows each as an
// invalid job, so that list, show and wait do not hide it.
#include <map>

#include "Commands.h"
#include "relinkd/domain/PlanNames.h"
#include "relinkd/io/JobDirectory.h"

namespace relinkd::ctl {

std::vector<Job> ignoredJobFiles(const Config& config, const std::vector<Job>& jobs, const Listing& listing) {
  std::map<std::string, const Job*> byName;
  for (const Job& job : jobs) byName.emplace(job.name, &job);
  std::vector<Job> ignored;
  const TimeMs now = SystemClock().wallNow();
  for (const ListedFile& file : listing) {
    if (isPlanFileName(file.fileName)) continue;
    const std::string name = jobNameOf(file.fileName);
    const std::string path = config.jobsDir + "/" + file.fileName;
    const auto holder = byName.find(name);
    if (holder == byName.end() || !isHeldByPlan(*holder->second) || holder->second->file == path) continue;
    Job job;
    job.name = name;
    job.file = path;
    job.state = JobState::kInvalid;
    job.createdAt = job.updatedAt = now;  // as seen now: relinkd keeps no record of the file
    job.lastError = heldByPlanProblem(name, holder->second->plan, holder->second->file);
    ignored.push_back(std::move(job));
  }
  return ignored;
}

std::vector<Job> ignoredJobFiles(const Config& config, const std::vector<Job>& jobs) {
  const SystemClock clock;
  try {
    return ignoredJobFiles(config, jobs, JobDirectory(config.jobsDir, clock).list());
  } catch (const JobSourceError&) {
    return {};  // no directory, no files to show; the daemon says why in its log
  }
}

}  // namespace relinkd::ctl

// The migration's record as one value (see Report.h): which jobs a report
// holds, their pairs and URLs, the plans' views and windows, the totals.
#include "relinkd/domain/Report.h"

#include <algorithm>
#include <set>

#include "relinkd/domain/JobSpec.h"

namespace relinkd {

namespace {

bool isPlanName(const std::vector<Job>& all, const std::string& name) {
  return std::any_of(all.begin(), all.end(), [&](const Job& job) { return job.plan == name; });
}

// The plans a report shows and the names of the jobs it holds.
struct Selection {
  std::set<std::string> plans, jobs;
};

Selection select(const std::vector<Job>& all, const std::vector<std::string>& names,
                 std::vector<std::string>& unknown) {
  Selection chosen;
  if (names.empty()) {
    for (const Job& job : all) {
      chosen.jobs.insert(job.name);
      if (!job.plan.empty()) chosen.plans.insert(job.plan);
    }
    return chosen;
  }
  for (const std::string& name : names) {
    if (isPlanName(all, name)) {  // before the job of that name: a plan's stand-in is the plan
      chosen.plans.insert(name);
      for (const Job& job : jobsOfPlan(all, name)) chosen.jobs.insert(job.name);
    } else if (std::any_of(all.begin(), all.end(), [&](const Job& job) { return job.name == name; })) {
      chosen.jobs.insert(name);
    } else {
      unknown.push_back(name);
    }
  }
  return chosen;
}

ReportJob reportJobOf(const Job& job, const std::set<std::string>& ended) {
  ReportJob entry;
  entry.job = job;
  if (job.specJson) {
    if (const auto spec = specFromJson(*job.specJson)) {
      entry.productUrl = spec->productUrl;
      entry.destinationUrl = spec->destinationUrl;
    }
  }
  if (const auto pair = sitePairOf(job)) {
    entry.from = pair->from;
    entry.to = pair->to;
  }
  entry.former = !job.plan.empty() && !isPlanStandIn(job) && !job.fileHash && ended.count(job.plan) == 0;
  return entry;
}

// Opens at the earliest start of the plan's current jobs (migratedAt, else
// their first acceptance), closes at their latest deadline.
ReportWindow windowOf(const std::vector<Job>& current) {
  ReportWindow window;
  for (const Job& job : current) {
    std::optional<TimeMs> start;
    if (job.specJson)
      if (const auto spec = specFromJson(*job.specJson)) start = spec->migratedAt;
    if (!start && job.acceptedAt != 0) start = job.acceptedAt;
    if (start && (!window.opened || *start < *window.opened)) window.opened = start;
    if (job.deadline && (!window.closes || *job.deadline > *window.closes)) window.closes = job.deadline;
  }
  return window;
}

// The plans whose file is gone: they have jobs and none has a file (a
// stand-in for an invalid file counts as a file).
std::set<std::string> endedPlans(const std::vector<Job>& all) {
  std::set<std::string> withFile, ended;
  for (const Job& job : all)
    if (!job.plan.empty() && job.fileHash) withFile.insert(job.plan);
  for (const Job& job : all)
    if (!job.plan.empty() && withFile.count(job.plan) == 0) ended.insert(job.plan);
  return ended;
}

ReportPlan reportPlanOf(const std::vector<Job>& all, const std::string& plan, const SiteOrder& order,
                        const std::set<std::string>& ended) {
  ReportPlan entry;
  entry.plan = plan;
  entry.fileRemoved = ended.count(plan) != 0;
  entry.view = planViewOf(plan, jobsOfPlan(all, plan), order, entry.fileRemoved);
  entry.window = windowOf(entry.view.current);
  return entry;
}

}  // namespace

Report buildReport(const std::vector<Job>& all, const std::vector<std::string>& names, TimeMs now,
                   const SiteOrder& order, std::vector<std::string>& unknown) {
  Report report;
  report.generatedAt = now;
  report.selection = names;
  const Selection chosen = select(all, names, unknown);
  const std::set<std::string> ended = endedPlans(all);
  for (const Job& job : all)
    if (chosen.jobs.count(job.name) != 0) report.jobs.push_back(reportJobOf(job, ended));
  std::sort(report.jobs.begin(), report.jobs.end(),
            [](const ReportJob& a, const ReportJob& b) { return a.job.name < b.job.name; });
  for (const std::string& plan : chosen.plans) report.plans.push_back(reportPlanOf(all, plan, order, ended));
  for (const ReportJob& entry : report.jobs) ++report.totals[entry.job.state];
  return report;
}

}  // namespace relinkd

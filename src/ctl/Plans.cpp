// relinkctl's view of plans: the jobs a plan name stands for, and
// `relinkctl show PLAN` (its sites, their ids and a matrix of job states).
#include "Plans.h"

#include <algorithm>
#include <iostream>

#include "Table.h"
#include "relinkd/io/JobFile.h"
#include "relinkd/domain/JobJson.h"

namespace relinkd::ctl {

namespace {

void printPlanText(const std::string& plan, const PlanView& view) {
  std::cout << "plan:     " << plan << "\n"
            << "file:     " << (view.file.empty() ? "-" : view.file) << "\n"
            << "problem:  " << (view.problem ? oneLine(*view.problem) : "-") << "\n"
            << "jobs:     " << view.current.size() << " (" << stateCountsText(view.current) << ")\n";
  if (view.problem) std::cout << "          (the plan's jobs stay as they were until the file is fixed)\n";
  std::cout << "sites:\n";
  Table sites({"SITE", "URL", "SITE-ID"});
  for (const PlanSite& site : view.sites)
    sites.addRow({site.label, site.url.empty() ? "-" : site.url, site.siteId.empty() ? "(discovering)" : site.siteId});
  sites.print(std::cout);
  printPlanMatrix(std::cout, view);
  if (!view.former.empty()) {
    std::cout << "no longer in the plan:\n";
    for (const Job& job : view.former) std::cout << "  " << job.name << ": " << stateName(job.state) << "\n";
  }
}

}  // namespace

void printPlanMatrix(std::ostream& out, const PlanView& view) {
  out << "jobs by site (row: the site whose links are updated; column: the site they point to):\n";
  std::vector<std::string> header = {"FROM \\ TO"};
  for (const PlanSite& site : view.sites) header.push_back(site.label);
  Table matrix(header);
  for (const PlanSite& from : view.sites) {
    std::vector<std::string> row = {from.label};
    const auto& cells = view.matrix.at(from.label);
    for (const PlanSite& to : view.sites) {
      auto cell = cells.find(to.label);
      row.push_back(from.label == to.label ? "-" : cell == cells.end() ? "?" : stateName(cell->second));
    }
    matrix.addRow(row);
  }
  matrix.print(out);
}

int showPlan(const std::string& plan, const std::vector<Job>& jobs, std::int64_t windowMs, bool json, TimeMs now) {
  const SiteOrder order = [&](const std::string& name, const std::string& file) {
    return planSiteOrder(name, file, windowMs, now);
  };
  const PlanView view = planViewOf(plan, jobs, order);
  if (json) std::cout << toJsonText(planToJson(plan, view, now)) << "\n";
  else printPlanText(plan, view);
  return 0;
}

}  // namespace relinkd::ctl

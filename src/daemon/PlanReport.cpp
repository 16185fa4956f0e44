// The HTML report of one plan (see PlanReport.h).
#include "PlanReport.h"

#include <mutex>
#include <vector>

#include "relinkd/domain/PlanView.h"
#include "relinkd/domain/Report.h"
#include "relinkd/io/JobFile.h"
#include "relinkd/store/SqliteJobStore.h"

namespace relinkd {

std::optional<std::string> planReportHtml(const std::string& databasePath, const std::string& plan,
                                          std::int64_t windowMs, TimeMs now) {
  static std::mutex oneAtATime;
  const std::lock_guard<std::mutex> lock(oneAtATime);
  const SqliteJobStore store(databasePath, true);
  const std::vector<Job> all = store.all();
  // A plan only: a job's name asked for here is no plan, whatever buildReport makes of it.
  if (jobsOfPlan(all, plan).empty()) return std::nullopt;
  const SiteOrder order = [windowMs, now](const std::string& name, const std::string& file) {
    return planSiteOrder(name, file, windowMs, now);
  };
  std::vector<std::string> unknown;
  return reportHtml(buildReport(all, {plan}, now, order, unknown));
}

}  // namespace relinkd

// The HTML report of one plan (see PlanReport.h).
#include "PlanReport.h"

#include <chrono>
#include <mutex>
#include <vector>

#include "StatusServer.h"
#include "relinkd/domain/PlanView.h"
#include "relinkd/domain/Report.h"
#include "relinkd/io/JobFile.h"
#include "relinkd/store/SqliteJobStore.h"

namespace relinkd {

namespace {
constexpr std::chrono::seconds kReportWait{2};
}  // namespace

std::optional<std::string> planReportHtml(const std::string& databasePath, const std::string& plan,
                                          std::int64_t windowMs, TimeMs now) {
  // One at a time, and a request waits for its turn only briefly: queued
  // requests would hold the server's few threads (GET / among them).
  static std::timed_mutex oneAtATime;
  const std::unique_lock<std::timed_mutex> lock(oneAtATime, kReportWait);
  if (!lock.owns_lock()) throw SourceBusy("another report is being built; try again in a few seconds");
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

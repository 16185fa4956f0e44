// buildReport: which jobs a report holds, their pairs and URLs, the plans'
// views and windows, the totals. Tables of jobs in, report out.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/Report.h"

namespace relinkd {
namespace {

constexpr TimeMs kNow = 1790000000000;

std::string specOf(const std::string& from, const std::string& to, std::optional<TimeMs> migratedAt) {
  JobSpec spec;
  spec.productUrl = "https://" + from + ".atlassian.net";
  spec.destinationUrl = "https://" + to + ".atlassian.net";
  spec.migratedFrom = spec.productUrl;
  spec.migratedAt = migratedAt;
  return specToJson(spec);
}

struct Row {
  std::string name, plan;
  JobState state;
  bool hasFile;  // false: its file (or its plan's site) is gone
  TimeMs createdAt, acceptedAt;
  std::optional<TimeMs> migratedAt, deadline;
};

Job jobOf(const Row& row) {
  Job job;
  job.name = row.name;
  job.plan = row.plan;
  job.file = row.plan.empty() ? "/jobs/" + row.name + ".json" : "/jobs/" + row.plan + ".plan.json";
  if (row.hasFile) job.fileHash = "h";
  job.state = row.state;
  job.createdAt = row.createdAt;
  job.acceptedAt = row.acceptedAt;
  job.deadline = row.deadline;
  const auto dot = row.name.rfind('.');
  if (row.state != JobState::kInvalid && dot != std::string::npos && !row.plan.empty()) {
    const std::string from = row.name.substr(row.plan.size() + 1, dot - row.plan.size() - 1);
    job.specJson = specOf(from, row.name.substr(dot + 1), row.migratedAt);
  } else if (row.state != JobState::kInvalid) {
    job.specJson = specOf("solo", "solo-cloud", row.migratedAt);
  }
  if (isPlanStandIn(job)) job.lastError = "sites[1].url: must be an https URL";
  return job;
}

// acme: 3 sites' jobs (eu, us; eu.us failed), a former job (eu.old), one
// window from migratedAt and one from acceptance; broken: an invalid plan's
// stand-in beside its jobs; solo: a standalone job; bad: an invalid job file.
std::vector<Job> store() {
  const std::vector<Row> rows = {
      {"acme.eu.us", "acme", JobState::kFailed, true, 10, 500, 1000, 9000},
      {"acme.us.eu", "acme", JobState::kSucceeded, true, 11, 600, std::nullopt, 9500},
      {"acme.eu.old", "acme", JobState::kCancelled, false, 5, 400, 100, 8000},
      {"broken", "broken", JobState::kInvalid, true, 30, 0, std::nullopt, std::nullopt},
      {"broken.a.b", "broken", JobState::kRunning, true, 20, 700, std::nullopt, 7000},
      {"solo", "", JobState::kQueued, true, 1, 800, std::nullopt, 6000},
      {"bad", "", JobState::kInvalid, true, 2, 0, std::nullopt, std::nullopt},
  };
  std::vector<Job> jobs;
  for (const Row& row : rows) jobs.push_back(jobOf(row));
  return jobs;
}

std::vector<std::string> namesOf(const Report& report) {
  std::vector<std::string> names;
  for (const ReportJob& entry : report.jobs) names.push_back(entry.job.name);
  return names;
}

std::vector<std::string> plansOf(const Report& report) {
  std::vector<std::string> plans;
  for (const ReportPlan& plan : report.plans) plans.push_back(plan.plan);
  return plans;
}

const ReportJob& jobNamed(const Report& report, const std::string& name) {
  for (const ReportJob& entry : report.jobs)
    if (entry.job.name == name) return entry;
  FAIL("no job " << name);
  throw;
}

Report reportOf(const std::vector<std::string>& names, std::vector<std::string>& unknown) {
  const SiteOrder order = [](const std::string& plan, const std::string&) {
    return plan == "acme" ? std::vector<std::string>{"us", "eu"} : std::vector<std::string>{};
  };
  return buildReport(store(), names, kNow, order, unknown);
}

}  // namespace

TEST_CASE("report: every job and every plan when no name is given, ordered by name, with totals") {
  std::vector<std::string> unknown;
  const Report report = reportOf({}, unknown);
  CHECK(unknown.empty());
  CHECK(report.generatedAt == kNow);
  CHECK(report.selection.empty());
  CHECK(namesOf(report) == std::vector<std::string>{"acme.eu.old", "acme.eu.us", "acme.us.eu", "bad", "broken",
                                                    "broken.a.b", "solo"});
  CHECK(plansOf(report) == std::vector<std::string>{"acme", "broken"});
  CHECK(report.totals == std::map<JobState, int>{{JobState::kInvalid, 2}, {JobState::kQueued, 1},
                                                 {JobState::kRunning, 1}, {JobState::kSucceeded, 1},
                                                 {JobState::kFailed, 1}, {JobState::kCancelled, 1}});
}

TEST_CASE("report: a job's pair, URLs and whether its plan still derives it") {
  std::vector<std::string> unknown;
  const Report report = reportOf({}, unknown);
  struct Want {
    std::string name, from, to, productUrl, destinationUrl;
    bool former;
  };
  const std::vector<Want> wants = {
      {"acme.eu.us", "eu", "us", "https://eu.atlassian.net", "https://us.atlassian.net", false},
      {"acme.eu.old", "eu", "old", "https://eu.atlassian.net", "https://old.atlassian.net", true},
      {"broken", "", "", "", "", false},
      {"solo", "", "", "https://solo.atlassian.net", "https://solo-cloud.atlassian.net", false},
      {"bad", "", "", "", "", false},
  };
  for (const Want& want : wants) {
    INFO(want.name);
    const ReportJob& got = jobNamed(report, want.name);
    CHECK(got.from == want.from);
    CHECK(got.to == want.to);
    CHECK(got.productUrl == want.productUrl);
    CHECK(got.destinationUrl == want.destinationUrl);
    CHECK(got.former == want.former);
  }
}

TEST_CASE("report: a plan's view in its file's order, and its window over its current jobs") {
  std::vector<std::string> unknown;
  const Report report = reportOf({"acme"}, unknown);
  REQUIRE(report.plans.size() == 1);
  const ReportPlan& acme = report.plans[0];
  CHECK(acme.view.file == "/jobs/acme.plan.json");
  CHECK_FALSE(acme.view.problem);
  REQUIRE(acme.view.sites.size() == 2);
  CHECK(acme.view.sites[0].label == "us");
  CHECK(acme.view.matrix.at("eu").at("us") == JobState::kFailed);
  CHECK(acme.view.former.size() == 1);
  CHECK(acme.window.opened == 600);   // us.eu's acceptance: eu.us's migratedAt is later, eu.old is former
  CHECK(acme.window.closes == 9500);  // the latest deadline
}

TEST_CASE("report: an invalid plan's stand-in is its plan's, with the problem; a window without jobs is unset") {
  std::vector<std::string> unknown;
  const Report report = reportOf({"broken"}, unknown);
  CHECK(namesOf(report) == std::vector<std::string>{"broken", "broken.a.b"});
  REQUIRE(report.plans.size() == 1);
  CHECK(report.plans[0].view.problem == "sites[1].url: must be an https URL");
  CHECK(report.plans[0].window.opened == 700);
  CHECK(report.plans[0].window.closes == 7000);

  const Report none = buildReport({jobOf({"x", "x", JobState::kInvalid, true, 1, 0, {}, {}})}, {"x"}, kNow, {},
                                  unknown);
  REQUIRE(none.plans.size() == 1);
  CHECK_FALSE(none.plans[0].window.opened);
  CHECK_FALSE(none.plans[0].window.closes);
}

TEST_CASE("report: names chosen are jobs or plans; unknown names are put aside; each job once") {
  std::vector<std::string> unknown;
  const Report report = reportOf({"solo", "nobody", "acme.us.eu", "acme", "bad", "ghost"}, unknown);
  CHECK(unknown == std::vector<std::string>{"nobody", "ghost"});
  CHECK(report.selection == std::vector<std::string>{"solo", "nobody", "acme.us.eu", "acme", "bad", "ghost"});
  CHECK(namesOf(report) == std::vector<std::string>{"acme.eu.old", "acme.eu.us", "acme.us.eu", "bad", "solo"});
  CHECK(plansOf(report) == std::vector<std::string>{"acme"});
  CHECK(report.totals.at(JobState::kInvalid) == 1);

  unknown.clear();
  const Report job = reportOf({"acme.us.eu"}, unknown);  // a plan's job alone: not its plan
  CHECK(namesOf(job) == std::vector<std::string>{"acme.us.eu"});
  CHECK(job.plans.empty());
}

}  // namespace relinkd

namespace relinkd {

TEST_CASE("report: a plan whose file is gone is the record of how its jobs ended, none of them former") {
  std::vector<Job> jobs;
  for (Job job : store()) {
    if (job.plan != "acme") continue;
    job.fileHash.reset();  // the plan file was removed once the window closed
    jobs.push_back(job);
  }
  std::vector<std::string> unknown;
  const Report report = buildReport(jobs, {"acme"}, kNow, {}, unknown);
  REQUIRE(report.plans.size() == 1);
  const ReportPlan& acme = report.plans[0];
  CHECK(acme.fileRemoved);
  CHECK(acme.view.file == "/jobs/acme.plan.json");
  CHECK(acme.view.former.empty());
  CHECK(acme.view.current.size() == 3);
  CHECK(acme.view.matrix.at("eu").at("us") == JobState::kFailed);
  CHECK(acme.view.matrix.at("us").at("eu") == JobState::kSucceeded);
  CHECK(acme.window.closes == 9500);
  for (const ReportJob& entry : report.jobs) CHECK_FALSE(entry.former);

  const Report live = reportOf({"acme"}, unknown);  // while the file is there, the former job stays former
  CHECK_FALSE(live.plans[0].fileRemoved);
  CHECK(jobNamed(live, "acme.eu.old").former);
}

}  // namespace relinkd

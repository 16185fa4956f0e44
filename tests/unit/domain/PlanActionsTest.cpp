#include <doctest/doctest.h>

#include "relinkd/domain/PlanActions.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1764000000000;

Job planJob(const std::string& name, JobState state) {
  Job job;
  job.name = name;
  job.plan = "acme";
  job.state = state;
  job.fileHash = "h";
  job.deadline = kNow + 3600000;
  return job;
}

}  // namespace

TEST_CASE("cancel --plan takes the unfinished jobs and counts the finished ones") {
  const std::vector<Job> jobs = {planJob("acme.eu.us", JobState::kSucceeded), planJob("acme.us.eu", JobState::kRunning),
                                 planJob("acme.eu.ap", JobState::kFailed), planJob("acme.ap.eu", JobState::kRetrying)};
  const PlanPick pick = pickPlanJobs(PlanAction::kCancel, "acme", jobs, std::nullopt, kNow);
  CHECK(pick.names == std::vector<std::string>{"acme.us.eu", "acme.ap.eu"});
  CHECK(pick.leftAlone == "2 jobs of plan acme left as they are: 2 already final (1 succeeded, 1 failed)");
}

TEST_CASE("cancel --plan never takes former jobs, the invalid stand-in, or jobs of another plan") {
  Job former = planJob("acme.eu.gone", JobState::kQueued);
  former.fileHash.reset();
  Job standIn = planJob("acme", JobState::kInvalid);
  Job other = planJob("beta.eu.us", JobState::kRunning);
  other.plan = "beta";
  const PlanPick pick = pickPlanJobs(PlanAction::kCancel, "acme", {former, standIn, other}, std::nullopt, kNow);
  CHECK(pick.names.empty());
  CHECK(pick.leftAlone == "2 jobs of plan acme left as they are: 1 no longer in the plan (1 queued); "
                          "1 the invalid plan's stand-in (1 invalid)");
}

TEST_CASE("retry --plan takes failed, paused and retrying jobs whose window is open") {
  Job closed = planJob("acme.eu.ap", JobState::kFailed);
  closed.deadline = kNow;
  const std::vector<Job> jobs = {planJob("acme.eu.us", JobState::kFailed), planJob("acme.us.eu", JobState::kPaused),
                                 planJob("acme.ap.eu", JobState::kRetrying), planJob("acme.us.ap", JobState::kSucceeded),
                                 planJob("acme.ap.us", JobState::kRunning), closed};
  const PlanPick pick = pickPlanJobs(PlanAction::kRetry, "acme", jobs, std::nullopt, kNow);
  CHECK(pick.names == std::vector<std::string>{"acme.eu.us", "acme.us.eu", "acme.ap.eu"});
  CHECK(pick.leftAlone == "3 jobs of plan acme left as they are: 2 neither failed, paused nor retrying "
                          "(1 running, 1 succeeded); 1 past the close of their window (1 failed)");
}

TEST_CASE("with --state only jobs in that state count; one job left alone is said in the singular") {
  const std::vector<Job> jobs = {planJob("acme.eu.us", JobState::kSucceeded), planJob("acme.us.eu", JobState::kFailed)};
  PlanPick pick = pickPlanJobs(PlanAction::kRetry, "acme", jobs, JobState::kFailed, kNow);
  CHECK(pick.names == std::vector<std::string>{"acme.us.eu"});
  CHECK(pick.leftAlone.empty());
  pick = pickPlanJobs(PlanAction::kCancel, "acme", jobs, JobState::kSucceeded, kNow);
  CHECK(pick.names.empty());
  CHECK(pick.leftAlone == "1 job of plan acme left as it is: 1 already final (1 succeeded)");
}

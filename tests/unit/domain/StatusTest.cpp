// assessStatus: what `relinkctl status` counts and which sentences it says.
#include <doctest/doctest.h>

#include <algorithm>

#include "relinkd/domain/Status.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1764000000000;
constexpr TimeMs kHour = 3600000;

Job jobIn(const std::string& name, JobState state, std::optional<TimeMs> deadline = kNow + 14 * 24 * kHour) {
  Job job;
  job.name = name;
  job.state = state;
  job.fileHash = "hash-" + name;
  job.deadline = deadline;
  return job;
}

Job pausedWith(const std::string& name, const std::string& error) {
  Job job = jobIn(name, JobState::kPaused);
  job.lastError = error;
  return job;
}

const DaemonFacts kRunning{true, 4242, kNow - kHour, true, ""};

// The one attention text that contains needle ("" when none does).
std::string saying(const StatusReport& report, const std::string& needle) {
  std::string found;
  for (const std::string& text : report.attention) {
    if (text.find(needle) != std::string::npos) {
      CHECK(found.empty());
      found = text;
    }
  }
  return found;
}

}  // namespace

TEST_CASE("status: a running daemon with finished and running jobs needs nothing") {
  const StatusReport report = assessStatus(
      kRunning, {jobIn("a", JobState::kSucceeded), jobIn("b", JobState::kRunning), jobIn("c", JobState::kSucceeded)},
      0, kNow);
  CHECK(report.attention.empty());
  CHECK(report.jobs.size() == kAllStates.size());
  CHECK(report.jobs.at(JobState::kSucceeded) == 2);
  CHECK(report.jobs.at(JobState::kRunning) == 1);
  CHECK(report.jobs.at(JobState::kFailed) == 0);
  CHECK(report.paused == 0);
  CHECK(report.pausedReason.empty());
  CHECK(report.daemon.pid == 4242);
}

TEST_CASE("status: not running needs attention, whatever the jobs") {
  const StatusReport report = assessStatus(DaemonFacts{}, {jobIn("a", JobState::kSucceeded)}, 0, kNow);
  REQUIRE(report.attention.size() == 1);
  CHECK(report.attention[0].rfind("relinkd is not running: ", 0) == 0);
  CHECK(report.attention[0].find("start it") != std::string::npos);
}

TEST_CASE("status: paused jobs are counted, with the reason most of them give, and what to do") {
  const StatusReport report =
      assessStatus(kRunning,
                   {pausedWith("a", "token revoked"), pausedWith("b", "401 Unauthorized"),
                    pausedWith("c", "401 Unauthorized"), jobIn("d", JobState::kQueued)},
                   0, kNow);
  CHECK(report.paused == 3);
  CHECK(report.pausedReason == "401 Unauthorized");
  const std::string text = saying(report, "paused");
  CHECK(text == "3 jobs are paused for credentials: 401 Unauthorized");
  CHECK(report.attention.size() == 1);
}

TEST_CASE("status: paused jobs that give no reason get what to do") {
  const StatusReport report = assessStatus(kRunning, {jobIn("a", JobState::kPaused)}, 0, kNow);
  CHECK(report.pausedReason.empty());
  const std::string text = saying(report, "paused");
  CHECK(text.rfind("1 job is paused for credentials: put a valid API token in the token file "
                   "(relinkd.api.tokenFile); ",
                   0) == 0);
  CHECK(text.find("SIGHUP") != std::string::npos);
}

TEST_CASE("status: on a tie the paused reason is the first job's, by name") {
  CHECK(pausedReason(std::vector<const Job*>{}).empty());
  const Job a = pausedWith("a", "first"), b = pausedWith("b", "second");
  CHECK(pausedReason(std::vector<const Job*>{&a, &b}) == "first");
  const JobList list{std::make_shared<const Job>(b), std::make_shared<const Job>(a)};
  CHECK(pausedReason(list) == "second");
  Job failed = jobIn("f", JobState::kFailed);
  failed.lastError = "400 Bad Request";
  CHECK(pausedReason(std::vector<const Job*>{&failed}).empty());
}

TEST_CASE("status: failed and invalid jobs need attention while their files are there") {
  Job gone = jobIn("gone", JobState::kFailed);
  gone.fileHash.reset();  // its file was removed: history
  const StatusReport report =
      assessStatus(kRunning,
                   {jobIn("a", JobState::kFailed), jobIn("b", JobState::kFailed), gone,
                    jobIn("c", JobState::kInvalid, std::nullopt)},
                   0, kNow);
  CHECK(report.jobs.at(JobState::kFailed) == 3);
  const std::string failed = saying(report, "failed");
  CHECK(failed.rfind("2 jobs have failed: ", 0) == 0);
  CHECK(failed.find("relinkctl list --state=failed") != std::string::npos);
  CHECK(failed.find("relinkctl retry") != std::string::npos);
  CHECK(saying(report, "invalid").rfind("1 job file is invalid: ", 0) == 0);
  CHECK(report.attention.size() == 2);
}

TEST_CASE("status: unfinished jobs whose window closes within 24 h, the first named") {
  const StatusReport report =
      assessStatus(kRunning,
                   {jobIn("later", JobState::kRetrying, kNow + 20 * kHour),
                    jobIn("soon", JobState::kQueued, kNow + 3 * kHour),
                    jobIn("done", JobState::kSucceeded, kNow + kHour),
                    jobIn("far", JobState::kRunning, kNow + 48 * kHour)},
                   0, kNow);
  REQUIRE(report.attention.size() == 1);
  CHECK(report.attention[0].rfind("2 unfinished jobs have a window that closes within 24 h (first: soon, in 3h", 0) ==
        0);
}

TEST_CASE("status: notifications owed and a store that cannot be written") {
  DaemonFacts daemon = kRunning;
  daemon.storeWritable = false;
  const StatusReport report = assessStatus(daemon, {}, 1, kNow);
  CHECK(report.notificationsOwed == 1);
  CHECK(saying(report, "owed").rfind("1 notification is owed: ", 0) == 0);
  CHECK(saying(report, "database").rfind("the state database cannot be written", 0) == 0);
  CHECK(report.attention.size() == 2);
  CHECK(assessStatus(kRunning, {}, 0, kNow).attention.empty());
}

TEST_CASE("status: owed notifications with relinkd.notify.command off say nothing sends them") {
  const StatusReport report = assessStatus(kRunning, {}, 2, kNow, false);
  REQUIRE(report.attention.size() == 1);
  CHECK(report.attention[0].rfind("2 notifications are owed but notifications are off", 0) == 0);
  CHECK(report.attention[0].find("set relinkd.notify.command and restart relinkd") != std::string::npos);
  CHECK(report.attention[0].find("backoff") == std::string::npos);
}

TEST_CASE("status: when it cannot be told whether relinkd runs, it says so, not that it is stopped") {
  DaemonFacts daemon;
  daemon.unknown = "cannot open /state/relinkd.lock: Permission denied";
  const StatusReport report = assessStatus(daemon, {}, 0, kNow);
  REQUIRE(report.attention.size() == 1);
  CHECK(report.attention[0] ==
        "cannot tell whether relinkd runs: cannot open /state/relinkd.lock: Permission denied; run relinkctl as "
        "root (or as the user relinkd runs as)");
}

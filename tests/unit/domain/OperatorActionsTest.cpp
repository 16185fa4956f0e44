#include <doctest/doctest.h>

#include "relinkd/domain/OperatorActions.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1764000000000;

Job jobIn(JobState state) {
  Job job;
  job.name = "eu";
  job.state = state;
  job.attempts = 3;
  job.deadline = kNow + 3600000;
  return job;
}

}  // namespace

TEST_CASE("relinkctl retry: only failed, paused or retrying jobs, and never after the window") {
  struct Row {
    JobState state;
    bool allowed;
    const char* says;
  };
  const Row rows[] = {
      {JobState::kFailed, true, ""},          {JobState::kPaused, true, ""},
      {JobState::kRetrying, true, ""},        {JobState::kQueued, false, "only failed"},
      {JobState::kRunning, false, "only failed"}, {JobState::kSucceeded, false, "only failed"},
      {JobState::kExpired, false, "only failed"}, {JobState::kInvalid, false, "fix its file"},
      {JobState::kCancelled, false, "re-create its file"},
  };
  for (const Row& row : rows) {
    CAPTURE(stateName(row.state));
    Job job = jobIn(row.state);
    HistoryEntry entry;
    ActionResult result = applyRetry(job, kNow, entry);
    CHECK(result.allowed == row.allowed);
    CHECK(result.why.find(row.says) != std::string::npos);
    if (row.allowed) {
      CHECK(job.nextAttemptAt == kNow);
      CHECK(entry.action == "retry");
    }
  }
  Job late = jobIn(JobState::kFailed);
  late.deadline = kNow;
  HistoryEntry entry;
  CHECK(applyRetry(late, kNow, entry).why.find("window closed") != std::string::npos);
}

TEST_CASE("relinkctl retry: a failed job gets a fresh attempt count, a paused running one polls again") {
  Job failed = jobIn(JobState::kFailed);
  HistoryEntry entry;
  REQUIRE(applyRetry(failed, kNow, entry).allowed);
  CHECK(failed.attempts == 0);
  CHECK(failed.state == JobState::kQueued);

  Job paused = jobIn(JobState::kPaused);
  paused.remoteJobId = "u-1";
  REQUIRE(applyRetry(paused, kNow, entry).allowed);
  CHECK(paused.state == JobState::kRunning);
  CHECK(paused.remoteJobId == "u-1");
  CHECK(paused.attempts == 3);
}

TEST_CASE("relinkctl cancel: any unfinished, valid job; the remote job is named") {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kRetrying, JobState::kPaused}) {
    CAPTURE(stateName(state));
    Job job = jobIn(state);
    job.submitting = true;
    HistoryEntry entry;
    REQUIRE(applyCancel(job, kNow, entry).allowed);
    CHECK(job.state == JobState::kCancelled);
    CHECK_FALSE(job.nextAttemptAt);
    CHECK_FALSE(job.submitting);
  }
  for (JobState state : {JobState::kSucceeded, JobState::kFailed, JobState::kExpired,
                         JobState::kCancelled, JobState::kInvalid}) {
    CAPTURE(stateName(state));
    Job job = jobIn(state);
    HistoryEntry entry;
    CHECK_FALSE(applyCancel(job, kNow, entry).allowed);
    CHECK(job.state == state);
  }
  Job running = jobIn(JobState::kRunning);
  running.remoteJobId = "u-9";
  HistoryEntry entry;
  REQUIRE(applyCancel(running, kNow, entry).allowed);
  CHECK(running.lastError->find("u-9 cannot be cancelled at Atlassian") != std::string::npos);
}

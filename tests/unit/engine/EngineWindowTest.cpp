// A change that leaves the request body the same (only migratedAt or
// deadline) moves the job's window without resubmitting it: an unfinished
// job keeps its remote job and goes on, a succeeded one stays succeeded,
// an expired one is due again when its new deadline is ahead. Job files
// and plans alike, running and across a restart.
#include "EngineHarness.h"
#include "PlanHarness.h"

using namespace enginetest;

namespace {

const std::string kLater = "2025-11-24T16:00:00Z";  // a day after jobJson's migratedAt
const TimeMs kOldDeadline = kStart - kDay + 14 * kDay;
const TimeMs kNewDeadline = kStart + 14 * kDay;

bool historyHas(Harness& h, const std::string& name, const std::string& action, const std::string& part = "") {
  for (const HistoryEntry& e : h.store->history(name))
    if (e.action == action && e.detail.find(part) != std::string::npos) return true;
  return false;
}

int submissions(Harness& h) {
  int n = 0;
  for (const Dispatch& d : h.executor.sent) n += d.kind == RequestKind::kSubmit;
  return n;
}

}  // namespace

TEST_CASE("Window: a job file's new migratedAt moves a running job's window; same remote job, still polled") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  REQUIRE(h.job("eu").deadline == kOldDeadline);
  SUBCASE("while relinkd runs") {
    h.writeJob("eu", jobJson("site-a", "", kLater));
  }
  SUBCASE("while relinkd was stopped") {
    h.engine.reset();
    h.putFile("eu.json", jobJson("site-a", "", kLater));
    h.restart();
  }
  const Job job = h.job("eu");
  CHECK(job.state == JobState::kRunning);
  CHECK(job.remoteJobId == std::optional<std::string>("u-1"));
  CHECK(job.deadline == kNewDeadline);
  CHECK(submissions(h) == 0);
  CHECK(historyHas(h, "eu", "window-moved", formatTime(kOldDeadline) + " to " + formatTime(kNewDeadline)));
  CHECK(historyHas(h, "eu", "window-moved", "migratedAt changed"));
  CHECK_FALSE(historyHas(h, "eu", "file-changed"));
  h.executor.sent.clear();
  h.advance(h.settings.pollIntervalMs);
  REQUIRE(h.executor.sent.size() == 1);
  CHECK(h.executor.sent.front().kind == RequestKind::kPoll);
  CHECK(h.executor.sent.front().request.url.find("u-1") != std::string::npos);
}

TEST_CASE("Window: a new deadline leaves a succeeded job succeeded, not submitted again") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  h.advance(h.settings.pollIntervalMs);
  h.answer(h.executor.take(), 200, R"({"status":"COMPLETE"})");
  REQUIRE(h.job("eu").state == JobState::kSucceeded);
  h.writeJob("eu", jobJson("site-a", ",\"deadline\":\"2025-12-01T00:00:00Z\""));
  const Job job = h.job("eu");
  CHECK(job.state == JobState::kSucceeded);
  CHECK(job.remoteJobId == std::optional<std::string>("u-1"));
  CHECK(job.deadline == *parseTime("2025-12-01T00:00:00Z", true));
  CHECK(h.executor.sent.empty());
  CHECK(historyHas(h, "eu", "window-moved", "deadline changed"));
}

TEST_CASE("Window: an expired job is due again when its new deadline is ahead, and stays expired when not") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a", ",\"deadline\":\"2025-11-24T17:00:00Z\""));  // an hour from now
  h.fail(h.executor.take(), TransportError::kConnectionRefused);
  h.advance(3600 * kSecond);
  h.executor.sent.clear();
  REQUIRE(h.job("eu").state == JobState::kExpired);
  SUBCASE("a deadline still past") {
    h.writeJob("eu", jobJson("site-a", ",\"deadline\":\"2025-11-24T16:30:00Z\""));
    CHECK(h.job("eu").state == JobState::kExpired);
    CHECK(h.executor.sent.empty());
    CHECK(historyHas(h, "eu", "window-moved", "stays expired"));
  }
  SUBCASE("no deadline: the window's close, days ahead") {
    h.writeJob("eu", jobJson());
    const Job job = h.job("eu");
    CHECK(job.state == JobState::kRetrying);  // one submission was made
    CHECK(job.deadline == kOldDeadline);
    CHECK(historyHas(h, "eu", "window-moved", "due again"));
    REQUIRE(h.executor.sent.size() == 1);
    CHECK(h.executor.sent.front().kind == RequestKind::kSubmit);
  }
}

TEST_CASE("Window: a window moved while a submission is in flight waits for its answer, which is kept") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  Dispatch submit = h.executor.take();
  h.writeJob("eu", jobJson("site-a", "", kLater));
  CHECK(h.job("eu").deadline == kOldDeadline);  // not yet
  h.answer(submit, 200, R"({"uuid":"u-1"})");
  CHECK(h.job("eu").remoteJobId == std::optional<std::string>("u-1"));  // the answer was not dropped
  h.advance(h.settings.fileRetryMs);
  CHECK(h.job("eu").deadline == kNewDeadline);
  CHECK(h.job("eu").state == JobState::kRunning);
  CHECK(submissions(h) == 0);
}

TEST_CASE("Window: a plan's new migratedAt moves every job's window and resubmits none") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  std::string json = planJson({kEu, kUs, kApac});
  writePlan(h, "acme", json);
  acceptAll(h);
  h.advance(h.settings.pollIntervalMs);
  while (!h.executor.sent.empty()) {  // one finished, the others still at work
    Dispatch poll = h.executor.take();
    const bool done = poll.jobName == "acme.acme-eu.acme-us";
    h.answer(poll, 200, done ? R"({"status":"COMPLETE"})" : R"({"status":"IN_PROGRESS"})");
  }
  const auto before = planJobs(h, "acme");
  json.replace(json.find("2025-11-23T16:00:00Z"), 20, kLater);
  SUBCASE("while relinkd runs") {
    writePlan(h, "acme", json);
  }
  SUBCASE("while relinkd was stopped") {
    h.engine.reset();
    h.putFile("acme.plan.json", json);
    h.restart();
  }
  CHECK(submissions(h) == 0);
  for (const auto& [jobName, job] : planJobs(h, "acme")) {
    const std::string& name = jobName;
    CAPTURE(name);
    CHECK(job.state == before.at(name).state);
    CHECK(job.remoteJobId == before.at(name).remoteJobId);
    CHECK(job.deadline == kNewDeadline);
    CHECK(historyHas(h, name, "window-moved", formatTime(kNewDeadline)));
    CHECK_FALSE(hasAction(h.store->history(name), "plan-changed"));
  }
  CHECK(h.job("acme.acme-eu.acme-us").state == JobState::kSucceeded);
}

TEST_CASE("Window: a plan job with a request in flight takes its new window once answered") {
  Harness h;
  h.start();
  std::string json = planJson({kEu, kUs});
  writePlan(h, "acme", json);
  REQUIRE(h.executor.sent.size() == 2);
  json.replace(json.find("2025-11-23T16:00:00Z"), 20, kLater);
  writePlan(h, "acme", json);
  CHECK(h.job("acme.acme-eu.acme-us").deadline == kOldDeadline);  // not under the request
  acceptAll(h);
  for (const char* name : {"acme.acme-eu.acme-us", "acme.acme-us.acme-eu"}) {
    CAPTURE(name);
    CHECK(h.job(name).state == JobState::kRunning);  // the answers were kept
    CHECK(h.job(name).deadline == kNewDeadline);
    CHECK(historyHas(h, name, "window-moved"));
  }
}

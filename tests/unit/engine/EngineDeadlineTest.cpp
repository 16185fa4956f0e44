// Never late: no request is scheduled, recovered, resumed or re-armed for a
// moment after which it could not finish before the job's deadline.
#include "EngineHarness.h"

using namespace enginetest;

namespace {

// A job whose window closes 100 s after the start: with a 30 s request
// budget (retry.lastCallMs), the last request may start at +70 s.
std::string closingJob() { return jobJson("site-a", "", formatTime(kStart - 14 * kDay + 100 * kSecond)); }

bool historyHas(Harness& h, const std::string& name, const std::string& action) {
  for (const HistoryEntry& entry : h.store->history(name))
    if (entry.action == action) return true;
  return false;
}

}  // namespace

TEST_CASE("Engine: polls near the deadline move to the last moment a request may start, then stop") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.submitOk("u-1");
  CHECK(h.job("eu").nextAttemptAt == kStart + 30 * kSecond);
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"IN_PROGRESS"})");
  CHECK(h.job("eu").nextAttemptAt == kStart + 60 * kSecond);
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"IN_PROGRESS"})");
  CHECK(h.job("eu").nextAttemptAt == kStart + 70 * kSecond);  // not +90 s
  h.advance(10 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"IN_PROGRESS"})");
  CHECK_FALSE(h.job("eu").nextAttemptAt);
  CHECK(h.job("eu").state == JobState::kRunning);
  h.advance(29 * kSecond);
  CHECK(h.executor.sent.empty());
  h.advance(1 * kSecond);
  CHECK(h.job("eu").state == JobState::kExpired);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: relinkctl retry after the last moment a request may start sends nothing") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // retrying, next at +30 s
  h.advance(30 * kSecond);
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // the last one, at +70 s
  h.advance(40 * kSecond);
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // no time for more
  h.advance(10 * kSecond);  // +80 s: the window is still open
  REQUIRE(h.byOperator("eu", applyRetry).allowed);
  h.advance(1 * kSecond);
  CHECK(h.executor.sent.empty());
  CHECK_FALSE(h.job("eu").nextAttemptAt);
  CHECK(h.job("eu").lastError->find("no request can start before the deadline at") != std::string::npos);
  CHECK(historyHas(h, "eu", "no-time-left"));
}

TEST_CASE("Engine: a restart after the last moment a request may start recovers without sending") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  REQUIRE(h.executor.sent.size() == 1);  // in flight when relinkd dies
  h.clock.advance(75 * kSecond);
  h.restart();
  CHECK(h.executor.sent.empty());
  CHECK_FALSE(h.job("eu").submitting);
  CHECK_FALSE(h.job("eu").nextAttemptAt);
  h.advance(25 * kSecond);
  CHECK(h.job("eu").state == JobState::kExpired);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a request the pool could not start in time stops the job asking for more") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.fail(h.executor.take(), TransportError::kTooLate);
  Job job = h.job("eu");
  CHECK_FALSE(job.nextAttemptAt);
  CHECK(job.state == JobState::kQueued);
  CHECK_FALSE(job.submitting);  // it was never sent
  CHECK(job.attempts == 0);
  CHECK(historyHas(h, "eu", "no-time-left"));
  h.advance(60 * kSecond);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a resume near the deadline is moved to the last moment a request may start") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.answer(h.executor.take(), 401, R"({"errorMessage":"Unauthorized"})");
  REQUIRE(h.job("eu").state == JobState::kPaused);
  h.clock.advance(90 * kSecond);
  h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
  h.engine->step();
  CHECK(h.job("eu").state == JobState::kQueued);
  CHECK_FALSE(h.job("eu").nextAttemptAt);
  CHECK(h.executor.sent.empty());
}

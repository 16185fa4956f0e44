// The record's times (relinkctl report) as the engine and relinkctl keep
// them through JobStore::save: the first submission of the current spec,
// and when the job reached its final state.
#include "EngineHarness.h"
#include "Scenarios.h"

using namespace enginetest;

TEST_CASE("Engine: a job's record: first submitted when sent, finished when it succeeds") {
  Harness h;
  h.start();
  h.advance(5 * kSecond);
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  CHECK(h.job("eu").firstSubmittedAt == kStart + 5 * kSecond);
  CHECK_FALSE(h.job("eu").finishedAt);
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"ERROR"})");  // submitted again: still the first time
  h.advance(30 * kSecond);
  h.submitOk("u-2");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"COMPLETE"})");
  const Job done = h.job("eu");
  CHECK(done.state == JobState::kSucceeded);
  CHECK(done.firstSubmittedAt == kStart + 5 * kSecond);
  CHECK(done.finishedAt == kStart + 95 * kSecond);
}

TEST_CASE("Engine: a retried failed job is no longer finished but keeps its first submission; a new file clears both") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.answer(h.executor.take(), 403, R"({"errorMessage":"You are not an organization admin"})");
  CHECK(h.job("eu").state == JobState::kFailed);
  CHECK(h.job("eu").finishedAt == kStart);
  h.advance(3600 * kSecond);
  REQUIRE(h.byOperator("eu", applyRetry).allowed);  // relinkctl retry, through its own connection
  CHECK_FALSE(h.job("eu").finishedAt);
  CHECK(h.job("eu").firstSubmittedAt == kStart);

  h.advance(1 * kSecond);
  h.answer(h.executor.take(), 403, R"({"errorMessage":"still not"})");
  CHECK(h.job("eu").finishedAt == kStart + 3601 * kSecond);
  h.advance(60 * kSecond);
  h.writeJob("eu", R"({"siteId":"s","productURL":"http://x"})");  // a new spec, invalid
  CHECK(h.job("eu").state == JobState::kInvalid);
  CHECK_FALSE(h.job("eu").firstSubmittedAt);
  CHECK_FALSE(h.job("eu").finishedAt);
  h.advance(60 * kSecond);
  h.writeJob("eu", jobJson());
  h.executor.take();
  CHECK(h.job("eu").firstSubmittedAt == kStart + 3721 * kSecond);
}

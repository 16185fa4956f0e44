// Regression tests for what the review of issue 17 found on the dispatch
// and answer side: each failed on the engine before its fix.
#include "EngineHarness.h"

using namespace enginetest;

namespace {

// A job whose window closes 100 s after the start: with a 30 s request
// budget (retry.lastCallMs), the last request may start at +70 s.
std::string closingJob(const std::string& siteId = "site-a") {
  return jobJson(siteId, "", formatTime(kStart - 14 * kDay + 100 * kSecond));
}

bool historyHas(Harness& h, const std::string& name, const std::string& action, const std::string& detail = "") {
  for (const HistoryEntry& entry : h.store->history(name))
    if (entry.action == action && entry.detail.find(detail) != std::string::npos) return true;
  return false;
}

// A started engine with one request slot, taken by the submission of job
// eu (json): what frees that slot again is the point of the tests using it.
Dispatch oneSlotTakenByEu(Harness& h, const std::string& json) {
  h.settings.concurrency = 1;
  h.start();
  h.writeJob("eu", json);
  return h.executor.take();
}

// The slot is free again: the next job's submission goes out at once.
void checkSlotFree(Harness& h) {
  h.writeJob("us", jobJson("site-b"));
  REQUIRE(h.executor.sent.size() == 1);
  CHECK(h.executor.take().jobName == "us");
}

bool saysNoRequestFits(const Job& job) {
  return job.lastError && job.lastError->find("no request can start before the deadline at") != std::string::npos &&
         job.lastError->find("(relinkd.api.timeout)") != std::string::npos;
}

}  // namespace

TEST_CASE("Engine: relinkctl retry of a paused job resumes it with the current token, and the others with it") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a"));
  h.writeJob("us", jobJson("site-b"));
  Dispatch eu = h.executor.take();
  Dispatch us = h.executor.take();
  h.answer(eu, 401, R"({"errorMessage":"Unauthorized"})");
  h.answer(us, 401, R"({"errorMessage":"Unauthorized"})");
  REQUIRE(h.job("eu").state == JobState::kPaused);
  REQUIRE(h.job("us").state == JobState::kPaused);
  REQUIRE(h.engine->paused());
  // The token is good again at the API (say, its scope was fixed there).
  REQUIRE(h.byOperator("eu", applyRetry).allowed);
  h.advance(1 * kSecond);
  Dispatch retried = h.executor.take();
  CHECK(retried.jobName == "eu");
  CHECK(h.executor.sent.empty());  // only the retried job probes the credentials
  h.answer(retried, 200, R"({"uuid":"u-eu"})");
  const Job running = h.job("eu");
  CHECK(running.state == JobState::kRunning);
  CHECK(running.remoteJobId == "u-eu");
  CHECK(h.store->history("eu").back().action != "pause");
  CHECK_FALSE(h.engine->paused());
  CHECK(h.job("us").state == JobState::kQueued);
  CHECK(historyHas(h, "us", "resume", "accepted"));
  Dispatch resumed = h.executor.take();
  CHECK(resumed.jobName == "us");
  h.advance(30 * kSecond);
  CHECK(h.executor.take().kind == RequestKind::kPoll);  // the remote job is polled
}

TEST_CASE("Engine: relinkctl retry of a paused job whose token is still refused pauses it again") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a"));
  h.answer(h.executor.take(), 401, R"({"errorMessage":"Unauthorized"})");
  REQUIRE(h.byOperator("eu", applyRetry).allowed);
  h.advance(1 * kSecond);
  h.answer(h.executor.take(), 401, R"({"errorMessage":"Unauthorized"})");
  CHECK(h.job("eu").state == JobState::kPaused);
  CHECK(h.engine->paused());
  h.advance(3600 * kSecond);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a job row deleted while its request is in flight gives its request slot back") {
  Harness h;
  Dispatch submit = oneSlotTakenByEu(h, jobJson("site-a"));
  h.deleteRow("eu");
  SUBCASE("answered") { h.answer(submit, 200, R"({"uuid":"u-1"})"); }
  SUBCASE("refused for good") { h.answer(submit, 404, R"({"errorMessage":"no such site"})"); }
  SUBCASE("a server error") { h.answer(submit, 500, "{}"); }
  SUBCASE("failed in transit") { h.fail(submit, TransportError::kConnectionReset); }
  CHECK_FALSE(h.store->find("eu"));
  checkSlotFree(h);
}

TEST_CASE("Engine: a job expired while its request is in flight gives its request slot back") {
  Harness h;
  Dispatch submit = oneSlotTakenByEu(h, closingJob());
  h.advance(100 * kSecond);
  REQUIRE(h.job("eu").state == JobState::kExpired);
  h.answer(submit, 200, R"({"uuid":"u-1"})");
  checkSlotFree(h);
}

TEST_CASE("Engine: a rate limit that ends after the last moment a request may start stops the job asking") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.answer(h.executor.take(), 429, "", {{"Retry-After", "95"}});
  const Job held = h.job("eu");
  CHECK(held.state == JobState::kRetrying);
  CHECK_FALSE(held.nextAttemptAt);  // not +70 s: the site may not be asked then
  CHECK(saysNoRequestFits(held));
  CHECK(held.lastError->find("rate limit") != std::string::npos);
  h.advance(95 * kSecond);
  CHECK(h.executor.sent.empty());
  h.advance(5 * kSecond);
  CHECK(h.job("eu").state == JobState::kExpired);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a job held back by its site's rate limit past its last moment stops asking, saying why") {
  Harness h;
  h.start();
  h.writeJob("long", jobJson("site-a"));
  h.answer(h.executor.take(), 429, "", {{"Retry-After", "95"}});  // site-a closed until +95 s
  h.writeJob("eu", closingJob("site-a"));
  CHECK(h.executor.sent.empty());
  const Job held = h.job("eu");
  CHECK(held.state == JobState::kQueued);
  CHECK_FALSE(held.nextAttemptAt);
  CHECK(saysNoRequestFits(held));
  CHECK(held.lastError->find("rate limit") != std::string::npos);
  CHECK(historyHas(h, "eu", "no-time-left"));
  h.advance(95 * kSecond);
  REQUIRE(h.executor.sent.size() == 1);
  CHECK(h.executor.take().jobName == "long");  // only the job with time left
}

TEST_CASE("Engine: a job that can poll no more before its deadline says why") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.submitOk("u-1");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"IN_PROGRESS"})");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"IN_PROGRESS"})");
  h.advance(10 * kSecond);  // +70 s, the last poll
  h.answer(h.executor.take(), 200, R"({"status":"IN_PROGRESS"})");
  const Job job = h.job("eu");
  CHECK(job.state == JobState::kRunning);
  CHECK_FALSE(job.nextAttemptAt);
  CHECK(saysNoRequestFits(job));
}

TEST_CASE("Engine: a resume after the last moment a request may start keeps saying why nothing is sent") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob());
  h.answer(h.executor.take(), 401, R"({"errorMessage":"Unauthorized"})");
  REQUIRE(h.job("eu").state == JobState::kPaused);
  h.clock.advance(80 * kSecond);
  SUBCASE("a new token") { h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"}); }
  SUBCASE("SIGHUP") { h.engine->reload(h.settings, Credentials{"ops@acme.example", "token-1"}); }
  h.engine->step();
  const Job job = h.job("eu");
  CHECK(job.state == JobState::kQueued);
  CHECK_FALSE(job.nextAttemptAt);
  CHECK(saysNoRequestFits(job));
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a job that can send nothing more is not paused by rejected credentials, and keeps its reason") {
  Harness h;
  h.start();
  h.writeJob("eu", closingJob("site-a"));
  h.writeJob("us", jobJson("site-b"));
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // eu retrying, next at +30 s
  Dispatch us = h.executor.take();
  h.advance(30 * kSecond);
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // next at +70 s, the last
  h.advance(40 * kSecond);
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // no time for more
  REQUIRE_FALSE(h.job("eu").nextAttemptAt);
  const std::string reason = *h.job("eu").lastError;
  h.answer(us, 401, R"({"errorMessage":"Unauthorized"})");
  CHECK(h.job("us").state == JobState::kPaused);
  CHECK(h.job("eu").state == JobState::kRetrying);
  CHECK(*h.job("eu").lastError == reason);
  h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
  h.engine->step();
  CHECK(*h.job("eu").lastError == reason);
  CHECK(h.executor.take().jobName == "us");
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a failed step gives back its slots exactly: the answers it took count once") {
  Harness h;
  Dispatch submit = oneSlotTakenByEu(h, jobJson("site-a"));
  h.writeJob("us", jobJson("site-b"));  // waits for the slot
  {
    auto other = h.otherConnection();
    JobStore::Transaction lock(*other);  // the engine cannot write
    h.deliver(submit, 200, R"({"uuid":"u-1"})");
    CHECK_THROWS_AS(h.engine->step(), StoreError);
    CHECK(h.executor.sent.empty());
  }
  h.engine->step();  // the answer again, then us in the freed slot
  CHECK(h.job("eu").state == JobState::kRunning);
  REQUIRE(h.executor.sent.size() == 1);
  Dispatch us = h.executor.take();
  CHECK(us.jobName == "us");
  h.writeJob("fr", jobJson("site-c"));
  h.advance(30 * kSecond);
  CHECK(h.executor.sent.empty());  // one slot, taken by us
  h.answer(us, 200, R"({"uuid":"u-2"})");
  REQUIRE(h.executor.sent.size() == 1);  // then one request at a time again
}

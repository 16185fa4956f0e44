// The state machine of interface.md, driven through the Engine with an
// injected clock and executor.
#include "EngineHarness.h"
#include "Scenarios.h"

using namespace enginetest;

TEST_CASE("Engine: a new job file is submitted, polled and succeeds") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  CHECK(h.job("eu").state == JobState::kQueued);
  Dispatch submit = h.executor.take();
  CHECK(submit.kind == RequestKind::kSubmit);
  CHECK(submit.request.url == "https://api.example/links/v1/site-a/jobs/cma");
  CHECK(submit.request.body.find("\"recreateAsRemote\":true") != std::string::npos);
  CHECK(h.job("eu").submitting);
  CHECK(h.job("eu").attempts == 1);
  h.answer(submit, 200, R"({"uuid":"u-1"})");
  Job running = h.job("eu");
  CHECK(running.state == JobState::kRunning);
  CHECK(running.remoteJobId == "u-1");
  CHECK_FALSE(running.submitting);
  CHECK(running.nextAttemptAt == kStart + 30 * kSecond);

  h.advance(29 * kSecond);
  CHECK(h.executor.sent.empty());  // not before the poll interval
  h.advance(1 * kSecond);
  Dispatch poll = h.executor.take();
  CHECK(poll.kind == RequestKind::kPoll);
  CHECK(poll.request.url == "https://api.example/links/v1/site-a/jobs/status/u-1");
  h.answer(poll, 200, R"({"status":"IN_PROGRESS"})");
  CHECK(h.job("eu").remoteStatus == "IN_PROGRESS");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"COMPLETE"})");
  CHECK(h.job("eu").state == JobState::kSucceeded);
  h.advance(3600 * kSecond);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a job whose window has closed expires at ingestion without any request") {
  Harness h;
  h.start();
  h.writeJob("late", jobJson("site-a", "", "2025-11-01T00:00:00Z"));
  Job late = h.job("late");
  CHECK(late.state == JobState::kExpired);
  CHECK(late.lastError->find("no request was sent") != std::string::npos);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: an invalid file names the field and becomes valid when fixed") {
  Harness h;
  h.start();
  h.writeJob("bad", R"({"siteId":"s","productURL":"http://x"})");
  Job bad = h.job("bad");
  CHECK(bad.state == JobState::kInvalid);
  CHECK(bad.lastError->find("productURL") != std::string::npos);
  CHECK(h.executor.sent.empty());
  h.writeJob("bad", jobJson());
  CHECK(h.job("bad").state == JobState::kQueued);
  CHECK(h.executor.take().kind == RequestKind::kSubmit);
}

TEST_CASE("Engine: transient failures back off exactly and stop at maxAttempts") {
  Harness h;
  h.settings.retry.maxAttempts = 3;
  h.start();
  h.writeJob("eu", jobJson());
  h.fail(h.executor.take(), TransportError::kConnectionReset);
  Job first = h.job("eu");
  CHECK(first.state == JobState::kRetrying);
  CHECK(first.nextAttemptAt == kStart + 30 * kSecond);
  CHECK(first.lastError == "fake connection-reset");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 502, "bad gateway");
  CHECK(h.job("eu").nextAttemptAt == kStart + 30 * kSecond + 60 * kSecond);
  h.advance(59 * kSecond);
  CHECK(h.executor.sent.empty());
  h.advance(1 * kSecond);
  h.answer(h.executor.take(), 200, "{\"uuid\":");  // truncated 200: transient
  Job failed = h.job("eu");
  CHECK(failed.state == JobState::kFailed);
  CHECK(failed.attempts == 3);
  CHECK(failed.lastError->find("gave up after 3 attempts") != std::string::npos);
}

TEST_CASE("Engine: one attempt used up is said in the singular") {
  Harness h;
  h.settings.retry.maxAttempts = 1;
  h.start();
  h.writeJob("eu", jobJson());
  h.answer(h.executor.take(), 502, "bad gateway");
  const Job failed = h.job("eu");
  CHECK(failed.state == JobState::kFailed);
  CHECK(failed.lastError->find("gave up after 1 attempt (relinkd.retry.maxAttempts)") != std::string::npos);
}

TEST_CASE("Engine: a permanent error fails the job with the server's message and is not retried") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.answer(h.executor.take(), 403, R"({"errorMessage":"You are not an organization admin"})");
  Job failed = h.job("eu");
  CHECK(failed.state == JobState::kFailed);
  CHECK(failed.lastError->find("You are not an organization admin") != std::string::npos);
  h.advance(14 * kDay);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a 429 holds back every job of the site until Retry-After, without using an attempt") {
  Harness h;
  h.start();
  h.writeJob("a1", jobJson("site-a"));
  h.answer(h.executor.take(), 429, "", {{"Retry-After", "120"}});
  CHECK(h.job("a1").attempts == 0);
  CHECK(h.job("a1").nextAttemptAt == kStart + 120 * kSecond);
  h.writeJob("a2", jobJson("site-a"));
  h.writeJob("b1", jobJson("site-b"));
  REQUIRE(h.executor.sent.size() == 1);  // only the other site
  CHECK(h.executor.take().jobName == "b1");
  h.advance(119 * kSecond);
  CHECK(h.executor.sent.empty());
  h.advance(1 * kSecond);
  CHECK(h.executor.sent.size() == 2);
}

TEST_CASE("Engine: a 401 pauses every job until the token changes, without using an attempt") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  Dispatch a = h.executor.take();
  h.submitOk("u-b");  // b is running
  h.answer(a, 401, R"({"errorMessage":"Unauthorized; scope does not match"})");
  CHECK(h.job("a").state == JobState::kPaused);
  CHECK(h.job("a").attempts == 0);
  CHECK(h.job("b").state == JobState::kPaused);
  CHECK(h.job("a").lastError->find("Unauthorized") != std::string::npos);
  h.writeJob("c", jobJson("site-c"));
  CHECK(h.job("c").state == JobState::kPaused);
  h.advance(3600 * kSecond);
  CHECK(h.executor.sent.empty());

  h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
  h.engine->step();
  CHECK(h.job("a").state == JobState::kQueued);
  CHECK(h.job("b").state == JobState::kRunning);
  CHECK(h.executor.sent.size() == 3);
}

TEST_CASE("Engine: a remote Error is submitted again as a new attempt") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"ERROR"})");
  Job retrying = h.job("eu");
  CHECK(retrying.state == JobState::kRetrying);
  CHECK_FALSE(retrying.remoteJobId);
  CHECK(retrying.nextAttemptAt == kStart + 60 * kSecond);
  h.advance(30 * kSecond);
  Dispatch again = h.executor.take();
  CHECK(again.kind == RequestKind::kSubmit);
  h.answer(again, 200, R"({"uuid":"u-2"})");
  CHECK(h.job("eu").attempts == 2);
  CHECK(h.job("eu").remoteJobId == "u-2");
}

TEST_CASE("Engine: a failing status poll is retried without resubmitting") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  h.advance(30 * kSecond);
  h.fail(h.executor.take(), TransportError::kTimeout);
  CHECK(h.job("eu").state == JobState::kRunning);
  CHECK(h.job("eu").attempts == 1);
  h.advance(30 * kSecond);
  Dispatch poll = h.executor.take();
  CHECK(poll.kind == RequestKind::kPoll);
  h.answer(poll, 200, R"({"status":"Complete"})");
  CHECK(h.job("eu").state == JobState::kSucceeded);
  CHECK_FALSE(h.job("eu").lastError);
}

TEST_CASE("Engine: retries near the deadline schedule a last attempt, then the job expires") {
  Harness h;
  // migratedAt so that the window closes 100 s after the start.
  h.start();
  h.writeJob("eu", jobJson("site-a", "", formatTime(kStart - 14 * kDay + 100 * kSecond)));
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // next at +30 s
  h.advance(30 * kSecond);
  h.fail(h.executor.take(), TransportError::kConnectionRefused);  // +60 s would pass: last call at +70 s
  CHECK(h.job("eu").nextAttemptAt == kStart + 70 * kSecond);
  h.advance(40 * kSecond);
  h.fail(h.executor.take(), TransportError::kConnectionRefused);
  CHECK_FALSE(h.job("eu").nextAttemptAt);
  CHECK(h.job("eu").state == JobState::kRetrying);
  h.advance(29 * kSecond);
  CHECK(h.executor.sent.empty());
  h.advance(1 * kSecond);
  CHECK(h.job("eu").state == JobState::kExpired);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a wall-clock jump neither bursts requests nor skips the deadline check") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b", "", "2025-11-10T16:10:00Z"));  // closes 10 min after start
  h.fail(h.executor.take(), TransportError::kTimeout);
  h.fail(h.executor.take(), TransportError::kTimeout);
  h.clock.jumpWall(3600 * kSecond);
  h.engine->step();
  CHECK(h.job("b").state == JobState::kExpired);
  CHECK(h.job("a").state == JobState::kRetrying);
  CHECK(h.executor.sent.empty());  // a's retry is still 30 s of monotonic time away
  h.advance(30 * kSecond);
  CHECK(h.executor.sent.size() == 1);
}

TEST_CASE("Engine: at most `concurrency` requests are in flight") {
  Harness h;
  h.settings.concurrency = 2;
  h.start();
  for (const char* name : {"a", "b", "c"}) h.writeJob(name, jobJson(std::string("site-") + name));
  CHECK(h.executor.sent.size() == 2);
  h.submitOk("u-a");
  CHECK(h.executor.sent.size() == 2);  // c goes once a slot is free
}

TEST_CASE("Engine: a crash during a submission submits again at the next start") {
  Harness h;
  scenarios::crashDuringSubmissionSubmitsAgain(h);
}

TEST_CASE("Engine: the job file is a declaration") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  SUBCASE("changed content restarts the job and keeps its history") {
    h.writeJob("eu", jobJson("site-a", R"(,"createBackup":true)"));
    Job restarted = h.job("eu");
    CHECK(restarted.state == JobState::kQueued);
    CHECK_FALSE(restarted.remoteJobId);
    CHECK(restarted.attempts == 1);  // counted afresh: the new content's first submission
    Dispatch submit = h.executor.take();
    CHECK(submit.request.body.find("\"createBackup\":true") != std::string::npos);
    auto history = h.store->history("eu");
    CHECK(history.front().action == "created");
    bool changed = false;
    for (const HistoryEntry& entry : history) changed |= entry.action == "file-changed";
    CHECK(changed);
    CHECK(history.back().action == "submit");
  }
  SUBCASE("a removed file cancels an unfinished job") {
    h.removeJob("eu");
    Job cancelled = h.job("eu");
    CHECK(cancelled.state == JobState::kCancelled);
    CHECK(cancelled.lastError->find("no longer polled") != std::string::npos);
    h.advance(3600 * kSecond);
    CHECK(h.executor.sent.empty());
  }
  SUBCASE("changes made while stopped are found at the next start") {
    h.engine.reset();
    h.putFile("new.json", jobJson("site-n"));
    h.deleteFile("eu.json");
    h.restart();
    CHECK(h.job("eu").state == JobState::kCancelled);
    CHECK(h.job("new").state == JobState::kQueued);
  }
}

TEST_CASE("Engine: relinkctl's cancel wins over an answer in flight") {
  Harness h;
  scenarios::operatorCancelWinsOverAnswerInFlight(h);
}

TEST_CASE("Engine: a store that cannot be written loses no answer and no file event") {
  Harness h;
  scenarios::lockedStoreLosesNoAnswerNorFileEvent(h);
}

TEST_CASE("Engine: a job paused while its submission was in flight resumes after a restart") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  Dispatch a = h.executor.take();
  Dispatch b = h.executor.take();
  h.answer(b, 401, "{}");
  CHECK(h.job("b").state == JobState::kPaused);
  CHECK(h.job("a").submitting);  // left alone while its request is out
  h.restart();  // a's answer never came; its submission was in flight
  CHECK(h.job("a").state == JobState::kQueued);
  CHECK(h.job("a").attempts == 1);  // the interrupted submission, sent again
  CHECK(h.executor.sent.size() == 2);  // a again, and b resumed
}

TEST_CASE("Engine: a job whose submission is out when the credentials are rejected pauses with its answer") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  Dispatch a = h.executor.take();
  h.answer(h.executor.take(), 401, "{}");
  h.answer(a, 200, R"({"uuid":"u-a"})");  // not dropped as stale: its remote job is kept
  Job paused = h.job("a");
  CHECK(paused.state == JobState::kPaused);
  CHECK(paused.remoteJobId == "u-a");
  CHECK_FALSE(paused.submitting);
  HistoryEntry entry;
  CHECK(applyRetry(paused, h.clock.wallNow(), entry).allowed);  // the operator may retry it
  h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
  h.engine->step();
  CHECK(h.job("a").state == JobState::kRunning);  // polls u-a, never submits again
}

TEST_CASE("Engine: a token change that meets a store failure still resumes the paused jobs") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson());
  h.answer(h.executor.take(), 401, "{}");
  REQUIRE(h.job("a").state == JobState::kPaused);
  auto other = h.otherConnection();
  {
    JobStore::Transaction lock(*other);
    h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
    CHECK_THROWS_AS(h.engine->step(), StoreError);
  }
  h.engine->step();
  CHECK(h.job("a").state == JobState::kQueued);
  CHECK(h.executor.sent.size() == 1);
}

TEST_CASE("Engine: with every request slot taken, the scheduler sleeps until a completion") {
  Harness h;
  h.settings.concurrency = 1;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));  // due, but no slot
  CHECK(h.engine->step() > h.clock.monoNow());
}

TEST_CASE("Engine: a wall-clock step and a relinkctl write do not reopen a rate-limited site") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("c", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  Dispatch a = h.executor.take();
  Dispatch c = h.executor.take();
  Dispatch b = h.executor.take();
  h.answer(a, 429, "{}", {{"Retry-After", "3600"}});
  h.answer(c, 500, "{}");
  h.answer(b, 500, "{}");
  h.clock.jumpWall(3000 * kSecond);
  REQUIRE(h.byOperator("b", applyCancel).allowed);  // makes the engine read the store
  h.advance(1000);
  h.advance(601 * kSecond);
  CHECK(h.executor.sent.empty());  // site-a stays closed for the full hour
  h.advance(3000 * kSecond);
  CHECK(h.executor.sent.size() == 2);
}

TEST_CASE("Engine: an error body that echoes the credentials is redacted") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  // base64("ops@acme.example:token-1")
  h.answer(h.executor.take(), 400,
           R"({"errorMessage":"bad header Basic b3BzQGFjbWUuZXhhbXBsZTp0b2tlbi0x and token-1"})");
  const std::string error = *h.job("eu").lastError;
  CHECK(error.find("token-1") == std::string::npos);
  CHECK(error.find("b3BzQGFjbWUuZXhhbXBsZTp0b2tlbi0x") == std::string::npos);
  CHECK(error.find("[redacted]") != std::string::npos);
  for (const HistoryEntry& e : h.store->history("eu")) CHECK(e.detail.find("token-1") == std::string::npos);
}

TEST_CASE("Engine: without migratedAt the window counts from the first valid content") {
  Harness h;
  h.start();
  h.writeJob("eu", R"({"siteId":"s","productURL":"http://x"})");
  REQUIRE(h.job("eu").state == JobState::kInvalid);
  h.advance(5 * kDay);
  h.writeJob("eu", R"({"siteId":"s","productURL":"https://a.atlassian.net","destinationURL":"https://b.atlassian.net","migratedFrom":"https://jira.example"})");
  CHECK(h.job("eu").deadline == h.clock.wallNow() + 14 * kDay);
}

TEST_CASE("Engine: specs stay in the store, not in memory, and every submission still sends one") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  const std::optional<std::string> spec = h.store->specOf("eu");
  REQUIRE(spec);
  const JobList views = h.engine->jobs();
  REQUIRE(views.size() == 1);
  CHECK_FALSE(views[0]->specJson);  // what the scheduler holds
  CHECK(views[0]->specLeftOut);
  const Dispatch first = h.executor.take();
  CHECK(first.request.body.find("\"recreateAsRemote\":true") != std::string::npos);
  h.answer(first, 200, R"({"uuid":"u-1"})");
  h.advance(30 * kSecond);
  h.answer(h.executor.take(), 200, R"({"status":"ERROR"})");
  h.advance(30 * kSecond);
  const Dispatch second = h.executor.take();  // from a job the store saved three times without it
  CHECK(second.kind == RequestKind::kSubmit);
  CHECK(second.request.body == first.request.body);
  h.answer(second, 200, R"({"uuid":"u-2"})");
  CHECK(h.store->specOf("eu") == spec);
}

TEST_CASE("Engine: a migratedAt more than 1 h ahead of the scheduler's clock makes the job invalid") {
  Harness h;
  h.start();
  // kStart is 2025-11-24T16:00:00Z on the injected clock (the real one is past both).
  h.writeJob("ahead", jobJson("site-a", "", "2025-11-24T17:00:00.001Z"));
  const Job ahead = h.job("ahead");
  CHECK(ahead.state == JobState::kInvalid);
  CHECK(ahead.lastError->rfind("migratedAt: 2025-11-24T17:00:00.001Z is more than 1 h in the future", 0) == 0);
  h.writeJob("skewed", jobJson("site-b", "", "2025-11-24T17:00:00Z"));
  CHECK(h.job("skewed").state == JobState::kQueued);
  CHECK(h.executor.take().request.url.find("/site-b/") != std::string::npos);
  CHECK(h.executor.sent.empty());
}

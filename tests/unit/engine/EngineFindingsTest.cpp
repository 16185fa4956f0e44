// Regression tests for what a review of the engine found (issue 7): each
// failed on the engine before the rewrite.
#include "EngineHarness.h"
#include "Scenarios.h"

using namespace enginetest;

namespace {

std::string authorizationOf(const Dispatch& dispatch) {
  for (const auto& [name, value] : dispatch.request.headers)
    if (name == "Authorization") return value;
  return "";
}

}  // namespace

TEST_CASE("Engine: a 401 to a request sent with the old token does not pause anything") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a"));
  h.writeJob("us", jobJson("site-b"));
  Dispatch old = h.executor.take();
  h.submitOk("u-us");
  h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
  h.engine->step();
  h.answer(old, 401, R"({"errorMessage":"Unauthorized"})");
  CHECK(h.job("eu").state == JobState::kQueued);
  CHECK(h.job("us").state == JobState::kRunning);
  CHECK_FALSE(h.engine->paused());
  Dispatch again = h.executor.take();  // sent again at once, with the new token
  CHECK(again.kind == RequestKind::kSubmit);
  CHECK(authorizationOf(again) != authorizationOf(old));
  CHECK(h.job("eu").attempts == 1);
  h.answer(again, 401, R"({"errorMessage":"Unauthorized"})");  // the new token is refused too
  CHECK(h.job("eu").state == JobState::kPaused);
  CHECK(h.job("us").state == JobState::kPaused);
}

TEST_CASE("Engine: a job file that cannot be read for a while leaves its job as it was") {
  Harness h;
  h.settings.fileRetryMs = 5 * kSecond;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  h.source->failReads["eu.json"] = "cannot be read: Input/output error";
  h.engine->fileChanged("eu.json");
  h.engine->step();
  Job kept = h.job("eu");
  CHECK(kept.state == JobState::kRunning);
  CHECK(kept.remoteJobId == "u-1");
  CHECK(kept.attempts == 1);
  const int readsBefore = h.source->reads["eu.json"];
  h.advance(5 * kSecond);  // read again, still failing: still running
  CHECK(h.source->reads["eu.json"] == readsBefore + 1);
  CHECK(h.job("eu").state == JobState::kRunning);
  h.source->failReads.clear();
  h.advance(5 * kSecond);  // readable again, same content: nothing to do
  CHECK(h.source->reads["eu.json"] == readsBefore + 2);
  CHECK(h.job("eu").remoteJobId == "u-1");
  h.advance(30 * kSecond);
  Dispatch poll = h.executor.take();
  CHECK(poll.kind == RequestKind::kPoll);  // never submitted again
}

TEST_CASE("Engine: a job directory that goes away cancels nothing, and polls and expiry go on") {
  Harness h;
  scenarios::directoryGoneCancelsNothing(h);
}

TEST_CASE("Engine: relinkctl retry during a submission in flight is refused, and the answer counts") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.fail(h.executor.take(), TransportError::kConnectionReset);
  h.advance(30 * kSecond);
  Dispatch second = h.executor.take();  // retrying, its second submission in flight
  REQUIRE(h.job("eu").state == JobState::kRetrying);
  const ActionResult result = h.byOperator("eu", applyRetry);
  CHECK_FALSE(result.allowed);
  CHECK(result.why.find("submission of this job is in flight") != std::string::npos);
  h.answer(second, 200, R"({"uuid":"u-2"})");
  CHECK(h.job("eu").remoteJobId == "u-2");
  CHECK(h.job("eu").attempts == 2);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine: a stored spec that no longer parses makes the job invalid instead of spinning") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.fail(h.executor.take(), TransportError::kConnectionReset);
  auto ctl = h.otherConnection();
  Job job = *ctl->find("eu");
  job.specJson = "{\"siteId\":";  // as a hand-edited database might hold
  REQUIRE(ctl->save(job, std::nullopt));
  h.clock.advance(30 * kSecond);
  const MonoMs next = h.engine->step();
  CHECK(next > h.clock.monoNow());  // no spin: nothing is due at once
  CHECK(h.executor.sent.empty());
  Job invalid = h.job("eu");
  CHECK(invalid.state == JobState::kInvalid);
  CHECK(invalid.lastError->find("stored content can no longer be read") != std::string::npos);
}

TEST_CASE("Engine: a rescan reads only the files whose stamp changed") {
  Harness h;
  scenarios::rescanReadsOnlyChangedFiles(h);
}

TEST_CASE("Engine: a first scan asked to stop keeps what it stored, and the next start goes on") {
  Harness h;
  scenarios::firstScanStoppedKeepsWhatItStored(h);
}

TEST_CASE("Engine: without a token every job pauses, saying why, and resumes when a token is back") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.submitOk("u-a");  // running
  h.engine->credentialsChanged(Credentials{"ops@acme.example", "", "the token file /etc/relinkd/api-token is missing"});
  h.engine->step();
  const Job paused = h.job("a");
  CHECK(paused.state == JobState::kPaused);
  CHECK(paused.lastError->find("the token file /etc/relinkd/api-token is missing; nothing is sent without credentials") !=
        std::string::npos);
  h.writeJob("b", jobJson("site-b"));
  CHECK(h.job("b").state == JobState::kPaused);
  CHECK(h.job("b").lastError->find("is missing") != std::string::npos);
  h.advance(3600 * kSecond);
  CHECK(h.executor.sent.empty());
  // relinkctl retry re-arms it, but without a token nothing goes out.
  CHECK(h.byOperator("a", applyRetry).allowed);
  h.advance(1 * kSecond);
  CHECK(h.executor.sent.empty());
  CHECK(h.job("a").state == JobState::kPaused);
  CHECK(h.job("a").lastError->find("is missing") != std::string::npos);
  // The same token as before it went: a change all the same.
  h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-1"});
  h.engine->step();
  CHECK(h.job("a").state == JobState::kRunning);
  CHECK(h.job("b").state == JobState::kQueued);
  CHECK(h.executor.sent.size() == 2);  // a polled, b submitted
}

TEST_CASE("Engine: a job whose row another program deleted is forgotten, not due for ever") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.fail(h.executor.take(), TransportError::kConnectionReset);  // retrying, due again in 30 s
  h.deleteRow("eu");
  SUBCASE("at its next submission") {
    h.clock.advance(30 * kSecond);
  }
  SUBCASE("at its deadline (once this looped for ever)") {
    h.clock.advance(14 * kDay);
  }
  const MonoMs next = h.engine->step();
  CHECK(next > h.clock.monoNow());
  CHECK(h.executor.sent.empty());
  CHECK(h.engine->jobs().empty());
  CHECK_FALSE(h.store->find("eu"));
}

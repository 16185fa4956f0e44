// Scenarios that run twice: on the in-memory store and directory (Harness,
// unit_engine) and on a real SQLite file and directory (DiskHarness,
// unit_engine_store), since the engine must behave the same on both. Each is
// written once, as a function template over the harness, and each binary
// names it in a TEST_CASE of its own. What differs between the two harnesses
// each provides under the same name: otherConnection() (a connection of its
// own, as relinkctl opens), moveDirectoryAway() / bringDirectoryBack(), and
// source->reads (how often each file was read).
// Not thread-safe: a test drives its harness from one thread.
#pragma once

#include <string>

#include "EngineDriver.h"

namespace enginetest::scenarios {

template <class H>
void crashDuringSubmissionSubmitsAgain(H& h) {
  h.start();
  h.writeJob("eu", jobJson());
  REQUIRE(h.executor.sent.size() == 1);
  CHECK(h.job("eu").submitting);
  h.restart();  // the answer never came
  Dispatch again = h.executor.take();
  CHECK(again.kind == RequestKind::kSubmit);
  CHECK(h.job("eu").attempts == 1);
  h.answer(again, 200, R"({"uuid":"u-1"})");
  h.restart();  // a running job is polled again
  h.advance(30 * kSecond);
  CHECK(h.executor.take().kind == RequestKind::kPoll);
}

template <class H>
void firstScanStoppedKeepsWhatItStored(H& h) {
  for (int i = 0; i < 300; ++i) h.putFile("j" + std::to_string(i) + ".json", jobJson());
  h.makeEngine();
  int asked = 0;
  CHECK_FALSE(h.engine->start([&] { return ++asked >= 1; }));
  CHECK(asked == 1);
  CHECK(h.store->all().size() == 256);  // one whole transaction's worth, no half-written job
  CHECK(h.executor.sent.empty());
  h.restart();
  CHECK(h.store->all().size() == 300);
}

template <class H>
void operatorCancelWinsOverAnswerInFlight(H& h) {
  h.start();
  h.writeJob("eu", jobJson());
  Dispatch submit = h.executor.take();
  REQUIRE(h.byOperator("eu", applyCancel).allowed);
  h.answer(submit, 200, R"({"uuid":"u-1"})");
  CHECK(h.job("eu").state == JobState::kCancelled);
  h.advance(3600 * kSecond);
  CHECK(h.executor.sent.empty());
}

// Another connection holds the write lock while an answer and a file event
// come in: the step fails, and the next one, once the lock is gone, does
// both.
template <class H>
void lockedStoreLosesNoAnswerNorFileEvent(H& h) {
  h.start();
  h.writeJob("eu", jobJson());
  Dispatch submit = h.executor.take();

  auto other = h.otherConnection();
  {
    JobStore::Transaction lock(*other);  // BEGIN IMMEDIATE: the engine cannot write
    h.deliver(submit, 200, R"({"uuid":"u-1"})");
    h.putFile("us.json", jobJson("site-u"));
    h.engine->fileChanged("us.json");
    CHECK_THROWS_AS(h.engine->step(), StoreError);
    CHECK(h.job("eu").submitting);
  }  // rolled back: the lock is gone
  h.engine->step();
  CHECK(h.job("eu").state == JobState::kRunning);
  CHECK(h.job("eu").remoteJobId == "u-1");
  CHECK(h.job("us").state == JobState::kQueued);
  CHECK(h.executor.take().jobName == "us");
}

template <class H>
void rescanReadsOnlyChangedFiles(H& h) {
  h.settings.rescanIntervalMs = 10 * kSecond;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  const int aReads = h.source->reads["a.json"];
  h.advance(10 * kSecond);  // the first rescan stores the settled stamps
  h.advance(10 * kSecond);
  h.advance(10 * kSecond);
  CHECK(h.source->reads["a.json"] <= aReads + 1);
  h.putFile("b.json", jobJson("site-c"));  // no event
  const int bReads = h.source->reads["b.json"];
  h.advance(10 * kSecond);
  CHECK(h.source->reads["b.json"] == bReads + 1);
  CHECK(h.job("b").siteId == "site-c");
}

template <class H>
void directoryGoneCancelsNothing(H& h) {
  h.settings.rescanIntervalMs = 10 * kSecond;
  h.start();
  h.writeJob("eu", jobJson());
  h.writeJob("old", jobJson("site-b", "", formatTime(kStart - 14 * kDay + 40 * kSecond)));
  h.submitOk("u-1");
  h.submitOk("u-2");
  h.moveDirectoryAway();
  h.engine->rescan();
  h.engine->fileChanged("eu.json");  // as the watcher reports a moved-away directory's files
  h.engine->step();
  CHECK(h.job("eu").state == JobState::kRunning);
  h.advance(30 * kSecond);
  CHECK(h.executor.take().kind == RequestKind::kPoll);  // polling went on
  h.advance(10 * kSecond);
  CHECK(h.job("old").state == JobState::kExpired);  // and so did expiry
  CHECK(h.job("eu").state == JobState::kRunning);
  h.bringDirectoryBack();
  h.advance(10 * kSecond);
  CHECK(h.job("eu").state == JobState::kRunning);
  CHECK(h.job("eu").fileHash);
}

}  // namespace enginetest::scenarios

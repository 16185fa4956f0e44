// A job directory that fills with many files at once: they are taken up a
// few per step (kFilesPerStep), and answers, polls and expiry go on between.
#include "EngineHarness.h"

using namespace enginetest;

namespace {

constexpr int kBurst = 3 * kFilesPerStep + 10;

std::string burstName(int i) { return "burst-" + std::to_string(1000 + i); }

void writeBurst(Harness& h, bool withEvents) {
  for (int i = 0; i < kBurst; ++i) {
    h.putFile(burstName(i) + ".json", jobJson("site-b"));
    if (withEvents) h.engine->fileChanged(burstName(i) + ".json");
  }
}

std::size_t stored(Harness& h) { return h.store->all().size(); }

// a is running and its poll is out.
Dispatch runningWithPollOut(Harness& h) {
  h.writeJob("a", jobJson("site-a"));
  h.submitOk("uuid-a");
  h.advance(h.settings.pollIntervalMs);
  Dispatch poll = h.executor.take();
  REQUIRE(poll.kind == RequestKind::kPoll);
  return poll;
}

}  // namespace

TEST_CASE("Engine: files that arrive by the hundred are read a step's share at a time, answers first") {
  Harness h;
  h.start();
  Dispatch poll = runningWithPollOut(h);
  writeBurst(h, true);

  // The answer that came in with the burst is handled in the first step.
  h.deliver(poll, 200, R"({"status":"COMPLETE"})");
  const MonoMs next = h.engine->step();
  CHECK(h.job("a").state == JobState::kSucceeded);
  CHECK(stored(h) == 1 + kFilesPerStep);
  CHECK(next == h.clock.monoNow());  // more to read: the next step comes at once
  // The jobs taken up are submitted in that step already.
  CHECK(h.executor.sent.size() == static_cast<std::size_t>(h.settings.concurrency));

  h.engine->step();
  CHECK(stored(h) == 1 + 2 * kFilesPerStep);
  h.engine->step();
  h.engine->step();
  CHECK(stored(h) == 1 + kBurst);
  CHECK(h.engine->step() > h.clock.monoNow());  // nothing left: the loop may wait
  for (int i = 0; i < kBurst; ++i) CHECK(h.job(burstName(i)).state == JobState::kQueued);
}

TEST_CASE("Engine: a rescan that finds hundreds of new files reads them a step's share at a time") {
  Harness h;
  h.settings.rescanIntervalMs = 10 * kSecond;
  h.start();
  writeBurst(h, false);  // no events: only the rescan finds them
  h.advance(10 * kSecond);
  CHECK(stored(h) == kFilesPerStep);
  int steps = 1;
  while (stored(h) < static_cast<std::size_t>(kBurst)) {
    REQUIRE(steps < 10);
    h.engine->step();
    ++steps;
  }
  CHECK(steps == (kBurst + kFilesPerStep - 1) / kFilesPerStep);
  const int reads = h.source->reads[burstName(0) + ".json"];
  h.advance(10 * kSecond);  // the next rescan: nothing new to read
  CHECK(h.source->reads[burstName(0) + ".json"] <= reads + 1);
  CHECK(stored(h) == static_cast<std::size_t>(kBurst));
}

TEST_CASE("Engine: a start that cannot write recovers an interrupted submission at the first step that can") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  REQUIRE(h.executor.take().kind == RequestKind::kSubmit);  // sent; relinkd dies before the answer
  REQUIRE(h.job("a").submitting);
  REQUIRE(h.job("a").attempts == 1);
  h.engine.reset();
  h.store.reset();
  h.putFile("b.json", jobJson("site-b"));  // written while it was down

  h.makeEngine();
  h.database.failWrites(StoreError::Cause::kFull);  // tests/unit/engine_store: another process's lock
  CHECK_THROWS_AS(h.engine->start(), StoreError);
  for (int i = 0; i < 3; ++i) {
    CHECK_THROWS_AS(h.engine->step(), StoreError);
    h.clock.advance(kSecond);
  }
  CHECK(h.executor.sent.empty());  // nothing before the recovery is written

  h.database.failWrites(std::nullopt);
  h.engine->step();
  h.engine->step();  // b, found by the scan, is read a step later
  const Job a = h.job("a");
  CHECK(a.attempts == 1);  // the interrupted submission is sent again, and counted once
  CHECK(a.submitting);
  CHECK(h.store->lastHistory("a")->action == "submit");
  int recovered = 0;
  for (const HistoryEntry& entry : h.store->history("a")) recovered += entry.action == "recover";
  CHECK(recovered == 1);
  CHECK(h.job("b").state != JobState::kInvalid);
  int submits = 0;
  for (const Dispatch& sent : h.executor.sent) submits += sent.kind == RequestKind::kSubmit;
  CHECK(submits == 2);
}

// A job directory that fills with many files at once: they are taken up a
// few per step (kFilesPerStep), and answers, polls and expiry go on between.
#include <fstream>

#include <sqlite3.h>

#include "EngineHarness.h"

using namespace enginetest;

namespace {

constexpr int kBurst = 3 * kFilesPerStep + 10;

std::string burstName(int i) { return "burst-" + std::to_string(1000 + i); }

void writeBurst(Harness& h, bool withEvents) {
  for (int i = 0; i < kBurst; ++i) {
    std::ofstream(h.jobsDir + "/" + burstName(i) + ".json", std::ios::binary) << jobJson("site-b");
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
  HttpResult result;
  result.response.status = 200;
  result.response.body = R"({"status":"COMPLETE"})";
  h.engine->complete(Completion{poll, result});
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

namespace {

// Another process's write lock on the database, as a sqlite3 shell in a
// transaction holds it.
class ForeignLock {
 public:
  explicit ForeignLock(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~ForeignLock() { release(); }
  void release() {
    if (!db_) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

TEST_CASE("Engine: a start that cannot write recovers an interrupted submission at the first step that can") {
  Harness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  REQUIRE(h.executor.take().kind == RequestKind::kSubmit);  // sent; relinkd dies before the answer
  REQUIRE(h.job("a").submitting);
  REQUIRE(h.job("a").attempts == 1);
  h.engine.reset();
  h.store.reset();
  std::ofstream(h.jobsDir + "/b.json", std::ios::binary) << jobJson("site-b");  // written while it was down

  h.store = std::make_unique<SqliteJobStore>(h.dir.file("relinkd.db"));
  h.store->setBusyTimeout(10);
  h.source = std::make_unique<FlakySource>(h.jobsDir, h.fileClock);
  h.engine = std::make_unique<Engine>(h.settings, *h.store, *h.source, h.clock, h.executor, h.random,
                                      Credentials{"ops@acme.example", "token-1"});
  ForeignLock lock(h.dir.file("relinkd.db"));
  CHECK_THROWS_AS(h.engine->start(), StoreError);
  for (int i = 0; i < 3; ++i) {
    CHECK_THROWS_AS(h.engine->step(), StoreError);
    h.clock.advance(kSecond);
  }
  CHECK(h.executor.sent.empty());  // nothing before the recovery is written

  lock.release();
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

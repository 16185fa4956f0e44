// The engine with the real store and directory: what only a real SQLite
// file and real files can show. One test each for a restart from the file,
// a first scan cut short, another process's lock, relinkctl's writes
// through its own connection, and real file stamps and directories. Most
// are scenarios of the in-memory tests (Scenarios.h) run again here.
#include <sqlite3.h>

#include "DiskHarness.h"
#include "Scenarios.h"

using namespace enginetest;

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

TEST_CASE("Engine+SQLite: a crash during a submission submits again at the next start") {
  DiskHarness h;
  scenarios::crashDuringSubmissionSubmitsAgain(h);
}

TEST_CASE("Engine+SQLite: a first scan asked to stop keeps what it stored, and the next start goes on") {
  DiskHarness h;
  scenarios::firstScanStoppedKeepsWhatItStored(h);
}

TEST_CASE("Engine+SQLite: a start that cannot write recovers an interrupted submission at the first step that can") {
  DiskHarness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  REQUIRE(h.executor.take().kind == RequestKind::kSubmit);  // sent; relinkd dies before the answer
  h.engine.reset();
  h.store.reset();
  h.putFile("b.json", jobJson("site-b"));  // written while it was down
  h.busyTimeoutMs = 10;  // each step gives up on the lock at once
  h.makeEngine();
  ForeignLock lock(h.dbPath);
  CHECK_THROWS_AS(h.engine->start(), StoreError);
  for (int i = 0; i < 3; ++i) {
    CHECK_THROWS_AS(h.engine->step(), StoreError);
    h.clock.advance(kSecond);
  }
  CHECK(h.executor.sent.empty());  // nothing before the recovery is written

  lock.release();
  h.engine->step();
  h.engine->step();  // b, found by the scan, is read a step later
  CHECK(h.job("a").attempts == 1);  // the interrupted submission is sent again, and counted once
  int recovered = 0;
  for (const HistoryEntry& entry : h.store->history("a")) recovered += entry.action == "recover";
  CHECK(recovered == 1);
  CHECK(h.job("b").state == JobState::kQueued);
  CHECK(h.executor.sent.size() == 2);
}

TEST_CASE("Engine+SQLite: a store locked by relinkctl loses no answer and no file event") {
  DiskHarness h;
  h.busyTimeoutMs = 10;  // the engine's step fails at once on relinkctl's lock
  scenarios::lockedStoreLosesNoAnswerNorFileEvent(h);
}

TEST_CASE("Engine+SQLite: relinkctl's cancel, written through its own connection, wins over an answer in flight") {
  DiskHarness h;
  scenarios::operatorCancelWinsOverAnswerInFlight(h);
}

TEST_CASE("Engine+SQLite: a rescan reads only the real files whose stamp changed") {
  DiskHarness h;
  scenarios::rescanReadsOnlyChangedFiles(h);
}

TEST_CASE("Engine+SQLite: a real job directory moved away cancels nothing") {
  DiskHarness h;
  scenarios::directoryGoneCancelsNothing(h);
}

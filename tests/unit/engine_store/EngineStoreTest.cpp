// The engine with the real store and directory: what only a real SQLite
// file and real files can show. One test each for a restart from the file,
// a first scan cut short, another process's lock, relinkctl's writes
// through its own connection, and real file stamps and directories.
#include <sqlite3.h>

#include <filesystem>

#include "DiskHarness.h"

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

TEST_CASE("Engine+SQLite: a first scan asked to stop keeps what it stored, and the next start goes on") {
  DiskHarness h;
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

TEST_CASE("Engine+SQLite: a start that cannot write recovers an interrupted submission at the first step that can") {
  DiskHarness h;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  REQUIRE(h.executor.take().kind == RequestKind::kSubmit);  // sent; relinkd dies before the answer
  h.engine.reset();
  h.store.reset();
  h.putFile("b.json", jobJson("site-b"));  // written while it was down
  h.makeEngine(10);
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
  h.start();
  h.store->setBusyTimeout(10);
  h.writeJob("eu", jobJson());
  Dispatch submit = h.executor.take();

  SqliteJobStore other(h.dbPath);
  other.setBusyTimeout(10);
  {
    JobStore::Transaction lock(other);  // BEGIN IMMEDIATE: the engine cannot write
    HttpResult ok;
    ok.response.status = 200;
    ok.response.body = R"({"uuid":"u-1"})";
    h.engine->complete(Completion{submit, ok});
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

TEST_CASE("Engine+SQLite: relinkctl's cancel, written through its own connection, wins over an answer in flight") {
  DiskHarness h;
  h.start();
  h.writeJob("eu", jobJson());
  Dispatch submit = h.executor.take();
  REQUIRE(h.byOperator("eu", applyCancel).allowed);
  h.answer(submit, 200, R"({"uuid":"u-1"})");
  CHECK(h.job("eu").state == JobState::kCancelled);
  h.advance(3600 * kSecond);
  CHECK(h.executor.sent.empty());
}

TEST_CASE("Engine+SQLite: a rescan reads only the real files whose stamp changed") {
  DiskHarness h;
  h.settings.rescanIntervalMs = 10 * kSecond;
  h.start();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  const int aReads = h.source->reads["a.json"];
  h.advance(10 * kSecond);
  h.advance(10 * kSecond);
  CHECK(h.source->reads["a.json"] <= aReads + 1);
  h.putFile("b.json", jobJson("site-c"));  // no event
  const int bReads = h.source->reads["b.json"];
  h.advance(10 * kSecond);
  CHECK(h.source->reads["b.json"] == bReads + 1);
  CHECK(h.job("b").siteId == "site-c");
}

TEST_CASE("Engine+SQLite: a real job directory moved away cancels nothing") {
  DiskHarness h;
  h.settings.rescanIntervalMs = 10 * kSecond;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  std::filesystem::rename(h.jobsDir, h.jobsDir + ".away");
  h.engine->rescan();
  h.engine->fileChanged("eu.json");  // as the watcher reports a moved-away directory's files
  h.engine->step();
  CHECK(h.job("eu").state == JobState::kRunning);
  std::filesystem::rename(h.jobsDir + ".away", h.jobsDir);
  h.advance(10 * kSecond);
  CHECK(h.job("eu").state == JobState::kRunning);
  CHECK(h.job("eu").fileHash);
}

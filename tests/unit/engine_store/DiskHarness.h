// The Engine on a real SQLite file and a real job directory, for the few
// tests whose point is the real parts: a restart from the file, another
// process's lock, relinkctl writing through its own connection, real file
// stamps. The engine's own rules are tested on the in-memory parts
// (tests/unit/engine/EngineHarness.h).
#pragma once

#include <Poco/File.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "EngineDriver.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/domain/OperatorActions.h"
#include "relinkd/store/SqliteJobStore.h"

namespace enginetest {

// The real job directory, with a count of the files actually read.
class CountingDirectory final : public JobSource {
 public:
  CountingDirectory(const std::string& dir, const Clock& clock) : real_(dir, clock) {}
  const std::string& where() const override { return real_.where(); }
  Listing list() override { return real_.list(); }
  ScannedFile scanOne(const std::string& fileName) override {
    ++reads[fileName];
    return real_.scanOne(fileName);
  }
  std::map<std::string, int> reads;  // file name -> how often it was read

 private:
  JobDirectory real_;
};

struct DiskHarness : EngineDriver {
  testsupport::TempDir dir;
  std::string jobsDir = dir.file("jobs");
  std::string dbPath = dir.file("relinkd.db");
  std::unique_ptr<SqliteJobStore> store;
  // The files' stamps are judged against real time, an hour ahead, so that
  // files written by a test count as settled.
  ManualClock fileClock{SystemClock().wallNow() + 3600 * kSecond};
  std::unique_ptr<CountingDirectory> source;

  DiskHarness() { Poco::File(jobsDir).createDirectories(); }
  ~DiskHarness() { engine.reset(); }

  // Opens the file and makes the engine, without starting it.
  void makeEngine(int busyTimeoutMs = 10000) {
    store = std::make_unique<SqliteJobStore>(dbPath);
    store->setBusyTimeout(busyTimeoutMs);
    source = std::make_unique<CountingDirectory>(jobsDir, fileClock);
    EngineDriver::makeEngine(*store, *source);
  }
  void start() {
    makeEngine();
    engine->start();
    engine->step();
  }
  // As after a kill -9: the engine and its connection vanish; the file stays.
  void restart() {
    engine.reset();
    store.reset();
    executor.sent.clear();
    start();
  }
  void putFile(const std::string& fileName, const std::string& content) {
    std::ofstream(jobsDir + "/" + fileName, std::ios::binary) << content;
  }
  void writeJob(const std::string& name, const std::string& json) {
    putFile(name + ".json", json);
    engine->fileChanged(name + ".json");
    engine->step();
  }
  // What relinkctl does: an operator action through a connection of its own.
  ActionResult byOperator(const std::string& name, ActionResult (*action)(Job&, TimeMs, HistoryEntry&)) {
    SqliteJobStore ctl(dbPath);
    Job stored = *ctl.find(name);
    HistoryEntry entry;
    ActionResult result = action(stored, clock.wallNow(), entry);
    if (result.allowed) REQUIRE(ctl.save(stored, entry));
    return result;
  }
  Job job(const std::string& name) {
    auto found = store->find(name);
    REQUIRE(found);
    return *found;
  }
};

}  // namespace enginetest

// The Engine on a real SQLite file and a real job directory, for the few
// tests whose point is the real parts: a restart from the file, another
// process's lock, relinkctl writing through its own connection, real file
// stamps. The engine's own rules are tested on the in-memory parts
// (tests/unit/engine/EngineHarness.h); what both run is written once in
// tests/unit/engine/Scenarios.h.
// Not thread-safe: a test drives its harness from one thread.
#pragma once

#include <Poco/File.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "EngineDriver.h"
#include "relinkd/io/JobDirectory.h"
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

struct DiskHarness : HarnessBase<DiskHarness> {
  testsupport::TempDir dir;
  std::string jobsDir = dir.file("jobs");
  std::string dbPath = dir.file("relinkd.db");
  std::unique_ptr<SqliteJobStore> store;
  // How long every connection waits for another's lock; a test of a locked
  // store shortens it so that a step fails at once instead of waiting.
  int busyTimeoutMs = 10000;
  // The files' stamps are judged against real time, an hour ahead, so that
  // files written by a test count as settled.
  ManualClock fileClock{SystemClock().wallNow() + 3600 * kSecond};
  std::unique_ptr<CountingDirectory> source;

  DiskHarness() { Poco::File(jobsDir).createDirectories(); }
  ~DiskHarness() { engine.reset(); }

  // Opens the file and makes the engine, without starting it.
  void makeEngine() {
    store = otherConnection();
    source = std::make_unique<CountingDirectory>(jobsDir, fileClock);
    EngineDriver::makeEngine(*store, *source);
  }
  // A connection of its own to the same file, as relinkctl opens.
  std::unique_ptr<SqliteJobStore> otherConnection() {
    auto connection = std::make_unique<SqliteJobStore>(dbPath);
    connection->setBusyTimeout(busyTimeoutMs);
    return connection;
  }
  // A file written without telling the engine (no event).
  void putFile(const std::string& fileName, const std::string& content) {
    std::ofstream(jobsDir + "/" + fileName, std::ios::binary) << content;
  }
  // The whole job directory renamed away, and back.
  void moveDirectoryAway() { std::filesystem::rename(jobsDir, jobsDir + ".away"); }
  void bringDirectoryBack() { std::filesystem::rename(jobsDir + ".away", jobsDir); }
};

}  // namespace enginetest

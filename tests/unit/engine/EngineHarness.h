// An Engine on an in-memory store and job directory (MemoryJobStore,
// MemorySource): no SQLite, no file system. The database and the directory
// outlive the engine, so restart() is a kill -9 and a new start on the same
// state, and relinkctl is another connection to the same database
// (byOperator, or otherConnection()). Store failures are injected on
// `database` (failWrites, failReads, or another connection's transaction
// holding the write lock); file read failures on `source`.
// Not thread-safe: a test drives its harness from one thread.
#pragma once

#include <memory>
#include <string>

#include "EngineDriver.h"
#include "MemoryJobStore.h"
#include "MemorySource.h"

namespace enginetest {

struct Harness : HarnessBase<Harness> {
  MemoryDatabase database;                // what the SQLite file holds
  std::unique_ptr<MemoryJobStore> store;  // the engine's connection to it
  std::unique_ptr<MemorySource> source = std::make_unique<MemorySource>();  // the job directory
  std::string jobsDir = source->where();  // for messages and Job::file; not on disk

  ~Harness() { engine.reset(); }

  // Opens the engine's connection and makes the engine, without starting it.
  void makeEngine() {
    store = std::make_unique<MemoryJobStore>(database);
    EngineDriver::makeEngine(*store, *source);
  }
  // A connection of its own to the same database, as relinkctl opens.
  std::unique_ptr<MemoryJobStore> otherConnection() { return std::make_unique<MemoryJobStore>(database); }
  // A file written or removed without telling the engine (no event), as
  // while it is stopped or when the watcher misses it.
  void putFile(const std::string& fileName, const std::string& content) { source->write(fileName, content); }
  void deleteFile(const std::string& fileName) { source->remove(fileName); }
  void removeJob(const std::string& name) {
    deleteFile(name + ".json");
    engine->fileChanged(name + ".json");
    engine->step();
  }
  // The whole job directory gone (moved away or unmounted), and back.
  void moveDirectoryAway() { source->setGone(true); }
  void bringDirectoryBack() { source->setGone(false); }
};

}  // namespace enginetest

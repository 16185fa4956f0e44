// An Engine on an in-memory store and job directory (MemoryJobStore,
// MemorySource): no SQLite, no file system. The database and the directory
// outlive the engine, so restart() is a kill -9 and a new start on the same
// state, and relinkctl is another connection to the same database
// (byOperator, or a MemoryJobStore on `database`). Store failures are
// injected on `database` (failWrites, failReads, or another connection's
// transaction holding the write lock); file read failures on `source`.
#pragma once

#include <memory>
#include <string>

#include "EngineDriver.h"
#include "MemoryJobStore.h"
#include "MemorySource.h"
#include "relinkd/domain/OperatorActions.h"

namespace enginetest {

struct Harness : EngineDriver {
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
  void start() {
    makeEngine();
    engine->start();
    engine->step();
  }
  // As after a kill -9: the engine and its connection vanish; the database
  // and the files stay.
  void restart() {
    engine.reset();
    store.reset();
    executor.sent.clear();
    start();
  }
  // A file written or removed without telling the engine (no event), as
  // while it is stopped or when the watcher misses it.
  void putFile(const std::string& fileName, const std::string& content) { source->write(fileName, content); }
  void deleteFile(const std::string& fileName) { source->remove(fileName); }
  void writeJob(const std::string& name, const std::string& json) {
    putFile(name + ".json", json);
    engine->fileChanged(name + ".json");
    engine->step();
  }
  void removeJob(const std::string& name) {
    deleteFile(name + ".json");
    engine->fileChanged(name + ".json");
    engine->step();
  }
  // What relinkctl does: an operator action on the stored job, through a
  // connection of its own; saved when allowed.
  ActionResult byOperator(const std::string& name, ActionResult (*action)(Job&, TimeMs, HistoryEntry&)) {
    MemoryJobStore ctl(database);
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

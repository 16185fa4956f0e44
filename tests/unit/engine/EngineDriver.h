// What every engine test drives the Engine with, whatever it stores in: a
// manual clock, an executor that only records what the engine wants sent
// (tests answer each request themselves), a fixed random source, and the
// settings of the tests. Nothing sleeps and nothing touches the network.
// HarnessBase adds what every harness does once it has a store and a job
// directory; EngineHarness.h adds the in-memory ones, tests/unit/engine_store
// the real ones. Not thread-safe: a test drives its harness from one thread.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "FixedRandom.h"
#include "TestSupport.h"
#include "relinkd/domain/OperatorActions.h"
#include "relinkd/engine/Engine.h"

namespace enginetest {

using namespace relinkd;

constexpr TimeMs kStart = 1764000000000;  // 2025-11-24T16:00:00Z
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kDay = 24 * 3600 * kSecond;

class RecordingExecutor final : public Executor {
 public:
  void execute(Dispatch dispatch) override { sent.push_back(std::move(dispatch)); }
  Dispatch take() {
    REQUIRE_FALSE(sent.empty());
    Dispatch first = std::move(sent.front());
    sent.pop_front();
    return first;
  }
  std::deque<Dispatch> sent;
};

// A valid federated job; `extra` is spliced into the object.
inline std::string jobJson(const std::string& siteId = "site-a", const std::string& extra = "",
                           const std::string& migratedAt = "2025-11-23T16:00:00Z") {
  return R"({"siteId":")" + siteId +
         R"(","productURL":"https://acme-eu.atlassian.net","destinationURL":"https://acme-us.atlassian.net",)"
         R"("migratedFrom":"https://jira.acme.example","recreateAsRemote":true,"migratedAt":")" +
         migratedAt + "\"" + extra + "}";
}

struct EngineDriver {
  ManualClock clock{kStart};
  RecordingExecutor executor;
  testsupport::FixedRandom random{0.0};
  EngineSettings settings;
  std::unique_ptr<Engine> engine;

  EngineDriver() {
    settings.baseUrl = "https://api.example";
    settings.windowMs = 14 * kDay;
    settings.pollIntervalMs = 30 * kSecond;
    settings.concurrency = 4;
    settings.retry.initialDelayMs = 30 * kSecond;
    settings.retry.maxDelayMs = 3600 * kSecond;
    settings.retry.lastCallMs = 30 * kSecond;
  }
  EngineDriver(const EngineDriver&) = delete;
  EngineDriver& operator=(const EngineDriver&) = delete;

  // A new engine on store and source, not started.
  void makeEngine(JobStore& store, JobSource& source) {
    engine = std::make_unique<Engine>(settings, store, source, clock, executor, random,
                                      Credentials{"ops@acme.example", "token-1"});
  }
  // An answer handed to the engine without the step that takes it in, as
  // when it comes while the store is locked or among other events.
  void deliver(Dispatch dispatch, int status, const std::string& body,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResult result;
    result.response.status = status;
    result.response.body = body;
    result.response.headers = std::move(headers);
    engine->complete(Completion{std::move(dispatch), result});
  }
  void answer(Dispatch dispatch, int status, const std::string& body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    deliver(std::move(dispatch), status, body, std::move(headers));
    engine->step();
  }
  void fail(Dispatch dispatch, TransportError error) {
    HttpResult result;
    result.error = error;
    result.errorMessage = std::string("fake ") + transportErrorName(error);
    engine->complete(Completion{std::move(dispatch), result});
    engine->step();
  }
  void advance(std::int64_t ms) {
    clock.advance(ms);
    engine->step();
  }
  // Submits the first request sent and answers 200 with uuid; its job is then running.
  void submitOk(const std::string& uuid) {
    Dispatch submit = executor.take();
    REQUIRE(submit.kind == RequestKind::kSubmit);
    answer(submit, 200, "{\"uuid\":\"" + uuid + "\"}");
  }
};

// The part of a harness that is the same whatever the store: written once
// here so that the in-memory and the on-disk harness cannot drift apart.
// Self provides `store` (the engine's connection, a unique_ptr), makeEngine()
// (opens it and makes the engine, not started), putFile(name, content) and
// otherConnection() (a new connection of its own to the same database, as
// relinkctl opens).
template <class Self>
struct HarnessBase : EngineDriver {
  void start() {
    self().makeEngine();
    engine->start();
    engine->step();
  }
  // As after a kill -9: the engine and its connection vanish; the database
  // and the files stay.
  void restart() {
    engine.reset();
    self().store.reset();
    executor.sent.clear();
    start();
  }
  // A file written and the engine told of it, as the watcher does.
  void writeJob(const std::string& name, const std::string& json) {
    self().putFile(name + ".json", json);
    engine->fileChanged(name + ".json");
    engine->step();
  }
  // What relinkctl does: an operator action on the stored job, through a
  // connection of its own; saved when allowed.
  ActionResult byOperator(const std::string& name, ActionResult (*action)(Job&, TimeMs, HistoryEntry&)) {
    auto ctl = self().otherConnection();
    Job stored = *ctl->find(name);
    HistoryEntry entry;
    ActionResult result = action(stored, clock.wallNow(), entry);
    if (result.allowed) REQUIRE(ctl->save(stored, entry));
    return result;
  }
  // A job's row deleted behind the engine's back, as by sqlite3 by hand.
  void deleteRow(const std::string& name) {
    auto other = self().otherConnection();
    REQUIRE(other->remove(*other->find(name)));
  }
  Job job(const std::string& name) {
    auto found = self().store->find(name);
    REQUIRE(found);
    return *found;
  }

 private:
  Self& self() { return static_cast<Self&>(*this); }
};

}  // namespace enginetest

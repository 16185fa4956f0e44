// What every engine test drives the Engine with, whatever it stores in: a
// manual clock, an executor that only records what the engine wants sent
// (tests answer each request themselves), a fixed random source, and the
// settings of the tests. Nothing sleeps and nothing touches the network.
// EngineHarness.h adds the in-memory store and directory;
// tests/unit/engine_store adds the real ones.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "FixedRandom.h"
#include "TestSupport.h"
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
  void answer(Dispatch dispatch, int status, const std::string& body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResult result;
    result.response.status = status;
    result.response.body = body;
    result.response.headers = std::move(headers);
    engine->complete(Completion{std::move(dispatch), result});
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

}  // namespace enginetest

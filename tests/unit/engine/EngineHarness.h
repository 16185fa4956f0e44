// An Engine on a real SQLite file and a real job directory, with a manual
// clock and an executor that only records what the engine wants sent. Tests
// answer each request themselves; nothing sleeps and nothing touches the
// network.
#pragma once

#include <doctest/doctest.h>

#include <Poco/File.h>

#include <deque>
#include <fstream>
#include <memory>

#include "FixedRandom.h"
#include "TestSupport.h"
#include "relinkd/engine/Engine.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/store/SqliteJobStore.h"
#include "relinkd/domain/OperatorActions.h"

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

// The real job directory, with reads that can be made to fail for a while
// (as EIO or a chmod would) and a count of the files actually read.
class FlakySource final : public JobSource {
 public:
  FlakySource(const std::string& dir, const Clock& clock) : real_(dir, clock) {}
  const std::string& where() const override { return real_.where(); }
  Listing list() override { return real_.list(); }
  ScannedFile scanOne(const std::string& fileName) override {
    ++reads[fileName];
    auto failing = failReads.find(fileName);
    if (failing == failReads.end()) return real_.scanOne(fileName);
    ScannedFile file;
    file.path = real_.where() + "/" + fileName;
    file.read.transient = true;
    file.read.error = failing->second;
    file.hash = sha256Hex(file.read.error);
    return file;
  }
  std::map<std::string, std::string> failReads;  // file name -> the error to report
  std::map<std::string, int> reads;              // file name -> how often it was read

 private:
  JobDirectory real_;
};

struct Harness {
  testsupport::TempDir dir;
  std::string jobsDir = dir.file("jobs");
  ManualClock clock{kStart};
  RecordingExecutor executor;
  testsupport::FixedRandom random{0.0};
  EngineSettings settings;
  std::unique_ptr<SqliteJobStore> store;
  // The files' stamps are judged against real time, an hour ahead, so that
  // files written by a test count as settled.
  ManualClock fileClock{SystemClock().wallNow() + 3600 * kSecond};
  std::unique_ptr<FlakySource> source;
  std::unique_ptr<Engine> engine;

  Harness() {
    Poco::File(jobsDir).createDirectories();
      settings.baseUrl = "https://api.example";
    settings.windowMs = 14 * kDay;
    settings.pollIntervalMs = 30 * kSecond;
    settings.concurrency = 4;
    settings.retry.initialDelayMs = 30 * kSecond;
    settings.retry.maxDelayMs = 3600 * kSecond;
    settings.retry.lastCallMs = 30 * kSecond;
  }

  void start() {
    store = std::make_unique<SqliteJobStore>(dir.file("relinkd.db"));
    source = std::make_unique<FlakySource>(jobsDir, fileClock);
    engine = std::make_unique<Engine>(settings, *store, *source, clock, executor, random,
                                      Credentials{"ops@acme.example", "token-1"});
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
  void writeJob(const std::string& name, const std::string& json) {
    std::ofstream(jobsDir + "/" + name + ".json", std::ios::binary) << json;
    engine->fileChanged(name + ".json");
    engine->step();
  }
  void removeJob(const std::string& name) {
    Poco::File(jobsDir + "/" + name + ".json").remove();
    engine->fileChanged(name + ".json");
    engine->step();
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
  // What relinkctl does: an operator action on the stored job, through a
  // connection of its own; saved when allowed.
  ActionResult byOperator(const std::string& name, ActionResult (*action)(Job&, TimeMs, HistoryEntry&)) {
    SqliteJobStore ctl(dir.file("relinkd.db"));
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
  // Submits `name` and answers 200 with uuid; the job is then running.
  void submitOk(const std::string& uuid) {
    Dispatch submit = executor.take();
    REQUIRE(submit.kind == RequestKind::kSubmit);
    answer(submit, 200, "{\"uuid\":\"" + uuid + "\"}");
  }
};

}  // namespace enginetest

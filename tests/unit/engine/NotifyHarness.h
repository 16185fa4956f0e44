// Notification tests: a fake command runner that records each run and
// answers as told, and a harness with notifications on and a queue on the
// harness's store.
#pragma once

#include <deque>
#include <memory>

#include <Poco/JSON/Parser.h>

#include "EngineHarness.h"
#include "relinkd/engine/NotificationQueue.h"

namespace enginetest {


struct Run {
  std::vector<std::string> argv, env;
  std::string input;
  std::int64_t timeoutMs;
};

class FakeRunner final : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& input, std::int64_t timeoutMs) override {
    runs.push_back(Run{argv, env, input, timeoutMs});
    CommandResult result;
    if (next.empty()) {
      result.started = true;
      result.exitStatus = 0;
      return result;
    }
    result = next.front();
    next.pop_front();
    return result;
  }
  static CommandResult exited(int status, const std::string& output = "") {
    CommandResult r;
    r.started = true;
    r.exitStatus = status;
    r.error = output;
    return r;
  }
  std::vector<Run> runs;
  std::deque<CommandResult> next;  // then: success
};

inline Poco::JSON::Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

struct Notifying : Harness {
  FakeRunner runner;
  std::unique_ptr<NotificationQueue> queue;

  Notifying() { settings.notify = true; }
  void startAll() {
    start();
    makeQueue();
  }
  void makeQueue() {  // on the store of now (restart() replaces it)
    queue = std::make_unique<NotificationQueue>(*store, clock, runner,
                                                NotifySettings{{"/usr/lib/relinkd/notify", "--to", "ops"}, 30000, 10000, {}});
  }
  void restartAll() {
    queue.reset();
    restart();
    makeQueue();
  }
  std::optional<TimeMs> deliver() {
    return queue->deliverDue([] { return false; });
  }
  // The job through submit and a Complete poll.
  void succeed(const std::string& name) {
    writeJob(name, jobJson());
    submitOk("u-" + name);
    advance(30 * kSecond);
    answer(executor.take(), 200, R"({"status":"COMPLETE","progress":100})");
  }
};


}  // namespace enginetest

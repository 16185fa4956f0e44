// RequestPool with a fake Transport and a ManualClock: the budget of every
// request is exactly the time left before its deadline, nothing is sent
// with less than kMinRequestBudgetMs left, and stop() interrupts requests
// on every transport, the ones replaced by setTransport() included.
// Nothing here sleeps: every wait is on a condition, with a generous limit.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/engine/Engine.h"
#include "relinkd/net/RequestPool.h"

namespace relinkd {
namespace {

constexpr TimeMs kNow = 1800000000000;  // 2027-01-15T08:00:00Z
constexpr auto kPatience = std::chrono::seconds(10);

// Records the budget of every send; while held, sends block until released
// or aborted (then they return kAborted, as a real transport does).
class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(bool hold = false) : hold_(hold) {}

  HttpResult send(const HttpRequest&, std::int64_t budgetMs) override {
    std::unique_lock<std::mutex> lock(mutex_);
    budgets_.push_back(budgetMs);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !hold_ || aborted_; });
    HttpResult result;
    if (aborted_) result.error = TransportError::kAborted;
    else result.response.status = 200;
    return result;
  }
  void abortAll() override {
    std::lock_guard<std::mutex> lock(mutex_);
    aborted_ = true;
    changed_.notify_all();
  }

  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    hold_ = false;
    changed_.notify_all();
  }
  bool waitForSends(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return budgets_.size() >= count; });
  }
  std::vector<std::int64_t> budgets() {
    std::lock_guard<std::mutex> lock(mutex_);
    return budgets_;
  }
  bool aborted() {
    std::lock_guard<std::mutex> lock(mutex_);
    return aborted_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool hold_;
  bool aborted_ = false;
  std::vector<std::int64_t> budgets_;
};

// The completions the pool posts, in order.
class Completions {
 public:
  RequestPool::Done sink() {
    return [this](Completion done) {
      std::lock_guard<std::mutex> lock(mutex_);
      all_.push_back(std::move(done));
      changed_.notify_all();
    };
  }
  // The nth completion (0-based), waiting for it.
  Completion at(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    REQUIRE(changed_.wait_for(lock, kPatience, [&] { return all_.size() > n; }));
    return all_[n];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Completion> all_;
};

Dispatch dispatchUntil(TimeMs deadline, const std::string& job = "job") {
  Dispatch dispatch;
  dispatch.jobName = job;
  dispatch.kind = RequestKind::kPoll;
  dispatch.request = HttpRequest{"GET", "https://api.test/links/v1/s/jobs/status/1", {}, ""};
  dispatch.deadline = deadline;
  return dispatch;
}

struct Harness {
  ManualClock clock{kNow};
  ApiMetrics metrics;
  Completions done;
  std::shared_ptr<FakeTransport> transport;
  RequestPool pool;

  explicit Harness(std::shared_ptr<FakeTransport> t = std::make_shared<FakeTransport>(), int threads = 1)
      : transport(t), pool(done.sink(), clock, t, metrics, threads) {}
};

TEST_CASE("RequestPool: the budget is exactly the time left before the deadline") {
  Harness h;
  const std::int64_t lefts[] = {kMinRequestBudgetMs, 5000, 30000, 86400000};
  for (std::size_t i = 0; i < std::size(lefts); ++i) {
    CAPTURE(lefts[i]);
    h.pool.execute(dispatchUntil(kNow + lefts[i]));
    CHECK(h.done.at(i).result.error == TransportError::kNone);
    CHECK(h.transport->budgets().at(i) == lefts[i]);
  }
  h.pool.execute(dispatchUntil(std::numeric_limits<TimeMs>::max()));  // no deadline
  CHECK(h.done.at(std::size(lefts)).result.error == TransportError::kNone);
  CHECK(h.transport->budgets().back() == std::numeric_limits<TimeMs>::max() - kNow);
  CHECK(h.metrics.snapshot().count == std::size(lefts) + 1);
}

TEST_CASE("RequestPool: below the floor nothing is sent, and the completion says why") {
  struct Case {
    std::int64_t leftMs;
    const char* says;
  };
  const Case cases[] = {
      {kMinRequestBudgetMs - 1, "not sent: only 999 ms were left before the job's deadline at "},
      {1, "not sent: only 1 ms were left before the job's deadline at "},
      {0, "not sent: the job's deadline at "},
      {-60000, "not sent: the job's deadline at "},
  };
  Harness h;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const Case& c = cases[i];
    CAPTURE(c.leftMs);
    h.pool.execute(dispatchUntil(kNow + c.leftMs));
    const Completion done = h.done.at(i);
    CHECK(done.result.error == TransportError::kTooLate);
    CHECK(done.dispatch.jobName == "job");
    CHECK_MESSAGE(done.result.errorMessage.rfind(c.says, 0) == 0, done.result.errorMessage);
    CHECK(done.result.errorMessage.find(formatTime(kNow + c.leftMs)) != std::string::npos);
  }
  CHECK(h.transport->budgets().empty());
  CHECK(h.metrics.snapshot().count == 0);
}

TEST_CASE("RequestPool: a request that waited in the queue gets only what is left") {
  Harness h(std::make_shared<FakeTransport>(/*hold=*/true));
  h.pool.execute(dispatchUntil(kNow + 60000, "first"));
  REQUIRE(h.transport->waitForSends(1));  // the only worker is busy
  h.pool.execute(dispatchUntil(kNow + 10000, "second"));
  h.pool.execute(dispatchUntil(kNow + 10500, "third"));
  h.clock.advance(9600);  // "second" now has 400 ms left, "third" 900 ms
  h.transport->release();
  CHECK(h.done.at(0).dispatch.jobName == "first");
  CHECK(h.done.at(1).result.error == TransportError::kTooLate);
  CHECK(h.done.at(2).result.error == TransportError::kTooLate);
  h.pool.execute(dispatchUntil(kNow + 9600 + 4321, "fourth"));
  CHECK(h.done.at(3).result.error == TransportError::kNone);
  CHECK(h.transport->budgets() == std::vector<std::int64_t>{60000, 4321});
}

TEST_CASE("RequestPool: stop interrupts requests on every transport, replaced ones included") {
  auto before = std::make_shared<FakeTransport>(/*hold=*/true);
  auto after = std::make_shared<FakeTransport>(/*hold=*/true);
  Harness h(before, 2);
  h.pool.execute(dispatchUntil(kNow + 60000, "on-the-old-transport"));
  REQUIRE(before->waitForSends(1));
  h.pool.setTransport(after);  // as Daemon::reload does
  h.pool.execute(dispatchUntil(kNow + 60000, "on-the-new-transport"));
  REQUIRE(after->waitForSends(1));
  h.pool.stop();  // returns only once both workers have ended
  CHECK(before->aborted());
  CHECK(after->aborted());
  CHECK(h.done.at(0).result.error == TransportError::kAborted);
  CHECK(h.done.at(1).result.error == TransportError::kAborted);
}

}  // namespace
}  // namespace relinkd

// Jobs that had stopped asking, or whose last moment passed while nobody
// looked: a window moved later lets them ask again; a request looked at well
// after its last moment (relinkd down, the host asleep) is not sent late.
// Each failed before its fix (found by the review of issue 17).
#include "EngineHarness.h"

using namespace enginetest;

namespace {

// migratedAt such that the window closes 100 s after kStart.
const std::string kClosing = formatTime(kStart - 14 * kDay + 100 * kSecond);
const std::string kADayLater = formatTime(kStart - 13 * kDay);  // window closes a day later

}  // namespace

TEST_CASE("Window: a job out of time whose window then moves later asks again") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a", "", kClosing));
  Dispatch submit = h.executor.take();
  h.clock.advance(75 * kSecond);          // past the last call (+70 s)
  h.answer(submit, 503, "");              // transient: no time left to retry
  REQUIRE(h.job("eu").state == JobState::kRetrying);
  REQUIRE_FALSE(h.job("eu").nextAttemptAt);
  h.writeJob("eu", jobJson("site-a", "", kADayLater));  // only migratedAt: window-only
  const Job moved = h.job("eu");
  CHECK(moved.deadline == kStart + kDay);
  CHECK(moved.nextAttemptAt);
  h.advance(3600 * kSecond);
  CHECK_FALSE(h.executor.sent.empty());
  CHECK_FALSE(h.job("eu").lastError);
}

TEST_CASE("Window: a running job out of time to poll whose window moves later is polled again") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a", "", kClosing));
  Dispatch submit = h.executor.take();
  h.clock.advance(75 * kSecond);
  h.answer(submit, 200, R"({"uuid":"u-1"})");
  REQUIRE(h.job("eu").state == JobState::kRunning);
  REQUIRE_FALSE(h.job("eu").nextAttemptAt);
  h.writeJob("eu", jobJson("site-a", "", kADayLater));
  CHECK(h.job("eu").nextAttemptAt);
  h.advance(3600 * kSecond);
  REQUIRE_FALSE(h.executor.sent.empty());
  CHECK(h.executor.take().kind == RequestKind::kPoll);
}

TEST_CASE("Deadline: a retry due before the last call but looked at well after it is not sent, and says why") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson("site-a", "", kClosing));  // deadline +100 s, last call +70 s
  h.answer(h.executor.take(), 503, "");                // retry due at +30 s
  REQUIRE(h.job("eu").nextAttemptAt);
  REQUIRE(*h.job("eu").nextAttemptAt <= kStart + 70 * kSecond);
  SUBCASE("relinkd was down from +10 s to +95 s") {
    h.clock.advance(95 * kSecond);
    h.restart();
  }
  SUBCASE("the host was suspended (one wake-up at +95 s)") {
    h.advance(95 * kSecond);
  }
  // Not handed to the pool 5 s before the deadline (the pool refuses only
  // under 1 s): the API could create a remote job whose answer is cut off.
  CHECK(h.executor.sent.empty());
  CHECK_FALSE(h.job("eu").nextAttemptAt);
  REQUIRE(h.job("eu").lastError);
  CHECK(h.job("eu").lastError->find("no request can start before the deadline") != std::string::npos);
}

#include <doctest/doctest.h>

#include "TestSupport.h"
#include "relinkd/RetryPolicy.h"

using namespace relinkd;
using testsupport::FixedRandom;

namespace {

constexpr TimeMs kNow = 1764000000000;
constexpr std::int64_t kHour = 3600000;

RetryPolicy policy() {
  RetryPolicy p;
  p.initialDelayMs = 30000;
  p.maxDelayMs = kHour;
  p.multiplier = 2;
  p.jitter = 0.2;
  p.lastCallMs = 30000;
  return p;
}

}  // namespace

TEST_CASE("Backoff: initialDelay x multiplier^(n-1), exactly, without jitter") {
  const std::int64_t expected[] = {30000, 60000, 120000, 240000, 480000, 960000, 1920000, 3600000, 3600000};
  for (int n = 1; n <= 9; ++n) {
    CAPTURE(n);
    CHECK(backoffDelay(policy(), n, 0.0) == expected[n - 1]);
  }
}

TEST_CASE("Backoff: jitter only adds, at most the jitter fraction, and never passes the cap") {
  CHECK(backoffDelay(policy(), 1, 0.5) == 33000);
  CHECK(backoffDelay(policy(), 2, 0.999) == 71988);
  CHECK(backoffDelay(policy(), 7, 0.999) == 2303616);
  CHECK(backoffDelay(policy(), 8, 0.999) == kHour);  // at the cap, jitter cannot pass it
  CHECK(backoffDelay(policy(), 1000, 0.5) == kHour);  // no overflow for absurd counts
}

TEST_CASE("Backoff: a seeded random source gives the same delays every time") {
  SeededRandom a(42), b(42);
  for (int n = 1; n <= 5; ++n) {
    CAPTURE(n);
    CHECK(nextAttemptAt(policy(), n, kNow, std::nullopt, kNow + 14 * 24 * kHour, a) ==
          nextAttemptAt(policy(), n, kNow, std::nullopt, kNow + 14 * 24 * kHour, b));
  }
}

TEST_CASE("Backoff: Retry-After is a floor that jitter never goes below") {
  FixedRandom noJitter(0.0);
  const TimeMs deadline = kNow + 14 * 24 * kHour;
  CHECK(nextAttemptAt(policy(), 1, kNow, kNow + 120000, deadline, noJitter) == kNow + 120000);
  // A floor below the backoff changes nothing.
  CHECK(nextAttemptAt(policy(), 3, kNow, kNow + 1000, deadline, noJitter) == kNow + 120000);
}

TEST_CASE("Backoff: never schedules past the deadline") {
  FixedRandom noJitter(0.0);
  SUBCASE("the last attempt is moved before the deadline rather than skipped") {
    const TimeMs deadline = kNow + 100000;  // backoff of attempt 3 (120 s) would pass it
    CHECK(nextAttemptAt(policy(), 3, kNow, std::nullopt, deadline, noJitter) == deadline - 30000);
  }
  SUBCASE("an absurd Retry-After is clamped to the last moment a request may start") {
    const TimeMs deadline = kNow + 2 * kHour;
    CHECK(nextAttemptAt(policy(), 1, kNow, kNow + 400LL * 24 * kHour, deadline, noJitter) == deadline - 30000);
  }
  SUBCASE("no attempt fits any more") {
    CHECK_FALSE(nextAttemptAt(policy(), 1, kNow, std::nullopt, kNow + 30000, noJitter));
    CHECK_FALSE(nextAttemptAt(policy(), 1, kNow, std::nullopt, kNow - 1, noJitter));
  }
}

TEST_CASE("Backoff: maxAttempts 0 means until the window closes") {
  RetryPolicy p = policy();
  CHECK_FALSE(attemptsExhausted(p, 1000000));
  p.maxAttempts = 3;
  CHECK_FALSE(attemptsExhausted(p, 2));
  CHECK(attemptsExhausted(p, 3));
}

#include <doctest/doctest.h>

#include "FixedRandom.h"
#include "TestSupport.h"
#include "relinkd/policy/RetryPolicy.h"

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

TEST_CASE("Backoff: jitter takes off at most the jitter fraction, and the cap stays a cap") {
  CHECK(backoffDelay(policy(), 1, 0.5) == 27000);       // 30 s less 10 %
  CHECK(backoffDelay(policy(), 2, 0.999) == 48012);     // 60 s less 19.98 %
  CHECK(backoffDelay(policy(), 7, 0.999) == 1536384);
  CHECK(backoffDelay(policy(), 8, 0.0) == kHour);       // at the cap: the cap itself...
  CHECK(backoffDelay(policy(), 8, 0.999) == 2880720);   // ...down to 80 % of it
  CHECK(backoffDelay(policy(), 1000, 0.5) == 3240000);  // no overflow for absurd counts
}

TEST_CASE("SeededRandom: seed 42 gives the first draws of MT19937-64 over 2^64") {
  // 13930160852258120406, 11788048577503494824 and 13874630024467741450 are
  // the reference generator's first outputs for seed 42 (computed apart
  // from libstdc++); a draw is the output divided by 2^64.
  SeededRandom random(42);
  CHECK(random.uniform() == 0x1.82a3befaddcbcp-1);  // 0.755155532954539
  CHECK(random.uniform() == 0x1.472f1f73724ap-1);   // 0.6390313938546974
  CHECK(random.uniform() == 0x1.81192cfe1cbcfp-1);  // 0.7521452007480266
}

TEST_CASE("Backoff: with seed 42 the first retries come at exact times") {
  SeededRandom random(42);
  const TimeMs deadline = kNow + 14 * 24 * kHour;
  // 30 s, 1 min, 2 min, 4 min, 8 min, each less its jitter (draws 0.755, 0.639, ...).
  const std::int64_t expected[] = {25469, 52332, 101949, 233459, 393286};
  for (int n = 1; n <= 5; ++n) {
    CAPTURE(n);
    CHECK(nextAttemptAt(policy(), n, kNow, std::nullopt, deadline, random) == kNow + expected[n - 1]);
  }
}

TEST_CASE("Backoff: jobs at the cap spread out within [80 % of the cap, the cap]") {
  const TimeMs deadline = kNow + 14 * 24 * kHour;
  SeededRandom first(1), second(2);
  const auto a = nextAttemptAt(policy(), 12, kNow, std::nullopt, deadline, first);
  const auto b = nextAttemptAt(policy(), 12, kNow, std::nullopt, deadline, second);
  CHECK(a == kNow + 3503609);
  CHECK(b == kNow + 2949405);
  for (const auto& at : {a, b}) {
    REQUIRE(at.has_value());
    CHECK(*at >= kNow + kHour * 8 / 10);
    CHECK(*at <= kNow + kHour);
  }
}

TEST_CASE("Backoff: Retry-After is a floor that jitter never goes below") {
  const TimeMs deadline = kNow + 14 * 24 * kHour;
  FixedRandom noJitter(0.0), halfJitter(0.5);
  CHECK(nextAttemptAt(policy(), 1, kNow, kNow + 120000, deadline, noJitter) == kNow + 120000);
  CHECK(nextAttemptAt(policy(), 3, kNow, kNow + 120000, deadline, halfJitter) == kNow + 120000);
  // A floor below the backoff changes nothing.
  CHECK(nextAttemptAt(policy(), 3, kNow, kNow + 1000, deadline, noJitter) == kNow + 120000);
  CHECK(nextAttemptAt(policy(), 3, kNow, kNow + 1000, deadline, halfJitter) == kNow + 108000);
}

TEST_CASE("Backoff: never schedules past the deadline") {
  FixedRandom noJitter(0.0), halfJitter(0.5);
  SUBCASE("the last attempt is moved before the deadline rather than skipped") {
    const TimeMs deadline = kNow + 100000;  // backoff of attempt 3 (120 s, 108 s jittered) would pass it
    CHECK(nextAttemptAt(policy(), 3, kNow, std::nullopt, deadline, noJitter) == deadline - 30000);
    CHECK(nextAttemptAt(policy(), 3, kNow, std::nullopt, deadline, halfJitter) == deadline - 30000);
  }
  SUBCASE("a Retry-After after the last moment a request may start leaves no attempt") {
    const TimeMs deadline = kNow + 2 * kHour;
    CHECK_FALSE(nextAttemptAt(policy(), 1, kNow, kNow + 400LL * 24 * kHour, deadline, noJitter));
    CHECK_FALSE(nextAttemptAt(policy(), 1, kNow, deadline - 30000 + 1, deadline, noJitter));
    CHECK(nextAttemptAt(policy(), 1, kNow, deadline - 30000, deadline, noJitter) == deadline - 30000);
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

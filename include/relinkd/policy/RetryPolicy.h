// When to try again. A pure function of the policy (relinkd.retry.*), how
// many failures there have been, the outcome's floor (Retry-After), the
// job's deadline and a random source; in the spirit of Chromium's
// net::BackoffEntry. Tests pass a seeded RandomSource and check exact times.
//
// Thread-safety: RetryPolicy is a value; RandomSource implementations are
// not shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "relinkd/domain/Clock.h"

namespace relinkd {

struct RetryPolicy {
  std::int64_t initialDelayMs = 30000;
  std::int64_t maxDelayMs = 3600000;
  double multiplier = 2;
  double jitter = 0.2;          // a delay shrinks by up to this fraction, never grows
  int maxAttempts = 0;          // submissions; 0 = until the window closes
  std::int64_t lastCallMs = 30000;  // the last request must start this long before the deadline
};

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double uniform() = 0;  // in [0, 1)
};

class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  double uniform() override { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }

 private:
  std::mt19937_64 engine_;
};

// initialDelay × multiplier^(failures−1), capped at maxDelay, then reduced
// by jitter × u of itself and rounded to the millisecond: between
// (1 − jitter) and 1 times the capped delay, so maxDelay is a true cap and
// jobs whose backoff reached it still spread out. u = 0 is the un-jittered
// delay. REQUIRES: failures >= 1, u in [0, 1).
std::int64_t backoffDelay(const RetryPolicy& policy, int failures, double u);

// The next request time after `failures` consecutive failures, or nullopt
// when no request fits before the deadline any more. Never earlier than
// notBefore (Retry-After): when notBefore is after the last moment a
// request may start (deadline − lastCallMs), no request fits. When only
// the backoff would pass that moment, the last attempt is scheduled at it.
std::optional<TimeMs> nextAttemptAt(const RetryPolicy& policy, int failures, TimeMs now,
                                    std::optional<TimeMs> notBefore, TimeMs deadline,
                                    RandomSource& random);

// True when maxAttempts is set and `attempts` submissions have used it up.
bool attemptsExhausted(const RetryPolicy& policy, int attempts);

}  // namespace relinkd

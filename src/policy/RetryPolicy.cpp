#include "relinkd/RetryPolicy.h"

#include <algorithm>
#include <cmath>

namespace relinkd {

std::int64_t backoffDelay(const RetryPolicy& policy, int failures, double u) {
  const double cap = static_cast<double>(policy.maxDelayMs);
  // pow can overflow to inf for large failure counts; min() tames it.
  double base = static_cast<double>(policy.initialDelayMs) *
                std::pow(policy.multiplier, std::max(failures, 1) - 1);
  base = std::min(base, cap);
  double jittered = std::min(base * (1.0 + policy.jitter * u), cap);
  return static_cast<std::int64_t>(jittered);
}

std::optional<TimeMs> nextAttemptAt(const RetryPolicy& policy, int failures, TimeMs now,
                                    std::optional<TimeMs> notBefore, TimeMs deadline,
                                    RandomSource& random) {
  const TimeMs lastCall = deadline - policy.lastCallMs;
  if (now >= lastCall) return std::nullopt;
  TimeMs at = now + backoffDelay(policy, failures, random.uniform());
  if (notBefore) at = std::max(at, std::min(*notBefore, lastCall));
  return std::min(at, lastCall);
}

bool attemptsExhausted(const RetryPolicy& policy, int attempts) {
  return policy.maxAttempts > 0 && attempts >= policy.maxAttempts;
}

}  // namespace relinkd

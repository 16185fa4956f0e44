#include "relinkd/policy/RetryPolicy.h"

#include <algorithm>
#include <cmath>

namespace relinkd {

// As net::BackoffEntry, except that the cap is applied before the jitter:
// capping afterwards would put every job whose backoff reached the cap at
// exactly maxDelay, retrying in lockstep.
std::int64_t backoffDelay(const RetryPolicy& policy, int failures, double u) {
  // pow can overflow to inf for large failure counts; min() tames it.
  double delay = static_cast<double>(policy.initialDelayMs) *
                 std::pow(policy.multiplier, std::max(failures, 1) - 1);
  delay = std::min(delay, static_cast<double>(policy.maxDelayMs));
  delay -= policy.jitter * u * delay;
  return std::llround(delay);
}

std::optional<TimeMs> nextAttemptAt(const RetryPolicy& policy, int failures, TimeMs now,
                                    std::optional<TimeMs> notBefore, TimeMs deadline,
                                    RandomSource& random) {
  const TimeMs lastCall = deadline - policy.lastCallMs;
  if (now >= lastCall) return std::nullopt;
  if (notBefore && *notBefore > lastCall) return std::nullopt;  // a request then could not finish in time
  TimeMs at = now + backoffDelay(policy, failures, random.uniform());
  if (notBefore) at = std::max(at, *notBefore);
  return std::min(at, lastCall);
}

bool attemptsExhausted(const RetryPolicy& policy, int attempts) {
  return policy.maxAttempts > 0 && attempts >= policy.maxAttempts;
}

}  // namespace relinkd

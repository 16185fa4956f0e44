// A RandomSource that always draws the same value, for exact backoff
// values in the policy and engine tests. Kept apart from TestSupport.h,
// which every layer's tests use: RandomSource is the policy layer's.
#pragma once

#include "relinkd/policy/RetryPolicy.h"

namespace testsupport {

class FixedRandom final : public relinkd::RandomSource {
 public:
  explicit FixedRandom(double u) : u_(u) {}
  double uniform() override { return u_; }

 private:
  double u_;
};

}  // namespace testsupport

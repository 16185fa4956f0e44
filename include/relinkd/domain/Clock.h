// Time for relinkd: wall-clock time for deadlines and what operators read,
// monotonic time for waits. Everything that asks "what time is it" goes
// through a Clock so tests can set and advance time instead of sleeping.
// The text forms of a time are in relinkd/Time.h.
//
// Thread-safety: SystemClock is stateless; ManualClock is safe to share
// across threads (atomics).
#pragma once

#include <atomic>
#include <cstdint>

// Most users of a clock also format what it reads.
#include "relinkd/domain/Time.h"

namespace relinkd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs wallNow() const = 0;
  virtual MonoMs monoNow() const = 0;
};

// The real clocks (system_clock and steady_clock).
class SystemClock final : public Clock {
 public:
  TimeMs wallNow() const override;
  MonoMs monoNow() const override;
};

// A clock for tests: starts where told and moves only when told.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs wallStart, MonoMs monoStart = 1000000)
      : wall_(wallStart), mono_(monoStart) {}
  TimeMs wallNow() const override { return wall_.load(); }
  MonoMs monoNow() const override { return mono_.load(); }
  // Moves both clocks forward.
  void advance(std::int64_t ms) { wall_ += ms; mono_ += ms; }
  // Moves only the wall clock (a clock step by NTP or an operator).
  void jumpWall(std::int64_t ms) { wall_ += ms; }

 private:
  std::atomic<TimeMs> wall_;
  std::atomic<MonoMs> mono_;
};

}  // namespace relinkd

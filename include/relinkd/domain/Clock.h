// Time for relinkd: wall-clock time for deadlines and what operators read,
// monotonic time for waits. Everything that asks "what time is it" goes
// through a Clock so tests can set and advance time instead of sleeping.
//
// Thread-safety: SystemClock is stateless; ManualClock is safe to share
// across threads (atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace relinkd {

using TimeMs = std::int64_t;  // wall clock, milliseconds since the Unix epoch
using MonoMs = std::int64_t;  // monotonic, milliseconds from an arbitrary origin

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

// "2026-11-28T01:17:10Z" (UTC, second precision; milliseconds shown only
// when not zero).
std::string formatTime(TimeMs t);

// Parses an RFC 3339 date-time ("2026-11-28T01:17:10Z",
// "2026-11-28T01:17:10.5+01:00"); a time zone is required.
// With allowDate, a bare date ("2026-11-28") means midnight UTC.
std::optional<TimeMs> parseTime(const std::string& text, bool allowDate = false);

// Parses an HTTP-date (RFC 7231 IMF-fixdate, also RFC 850 and asctime forms).
std::optional<TimeMs> parseHttpDate(const std::string& text);

}  // namespace relinkd

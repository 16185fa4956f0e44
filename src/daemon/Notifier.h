// systemd's notification protocol (sd_notify): READY=1, STATUS=...,
// RELOADING=1, STOPPING=1 and the watchdog. Without NOTIFY_SOCKET every
// call is a no-op.
//
// Thread-safety: notify() may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "relinkd/Job.h"

namespace relinkd {

class Notifier {
 public:
  Notifier();
  void notify(const std::string& state) const;
  // How often WATCHDOG=1 is due (half of WATCHDOG_USEC), or 0 when the
  // watchdog is off.
  std::int64_t watchdogIntervalMs() const { return watchdogIntervalMs_; }

 private:
  std::int64_t watchdogIntervalMs_ = 0;
};

// "STATUS=5 jobs: 2 running, 3 succeeded" (states in the order of interface.md).
std::string statusLine(const std::map<JobState, int>& counts, bool paused);

}  // namespace relinkd

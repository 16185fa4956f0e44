// systemd's notification protocol (sd_notify): READY=1, STATUS=...,
// RELOADING=1, STOPPING=1 and the watchdog, sent without ever blocking.
//
// sd_notify() sends with a blocking sendmsg(): when nobody drains the
// notify socket its queue fills and the caller stops, and the scheduler
// thread with it. So relinkd keeps its own non-blocking datagram socket
// and decides per message what a full queue means:
//   - WATCHDOG=1 is tried once (a missed ping is the watchdog's business);
//   - STATUS= is informational: at most one a second, the latest line
//     wins, and a line that could not be sent is tried again a second
//     later;
//   - READY=1, RELOADING=1 and STOPPING=1 change what systemd does, so
//     notify() retries them for a bounded time (main thread only).
// Without NOTIFY_SOCKET every call is a no-op.
//
// Time is the injected Clock's: notify()'s budget is measured on it, and
// the pause between two tries is Options::pause (tests pass one that
// moves a ManualClock instead of sleeping).
//
// Thread-safety: every method may be called from any thread. status() and
// watchdog() never wait (never pause); notify() waits at most
// Options::essentialRetryMs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Job.h"

namespace relinkd {

// How often WATCHDOG=1 is due, in ms: half of WATCHDOG_USEC (usec), when
// the watchdog is meant for this process (WATCHDOG_PID, pid, unset or self);
// 0 when it is off or either value is not a plain number. sd_watchdog_enabled
// without libsystemd, whose dependencies cost the process 1 MiB of memory.
std::int64_t watchdogInterval(const char* usec, const char* pid, pid_t self);

class Notifier {
 public:
  struct Options {
    std::int64_t statusIntervalMs = 1000;  // at most one STATUS= per interval
    std::int64_t essentialRetryMs = 1000;  // how long notify() keeps trying
    std::int64_t retryPauseMs = 10;        // between two of its tries
    // How notify() waits retryPauseMs; empty: it sleeps that long.
    std::function<void(std::int64_t ms)> pause;
  };

  // From the environment: NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID.
  explicit Notifier(const Clock& clock);
  // address: "" (off), an absolute path or "@name" (abstract namespace).
  // watchdogIntervalMs: how often WATCHDOG=1 is due, 0 for never.
  Notifier(const std::string& address, std::int64_t watchdogIntervalMs, const Clock& clock,
           Options options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // READY=1, RELOADING=1, STOPPING=1: tried until sent, for at most
  // essentialRetryMs while the socket is full. Returns whether it was sent
  // (true when notifications are off). Never call it on the scheduler thread.
  bool notify(const std::string& state);
  // The current STATUS= line; call it whenever the loop turns. A line
  // different from the last one sent goes out at once unless one went out
  // (or was tried) less than statusIntervalMs ago; then it waits, and a
  // newer line replaces it. Never waits.
  void status(const std::string& line);
  // When status() must be called again to send a line held back, if any.
  std::optional<MonoMs> statusDueAt() const;
  // WATCHDOG=1, tried once. Returns whether it was sent.
  bool watchdog();
  // How often WATCHDOG=1 is due (half of WATCHDOG_USEC), or 0 when the
  // watchdog is off.
  std::int64_t watchdogIntervalMs() const { return watchdogIntervalMs_; }

 private:
  enum class Sent { kYes, kFull, kFailed };
  Sent sendOnce(const std::string& message);
  void pause() const;

  const Clock& clock_;
  const Options options_;
  std::int64_t watchdogIntervalMs_ = 0;
  int fd_ = -1;
  sockaddr_un address_{};
  socklen_t addressLength_ = 0;

  mutable std::mutex statusMutex_;  // guards the three below; never held while waiting
  std::string sentStatus_;          // the last STATUS= line systemd got
  std::string pendingStatus_;       // a newer line not sent yet, or ""
  std::optional<MonoMs> lastStatusTry_;
};

// "STATUS=5 jobs: 2 running, 3 succeeded" (states in the order of interface.md).
std::string statusLine(const std::map<JobState, int>& counts, bool paused);

}  // namespace relinkd

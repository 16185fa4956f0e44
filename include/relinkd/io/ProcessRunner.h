// The real CommandRunner: posix_spawn without a shell, in a process group
// of its own (so a timeout kills what the command started too), with a
// clean signal mask, no inherited file descriptors beyond 0-2, standard
// input from a pipe and standard output and error captured (the first
// 2 KiB, for the log). Timeouts are measured on the injected clock's
// monotonic time, looked at every 50 ms while the command runs.
//
// Thread-safety: run() from one thread at a time; abort() from any thread.
#pragma once

#include <atomic>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Notification.h"

namespace relinkd {

class ProcessRunner final : public CommandRunner {
 public:
  // How long a running command still has once abort() is called: what is
  // left of the 5 s relinkd has to stop after SIGTERM once 1 s is kept for
  // the rest of the stop (abort() is the first thing stop() does).
  static constexpr std::int64_t kStopGraceMs = 4000;

  explicit ProcessRunner(const Clock& clock) : clock_(clock) {}

  CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& input, std::int64_t timeoutMs) override;
  // relinkd is stopping. The command running now may go on for
  // kStopGraceMs and is reported as it ended (so a notification it
  // delivered is recorded as sent, not sent again); one still running then
  // is killed with its process group and reported aborted (its
  // notification was not delivered by a finished run: it stays owed, for
  // the next start, and does not count as a failed try). A later command
  // does not start.
  void abort();

 private:
  const Clock& clock_;
  std::atomic<bool> aborting_{false};
  std::atomic<MonoMs> abortDeadline_{0};  // set before aborting_
};

}  // namespace relinkd

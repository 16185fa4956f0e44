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

#include "relinkd/Clock.h"
#include "relinkd/Notification.h"

namespace relinkd {

class ProcessRunner final : public CommandRunner {
 public:
  // How long a running command still has once abort() is called.
  static constexpr std::int64_t kAbortGraceMs = 1000;

  explicit ProcessRunner(const Clock& clock) : clock_(clock) {}

  CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& input, std::int64_t timeoutMs) override;
  // relinkd is stopping: the command running now gets kAbortGraceMs to
  // finish, then is killed (reported aborted); a later one does not start.
  void abort();

 private:
  const Clock& clock_;
  std::atomic<bool> aborting_{false};
  std::atomic<MonoMs> abortDeadline_{0};  // set before aborting_
};

}  // namespace relinkd

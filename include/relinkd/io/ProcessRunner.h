// The real CommandRunner: posix_spawn without a shell, in a process group
// of its own (so a timeout kills what the command started too), with a
// clean signal mask, no inherited file descriptors beyond 0-2, standard
// input from a pipe and standard output and error captured (the first
// 2 KiB, for the log).
//
// Thread-safety: run() from one thread at a time; abort() from any thread.
#pragma once

#include <atomic>

#include "relinkd/domain/Notification.h"

namespace relinkd {

class ProcessRunner final : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& input, std::int64_t timeoutMs) override;
  // relinkd is stopping: the command running now gets a second to finish,
  // then is killed (reported aborted); a later one does not start.
  void abort() { aborting_ = true; }

 private:
  std::atomic<bool> aborting_{false};
};

}  // namespace relinkd

// Delivering the notifications the engine recorded: for each owed one, in
// the order they fall due, run relinkd.notify.command with the job's
// `relinkctl show --json` object on standard input and RELINKD_JOB,
// RELINKD_STATE and RELINKD_EVENT in a minimal environment (nothing of the
// token is in either). A run that fails or times out is retried after
// 10 s, 20 s, 40 s, ... at most kMaxRetries times, then given up; each
// outcome is stored, so a restart neither loses an owed notification nor
// repeats a sent one.
//
// Thread-safety: one thread calls deliverDue (the daemon's delivery thread,
// so the scheduler never waits for a command); summaries() from any thread.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/ports/JobStore.h"
#include "relinkd/domain/Notification.h"

namespace relinkd {

struct NotifySettings {
  std::vector<std::string> command;  // argv; argv[0] an absolute path
  std::int64_t timeoutMs = 30000;    // relinkd.notify.timeout
  std::int64_t firstRetryMs = 10000; // doubles with every retry
};

class NotificationQueue {
 public:
  static constexpr int kMaxRetries = 5;

  NotificationQueue(JobStore& store, const Clock& clock, CommandRunner& runner, NotifySettings settings);

  // Delivers the owed notifications that are due, one run at a time, until
  // none is due or stopping() says so. Returns when the next owed one is
  // due (wall clock), or nullopt when none is owed. Throws StoreError.
  std::optional<TimeMs> deliverDue(const std::function<bool()>& stopping);
  void setSettings(NotifySettings settings);  // a reload
  // Per job: when one last went out, how many are owed (as of the last deliverDue).
  std::map<std::string, NotificationSummary> summaries() const;

 private:
  bool deliver(Notification notification);  // false: stopped, try no more now
  CommandResult run(const Notification& notification, const Job& job, const NotifySettings& settings);
  void recordRun(Notification& notification, const CommandResult& result, const NotifySettings& settings);
  void record(const Notification& notification);
  std::vector<std::string> environment(const Notification& notification) const;

  JobStore& store_;
  const Clock& clock_;
  CommandRunner& runner_;
  NotifySettings settings_;
  mutable std::mutex mutex_;  // guards settings_ and summaries_
  std::map<std::string, NotificationSummary> summaries_;
  std::optional<Notification> unrecorded_;  // a run's outcome the store refused
};

}  // namespace relinkd

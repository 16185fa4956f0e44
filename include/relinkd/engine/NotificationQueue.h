// Delivering the notifications the engine recorded: for each owed one, in
// the order they fall due, run relinkd.notify.command in a minimal
// environment with
//   a job's:   its `relinkctl show --json` object; RELINKD_JOB, RELINKD_STATE, RELINKD_EVENT
//   a plan's:  its `relinkctl show PLAN --json` object (PlanView.h); RELINKD_PLAN,
//              RELINKD_STATE (empty), RELINKD_EVENT
//   a pause's: the input fixed when it was owed; RELINKD_STATE=paused, RELINKD_EVENT=paused
// on standard input (nothing of the token is in either). A run that fails
// or times out is logged as a warning and retried after 10 s, 20 s, 40 s,
// ... at most 1 h apart, until one succeeds: an outage of the webhook or
// the mail server loses nothing. Each outcome is stored, so a restart
// neither loses an owed notification nor repeats a sent one.
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
#include "relinkd/domain/PlanView.h"

namespace relinkd {

struct NotifySettings {
  std::vector<std::string> command;  // argv; argv[0] an absolute path
  std::int64_t timeoutMs = 30000;    // relinkd.notify.timeout
  std::int64_t firstRetryMs = 10000; // doubles with every retry, up to kNotifyMaxRetryDelayMs
  // The labels of a plan's sites in its file's order (planSiteOrder in io),
  // for a plan's input; empty: the order its jobs were created in.
  SiteOrder planSiteOrder;
};

class NotificationQueue {
 public:
  NotificationQueue(JobStore& store, const Clock& clock, CommandRunner& runner, NotifySettings settings);

  // Delivers the owed notifications that are due, one run at a time, until
  // none is due or stopping() says so. Returns when the next owed one is
  // due (wall clock), or nullopt when none is owed. Throws StoreError.
  std::optional<TimeMs> deliverDue(const std::function<bool()>& stopping);
  void setSettings(NotifySettings settings);  // a reload
  // Per summaryKey (a job, "plan:P", ":paused"): when one last went out,
  // how many are owed (as of the last deliverDue); owedCount() sums them.
  std::map<std::string, NotificationSummary> summaries() const;

 private:
  bool deliver(Notification notification);  // false: stopped, try no more now
  // nullopt: nothing left to say (input() found nothing).
  std::optional<CommandResult> run(const Notification& notification, const NotifySettings& settings);
  // The command's standard input; nullopt when there is nothing left to say
  // (the job, or every job of the plan, is gone).
  std::optional<std::string> input(const Notification& notification, const NotifySettings& settings) const;
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

// Notifications: a job reached a final state, or an unfinished job came
// within 24 hours of its deadline; every job of a plan is final, or the plan
// came within 24 hours of its deadline (relinkd.notify.planJobs = summary);
// jobs were paused because the API rejected the credentials
// (interface.md, "Notifications"). Each is recorded in the store in the
// same transaction as the change that owes it, then delivered by running
// relinkd.notify.command (NotificationQueue) until a run succeeds.
//
// Thread-safety: plain values and an interface.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Job.h"

namespace relinkd {

inline constexpr const char* kEventFinal = "final";
inline constexpr const char* kEventDeadlineNear = "deadline-near";
inline constexpr const char* kEventPaused = "paused";
inline constexpr const char* kEventPlanFinal = "plan-final";
inline constexpr const char* kEventPlanDeadlineNear = "plan-deadline-near";

// The longest wait between two runs of a failing command (interface.md:
// "at most 1 h apart"); the first retry is NotifySettings::firstRetryMs.
inline constexpr std::int64_t kNotifyMaxRetryDelayMs = 3600 * 1000;

// Exactly one of job and plan is set for a job's or a plan's notification;
// neither for kEventPaused, which carries its standard input in input.
struct Notification {
  std::int64_t id = 0;             // set by the store
  std::string job;                 // the job's name (final, deadline-near)
  std::string event;               // one of the kEvent* names
  std::string state;               // the job's state when it was owed; "paused"; empty for a plan
  std::optional<TimeMs> deadline;  // (plan-)deadline-near: the deadline it warns of
  TimeMs createdAt = 0;
  int attempts = 0;                // runs of the command so far
  TimeMs nextAttemptAt = 0;        // when to run it (again)
  std::optional<TimeMs> sentAt;    // when a run succeeded
  bool givenUp = false;            // nothing left to say (its job is gone); schema < 7: every run failed
  std::optional<std::string> lastError;
  // Last, so that the positional initialisers of schema 6's fields stay valid.
  std::string plan;                  // the plan's name (plan-final, plan-deadline-near)
  std::optional<std::string> input;  // paused: the command's standard input, fixed when owed
};

// A notification owed from now: the job reached state (event kEventFinal),
// or its window closes at deadline (kEventDeadlineNear). Due at once.
inline Notification owedNotification(const std::string& job, const char* event, JobState state, TimeMs now,
                                     std::optional<TimeMs> deadline = std::nullopt) {
  Notification owed;
  owed.job = job;
  owed.event = event;
  owed.state = stateName(state);
  owed.deadline = deadline;
  owed.createdAt = now;
  owed.nextAttemptAt = now;
  return owed;
}

// A plan's notification owed from now (kEventPlanFinal, or
// kEventPlanDeadlineNear for deadline). Due at once.
inline Notification owedPlanNotification(const std::string& plan, const char* event, TimeMs now,
                                         std::optional<TimeMs> deadline = std::nullopt) {
  Notification owed;
  owed.plan = plan;
  owed.event = event;
  owed.deadline = deadline;
  owed.createdAt = now;
  owed.nextAttemptAt = now;
  return owed;
}

// The one rule for what a job that just reached a final state owes, for the
// daemon (SchedulerNotices) and relinkctl (cancel) alike: its own `final`,
// unless it is a plan's job and planSummaries (relinkd.notify.planJobs =
// summary); then `plan-final` if planStates, the states of every job of its
// plan by name (this one's final state included) as stored in the
// transaction that makes it final, are all final (the plan's stand-in does
// not count), else nothing. Deciding on the store inside that transaction
// makes exactly one writer, daemon or relinkctl, see the plan finished.
std::optional<Notification> owedAtFinal(const Job& job, bool planSummaries,
                                        const std::map<std::string, JobState>& planStates, TimeMs now);

// True when owedAtFinal() needs the states of the job's plan.
inline bool announcedWithPlan(const Job& job, bool planSummaries) {
  return planSummaries && !job.plan.empty() && !isPlanStandIn(job);
}

// The key of a notification in JobStore::notificationSummaries(): its job's name,
// "plan:NAME" for a plan's, ":paused" for a pause's (neither can be a job's name).
inline std::string summaryKey(const Notification& n) {
  if (!n.job.empty()) return n.job;
  return n.plan.empty() ? std::string(":paused") : "plan:" + n.plan;
}

// The delay before run attempts + 1 of a command whose runs all failed:
// firstMs, doubling, at most kNotifyMaxRetryDelayMs.
inline std::int64_t notifyRetryDelay(std::int64_t firstMs, int attempts) {
  std::int64_t delay = firstMs;
  for (int i = 1; i < attempts && delay < kNotifyMaxRetryDelayMs; ++i) delay *= 2;
  return delay < kNotifyMaxRetryDelayMs ? delay : kNotifyMaxRetryDelayMs;
}

// Per summaryKey (a job, a plan, the pause), for relinkctl show, relinkctl
// status and the status page.
struct NotificationSummary {
  std::optional<TimeMs> lastSentAt;
  int owed = 0;  // recorded, not yet sent, not given up
};

// Every notification owed, of jobs, plans and pauses, from the store's
// summaries (relinkctl status, relinkd_notifications_owed).
int owedCount(const std::map<std::string, NotificationSummary>& summaries);

// What running a command gave.
struct CommandResult {
  bool started = false;     // false: it could not be run at all (error says why)
  bool timedOut = false;    // killed at the timeout
  bool aborted = false;     // killed because relinkd is stopping
  int exitStatus = -1;      // when it exited by itself
  int signal = 0;           // when a signal ended it
  std::string error;        // why it did not start, or its standard error (bounded)
  bool ok() const { return started && !timedOut && !aborted && signal == 0 && exitStatus == 0; }
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv (argv[0] an absolute path, no shell) with exactly env
  // ("NAME=value") and input on standard input; kills it after timeoutMs.
  virtual CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                            const std::string& input, std::int64_t timeoutMs) = 0;
};

}  // namespace relinkd

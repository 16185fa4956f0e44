// Notifications: a job reached a final state, or an unfinished job came
// within 24 hours of its deadline (interface.md, "Notifications"). Each is
// recorded in the store in the same transaction as the change that owes it,
// then delivered by running relinkd.notify.command (NotificationQueue).
//
// Thread-safety: plain values and an interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Job.h"

namespace relinkd {

inline constexpr const char* kEventFinal = "final";
inline constexpr const char* kEventDeadlineNear = "deadline-near";

struct Notification {
  std::int64_t id = 0;             // set by the store
  std::string job;                 // the job's name
  std::string event;               // kEventFinal or kEventDeadlineNear
  std::string state;               // the job's state when it was owed
  std::optional<TimeMs> deadline;  // deadline-near: the deadline it warns of
  TimeMs createdAt = 0;
  int attempts = 0;                // runs of the command so far
  TimeMs nextAttemptAt = 0;        // when to run it (again)
  std::optional<TimeMs> sentAt;    // when a run succeeded
  bool givenUp = false;            // every run failed
  std::optional<std::string> lastError;
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

// Per job, for relinkctl show and the status page.
struct NotificationSummary {
  std::optional<TimeMs> lastSentAt;
  int owed = 0;  // recorded, not yet sent, not given up
};

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

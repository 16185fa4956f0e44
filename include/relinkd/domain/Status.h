// What `relinkctl status` reports (interface.md, "relinkctl"): whether
// relinkd runs, the jobs per state, the pause and why, the notifications
// owed, whether the database can be written, and what needs an operator,
// each as a sentence saying what is wrong and what to do about it.
// /healthz shares pausedReason().
//
// Thread-safety: free functions on values.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"

namespace relinkd {

// What is known of the daemon, from its lock (relinkd.lock).
struct DaemonFacts {
  bool running = false;
  std::optional<int> pid;
  std::optional<TimeMs> since;
  bool storeWritable = true;
  // Why it cannot be told whether relinkd runs (relinkd.lock cannot be
  // read by this user); empty when it can. running is false then.
  std::string unknown;
};

struct StatusReport {
  DaemonFacts daemon;
  std::map<JobState, int> jobs;  // every state, 0 included
  int paused = 0;                // jobs paused because the API rejected the credentials
  std::string pausedReason;      // empty when none is paused
  int notificationsOwed = 0;
  std::vector<std::string> attention;  // empty: nothing needs attention
};

// jobs: every job in the database; notificationsOwed: notifications not
// delivered yet; notifyOn: relinkd.notify.command is set (else nothing
// sends what is owed). Jobs whose file is gone (history) need no attention.
StatusReport assessStatus(const DaemonFacts& daemon, const std::vector<Job>& jobs, int notificationsOwed,
                          TimeMs now, bool notifyOn = true);

// Why paused jobs wait: the lastError most of them share (the first by
// name on a tie); empty when none is paused or none says why.
std::string pausedReason(const std::vector<const Job*>& jobs);
std::string pausedReason(const JobList& jobs);

}  // namespace relinkd

// What `relinkctl retry` and `relinkctl cancel` do to a job. relinkctl
// applies them straight to the database (so they work with the daemon
// stopped); a running daemon sees the change within a second.
//
// Thread-safety: free functions on values.
#pragma once

#include <string>

#include "relinkd/domain/Job.h"

namespace relinkd {

struct ActionResult {
  bool allowed = false;
  std::string why;  // when !allowed: "job is succeeded; only failed, paused or retrying jobs can be retried"
};

// Re-arms a failed, paused or retrying job for an attempt now: a failed job
// gets a fresh attempt count; a job whose window has closed, or whose
// submission is in flight (Job::submitting), is refused.
// On success job and entry are updated (caller saves both).
ActionResult applyRetry(Job& job, TimeMs now, HistoryEntry& entry);

// Stops a job that has not finished (any state but succeeded, failed,
// expired, cancelled). The remote job, if any, is no longer polled.
ActionResult applyCancel(Job& job, TimeMs now, HistoryEntry& entry);

}  // namespace relinkd

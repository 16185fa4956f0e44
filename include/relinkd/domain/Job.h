// A job as relinkd records it: the states of interface.md and the fields
// `relinkctl` shows. Plain values shared by the store, the engine and
// relinkctl.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"

namespace relinkd {

enum class JobState {
  kInvalid,
  kQueued,
  kRunning,
  kRetrying,
  kPaused,
  kSucceeded,
  kFailed,
  kExpired,
  kCancelled,
};

// Every state, in the order of interface.md's table.
inline constexpr std::array<JobState, 9> kAllStates{
    JobState::kInvalid,   JobState::kQueued, JobState::kRunning,
    JobState::kRetrying,  JobState::kPaused, JobState::kSucceeded,
    JobState::kFailed,    JobState::kExpired, JobState::kCancelled,
};

const char* stateName(JobState state);                   // "queued", ...
std::string stateOutcome(JobState state);                // "state: queued", a history entry's outcome
std::optional<JobState> parseState(const std::string& name);
// succeeded, failed, expired, cancelled. (invalid is final until its file changes.)
bool isFinal(JobState state);

struct Job {
  std::string name;                      // the file name without ".json"
  std::string file;                      // full path of the job file
  std::optional<std::string> fileHash;   // SHA-256 (hex) of the content; nullopt once the file is gone
  std::optional<std::string> fileStamp;  // ListedFile stamp of that content; nullopt when not to be trusted
  std::optional<std::string> specJson;   // normalised spec (specToJson); nullopt when invalid
  std::string siteId;                    // from the spec or discovered; empty until known
  std::string plan;                      // the plan it is derived from (PLAN.SRC.DST), or, for the job
                                         // named PLAN, the plan whose file is invalid; empty otherwise
  std::optional<std::string> remoteJobId;
  std::optional<std::string> remoteStatus;  // as the API spelled it
  std::optional<TimeMs> nextAttemptAt;   // when the next request for this job is due
  std::optional<TimeMs> deadline;        // no request after this
  std::optional<std::string> lastError;
  std::optional<std::string> result;     // the remote job's final status answer (Complete or Error), bounded
  // The record (relinkctl report), kept by recordTimes() on every save:
  std::optional<TimeMs> firstSubmittedAt;  // the first submission of its current spec
  std::optional<TimeMs> finishedAt;        // when it reached the final state it is in
  TimeMs createdAt = 0;
  TimeMs updatedAt = 0;
  TimeMs acceptedAt = 0;                 // first acceptance: the window's start without migratedAt
  JobState state = JobState::kQueued;    // (the small fields together: no padding between them)
  int attempts = 0;                      // submissions made (for maxAttempts)
  bool submitting = false;               // a submission was sent; its answer is not recorded yet
  // The scheduler keeps specJson out of memory (it is most of a job's size
  // and needed only to submit): specJson may then be unset, and save()
  // keeps the stored spec whatever specJson holds. JobStore::specOf reads it.
  bool specLeftOut = false;
  std::int64_t version = 0;              // bumped by every saved change (compare-and-set)
};

// Shared, immutable snapshots of jobs: what the engine publishes to the
// status server without copying every job.
using JobList = std::vector<std::shared_ptr<const Job>>;

// Where a paused job goes when it resumes: polling its remote job if it has
// one, else waiting for its first or next submission.
inline JobState resumedState(const Job& job) {
  if (job.remoteJobId) return JobState::kRunning;
  return job.attempts == 0 ? JobState::kQueued : JobState::kRetrying;
}

// The job named after its plan that shows the plan's problem while the plan
// file is invalid; never final, it is no job of the plan's own.
inline bool isPlanStandIn(const Job& job) { return !job.plan.empty() && job.name == job.plan; }

// One line of a job's history (`relinkctl show`).
struct HistoryEntry {
  TimeMs at = 0;
  std::string action;               // "created", "submit", "poll", "file-changed", "retry", ...
  std::optional<int> httpStatus;    // the response's status, when there was one
  std::string outcome;              // "ok", "transient", "rate-limited", "permanent", "state: running", ...
  std::string detail;               // for operators; never a secret, never file content
};

// Keeps the record's times of a job about to be saved with entry (every
// JobStore::save calls it, so the engine and relinkctl keep them alike):
// finishedAt is set when the job is final and has none (to entry's time,
// else updatedAt), and cleared when it is not final; firstSubmittedAt is
// set by the first "submit" entry while it has none. A new spec (the file
// changed) clears firstSubmittedAt: the engine does that where it arms the job.
void recordTimes(Job& job, const HistoryEntry* entry);

}  // namespace relinkd

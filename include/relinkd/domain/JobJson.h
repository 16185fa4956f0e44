// Jobs as JSON, the shape of interface.md: `relinkctl list --json`,
// `relinkctl show --json` and the daemon's GET /jobs all use these, so the
// outside sees one format.
//
// A job object has the keys name, file, state, remoteJobId, remoteStatus,
// attempts, nextAttemptAt, deadline, lastError, createdAt, updatedAt,
// siteId, deadlineNear and plan (the plan a job is derived from, null for a
// job file's job); times are RFC 3339 UTC strings, absent values
// null. The file hash, the spec and internal bookkeeping are not shown.
//
// Thread-safety: free functions on values.
#pragma once

#include <string>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/Notification.h"

namespace relinkd {

// How close a deadline must be to warn the operator.
inline constexpr std::int64_t kDeadlineNearMs = 24LL * 60 * 60 * 1000;

// True when the job has not reached a final state and its deadline is less
// than kDeadlineNearMs away (or already past).
bool isDeadlineNear(const Job& job, TimeMs now);

Poco::JSON::Object::Ptr jobToJson(const Job& job, TimeMs now);

// The job's spec (specJson) as an object with the job file's field names;
// null when the job has none (invalid) or it cannot be read.
Poco::JSON::Object::Ptr specObject(const Job& job);

// The remote job's final status answer as JSON (its text when it is not
// JSON), or null.
Poco::Dynamic::Var resultValue(const Job& job);

// jobToJson plus "spec" (the job's fields as parsed from specJson, or null),
// "result" (resultValue)
// and "history" ([{"at", "action", "httpStatus", "outcome", "detail"}],
// oldest first), for `relinkctl show --json`.
Poco::JSON::Object::Ptr jobDetailToJson(const Job& job, const std::vector<HistoryEntry>& history,
                                        TimeMs now);

// Adds "lastNotifiedAt" (when a notification about the job last went out,
// or null), "notificationOwed" (one is recorded and not yet sent) and
// "notifications" ([{"event", "state", "owedAt", "attempts", "sentAt",
// "givenUp", "lastError"}], oldest first) for `relinkctl show --json` and
// the notification command's input.
void addNotifications(Poco::JSON::Object& object, const std::vector<Notification>& notifications);

// A JSON array of jobToJson objects, as text (`list --json`, GET /jobs).
std::string jobListJson(const std::vector<Job>& jobs, TimeMs now);
std::string jobListJson(const JobList& jobs, TimeMs now);

// The standard input of a pause's notification: {"event": "paused",
// "reason": reason, "jobs": [NAME...]}, as text.
std::string pausedNoticeJson(const std::string& reason, const std::vector<std::string>& jobs);

// Compact JSON text of an object or array (one line, UTF-8 kept as is).
std::string toJsonText(const Poco::JSON::Object::Ptr& object);
std::string toJsonText(const Poco::JSON::Array::Ptr& array);

}  // namespace relinkd

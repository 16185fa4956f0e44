// The human-readable status page (GET /): counts by state, a table of jobs
// and a banner while the credentials are rejected. One self-contained HTML
// document (inline CSS, no scripts, no external resources) that refreshes
// itself every 5 seconds.
//
// Thread-safety: pure functions on values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Html.h"  // escapeHtml, used by the page and its callers
#include "relinkd/domain/Job.h"
#include "relinkd/domain/Notification.h"

namespace relinkd {

// What the page shows as the time left in a job's window: formatDuration of
// what remains, "closed" once the deadline has passed, "-" for jobs no longer
// worked on (final or invalid) and jobs without a deadline.
std::string timeLeft(const Job& job, TimeMs now);

// notifications: per job (when relinkd.notify.command is set; else null),
// shown as a column of when the last one went out or that one is owed.
std::string renderStatusPage(const JobList& jobs, bool paused, TimeMs now,
                             const std::map<std::string, NotificationSummary>* notifications = nullptr);

}  // namespace relinkd

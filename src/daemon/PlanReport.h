// The HTML report of one plan for GET /report?plan=P: the same document
// `relinkctl report --format=html P` writes, read from the database.
//
// Thread-safety: safe from any thread; each call opens its own read-only
// connection (a SqliteJobStore is one connection, used by one thread).
// Calls run one at a time: each reads every job and renders megabytes for
// a large plan, and clients asking at once (the endpoint has no login)
// must not take both cores from the scheduler. A call that cannot start
// within 2 s throws SourceBusy (StatusServer.h: a 503).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "relinkd/domain/Time.h"

namespace relinkd {

// reportHtml of the plan's jobs, as of now; nullopt when no job in the
// database belongs to plan. windowMs: relinkd.window (to read the plan file
// for its sites' order). Throws StoreError when the database cannot be read.
std::optional<std::string> planReportHtml(const std::string& databasePath, const std::string& plan,
                                          std::int64_t windowMs, TimeMs now);

}  // namespace relinkd

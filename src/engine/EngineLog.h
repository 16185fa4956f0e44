// How the engine speaks to operators: one line per state change, with the
// job's name and the reason, at a level that means something.
#pragma once

#include <Poco/Logger.h>

#include <optional>

#include "relinkd/domain/Job.h"

namespace relinkd {

Poco::Logger& engineLog();

// Logs job's change from `before` (nullopt: a new job) with the entry's detail.
void logTransition(const Job& job, std::optional<JobState> before,
                   const std::optional<HistoryEntry>& entry);

}  // namespace relinkd

// relinkctl preflight (interface.md, "preflight"): the sites that job and
// plan files involve (PreflightSites.cpp) and the checks of each
// (Preflight.cpp, judged by relinkd/policy/Preflight.h).
//
// Thread-safety: collectSites runs on relinkctl's main thread, before the
// request threads start; what it returns is only read after.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "relinkd/config/Config.h"
#include "relinkd/domain/Clock.h"
#include "relinkd/policy/Preflight.h"

namespace relinkd::ctl {

// A site whose links some job updates (its productURL), with what the files
// say about it.
struct PreflightSite {
  std::string url;                        // as written
  std::vector<GivenId> givenIds;          // siteId / siteIds entries given for it
  std::optional<TimeMs> deadline;         // the earliest among its jobs
  std::string deadlineJob;                // whose deadline that is
  std::vector<std::string> destinations;  // of its jobs that recreate links as remote, first-seen order
};

struct PreflightInput {
  std::vector<CheckLine> fileProblems;  // one fail line per unreadable or invalid file, or unknown NAME
  std::vector<PreflightSite> sites;     // in the order the files name them
  std::size_t files = 0;                // the files read
};

// The sites of the FILEs, NAMEs (NAME.json) and PLANs (PLAN.plan.json in
// relinkd.jobs.dir) named, or of every file in relinkd.jobs.dir when none
// is. A job without migratedAt has its stored deadline when the database
// knows it (read only; never created), else now + relinkd.window.
PreflightInput collectSites(const std::vector<std::string>& args, const Config& config, TimeMs now);

}  // namespace relinkd::ctl

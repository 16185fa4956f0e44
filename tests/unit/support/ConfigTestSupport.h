// Helpers shared by the configuration tests: a fake environment, the list
// of keys interface.md names, and a temporary directory removed at the end.
#pragma once


#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "relinkd/config/Config.h"

namespace configtest {

inline relinkd::EnvLookup fakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline const std::vector<std::string> kAllKeys = {
    "relinkd.jobs.dir",          "relinkd.state.dir",         "relinkd.api.baseUrl",
    "relinkd.api.email",         "relinkd.api.tokenFile",     "relinkd.api.caFile",
    "relinkd.api.timeout",       "relinkd.api.proxy",         "relinkd.api.concurrency",
    "relinkd.retry.initialDelay", "relinkd.retry.maxDelay",   "relinkd.retry.multiplier",
    "relinkd.retry.maxAttempts", "relinkd.poll.interval",     "relinkd.window",
    "relinkd.http.listen",       "relinkd.log.level",         "relinkd.notify.command",
    "relinkd.notify.timeout",    "relinkd.notify.planJobs"};


}  // namespace configtest

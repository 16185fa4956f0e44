#include <sys/stat.h>

#include <iostream>

#include "Commands.h"

namespace relinkd::ctl {

bool databaseExists(const Config& config) {
  struct stat st {};
  return ::stat(config.databasePath().c_str(), &st) == 0;
}

std::string missingDatabaseMessage(const Config& config) {
  return "no database at " + config.databasePath() +
         ": relinkd has not run yet with this state directory (relinkd.state.dir)";
}

std::unique_ptr<SqliteJobStore> openDatabase(const Config& config, bool readOnly) {
  // A read-write open would create an empty database where the daemon was
  // never started (often: the wrong --config or relinkd.state.dir).
  if (!databaseExists(config)) throw StoreError(missingDatabaseMessage(config));
  return std::make_unique<SqliteJobStore>(config.databasePath(), readOnly);
}

void printError(const std::string& message) { std::cerr << "relinkctl: " << message << "\n"; }

const std::string& singleName(const Invocation& invocation) {
  if (invocation.args.size() != 1) {
    throw UsageError(invocation.command + " needs exactly one job NAME", invocation.command);
  }
  return invocation.args.front();
}

std::optional<JobState> stateOption(const Invocation& invocation) {
  if (!invocation.has("state")) return std::nullopt;
  const std::string& name = invocation.options.at("state");
  auto state = parseState(name);
  if (!state) {
    throw UsageError("unknown state \"" + name +
                         "\" (one of invalid, queued, running, retrying, paused, succeeded, "
                         "failed, expired, cancelled)",
                     invocation.command);
  }
  return state;
}

}  // namespace relinkd::ctl

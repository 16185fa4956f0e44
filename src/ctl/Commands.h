// relinkctl's commands (interface.md, "relinkctl"). Each returns the exit
// status; results go to standard output, errors to standard error.
// StoreError and UsageError propagate to main, which reports them.
#pragma once

#include <memory>
#include <string>

#include "CommandLine.h"
#include "relinkd/config/Config.h"
#include "relinkd/io/InstanceLock.h"
#include "relinkd/store/SqliteJobStore.h"

namespace relinkd::ctl {

int runList(const Invocation& invocation, const Config& config);
int runShow(const Invocation& invocation, const Config& config);
int runValidate(const Invocation& invocation, const Config& config);
int runRetry(const Invocation& invocation, const Config& config);
int runCancel(const Invocation& invocation, const Config& config);
int runWait(const Invocation& invocation, const Config& config);
int runStatus(const Invocation& invocation, const Config& config);

// The daemon's database (Config::databasePath()). Never creates it: when
// the file is missing, throws StoreError saying the daemon has not run yet.
bool databaseExists(const Config& config);
std::string missingDatabaseMessage(const Config& config);
std::unique_ptr<SqliteJobStore> openDatabase(const Config& config, bool readOnly);

// Whether a relinkd holds the state directory (its lock, relinkd.lock).
InstanceProbe probeDaemon(const Config& config);
// list and show: "relinkctl: relinkd is not running; states are as it left
// them" on standard error when no relinkd holds the state directory.
void warnWhenNotRunning(const Config& config);

// Prints "relinkctl: message" on standard error.
void printError(const std::string& message);

// The one NAME argument of show, retry and cancel; UsageError otherwise.
const std::string& singleName(const Invocation& invocation);

}  // namespace relinkd::ctl

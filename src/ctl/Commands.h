// relinkctl's commands (interface.md, "relinkctl"). Each returns the exit
// status; results go to standard output, errors to standard error.
// StoreError and UsageError propagate to main, which reports them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CommandLine.h"
#include "relinkd/config/Config.h"
#include "relinkd/io/InstanceLock.h"
#include "relinkd/ports/JobSource.h"
#include "relinkd/store/SqliteJobStore.h"

namespace relinkd::ctl {

int runList(const Invocation& invocation, const Config& config);
int runShow(const Invocation& invocation, const Config& config);
int runValidate(const Invocation& invocation, const Config& config);
int runRetry(const Invocation& invocation, const Config& config);
int runCancel(const Invocation& invocation, const Config& config);
int runWait(const Invocation& invocation, const Config& config);
int runStatus(const Invocation& invocation, const Config& config);
int runDiff(const Invocation& invocation, const Config& config);
int runPreflight(const Invocation& invocation, const Config& config);
int runReport(const Invocation& invocation, const Config& config);

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

// The one NAME argument of show; UsageError otherwise.
const std::string& singleName(const Invocation& invocation);

// The value of --state, if given; UsageError for a name that is no state.
std::optional<JobState> stateOption(const Invocation& invocation);

// Job files in relinkd.jobs.dir that give way to a plan's job of the same
// name (relinkd ignores them, PlanNames.h), each as an invalid job that is
// not in the database: name, file, state invalid, lastError why. The
// directory is listed once; one it cannot list has none.
std::vector<Job> ignoredJobFiles(const Config& config, const std::vector<Job>& jobs);
// The same for a listing already made of that directory.
std::vector<Job> ignoredJobFiles(const Config& config, const std::vector<Job>& jobs, const Listing& listing);

}  // namespace relinkd::ctl

// relinkctl status: is relinkd running, and does anything need an operator
// (relinkd/domain/Status.h decides what). Reads the lock and the database;
// writes nothing.
#include <unistd.h>

#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "Commands.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/Status.h"
#include "relinkd/domain/Time.h"

namespace relinkd::ctl {

namespace {

using Poco::Dynamic::Var;

// The daemon's record when it runs; else whether the database could be
// written now (by this user: relinkd may run as another one).
DaemonFacts daemonFacts(const Config& config) {
  const InstanceProbe probe = probeDaemon(config);
  DaemonFacts facts;
  if (probe.state == InstanceProbe::State::kUnknown) facts.unknown = probe.problem;
  facts.running = probe.running();
  if (facts.running && probe.pid > 0) facts.pid = probe.pid;  // 0: another pid namespace, or an old relinkd
  if (probe.record) {
    facts.since = probe.record->since;
    facts.storeWritable = probe.record->storeWritable;
  } else {
    facts.storeWritable = ::access(config.stateDir.c_str(), W_OK) == 0 &&
                          (!databaseExists(config) || ::access(config.databasePath().c_str(), W_OK) == 0);
  }
  return facts;
}

std::string jobsLine(const StatusReport& report) {
  std::string line;
  for (JobState state : kAllStates) {
    const int n = report.jobs.at(state);
    if (n > 0) line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + stateName(state);
  }
  return line.empty() ? "none" : line;
}

void printText(const StatusReport& report, TimeMs now) {
  const DaemonFacts& daemon = report.daemon;
  std::cout << "relinkd:        ";
  if (!daemon.unknown.empty()) {
    std::cout << "cannot tell (" << daemon.unknown << ")\n";
  } else if (!daemon.running) {
    std::cout << "not running\n";
  } else {
    std::cout << "running, pid " << (daemon.pid ? std::to_string(*daemon.pid) : "unknown");
    if (daemon.since) std::cout << ", since " << formatTime(*daemon.since) << " (" << formatDuration(now - *daemon.since) << ")";
    std::cout << "\n";
  }
  std::cout << "jobs:           " << jobsLine(report) << "\n"
            << "paused:         "
            << (report.paused == 0 ? "none" : std::to_string(report.paused) + (report.paused == 1 ? " job" : " jobs"))
            << (report.pausedReason.empty() ? "" : ": " + report.pausedReason) << "\n"
            << "notifications:  " << (report.notificationsOwed == 0 ? "none" : std::to_string(report.notificationsOwed))
            << " owed\n"
            << "database:       " << (daemon.storeWritable ? "writable" : "CANNOT BE WRITTEN") << "\n";
  if (report.attention.empty()) {
    std::cout << "attention:      nothing needs attention\n";
    return;
  }
  std::cout << "attention:\n";
  for (const std::string& text : report.attention) std::cout << "  - " << text << "\n";
}

void printJson(const StatusReport& report) {
  const DaemonFacts& daemon = report.daemon;
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("running", daemon.unknown.empty() ? Var(daemon.running) : Var());  // null: cannot tell
  object->set("pid", daemon.pid ? Var(*daemon.pid) : Var());
  object->set("since", daemon.since ? Var(formatTime(*daemon.since)) : Var());
  Poco::JSON::Object::Ptr jobs = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (JobState state : kAllStates) jobs->set(stateName(state), report.jobs.at(state));
  object->set("jobs", jobs);
  object->set("paused", report.paused);
  object->set("pausedReason", report.pausedReason.empty() ? Var() : Var(report.pausedReason));
  object->set("notificationsOwed", report.notificationsOwed);
  object->set("storeWritable", daemon.storeWritable);
  Poco::JSON::Array::Ptr attention = new Poco::JSON::Array;
  for (const std::string& text : report.attention) attention->add(text);
  object->set("attention", attention);
  std::cout << toJsonText(object) << "\n";
}

}  // namespace

int runStatus(const Invocation& invocation, const Config& config) {
  if (!invocation.args.empty()) throw UsageError("status takes no arguments", invocation.command);
  const DaemonFacts daemon = daemonFacts(config);
  std::vector<Job> jobs;
  int owed = 0;
  if (databaseExists(config)) {
    const auto store = openDatabase(config, true);
    jobs = store->all();
    owed = owedCount(store->notificationSummaries());
  } else {
    printError(missingDatabaseMessage(config));
  }
  const TimeMs now = SystemClock().wallNow();
  const StatusReport report = assessStatus(daemon, jobs, owed, now, !config.notifyCommand.empty());
  if (invocation.has("json")) printJson(report);
  else printText(report, now);
  if (!daemon.unknown.empty()) return kExitFailure;
  if (!daemon.running) return kExitNotRunning;
  return report.attention.empty() ? kExitOk : kExitFailure;
}

}  // namespace relinkd::ctl

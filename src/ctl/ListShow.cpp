// relinkctl list and show.
#include <iostream>

#include <Poco/JSON/Object.h>

#include "Commands.h"
#include "Plans.h"
#include "Table.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobJson.h"

namespace relinkd::ctl {

namespace {

constexpr std::size_t kLastErrorWidth = 60;

std::string orDash(const std::optional<std::string>& text) {
  return text && !text->empty() ? oneLine(*text) : "-";
}

// Time left in the window, for the list's DEADLINE-IN column. A failed job
// shows it too: `relinkctl retry` can re-arm it until then.
std::string deadlineIn(const Job& job, TimeMs now) {
  if ((isFinal(job.state) && job.state != JobState::kFailed) || !job.deadline) return "-";
  if (*job.deadline <= now) return "closed";
  return formatDuration(*job.deadline - now);
}

// "2026-11-28T01:17:10Z (in 3h 5m)" or "(...) ago".
std::string timeAndDistance(TimeMs t, TimeMs now) {
  const std::string distance =
      t >= now ? "in " + formatDuration(t - now) : formatDuration(now - t) + " ago";
  return formatTime(t) + " (" + distance + ")";
}

std::string optionalTime(const std::optional<TimeMs>& t, TimeMs now) {
  return t ? timeAndDistance(*t, now) : "-";
}

void printDeadlineWarning(std::ostream& out, const Job& job, TimeMs now) {
  if (!isDeadlineNear(job, now)) return;
  out << "warning: " << job.name << ": ";
  if (*job.deadline > now) {
    out << "its window closes in " << formatDuration(*job.deadline - now) << " ("
        << formatTime(*job.deadline) << ") and it has not succeeded yet\n";
  } else {
    out << "its window closed at " << formatTime(*job.deadline)
        << "; no request will be sent any more\n";
  }
}

// Without --wide, LAST-ERROR is cut to what the terminal has room for
// (at least kLastErrorWidth characters); with it, nothing is cut.
void printJobTable(const std::vector<Job>& jobs, TimeMs now, bool wide) {
  Table table({"NAME", "STATE", "PLAN", "ATTEMPTS", "DEADLINE-IN", "LAST-ERROR"});
  for (const auto& job : jobs) {
    table.addRow({job.name, stateName(job.state), job.plan.empty() ? "-" : job.plan, std::to_string(job.attempts),
                  deadlineIn(job, now), orDash(job.lastError)});
  }
  if (!wide) table.fitLastColumn(outputColumns().value_or(0), kLastErrorWidth);
  table.print(std::cout);
  for (const auto& job : jobs) printDeadlineWarning(std::cout, job, now);
}

void printSpec(const Job& job) {
  const Poco::JSON::Object::Ptr spec = specObject(job);
  if (!spec) {
    std::cout << "spec:          - (the job file was not accepted)\n";
    return;
  }
  std::cout << "spec:\n";
  for (const auto& key : spec->getNames()) {
    std::cout << "  " << key << ": " << oneLine(spec->get(key).toString()) << "\n";
  }
}

void printHistory(const std::vector<HistoryEntry>& history) {
  std::cout << "history:\n";
  if (history.empty()) {
    std::cout << "  (none)\n";
    return;
  }
  Table table({"AT", "ACTION", "HTTP", "OUTCOME", "DETAIL"});
  for (const auto& entry : history) {
    table.addRow({formatTime(entry.at), oneLine(entry.action),
                  entry.httpStatus ? std::to_string(*entry.httpStatus) : "-",
                  oneLine(entry.outcome), entry.detail.empty() ? "-" : oneLine(entry.detail)});
  }
  table.print(std::cout);
}

void printNotifications(const std::vector<Notification>& notifications, TimeMs now) {
  if (notifications.empty()) return;  // none owed, or relinkd.notify.command is off
  std::cout << "notifications:\n";
  Table table({"EVENT", "STATE", "OWED-AT", "SENT", "TRIES", "LAST-ERROR"});
  for (const Notification& n : notifications) {
    const std::string sent = n.sentAt ? timeAndDistance(*n.sentAt, now) : n.givenUp ? "given up" : "owed";
    table.addRow({n.event, n.state, formatTime(n.createdAt), sent, std::to_string(n.attempts), orDash(n.lastError)});
  }
  table.print(std::cout);
}

// A job file NAME.json that gives way to the plan's job NAME, shown after it.
void printIgnoredFile(const Job& file) {
  std::cout << "ignored file:  " << file.file << ": " << stateName(file.state) << ": " << oneLine(*file.lastError)
            << "\n";
}

Poco::JSON::Object::Ptr ignoredFileToJson(const Job& file) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("file", file.file);
  object->set("state", std::string(stateName(file.state)));
  object->set("lastError", *file.lastError);
  return object;
}

void printJobDetail(const Job& job, const std::vector<HistoryEntry>& history, const std::vector<Job>& ignored,
                    TimeMs now) {
  std::cout << "name:          " << job.name << "\n"
            << "file:          " << job.file << "\n"
            << "state:         " << stateName(job.state) << "\n"
            << "plan:          " << (job.plan.empty() ? "-" : job.plan) << "\n"
            << "siteId:        " << (job.siteId.empty() ? "-" : job.siteId) << "\n"
            << "remoteJobId:   " << orDash(job.remoteJobId) << "\n"
            << "remoteStatus:  " << orDash(job.remoteStatus) << "\n"
            << "attempts:      " << job.attempts << "\n"
            << "nextAttemptAt: " << optionalTime(job.nextAttemptAt, now) << "\n"
            << "deadline:      " << optionalTime(job.deadline, now) << "\n"
            << "lastError:     " << orDash(job.lastError) << "\n"
            << "createdAt:     " << timeAndDistance(job.createdAt, now) << "\n"
            << "updatedAt:     " << timeAndDistance(job.updatedAt, now) << "\n";
  if (job.result) std::cout << "result:        " << oneLine(*job.result) << "\n";
  for (const Job& file : ignored) printIgnoredFile(file);
  printDeadlineWarning(std::cout, job, now);
  printSpec(job);
  printHistory(history);
}

// The jobs, each followed by the job file that gives way to it, if any.
std::vector<Job> withIgnoredFiles(const Config& config, std::vector<Job> jobs) {
  std::vector<Job> ignored = ignoredJobFiles(config, jobs);
  if (ignored.empty()) return jobs;
  std::vector<Job> merged;
  merged.reserve(jobs.size() + ignored.size());
  auto next = ignored.begin();
  for (Job& job : jobs) {
    const std::string name = job.name;
    merged.push_back(std::move(job));
    for (; next != ignored.end() && next->name == name; ++next) merged.push_back(std::move(*next));
  }
  return merged;
}

}  // namespace

int runList(const Invocation& invocation, const Config& config) {
  const auto filter = stateOption(invocation);
  if (!invocation.args.empty()) throw UsageError("list takes no arguments", invocation.command);
  const TimeMs now = SystemClock().wallNow();
  const std::optional<std::string> plan =
      invocation.has("plan") ? std::optional<std::string>(invocation.options.at("plan")) : std::nullopt;
  std::vector<Job> jobs;
  if (databaseExists(config)) {
    warnWhenNotRunning(config);
    for (auto& job : withIgnoredFiles(config, openDatabase(config, true)->all())) {
      if ((!filter || job.state == *filter) && (!plan || job.plan == *plan)) jobs.push_back(std::move(job));
    }
  } else {
    printError(missingDatabaseMessage(config));
  }
  if (invocation.has("json")) {
    std::cout << jobListJson(jobs, now) << "\n";
  } else if (jobs.empty()) {
    std::cout << "no jobs" << (filter ? std::string(" in state ") + stateName(*filter) : "")
              << (plan ? " of plan " + *plan : "") << "\n";
  } else {
    printJobTable(jobs, now, invocation.has("wide"));
  }
  return kExitOk;
}

int runShow(const Invocation& invocation, const Config& config) {
  const std::string& name = singleName(invocation);
  const auto store = openDatabase(config, true);
  warnWhenNotRunning(config);
  const TimeMs now = SystemClock().wallNow();
  if (const std::vector<Job> planJobs = jobsOfPlan(store->all(), name); !planJobs.empty()) {
    return showPlan(name, planJobs, config.windowMs, invocation.has("json"), now);
  }
  const auto job = store->find(name);
  if (!job) {
    printError("no job named \"" + name + "\" in " + config.databasePath());
    return kExitFailure;
  }
  const auto history = store->history(name);
  const auto notifications = store->notificationsOf(name);
  const std::vector<Job> ignored = ignoredJobFiles(config, {*job});
  if (invocation.has("json")) {
    Poco::JSON::Object::Ptr object = jobDetailToJson(*job, history, now);
    addNotifications(*object, notifications);
    if (!ignored.empty()) object->set("ignoredFile", ignoredFileToJson(ignored.front()));
    std::cout << toJsonText(object) << "\n";
  } else {
    printJobDetail(*job, history, ignored, now);
    printNotifications(notifications, now);
  }
  return kExitOk;
}

}  // namespace relinkd::ctl

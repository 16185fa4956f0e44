#include "relinkd/engine/NotificationQueue.h"

#include <Poco/Logger.h>

#include "EngineLog.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobJson.h"

namespace relinkd {

namespace {

// What the command may see of the world: enough to find programs, and text
// in UTF-8. Nothing is inherited from relinkd's own environment.
const char* const kBaseEnvironment[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C.UTF-8",
};

std::string describe(const CommandResult& result, std::int64_t timeoutMs) {
  if (!result.started) return "could not be run: " + result.error;
  if (result.timedOut) return "was still running after " + formatDuration(timeoutMs) + " (relinkd.notify.timeout) and was killed";
  std::string what = result.signal != 0 ? "was ended by signal " + std::to_string(result.signal)
                                        : "exited with status " + std::to_string(result.exitStatus);
  return result.error.empty() ? what : what + ": " + result.error;
}

// "job NAME: notification (EVENT, STATE)", how every log line names one.
std::string nameOf(const Notification& n) {
  return "job " + n.job + ": notification (" + n.event + ", " + n.state + ")";
}

}  // namespace

NotificationQueue::NotificationQueue(JobStore& store, const Clock& clock, CommandRunner& runner,
                                     NotifySettings settings)
    : store_(store), clock_(clock), runner_(runner), settings_(std::move(settings)) {
  summaries_ = store_.notificationSummaries();
}

void NotificationQueue::setSettings(NotifySettings settings) {
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = std::move(settings);
}

std::map<std::string, NotificationSummary> NotificationQueue::summaries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return summaries_;
}

std::optional<TimeMs> NotificationQueue::deliverDue(const std::function<bool()>& stopping) {
  // An outcome the store did not take last time goes first: a command that
  // ran must not run again because its success was not written down.
  if (unrecorded_) {
    store_.updateNotification(*unrecorded_);
    unrecorded_.reset();
  }
  std::optional<TimeMs> next;
  for (;;) {
    std::optional<Notification> owed = store_.nextOwedNotification();
    if (!owed || owed->nextAttemptAt > clock_.wallNow() || stopping()) {
      next = owed ? std::optional<TimeMs>(owed->nextAttemptAt) : std::nullopt;
      break;
    }
    // What was not run (or was killed because relinkd stops) stays owed:
    // delivered after the next start.
    if (!deliver(std::move(*owed)) || stopping()) break;
  }
  std::map<std::string, NotificationSummary> summaries = store_.notificationSummaries();
  std::lock_guard<std::mutex> lock(mutex_);
  summaries_ = std::move(summaries);
  return next;
}

void NotificationQueue::record(const Notification& n) {
  try {
    store_.updateNotification(n);
  } catch (const StoreError&) {
    unrecorded_ = n;  // written first at the next deliverDue
    throw;
  }
}

std::vector<std::string> NotificationQueue::environment(const Notification& n) const {
  std::vector<std::string> env(std::begin(kBaseEnvironment), std::end(kBaseEnvironment));
  env.push_back("RELINKD_JOB=" + n.job);
  env.push_back("RELINKD_STATE=" + n.state);
  env.push_back("RELINKD_EVENT=" + n.event);
  return env;
}

bool NotificationQueue::deliver(Notification n) {
  NotifySettings settings;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    settings = settings_;
  }
  const std::optional<Job> job = store_.find(n.job);
  if (!job) {  // gone with its job (a plan's stand-in removed): nothing to say
    n.givenUp = true;
    n.lastError = "the job no longer exists";
    store_.updateNotification(n);
    return true;
  }
  const CommandResult result = run(n, *job, settings);
  if (result.aborted) {  // relinkd is stopping: still owed, and not a failed try
    if (result.started)  // else the stop came before it was started: nothing to say
      engineLog().warning(nameOf(n) + " not sent: relinkd stopped while " + settings.command.front() +
                          " ran and it did not end in time; it runs again after the next start");
    return false;
  }
  n.attempts += 1;
  recordRun(n, result, settings);
  return true;
}

CommandResult NotificationQueue::run(const Notification& n, const Job& job, const NotifySettings& settings) {
  try {
    Poco::JSON::Object::Ptr object = jobDetailToJson(job, store_.history(n.job), clock_.wallNow());
    addNotifications(*object, store_.notificationsOf(n.job));
    return runner_.run(settings.command, environment(n), toJsonText(object) + "\n", settings.timeoutMs);
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& error) {  // counted as a failed run: it cannot become a crash loop
    CommandResult result;
    result.error = std::string("the input could not be made: ") + error.what();
    return result;
  }
}

// Sent, given up, or owed again after a backoff; logged and recorded.
void NotificationQueue::recordRun(Notification& n, const CommandResult& result, const NotifySettings& settings) {
  const std::string what = nameOf(n);
  const TimeMs done = clock_.wallNow();
  if (result.ok()) {
    n.sentAt = done;
    n.lastError.reset();
    record(n);
    engineLog().information(what + " sent by " + settings.command.front());
    return;
  }
  const std::string why = settings.command.front() + " " + describe(result, settings.timeoutMs);
  n.lastError = why;
  if (n.attempts > kMaxRetries) {
    n.givenUp = true;
    record(n);
    engineLog().error(what + " not sent: " + why + "; gave up after " + std::to_string(n.attempts) +
                      " runs (relinkctl show " + n.job + " has the job)");
    return;
  }
  const std::int64_t delay = settings.firstRetryMs << (n.attempts - 1);
  n.nextAttemptAt = done + delay;
  record(n);
  engineLog().warning(what + " not sent: " + why + "; trying again in " + formatDuration(delay) + " (" +
                      std::to_string(kMaxRetries - n.attempts + 1) + " more tries)");
}

}  // namespace relinkd

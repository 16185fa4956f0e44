#include "relinkd/engine/NotificationQueue.h"

#include <Poco/Logger.h>

#include "EngineLog.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/PlanView.h"

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

// "job NAME: notification (EVENT, STATE)", "plan NAME: notification
// (EVENT)" or "notification (paused)": how every log line names one.
std::string nameOf(const Notification& n) {
  if (!n.job.empty()) return "job " + n.job + ": notification (" + n.event + ", " + n.state + ")";
  if (!n.plan.empty()) return "plan " + n.plan + ": notification (" + n.event + ")";
  return "notification (" + n.event + ")";
}

// Where the operator finds what a notification that could not be sent was about.
std::string whereToLook(const Notification& n) {
  if (!n.job.empty()) return "relinkctl show " + n.job + " has the job";
  if (!n.plan.empty()) return "relinkctl show " + n.plan + " has the plan";
  return "relinkctl list --state=paused has the jobs";
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
  if (!n.job.empty()) env.push_back("RELINKD_JOB=" + n.job);
  if (!n.plan.empty()) env.push_back("RELINKD_PLAN=" + n.plan);
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
  const std::optional<CommandResult> ran = run(n, settings);
  if (!ran) {  // its job is gone (a plan's stand-in removed): nothing to say
    n.givenUp = true;
    n.lastError = n.plan.empty() ? "the job no longer exists" : "the plan has no jobs any more";
    store_.updateNotification(n);
    return true;
  }
  const CommandResult& result = *ran;
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

std::optional<std::string> NotificationQueue::input(const Notification& n, const NotifySettings& settings) const {
  if (n.input) return *n.input + "\n";
  const TimeMs now = clock_.wallNow();
  if (!n.plan.empty()) {
    const std::vector<Job> jobs = jobsOfPlan(store_.all(), n.plan);
    if (jobs.empty()) return std::nullopt;
    return toJsonText(planToJson(n.plan, planViewOf(n.plan, jobs, settings.planSiteOrder), now)) + "\n";
  }
  const std::optional<Job> job = store_.find(n.job);
  if (!job) return std::nullopt;
  Poco::JSON::Object::Ptr object = jobDetailToJson(*job, store_.history(n.job), now);
  addNotifications(*object, store_.notificationsOf(n.job));
  return toJsonText(object) + "\n";
}

std::optional<CommandResult> NotificationQueue::run(const Notification& n, const NotifySettings& settings) {
  try {
    const std::optional<std::string> text = input(n, settings);
    if (!text) return std::nullopt;
    return runner_.run(settings.command, environment(n), *text, settings.timeoutMs);
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& error) {  // counted as a failed run: it cannot become a crash loop
    CommandResult result;
    result.error = std::string("the input could not be made: ") + error.what();
    return result;
  }
}

// Sent, or owed again after a backoff (never given up); logged and recorded.
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
  const std::int64_t delay = notifyRetryDelay(settings.firstRetryMs, n.attempts);
  n.nextAttemptAt = done + delay;
  record(n);
  engineLog().warning(what + " not sent: " + why + "; trying again in " + formatDuration(delay) + " (run " +
                      std::to_string(n.attempts) + " failed; retried until it succeeds, " + whereToLook(n) + ")");
}

}  // namespace relinkd

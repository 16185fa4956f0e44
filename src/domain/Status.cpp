#include "relinkd/domain/Status.h"

#include <algorithm>

#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/Time.h"

namespace relinkd {
namespace {

// "1 job is", "3 jobs are".
std::string count(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A job whose file is gone is history: nothing to be done about it.
bool declared(const Job& job) { return job.fileHash.has_value(); }

template <typename Jobs, typename Deref>
std::string mostCommonPausedError(const Jobs& jobs, Deref deref) {
  std::map<std::string, int> seen;
  std::vector<std::string> order;  // first seen first (jobs come by name)
  for (const auto& entry : jobs) {
    const Job& job = deref(entry);
    if (job.state != JobState::kPaused || !job.lastError || job.lastError->empty()) continue;
    if (seen[*job.lastError]++ == 0) order.push_back(*job.lastError);
  }
  std::string best;
  for (const std::string& error : order) {
    if (best.empty() || seen[error] > seen[best]) best = error;
  }
  return best;
}

// The jobs' reason says what to do already (the engine writes it so);
// without one, what to do is said here.
std::string pausedAttention(const StatusReport& report) {
  const std::string what = count(report.paused, "job is", "jobs are") + " paused for credentials";
  if (!report.pausedReason.empty()) return what + ": " + report.pausedReason;
  return what + ": put a valid API token in the token file (relinkd.api.tokenFile); relinkd resumes on its own "
                "when the file changes, or on SIGHUP";
}

// Unfinished jobs whose window closes within 24 h (or closed while relinkd
// was not there to expire them), the first to close named.
std::optional<std::string> deadlineAttention(const std::vector<Job>& jobs, TimeMs now) {
  const Job* first = nullptr;
  int near = 0;
  for (const Job& job : jobs) {
    if (!declared(job) || job.state == JobState::kInvalid || !isDeadlineNear(job, now)) continue;
    ++near;
    if (!first || *job.deadline < *first->deadline) first = &job;
  }
  if (near == 0) return std::nullopt;
  const std::string when = *first->deadline > now ? "in " + formatDuration(*first->deadline - now)
                                                  : formatDuration(now - *first->deadline) + " ago";
  return count(near, "unfinished job has a window", "unfinished jobs have a window") +
         " that closes within 24 h (first: " + first->name + ", " + when + ", at " + formatTime(*first->deadline) +
         "): see `relinkctl list`; a job not done by then expires, and no request is sent after that";
}

void addJobAttention(StatusReport& report, const std::vector<Job>& jobs, TimeMs now) {
  const auto declaredIn = [&](JobState state) {
    return static_cast<int>(
        std::count_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.state == state && declared(j); }));
  };
  if (report.paused > 0) report.attention.push_back(pausedAttention(report));
  if (const int failed = declaredIn(JobState::kFailed); failed > 0) {
    report.attention.push_back(count(failed, "job has failed", "jobs have failed") +
                               ": see why with `relinkctl list --state=failed`, fix the cause, then "
                               "`relinkctl retry NAME...`");
  }
  if (const int invalid = declaredIn(JobState::kInvalid); invalid > 0) {
    report.attention.push_back(count(invalid, "job file is", "job files are") +
                               " invalid: `relinkctl list --state=invalid` says why; fix the file and relinkd "
                               "takes it up again");
  }
  if (auto deadlines = deadlineAttention(jobs, now)) report.attention.push_back(*deadlines);
}

}  // namespace

std::string pausedReason(const std::vector<const Job*>& jobs) {
  return mostCommonPausedError(jobs, [](const Job* job) -> const Job& { return *job; });
}

std::string pausedReason(const JobList& jobs) {
  return mostCommonPausedError(jobs, [](const std::shared_ptr<const Job>& job) -> const Job& { return *job; });
}

StatusReport assessStatus(const DaemonFacts& daemon, const std::vector<Job>& jobs, int notificationsOwed,
                          TimeMs now, bool notifyOn) {
  StatusReport report;
  report.daemon = daemon;
  report.notificationsOwed = notificationsOwed;
  for (JobState state : kAllStates) report.jobs[state] = 0;
  std::vector<const Job*> all;
  for (const Job& job : jobs) {
    ++report.jobs[job.state];
    all.push_back(&job);
  }
  report.paused = report.jobs[JobState::kPaused];
  report.pausedReason = pausedReason(all);
  if (!daemon.unknown.empty()) {
    report.attention.push_back("cannot tell whether relinkd runs: " + daemon.unknown +
                               "; run relinkctl as root (or as the user relinkd runs as)");
  } else if (!daemon.running) {
    report.attention.push_back(
        "relinkd is not running: nothing is submitted or polled, and the states shown are as it left them; "
        "start it (systemctl start relinkd) and read its log (journalctl -u relinkd) for why it stopped");
  }
  if (!daemon.storeWritable) {
    report.attention.push_back(
        "the state database cannot be written: relinkd submits nothing new until it can; free space in "
        "relinkd.state.dir or fix its permissions (the relinkd log names the error); relinkd goes on by itself");
  }
  addJobAttention(report, jobs, now);
  if (notificationsOwed > 0 && !notifyOn) {
    report.attention.push_back(
        count(notificationsOwed, "notification is", "notifications are") +
        " owed but notifications are off (relinkd.notify.command is empty): nothing sends them; set "
        "relinkd.notify.command and restart relinkd to send them, `relinkctl show NAME` lists a job's");
  } else if (notificationsOwed > 0) {
    report.attention.push_back(
        count(notificationsOwed, "notification is", "notifications are") +
        " owed: the notification command (relinkd.notify.command) has not succeeded for them yet and relinkd "
        "retries it with backoff; the relinkd log says why it fails, `relinkctl show NAME` lists a job's");
  }
  return report;
}

}  // namespace relinkd

// relinkctl wait: polls the database until the jobs are final.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "Commands.h"
#include "relinkd/Duration.h"

namespace relinkd::ctl {

namespace {

constexpr std::int64_t kPollMs = 500;

constexpr JobState kAllStates[] = {
    JobState::kSucceeded, JobState::kRunning, JobState::kRetrying,
    JobState::kQueued,    JobState::kPaused,  JobState::kFailed,
    JobState::kExpired,   JobState::kCancelled, JobState::kInvalid,
};

// Invalid waits for its file to change, which wait cannot bring about.
bool isOver(const Job& job) { return isFinal(job.state) || job.state == JobState::kInvalid; }

// The named jobs; if none is named, every job whose file is still in the
// job directory (a removed file's job is history, not work to wait for).
// The first unknown name, if any.
std::vector<Job> selectJobs(const std::vector<Job>& all, const std::vector<std::string>& names,
                            std::string& unknown) {
  if (names.empty()) {
    std::vector<Job> declared;
    for (const Job& job : all)
      if (job.fileHash) declared.push_back(job);
    return declared;
  }
  std::vector<Job> selected;
  for (const auto& name : names) {
    const auto named = [&](const Job& j) { return j.name == name; };
    const auto it = std::find_if(all.begin(), all.end(), named);
    if (it == all.end()) {
      unknown = name;
      return {};
    }
    if (std::none_of(selected.begin(), selected.end(), named)) selected.push_back(*it);
  }
  return selected;
}

// "3 succeeded, 1 running, 1 retrying — next deadline in 13d 4h"
std::string progressLine(const std::vector<Job>& jobs, TimeMs now) {
  std::string line;
  for (const JobState state : kAllStates) {
    const auto count =
        std::count_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.state == state; });
    if (count == 0) continue;
    if (!line.empty()) line += ", ";
    line += std::to_string(count) + " " + stateName(state);
  }
  std::optional<TimeMs> next;
  for (const auto& job : jobs) {
    if (!isOver(job) && job.deadline && (!next || *job.deadline < *next)) next = job.deadline;
  }
  if (next && *next > now) line += " \u2014 next deadline in " + formatDuration(*next - now);
  if (next && *next <= now) line += " \u2014 a window has closed";
  return line;
}

std::string jobsWord(std::size_t n) { return n == 1 ? "job" : "jobs"; }

void printOutcome(const std::vector<Job>& jobs) {
  std::vector<const Job*> others;
  for (const auto& job : jobs) {
    if (job.state != JobState::kSucceeded) others.push_back(&job);
  }
  if (others.empty()) {
    std::cout << "all " << jobs.size() << " " << jobsWord(jobs.size()) << " succeeded\n";
    return;
  }
  std::cout << others.size() << " of " << jobs.size() << " " << jobsWord(jobs.size())
            << " did not succeed:\n";
  for (const Job* job : others) {
    std::cout << "  " << job->name << ": " << stateName(job->state);
    if (job->lastError) std::cout << ": " << *job->lastError;
    std::cout << "\n";
  }
}

void printTimeout(const std::vector<Job>& jobs, std::int64_t timeoutMs) {
  const auto open =
      std::count_if(jobs.begin(), jobs.end(), [](const Job& j) { return !isOver(j); });
  std::cout << "timed out after " << formatDuration(timeoutMs) << ": " << open << " of "
            << jobs.size() << " " << jobsWord(jobs.size()) << " not finished:\n";
  for (const auto& job : jobs) {
    if (!isOver(job)) std::cout << "  " << job.name << ": " << stateName(job.state) << "\n";
  }
}

std::optional<std::int64_t> timeoutOf(const Invocation& invocation) {
  if (!invocation.has("timeout")) return std::nullopt;
  const auto ms = parseDuration(invocation.options.at("timeout"));
  if (!ms) {
    throw UsageError("--timeout: \"" + invocation.options.at("timeout") +
                         "\" is not a duration (like 90s, 10m, 2h)",
                     invocation.command);
  }
  return ms;
}

}  // namespace

int runWait(const Invocation& invocation, const Config& config) {
  const auto timeoutMs = timeoutOf(invocation);
  const auto store = openDatabase(config, true);
  const SystemClock clock;
  const MonoMs start = clock.monoNow();
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  store->changedElsewhere();  // the mark: from here on, only changes count
  std::vector<Job> all = store->all();
  for (;;) {
    if (!store->changedElsewhere().empty()) all = store->all();
    std::string unknown;
    const auto jobs = selectJobs(all, invocation.args, unknown);
    if (terminal) std::cerr << "\r\033[K";  // clears the progress line
    if (!unknown.empty()) {
      printError("no job named \"" + unknown + "\" in " + config.databasePath());
      return kExitFailure;
    }
    if (std::all_of(jobs.begin(), jobs.end(), isOver)) {
      if (jobs.empty()) std::cout << "no jobs to wait for\n";
      else printOutcome(jobs);
      return std::all_of(jobs.begin(), jobs.end(),
                         [](const Job& j) { return j.state == JobState::kSucceeded; })
                 ? kExitOk
                 : kExitFailure;
    }
    const std::int64_t waited = clock.monoNow() - start;
    if (timeoutMs && waited >= *timeoutMs) {
      printTimeout(jobs, *timeoutMs);
      return kExitTimeout;
    }
    if (terminal) std::cerr << progressLine(jobs, clock.wallNow()) << std::flush;
    const std::int64_t pause = timeoutMs ? std::min(kPollMs, *timeoutMs - waited) : kPollMs;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause));
  }
}

}  // namespace relinkd::ctl

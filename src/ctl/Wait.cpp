// relinkctl wait: polls the database until the jobs are final.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "Commands.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/domain/PlanSpec.h"

namespace relinkd::ctl {

namespace {

constexpr std::int64_t kPollMs = 500;
// The job directory is listed again this often (and whenever the database changed).
constexpr std::int64_t kListMs = 2000;

constexpr JobState kAllStates[] = {
    JobState::kSucceeded, JobState::kRunning, JobState::kRetrying,
    JobState::kQueued,    JobState::kPaused,  JobState::kFailed,
    JobState::kExpired,   JobState::kCancelled, JobState::kInvalid,
};

// Invalid waits for its file to change, which wait cannot bring about.
bool isOver(const Job& job) { return isFinal(job.state) || job.state == JobState::kInvalid; }

// What a wait is about: jobs, and declarations in the job directory the
// daemon has not taken up yet (it may be stopped, or a file was just
// dropped or changed).
struct Selection {
  std::vector<Job> jobs;
  std::vector<std::string> pending;  // file names
  std::string unknown;               // the first NAME that is neither
};

// The jobs as read from the database, indexed.
struct Jobs {
  explicit Jobs(std::vector<Job> jobs) : all(std::move(jobs)) {
    for (const Job& job : all) {
      byName.emplace(job.name, &job);
      if (!job.plan.empty() && job.fileHash) declaredByPlan[job.plan].push_back(&job);
      if (!job.plan.empty()) everByPlan[job.plan].push_back(&job);
    }
  }
  Jobs(const Jobs&) = delete;
  std::vector<Job> all;
  std::map<std::string, const Job*> byName;
  std::map<std::string, std::vector<const Job*>> declaredByPlan;
  std::map<std::string, std::vector<const Job*>> everByPlan;  // also the jobs of a removed plan file
};

// Whether the daemon has applied a file's content: its jobs carry the
// file's stamp or, failing that, its content hash (read only then).
class Directory {
 public:
  Directory(const Config& config, const Clock& clock)
      : dir_(config.jobsDir), windowMs_(config.windowMs), clock_(clock) {}

  void list() {
    try {
      files_ = JobDirectory(dir_, clock_).list();
    } catch (const JobSourceError&) {
      files_.clear();
    }
  }
  const Listing& files() const { return files_; }
  const ListedFile* find(const std::string& key) const { return findListed(files_, key); }

  bool takenUp(const ListedFile& file, const Jobs& jobs) {
    if (isPlanFileName(file.fileName)) {
      const std::string plan = planNameOf(file.fileName);
      auto ofPlan = jobs.declaredByPlan.find(plan);
      auto standIn = jobs.byName.find(plan);
      if (standIn != jobs.byName.end() && standIn->second->plan == plan && standIn->second->fileHash &&
          sameFile(file, *standIn->second))
        return true;
      if (ofPlan != jobs.declaredByPlan.end() &&
          std::all_of(ofPlan->second.begin(), ofPlan->second.end(), [&](const Job* j) { return sameFile(file, *j); }))
        return true;
      // An invalid plan gives the daemon nothing to do (and it may have no
      // job to show that in, when a job file holds the plan's name).
      return !validPlan(file);
    }
    auto job = jobs.byName.find(jobNameOf(file.fileName));
    if (job == jobs.byName.end() || !job->second->fileHash) return false;
    return !job->second->plan.empty() || sameFile(file, *job->second);  // a plan's name: the daemon ignores the file
  }

 private:
  bool validPlan(const ListedFile& file) {
    const ScannedFile scanned = scanJobFile(dir_, file.fileName);
    return scanned.read.ok && parsePlan(scanned.read.bytes, planNameOf(file.fileName), windowMs_, clock_.wallNow()).ok();
  }

  bool sameFile(const ListedFile& file, const Job& job) {
    if (!file.stamp.empty() && job.fileStamp == file.stamp) return true;
    std::string& hash = hashes_[file.fileName + "\n" + file.stamp];
    if (hash.empty() || file.stamp.empty()) hash = scanJobFile(dir_, file.fileName).hash;
    return job.fileHash == hash;
  }

  std::string dir_;
  std::int64_t windowMs_;
  const Clock& clock_;
  Listing files_;
  std::map<std::string, std::string> hashes_;  // file name and stamp -> content hash
};

// The named jobs (a plan's name: its jobs, as long as they are in the
// database, also once its file is removed); if none is named, every job
// whose file is still in the job directory (a removed file's job is
// history, not work to wait for). A job file that gives way to a plan's
// job of its name (ignored) is invalid, not the plan's job, and part of
// "every job".
Selection selectAll(const Jobs& jobs, const std::vector<Job>& ignored, Directory& directory) {
  Selection selection;
  for (const Job& job : jobs.all)
    if (job.fileHash) selection.jobs.push_back(job);
  for (const Job& file : ignored) selection.jobs.push_back(file);
  for (const ListedFile& file : directory.files())
    if (!directory.takenUp(file, jobs)) selection.pending.push_back(file.fileName);
  return selection;
}

// (selectAll when no name is given.)
Selection selectJobs(const Jobs& jobs, const std::vector<Job>& ignored, const std::vector<std::string>& names,
                     Directory& directory) {
  if (names.empty()) return selectAll(jobs, ignored, directory);
  Selection selection;
  const auto add = [&](const Job& job) {
    if (std::none_of(selection.jobs.begin(), selection.jobs.end(),
                     [&](const Job& j) { return j.name == job.name && j.file == job.file; }))
      selection.jobs.push_back(job);
  };
  const auto pendingFile = [&](const ListedFile* file) {
    if (file && !directory.takenUp(*file, jobs)) selection.pending.push_back(file->fileName);
  };
  for (const auto& name : names) {
    // The indexes built once per read of the database, not a scan per name.
    static const std::vector<const Job*> kNone;
    const auto ofPlanIn = [&](const std::map<std::string, std::vector<const Job*>>& index) -> const auto& {
      const auto plan = index.find(name);
      return plan == index.end() ? kNone : plan->second;
    };
    const std::vector<const Job*>& ofPlan = ofPlanIn(jobs.declaredByPlan);
    const std::vector<const Job*>& everOfPlan = ofPlanIn(jobs.everByPlan);
    const auto found = jobs.byName.find(name);
    const Job* job = found == jobs.byName.end() ? nullptr : found->second;
    const ListedFile* planFile = directory.find(name + ".plan");
    const ListedFile* jobFile = directory.find(name);
    const auto ignoredFile = std::find_if(ignored.begin(), ignored.end(), [&](const Job& j) { return j.name == name; });
    if (!ofPlan.empty() || (planFile && (!job || !job->plan.empty()))) {
      for (const Job* j : ofPlan) add(*j);
      pendingFile(planFile);
    } else if (ignoredFile != ignored.end()) {
      add(*ignoredFile);
    } else if ((!job || job->plan == name) && !everOfPlan.empty()) {
      for (const Job* j : everOfPlan) add(*j);
    } else if (job || jobFile) {
      if (job) add(*job);
      pendingFile(jobFile);
    } else {
      selection.unknown = name;
      return selection;
    }
  }
  return selection;
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

void printTimeout(const Selection& selection, std::int64_t timeoutMs) {
  const std::vector<Job>& jobs = selection.jobs;
  const auto open =
      std::count_if(jobs.begin(), jobs.end(), [](const Job& j) { return !isOver(j); });
  std::cout << "timed out after " << formatDuration(timeoutMs) << ": " << open << " of "
            << jobs.size() << " " << jobsWord(jobs.size()) << " not finished";
  if (!selection.pending.empty())
    std::cout << ", and " << selection.pending.size() << " file(s) not taken up by relinkd yet (is it running?)";
  std::cout << ":\n";
  for (const auto& job : jobs) {
    if (!isOver(job)) std::cout << "  " << job.name << ": " << stateName(job.state) << "\n";
  }
  for (const auto& file : selection.pending) std::cout << "  " << file << ": not taken up yet\n";
}

// Nothing will change while no relinkd runs: said, with what is left, on
// standard error (the jobs as printTimeout lists them, on standard output).
bool stoppedDaemon(const Selection& selection, const Config& config) {
  if (probeDaemon(config).state != InstanceProbe::State::kNotRunning) return false;
  const std::vector<Job>& jobs = selection.jobs;
  const auto open = std::count_if(jobs.begin(), jobs.end(), [](const Job& j) { return !isOver(j); });
  std::string left = std::to_string(open) + " of " + std::to_string(jobs.size()) + " " + jobsWord(jobs.size()) +
                     " not finished";
  if (!selection.pending.empty()) left += ", " + std::to_string(selection.pending.size()) + " file(s) not taken up";
  printError("relinkd is not running (no process holds " + instanceLockPath(config.stateDir) + "): " + left +
             ", and nothing changes until it starts; states are as it left them");
  for (const auto& job : jobs) {
    if (!isOver(job)) std::cout << "  " << job.name << ": " << stateName(job.state) << "\n";
  }
  for (const auto& file : selection.pending) std::cout << "  " << file << ": not taken up yet\n";
  return true;
}

// The exit code once the wait is decided: a NAME that names nothing, or
// every selected job over (the outcome printed); nullopt while it goes on.
std::optional<int> finished(const Selection& selection, const Config& config) {
  const std::vector<Job>& selected = selection.jobs;
  if (!selection.unknown.empty()) {
    printError("no job or plan named \"" + selection.unknown + "\" in " + config.databasePath() +
               ", and no " + jobFileName(selection.unknown) + " or " + planFileName(selection.unknown) +
               " in " + config.jobsDir);
    return kExitFailure;
  }
  if (!selection.pending.empty() || !std::all_of(selected.begin(), selected.end(), isOver)) {
    return std::nullopt;
  }
  if (selected.empty()) std::cout << "no jobs to wait for\n";
  else printOutcome(selected);
  return std::all_of(selected.begin(), selected.end(),
                     [](const Job& j) { return j.state == JobState::kSucceeded; })
             ? kExitOk
             : kExitFailure;
}

// The progress line on a terminal (cleared before the next look).
void printProgress(const Selection& selection, TimeMs now) {
  std::string line = progressLine(selection.jobs, now);
  if (!selection.pending.empty())
    line += (line.empty() ? "" : ", ") + std::to_string(selection.pending.size()) + " not taken up yet";
  std::cerr << line << std::flush;
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
  auto jobs = std::make_unique<Jobs>(store->all());
  Directory directory(config, clock);
  directory.list();
  MonoMs listedAt = clock.monoNow();
  for (;;) {
    const bool changed = !store->changedElsewhere().empty();
    if (changed) jobs = std::make_unique<Jobs>(store->all());
    if (changed || clock.monoNow() - listedAt >= kListMs) {
      directory.list();
      listedAt = clock.monoNow();
    }
    const Selection selection =
        selectJobs(*jobs, ignoredJobFiles(config, jobs->all, directory.files()), invocation.args, directory);
    if (terminal) std::cerr << "\r\033[K";  // clears the progress line
    if (const auto exitCode = finished(selection, config)) return *exitCode;
    if (stoppedDaemon(selection, config)) return kExitNotRunning;
    const std::int64_t waited = clock.monoNow() - start;
    if (timeoutMs && waited >= *timeoutMs) {
      printTimeout(selection, *timeoutMs);
      return kExitTimeout;
    }
    if (terminal) printProgress(selection, clock.wallNow());
    const std::int64_t pause = timeoutMs ? std::min(kPollMs, *timeoutMs - waited) : kPollMs;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause));
  }
}

}  // namespace relinkd::ctl

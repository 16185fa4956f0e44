// The engine's thread-safe side: inputs posted from other threads into the
// inbox, the wait for work, and the snapshots other threads read.
#include "relinkd/Engine.h"

namespace relinkd {

void Engine::publish() {
  std::map<JobState, int> counts;
  std::vector<Job> jobs;
  jobs.reserve(jobs_.size());
  for (const auto& [name, job] : jobs_) {
    ++counts[job.state];
    jobs.push_back(job);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  countsView_ = std::move(counts);
  jobsView_ = std::move(jobs);
  pausedView_ = credentialsRejected_;
  lastStepAt_ = clock_.monoNow();
}

void Engine::waitForWork(MonoMs until) {
  std::unique_lock<std::mutex> lock(mutex_);
  const std::int64_t wait = until - clock_.monoNow();
  if (wait <= 0 || woken_) return;
  wakeups_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return woken_; });
}

void Engine::wake() {
  std::lock_guard<std::mutex> lock(mutex_);
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::fileChanged(const std::string& fileName) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.files.insert(fileName);
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::rescan() {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.rescan = true;
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::complete(Completion completion) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.completions.push_back(std::move(completion));
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::credentialsChanged(Credentials credentials) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.credentials = std::move(credentials);
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::reload(EngineSettings settings, Credentials credentials) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_.settings = std::move(settings);
  inbox_.credentials = std::move(credentials);
  inbox_.resume = true;
  inbox_.rescan = true;
  woken_ = true;
  wakeups_.notify_all();
}

std::map<JobState, int> Engine::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return countsView_;
}

std::vector<Job> Engine::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobsView_;
}

bool Engine::paused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pausedView_;
}

MonoMs Engine::lastStepAt() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastStepAt_;
}

}  // namespace relinkd

// The engine's thread-safe side: inputs posted into the inbox, the wait for
// work, and the views other threads read. The decisions are the
// Scheduler's (Scheduler.h).
#include "relinkd/engine/Engine.h"

#include "Inbox.h"
#include "Scheduler.h"

namespace relinkd {

const char* requestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kSubmit: return "submit";
    case RequestKind::kPoll: return "status";
    case RequestKind::kDiscover: return "tenant_info";
  }
  return "unknown";
}

void Inbox::merge(Inbox later) {
  for (Completion& completion : later.completions) completions.push_back(std::move(completion));
  files.insert(later.files.begin(), later.files.end());
  rescan |= later.rescan;
  resume |= later.resume;
  if (later.credentials) credentials = std::move(later.credentials);
  if (later.settings) settings = std::move(later.settings);
}

Engine::Engine(EngineSettings settings, JobStore& store, JobSource& source, const Clock& clock,
               Executor& executor, RandomSource& random, Credentials credentials)
    : clock_(clock),
      scheduler_(std::make_unique<Scheduler>(std::move(settings), store, source, clock, executor, random,
                                             std::move(credentials))),
      inbox_(std::make_unique<Inbox>()) {}

Engine::~Engine() = default;

bool Engine::start(const std::function<bool()>& stopRequested) {
  bool started = false;
  try {
    started = scheduler_->start(stopRequested);
  } catch (const StoreError&) {
    publish();  // the jobs as read; step() writes the rest
    throw;
  }
  publish();
  return started;
}

MonoMs Engine::step() {
  Inbox inbox = takeInbox();
  MonoMs next = 0;
  try {
    next = scheduler_->step(inbox);
  } catch (...) {
    scheduler_->storeFailed();
    restoreInbox(inbox);
    publish();
    throw;
  }
  if (!inbox.files.empty()) {  // files left for the next step: take them up at once
    restoreInbox(inbox);
    next = clock_.monoNow();
  }
  publish();
  return next;
}

bool Engine::takeNotificationsOwed() { return scheduler_->takeNotificationsOwed(); }

Inbox Engine::takeInbox() {
  std::lock_guard<std::mutex> lock(mutex_);
  Inbox taken = std::move(*inbox_);
  *inbox_ = Inbox{};
  woken_ = false;
  return taken;
}

// What a failed step left comes first, then what arrived meanwhile.
void Engine::restoreInbox(Inbox& rest) {
  std::lock_guard<std::mutex> lock(mutex_);
  Inbox arrived = std::move(*inbox_);
  *inbox_ = std::move(rest);
  inbox_->merge(std::move(arrived));
}

// O(changed jobs): the views share the table's snapshots.
void Engine::publish() {
  JobTable& table = scheduler_->table();
  const std::vector<std::string> changed = table.takeChanged();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& name : changed) {
    if (auto was = jobsView_.find(name); was != jobsView_.end()) jobsView_.erase(was);
    if (auto job = table.snapshot(name)) jobsView_.insert(std::move(job));
  }
  if (!changed.empty()) {
    countsView_.clear();
    for (JobState state : kAllStates)
      if (int n = table.count(state); n > 0) countsView_[state] = n;
  }
  pausedView_ = scheduler_->credentialsRejected();
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
  inbox_->files.insert(fileName);
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::rescan() {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_->rescan = true;
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::complete(Completion completion) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_->completions.push_back(std::move(completion));
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::credentialsChanged(Credentials credentials) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_->credentials = std::move(credentials);
  woken_ = true;
  wakeups_.notify_all();
}

void Engine::reload(EngineSettings settings, Credentials credentials) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_->settings = std::move(settings);
  inbox_->credentials = std::move(credentials);
  inbox_->resume = true;
  inbox_->rescan = true;
  woken_ = true;
  wakeups_.notify_all();
}

std::map<JobState, int> Engine::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return countsView_;
}

JobList Engine::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  JobList jobs;
  jobs.reserve(jobsView_.size());
  jobs.assign(jobsView_.begin(), jobsView_.end());
  return jobs;
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

// The engine's loop: inbox, loading, expiry and dispatch. Answers are in
// EngineAnswers.cpp, the job directory in EngineFiles.cpp.
#include "relinkd/Engine.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <limits>

#include "EngineLog.h"
#include "relinkd/Duration.h"

namespace relinkd {
namespace {

constexpr MonoMs kNever = std::numeric_limits<MonoMs>::max();
constexpr std::int64_t kNearDeadlineMs = 24LL * 3600 * 1000;

bool wantsRequests(JobState state) {
  return state == JobState::kQueued || state == JobState::kRetrying || state == JobState::kRunning;
}

bool canExpire(JobState state) { return wantsRequests(state) || state == JobState::kPaused; }

}  // namespace

const char* requestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kSubmit: return "submit";
    case RequestKind::kPoll: return "status";
    case RequestKind::kDiscover: return "tenant_info";
  }
  return "unknown";
}

Engine::Engine(EngineSettings settings, JobStore& store, JobSource& source, const Clock& clock,
               Executor& executor, RandomSource& random, Credentials credentials)
    : settings_(std::move(settings)),
      store_(store),
      source_(source),
      clock_(clock),
      executor_(executor),
      random_(random),
      credentials_(std::move(credentials)) {}

void Engine::start() {
  loadAll();
  loadSiteGates();
  recover();
  scanAll();
  nextRescan_ = clock_.monoNow() + settings_.rescanIntervalMs;
  publish();
}

void Engine::loadAll() {
  store_.changedElsewhere();  // from here on, only others' writes count
  std::map<std::string, Job> fresh;
  for (Job& job : store_.all()) fresh.emplace(job.name, std::move(job));
  for (auto it = runtime_.begin(); it != runtime_.end();) {
    it = fresh.count(it->first) ? std::next(it) : runtime_.erase(it);
  }
  for (auto& [name, job] : fresh) {
    auto old = jobs_.find(name);
    if (old != jobs_.end() && old->second.version == job.version) continue;
    refreshRuntime(job);
    // Changed by relinkctl (retry, cancel): the journal hears of it too.
    if (old != jobs_.end() && old->second.state != job.state) {
      logTransition(job, old->second.state, store_.lastHistory(name));
    }
  }
  jobs_ = std::move(fresh);
}

// Rate limits survive a restart. Read once, at start: later, a gate is only
// ever extended (limitSite), so a step of the wall clock cannot shorten it.
void Engine::loadSiteGates() {
  const TimeMs now = clock_.wallNow();
  const MonoMs mono = clock_.monoNow();
  for (const auto& [site, notBefore] : store_.siteLimits())
    if (notBefore > now) siteGates_[site] = std::max(siteGates_[site], mono + (notBefore - now));
}

// A job's next request time, turned into monotonic time once.
void Engine::refreshRuntime(const Job& job) {
  Runtime& runtime = runtime_[job.name];
  runtime.wantsRequest = wantsRequests(job.state) && job.nextAttemptAt.has_value();
  if (!runtime.wantsRequest) return;
  const std::int64_t wait = std::max<std::int64_t>(0, *job.nextAttemptAt - clock_.wallNow());
  runtime.due = clock_.monoNow() + wait;
}

void Engine::recover() {
  const TimeMs now = clock_.wallNow();
  JobStore::Transaction transaction(store_);
  for (auto& [name, stored] : jobs_) {
    if (!stored.submitting && stored.state != JobState::kPaused) continue;
    Job job = stored;
    std::string detail;
    if (job.submitting) {
      job.submitting = false;
      job.attempts = std::max(0, job.attempts - 1);
      detail = "relinkd stopped while a submission was in flight; submitting again";
    }
    if (job.state == JobState::kPaused) {
      job.state = resumedState(job);
      job.lastError.reset();
      detail += std::string(detail.empty() ? "" : "; ") + "relinkd restarted and read the token again";
    }
    if (wantsRequests(job.state)) job.nextAttemptAt = now;
    job.updatedAt = now;
    commit(job, HistoryEntry{now, "recover", std::nullopt, std::string("state: ") + stateName(job.state),
                             detail});
  }
  transaction.commit();
}

bool Engine::commit(Job& job, const std::optional<HistoryEntry>& entry) {
  auto old = jobs_.find(job.name);
  const std::optional<JobState> before =
      old == jobs_.end() ? std::nullopt : std::optional<JobState>(old->second.state);
  if (!store_.save(job, entry)) {
    // relinkctl changed the job meanwhile: its change wins.
    engineLog().debug("job " + job.name + ": changed by relinkctl meanwhile; reloading");
    if (auto fresh = store_.find(job.name)) {
      jobs_[job.name] = *fresh;
      refreshRuntime(*fresh);
    }
    return false;
  }
  jobs_[job.name] = job;
  refreshRuntime(job);
  logTransition(job, before, entry);
  return true;
}

Engine::Inbox Engine::takeInbox() {
  std::lock_guard<std::mutex> lock(mutex_);
  Inbox taken = std::move(inbox_);
  inbox_ = Inbox{};
  woken_ = false;
  return taken;
}

// Consumes the inbox item by item: when the store fails midway, what is
// left goes back (restoreInbox) and is handled at the next step.
void Engine::applyInbox(Inbox& inbox) {
  while (!inbox.completions.empty()) {
    handle(inbox.completions.front());
    inbox.completions.pop_front();
  }
  if (inbox.settings) {
    settings_ = *inbox.settings;
    inbox.settings.reset();
  }
  if (inbox.credentials) {
    const bool changed = inbox.credentials->token != credentials_.token ||
                         inbox.credentials->email != credentials_.email;
    if (changed) resumeAll("the API token or e-mail changed");  // may throw: then retried as a change
    credentials_ = *inbox.credentials;
    inbox.credentials.reset();
  }
  if (inbox.resume) {
    resumeAll("the configuration was reloaded (SIGHUP)");
    inbox.resume = false;
  }
  const MonoMs mono = clock_.monoNow();
  if (inbox.rescan || mono >= nextRescan_) {
    scanAll();
    nextRescan_ = mono + settings_.rescanIntervalMs;
    inbox.rescan = false;
    inbox.files.clear();
  }
  while (!inbox.files.empty()) {
    const std::string file = *inbox.files.begin();
    reconcile(jobNameOf(file), source_.scanOne(file));
    inbox.files.erase(inbox.files.begin());
  }
}

void Engine::restoreInbox(Inbox& rest) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Completion& later : inbox_.completions) rest.completions.push_back(std::move(later));
  inbox_.completions = std::move(rest.completions);
  inbox_.files.insert(rest.files.begin(), rest.files.end());
  inbox_.rescan |= rest.rescan;
  inbox_.resume |= rest.resume;
  if (!inbox_.credentials) inbox_.credentials = std::move(rest.credentials);
  if (!inbox_.settings) inbox_.settings = std::move(rest.settings);
}

MonoMs Engine::step() {
  Inbox inbox = takeInbox();
  try {
    const MonoMs mono = clock_.monoNow();
    if (reloadNeeded_ || mono >= nextStoreCheck_) {
      if (!store_.changedElsewhere().empty() || reloadNeeded_) loadAll();
      reloadNeeded_ = false;
      nextStoreCheck_ = mono + settings_.storeCheckIntervalMs;
    }
    applyInbox(inbox);
    expireOverdue();
    warnNearDeadlines();
    dispatchDue();
  } catch (...) {
    // A rolled-back transaction leaves jobs_ ahead of the database (and a
    // rollback does not change data_version): read it again next time.
    reloadNeeded_ = true;
    restoreInbox(inbox);
    publish();
    throw;
  }
  publish();
  return nextWakeup();
}

void Engine::expireOverdue() {
  const TimeMs now = clock_.wallNow();
  for (auto& [name, stored] : jobs_) {
    if (!canExpire(stored.state) || !stored.deadline || *stored.deadline > now) continue;
    Job job = stored;
    const std::string was = stateName(job.state);
    job.state = JobState::kExpired;
    job.nextAttemptAt.reset();
    job.submitting = false;
    auto spec = job.specJson ? specFromJson(*job.specJson) : std::nullopt;
    const bool ownDeadline = spec && spec->deadline && *spec->deadline == *job.deadline;
    job.lastError = (ownDeadline ? "the job's deadline passed at " : "the migration window closed at ") +
                    formatTime(*job.deadline) + " while the job was " + was +
                    (job.lastError ? " (last error: " + *job.lastError + ")" : "");
    job.updatedAt = now;
    commit(job, HistoryEntry{now, "expire", std::nullopt, "state: expired", *job.lastError});
  }
}

void Engine::warnNearDeadlines() {
  const TimeMs now = clock_.wallNow();
  for (auto& [name, job] : jobs_) {
    Runtime& runtime = runtime_[name];
    if (runtime.warnedNearDeadline || !canExpire(job.state) || !job.deadline) continue;
    if (*job.deadline - now > kNearDeadlineMs) continue;
    runtime.warnedNearDeadline = true;
    engineLog().warning("job " + name + ": not done and its window closes in " +
                        formatDuration(*job.deadline - now) + " (at " + formatTime(*job.deadline) +
                        "); state " + stateName(job.state) +
                        (job.lastError ? ", last error: " + *job.lastError : ""));
  }
}

bool Engine::siteOpen(const std::string& siteId) const {
  auto gate = siteGates_.find(siteId);
  return gate == siteGates_.end() || gate->second <= clock_.monoNow();
}

void Engine::dispatchDue() {
  const MonoMs mono = clock_.monoNow();
  std::vector<std::pair<MonoMs, std::string>> due;
  for (const auto& [name, runtime] : runtime_) {
    if (runtime.wantsRequest && !runtime.inFlight && runtime.due <= mono) due.emplace_back(runtime.due, name);
  }
  std::sort(due.begin(), due.end());  // the longest-waiting first
  for (const auto& entry : due) {
    const std::string& name = entry.second;
    if (inFlight_ >= settings_.concurrency) break;
    Job& job = jobs_.at(name);
    if (!job.siteId.empty() && !siteOpen(job.siteId)) continue;
    if (job.deadline && *job.deadline <= clock_.wallNow()) continue;  // expires at the next step
    dispatch(job, runtime_.at(name));
  }
}

void Engine::dispatch(Job& stored, Runtime& runtime) {
  const TimeMs now = clock_.wallNow();
  Dispatch request;
  request.jobName = stored.name;
  request.deadline = stored.deadline.value_or(std::numeric_limits<TimeMs>::max());
  if (stored.state == JobState::kRunning && stored.remoteJobId) {  // polls need no spec
    request.kind = RequestKind::kPoll;
    request.request = statusRequest(settings_.baseUrl, stored.siteId, *stored.remoteJobId, credentials_);
    return send(std::move(request), runtime);
  }
  auto spec = stored.specJson ? specFromJson(*stored.specJson) : std::nullopt;
  if (!spec) return;  // a job that wants requests always has a spec
  if (stored.siteId.empty()) {
    request.kind = RequestKind::kDiscover;
    request.request = tenantInfoRequest(spec->productUrl);
  } else {
    // Recorded before it is sent: after a crash, the job is submitted again.
    Job job = stored;
    job.submitting = true;
    job.attempts += 1;
    job.updatedAt = now;
    if (!commit(job, HistoryEntry{now, "submit", std::nullopt, "sending",
                                  "attempt " + std::to_string(job.attempts)}))
      return;
    request.kind = RequestKind::kSubmit;
    request.request = submitRequest(settings_.baseUrl, job.siteId, *spec, credentials_);
  }
  send(std::move(request), runtime);
}

void Engine::send(Dispatch request, Runtime& runtime) {
  request.jobVersion = jobs_.at(request.jobName).version;
  runtime.inFlight = true;
  ++inFlight_;
  executor_.execute(std::move(request));
}

MonoMs Engine::nextWakeup() const {
  MonoMs next = std::min(nextRescan_, nextStoreCheck_);
  // With every slot taken, a completion (which wakes the loop) comes first.
  const bool slotsFull = inFlight_ >= settings_.concurrency;
  for (const auto& [name, runtime] : runtime_) {
    if (slotsFull) break;
    if (!runtime.wantsRequest || runtime.inFlight) continue;
    MonoMs when = runtime.due;
    const Job& job = jobs_.at(name);
    auto gate = siteGates_.find(job.siteId);
    if (gate != siteGates_.end()) when = std::max(when, gate->second);
    next = std::min(next, when);
  }
  // Deadlines are wall-clock; look at them at least once a second.
  return std::min(next, clock_.monoNow() + 1000);
}

}  // namespace relinkd

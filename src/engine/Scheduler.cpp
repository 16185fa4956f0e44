// The scheduler's step, loading and recovery, and relinkctl's changes.
#include "Scheduler.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <tuple>
#include <unordered_set>

#include "EngineLog.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {

Scheduler::Scheduler(EngineSettings settings, JobStore& store, JobSource& source, const Clock& clock,
                     Executor& executor, RandomSource& random, Credentials credentials)
    : settings_(std::move(settings)),
      store_(store),
      source_(source),
      clock_(clock),
      executor_(executor),
      random_(random),
      state_(std::move(credentials)) {}

TransitionContext Scheduler::context() const { return TransitionContext{settings_, clock_.wallNow(), random_}; }

bool Scheduler::start(const std::function<bool()>& stopRequested) {
  state_.nextRescan = clock_.monoNow() + settings_.rescanIntervalMs;
  nextStoreCheck_ = clock_.monoNow() + settings_.storeCheckIntervalMs;
  try {
    loadAll();
    loadSiteGates();
    recover();
    return scanAll(stopRequested);
  } catch (const StoreError&) {
    // The store cannot be read or written now (full, read-only, locked):
    // the first step that can do it all does it, and nothing is sent before.
    state_.startPending = true;
    reloadNeeded_ = true;
    throw;
  }
}

// Every job, from the store: at start, and after a failed step (a rolled-
// back transaction leaves the table ahead of the database). Every row
// replaces the table's copy whatever its version: a rolled-back save
// reuses version numbers, so a relinkctl write right after the rollback
// can carry the very version the table holds.
void Scheduler::loadAll() {
  store_.changedElsewhere();  // the mark: from here on, only others' writes count
  const TimeMs wall = clock_.wallNow();
  const MonoMs mono = clock_.monoNow();
  const bool reloading = table_.size() > 0;  // after a failed step: drop what the store lacks
  std::unordered_set<std::string> stored;
  store_.forEachJob([&](Job&& job) {
    if (reloading) stored.insert(job.name);
    table_.put(std::move(job), wall, mono);
  });
  if (reloading)
    for (const std::string& name : table_.names())
      if (!stored.count(name)) table_.erase(name);
  planRecords_.rebuild(table_);
  // A deadline warned of before a restart (or a failed step) is not warned
  // of again; one whose warning was rolled back is.
  // A summarised plan's job has no record of its own: its warning is taken
  // as given (logged) once its plan's is recorded and its own was due by now.
  if (settings_.notify) {
    const std::map<std::string, TimeMs> warned = store_.deadlineWarnings();
    planWarned_ = store_.planDeadlineWarnings();
    table_.forEach([&](const Job& job) {
      auto it = warned.find(job.name);
      const bool own = it != warned.end() && job.deadline == it->second;
      const bool withPlan = summarised(job) && planWarnedOf(job) && *job.deadline - kNearDeadlineMs <= wall;
      table_.markWarned(job.name, own || withPlan);
    });
  }
}

// Rate limits survive a restart. Read once, at start: later, a gate is only
// ever extended (limitSite), so a step of the wall clock cannot shorten it.
void Scheduler::loadSiteGates() { state_.gates.load(store_.siteLimits(), clock_.wallNow(), clock_.monoNow()); }

void Scheduler::recover() {
  const TransitionContext now = context();
  std::vector<Job> interrupted;
  table_.forEach([&](const Job& job) {
    if (job.submitting || job.state == JobState::kPaused) interrupted.push_back(job);
  });
  JobStore::Transaction transaction(store_);
  for (Job& job : interrupted) {
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
    if (wantsRequests(job.state)) scheduleRequest(job, now.now, now);
    job.updatedAt = now.now;
    commit(job, HistoryEntry{now.now, "recover", std::nullopt, stateOutcome(job.state),
                             detail});
  }
  transaction.commit();
}

// relinkctl's changes (retry, cancel): only the rows it wrote are read.
// What a job it made final owes, relinkctl recorded with the change
// (owedAtFinal, on the store): nothing is owed here, so nothing twice.
void Scheduler::applyChangedElsewhere() {
  const TimeMs wall = clock_.wallNow();
  const MonoMs mono = clock_.monoNow();
  for (Job& job : store_.changedElsewhere()) {
    const Job* old = table_.find(job.name);
    if (old && old->version == job.version) continue;  // our own write
    const std::optional<JobState> before = old ? std::optional<JobState>(old->state) : std::nullopt;
    const std::string name = job.name;
    const JobState after = job.state;
    table_.put(std::move(job), wall, mono);
    if (before != after) logTransition(*table_.find(name), before, store_.lastHistory(name));
  }
}

std::optional<std::string> Scheduler::specOf(const Job& job) const {
  return job.specLeftOut ? store_.specOf(job.name) : job.specJson;
}

Job Scheduler::withSpec(const Job& job) const {
  Job loaded = job;
  loaded.specJson = specOf(job);
  return loaded;
}

bool Scheduler::commit(Job job, const std::optional<HistoryEntry>& entry) {
  writing();
  const Job* old = table_.find(job.name);
  const std::optional<JobState> before = old ? std::optional<JobState>(old->state) : std::nullopt;
  const bool owes = settings_.notify && before != job.state && isFinal(job.state);
  std::optional<JobStore::Transaction> transaction;  // the save and the notification it owes, together
  if (owes) transaction.emplace(store_);
  if (!store_.save(job, entry)) {
    // relinkctl changed the job meanwhile: its change wins.
    if (auto fresh = store_.find(job.name)) {
      engineLog().debug("job " + job.name + ": changed by relinkctl meanwhile; reloading");
      table_.put(std::move(*fresh), clock_.wallNow(), clock_.monoNow());
    } else {  // its row was deleted from the database: kept in memory, it would be due for ever
      engineLog().warning("job " + job.name + ": its row was deleted from the database by another "
                          "program; relinkd forgets it (change its file to add it again)");
      table_.erase(job.name);
    }
    return false;
  }
  const std::string name = job.name;
  table_.put(std::move(job), clock_.wallNow(), clock_.monoNow());
  if (owes) {
    oweFinal(*table_.find(name));
    transaction->commit();
  }
  logTransition(*table_.find(name), before, entry);
  return true;
}

namespace {

// The inbox but for its files: a failed step gives back only the files it
// took (PendingStep::files), so a long queue is not copied every step.
Inbox withoutFiles(Inbox& inbox) {
  std::set<std::string> waiting = std::move(inbox.files);
  inbox.files.clear();
  Inbox copy = inbox;
  inbox.files = std::move(waiting);
  return copy;
}

}  // namespace

MonoMs Scheduler::step(Inbox& inbox) {
  Inbox before = withoutFiles(inbox);
  StepState saved = state_;
  pending_.emplace();
  try {
    runStep(inbox);
    if (pending_->writes) pending_->writes->commit();
  } catch (...) {
    undoStep(inbox, std::move(before), std::move(saved));
    throw;
  }
  std::vector<Dispatch> requests = std::move(pending_->requests);
  pending_.reset();
  for (Dispatch& request : requests) executor_.execute(std::move(request));
  return nextWakeup();
}

// One transaction for the step (one fsync, not one per change), begun
// only when something is written: an idle step writes nothing.
void Scheduler::writing() {
  if (pending_ && !pending_->writes) pending_->writes.emplace(store_);
}

// The transaction rolls back, the requests decided on are never sent, and
// the state is as before the step. The table is read again from the store
// (storeFailed); only its in-flight marks are put right here, from the slots.
void Scheduler::undoStep(Inbox& inbox, Inbox before, StepState saved) {
  const std::vector<Dispatch> unsent = std::move(pending_->requests);
  const std::vector<std::string> taken = std::move(pending_->files);
  pending_.reset();
  state_ = std::move(saved);
  for (const Dispatch& request : unsent)
    if (table_.find(request.jobName) && !state_.slots.holds(request.jobName))
      table_.setInFlight(request.jobName, false);
  for (const Completion& completion : before.completions)
    if (table_.find(completion.dispatch.jobName) && state_.slots.holds(completion.dispatch.jobName))
      table_.setInFlight(completion.dispatch.jobName, true);
  std::set<std::string> left = std::move(inbox.files);
  inbox = std::move(before);
  inbox.files = std::move(left);
  inbox.files.insert(taken.begin(), taken.end());
}

void Scheduler::runStep(Inbox& inbox) {
  const MonoMs mono = clock_.monoNow();
  if (reloadNeeded_) {
    loadAll();
    reloadNeeded_ = false;
  } else if (mono >= nextStoreCheck_) {
    applyChangedElsewhere();
  }
  if (state_.startPending) {  // what start() could not do
    loadSiteGates();
    recover();
    scanAll({}, &inbox);  // the files it finds are read a step's share at a time
    state_.startPending = false;
  }
  if (mono >= nextStoreCheck_) nextStoreCheck_ = mono + settings_.storeCheckIntervalMs;
  applyInbox(inbox);
  deadlinesDue();
  pauseNoticeDue();
  dispatchDue();
}

// Item by item: when the store fails midway, what is left stays in inbox.
// At most kFilesPerStep files are read in one step; the rest stay in inbox
// for the next (Engine::step puts them back and steps again at once), so a
// directory that fills with thousands of files at once does not hold up
// answers, polls and expiry while they are taken up.
void Scheduler::applyInbox(Inbox& inbox) {
  while (!inbox.completions.empty()) {
    handle(inbox.completions.front());
    inbox.completions.pop_front();
  }
  if (inbox.settings) {
    settings_ = *inbox.settings;
    inbox.settings.reset();
  }
  if (inbox.credentials) {
    applyCredentials(*inbox.credentials);  // may throw: then retried as a change
    inbox.credentials.reset();
  }
  if (inbox.resume) {
    if (state_.credentials.mayResumeOnReload()) resumeAll("the configuration was reloaded (SIGHUP)");
    inbox.resume = false;
  }
  const MonoMs mono = clock_.monoNow();
  if (inbox.rescan || mono >= state_.nextRescan) {
    state_.nextRescan = mono + settings_.rescanIntervalMs;  // sooner if the directory is missing
    scanAll({}, &inbox);
    inbox.rescan = false;
  }
  takeFiles(inbox);
  retryFileReads();
}

// Job files before plan files: a name both claim is the job file's.
void Scheduler::takeFiles(Inbox& inbox) {
  int budget = kFilesPerStep;
  for (const bool plans : {false, true}) {
    for (auto it = inbox.files.begin(); it != inbox.files.end() && budget > 0;) {
      if (isPlanFileName(*it) != plans) {
        ++it;
        continue;
      }
      const std::string file = *it;
      state_.fileReads.dropRetry(file);
      reconcileFile(file);
      pending_->files.push_back(file);
      it = inbox.files.erase(it);
      --budget;
    }
  }
}

}  // namespace relinkd

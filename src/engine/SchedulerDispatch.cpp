// What is due: expiry and near-deadline warnings from the deadline index,
// requests from the due index, and when to wake up next. Each touches only
// the jobs at the front of its index.
#include <Poco/Logger.h>

#include <limits>

#include "EngineLog.h"
#include "Scheduler.h"
#include "relinkd/Duration.h"
#include "relinkd/JobSpec.h"

namespace relinkd {
namespace {

constexpr MonoMs kNever = std::numeric_limits<MonoMs>::max();
// Deadlines are wall-clock: look at them at least this often.
constexpr std::int64_t kWallCheckMs = 1000;
// A step sends at most this many requests' worth of work from the due
// index (more wait for the next step, which then comes at once).
constexpr int kMaxDuePerStep = 1000;

}  // namespace

// One index holds both: a job is keyed by its near-deadline warning until
// warned, then by its deadline. A job whose deadline has passed expires
// (unwarned, if the warning was never due while relinkd ran).
void Scheduler::deadlinesDue() {
  const TimeMs now = clock_.wallNow();
  const TransitionContext context = this->context();
  while (!table_.deadlines().empty() && table_.deadlines().begin()->first <= now) {
    const std::string name = *table_.deadlines().begin()->second;
    const Job& job = *table_.find(name);
    if (*job.deadline <= now) {
      Change change = expire(withSpec(job), context);
      commit(std::move(change.job), change.entry);  // leaves the index: expired cannot expire
    } else {
      warnNearDeadline(job, now);
    }
  }
}

void Scheduler::warnNearDeadline(const Job& job, TimeMs now) {
  engineLog().warning("job " + job.name + ": not done and its window closes in " +
                      formatDuration(*job.deadline - now) + " (at " + formatTime(*job.deadline) +
                      "); state " + stateName(job.state) +
                      (job.lastError ? ", last error: " + *job.lastError : ""));
  if (settings_.notify) {  // recorded, so that a restart neither loses nor repeats it
    writing();
    store_.addNotification(owedNotification(job.name, kEventDeadlineNear, job.state, now, job.deadline));
    notificationsOwed_ = true;
  }
  table_.markWarned(job.name);  // keyed by its deadline now
}

std::optional<MonoMs> Scheduler::siteGate(const std::string& siteId) const {
  auto gate = siteGates_.find(siteId);
  if (gate == siteGates_.end() || gate->second <= clock_.monoNow()) return std::nullopt;
  return gate->second;
}

// The longest-waiting first. A job whose site is rate-limited moves to the
// end of the limit; one that can no longer finish a request before its
// deadline stops asking.
void Scheduler::dispatchDue() {
  const MonoMs mono = clock_.monoNow();
  for (int n = 0; n < kMaxDuePerStep && inFlight_ < settings_.concurrency; ++n) {
    if (table_.due().empty() || table_.due().begin()->first > mono) return;
    const std::string name = *table_.due().begin()->second;
    const Job& job = *table_.find(name);
    if (auto gate = siteGate(job.siteId); gate && !job.siteId.empty()) {
      table_.setDue(name, *gate);
      continue;
    }
    // Judged by when the request was due, not by when this step runs (a
    // wake-up a few ms late must not lose the last attempt); the pool's
    // budget then ends it before the deadline.
    const auto latest = latestStart(job, settings_.retry);
    if (latest && job.nextAttemptAt && *job.nextAttemptAt > *latest) {
      Change change = noTimeLeft(job, "no request can start any more: one may take up to " +
                                          formatDuration(settings_.retry.lastCallMs) +
                                          " (relinkd.api.timeout) and the deadline is at " +
                                          formatTime(*job.deadline),
                                 context());
      commit(std::move(change.job), change.entry);
      continue;
    }
    dispatch(job);
  }
}

void Scheduler::dispatch(Job stored) {
  const TimeMs now = clock_.wallNow();
  if (credentials_.token.empty() && credentialsRejected_) {  // no token (relinkctl retry, a SIGHUP): nothing is sent
    pause(std::move(stored));
    return;
  }
  Dispatch request;
  request.jobName = stored.name;
  request.deadline = stored.deadline.value_or(std::numeric_limits<TimeMs>::max());
  request.credentialsGeneration = credentialsGeneration_;
  if (stored.state == JobState::kRunning && stored.remoteJobId) {  // polls need no spec
    request.kind = RequestKind::kPoll;
    request.request = statusRequest(settings_.baseUrl, stored.siteId, *stored.remoteJobId, credentials_);
    return send(std::move(request));
  }
  const std::optional<std::string> specJson = specOf(stored);  // not a copy of the whole job
  auto spec = specJson ? specFromJson(*specJson) : std::nullopt;
  if (!spec) {
    Change change = unreadableSpec(stored, context());
    commit(std::move(change.job), change.entry);
    return;
  }
  if (stored.siteId.empty()) return discover(std::move(stored), spec->productUrl, std::move(request));
  // Recorded before it is sent: after a crash, the job is submitted again.
  Job job = stored;
  job.submitting = true;
  job.attempts += 1;
  job.updatedAt = now;
  const std::string attempt = "attempt " + std::to_string(job.attempts);
  if (!commit(std::move(job), HistoryEntry{now, "submit", std::nullopt, "sending", attempt})) return;
  request.kind = RequestKind::kSubmit;
  request.request = submitRequest(settings_.baseUrl, stored.siteId, *spec, credentials_);
  send(std::move(request));
}

// One tenant_info request per site at a time, its answer shared by every
// job of that site (a plan's site is the product of N − 1 jobs): the others
// wait for it, then take the id it found, or fail with the reason it could
// not be found, without a request of their own.
void Scheduler::discover(Job job, const std::string& url, Dispatch request) {
  const TimeMs now = clock_.wallNow();
  if (auto known = discoveredSites_.find(url); known != discoveredSites_.end()) {
    job.siteId = known->second;
    job.updatedAt = now;
    commit(std::move(job), HistoryEntry{now, "discover", std::nullopt, "ok",
                                        "siteId " + known->second + " of " + url + ", read for another job"});
    return;  // due again at once: submitted by this step or the next
  }
  auto asking = discovering_.find(url);
  if (asking != discovering_.end()) {
    asking->second.waiting.insert(job.name);
    table_.setDue(job.name, std::nullopt);  // until the answer is in (siteDiscovered)
    return;
  }
  discovering_[url].by = job.name;
  request.kind = RequestKind::kDiscover;
  request.request = tenantInfoRequest(url);
  send(std::move(request));
}

// The discovery that job asked for is over, whatever its outcome. When its
// answer was applied (the job did not change meanwhile), its verdict is the
// site's: the id found is shared, and a permanent failure fails the jobs
// that waited for it, with the same reason and without a request of their
// own. Otherwise the waiters are due when the asker is (at once if it is
// not asking again), so that one of them asks next.
void Scheduler::discoveryDone(const std::string& name, bool applied) {
  for (auto it = discovering_.begin(); it != discovering_.end(); ++it) {
    if (it->second.by != name) continue;
    const std::string url = it->first;
    const std::set<std::string> waiting = std::move(it->second.waiting);
    discovering_.erase(it);
    const Job* asker = applied ? table_.find(name) : nullptr;
    MonoMs due = clock_.monoNow();
    std::optional<std::string> failed;
    if (asker && !asker->siteId.empty()) {
      discoveredSites_[url] = asker->siteId;
    } else if (asker && asker->state == JobState::kFailed && asker->lastError) {
      failed = *asker->lastError;
    } else if (asker && asker->nextAttemptAt && wantsRequests(asker->state)) {
      due += std::max<std::int64_t>(0, *asker->nextAttemptAt - clock_.wallNow());
    }
    for (const std::string& waiter : waiting) {
      const Job* job = table_.find(waiter);
      if (!job || !wantsRequests(job->state) || !job->siteId.empty() || table_.runtime(waiter).inFlight) continue;
      if (!failed) {
        table_.setDue(waiter, due);
        continue;
      }
      Job fail = *job;
      const TimeMs now = clock_.wallNow();
      fail.state = JobState::kFailed;
      fail.nextAttemptAt.reset();
      fail.lastError = *failed;
      fail.updatedAt = now;
      commit(std::move(fail), HistoryEntry{now, "discover", std::nullopt, stateOutcome(JobState::kFailed),
                                           *failed + " (found for " + name + ", of the same site)"});
    }
    return;
  }
}

void Scheduler::send(Dispatch request) {
  request.jobVersion = table_.find(request.jobName)->version;
  table_.setInFlight(request.jobName, true);
  ++inFlight_;
  if (inStep_) deferred_.push_back(std::move(request));
  else executor_.execute(std::move(request));
}

MonoMs Scheduler::nextWakeup() const {
  const MonoMs mono = clock_.monoNow();
  const TimeMs wall = clock_.wallNow();
  MonoMs next = std::min({nextRescan_, nextStoreCheck_, mono + kWallCheckMs});
  if (const auto retry = fileReads_.nextRetry()) next = std::min(next, *retry);
  // With every slot taken, a completion (which wakes the loop) comes first.
  if (inFlight_ < settings_.concurrency && !table_.due().empty())
    next = std::min(next, table_.due().begin()->first);
  auto wallToMono = [&](TimeMs at) { return at <= wall ? mono : mono + (at - wall); };
  if (!table_.deadlines().empty()) next = std::min(next, wallToMono(table_.deadlines().begin()->first));
  return next == kNever ? mono + kWallCheckMs : next;
}

}  // namespace relinkd

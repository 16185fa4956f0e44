// What is due: expiry and near-deadline warnings from the deadline index,
// requests from the due index, and when to wake up next. Each touches only
// the jobs at the front of its index.
#include <Poco/Logger.h>

#include <limits>

#include "EngineLog.h"
#include "Scheduler.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {
namespace {

constexpr MonoMs kNever = std::numeric_limits<MonoMs>::max();
// Deadlines are wall-clock: look at them at least this often.
constexpr std::int64_t kWallCheckMs = 1000;
// A request due before its last moment but looked at more than this after
// that moment is not sent (the steps come at least every kWallCheckMs).
constexpr std::int64_t kLateLookMs = 2 * kWallCheckMs;
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
  if (settings_.notify && summarised(job)) {
    owePlanDeadline(job, now);
  } else if (settings_.notify) {  // recorded, so that a restart neither loses nor repeats it
    writing();
    store_.addNotification(owedNotification(job.name, kEventDeadlineNear, job.state, now, job.deadline));
    notificationsOwed_ = true;
  }
  table_.markWarned(job.name);  // keyed by its deadline now
}

// The longest-waiting first. A job whose site is rate-limited moves to the
// end of the limit; one that can no longer start a request before the last
// moment its deadline allows stops asking.
void Scheduler::dispatchDue() {
  const MonoMs mono = clock_.monoNow();
  for (int n = 0; n < kMaxDuePerStep && !state_.slots.full(settings_.concurrency); ++n) {
    if (table_.due().empty() || table_.due().begin()->first > mono) return;
    const std::string name = *table_.due().begin()->second;
    const Job& job = *table_.find(name);
    if (!heldBack(job)) dispatch(job);
  }
}

// A site's gate counts from when it opens. Otherwise a request is judged by
// when it was due, not by when this step runs (a wake-up a few ms late must
// not lose the last attempt; the pool's budget then ends it before the
// deadline), unless relinkd looks at it well after the last moment: it was
// stopped, or the host slept, past it.
bool Scheduler::heldBack(const Job& job) {
  const auto latest = latestStart(job, settings_.retry);
  if (auto gate = state_.gates.closedUntil(job.siteId, clock_.monoNow())) {
    const TimeMs opens = clock_.wallNow() + (*gate - clock_.monoNow());
    if (latest && opens > *latest) stopAsking(job, opens);
    else table_.setDue(job.name, *gate);
    return true;
  }
  if (!latest || !job.nextAttemptAt) return false;
  const bool lateWakeup = clock_.wallNow() > *latest + kLateLookMs;
  if (*job.nextAttemptAt <= *latest && !lateWakeup) return false;
  stopAsking(job, std::nullopt);
  return true;
}

void Scheduler::stopAsking(const Job& job, std::optional<TimeMs> siteOpensAt) {
  Change change = noTimeLeft(job, noRequestFits(job, settings_.retry, siteOpensAt), context());
  commit(std::move(change.job), change.entry);
}

void Scheduler::dispatch(Job stored) {
  const TimeMs now = clock_.wallNow();
  if (!state_.credentials.maySend()) {  // no token (relinkctl retry, a SIGHUP): nothing is sent
    pause(std::move(stored));
    return;
  }
  const Credentials& credentials = state_.credentials.credentials();
  Dispatch request;
  request.jobName = stored.name;
  request.deadline = stored.deadline.value_or(std::numeric_limits<TimeMs>::max());
  request.credentialsGeneration = state_.credentials.generation();
  if (stored.state == JobState::kRunning && stored.remoteJobId) {  // polls need no spec
    request.kind = RequestKind::kPoll;
    request.request = statusRequest(settings_.baseUrl, stored.siteId, *stored.remoteJobId, credentials);
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
  request.request = submitRequest(settings_.baseUrl, stored.siteId, *spec, credentials);
  send(std::move(request));
}

// One tenant_info request per site at a time, its answer shared by every
// job of that site (a plan's site is the product of N − 1 jobs): the others
// wait for it (discoveryDone), without a request of their own.
void Scheduler::discover(Job job, const std::string& url, Dispatch request) {
  const TimeMs now = clock_.wallNow();
  if (auto known = state_.discovery.known(url)) {
    job.siteId = *known;
    job.updatedAt = now;
    commit(std::move(job), HistoryEntry{now, "discover", std::nullopt, "ok",
                                        "siteId " + *known + " of " + url + ", read for another job"});
    return;  // due again at once: submitted by this step or the next
  }
  if (state_.discovery.waitOrAsk(url, job.name)) {
    table_.setDue(job.name, std::nullopt);  // until the answer is in (discoveryDone)
    return;
  }
  request.kind = RequestKind::kDiscover;
  request.request = tenantInfoRequest(url);
  send(std::move(request));
}

void Scheduler::send(Dispatch request) {
  request.jobVersion = table_.find(request.jobName)->version;
  table_.setInFlight(request.jobName, true);
  state_.slots.take(request.jobName);
  state_.credentials.sending(request.jobName);
  if (pending_) pending_->requests.push_back(std::move(request));
  else executor_.execute(std::move(request));
}

MonoMs Scheduler::nextWakeup() const {
  const MonoMs mono = clock_.monoNow();
  const TimeMs wall = clock_.wallNow();
  MonoMs next = std::min({state_.nextRescan, nextStoreCheck_, mono + kWallCheckMs});
  if (const auto retry = state_.fileReads.nextRetry()) next = std::min(next, *retry);
  // With every slot taken, a completion (which wakes the loop) comes first.
  if (!state_.slots.full(settings_.concurrency) && !table_.due().empty())
    next = std::min(next, table_.due().begin()->first);
  auto wallToMono = [&](TimeMs at) { return at <= wall ? mono : mono + (at - wall); };
  if (!table_.deadlines().empty()) next = std::min(next, wallToMono(table_.deadlines().begin()->first));
  if (state_.pauseNoticeAt) next = std::min(next, wallToMono(*state_.pauseNoticeAt));
  return next == kNever ? mono + kWallCheckMs : next;
}

}  // namespace relinkd

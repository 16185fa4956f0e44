// Applying the transition table (Transitions.cpp) to what came back, and
// the effects that reach beyond one job: a rate-limited site (SiteGates),
// rejected or proven credentials (SchedulerCredentials.cpp), a site's id
// found for every job of the site (SiteDiscovery).
#include <Poco/Logger.h>

#include <algorithm>

#include "EngineLog.h"
#include "Scheduler.h"

namespace relinkd {

namespace {

constexpr std::size_t kMaxResultBytes = 16 * 1024;

// At most kMaxResultBytes, cut at a UTF-8 character boundary.
std::string finalResult(std::string body) {
  if (body.size() <= kMaxResultBytes) return body;
  std::size_t cut = kMaxResultBytes;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  body.resize(cut);
  return body + "... (cut at 16 KiB)";
}

}  // namespace

// The slot is given back first, whatever became of the job (erased,
// changed, expired); if the store fails later in the step, the step's state
// is restored and the completion handled again at the next step.
void Scheduler::handle(const Completion& completion) {
  const std::string& name = completion.dispatch.jobName;
  releaseSlot(name);
  const bool proven = state_.credentials.accepted(completion.dispatch, completion.result);
  const Job* job = table_.find(name);
  const bool applied = job && applyAnswer(completion, *job);
  if (completion.dispatch.kind == RequestKind::kDiscover) discoveryDone(name, applied);
  catchUpPlan(name);
  if (proven)
    resumeAll("the API accepted a request of job " + name + " with the current credentials (relinkctl retry)");
  holdIfPaused(name);
}

void Scheduler::releaseSlot(const std::string& name) {
  if (state_.slots.release(name) && table_.find(name)) table_.setInFlight(name, false);
}

bool Scheduler::applyAnswer(const Completion& completion, const Job& current) {
  const Dispatch& sent = completion.dispatch;
  const HttpResult& result = completion.result;
  if (result.error == TransportError::kAborted) return false;  // shutting down: the store says what to do next
  if (current.version != sent.jobVersion) return dropStale(completion);
  const Job job = current;  // a copy: applying the answer replaces the table's snapshot
  Runtime& runtime = table_.runtime(job.name);
  const TransitionContext context = this->context();
  if (result.error == TransportError::kTooLate) return notSent(completion, job);
  const ApiAnswer answer = readAnswer(completion, context.now);
  if (answer.outcome.kind == OutcomeKind::kCredentials && sent.kind != RequestKind::kDiscover &&
      state_.credentials.stale(sent.credentialsGeneration)) {
    apply(afterStaleCredentials(job, sent.kind, context), answer.outcome);
    return false;
  }
  switch (sent.kind) {
    case RequestKind::kSubmit: apply(afterSubmit(job, runtime, answer, context), answer.outcome); break;
    case RequestKind::kPoll: {
      Change change = afterPoll(job, runtime, answer, context);
      // The remote job's last word, kept for the operator (and the notification).
      if (answer.remoteStatus == RemoteStatus::kComplete || answer.outcome.kind == OutcomeKind::kRemoteError)
        change.job.result = finalResult(redactCredentials(result.response.body, state_.credentials.credentials()));
      apply(std::move(change), answer.outcome);
      break;
    }
    case RequestKind::kDiscover: {
      const auto absent = state_.discovery.answered(sent.request.url, answer.outcome.noSuchHost, context.now);
      apply(afterDiscover(job, runtime, answer, sent.request.url, context, absent), answer.outcome);
      break;
    }
  }
  return true;
}

bool Scheduler::dropStale(const Completion& completion) {
  const Dispatch& sent = completion.dispatch;
  const HttpResult& result = completion.result;
  const bool created = sent.kind == RequestKind::kSubmit && result.error == TransportError::kNone &&
                       result.response.status / 100 == 2;
  const std::string line = "job " + sent.jobName + ": " + requestKindName(sent.kind) +
                           " answer dropped: the job changed while the request was in flight";
  if (created) engineLog().warning(line + " (the API may have created a remote job; it is not polled)");
  else engineLog().debug(line);
  return false;
}

// The pool could not start the request in time: the job asks no more.
bool Scheduler::notSent(const Completion& completion, Job job) {
  if (completion.dispatch.kind == RequestKind::kSubmit) {  // never sent: no attempt, nothing in flight
    job.submitting = false;
    job.attempts = std::max(0, job.attempts - 1);
  }
  apply(noTimeLeft(std::move(job), completion.result.errorMessage, context()), {});
  return false;
}

ApiAnswer Scheduler::readAnswer(const Completion& completion, TimeMs now) const {
  const HttpResult& result = completion.result;
  ApiAnswer answer;
  switch (completion.dispatch.kind) {
    case RequestKind::kSubmit: answer = readSubmitAnswer(result, now); break;
    case RequestKind::kPoll: answer = readStatusAnswer(result, now); break;
    case RequestKind::kDiscover: answer = readTenantInfoAnswer(result, now); break;
  }
  answer.outcome.message = redactCredentials(answer.outcome.message, state_.credentials.credentials());
  return answer;
}

void Scheduler::apply(Change change, const Outcome& outcome) {
  const std::string name = change.job.name;
  const std::string siteId = change.job.siteId;
  if (change.loud && change.entry) engineLog().error("job " + name + ": " + outcome.message);
  commit(std::move(change.job), change.entry);
  if (change.limitSite) limitSite(siteId, *change.limitSite);
  if (change.pauseAll) pauseAll(outcome);
}

void Scheduler::limitSite(const std::string& siteId, TimeMs notBefore) {
  state_.gates.close(siteId, notBefore, clock_.wallNow(), clock_.monoNow());
  writing();
  store_.setSiteLimit(siteId, notBefore);
  engineLog().warning("site " + siteId + ": rate limited; no request to it before " + formatTime(notBefore));
}

// The discovery that job asked for is over, whatever its outcome. When its
// answer was applied (the job did not change meanwhile), its verdict is the
// site's: the id found is shared, and a permanent failure fails the jobs
// that waited for it, with the same reason and without a request of their
// own (a host that does not exist fails them all at once, as it would
// each of them at its next request). Otherwise the waiters are due when
// the asker is (at once if it is not asking again), so that one of them
// asks next.
void Scheduler::discoveryDone(const std::string& name, bool applied) {
  const std::optional<SiteDiscovery::Ended> ended = state_.discovery.end(name);
  if (!ended) return;
  const Job* asker = applied ? table_.find(name) : nullptr;
  MonoMs due = clock_.monoNow();
  std::optional<std::string> failed;
  std::string askerRemedy;
  if (asker && !asker->siteId.empty()) {
    state_.discovery.found(ended->url, asker->siteId);
  } else if (asker && asker->state == JobState::kFailed && asker->lastError) {
    failed = *asker->lastError;
    askerRemedy = siteIdRemedy(*asker);
  } else if (asker && asker->nextAttemptAt && wantsRequests(asker->state)) {
    due += std::max<std::int64_t>(0, *asker->nextAttemptAt - clock_.wallNow());
  }
  for (const std::string& waiter : ended->waiting) {
    const Job* job = table_.find(waiter);
    if (!job || !wantsRequests(job->state) || !job->siteId.empty() || table_.runtime(waiter).inFlight) continue;
    if (failed) failWaiter(*job, ownRemedy(*failed, askerRemedy, *job), name);
    else table_.setDue(waiter, due);
  }
}

// why, the asker's failure, with job's own remedy in place of the asker's
// (a job file and a plan job of one site are fixed in different files).
std::string Scheduler::ownRemedy(const std::string& why, const std::string& askerRemedy, const Job& job) {
  const std::string mine = siteIdRemedy(job);
  const bool endsWithTheirs = !askerRemedy.empty() && why.size() >= askerRemedy.size() &&
                              why.compare(why.size() - askerRemedy.size(), askerRemedy.size(), askerRemedy) == 0;
  if (!endsWithTheirs || askerRemedy == mine) return why;
  return why.substr(0, why.size() - askerRemedy.size()) + mine;
}

void Scheduler::failWaiter(const Job& job, const std::string& why, const std::string& asker) {
  Job fail = job;
  const TimeMs now = clock_.wallNow();
  fail.state = JobState::kFailed;
  fail.nextAttemptAt.reset();
  fail.lastError = why;
  fail.updatedAt = now;
  commit(std::move(fail), HistoryEntry{now, "discover", std::nullopt, stateOutcome(JobState::kFailed),
                                       why + " (found for " + asker + ", of the same site)"});
}

}  // namespace relinkd

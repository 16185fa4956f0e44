// Applying the transition table (Transitions.cpp) to what came back, and
// the effects that reach beyond one job: a rate-limited site, rejected
// credentials (every job pauses) and new ones (paused jobs resume).
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

// The request counts as in flight until its answer is recorded: if the
// store fails here, the completion is handled again at the next step.
void Scheduler::handle(const Completion& completion) {
  const std::string& name = completion.dispatch.jobName;
  const Job* job = table_.find(name);
  if (!job) {
    discoveryDone(name, false);
    return;
  }
  const bool applied = applyAnswer(completion, *job);
  if (table_.runtime(name).inFlight) {
    table_.setInFlight(name, false);
    --inFlight_;
  }
  if (completion.dispatch.kind == RequestKind::kDiscover) discoveryDone(name, applied);
  catchUpPlan(name);
  // pauseAll passed it by while its request was out: pause it now.
  if (credentialsRejected_ && wantsRequests(table_.find(name)->state)) pause(*table_.find(name));
}

bool Scheduler::applyAnswer(const Completion& completion, const Job& current) {
  const Dispatch& sent = completion.dispatch;
  const HttpResult& result = completion.result;
  if (result.error == TransportError::kAborted) return false;  // shutting down: the store says what to do next
  if (current.version != sent.jobVersion) {
    const bool created = sent.kind == RequestKind::kSubmit && result.error == TransportError::kNone &&
                         result.response.status / 100 == 2;
    const std::string line = "job " + sent.jobName + ": " + requestKindName(sent.kind) +
                             " answer dropped: the job changed while the request was in flight";
    if (created) engineLog().warning(line + " (the API may have created a remote job; it is not polled)");
    else engineLog().debug(line);
    return false;
  }
  const Job job = current;  // a copy: applying the answer replaces the table's snapshot
  Runtime& runtime = table_.runtime(job.name);
  const TransitionContext context = this->context();
  if (result.error == TransportError::kTooLate) {
    Job unsent = job;
    if (sent.kind == RequestKind::kSubmit) {  // never sent: no attempt, nothing in flight
      unsent.submitting = false;
      unsent.attempts = std::max(0, unsent.attempts - 1);
    }
    apply(noTimeLeft(std::move(unsent), result.errorMessage, context), {});
    return false;
  }
  auto read = [&](ApiAnswer answer) {
    answer.outcome.message = redactCredentials(answer.outcome.message, credentials_);
    return answer;
  };
  ApiAnswer answer;
  switch (sent.kind) {
    case RequestKind::kSubmit: answer = read(readSubmitAnswer(result, context.now)); break;
    case RequestKind::kPoll: answer = read(readStatusAnswer(result, context.now)); break;
    case RequestKind::kDiscover: answer = read(readTenantInfoAnswer(result, context.now)); break;
  }
  if (answer.outcome.kind == OutcomeKind::kCredentials && sent.kind != RequestKind::kDiscover &&
      sent.credentialsGeneration != credentialsGeneration_) {
    apply(afterStaleCredentials(job, sent.kind, context), answer.outcome);
    return false;
  }
  switch (sent.kind) {
    case RequestKind::kSubmit: apply(afterSubmit(job, runtime, answer, context), answer.outcome); break;
    case RequestKind::kPoll: {
      Change change = afterPoll(job, runtime, answer, context);
      // The remote job's last word, kept for the operator (and the notification).
      if (answer.remoteStatus == RemoteStatus::kComplete || answer.outcome.kind == OutcomeKind::kRemoteError)
        change.job.result = finalResult(redactCredentials(result.response.body, credentials_));
      apply(std::move(change), answer.outcome);
      break;
    }
    case RequestKind::kDiscover:
      apply(afterDiscover(job, runtime, answer, sent.request.url, context), answer.outcome);
      break;
  }
  return true;
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
  const TimeMs now = clock_.wallNow();
  const MonoMs gate = clock_.monoNow() + std::max<std::int64_t>(0, notBefore - now);
  MonoMs& current = siteGates_[siteId];
  current = std::max(current, gate);
  writing();
  store_.setSiteLimit(siteId, notBefore);
  engineLog().warning("site " + siteId + ": rate limited; no request to it before " + formatTime(notBefore));
}

// Every job that may send requests pauses, except those with a request out:
// changing them now would drop its answer (and a submission's remote job)
// as stale; each pauses once its answer is in (handle).
void Scheduler::pauseAll(const Outcome& outcome) {
  pauseStatus_ = outcome.httpStatus;
  pauseWithout("the API rejected the credentials (" + outcome.message +
               "); check relinkd.api.email and the token file, relinkd resumes when the "
               "token file changes or on SIGHUP");
}

void Scheduler::pauseWithout(const std::string& why) {
  const bool logged = credentialsRejected_ && pauseWhy_ == why;
  pauseWhy_ = why;
  if (!logged) engineLog().error(pauseWhy_);
  credentialsRejected_ = true;
  std::vector<Job> working;
  table_.forEach([&](const Job& job) {
    if (wantsRequests(job.state) && !table_.runtime(job.name).inFlight) working.push_back(job);
  });
  writing();
  JobStore::Transaction transaction(store_);
  for (Job& job : working) pause(std::move(job));
  transaction.commit();
}

void Scheduler::pause(Job job) {
  const TimeMs now = clock_.wallNow();
  job.state = JobState::kPaused;
  job.nextAttemptAt.reset();
  job.lastError = pauseWhy_;
  job.updatedAt = now;
  commit(std::move(job), HistoryEntry{now, "pause", pauseStatus_, "credentials", pauseWhy_});
}

void Scheduler::resumeAll(const std::string& why) {
  const TransitionContext context = this->context();
  credentialsRejected_ = false;
  std::vector<Job> paused;
  table_.forEach([&](const Job& job) {
    if (job.state == JobState::kPaused) paused.push_back(job);
  });
  writing();
  JobStore::Transaction transaction(store_);
  for (Job& job : paused) {
    job.state = resumedState(job);
    job.nextAttemptAt = requestTime(job, context.now, context);
    job.lastError.reset();
    job.updatedAt = context.now;
    const std::string state = stateOutcome(job.state);
    commit(std::move(job), HistoryEntry{context.now, "resume", std::nullopt, state, why});
  }
  transaction.commit();
}

}  // namespace relinkd

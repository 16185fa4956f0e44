// Turning an API answer into the job's next state. The Outcome (Outcome.h)
// carries the decision; the retry policy turns it into a time.
#include <Poco/Logger.h>

#include <algorithm>

#include "EngineLog.h"
#include "relinkd/Engine.h"

namespace relinkd {
namespace {

std::string stateOutcome(JobState state) { return std::string("state: ") + stateName(state); }

}  // namespace

// The request counts as in flight until its answer is recorded: if the
// store fails here, the completion is handled again at the next step.
void Engine::handle(const Completion& completion) {
  const Dispatch& sent = completion.dispatch;
  Runtime& runtime = runtime_[sent.jobName];
  applyAnswer(completion, runtime);
  if (runtime.inFlight) --inFlight_;
  runtime.inFlight = false;
}

void Engine::applyAnswer(const Completion& completion, Runtime& runtime) {
  const Dispatch& sent = completion.dispatch;
  if (completion.result.error == TransportError::kAborted) return;  // shutting down or past the deadline
  auto found = jobs_.find(sent.jobName);
  if (found == jobs_.end() || found->second.version != sent.jobVersion) {
    engineLog().debug("job " + sent.jobName + ": " + requestKindName(sent.kind) +
                      " answer dropped: the job changed while the request was in flight");
    return;
  }
  Job job = found->second;
  const TimeMs now = clock_.wallNow();
  auto read = [&](ApiAnswer answer) {
    answer.outcome.message = redactCredentials(answer.outcome.message, credentials_);
    return answer;
  };
  switch (sent.kind) {
    case RequestKind::kSubmit: submitted(job, runtime, read(readSubmitAnswer(completion.result, now))); break;
    case RequestKind::kPoll: polled(job, runtime, read(readStatusAnswer(completion.result, now))); break;
    case RequestKind::kDiscover: discovered(job, runtime, read(readTenantInfoAnswer(completion.result, now))); break;
  }
}

void Engine::submitted(Job& job, Runtime& runtime, const ApiAnswer& answer) {
  const Outcome& outcome = answer.outcome;
  const TimeMs now = clock_.wallNow();
  job.submitting = false;
  job.updatedAt = now;
  switch (outcome.kind) {
    case OutcomeKind::kSuccess:
      job.state = JobState::kRunning;
      job.remoteJobId = answer.value;
      job.remoteStatus.reset();
      job.lastError.reset();
      job.nextAttemptAt = now + settings_.pollIntervalMs;
      runtime.pollFailures = 0;
      commit(job, HistoryEntry{now, "submit", outcome.httpStatus, "ok", "remote job " + answer.value});
      return;
    case OutcomeKind::kCredentials:
      job.attempts = std::max(0, job.attempts - 1);  // a 401 does not use an attempt
      commit(job, std::nullopt);
      pauseAll(outcome);
      return;
    case OutcomeKind::kPermanent:
      fail(job, outcome, "submit", "the API refused the job: " + outcome.message);
      return;
    case OutcomeKind::kRateLimited:
      job.attempts = std::max(0, job.attempts - 1);  // throttling does not use an attempt
      limitSite(job.siteId, *outcome.notBefore);
      retryLater(job, std::max(1, job.attempts), outcome, "submit");
      return;
    default:
      if (attemptsExhausted(settings_.retry, job.attempts)) {
        fail(job, outcome, "submit",
             "gave up after " + std::to_string(job.attempts) +
                 " attempts (relinkd.retry.maxAttempts): " + outcome.message);
        return;
      }
      retryLater(job, job.attempts, outcome, "submit");
  }
}

void Engine::polled(Job& job, Runtime& runtime, const ApiAnswer& answer) {
  const Outcome& outcome = answer.outcome;
  const TimeMs now = clock_.wallNow();
  job.updatedAt = now;
  switch (outcome.kind) {
    case OutcomeKind::kSuccess: {
      const bool changed = job.remoteStatus != answer.value;
      job.remoteStatus = answer.value;
      job.lastError.reset();
      runtime.pollFailures = 0;
      if (answer.remoteStatus == RemoteStatus::kComplete) {
        job.state = JobState::kSucceeded;
        job.nextAttemptAt.reset();
      } else {
        job.nextAttemptAt = now + settings_.pollIntervalMs;
        if (changed && answer.remoteStatus == RemoteStatus::kUnknown)
          engineLog().warning("job " + job.name + ": remote job " + job.remoteJobId.value_or("") +
                              " reports an unknown status \"" + answer.value + "\"; still polling");
      }
      std::optional<HistoryEntry> entry;
      if (changed) entry = HistoryEntry{now, "poll", outcome.httpStatus, "status " + answer.value,
                                        "remote job " + job.remoteJobId.value_or("") + " is " + answer.value};
      commit(job, entry);
      return;
    }
    case OutcomeKind::kRemoteError:
      job.remoteStatus = answer.value;
      if (attemptsExhausted(settings_.retry, job.attempts)) {
        fail(job, outcome, "poll",
             "remote job ended in " + answer.value + " after " + std::to_string(job.attempts) +
                 " attempts (relinkd.retry.maxAttempts)");
        return;
      }
      job.remoteJobId.reset();  // submit again: the API skips links already updated
      retryLater(job, job.attempts, outcome, "poll");
      return;
    case OutcomeKind::kCredentials:
      commit(job, std::nullopt);
      pauseAll(outcome);
      return;
    case OutcomeKind::kPermanent:
      fail(job, outcome, "poll", "reading the status of remote job " + job.remoteJobId.value_or("") +
                                     " failed: " + outcome.message);
      return;
    case OutcomeKind::kRateLimited:
      limitSite(job.siteId, *outcome.notBefore);
      [[fallthrough]];
    default: {
      // The remote job is still there: poll it again later, do not resubmit.
      runtime.pollFailures += 1;
      auto at = nextAttemptAt(settings_.retry, runtime.pollFailures, now, outcome.notBefore,
                              job.deadline.value_or(now), random_);
      job.nextAttemptAt = at;
      job.lastError = "reading the status failed: " + outcome.message;
      commit(job, HistoryEntry{now, "poll", outcome.httpStatus, outcomeName(outcome.kind),
                               outcome.message + (at ? "; polling again at " + formatTime(*at)
                                                     : "; no time left to poll again")});
      if (outcome.kind == OutcomeKind::kCertificate) engineLog().error("job " + job.name + ": " + outcome.message);
    }
  }
}

void Engine::discovered(Job& job, Runtime& runtime, const ApiAnswer& answer) {
  const Outcome& outcome = answer.outcome;
  const TimeMs now = clock_.wallNow();
  job.updatedAt = now;
  if (outcome.ok()) {
    job.siteId = answer.value;
    job.nextAttemptAt = now;
    commit(job, HistoryEntry{now, "discover", outcome.httpStatus, "ok",
                             "siteId " + answer.value + " read from productURL's /_edge/tenant_info"});
    return;
  }
  if (outcome.kind == OutcomeKind::kPermanent || outcome.kind == OutcomeKind::kCredentials) {
    fail(job, outcome, "discover",
         "siteId is not in the job file and reading it from productURL failed: " + outcome.message +
             "; add \"siteId\" to the job file");
    return;
  }
  runtime.discoverFailures += 1;
  retryLater(job, runtime.discoverFailures, outcome, "discover");
}

void Engine::retryLater(Job& job, int failures, const Outcome& outcome, const std::string& action) {
  const TimeMs now = clock_.wallNow();
  auto at = nextAttemptAt(settings_.retry, std::max(1, failures), now, outcome.notBefore,
                          job.deadline.value_or(now), random_);
  job.state = JobState::kRetrying;
  job.nextAttemptAt = at;
  job.lastError = outcome.message;
  if (!at) *job.lastError += "; no time is left for another attempt before the deadline";
  if (outcome.kind == OutcomeKind::kCertificate) engineLog().error("job " + job.name + ": " + outcome.message);
  commit(job, HistoryEntry{now, action, outcome.httpStatus, outcomeName(outcome.kind), *job.lastError});
}

void Engine::fail(Job& job, const Outcome& outcome, const std::string& action, const std::string& why) {
  const TimeMs now = clock_.wallNow();
  job.state = JobState::kFailed;
  job.nextAttemptAt.reset();
  job.lastError = why;
  commit(job, HistoryEntry{now, action, outcome.httpStatus, outcomeName(outcome.kind), why});
}

void Engine::limitSite(const std::string& siteId, TimeMs notBefore) {
  const TimeMs now = clock_.wallNow();
  const MonoMs gate = clock_.monoNow() + std::max<std::int64_t>(0, notBefore - now);
  MonoMs& current = siteGates_[siteId];
  current = std::max(current, gate);
  store_.setSiteLimit(siteId, notBefore);
  engineLog().warning("site " + siteId + ": rate limited; no request to it before " + formatTime(notBefore));
}

void Engine::pauseAll(const Outcome& outcome) {
  const TimeMs now = clock_.wallNow();
  const std::string why = "the API rejected the credentials (" + outcome.message +
                          "); check relinkd.api.email and the token file, relinkd resumes when the "
                          "token file changes or on SIGHUP";
  if (!credentialsRejected_) engineLog().error(why);
  credentialsRejected_ = true;
  JobStore::Transaction transaction(store_);
  for (auto& [name, stored] : jobs_) {
    if (stored.state != JobState::kQueued && stored.state != JobState::kRetrying &&
        stored.state != JobState::kRunning)
      continue;
    Job job = stored;
    job.state = JobState::kPaused;
    job.nextAttemptAt.reset();
    job.lastError = why;
    job.updatedAt = now;
    commit(job, HistoryEntry{now, "pause", outcome.httpStatus, "credentials", why});
  }
  transaction.commit();
}

void Engine::resumeAll(const std::string& why) {
  const TimeMs now = clock_.wallNow();
  credentialsRejected_ = false;
  JobStore::Transaction transaction(store_);
  for (auto& [name, stored] : jobs_) {
    if (stored.state != JobState::kPaused) continue;
    Job job = stored;
    job.state = resumedState(job);
    job.nextAttemptAt = now;
    job.lastError.reset();
    job.updatedAt = now;
    commit(job, HistoryEntry{now, "resume", std::nullopt, stateOutcome(job.state), why});
  }
  transaction.commit();
}

}  // namespace relinkd

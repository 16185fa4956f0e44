// The transition table (see Transitions.h). The Outcome carries the
// decision; the retry policy turns it into a time.
#include "Transitions.h"

#include <algorithm>

#include "relinkd/domain/Duration.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {
namespace {

HistoryEntry entryOf(const TransitionContext& context, const std::string& action, const Outcome& outcome,
                     const std::string& detail) {
  return HistoryEntry{context.now, action, outcome.httpStatus, outcomeName(outcome.kind), detail};
}

Change retryLater(Job job, int failures, const Outcome& outcome, const std::string& action,
                  const TransitionContext& context) {
  auto at = nextAttemptAt(context.settings.retry, std::max(1, failures), context.now, outcome.notBefore,
                          job.deadline.value_or(context.now), context.random);
  job.state = JobState::kRetrying;
  job.nextAttemptAt = at;
  job.lastError = outcome.message;
  if (!at) *job.lastError += "; " + noRequestFits(job, context.settings.retry, outcome.notBefore);
  HistoryEntry entry = entryOf(context, action, outcome, *job.lastError);
  Change change{std::move(job), std::move(entry)};
  change.loud = outcome.kind == OutcomeKind::kCertificate;
  return change;
}

Change fail(Job job, const Outcome& outcome, const std::string& action, const std::string& why,
            const TransitionContext& context) {
  job.state = JobState::kFailed;
  job.nextAttemptAt.reset();
  job.lastError = why;
  return Change{std::move(job), entryOf(context, action, outcome, why)};
}

Change pause(Job job) {
  Change change{std::move(job), std::nullopt};
  change.pauseAll = true;
  return change;
}

// Poll again after the poll interval, or at the last moment a request may start.
void pollLater(Job& job, const TransitionContext& context) {
  scheduleRequest(job, context.now + context.settings.pollIntervalMs, context);
}

// The remote job is still there: poll it again later, do not resubmit.
Change pollFailed(Job job, Runtime& runtime, const Outcome& outcome, const TransitionContext& context) {
  runtime.pollFailures += 1;
  auto at = nextAttemptAt(context.settings.retry, runtime.pollFailures, context.now, outcome.notBefore,
                          job.deadline.value_or(context.now), context.random);
  job.nextAttemptAt = at;
  job.lastError = "reading the status failed: " + outcome.message;
  if (!at) *job.lastError += "; " + noRequestFits(job, context.settings.retry, outcome.notBefore);
  HistoryEntry entry = entryOf(context, "poll", outcome,
                               outcome.message + (at ? "; polling again at " + formatTime(*at)
                                                     : "; no time left to poll again"));
  Change change{std::move(job), std::move(entry)};
  if (outcome.kind == OutcomeKind::kRateLimited) change.limitSite = outcome.notBefore;
  change.loud = outcome.kind == OutcomeKind::kCertificate;
  return change;
}

// The site's host has not existed (NXDOMAIN) since absent.since: retried
// like any transient failure, saying when relinkd gives up, until the
// answers have said so for kNoSuchHostGraceMs; then the job fails.
Change hostAbsent(Job job, Runtime& runtime, const Outcome& outcome, const std::string& site,
                  const AbsentHost& absent, const TransitionContext& context) {
  const TimeMs givesUp = absent.since + kNoSuchHostGraceMs;
  Outcome said = outcome;
  if (context.now < givesUp) {
    said.message = "no such host " + absent.host + " (relinkd gives up on it if it still does not exist at " +
                   formatTime(givesUp) + ")";
    runtime.discoverFailures += 1;
    return retryLater(std::move(job), runtime.discoverFailures, said, "discover", context);
  }
  said.kind = OutcomeKind::kPermanent;
  const std::string what = siteIdRemedy(job);
  return fail(std::move(job), said, "discover",
              "the site id of " + site + " cannot be found: no such host " + absent.host +
                  " (the name has not existed since " + formatTime(absent.since) + ", " +
                  formatDuration(context.now - absent.since) + "); " + what,
              context);
}

}  // namespace

std::string siteIdRemedy(const Job& job) {
  return job.plan.empty() ? "check the URL (\"productURL\") or add \"siteId\" to the job file"
                          : "check the site's URL in the plan " + job.plan + " or add its id to \"siteIds\"";
}

namespace {

std::string attemptsUsed(int attempts) {
  return std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") + " (relinkd.retry.maxAttempts)";
}

}  // namespace

std::optional<TimeMs> latestStart(const Job& job, const RetryPolicy& policy) {
  if (!job.deadline) return std::nullopt;
  return *job.deadline - policy.lastCallMs;
}

std::optional<TimeMs> requestTime(const Job& job, TimeMs at, const TransitionContext& context) {
  const auto latest = latestStart(job, context.settings.retry);
  if (!latest || at <= *latest) return at;
  // Wanted later than allowed: the last allowed moment, if it is still ahead.
  if (*latest > context.now) return *latest;
  return std::nullopt;
}

void scheduleRequest(Job& job, TimeMs at, const TransitionContext& context) {
  job.nextAttemptAt = requestTime(job, at, context);
  if (!job.nextAttemptAt && job.deadline) job.lastError = noRequestFits(job, context.settings.retry);
}

// A rate limit is named only when it is what rules the request out.
std::string noRequestFits(const Job& job, const RetryPolicy& policy, std::optional<TimeMs> siteOpensAt) {
  const TimeMs deadline = job.deadline.value_or(0);
  const TimeMs latest = deadline - policy.lastCallMs;
  std::string why = "no request can start before the deadline at " + formatTime(deadline) +
                    ": a request may take up to " + formatDuration(policy.lastCallMs) +
                    " (relinkd.api.timeout), so the last could start at " + formatTime(latest);
  if (siteOpensAt && *siteOpensAt > latest)
    why += ", and the site's rate limit allows none before " + formatTime(*siteOpensAt);
  return why;
}

Change afterSubmit(Job job, Runtime& runtime, const ApiAnswer& answer, const TransitionContext& context) {
  const Outcome& outcome = answer.outcome;
  job.submitting = false;
  job.updatedAt = context.now;
  switch (outcome.kind) {
    case OutcomeKind::kSuccess:
      job.state = JobState::kRunning;
      job.remoteJobId = answer.value;
      job.remoteStatus.reset();
      job.lastError.reset();
      pollLater(job, context);
      runtime.pollFailures = 0;
      return Change{std::move(job), entryOf(context, "submit", outcome, "remote job " + answer.value)};
    case OutcomeKind::kCredentials:
      job.attempts = std::max(0, job.attempts - 1);  // a 401 does not use an attempt
      return pause(std::move(job));
    case OutcomeKind::kPermanent:
      return fail(std::move(job), outcome, "submit", "the API refused the job: " + outcome.message, context);
    case OutcomeKind::kRateLimited: {
      job.attempts = std::max(0, job.attempts - 1);  // throttling does not use an attempt
      const int failures = std::max(1, job.attempts);
      Change change = retryLater(std::move(job), failures, outcome, "submit", context);
      change.limitSite = outcome.notBefore;
      return change;
    }
    default:
      if (attemptsExhausted(context.settings.retry, job.attempts)) {
        const std::string why = "gave up after " + attemptsUsed(job.attempts) + ": " + outcome.message;
        return fail(std::move(job), outcome, "submit", why, context);
      }
      const int failures = job.attempts;
      return retryLater(std::move(job), failures, outcome, "submit", context);
  }
}

namespace {

// The remote job answered: done, or polled again after poll.interval.
Change polled(Job job, Runtime& runtime, const ApiAnswer& answer, const TransitionContext& context) {
  const bool changed = job.remoteStatus != answer.value;
  job.remoteStatus = answer.value;
  job.lastError.reset();
  runtime.pollFailures = 0;
  if (answer.remoteStatus == RemoteStatus::kComplete) {
    job.state = JobState::kSucceeded;
    job.nextAttemptAt.reset();
  } else {
    pollLater(job, context);
  }
  std::optional<HistoryEntry> entry;
  if (changed)
    entry = HistoryEntry{context.now, "poll", answer.outcome.httpStatus, "status " + answer.value,
                         "remote job " + job.remoteJobId.value_or("") + " is " + answer.value};
  return Change{std::move(job), std::move(entry)};
}

// The remote job ended in Error: submitted again (the API skips links
// already updated), or failed once the attempts are used up.
Change remoteFailed(Job job, const ApiAnswer& answer, const TransitionContext& context) {
  job.remoteStatus = answer.value;
  if (attemptsExhausted(context.settings.retry, job.attempts)) {
    const std::string why = "remote job ended in " + answer.value + " after " + attemptsUsed(job.attempts);
    return fail(std::move(job), answer.outcome, "poll", why, context);
  }
  job.remoteJobId.reset();
  const int failures = job.attempts;
  return retryLater(std::move(job), failures, answer.outcome, "poll", context);
}

}  // namespace

Change afterPoll(Job job, Runtime& runtime, const ApiAnswer& answer, const TransitionContext& context) {
  const Outcome& outcome = answer.outcome;
  job.updatedAt = context.now;
  switch (outcome.kind) {
    case OutcomeKind::kSuccess: return polled(std::move(job), runtime, answer, context);
    case OutcomeKind::kRemoteError: return remoteFailed(std::move(job), answer, context);
    case OutcomeKind::kCredentials: return pause(std::move(job));
    case OutcomeKind::kPermanent: {
      const std::string why = "reading the status of remote job " + job.remoteJobId.value_or("") +
                              " failed: " + outcome.message;
      return fail(std::move(job), outcome, "poll", why, context);
    }
    default: return pollFailed(std::move(job), runtime, outcome, context);
  }
}

Change afterDiscover(Job job, Runtime& runtime, const ApiAnswer& answer, const std::string& site,
                     const TransitionContext& context, const std::optional<AbsentHost>& absent) {
  const Outcome& outcome = answer.outcome;
  job.updatedAt = context.now;
  if (outcome.ok()) {
    job.siteId = answer.value;
    scheduleRequest(job, context.now, context);
    return Change{std::move(job),
                  entryOf(context, "discover", outcome, "siteId " + answer.value + " read from " + site)};
  }
  if (outcome.kind == OutcomeKind::kPermanent || outcome.kind == OutcomeKind::kCredentials) {
    const std::string where = job.plan.empty() ? "add \"siteId\" to the job file"
                                               : "add the site to \"siteIds\" in the plan " + job.plan;
    return fail(std::move(job), outcome, "discover",
                "the site id of " + site + " cannot be found: " + outcome.message + "; " + where, context);
  }
  if (outcome.noSuchHost && absent) return hostAbsent(std::move(job), runtime, outcome, site, *absent, context);
  runtime.discoverFailures += 1;
  return retryLater(std::move(job), runtime.discoverFailures, outcome, "discover", context);
}

Change afterStaleCredentials(Job job, RequestKind kind, const TransitionContext& context) {
  job.updatedAt = context.now;
  if (kind == RequestKind::kSubmit) {
    job.submitting = false;
    job.attempts = std::max(0, job.attempts - 1);  // it did not count: the token was old
  }
  scheduleRequest(job, context.now, context);
  const std::string detail =
      "the API rejected the previous token, which has been replaced since the request was sent; "
      "sending again with the new one";
  return Change{std::move(job), HistoryEntry{context.now, requestKindName(kind), 401, "credentials", detail}};
}

Change noTimeLeft(Job job, const std::string& why, const TransitionContext& context) {
  job.updatedAt = context.now;
  job.nextAttemptAt.reset();
  job.lastError = why + "; the job expires at " + formatTime(job.deadline.value_or(context.now)) +
                  (job.lastError ? " (last error: " + *job.lastError + ")" : "");
  HistoryEntry entry{context.now, "no-time-left", std::nullopt, stateOutcome(job.state), why};
  return Change{std::move(job), std::move(entry)};
}

Change expire(Job job, const TransitionContext& context) {
  const std::string was = stateName(job.state);
  job.state = JobState::kExpired;
  job.nextAttemptAt.reset();
  job.submitting = false;
  auto spec = job.specJson ? specFromJson(*job.specJson) : std::nullopt;
  const bool ownDeadline = spec && spec->deadline && *spec->deadline == *job.deadline;
  job.lastError = (ownDeadline ? "the job's deadline passed at " : "the migration window closed at ") +
                  formatTime(*job.deadline) + " while the job was " + was +
                  (job.lastError ? " (last error: " + *job.lastError + ")" : "");
  job.updatedAt = context.now;
  return Change{job, HistoryEntry{context.now, "expire", std::nullopt, stateOutcome(JobState::kExpired), *job.lastError}};
}

Change unreadableSpec(Job job, const TransitionContext& context) {
  job.state = JobState::kInvalid;
  job.nextAttemptAt.reset();
  job.submitting = false;
  job.lastError =
      "the job's stored content can no longer be read (the database was edited, or written by another "
      "relinkd version); change the job file, or remove it and add it again, to start the job afresh";
  job.updatedAt = context.now;
  return Change{job, HistoryEntry{context.now, "spec", std::nullopt, stateOutcome(JobState::kInvalid), *job.lastError}};
}

}  // namespace relinkd

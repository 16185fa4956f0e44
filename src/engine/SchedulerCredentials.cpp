// Pausing and resuming jobs as the credentials pause (CredentialsPause.h)
// decides: it says who is held and why; this file writes the jobs.
#include <Poco/Logger.h>

#include "EngineLog.h"
#include "Scheduler.h"

namespace relinkd {

// A new token or e-mail: paused jobs resume. No token at all (the file
// removed or emptied): every job that would send pauses with that reason,
// until a token is back.
void Scheduler::applyCredentials(const Credentials& credentials) {
  switch (state_.credentials.replace(credentials)) {
    case CredentialsPause::Replaced::kSame: return;
    case CredentialsPause::Replaced::kResume: return resumeAll("the API token or e-mail changed");
    case CredentialsPause::Replaced::kPause:
      engineLog().error(pauseWhy());
      return pauseHeld();
  }
}

void Scheduler::pauseAll(const Outcome& outcome) {
  if (state_.credentials.rejected(outcome)) engineLog().error(pauseWhy());
  pauseHeld();
}

// Jobs with a request out are passed by: changing them now would drop its
// answer (and a submission's remote job) as stale; each pauses once its
// answer is in (holdIfPaused).
void Scheduler::pauseHeld() {
  std::vector<Job> held;
  table_.forEach([&](const Job& job) {
    if (state_.credentials.holds(job, table_.runtime(job.name).inFlight)) held.push_back(job);
  });
  writing();
  JobStore::Transaction transaction(store_);
  for (Job& job : held) pause(std::move(job));
  transaction.commit();
}

void Scheduler::holdIfPaused(const std::string& name) {
  const Job* job = table_.find(name);
  if (job && state_.credentials.holds(*job, table_.runtime(name).inFlight)) pause(*job);
}

void Scheduler::pause(Job job) {
  const TimeMs now = clock_.wallNow();
  job.state = JobState::kPaused;
  job.nextAttemptAt.reset();
  job.lastError = pauseWhy();
  job.updatedAt = now;
  commit(std::move(job), HistoryEntry{now, "pause", state_.credentials.httpStatus(), "credentials", pauseWhy()});
}

// A job whose last moment for a request has passed meanwhile resumes
// without one, saying so (scheduleRequest).
void Scheduler::resumeAll(const std::string& why) {
  const TransitionContext context = this->context();
  state_.credentials.end();
  std::vector<Job> paused;
  table_.forEach([&](const Job& job) {
    if (job.state == JobState::kPaused) paused.push_back(job);
  });
  writing();
  JobStore::Transaction transaction(store_);
  for (Job& job : paused) {
    job.state = resumedState(job);
    job.lastError.reset();
    scheduleRequest(job, context.now, context);
    job.updatedAt = context.now;
    const std::string state = stateOutcome(job.state);
    commit(std::move(job), HistoryEntry{context.now, "resume", std::nullopt, state, why});
  }
  transaction.commit();
}

}  // namespace relinkd

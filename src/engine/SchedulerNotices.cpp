// The notifications a change owes (interface.md, "Notifications"): a job's
// final state and near deadline; with relinkd.notify.planJobs = summary a
// plan's jobs are announced together instead (plan-final once every job of
// the plan is final, plan-deadline-near once per deadline); and one `paused`
// for a pause, however many jobs it holds. Each is recorded in the step's
// transaction, so a restart neither loses nor repeats it.
#include <Poco/Logger.h>

#include <cstdlib>
#include <set>

#include "EngineLog.h"
#include "Scheduler.h"
#include "relinkd/domain/JobJson.h"

namespace relinkd {

namespace {

// Two jobs of a plan whose deadlines are closer than this share one
// plan-deadline-near (jobs created later count their window from later).
constexpr std::int64_t kSameDeadlineMs = 24LL * 3600 * 1000;

}  // namespace

bool Scheduler::summarised(const Job& job) const {
  return settings_.planSummaries && !job.plan.empty() && !isPlanStandIn(job);
}

void Scheduler::oweFinal(const Job& job) {
  if (!summarised(job)) {
    store_.addNotification(owedNotification(job.name, kEventFinal, job.state, clock_.wallNow()));
    notificationsOwed_ = true;
  } else if (planFinished(job.plan)) {  // this job was the plan's last unfinished one
    store_.addNotification(owedPlanNotification(job.plan, kEventPlanFinal, clock_.wallNow()));
    notificationsOwed_ = true;
  }
}

// Every job of the plan but its stand-in (which is never final) is final.
bool Scheduler::planFinished(const std::string& plan) const {
  bool any = false;
  for (const std::string& name : table_.planJobs(plan)) {
    const Job* job = table_.find(name);
    if (!job || isPlanStandIn(*job)) continue;
    if (!isFinal(job->state)) return false;
    any = true;
  }
  return any;
}

// The first of the plan's jobs to come within 24 h of this deadline owes it.
void Scheduler::owePlanDeadline(const Job& job, TimeMs now) {
  const auto warned = planWarned_.find(job.plan);
  if (warned != planWarned_.end() && std::llabs(warned->second - *job.deadline) < kSameDeadlineMs) return;
  writing();
  store_.addNotification(owedPlanNotification(job.plan, kEventPlanDeadlineNear, now, job.deadline));
  planWarned_[job.plan] = *job.deadline;
  notificationsOwed_ = true;
}

// A settle delay after the pause began, so that the jobs whose requests
// were out when the first 401 came are paused too and named with the rest.
void Scheduler::pauseNoticeDue() {
  if (!settings_.notify || !state_.credentials.noticeOwed()) {
    state_.pauseNoticeAt.reset();
    return;
  }
  const TimeMs now = clock_.wallNow();
  if (!state_.pauseNoticeAt) state_.pauseNoticeAt = now + settings_.pauseNoticeDelayMs;
  if (now < *state_.pauseNoticeAt) return;
  std::set<std::string> paused;  // by name, as relinkctl list has them
  table_.forEach([&](const Job& job) {
    if (job.state == JobState::kPaused) paused.insert(job.name);
  });
  if (paused.empty()) {  // none held yet (no job wants a request): owed when one is
    state_.pauseNoticeAt = now + settings_.pauseNoticeDelayMs;
    return;
  }
  Notification owed;
  owed.event = kEventPaused;
  owed.state = stateName(JobState::kPaused);
  owed.input = pausedNoticeJson(pauseWhy(), std::vector<std::string>(paused.begin(), paused.end()));
  owed.createdAt = owed.nextAttemptAt = now;
  writing();
  store_.addNotification(owed);
  notificationsOwed_ = true;
  state_.credentials.noticed();
  state_.pauseNoticeAt.reset();
}

}  // namespace relinkd

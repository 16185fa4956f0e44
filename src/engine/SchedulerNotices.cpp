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

bool Scheduler::summarised(const Job& job) const { return announcedWithPlan(job, settings_.planSummaries); }

// Decided on the store, inside the transaction of the change (the table
// may not have relinkctl's latest changes to the plan's other jobs yet).
void Scheduler::oweFinal(const Job& job) {
  const std::map<std::string, JobState> states =
      summarised(job) ? store_.planStates(job.plan) : std::map<std::string, JobState>{};
  if (std::optional<Notification> owed = owedAtFinal(job, settings_.planSummaries, states, clock_.wallNow())) {
    store_.addNotification(*owed);
    notificationsOwed_ = true;
  }
}

// The first of the plan's jobs to come within 24 h of this deadline owes it.
void Scheduler::owePlanDeadline(const Job& job, TimeMs now) {
  if (planWarnedOf(job)) return;
  writing();
  store_.addNotification(owedPlanNotification(job.plan, kEventPlanDeadlineNear, now, job.deadline));
  planWarned_[job.plan] = *job.deadline;
  notificationsOwed_ = true;
}

bool Scheduler::planWarnedOf(const Job& job) const {
  const auto warned = planWarned_.find(job.plan);
  return job.deadline && warned != planWarned_.end() && std::llabs(warned->second - *job.deadline) < kSameDeadlineMs;
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

// The owe rule and the owed count of Notification.h.
#include "relinkd/domain/Notification.h"

namespace relinkd {

std::optional<Notification> owedAtFinal(const Job& job, bool planSummaries,
                                        const std::map<std::string, JobState>& planStates, TimeMs now) {
  if (!announcedWithPlan(job, planSummaries)) return owedNotification(job.name, kEventFinal, job.state, now);
  bool any = false;
  for (const auto& [name, state] : planStates) {
    if (name == job.plan) continue;  // the stand-in: never final, no job of the plan's own
    if (!isFinal(state)) return std::nullopt;
    any = true;
  }
  if (!any) return std::nullopt;
  return owedPlanNotification(job.plan, kEventPlanFinal, now);
}

int owedCount(const std::map<std::string, NotificationSummary>& summaries) {
  int owed = 0;
  for (const auto& [key, summary] : summaries) owed += summary.owed;
  return owed;
}

}  // namespace relinkd

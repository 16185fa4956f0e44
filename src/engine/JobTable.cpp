#include "JobTable.h"

#include <algorithm>
#include <stdexcept>

namespace relinkd {

bool wantsRequests(JobState state) {
  return state == JobState::kQueued || state == JobState::kRetrying || state == JobState::kRunning;
}

bool canExpire(JobState state) { return wantsRequests(state) || state == JobState::kPaused; }

void JobTable::put(Job job, TimeMs wallNow, MonoMs monoNow) {
  auto [it, added] = entries_.try_emplace(job.name);
  const std::string& name = it->first;
  Entry& entry = it->second;
  if (!added) {
    unindex(*it);
    --counts_[static_cast<std::size_t>(entry.job->state)];
    if (entry.job->plan != job.plan) forgetPlan(entry.job->plan, name);
  }
  if (!job.plan.empty()) byPlan_[job.plan].insert(name);
  entry.dueAt.reset();
  if (wantsRequests(job.state) && job.nextAttemptAt)
    entry.dueAt = monoNow + std::max<std::int64_t>(0, *job.nextAttemptAt - wallNow);
  ++counts_[static_cast<std::size_t>(job.state)];
  if (job.specJson) {  // the store has it (Job::specLeftOut)
    job.specJson.reset();
    job.specLeftOut = true;
  }
  entry.job = std::make_shared<const Job>(std::move(job));
  index(*it);
  touch(*it);
}

const Job* JobTable::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.job.get();
}

JobTable::JobPtr JobTable::snapshot(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.job;
}

Runtime& JobTable::runtime(const std::string& name) { return slot(name)->second.runtime; }

template <typename Change>
void JobTable::reindex(const std::string& name, Change&& change) {
  auto it = slot(name);
  unindex(*it);
  change(it->second);
  index(*it);
}

void JobTable::setInFlight(const std::string& name, bool inFlight) {
  reindex(name, [&](Entry& entry) { entry.runtime.inFlight = inFlight; });
}

void JobTable::setDue(const std::string& name, std::optional<MonoMs> due) {
  reindex(name, [&](Entry& entry) { entry.dueAt = due; });
}

void JobTable::markWarned(const std::string& name, bool warned) {
  reindex(name, [&](Entry& entry) { entry.runtime.warnedNearDeadline = warned; });
}

void JobTable::resetRuntime(const std::string& name) {
  reindex(name, [](Entry& entry) { entry.runtime = Runtime{entry.runtime.inFlight}; });
}

void JobTable::erase(const std::string& name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  unindex(*it);
  --counts_[static_cast<std::size_t>(it->second.job->state)];
  forgetPlan(it->second.job->plan, name);
  const bool listed = it->second.changed;
  entries_.erase(it);
  if (!listed) changed_.push_back(name);  // published as gone
}

std::vector<std::string> JobTable::takeChanged() {
  for (const std::string& name : changed_) {
    auto it = entries_.find(name);
    if (it != entries_.end()) it->second.changed = false;
  }
  std::vector<std::string> taken;
  taken.swap(changed_);
  return taken;
}

std::vector<std::string> JobTable::names() const {
  std::vector<std::string> all;
  all.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) all.push_back(name);
  return all;
}

const std::set<std::string>& JobTable::planJobs(const std::string& plan) const {
  static const std::set<std::string> kNone;
  auto it = byPlan_.find(plan);
  return it == byPlan_.end() ? kNone : it->second;
}

void JobTable::forgetPlan(const std::string& plan, const std::string& name) {
  auto it = byPlan_.find(plan);
  if (it == byPlan_.end()) return;
  it->second.erase(name);
  if (it->second.empty()) byPlan_.erase(it);
}

JobTable::Entries::iterator JobTable::slot(const std::string& name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw std::out_of_range("the scheduler has no job " + name);
  return it;
}

std::optional<TimeMs> JobTable::deadlineKeyOf(const Entry& entry) {
  const Job& job = *entry.job;
  if (!canExpire(job.state) || !job.deadline) return std::nullopt;
  return entry.runtime.warnedNearDeadline ? *job.deadline : *job.deadline - kNearDeadlineMs;
}

void JobTable::unindex(const Entries::value_type& slot) {
  const auto& [name, entry] = slot;
  if (entry.dueAt) due_.erase({*entry.dueAt, &name});
  if (auto key = deadlineKeyOf(entry)) deadlines_.erase({*key, &name});
}

void JobTable::index(const Entries::value_type& slot) {
  const auto& [name, entry] = slot;
  if (entry.dueAt && !entry.runtime.inFlight) due_.emplace(*entry.dueAt, &name);
  if (auto key = deadlineKeyOf(entry)) deadlines_.emplace(*key, &name);
}

void JobTable::touch(Entries::value_type& slot) {
  auto& [name, entry] = slot;
  if (entry.changed) return;
  entry.changed = true;
  changed_.push_back(name);
}

}  // namespace relinkd

// The scheduler's jobs in memory, indexed by when each next needs
// attention: a request due (monotonic time), and its deadline (wall clock),
// which is first the near-deadline warning's time and, once warned, the
// deadline itself. A step asks for the first entries of an index and
// so touches only jobs that are due; counts by state are kept as jobs
// change, and the names changed since the last takeChanged() are recorded
// for publishing.
//
// Jobs are immutable snapshots (shared_ptr<const Job>): a change replaces
// the snapshot, so views can share them with other threads without copies.
//
// Thread-safety: none; the scheduler thread owns it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Job.h"

namespace relinkd {

inline constexpr std::int64_t kNearDeadlineMs = 24LL * 3600 * 1000;

// A job that may still send requests (and so can expire).
bool wantsRequests(JobState state);
bool canExpire(JobState state);

// What the scheduler remembers of a job beyond the store.
struct Runtime {
  bool inFlight = false;
  int pollFailures = 0;
  int discoverFailures = 0;
  bool warnedNearDeadline = false;
};

class JobTable {
 public:
  using JobPtr = std::shared_ptr<const Job>;
  // Ordered by key, then name. An entry points at the table's own copy of
  // the name (a key of entries_, which stays put until the job is erased),
  // so an index costs no string per job.
  struct ByKeyThenName {
    template <typename Key>
    bool operator()(const std::pair<Key, const std::string*>& a, const std::pair<Key, const std::string*>& b) const {
      return a.first != b.first ? a.first < b.first : *a.second < *b.second;
    }
  };
  template <typename Key>
  using Index = std::set<std::pair<Key, const std::string*>, ByKeyThenName>;

  // Adds or replaces a job (its runtime is kept) and indexes it: due at
  // monoNow + (nextAttemptAt − wallNow) when it wants a request. The job's
  // spec is left out (Job::specLeftOut): the job must be stored already.
  void put(Job job, TimeMs wallNow, MonoMs monoNow);
  const Job* find(const std::string& name) const;
  JobPtr snapshot(const std::string& name) const;
  // REQUIRES: the job is in the table.
  Runtime& runtime(const std::string& name);
  void setInFlight(const std::string& name, bool inFlight);
  // Moves the job's due time (a rate-limited site), or drops it (nullopt).
  void setDue(const std::string& name, std::optional<MonoMs> due);
  // Whether the near-deadline warning is done (true: keyed by the deadline).
  void markWarned(const std::string& name, bool warned = true);
  void resetRuntime(const std::string& name);  // a new file: failure counts and warning start over
  // Forgets a job the store does not hold (a rolled-back insert).
  void erase(const std::string& name);

  const Index<MonoMs>& due() const { return due_; }             // not in flight
  // The jobs that can expire: keyed deadline − 24 h until warned, then by
  // the deadline. Warnings and expiry both come from here.
  const Index<TimeMs>& deadlines() const { return deadlines_; }

  int count(JobState state) const { return counts_[static_cast<std::size_t>(state)]; }
  std::size_t size() const { return entries_.size(); }
  std::vector<std::string> takeChanged();
  // Every job, in no order (start-up, pause and resume, full rescans).
  template <typename F>
  void forEach(F&& f) const {
    for (const auto& [name, entry] : entries_) f(*entry.job);
  }
  std::vector<std::string> names() const;
  // The jobs whose plan is plan (its derived jobs and its stand-in), by name.
  const std::set<std::string>& planJobs(const std::string& plan) const;
  const std::map<std::string, std::set<std::string>>& plans() const { return byPlan_; }

 private:
  struct Entry {
    JobPtr job;
    Runtime runtime;
    std::optional<MonoMs> dueAt;     // indexed in due_ while not in flight
    bool changed = false;
  };
  using Entries = std::unordered_map<std::string, Entry>;
  // REQUIRES: the job is in the table.
  Entries::iterator slot(const std::string& name);
  // Takes the job out of the indexes, changes its entry, indexes it again.
  template <typename Change>
  void reindex(const std::string& name, Change&& change);
  // The entry's key in deadlines_ (from its job and runtime, so index and
  // unindex agree as long as both change only between them), or nullopt
  // when it cannot expire.
  static std::optional<TimeMs> deadlineKeyOf(const Entry& entry);
  void unindex(const Entries::value_type& slot);
  void index(const Entries::value_type& slot);
  void touch(Entries::value_type& slot);
  void forgetPlan(const std::string& plan, const std::string& name);

  Entries entries_;
  Index<MonoMs> due_;
  Index<TimeMs> deadlines_;
  std::map<std::string, std::set<std::string>> byPlan_;
  std::vector<std::string> changed_;
  std::array<int, kAllStates.size()> counts_{};
};

}  // namespace relinkd

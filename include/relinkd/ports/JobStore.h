// JobStore: where the engine keeps every job and its history. The contract
// between the engine and the store layer; the real one is SqliteJobStore.
//
// Every save of a job is atomic together with its history entry, so a
// kill -9 at any moment leaves a state the next start continues from.
// Writes are compare-and-set on Job::version: a change made elsewhere (by
// relinkctl) while the engine had a request in flight is never overwritten
// by the answer.
//
// Thread-safety: one JobStore per thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/Notification.h"

namespace relinkd {

// The store failed. cause() says what an operator can do about it; the
// message already says it in words.
class StoreError : public std::runtime_error {
 public:
  enum class Cause {
    kOther,
    kFull,      // the file system is full
    kReadOnly,  // the file or its file system cannot be written
    kLocked,    // another process held a lock for longer than the busy timeout
    kCorrupt,   // the file is damaged or not a database: restarting does not help
  };
  explicit StoreError(const std::string& what, Cause cause = Cause::kOther)
      : std::runtime_error(what), cause_(cause) {}
  Cause cause() const { return cause_; }

 private:
  Cause cause_;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  virtual std::vector<Job> all() const = 0;  // ordered by name
  // Every job, ordered by name, handed over one at a time: no list of
  // every job is held (a start with 100,000 jobs). visit must not call the
  // store (the rows are being read). When it throws StoreError part way,
  // the rows before were visited.
  virtual void forEachJob(const std::function<void(Job&&)>& visit) const = 0;
  virtual std::optional<Job> find(const std::string& name) const = 0;
  // The state of every job whose plan is plan, by name (owedAtFinal()).
  virtual std::map<std::string, JobState> planStates(const std::string& plan) const = 0;
  // The stored spec of a job (Job::specJson), without the rest of the row.
  virtual std::optional<std::string> specOf(const std::string& name) const = 0;
  virtual std::vector<HistoryEntry> history(const std::string& name) const = 0;  // oldest first
  // The newest entry of a job's history, if any.
  virtual std::optional<HistoryEntry> lastHistory(const std::string& name) const = 0;

  // Writes job and appends entry (when given) atomically. Compare-and-set:
  // succeeds only if the stored version equals job.version (a job not
  // stored yet must have version 0). On success job.version is incremented
  // and true returned; on a lost race nothing is written and false
  // returned. Throws StoreError when the store cannot be written. With
  // job.specLeftOut the stored spec is kept (a job not stored yet must
  // carry its spec: std::logic_error).
  virtual bool save(Job& job, const std::optional<HistoryEntry>& entry) = 0;

  // Deletes job and its history, compare-and-set like save; false when the
  // stored version is not job.version. Only for a row that never was a job
  // of its own (an invalid plan's stand-in once the plan is valid again).
  virtual bool remove(const Job& job) = 0;

  // Every change since the last call made through another connection
  // (relinkctl): the jobs written elsewhere, each at its stored version.
  // The first call returns nothing and only sets the mark.
  virtual std::vector<Job> changedElsewhere() = 0;

  // Notifications (Notification.h). addNotification joins the transaction
  // it is called in, so a notification is owed exactly when the change that
  // owes it is stored.
  virtual void addNotification(const Notification& notification) = 0;
  virtual void updateNotification(const Notification& notification) = 0;  // by id
  // The owed notification (not sent, not given up) due first, if any.
  virtual std::optional<Notification> nextOwedNotification() const = 0;
  virtual std::vector<Notification> notificationsOf(const std::string& job) const = 0;  // oldest first
  // job -> the latest deadline a deadline-near notification was owed for.
  virtual std::map<std::string, TimeMs> deadlineWarnings() const = 0;
  // plan -> the latest deadline a plan-deadline-near notification was owed for.
  virtual std::map<std::string, TimeMs> planDeadlineWarnings() const = 0;
  // Every notification (a job's, a plan's, a pause's) by summaryKey()
  // (Notification.h): summed, the owed ones are what relinkd owes.
  virtual std::map<std::string, NotificationSummary> notificationSummaries() const = 0;

  // Per-site "no request before" times set by rate limits (429/503).
  virtual std::map<std::string, TimeMs> siteLimits() const = 0;
  virtual void setSiteLimit(const std::string& siteId, TimeMs notBefore) = 0;

  // Groups several saves into one atomic unit: rolled back unless commit()
  // is called. Saves inside join it.
  class Transaction {
   public:
    explicit Transaction(JobStore& store) : store_(store) { store_.begin(); }
    ~Transaction() {
      if (!done_) store_.rollback();
    }
    void commit() {
      store_.commit();
      done_ = true;
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

   private:
    JobStore& store_;
    bool done_ = false;
  };

 protected:
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

}  // namespace relinkd

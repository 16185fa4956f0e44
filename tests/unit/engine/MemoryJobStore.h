// An in-memory JobStore for the engine's unit tests, honouring the
// contract of JobStore.h as SqliteJobStore does (tests/unit/store pins
// that one down): compare-and-set versions, history and notifications that
// go with their job, nested transactions that roll back, changedElsewhere()
// with only other connections' writes.
//
// A MemoryDatabase is the file: it outlives its connections, so a restart
// opens a new MemoryJobStore on the same database, and relinkctl is simply
// another MemoryJobStore on it. As in WAL mode with BEGIN IMMEDIATE, a
// connection in a transaction holds the write lock (other connections'
// writes fail with StoreError kLocked at once, as after a zero busy
// timeout) and works on its own copy, which others see only once it is
// committed. Failures an operator could meet (a full disk, a read-only
// file) are injected with MemoryDatabase::failWrites and failReads.
//
// Thread-safety: none; tests drive it from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/ports/JobStore.h"

namespace enginetest {

using relinkd::HistoryEntry;
using relinkd::Job;
using relinkd::Notification;
using relinkd::NotificationSummary;
using relinkd::StoreError;
using relinkd::TimeMs;

class MemoryDatabase {
 public:
  struct Row {
    Job job;                  // as stored: version set, specLeftOut false
    std::int64_t revision = 0;  // a counter over the whole table, bumped by every write
    int writer = 0;           // the connection that wrote it last
    std::vector<HistoryEntry> history;
  };
  struct State {
    std::map<std::string, Row> jobs;  // by name
    std::vector<Notification> notifications;  // by id
    std::map<std::string, TimeMs> siteLimits;
    std::int64_t revision = 0;  // the highest revision written
    std::int64_t nextNotificationId = 1;
  };

  // Every write (save, remove, notifications, site limits, begin) throws
  // StoreError with this cause until cleared; reads go on.
  void failWrites(std::optional<StoreError::Cause> cause) { failWrites_ = cause; }
  // Every read throws StoreError until cleared; forEachJob visits
  // rowsBeforeFailure rows first.
  void failReads(std::optional<StoreError::Cause> cause, std::size_t rowsBeforeFailure = 0) {
    failReads_ = cause;
    rowsBeforeReadFailure_ = rowsBeforeFailure;
  }
  // Committed writes, counted (a test can see that nothing was written).
  std::int64_t commits() const { return commits_; }

 private:
  friend class MemoryJobStore;
  State committed_;
  int lockHolder_ = 0;  // the connection in a transaction, 0 when none
  int lastConnection_ = 0;
  std::int64_t commits_ = 0;
  std::optional<StoreError::Cause> failWrites_;
  std::optional<StoreError::Cause> failReads_;
  std::size_t rowsBeforeReadFailure_ = 0;
};

class MemoryJobStore final : public relinkd::JobStore {
 public:
  explicit MemoryJobStore(MemoryDatabase& database) : db_(database), id_(++database.lastConnection_) {}
  ~MemoryJobStore() override;
  MemoryJobStore(const MemoryJobStore&) = delete;
  MemoryJobStore& operator=(const MemoryJobStore&) = delete;

  std::vector<Job> all() const override;
  void forEachJob(const std::function<void(Job&&)>& visit) const override;
  std::optional<Job> find(const std::string& name) const override;
  std::optional<std::string> specOf(const std::string& name) const override;
  std::vector<HistoryEntry> history(const std::string& name) const override;
  std::optional<HistoryEntry> lastHistory(const std::string& name) const override;
  bool save(Job& job, const std::optional<HistoryEntry>& entry) override;
  bool remove(const Job& job) override;
  std::vector<Job> changedElsewhere() override;
  void addNotification(const Notification& notification) override;
  void updateNotification(const Notification& notification) override;
  std::optional<Notification> nextOwedNotification() const override;
  std::vector<Notification> notificationsOf(const std::string& job) const override;
  std::map<std::string, TimeMs> deadlineWarnings() const override;
  std::map<std::string, TimeMs> planDeadlineWarnings() const override;
  std::map<std::string, relinkd::JobState> planStates(const std::string& plan) const override;
  std::map<std::string, NotificationSummary> notificationSummaries() const override;
  std::map<std::string, TimeMs> siteLimits() const override;
  void setSiteLimit(const std::string& siteId, TimeMs notBefore) override;

 protected:
  void begin() override;
  void commit() override;
  void rollback() noexcept override;

 private:
  // What this connection reads: its transaction's copy, else the committed state.
  const MemoryDatabase::State& reading() const;
  // Checks the injected failure and the lock; REQUIRES nothing changed yet.
  void beforeWrite() const;
  void beforeRead() const;
  // Runs change on the state writes go to: the transaction's copy, or the
  // committed state as one atomic write.
  template <typename Change>
  auto write(Change&& change);
  bool writeJob(MemoryDatabase::State& state, Job& job, const std::optional<HistoryEntry>& entry);

  MemoryDatabase& db_;
  const int id_;
  // One copy per open transaction level: back_() is written; a savepoint's
  // rollback drops its copy.
  std::vector<MemoryDatabase::State> levels_;
  std::optional<std::int64_t> seenRevision_;  // changedElsewhere's mark, once set
};

}  // namespace enginetest

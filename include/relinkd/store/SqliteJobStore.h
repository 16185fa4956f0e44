// SqliteJobStore: the JobStore in one SQLite file (relinkd.db in the state
// directory). WAL mode, synchronous=FULL, busy_timeout, foreign keys;
// schema version in PRAGMA user_version, older schemas upgraded at open.
// Every save is one transaction together with its history entry.
//
// Concurrency: the daemon and relinkctl open the same file. Every job row
// carries a revision (a counter over the whole table), so the daemon reads
// only the rows others changed (changedElsewhere), never the whole table.
//
// Thread-safety: one SqliteJobStore per thread (it owns one connection).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "relinkd/ports/JobStore.h"

struct sqlite3;

namespace relinkd {

class SqliteJobStore final : public JobStore {
 public:
  // Opens (creating the file and schema when absent, unless readOnly) and
  // upgrades the schema. Throws StoreError with the path and SQLite's reason.
  explicit SqliteJobStore(const std::string& path, bool readOnly = false);
  ~SqliteJobStore() override;
  SqliteJobStore(const SqliteJobStore&) = delete;
  SqliteJobStore& operator=(const SqliteJobStore&) = delete;

  std::vector<Job> all() const override;
  void forEachJob(const std::function<void(Job&&)>& visit) const override;
  std::optional<Job> find(const std::string& name) const override;
  std::optional<std::string> specOf(const std::string& name) const override;
  std::vector<HistoryEntry> history(const std::string& name) const override;
  std::optional<HistoryEntry> lastHistory(const std::string& name) const override;
  bool save(Job& job, const std::optional<HistoryEntry>& entry) override;
  bool remove(const Job& job) override;
  void addNotification(const Notification& notification) override;
  void updateNotification(const Notification& notification) override;
  std::optional<Notification> nextOwedNotification() const override;
  std::vector<Notification> notificationsOf(const std::string& job) const override;
  std::map<std::string, TimeMs> deadlineWarnings() const override;
  std::map<std::string, TimeMs> planDeadlineWarnings() const override;
  std::map<std::string, JobState> planStates(const std::string& plan) const override;
  std::map<std::string, NotificationSummary> notificationSummaries() const override;
  std::vector<Job> changedElsewhere() override;
  std::map<std::string, TimeMs> siteLimits() const override;
  void setSiteLimit(const std::string& siteId, TimeMs notBefore) override;

  // True when the database can be written (for /healthz).
  bool writable();

  // How long a write waits for another connection's lock before failing
  // with StoreError (default 10 s). Tests shorten it.
  void setBusyTimeout(int ms);

 protected:
  void begin() override;
  void commit() override;
  void rollback() noexcept override;

 private:
  // Before every write: refused in read-only mode (StoreError); a
  // connection SQLite opened read-only because the file could not be written
  // then is opened again, so that a file made writable is written without a
  // restart.
  void beforeWrite();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::optional<int> busyTimeoutMs_;
};

}  // namespace relinkd

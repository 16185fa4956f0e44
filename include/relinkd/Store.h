// JobStore: relinkd's state in one SQLite file (relinkd.db in the state
// directory). WAL mode, busy_timeout, foreign keys; schema version in
// PRAGMA user_version. Every change of a job is one transaction together
// with its history entry, so a kill -9 at any moment leaves a state the
// next start continues from.
//
// Concurrency: the daemon and relinkctl open the same file. Writes are
// compare-and-set on Job::version, so a change made by relinkctl while the
// daemon had a request in flight is never overwritten by the answer.
//
// Thread-safety: one JobStore per thread (it owns one connection).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "relinkd/Job.h"

struct sqlite3;

namespace relinkd {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JobStore {
 public:
  // Opens (creating the file and schema when absent, unless readOnly) and
  // upgrades the schema. Throws StoreError with the path and SQLite's reason.
  explicit JobStore(const std::string& path, bool readOnly = false);
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  std::vector<Job> all() const;  // ordered by name
  std::optional<Job> find(const std::string& name) const;
  std::vector<HistoryEntry> history(const std::string& name) const;  // oldest first

  // Writes job and appends entry (when given) in one transaction.
  // Compare-and-set: succeeds only if the stored version equals job.version
  // (a job not stored yet must have version 0). On success job.version is
  // incremented and true returned; on a lost race nothing is written and
  // false returned. updatedAt is written as given.
  bool save(Job& job, const std::optional<HistoryEntry>& entry);

  // Groups several saves into one transaction (BEGIN IMMEDIATE; rolled back
  // unless commit() is called). Saves inside join it.
  class Transaction {
   public:
    explicit Transaction(JobStore& store);
    ~Transaction();
    void commit();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

   private:
    JobStore& store_;
    bool done_ = false;
  };

  // True when another connection has written since the last call (PRAGMA
  // data_version); the first call returns true.
  bool changedElsewhere();

  // Per-site "no request before" times set by rate limits (429/503).
  std::map<std::string, TimeMs> siteLimits() const;
  void setSiteLimit(const std::string& siteId, TimeMs notBefore);

  // True when the database can be written (for /healthz).
  bool writable();

  // How long a write waits for another connection's lock before failing
  // with StoreError (default 10 s). Tests shorten it.
  void setBusyTimeout(int ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relinkd

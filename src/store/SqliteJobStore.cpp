// The JobStore on SQLite (see include/relinkd/SqliteJobStore.h): the
// connection, its prepared statements and the store's operations. The
// tables and their upgrades are in Schema.cpp, the row layout in JobRows.cpp.
#include "relinkd/store/SqliteJobStore.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "JobRows.h"
#include "Schema.h"
#include "Sqlite.h"

namespace relinkd {

namespace {

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

struct SqliteJobStore::Impl {
  Impl(const std::string& path, bool readOnlyMode)
      : readOnly(readOnlyMode), db(openConnection(path, readOnlyMode)) {
    if (!readOnly) configureWriter();
    schema::prepare(db, readOnly);
    selectAll.emplace(db, std::string("SELECT ") + rows::kJobColumns + " FROM jobs ORDER BY name");
    selectOne.emplace(db, std::string("SELECT ") + rows::kJobColumns + " FROM jobs WHERE name = ?");
    selectSpec.emplace(db, "SELECT spec_json FROM jobs WHERE name = ?");
    selectPlanStates.emplace(db, "SELECT name, state FROM jobs WHERE plan = ?");
    selectChanged.emplace(db, std::string("SELECT ") + rows::kJobColumns +
                                  " FROM jobs WHERE revision > ? ORDER BY revision");
    selectLastHistory.emplace(db,
                              "SELECT at, action, http_status, outcome, detail FROM history "
                              "WHERE job = ? ORDER BY id DESC LIMIT 1");
    selectHistory.emplace(db,
                          "SELECT at, action, http_status, outcome, detail FROM history "
                          "WHERE job = ? ORDER BY id");
    selectLimits.emplace(db, "SELECT site_id, not_before FROM site_limits");
    selectOwed.emplace(db, std::string("SELECT ") + rows::kNotificationColumns +
                               " FROM notifications WHERE sent_at IS NULL AND given_up = 0 "
                               "ORDER BY next_attempt_at, id LIMIT 1");
    selectJobNotifications.emplace(db, std::string("SELECT ") + rows::kNotificationColumns +
                                           " FROM notifications WHERE job = ? ORDER BY id");
    selectWarned.emplace(db, "SELECT job, MAX(deadline) FROM notifications WHERE event = 'deadline-near' GROUP BY job");
    selectPlanWarned.emplace(
        db, "SELECT plan, MAX(deadline) FROM notifications WHERE event = 'plan-deadline-near' GROUP BY plan");
    // Keyed as summaryKey() (Notification.h) keys them.
    selectSummaries.emplace(db,
                            "SELECT CASE WHEN job IS NOT NULL THEN job WHEN plan IS NOT NULL THEN 'plan:' || plan "
                            "ELSE ':paused' END AS subject, MAX(sent_at), SUM(sent_at IS NULL AND given_up = 0) "
                            "FROM notifications GROUP BY subject");
    if (!readOnly) prepareWrites();
  }

  static sqlite::Connection openConnection(const std::string& path, bool readOnly) {
    if (readOnly && !fileExists(path)) {
      throw StoreError("no database at " + path +
                       ": relinkd has not run yet with this state directory");
    }
    const int flags = readOnly ? SQLITE_OPEN_READONLY
                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    return sqlite::Connection(path, flags | SQLITE_OPEN_NOMUTEX);
  }

  // The pragmas of a writer; a read-only connection keeps SQLite's defaults.
  void configureWriter() {
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA journal_mode = WAL");
    // Keep the -wal and -shm files when the last connection closes: a
    // read-only reader (relinkctl run by another user) cannot create them.
    int persist = 1;
    sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    // NORMAL may lose the last commits on power loss in WAL mode; a job
    // the daemon reported as saved must stay saved.
    db.exec("PRAGMA synchronous = FULL");
    // Rows are read and written by primary key, and the kernel caches the
    // file anyway: 256 KiB of SQLite's own cache (the default is 2 MiB)
    // holds the b-tree's upper levels, which is what a lookup needs.
    db.exec("PRAGMA cache_size = -256");
  }

  void prepareWrites() {
    nextRevision.emplace(db, rows::kNextRevision);
    insertJob.emplace(db, rows::kInsertJob);
    updateJob.emplace(db, rows::kUpdateJob);
    insertHistory.emplace(db,
                          "INSERT INTO history (job, at, action, http_status, outcome, detail) "
                          "VALUES (?, ?, ?, ?, ?, ?)");
    deleteJob.emplace(db, "DELETE FROM jobs WHERE name = ? AND version = ?");
    insertNotification.emplace(db,
                               "INSERT INTO notifications (job, event, state, deadline, created_at, attempts, "
                               "next_attempt_at, sent_at, given_up, last_error, plan, input) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    updateNotification.emplace(db,
                               "UPDATE notifications SET attempts = ?2, next_attempt_at = ?3, sent_at = ?4, "
                               "given_up = ?5, last_error = ?6 WHERE id = ?1");
    upsertLimit.emplace(db,
                        "INSERT INTO site_limits (site_id, not_before) VALUES (?, ?) "
                        "ON CONFLICT (site_id) DO UPDATE SET not_before = MAX(not_before, excluded.not_before)");
  }

  void requireWritable() const {
    if (readOnly) throw StoreError(db.path() + ": opened read-only; cannot write");
  }

  // The compare-and-set write; false when job.version is not the stored one.
  bool writeJob(const Job& job) {
    nextRevision->use().exec();  // rolled back with the write when it finds no row
    if (job.version == 0) {
      if (job.specLeftOut) throw std::logic_error("job " + job.name + " cannot be stored for the first time without its spec");
      auto use = insertJob->use();
      rows::bindJob(use, job);
      use.exec();
    } else {
      auto use = updateJob->use();
      rows::bindJob(use, job);
      use(job.version)(job.specLeftOut);
      use.exec();
    }
    return db.changes() == 1;
  }

  void appendHistory(const std::string& name, const HistoryEntry& entry) {
    insertHistory->use()(name)(entry.at)(entry.action)(entry.httpStatus)(entry.outcome)(
        entry.detail)
        .exec();
  }

  const bool readOnly;
  sqlite::Connection db;
  std::optional<std::int64_t> lastDataVersion;
  std::int64_t seenRevision = 0;  // changedElsewhere has returned every row up to this
  bool readAllChanged = false;    // a reopened connection: read past seenRevision once
  // Declared after db so that they are finalised before it closes.
  std::optional<sqlite::Statement> selectAll, selectOne, selectSpec, selectHistory, selectLimits;
  std::optional<sqlite::Statement> selectChanged, selectLastHistory, selectPlanStates;
  std::optional<sqlite::Statement> selectOwed, selectJobNotifications, selectWarned, selectPlanWarned, selectSummaries;
  std::optional<sqlite::Statement> insertNotification, updateNotification;
  std::optional<sqlite::Statement> nextRevision, insertJob, updateJob, deleteJob, insertHistory, upsertLimit;
};

SqliteJobStore::SqliteJobStore(const std::string& path, bool readOnly)
    : impl_(std::make_unique<Impl>(path, readOnly)) {}

SqliteJobStore::~SqliteJobStore() = default;

void SqliteJobStore::setBusyTimeout(int ms) {
  busyTimeoutMs_ = ms;
  sqlite3_busy_timeout(impl_->db.handle(), ms);
}

void SqliteJobStore::beforeWrite() {
  impl_->requireWritable();
  if (impl_->db.transactionDepth() > 0 || sqlite3_db_readonly(impl_->db.handle(), "main") != 1) return;
  auto fresh = std::make_unique<Impl>(impl_->db.path(), false);
  // data_version is per connection: the new one's says nothing about what
  // others wrote meanwhile, so its first changedElsewhere() reads every row
  // past seenRevision.
  fresh->lastDataVersion = impl_->lastDataVersion;
  fresh->readAllChanged = true;
  fresh->seenRevision = impl_->seenRevision;
  impl_ = std::move(fresh);
  if (busyTimeoutMs_) sqlite3_busy_timeout(impl_->db.handle(), *busyTimeoutMs_);
}

std::vector<Job> SqliteJobStore::all() const {
  std::vector<Job> jobs;
  forEachJob([&](Job&& job) { jobs.push_back(std::move(job)); });
  return jobs;
}

void SqliteJobStore::forEachJob(const std::function<void(Job&&)>& visit) const {
  auto use = impl_->selectAll->use();
  while (use.next()) visit(rows::readJob(use, impl_->db.path()));
}

std::optional<Job> SqliteJobStore::find(const std::string& name) const {
  auto use = impl_->selectOne->use();
  use(name);
  if (!use.next()) return std::nullopt;
  return rows::readJob(use, impl_->db.path());
}

std::optional<std::string> SqliteJobStore::specOf(const std::string& name) const {
  auto use = impl_->selectSpec->use();
  use(name);
  if (!use.next()) return std::nullopt;
  return use.getOptString(0);
}

std::vector<HistoryEntry> SqliteJobStore::history(const std::string& name) const {
  std::vector<HistoryEntry> entries;
  auto use = impl_->selectHistory->use();
  use(name);
  while (use.next()) entries.push_back(rows::readHistory(use));
  return entries;
}

std::optional<HistoryEntry> SqliteJobStore::lastHistory(const std::string& name) const {
  auto use = impl_->selectLastHistory->use();
  use(name);
  if (!use.next()) return std::nullopt;
  return rows::readHistory(use);
}

bool SqliteJobStore::save(Job& job, const std::optional<HistoryEntry>& entry) {
  beforeWrite();
  // The record's times change with the write only: a lost race or a
  // failed write leaves job as the caller had it (JobStore.h).
  const auto times = std::make_pair(job.firstSubmittedAt, job.finishedAt);
  const auto restore = [&] { std::tie(job.firstSubmittedAt, job.finishedAt) = times; };
  recordTimes(job, entry ? &*entry : nullptr);
  try {
    sqlite::Transaction txn(impl_->db);
    if (!impl_->writeJob(job)) {  // nothing was written; txn rolls back
      restore();
      return false;
    }
    if (entry) impl_->appendHistory(job.name, *entry);
    txn.commit();
  } catch (...) {
    restore();
    throw;
  }
  ++job.version;
  return true;
}

void SqliteJobStore::addNotification(const Notification& n) {
  beforeWrite();
  const auto orNull = [](const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
  };
  impl_->insertNotification->use()(orNull(n.job))(n.event)(n.state)(n.deadline)(n.createdAt)(n.attempts)(
      n.nextAttemptAt)(n.sentAt)(n.givenUp)(n.lastError)(orNull(n.plan))(n.input).exec();
}

void SqliteJobStore::updateNotification(const Notification& n) {
  beforeWrite();
  impl_->updateNotification->use()(n.id)(n.attempts)(n.nextAttemptAt)(n.sentAt)(n.givenUp)(n.lastError).exec();
}

std::optional<Notification> SqliteJobStore::nextOwedNotification() const {
  auto use = impl_->selectOwed->use();
  if (!use.next()) return std::nullopt;
  return rows::readNotification(use);
}

std::vector<Notification> SqliteJobStore::notificationsOf(const std::string& job) const {
  std::vector<Notification> all;
  auto use = impl_->selectJobNotifications->use();
  use(job);
  while (use.next()) all.push_back(rows::readNotification(use));
  return all;
}

std::map<std::string, TimeMs> SqliteJobStore::deadlineWarnings() const {
  std::map<std::string, TimeMs> warned;
  auto use = impl_->selectWarned->use();
  while (use.next())
    if (auto deadline = use.getOptInt(1)) warned[use.getString(0)] = *deadline;
  return warned;
}

std::map<std::string, TimeMs> SqliteJobStore::planDeadlineWarnings() const {
  std::map<std::string, TimeMs> warned;
  auto use = impl_->selectPlanWarned->use();
  while (use.next())
    if (auto deadline = use.getOptInt(1)) warned[use.getString(0)] = *deadline;
  return warned;
}

std::map<std::string, JobState> SqliteJobStore::planStates(const std::string& plan) const {
  std::map<std::string, JobState> states;
  auto use = impl_->selectPlanStates->use();
  use(plan);
  while (use.next()) {
    const std::string name = use.getString(0);
    const auto state = parseState(use.getString(1));
    if (!state) throw StoreError(impl_->db.path() + ": job " + name + " has an unknown state");
    states[name] = *state;
  }
  return states;
}

std::map<std::string, NotificationSummary> SqliteJobStore::notificationSummaries() const {
  std::map<std::string, NotificationSummary> summaries;
  auto use = impl_->selectSummaries->use();
  while (use.next()) summaries[use.getString(0)] = NotificationSummary{use.getOptInt(1), static_cast<int>(use.getInt(2))};
  return summaries;
}

bool SqliteJobStore::remove(const Job& job) {
  beforeWrite();
  impl_->deleteJob->use()(job.name)(job.version).exec();  // its history goes with it (ON DELETE CASCADE)
  return impl_->db.changes() == 1;
}

void SqliteJobStore::begin() {
  beforeWrite();
  impl_->db.beginTransaction();
}

void SqliteJobStore::commit() { impl_->db.commitTransaction(); }

void SqliteJobStore::rollback() noexcept { impl_->db.rollbackTransaction(); }

// PRAGMA data_version changes only when another connection commits. It is
// read after the highest revision: when it stands still, no other
// connection committed before that read, so every row up to that revision
// is our own or already returned.
std::vector<Job> SqliteJobStore::changedElsewhere() {
  const std::int64_t newest = impl_->db.queryInt("SELECT COALESCE(MAX(revision), 0) FROM jobs");
  const std::int64_t dataVersion = impl_->db.queryInt("PRAGMA data_version");
  const bool first = !impl_->lastDataVersion;
  const bool changed = impl_->readAllChanged || (!first && *impl_->lastDataVersion != dataVersion);
  impl_->lastDataVersion = dataVersion;
  impl_->readAllChanged = false;
  std::vector<Job> jobs;
  if (!changed) {
    impl_->seenRevision = newest;
    return jobs;
  }
  auto use = impl_->selectChanged->use();
  use(impl_->seenRevision);
  while (use.next()) {
    impl_->seenRevision = std::max(impl_->seenRevision, use.getInt(rows::kRevisionColumn));
    jobs.push_back(rows::readJob(use, impl_->db.path()));
  }
  return jobs;
}

std::map<std::string, TimeMs> SqliteJobStore::siteLimits() const {
  std::map<std::string, TimeMs> limits;
  auto use = impl_->selectLimits->use();
  while (use.next()) limits[use.getString(0)] = use.getInt(1);
  return limits;
}

void SqliteJobStore::setSiteLimit(const std::string& siteId, TimeMs notBefore) {
  beforeWrite();
  sqlite::Transaction txn(impl_->db);
  impl_->upsertLimit->use()(siteId)(notBefore).exec();
  txn.commit();
}

bool SqliteJobStore::writable() {
  if (impl_->readOnly) return false;
  if (impl_->db.transactionDepth() > 0) return true;  // we hold the write lock already
  try {
    beforeWrite();
    sqlite::Transaction probe(impl_->db);  // BEGIN IMMEDIATE takes the write lock
    return true;                           // and the destructor rolls it back
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace relinkd

#include "MemoryJobStore.h"

#include <algorithm>
#include <stdexcept>

namespace enginetest {

MemoryJobStore::~MemoryJobStore() {
  // A connection closed inside a transaction: SQLite rolls it back.
  if (!levels_.empty() && db_.lockHolder_ == id_) db_.lockHolder_ = 0;
}

const MemoryDatabase::State& MemoryJobStore::reading() const {
  return levels_.empty() ? db_.committed_ : levels_.back();
}

void MemoryJobStore::beforeWrite() const {
  if (db_.failWrites_) throw StoreError("memory database: injected write failure", *db_.failWrites_);
  if (db_.lockHolder_ != 0 && db_.lockHolder_ != id_)
    throw StoreError("memory database: database is locked (held by another connection)", StoreError::Cause::kLocked);
}

void MemoryJobStore::beforeRead() const {
  if (db_.failReads_)
    throw StoreError("memory database: injected read failure", *db_.failReads_);
}

template <typename Change>
auto MemoryJobStore::write(Change&& change) {
  beforeWrite();
  if (!levels_.empty()) return change(levels_.back());
  // Outside a transaction a write is atomic on its own: it works on a copy
  // that replaces the committed state only when the change went through.
  MemoryDatabase::State copy = db_.committed_;
  auto result = change(copy);
  db_.committed_ = std::move(copy);
  ++db_.commits_;
  return result;
}

std::vector<Job> MemoryJobStore::all() const {
  std::vector<Job> jobs;
  forEachJob([&](Job&& job) { jobs.push_back(std::move(job)); });
  return jobs;
}

void MemoryJobStore::forEachJob(const std::function<void(Job&&)>& visit) const {
  if (!db_.failReads_) {
    for (const auto& [name, row] : reading().jobs) visit(Job(row.job));
    return;
  }
  std::size_t left = db_.rowsBeforeReadFailure_;
  for (const auto& [name, row] : reading().jobs) {
    if (left-- == 0) break;
    visit(Job(row.job));
  }
  throw StoreError("memory database: injected read failure", *db_.failReads_);
}

std::optional<Job> MemoryJobStore::find(const std::string& name) const {
  beforeRead();
  auto it = reading().jobs.find(name);
  if (it == reading().jobs.end()) return std::nullopt;
  return it->second.job;
}

std::map<std::string, relinkd::JobState> MemoryJobStore::planStates(const std::string& plan) const {
  beforeRead();
  std::map<std::string, relinkd::JobState> states;
  for (const auto& [name, row] : reading().jobs)
    if (row.job.plan == plan) states[name] = row.job.state;
  return states;
}

std::optional<std::string> MemoryJobStore::specOf(const std::string& name) const {
  beforeRead();
  auto it = reading().jobs.find(name);
  if (it == reading().jobs.end()) return std::nullopt;
  return it->second.job.specJson;
}

std::vector<HistoryEntry> MemoryJobStore::history(const std::string& name) const {
  beforeRead();
  auto it = reading().jobs.find(name);
  return it == reading().jobs.end() ? std::vector<HistoryEntry>{} : it->second.history;
}

std::optional<HistoryEntry> MemoryJobStore::lastHistory(const std::string& name) const {
  beforeRead();
  auto it = reading().jobs.find(name);
  if (it == reading().jobs.end() || it->second.history.empty()) return std::nullopt;
  return it->second.history.back();
}

// The compare-and-set of SqliteJobStore: an insert only for version 0 and
// a name not stored yet, an update only of the stored version.
bool MemoryJobStore::writeJob(MemoryDatabase::State& state, Job& job, const std::optional<HistoryEntry>& entry) {
  auto it = state.jobs.find(job.name);
  Job stored = job;
  stored.specLeftOut = false;
  if (job.version == 0) {
    if (job.specLeftOut)
      throw std::logic_error("job " + job.name + " cannot be stored for the first time without its spec");
    if (it != state.jobs.end()) return false;
    it = state.jobs.emplace(job.name, MemoryDatabase::Row{}).first;
  } else {
    if (it == state.jobs.end() || it->second.job.version != job.version) return false;
    if (job.specLeftOut) stored.specJson = it->second.job.specJson;
  }
  stored.version = job.version + 1;
  MemoryDatabase::Row& row = it->second;
  row.job = std::move(stored);
  row.revision = ++state.revision;
  row.writer = id_;
  if (entry) row.history.push_back(*entry);
  return true;
}

bool MemoryJobStore::save(Job& job, const std::optional<HistoryEntry>& entry) {
  // As SqliteJobStore::save: the record's times change with the write only.
  Job recorded = job;
  recordTimes(recorded, entry ? &*entry : nullptr);
  const bool saved = write([&](MemoryDatabase::State& state) { return writeJob(state, recorded, entry); });
  if (!saved) return false;
  job.firstSubmittedAt = recorded.firstSubmittedAt;
  job.finishedAt = recorded.finishedAt;
  ++job.version;
  return true;
}

bool MemoryJobStore::remove(const Job& job) {
  return write([&](MemoryDatabase::State& state) {
    auto it = state.jobs.find(job.name);
    if (it == state.jobs.end() || it->second.job.version != job.version) return false;
    state.jobs.erase(it);  // its history with it, and its notifications (ON DELETE CASCADE)
    auto& owed = state.notifications;
    owed.erase(std::remove_if(owed.begin(), owed.end(), [&](const Notification& n) { return n.job == job.name; }),
               owed.end());
    return true;
  });
}

std::vector<Job> MemoryJobStore::changedElsewhere() {
  beforeRead();
  const MemoryDatabase::State& state = reading();
  std::vector<const MemoryDatabase::Row*> changed;
  if (seenRevision_) {
    for (const auto& [name, row] : state.jobs)
      if (row.revision > *seenRevision_ && row.writer != id_) changed.push_back(&row);
  }
  seenRevision_ = state.revision;
  std::sort(changed.begin(), changed.end(), [](auto* a, auto* b) { return a->revision < b->revision; });
  std::vector<Job> jobs;
  for (const MemoryDatabase::Row* row : changed) jobs.push_back(row->job);
  return jobs;
}

void MemoryJobStore::addNotification(const Notification& notification) {
  write([&](MemoryDatabase::State& state) {
    if (!notification.job.empty() && !state.jobs.count(notification.job))
      throw StoreError("memory database: FOREIGN KEY constraint failed (no job " + notification.job + ")");
    Notification stored = notification;
    stored.id = state.nextNotificationId++;
    state.notifications.push_back(std::move(stored));
    return true;
  });
}

void MemoryJobStore::updateNotification(const Notification& n) {
  write([&](MemoryDatabase::State& state) {
    for (Notification& stored : state.notifications) {
      if (stored.id != n.id) continue;
      stored.attempts = n.attempts;
      stored.nextAttemptAt = n.nextAttemptAt;
      stored.sentAt = n.sentAt;
      stored.givenUp = n.givenUp;
      stored.lastError = n.lastError;
    }
    return true;
  });
}

std::optional<Notification> MemoryJobStore::nextOwedNotification() const {
  beforeRead();
  const Notification* first = nullptr;
  for (const Notification& n : reading().notifications) {
    if (n.sentAt || n.givenUp) continue;
    if (!first || n.nextAttemptAt < first->nextAttemptAt) first = &n;  // ids ascend: ties keep the older
  }
  return first ? std::optional<Notification>(*first) : std::nullopt;
}

std::vector<Notification> MemoryJobStore::notificationsOf(const std::string& job) const {
  beforeRead();
  std::vector<Notification> of;
  for (const Notification& n : reading().notifications)
    if (n.job == job) of.push_back(n);
  return of;
}

std::map<std::string, TimeMs> MemoryJobStore::deadlineWarnings() const {
  beforeRead();
  std::map<std::string, TimeMs> warned;
  for (const Notification& n : reading().notifications) {
    if (n.event != relinkd::kEventDeadlineNear || !n.deadline) continue;
    auto [it, added] = warned.emplace(n.job, *n.deadline);
    if (!added) it->second = std::max(it->second, *n.deadline);
  }
  return warned;
}

std::map<std::string, TimeMs> MemoryJobStore::planDeadlineWarnings() const {
  beforeRead();
  std::map<std::string, TimeMs> warned;
  for (const Notification& n : reading().notifications) {
    if (n.event != relinkd::kEventPlanDeadlineNear || !n.deadline) continue;
    auto [it, added] = warned.emplace(n.plan, *n.deadline);
    if (!added) it->second = std::max(it->second, *n.deadline);
  }
  return warned;
}

std::map<std::string, NotificationSummary> MemoryJobStore::notificationSummaries() const {
  beforeRead();
  std::map<std::string, NotificationSummary> summaries;
  for (const Notification& n : reading().notifications) {
    NotificationSummary& summary = summaries[relinkd::summaryKey(n)];
    if (n.sentAt) summary.lastSentAt = std::max(summary.lastSentAt.value_or(*n.sentAt), *n.sentAt);
    if (!n.sentAt && !n.givenUp) ++summary.owed;
  }
  return summaries;
}

std::map<std::string, TimeMs> MemoryJobStore::siteLimits() const {
  beforeRead();
  return reading().siteLimits;
}

void MemoryJobStore::setSiteLimit(const std::string& siteId, TimeMs notBefore) {
  write([&](MemoryDatabase::State& state) {
    auto [it, added] = state.siteLimits.emplace(siteId, notBefore);
    if (!added) it->second = std::max(it->second, notBefore);  // a limit is only ever extended
    return true;
  });
}

// BEGIN IMMEDIATE takes the write lock at once; inner levels are savepoints.
void MemoryJobStore::begin() {
  beforeWrite();
  if (levels_.empty()) db_.lockHolder_ = id_;
  levels_.push_back(levels_.empty() ? db_.committed_ : levels_.back());
}

void MemoryJobStore::commit() {
  if (levels_.empty()) throw std::logic_error("commit without a transaction");
  MemoryDatabase::State done = std::move(levels_.back());
  levels_.pop_back();
  if (!levels_.empty()) {
    levels_.back() = std::move(done);
    return;
  }
  db_.committed_ = std::move(done);
  db_.lockHolder_ = 0;
  ++db_.commits_;
}

void MemoryJobStore::rollback() noexcept {
  if (levels_.empty()) return;
  levels_.pop_back();
  if (levels_.empty()) db_.lockHolder_ = 0;
}

}  // namespace enginetest

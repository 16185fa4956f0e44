#include "Sqlite.h"

#include <sqlite3.h>

#include <cerrno>

namespace relinkd::sqlite {

namespace {

constexpr int kBusyTimeoutMs = 10000;

}  // namespace

Connection::Connection(const std::string& path, int flags) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    // Even on failure SQLite usually hands back a handle carrying the message.
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    if ((rc & 0xFF) == SQLITE_CANTOPEN) {
      message += " (does its directory exist, and may this user write there?)";
    }
    throw StoreError(path + ": cannot open database: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Connection::~Connection() {
  // Statements are finalised by their own destructors before this runs;
  // sqlite3_close_v2 still defers if one was leaked.
  sqlite3_close_v2(db_);
}

namespace {

// systemErrno: the errno of the system call that failed, if one did.
StoreError::Cause causeOf(int rc, int systemErrno) {
  if (rc == SQLITE_READONLY_DBMOVED) return StoreError::Cause::kOther;  // its own advice
  switch (rc & 0xFF) {
    case SQLITE_FULL: return StoreError::Cause::kFull;
    case SQLITE_READONLY: return StoreError::Cause::kReadOnly;
    case SQLITE_BUSY: return StoreError::Cause::kLocked;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StoreError::Cause::kCorrupt;
    case SQLITE_IOERR:
      // A full or read-only file system shows as a failed write, fsync,
      // truncate or -shm resize.
      if (systemErrno == EROFS) return StoreError::Cause::kReadOnly;
      if (systemErrno == ENOSPC || systemErrno == EDQUOT) return StoreError::Cause::kFull;
      break;
    default: break;
  }
  return StoreError::Cause::kOther;
}

// What the operator can do, after SQLite's own words.
std::string advice(int rc, StoreError::Cause cause, const std::string& path) {
  if (rc == SQLITE_READONLY_DBMOVED)
    return " (the database file was moved or replaced while relinkd ran: restart relinkd)";
  switch (cause) {
    case StoreError::Cause::kFull:
      return " (the file system holding it is full: free some space there; relinkd goes on by itself)";
    case StoreError::Cause::kReadOnly:
      return " (it cannot be written: the file or its file system is read-only; make it writable for "
             "relinkd and it goes on by itself)";
    case StoreError::Cause::kLocked:
      return " (another process has held a lock on it for longer than relinkd waits, such as a sqlite3 "
             "shell or a backup tool: end it; relinkd goes on by itself)";
    case StoreError::Cause::kCorrupt:
      return " (the database is damaged. To recover: stop relinkd; `sqlite3 " + path +
             " .recover` may save what is left. Then move " + path + " and any " + path + "-wal and " +
             path + "-shm aside, and start relinkd: it creates every job again from its job file or "
             "plan. Lost with the old database: each job's history, remote job id and attempts; jobs that "
             "had already finished are submitted again, and a job without migratedAt starts its window "
             "again)";
    case StoreError::Cause::kOther: break;
  }
  return "";
}

}  // namespace

void Connection::fail(int rc, const std::string& what) const {
  std::string message = sqlite3_errmsg(db_);
  if (message.empty() || message == "not an error") message = sqlite3_errstr(rc);
  const StoreError::Cause cause = causeOf(rc, sqlite3_system_errno(db_));
  throw StoreError(path_ + ": " + what + ": " + message + advice(rc, cause, path_), cause);
}

void Connection::exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, "\"" + sql + "\" failed");
}

std::int64_t Connection::queryInt(const std::string& sql) {
  Statement statement(*this, sql);
  auto use = statement.use();
  if (!use.next()) fail(SQLITE_ERROR, "\"" + sql + "\" returned no row");
  return use.getInt(0);
}

int Connection::changes() const { return sqlite3_changes(db_); }

void Connection::beginTransaction() {
  if (depth_ == 0) {
    exec("BEGIN IMMEDIATE");
  } else {
    exec("SAVEPOINT nested" + std::to_string(depth_));
  }
  ++depth_;
}

void Connection::commitTransaction() {
  if (depth_ == 1) {
    exec("COMMIT");
  } else {
    exec("RELEASE nested" + std::to_string(depth_ - 1));
  }
  --depth_;
}

void Connection::rollbackTransaction() noexcept {
  --depth_;
  // After some errors (SQLITE_FULL, SQLITE_IOERR, ...) SQLite has already
  // rolled the whole transaction back; then there is nothing left to undo.
  if (sqlite3_get_autocommit(db_)) return;
  if (depth_ == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  } else {
    const std::string name = "nested" + std::to_string(depth_);
    sqlite3_exec(db_, ("ROLLBACK TO " + name + "; RELEASE " + name).c_str(), nullptr, nullptr,
                 nullptr);
  }
}

Statement::Statement(Connection& connection, const std::string& sql)
    : connection_(connection), sql_(sql) {
  const int rc = sqlite3_prepare_v2(connection.handle(), sql.c_str(), -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) connection_.fail(rc, "cannot prepare \"" + sql + "\"");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Use::Use(Statement& statement) : statement_(statement) {
  sqlite3_reset(statement_.stmt_);
  sqlite3_clear_bindings(statement_.stmt_);
}

Statement::Use::~Use() { sqlite3_reset(statement_.stmt_); }

Statement::Use& Statement::Use::operator()(const std::string& value) {
  const int rc = sqlite3_bind_text(statement_.stmt_, index_++, value.data(),
                                   static_cast<int>(value.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) statement_.connection_.fail(rc, "cannot bind a value");
  return *this;
}

Statement::Use& Statement::Use::operator()(std::int64_t value) {
  const int rc = sqlite3_bind_int64(statement_.stmt_, index_++, value);
  if (rc != SQLITE_OK) statement_.connection_.fail(rc, "cannot bind a value");
  return *this;
}

Statement::Use& Statement::Use::bindNull() {
  const int rc = sqlite3_bind_null(statement_.stmt_, index_++);
  if (rc != SQLITE_OK) statement_.connection_.fail(rc, "cannot bind a value");
  return *this;
}

void Statement::Use::exec() {
  if (next()) statement_.connection_.fail(SQLITE_MISUSE, "statement returned a row");
}

bool Statement::Use::next() {
  const int rc = sqlite3_step(statement_.stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  statement_.connection_.fail(rc, "\"" + statement_.sql_ + "\" failed");
}

std::string Statement::Use::getString(int column) const {
  const auto* text = sqlite3_column_text(statement_.stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_.stmt_, column)));
}

std::int64_t Statement::Use::getInt(int column) const {
  return sqlite3_column_int64(statement_.stmt_, column);
}

bool Statement::Use::isNull(int column) const {
  return sqlite3_column_type(statement_.stmt_, column) == SQLITE_NULL;
}

std::optional<std::string> Statement::Use::getOptString(int column) const {
  if (isNull(column)) return std::nullopt;
  return getString(column);
}

std::optional<std::int64_t> Statement::Use::getOptInt(int column) const {
  if (isNull(column)) return std::nullopt;
  return getInt(column);
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.beginTransaction();
}

Transaction::~Transaction() {
  if (!done_) connection_.rollbackTransaction();
}

void Transaction::commit() {
  connection_.commitTransaction();
  done_ = true;
}

}  // namespace relinkd::sqlite

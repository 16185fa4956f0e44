// Three small RAII types over the SQLite C API, in the manner of Nix's
// sqlite.hh: the connection, the prepared statement (finalised by its
// destructor, reset and unbound before each use) and the transaction
// (rolled back unless committed). Every failure is a StoreError that names
// the database file and carries SQLite's own message.
//
// Transactions nest: the outermost is BEGIN IMMEDIATE (the write lock is
// taken at once, so a WAL reader never has to upgrade and hit
// SQLITE_BUSY_SNAPSHOT); inner ones are savepoints, so an inner rollback
// undoes only its own part.
//
// Thread-safety: none. A Connection and its statements belong to one
// thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "relinkd/ports/JobStore.h"

struct sqlite3;
struct sqlite3_stmt;

namespace relinkd::sqlite {

class Connection {
 public:
  // flags are sqlite3_open_v2 flags. busy_timeout is set here; the
  // remaining pragmas are the caller's.
  Connection(const std::string& path, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements that return no rows of interest.
  void exec(const std::string& sql);
  // The first column of the first row of a one-value query (a PRAGMA).
  std::int64_t queryInt(const std::string& sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const;

  // Throws StoreError for an SQLite error code: "PATH: what: SQLite's message".
  [[noreturn]] void fail(int rc, const std::string& what) const;

  // Transaction nesting (used by Transaction and JobStore::Transaction).
  void beginTransaction();
  void commitTransaction();
  void rollbackTransaction() noexcept;
  int transactionDepth() const { return depth_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  int depth_ = 0;
};

class Statement {
 public:
  Statement(Connection& connection, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // One execution: binds parameters in order, then exec() or next()/get*.
  // Creating a Use resets the statement and clears earlier bindings.
  class Use {
   public:
    explicit Use(Statement& statement);
    // Resets the statement, so that a half-read query does not keep its
    // read transaction (and an old WAL snapshot) open.
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Use& operator()(const std::string& value);
    Use& operator()(std::int64_t value);
    Use& operator()(int value) { return (*this)(static_cast<std::int64_t>(value)); }
    Use& operator()(bool value) { return (*this)(static_cast<std::int64_t>(value ? 1 : 0)); }
    Use& operator()(const char* value) { return (*this)(std::string(value)); }
    template <typename T>
    Use& operator()(const std::optional<T>& value) {
      if (value) return (*this)(*value);
      return bindNull();
    }
    Use& bindNull();

    // Runs a statement that returns no rows.
    void exec();
    // Steps to the next row; false when there are no more.
    bool next();
    std::string getString(int column) const;
    std::int64_t getInt(int column) const;
    bool isNull(int column) const;
    std::optional<std::string> getOptString(int column) const;
    std::optional<std::int64_t> getOptInt(int column) const;

   private:
    Statement& statement_;
    int index_ = 1;
  };

  Use use() { return Use(*this); }

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// Begins a transaction (or a savepoint inside one); rolls back in its
// destructor unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  void commit();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace relinkd::sqlite

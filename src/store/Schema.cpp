#include "Schema.h"

#include <string>

namespace relinkd::schema {

namespace {

// Schema 5's notifications, made by the 4 -> 5 upgrade (and replaced by
// schema 7's in the 6 -> 7 one).
constexpr const char* kNotifications5 = R"sql(
CREATE TABLE notifications (
  id              INTEGER PRIMARY KEY,
  job             TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
  event           TEXT NOT NULL CHECK (event IN ('final', 'deadline-near')),
  state           TEXT NOT NULL,
  deadline        INTEGER,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sent_at         INTEGER,
  given_up        INTEGER NOT NULL,
  last_error      TEXT
);
CREATE INDEX notifications_by_job ON notifications(job, id);
CREATE INDEX notifications_owed ON notifications(next_attempt_at, id) WHERE sent_at IS NULL AND given_up = 0;
)sql";

// Schema 7's notifications, in a new database and by the 6 -> 7 upgrade: a
// job's (job set), a plan's (plan set, no job: it outlives its jobs' rows)
// or a pause's (neither; input is its standard input, fixed when owed).
constexpr const char* kNotifications7Table = R"sql(
CREATE TABLE notifications (
  id              INTEGER PRIMARY KEY,
  job             TEXT REFERENCES jobs(name) ON DELETE CASCADE,
  plan            TEXT,
  event           TEXT NOT NULL CHECK (event IN ('final', 'deadline-near', 'paused', 'plan-final',
                    'plan-deadline-near')),
  state           TEXT NOT NULL,
  deadline        INTEGER,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sent_at         INTEGER,
  given_up        INTEGER NOT NULL,
  last_error      TEXT,
  input           TEXT
);
)sql";
constexpr const char* kNotifications7Indexes = R"sql(
CREATE INDEX notifications_by_job ON notifications(job, id);
CREATE INDEX notifications_owed ON notifications(next_attempt_at, id) WHERE sent_at IS NULL AND given_up = 0;
)sql";

// Schema 7's index of a plan's jobs: whether a plan is finished is asked
// each time one of its jobs becomes final, and must not read every job.
constexpr const char* kPlanIndex7 = "CREATE INDEX jobs_by_plan ON jobs(plan) WHERE plan IS NOT NULL;";

// A new database: kTables, then schema 7's notifications.
constexpr const char* kTables = R"sql(
CREATE TABLE jobs (
  name            TEXT PRIMARY KEY NOT NULL,
  file            TEXT NOT NULL,
  file_hash       TEXT,
  spec_json       TEXT,
  site_id         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('invalid', 'queued', 'running',
                    'retrying', 'paused', 'succeeded', 'failed', 'expired', 'cancelled')),
  remote_job_id   TEXT,
  remote_status   TEXT,
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER,
  deadline        INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  accepted_at     INTEGER NOT NULL,
  submitting      INTEGER NOT NULL,
  version         INTEGER NOT NULL,
  revision        INTEGER NOT NULL DEFAULT 0,
  file_stamp      TEXT,
  plan            TEXT,
  result          TEXT,
  first_submitted_at INTEGER,
  finished_at     INTEGER
);
CREATE INDEX jobs_by_revision ON jobs(revision);
CREATE TABLE history (
  id          INTEGER PRIMARY KEY,
  job         TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  action      TEXT NOT NULL,
  http_status INTEGER,
  outcome     TEXT NOT NULL,
  detail      TEXT NOT NULL
);
CREATE INDEX history_by_job ON history(job, id);
CREATE TABLE site_limits (
  site_id    TEXT PRIMARY KEY NOT NULL,
  not_before INTEGER NOT NULL
);
)sql";

// Schema 6's revision counter, in a new database and by the 5 -> 6
// upgrade: the last revision handed out. MAX(revision) of the rows would
// go back when the newest row is removed, and hand its number out again.
constexpr const char* kRevisions = R"sql(
CREATE TABLE revisions (last INTEGER NOT NULL);
INSERT INTO revisions SELECT COALESCE(MAX(revision), 0) FROM jobs;
)sql";

void create(sqlite::Connection& db) {
  db.exec(std::string(kTables) + kNotifications7Table + kNotifications7Indexes + kPlanIndex7 + kRevisions +
          "PRAGMA user_version = 8;");
}

// 1 -> 2: the revision that lets the daemon read only changed rows.
void addRevision(sqlite::Connection& db) {
  db.exec(R"sql(
ALTER TABLE jobs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_revision ON jobs(revision);
PRAGMA user_version = 2;
)sql");
}

// 2 -> 3: the file stamp that lets a rescan skip unchanged files.
void addFileStamp(sqlite::Connection& db) {
  db.exec(R"sql(
ALTER TABLE jobs ADD COLUMN file_stamp TEXT;
PRAGMA user_version = 3;
)sql");
}

// 3 -> 4: the plan a job is derived from.
void addPlan(sqlite::Connection& db) {
  db.exec(R"sql(
ALTER TABLE jobs ADD COLUMN plan TEXT;
PRAGMA user_version = 4;
)sql");
}

// 4 -> 5: notifications, and the final answer of a job's remote job.
void addNotifications(sqlite::Connection& db) {
  db.exec(std::string("ALTER TABLE jobs ADD COLUMN result TEXT;") + kNotifications5 +
          "PRAGMA user_version = 5;");
}

// 5 -> 6: a revision counter that never goes back.
void addRevisionCounter(sqlite::Connection& db) { db.exec(std::string(kRevisions) + "PRAGMA user_version = 6;"); }

// 6 -> 7: notifications of plans and pauses (no job; new events). SQLite
// cannot change a column's NOT NULL or a CHECK in place, so the table is
// made anew and every row copied: what was owed stays owed. Schema 6 gave
// up after 6 failed runs; schema 7 retries until a run succeeds, so those
// are owed again, due now, their runs kept. A row whose job is gone (left
// by a DELETE with foreign keys off) has nothing to say and would fail the
// copy's foreign key: it is not copied.
void addPlanNotifications(sqlite::Connection& db) {
  std::string table = kNotifications7Table;
  table.replace(table.find("TABLE notifications"), 19, "TABLE notifications_7");
  db.exec(table + R"sql(
INSERT INTO notifications_7 (id, job, event, state, deadline, created_at, attempts, next_attempt_at, sent_at,
                             given_up, last_error)
  SELECT id, job, event, state, deadline, created_at, attempts, next_attempt_at, sent_at, given_up, last_error
  FROM notifications WHERE job IN (SELECT name FROM jobs);
UPDATE notifications_7 SET given_up = 0, next_attempt_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE given_up = 1 AND sent_at IS NULL;
DROP TABLE notifications;
ALTER TABLE notifications_7 RENAME TO notifications;
)sql" + kNotifications7Indexes + kPlanIndex7 + "PRAGMA user_version = 7;");
}

// 7 -> 8: the record's times (relinkctl report), filled from what the
// history knows: the first submission since the job's current spec was
// armed (its latest created, file or plan-changed entry), and for a final
// job the time of its latest entry that can have made it final (a removed
// file or a moved window leaves a finished job as it was), else of its
// last update.
void addRecordTimes(sqlite::Connection& db) {
  db.exec(R"sql(
ALTER TABLE jobs ADD COLUMN first_submitted_at INTEGER;
ALTER TABLE jobs ADD COLUMN finished_at INTEGER;
UPDATE jobs SET first_submitted_at = (
  SELECT MIN(h.at) FROM history h WHERE h.job = jobs.name AND h.action = 'submit' AND h.id > COALESCE(
    (SELECT MAX(a.id) FROM history a WHERE a.job = jobs.name
       AND a.action IN ('created', 'file-changed', 'file-restored', 'file-recreated', 'plan-changed')), 0));
UPDATE jobs SET finished_at = COALESCE(
  (SELECT h.at FROM history h WHERE h.job = jobs.name AND h.action NOT IN ('file-removed', 'window-moved')
     ORDER BY h.id DESC LIMIT 1), updated_at)
  WHERE state IN ('succeeded', 'failed', 'expired', 'cancelled');
PRAGMA user_version = 8;
)sql");
}

// kUpgrades[v - 1] takes schema v to v + 1.
using Upgrade = void (*)(sqlite::Connection&);
constexpr Upgrade kUpgrades[] = {addRevision,      addFileStamp,       addPlan,
                                 addNotifications, addRevisionCounter, addPlanNotifications,
                                 addRecordTimes};
static_assert(sizeof kUpgrades / sizeof kUpgrades[0] == kVersion - 1,
              "one upgrade per older schema version");

// The schema version; the first read of a read-only connection, where a
// reader without write access to the state directory finds out that it
// needs the -wal and -shm files.
std::int64_t firstRead(sqlite::Connection& db) {
  try {
    return db.queryInt("PRAGMA user_version");
  } catch (const StoreError& e) {
    throw StoreError(std::string(e.what()) + " (reading a WAL database needs " + db.path() +
                     "-wal and -shm to exist or to be creatable; they are kept once relinkd "
                     "has run: run as the relinkd user or start relinkd once)");
  }
}

std::int64_t createIfEmpty(sqlite::Connection& db) {
  sqlite::Transaction txn(db);
  std::int64_t version = db.queryInt("PRAGMA user_version");  // another process may have won
  if (version == 0) {
    create(db);
    version = kVersion;
  }
  txn.commit();
  return version;
}

std::int64_t upgrade(sqlite::Connection& db) {
  sqlite::Transaction txn(db);
  std::int64_t version = db.queryInt("PRAGMA user_version");  // another process may have upgraded it
  for (; version >= 1 && version < kVersion; ++version) kUpgrades[version - 1](db);
  txn.commit();
  return version;
}

// Throws unless version is kVersion.
void check(const sqlite::Connection& db, std::int64_t version) {
  if (version >= 1 && version < kVersion) {
    throw StoreError(db.path() + " has the schema of an older relinkd (schema " + std::to_string(version) +
                     "; this relinkctl reads schema " + std::to_string(kVersion) +
                     "): start this version's relinkd once, or restart it if the older one still runs "
                     "(systemctl restart relinkd), to upgrade the database");
  }
  if (version == 0) {
    throw StoreError(db.path() + " holds no relinkd tables yet: relinkd has not finished "
                     "its first start with this state directory");
  }
  if (version > kVersion) {
    throw StoreError(db.path() + ": database was written by a newer relinkd (schema " +
                     std::to_string(version) + "); this relinkd knows schema " +
                     std::to_string(kVersion) + " only. Install the newer relinkd.");
  }
}

}  // namespace

void prepare(sqlite::Connection& db, bool readOnly) {
  if (readOnly) return check(db, firstRead(db));
  std::int64_t version = db.queryInt("PRAGMA user_version");
  if (version == 0) version = createIfEmpty(db);
  if (version >= 1 && version < kVersion) version = upgrade(db);
  check(db, version);
}

}  // namespace relinkd::schema

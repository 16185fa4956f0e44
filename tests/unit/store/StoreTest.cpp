// JobStore against a real SQLite file in a temporary directory.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <algorithm>
#include <functional>
#include <string>

#include "TestSupport.h"
#include "relinkd/store/SqliteJobStore.h"

namespace relinkd {
namespace {

using testsupport::TempDir;

std::string errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no StoreError)";
}

void rawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

// How SQLite would find a plan's jobs: the detail column of EXPLAIN QUERY PLAN.
std::string planOfPlanStates(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT name, state FROM jobs WHERE plan = ?", -1, &stmt,
                             nullptr) == SQLITE_OK);
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return plan;
}

Job fullJob() {
  Job job;
  job.name = "full";
  job.file = "/etc/relinkd/jobs.d/full.json";
  job.fileHash = "abc123";
  job.fileStamp = "2049:77:120:1780000000.5:1780000000.5";
  job.specJson = R"({"siteId":"s-1"})";
  job.siteId = "s-1";
  job.state = JobState::kRunning;
  job.remoteJobId = "remote-7";
  job.remoteStatus = "IN_PROGRESS";
  job.attempts = 3;
  job.nextAttemptAt = 1790000000123;
  job.deadline = 1791000000000;
  job.lastError = "HTTP 503 from the API";
  job.createdAt = 1780000000000;
  job.updatedAt = 1780000005000;
  job.acceptedAt = 1780000000001;
  job.submitting = true;
  return job;
}

Job minimalJob(const std::string& name) {
  Job job;
  job.name = name;
  job.file = "/jobs/" + name + ".json";
  job.state = JobState::kInvalid;
  job.createdAt = 1000;
  job.updatedAt = 2000;
  job.acceptedAt = 1000;
  return job;
}

// A minimal job, saved new: version 1, no history entry.
Job savedJob(JobStore& store, const std::string& name) {
  Job job = minimalJob(name);
  REQUIRE(store.save(job, std::nullopt));
  return job;
}

void checkSameJob(const Job& got, const Job& want) {
  INFO("job " << want.name);
  CHECK(got.name == want.name);
  CHECK(got.file == want.file);
  CHECK(got.fileHash == want.fileHash);
  CHECK(got.fileStamp == want.fileStamp);
  CHECK(got.specJson == want.specJson);
  CHECK(got.siteId == want.siteId);
  CHECK(got.state == want.state);
  CHECK(got.remoteJobId == want.remoteJobId);
  CHECK(got.remoteStatus == want.remoteStatus);
  CHECK(got.attempts == want.attempts);
  CHECK(got.nextAttemptAt == want.nextAttemptAt);
  CHECK(got.deadline == want.deadline);
  CHECK(got.lastError == want.lastError);
  CHECK(got.createdAt == want.createdAt);
  CHECK(got.updatedAt == want.updatedAt);
  CHECK(got.acceptedAt == want.acceptedAt);
  CHECK(got.submitting == want.submitting);
  CHECK(got.version == want.version);
}

}  // namespace

TEST_CASE("JobStore: every field survives save and find, nullopts included") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job full = fullJob();
  Job minimal = minimalJob("aaa-minimal");
  REQUIRE(store.save(full, std::nullopt));
  REQUIRE(store.save(minimal, std::nullopt));
  CHECK(full.version == 1);
  CHECK(minimal.version == 1);

  auto found = store.find("full");
  REQUIRE(found);
  checkSameJob(*found, full);
  found = store.find("aaa-minimal");
  REQUIRE(found);
  checkSameJob(*found, minimal);
  CHECK_FALSE(store.find("nobody"));

  const auto jobs = store.all();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].name == "aaa-minimal");  // ordered by name
  CHECK(jobs[1].name == "full");
}

TEST_CASE("JobStore: a job saved with its spec left out keeps the stored spec") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job job = fullJob();
  REQUIRE(store.save(job, std::nullopt));
  CHECK(store.specOf("full") == R"({"siteId":"s-1"})");
  CHECK(store.specOf("nobody") == std::nullopt);

  SUBCASE("left out: the spec stays, every other field is written") {
    job.specJson.reset();
    job.specLeftOut = true;
    job.state = JobState::kSucceeded;
    job.result = R"({"status":"Complete"})";
    REQUIRE(store.save(job, std::nullopt));
    const Job found = *store.find("full");
    CHECK(found.specJson == R"({"siteId":"s-1"})");
    CHECK(found.state == JobState::kSucceeded);
    CHECK(found.result == R"({"status":"Complete"})");
    CHECK_FALSE(found.specLeftOut);
    CHECK(found.version == 2);
  }
  SUBCASE("left out, whatever specJson holds: a copy read for a request writes nothing new") {
    job.specJson = R"({"siteId":"other"})";
    job.specLeftOut = true;
    REQUIRE(store.save(job, std::nullopt));
    CHECK(store.specOf("full") == R"({"siteId":"s-1"})");
  }
  SUBCASE("not left out: an unset spec is written as unset (an invalid job)") {
    job.specJson.reset();
    REQUIRE(store.save(job, std::nullopt));
    CHECK(store.specOf("full") == std::nullopt);
    CHECK(store.find("full")->specJson == std::nullopt);
  }
  SUBCASE("a new job must carry its spec") {
    Job fresh = minimalJob("fresh");
    fresh.specLeftOut = true;
    CHECK_THROWS_AS(store.save(fresh, std::nullopt), std::logic_error);
    CHECK_FALSE(store.find("fresh"));
  }
}

TEST_CASE("JobStore: every state name round-trips") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  for (const char* name : {"invalid", "queued", "running", "retrying", "paused", "succeeded",
                           "failed", "expired", "cancelled"}) {
    INFO("state " << name);
    auto state = parseState(name);
    REQUIRE(state);
    CHECK(std::string(stateName(*state)) == name);
    Job job = minimalJob(name);
    job.state = *state;
    REQUIRE(store.save(job, std::nullopt));
    CHECK(store.find(name)->state == *state);
  }
  CHECK_FALSE(parseState("Running"));
  CHECK(isFinal(JobState::kSucceeded));
  CHECK(isFinal(JobState::kCancelled));
  CHECK_FALSE(isFinal(JobState::kInvalid));
  CHECK_FALSE(isFinal(JobState::kPaused));
}

TEST_CASE("JobStore: history comes back oldest first with its fields") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job job = minimalJob("a");
  REQUIRE(store.save(job, HistoryEntry{10, "created", std::nullopt, "ok", "new file"}));
  REQUIRE(store.save(job, HistoryEntry{30, "submit", 503, "transient", "HTTP 503"}));
  REQUIRE(store.save(job, HistoryEntry{20, "submit", 200, "ok", "remote job r-1"}));
  REQUIRE(store.save(job, std::nullopt));  // no entry: history unchanged
  Job other = minimalJob("b");
  REQUIRE(store.save(other, HistoryEntry{5, "created", std::nullopt, "ok", ""}));

  const auto history = store.history("a");
  REQUIRE(history.size() == 3);
  CHECK(history[0].action == "created");
  CHECK_FALSE(history[0].httpStatus);
  CHECK(history[0].detail == "new file");
  CHECK(history[1].at == 30);  // insertion order, not time order
  CHECK(history[1].httpStatus == 503);
  CHECK(history[1].outcome == "transient");
  CHECK(history[2].httpStatus == 200);
  CHECK(history[2].detail == "remote job r-1");
  CHECK(store.history("b").size() == 1);
  CHECK(store.history("nobody").empty());
  const auto last = store.lastHistory("a");
  REQUIRE(last);
  CHECK(last->at == 20);
  CHECK(last->detail == "remote job r-1");
  CHECK_FALSE(store.lastHistory("nobody"));
}

TEST_CASE("JobStore: save is compare-and-set on the version") {
  TempDir dir;
  SqliteJobStore daemon(dir.file("relinkd.db"));
  SqliteJobStore ctl(dir.file("relinkd.db"));
  Job job = savedJob(daemon, "a");

  Job ctlCopy = *ctl.find("a");
  ctlCopy.state = JobState::kCancelled;
  REQUIRE(ctl.save(ctlCopy, HistoryEntry{1, "cancel", std::nullopt, "state: cancelled", ""}));
  CHECK(ctlCopy.version == 2);

  SUBCASE("the stale writer loses and writes nothing") {
    job.state = JobState::kRunning;
    CHECK_FALSE(daemon.save(job, HistoryEntry{2, "submit", 200, "ok", ""}));
    CHECK(job.version == 1);
    CHECK(daemon.find("a")->state == JobState::kCancelled);
    CHECK(daemon.history("a").size() == 1);
  }
  SUBCASE("re-reading and trying again wins") {
    Job fresh = *daemon.find("a");
    fresh.lastError = "seen";
    CHECK(daemon.save(fresh, std::nullopt));
    CHECK(ctl.find("a")->lastError == "seen");
    CHECK(ctl.find("a")->version == 3);
  }
  SUBCASE("a new job (version 0) cannot overwrite a stored one") {
    Job duplicate = minimalJob("a");
    CHECK_FALSE(ctl.save(duplicate, std::nullopt));
    CHECK(duplicate.version == 0);
    CHECK(ctl.find("a")->state == JobState::kCancelled);
  }
}

std::vector<std::string> namesOf(const std::vector<Job>& jobs) {
  std::vector<std::string> names;
  for (const Job& job : jobs) names.push_back(job.name + "@" + std::to_string(job.version));
  return names;
}

TEST_CASE("JobStore: changedElsewhere returns exactly the rows other connections wrote") {
  TempDir dir;
  SqliteJobStore mine(dir.file("relinkd.db"));
  SqliteJobStore other(dir.file("relinkd.db"));
  Job before = savedJob(other, "before");
  CHECK(mine.changedElsewhere().empty());  // the first call only sets the mark
  CHECK(mine.changedElsewhere().empty());

  Job job = savedJob(mine, "a");
  CHECK(mine.changedElsewhere().empty());  // our own write

  Job theirs = savedJob(other, "b");
  REQUIRE(other.save(theirs, std::nullopt));
  CHECK(namesOf(mine.changedElsewhere()) == std::vector<std::string>{"b@2"});
  CHECK(mine.changedElsewhere().empty());

  // Ours and theirs interleaved: theirs come back, each once, at its
  // stored version; ours may come back too (the caller compares versions).
  REQUIRE(mine.save(job, std::nullopt));
  Job third = savedJob(other, "c");
  std::vector<std::string> got = namesOf(mine.changedElsewhere());
  CHECK(std::count(got.begin(), got.end(), "c@1") == 1);
  CHECK(std::count(got.begin(), got.end(), "b@2") == 0);
  CHECK(mine.changedElsewhere().empty());
}

// Revisions are never reused: a row removed with the highest revision
// must not hand that number to the next write of another connection,
// which the mark (the highest revision seen) would then hide.
TEST_CASE("JobStore: changedElsewhere sees another connection's write after the newest row was removed") {
  TempDir dir;
  SqliteJobStore mine(dir.file("relinkd.db"));
  SqliteJobStore other(dir.file("relinkd.db"));
  Job theirs = savedJob(other, "y");
  mine.changedElsewhere();  // the mark
  Job standIn = savedJob(mine, "x");
  CHECK(mine.changedElsewhere().empty());
  REQUIRE(mine.remove(standIn));  // and relinkctl writes before the next look
  Job retried = *other.find("y");
  REQUIRE(other.save(retried, std::nullopt));
  CHECK(namesOf(mine.changedElsewhere()) == std::vector<std::string>{"y@2"});
}

TEST_CASE("JobStore: databases of older schemas are upgraded at open and keep their jobs") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  {
    SqliteJobStore store(path);
    Job job = minimalJob("old");
    REQUIRE(store.save(job, HistoryEntry{1, "created", std::nullopt, "state: invalid", "x"}));
  }
  SUBCASE("schema 1: no revision, no file stamp") {
    rawExec(path, "DROP INDEX jobs_by_plan; DROP TABLE revisions; DROP TABLE notifications; ALTER TABLE jobs DROP COLUMN result; DROP INDEX jobs_by_revision; ALTER TABLE jobs DROP COLUMN revision; "
                  "ALTER TABLE jobs DROP COLUMN file_stamp; ALTER TABLE jobs DROP COLUMN plan; "
                  "ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 1");
  }
  SUBCASE("schema 2: a revision, no file stamp") {
    rawExec(path, "DROP INDEX jobs_by_plan; DROP TABLE revisions; DROP TABLE notifications; ALTER TABLE jobs DROP COLUMN result; ALTER TABLE jobs DROP COLUMN file_stamp; ALTER TABLE jobs DROP COLUMN plan; "
                  "ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 2");
  }
  SUBCASE("schema 3: a file stamp, no plan") {
    rawExec(path, "DROP INDEX jobs_by_plan; DROP TABLE revisions; DROP TABLE notifications; ALTER TABLE jobs DROP COLUMN result; ALTER TABLE jobs DROP COLUMN plan; ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 3");
  }
  SUBCASE("schema 4: a plan, no notifications, no result") {
    rawExec(path, "DROP INDEX jobs_by_plan; DROP TABLE revisions; DROP TABLE notifications; ALTER TABLE jobs DROP COLUMN result; ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 4");
  }
  SUBCASE("schema 7: no record times") {
    rawExec(path, "ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 7");
  }
  SUBCASE("schema 5: no revision counter") {
    rawExec(path, "DROP INDEX jobs_by_plan; DROP TABLE revisions; ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 5");
  }
  SqliteJobStore upgraded(path);
  REQUIRE(upgraded.find("old"));
  CHECK(upgraded.history("old").size() == 1);
  Job stamped = *upgraded.find("old");
  stamped.fileStamp = "1:2:3:4.5:6.7";
  REQUIRE(upgraded.save(stamped, std::nullopt));
  CHECK(upgraded.find("old")->fileStamp == "1:2:3:4.5:6.7");
  CHECK(upgraded.find("old")->plan.empty());
  CHECK_FALSE(upgraded.find("old")->result);
  CHECK(upgraded.notificationsOf("old").empty());
  SqliteJobStore other(path);
  upgraded.changedElsewhere();
  Job changed = *other.find("old");
  REQUIRE(other.save(changed, std::nullopt));
  CHECK(namesOf(upgraded.changedElsewhere()) == std::vector<std::string>{"old@3"});
  CHECK(planOfPlanStates(path).find("jobs_by_plan") != std::string::npos);
}

TEST_CASE("JobStore: a plan's jobs are found through an index, not by reading every job") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  { SqliteJobStore store(path); }
  CHECK(planOfPlanStates(path).find("USING INDEX jobs_by_plan") != std::string::npos);
}

TEST_CASE("JobStore: a job's plan is stored, and remove deletes a row with its history, compare-and-set") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job derived = minimalJob("acme.eu.us");
  derived.plan = "acme";
  REQUIRE(store.save(derived, HistoryEntry{1, "created", std::nullopt, "state: queued", ""}));
  Job standIn = minimalJob("acme");
  standIn.plan = "acme";
  REQUIRE(store.save(standIn, HistoryEntry{1, "created", std::nullopt, "state: invalid", "x"}));
  CHECK(store.find("acme.eu.us")->plan == "acme");
  CHECK(store.find("plain") == std::nullopt);

  Job stale = standIn;
  REQUIRE(store.save(standIn, std::nullopt));
  CHECK_FALSE(store.remove(stale));  // changed meanwhile: nothing is deleted
  CHECK(store.find("acme"));
  CHECK(store.remove(standIn));
  CHECK_FALSE(store.find("acme"));
  CHECK(store.history("acme").empty());
  CHECK(store.history("acme.eu.us").size() == 1);
}

TEST_CASE("JobStore: notifications are owed, due in order, updated, summarised, and go with their job") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job a = savedJob(store, "a");
  Job b = savedJob(store, "b");
  store.addNotification(Notification{0, "a", kEventFinal, "succeeded", std::nullopt, 10, 0, 30, std::nullopt, false,
                                     std::nullopt, "", std::nullopt});
  store.addNotification(Notification{0, "b", kEventDeadlineNear, "running", 5000, 11, 0, 20, std::nullopt, false,
                                     std::nullopt, "", std::nullopt});
  auto next = store.nextOwedNotification();
  REQUIRE(next);
  CHECK(next->job == "b");  // due first
  CHECK(next->deadline == 5000);
  next->attempts = 1;
  next->sentAt = 21;
  store.updateNotification(*next);
  CHECK(store.nextOwedNotification()->job == "a");
  Notification gaveUp = *store.nextOwedNotification();
  gaveUp.givenUp = true;
  gaveUp.lastError = "exited with status 1";
  store.updateNotification(gaveUp);
  CHECK_FALSE(store.nextOwedNotification());
  CHECK(store.notificationsOf("a").at(0).lastError == "exited with status 1");
  CHECK(store.deadlineWarnings() == std::map<std::string, TimeMs>{{"b", 5000}});
  const auto summaries = store.notificationSummaries();
  CHECK(summaries.at("b").lastSentAt == 21);
  CHECK(summaries.at("b").owed == 0);
  CHECK_FALSE(summaries.at("a").lastSentAt);

  store.addNotification(Notification{0, "a", kEventFinal, "failed", std::nullopt, 12, 0, 12, std::nullopt, false,
                                     std::nullopt, "", std::nullopt});
  CHECK(store.notificationSummaries().at("a").owed == 1);
  REQUIRE(store.remove(a));
  CHECK(store.notificationsOf("a").empty());  // with its job
}

// A schema-6 database at path: job "a" and the notification rows given
// (INSERT statements), in the notifications table schema 6 had.
void makeSchema6(const std::string& path, const std::string& rows) {
  {
    SqliteJobStore store(path);
    savedJob(store, "a");
  }
  rawExec(path, R"sql(
DROP INDEX jobs_by_plan;
ALTER TABLE jobs DROP COLUMN first_submitted_at;
ALTER TABLE jobs DROP COLUMN finished_at;
DROP TABLE notifications;
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY, job TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
  event TEXT NOT NULL CHECK (event IN ('final', 'deadline-near')), state TEXT NOT NULL, deadline INTEGER,
  created_at INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, sent_at INTEGER,
  given_up INTEGER NOT NULL, last_error TEXT);
CREATE INDEX notifications_by_job ON notifications(job, id);
CREATE INDEX notifications_owed ON notifications(next_attempt_at, id) WHERE sent_at IS NULL AND given_up = 0;
)sql" + rows + "PRAGMA user_version = 6;");
}

// Schema 7 made the notifications table anew (job may be NULL, new events):
// what a schema-6 relinkd owed is still owed after the upgrade, what it sent
// stays sent, and plans' and pauses' notifications can be stored beside them.
TEST_CASE("JobStore: the 6 -> 7 upgrade keeps owed and sent notifications; plans and pauses are stored") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  makeSchema6(path, R"sql(
INSERT INTO notifications VALUES (4, 'a', 'final', 'succeeded', NULL, 10, 3, 90, NULL, 0, 'exited with status 1');
INSERT INTO notifications VALUES (5, 'a', 'deadline-near', 'running', 5000, 5, 1, 6, 7, 0, NULL);
)sql");
  SqliteJobStore upgraded(path);
  const auto owed = upgraded.nextOwedNotification();
  REQUIRE(owed);
  CHECK(owed->id == 4);
  CHECK(owed->job == "a");
  CHECK(owed->attempts == 3);
  CHECK(owed->nextAttemptAt == 90);
  CHECK(owed->lastError == "exited with status 1");
  CHECK(owed->plan.empty());
  CHECK_FALSE(owed->input);
  CHECK(upgraded.notificationsOf("a").size() == 2);
  CHECK(upgraded.notificationsOf("a").at(1).sentAt == 7);
  CHECK(upgraded.deadlineWarnings() == std::map<std::string, TimeMs>{{"a", 5000}});

  Notification plan = owedPlanNotification("acme", kEventPlanDeadlineNear, 20, TimeMs{9000});
  upgraded.addNotification(plan);
  Notification paused;
  paused.event = kEventPaused;
  paused.state = "paused";
  paused.input = R"({"event":"paused","reason":"401","jobs":["a"]})";
  paused.createdAt = paused.nextAttemptAt = 30;
  upgraded.addNotification(paused);
  CHECK(upgraded.planDeadlineWarnings() == std::map<std::string, TimeMs>{{"acme", 9000}});
  const auto summaries = upgraded.notificationSummaries();
  CHECK(summaries.at("a").owed == 1);
  CHECK(summaries.at("plan:acme").owed == 1);
  CHECK(summaries.at(":paused").owed == 1);
  Notification first = *upgraded.nextOwedNotification();
  CHECK(first.plan == "acme");  // due at 20, before the job's at 90
  CHECK(first.job.empty());
  first.sentAt = 21;
  upgraded.updateNotification(first);
  const Notification second = *upgraded.nextOwedNotification();
  CHECK(second.event == "paused");
  CHECK(second.input == paused.input);
  CHECK(upgraded.notificationSummaries().at("plan:acme").lastSentAt == 21);
}

// The contract says a notification is retried until it succeeds: what
// schema 6 gave up on after 6 failed runs is owed again after the upgrade,
// due at once, its runs kept; one whose job is gone has nothing to say.
TEST_CASE("JobStore: the 6 -> 7 upgrade owes again what schema 6 gave up on, unless its job is gone") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  makeSchema6(path, R"sql(
INSERT INTO notifications VALUES (4, 'a', 'final', 'failed', NULL, 10, 6, 5000000000000, NULL, 1, 'exited with status 1');
INSERT INTO notifications VALUES (5, 'gone', 'final', 'succeeded', NULL, 10, 6, 90, NULL, 1, 'exited with status 1');
)sql");
  const TimeMs before = SystemClock().wallNow();
  SqliteJobStore upgraded(path);
  const TimeMs after = SystemClock().wallNow();
  const auto owed = upgraded.nextOwedNotification();
  REQUIRE(owed);
  CHECK(owed->id == 4);
  CHECK_FALSE(owed->givenUp);
  CHECK(owed->attempts == 6);
  CHECK(owed->nextAttemptAt >= before - 1000);  // SQLite's clock, in floating-point days
  CHECK(owed->nextAttemptAt <= after);
  CHECK(owed->lastError == "exited with status 1");
  CHECK(upgraded.notificationSummaries().at("a").owed == 1);
  for (const Notification& n : upgraded.notificationsOf("gone")) CHECK(n.givenUp);  // nothing left to say
  Notification sent = *owed;
  sent.sentAt = after;
  upgraded.updateNotification(sent);
  CHECK_FALSE(upgraded.nextOwedNotification());
}

TEST_CASE("JobStore: a transaction is rolled back unless committed") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  SqliteJobStore observer(dir.file("relinkd.db"));
  Job a = minimalJob("a");
  Job b = minimalJob("b");

  SUBCASE("without commit nothing stays") {
    {
      JobStore::Transaction txn(store);
      REQUIRE(store.save(a, HistoryEntry{1, "created", std::nullopt, "ok", ""}));
      REQUIRE(store.save(b, std::nullopt));
      CHECK(store.find("a"));  // visible inside
    }
    CHECK_FALSE(store.find("a"));
    CHECK_FALSE(store.find("b"));
    CHECK(store.history("a").empty());
  }
  SUBCASE("with commit both saves land together") {
    {
      JobStore::Transaction txn(store);
      REQUIRE(store.save(a, std::nullopt));
      REQUIRE(store.save(b, std::nullopt));
      CHECK_FALSE(observer.find("a"));  // not visible outside before commit
      txn.commit();
    }
    CHECK(observer.find("a"));
    CHECK(observer.find("b"));
  }
  SUBCASE("a lost race inside a transaction writes nothing but keeps the rest") {
    REQUIRE(store.save(a, std::nullopt));
    Job stale = a;
    REQUIRE(store.save(a, std::nullopt));
    {
      JobStore::Transaction txn(store);
      CHECK_FALSE(store.save(stale, HistoryEntry{1, "x", std::nullopt, "ok", ""}));
      REQUIRE(store.save(b, std::nullopt));
      txn.commit();
    }
    CHECK(observer.find("a")->version == 2);
    CHECK(observer.history("a").empty());
    CHECK(observer.find("b"));
  }
}

TEST_CASE("JobStore: reopening the file keeps jobs, history and site limits") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  Job job = fullJob();
  {
    SqliteJobStore store(path);
    REQUIRE(store.save(job, HistoryEntry{7, "submit", 202, "ok", "accepted"}));
    store.setSiteLimit("s-1", 99);
  }
  SqliteJobStore reopened(path);
  checkSameJob(*reopened.find("full"), job);
  REQUIRE(reopened.history("full").size() == 1);
  CHECK(reopened.history("full")[0].httpStatus == 202);
  CHECK(reopened.siteLimits().at("s-1") == 99);
}

TEST_CASE("JobStore: the database is in WAL mode and keeps its -wal and -shm files") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  {
    SqliteJobStore store(path);
    Job job = savedJob(store, "a");
  }
  // A reader without write access to the directory cannot create them.
  CHECK(std::filesystem::exists(path + "-wal"));
  CHECK(std::filesystem::exists(path + "-shm"));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE("JobStore: a database from a newer relinkd is refused") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  { SqliteJobStore store(path); }
  rawExec(path, "PRAGMA user_version = 9");
  const std::string message = errorOf([&] { SqliteJobStore store(path); });
  INFO(message);
  CHECK(message.find("database was written by a newer relinkd (schema 9)") != std::string::npos);
  CHECK(message.find(path) != std::string::npos);
  CHECK(errorOf([&] { SqliteJobStore store(path, true); }) == message);
}

TEST_CASE("JobStore: read-only, a database of an older relinkd is refused with how to upgrade it") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  { SqliteJobStore store(path); }
  rawExec(path, "PRAGMA user_version = 7");  // as an older relinkd, still running, left it
  const std::string message = errorOf([&] { SqliteJobStore store(path, true); });
  INFO(message);
  CHECK(message.find(path + " has the schema of an older relinkd (schema 7; this relinkctl reads schema 8)") == 0);
  CHECK(message.find("restart it if the older one still runs (systemctl restart relinkd)") != std::string::npos);
}

TEST_CASE("JobStore: read-only") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");

  SUBCASE("a missing file is an error that says why, and is not created") {
    const std::string message = errorOf([&] { SqliteJobStore store(path, true); });
    INFO(message);
    CHECK(message.find("relinkd has not run yet") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SUBCASE("it reads, follows the writer and refuses to write") {
    SqliteJobStore writer(path);
    Job job = savedJob(writer, "a");
    SqliteJobStore reader(path, true);
    CHECK(reader.changedElsewhere().empty());
    CHECK(reader.all().size() == 1);
    Job second = savedJob(writer, "b");
    CHECK(namesOf(reader.changedElsewhere()) == std::vector<std::string>{"b@1"});
    CHECK(reader.all().size() == 2);

    Job copy = *reader.find("a");
    CHECK(errorOf([&] { reader.save(copy, std::nullopt); }).find("read-only") !=
          std::string::npos);
    CHECK_FALSE(reader.writable());
    CHECK(writer.writable());
  }
}

TEST_CASE("JobStore: site limits are set, replaced and listed") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  CHECK(store.siteLimits().empty());
  store.setSiteLimit("s-1", 100);
  store.setSiteLimit("s-2", 200);
  store.setSiteLimit("s-1", 150);
  const auto limits = store.siteLimits();
  REQUIRE(limits.size() == 2);
  CHECK(limits.at("s-1") == 150);
  CHECK(limits.at("s-2") == 200);
}

}  // namespace relinkd

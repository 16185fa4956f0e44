// The record's times (firstSubmittedAt, finishedAt) through the real store:
// kept by every save (recordTimes), and filled by the 7 -> 8 upgrade from
// the history a schema-7 relinkd wrote.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "relinkd/store/SqliteJobStore.h"

namespace relinkd {
namespace {

using testsupport::TempDir;

void rawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

Job jobNamed(const std::string& name, JobState state) {
  Job job;
  job.name = name;
  job.file = "/jobs/" + name + ".json";
  job.specJson = R"({"siteId":"s"})";
  job.state = state;
  job.createdAt = 1000;
  job.updatedAt = 1000;
  job.acceptedAt = 1000;
  return job;
}

HistoryEntry entry(TimeMs at, const std::string& action, const std::string& outcome = "ok") {
  return HistoryEntry{at, action, std::nullopt, outcome, ""};
}

// Saves job with each entry in turn (state as given with it).
void saveAll(JobStore& store, Job& job, const std::vector<std::pair<JobState, HistoryEntry>>& steps) {
  for (const auto& [state, e] : steps) {
    job.state = state;
    job.updatedAt = e.at;
    REQUIRE(store.save(job, e));
  }
}

}  // namespace

TEST_CASE("JobStore: save keeps the record's times: first submission, finish, cleared when no longer final") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job job = jobNamed("a", JobState::kQueued);
  saveAll(store, job, {{JobState::kQueued, entry(1000, "created")},
                       {JobState::kRunning, entry(2000, "submit")},
                       {JobState::kRetrying, entry(3000, "poll", "transient")},
                       {JobState::kRunning, entry(4000, "submit")}});
  CHECK(store.find("a")->firstSubmittedAt == 2000);
  CHECK_FALSE(store.find("a")->finishedAt);
  saveAll(store, job, {{JobState::kFailed, entry(5000, "poll", "permanent")}});
  CHECK(store.find("a")->finishedAt == 5000);
  saveAll(store, job, {{JobState::kFailed, entry(6000, "notify")}});
  CHECK(store.find("a")->finishedAt == 5000);  // still the time it became final
  saveAll(store, job, {{JobState::kRetrying, entry(7000, "retry")}});
  CHECK_FALSE(store.find("a")->finishedAt);
  CHECK(store.find("a")->firstSubmittedAt == 2000);

  Job quiet = jobNamed("b", JobState::kCancelled);
  quiet.updatedAt = 8000;
  REQUIRE(store.save(quiet, std::nullopt));  // final without an entry: its update's time
  CHECK(store.find("b")->finishedAt == 8000);
  CHECK_FALSE(store.find("b")->firstSubmittedAt);
}

TEST_CASE("JobStore: the 7 -> 8 upgrade fills the record's times from the history") {
  TempDir dir;
  const std::string path = dir.file("relinkd.db");
  {
    SqliteJobStore store(path);
    Job done = jobNamed("done", JobState::kQueued);  // submitted, armed anew, submitted twice, succeeded
    saveAll(store, done, {{JobState::kQueued, entry(1000, "created")},
                          {JobState::kRunning, entry(2000, "submit")},
                          {JobState::kQueued, entry(3000, "file-changed")},
                          {JobState::kRunning, entry(4000, "submit")},
                          {JobState::kRunning, entry(5000, "submit")},
                          {JobState::kSucceeded, entry(6000, "poll", "state: succeeded")}});
    Job waiting = jobNamed("waiting", JobState::kQueued);
    saveAll(store, waiting, {{JobState::kQueued, entry(1000, "created")},
                             {JobState::kRunning, entry(2500, "submit")}});
    Job replanned = jobNamed("replanned", JobState::kQueued);  // a plan's job restarted by a plan edit
    saveAll(store, replanned, {{JobState::kQueued, entry(1000, "created")},
                               {JobState::kRunning, entry(2000, "submit")},
                               {JobState::kQueued, entry(5000, "plan-changed")},
                               {JobState::kRunning, entry(6000, "submit")}});
    Job tidied = jobNamed("tidied", JobState::kQueued);  // succeeded, then its window moved and its file went
    saveAll(store, tidied, {{JobState::kQueued, entry(1000, "created")},
                            {JobState::kRunning, entry(2000, "submit")},
                            {JobState::kSucceeded, entry(7000, "poll", "status Complete")},
                            {JobState::kSucceeded, entry(8000, "window-moved", "state: succeeded")},
                            {JobState::kSucceeded, entry(9000, "file-removed", "state: succeeded")}});
    Job bare = jobNamed("bare", JobState::kExpired);  // final, no history
    bare.updatedAt = 7000;
    REQUIRE(store.save(bare, std::nullopt));
  }
  rawExec(path, "ALTER TABLE jobs DROP COLUMN first_submitted_at; ALTER TABLE jobs DROP COLUMN finished_at; "
                "PRAGMA user_version = 7");
  SqliteJobStore upgraded(path);
  CHECK(upgraded.find("done")->firstSubmittedAt == 4000);
  CHECK(upgraded.find("done")->finishedAt == 6000);
  CHECK(upgraded.find("waiting")->firstSubmittedAt == 2500);
  CHECK_FALSE(upgraded.find("waiting")->finishedAt);
  CHECK(upgraded.find("replanned")->firstSubmittedAt == 6000);
  CHECK(upgraded.find("tidied")->finishedAt == 7000);
  CHECK_FALSE(upgraded.find("bare")->firstSubmittedAt);
  CHECK(upgraded.find("bare")->finishedAt == 7000);
}

}  // namespace relinkd

namespace relinkd {
namespace {

TEST_CASE("JobStore: a save that loses its compare-and-set leaves the record's times as they were") {
  TempDir dir;
  SqliteJobStore store(dir.file("relinkd.db"));
  Job job = jobNamed("a", JobState::kRunning);
  REQUIRE(store.save(job, entry(1000, "created")));
  Job stale = job;  // another writer (relinkctl) changes the row meanwhile
  job.updatedAt = 1500;
  REQUIRE(store.save(job, entry(1500, "retry")));
  stale.state = JobState::kSucceeded;
  stale.updatedAt = 2000;
  CHECK_FALSE(store.save(stale, entry(2000, "submit")));
  CHECK_FALSE(stale.finishedAt);
  CHECK_FALSE(stale.firstSubmittedAt);
  CHECK_FALSE(store.find("a")->finishedAt);
}

}  // namespace
}  // namespace relinkd

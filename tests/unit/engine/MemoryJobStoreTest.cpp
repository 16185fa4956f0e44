// The in-memory store keeps the JobStore contract the engine relies on, as
// tests/unit/store/StoreTest.cpp pins it down for SqliteJobStore: if the
// fake drifted from the real store, the engine tests would prove nothing.
#include <doctest/doctest.h>

#include <algorithm>

#include "MemoryJobStore.h"

using namespace enginetest;
using relinkd::JobState;
using relinkd::JobStore;

namespace {

Job minimalJob(const std::string& name) {
  Job job;
  job.name = name;
  job.file = "/jobs/" + name + ".json";
  job.specJson = R"({"siteId":"s"})";
  job.state = JobState::kQueued;
  return job;
}

// A minimal job, saved new: version 1, no history entry.
Job savedJob(JobStore& store, const std::string& name) {
  Job job = minimalJob(name);
  REQUIRE(store.save(job, std::nullopt));
  return job;
}

HistoryEntry entry(const std::string& action) { return HistoryEntry{1, action, std::nullopt, "ok", ""}; }

std::vector<std::string> namesOf(const std::vector<Job>& jobs) {
  std::vector<std::string> names;
  for (const Job& job : jobs) names.push_back(job.name + "@" + std::to_string(job.version));
  return names;
}

Notification owed(const std::string& job, const char* event, TimeMs due, std::optional<TimeMs> deadline = {}) {
  return relinkd::owedNotification(job, event, JobState::kRunning, due, deadline);
}

}  // namespace

TEST_CASE("MemoryJobStore: save is compare-and-set on the version, across connections") {
  MemoryDatabase db;
  MemoryJobStore daemon(db), ctl(db);
  Job job = minimalJob("a");
  REQUIRE(daemon.save(job, entry("created")));
  CHECK(job.version == 1);
  Job ctlCopy = *ctl.find("a");
  ctlCopy.state = JobState::kCancelled;
  REQUIRE(ctl.save(ctlCopy, entry("cancel")));
  CHECK(ctlCopy.version == 2);

  job.state = JobState::kRunning;
  CHECK_FALSE(daemon.save(job, entry("submit")));  // stale: nothing written
  CHECK(job.version == 1);
  CHECK(daemon.find("a")->state == JobState::kCancelled);
  CHECK(daemon.history("a").size() == 2);
  CHECK(daemon.lastHistory("a")->action == "cancel");
  Job duplicate = minimalJob("a");
  CHECK_FALSE(ctl.save(duplicate, std::nullopt));  // version 0 never overwrites
  Job gone = minimalJob("gone");
  gone.version = 4;
  CHECK_FALSE(ctl.save(gone, std::nullopt));  // an update of a row that is not there
}

TEST_CASE("MemoryJobStore: a spec left out is kept, a new job must carry one, specOf reads it") {
  MemoryDatabase db;
  MemoryJobStore store(db);
  Job job = savedJob(store, "a");
  job.specJson.reset();
  job.specLeftOut = true;
  job.siteId = "changed";
  REQUIRE(store.save(job, std::nullopt));
  CHECK(store.specOf("a") == R"({"siteId":"s"})");
  CHECK(store.find("a")->siteId == "changed");
  CHECK_FALSE(store.find("a")->specLeftOut);  // a stored job carries its spec
  job.specLeftOut = false;  // not left out: unset is written as unset
  REQUIRE(store.save(job, std::nullopt));
  CHECK(store.specOf("a") == std::nullopt);
  CHECK_FALSE(store.specOf("missing"));
  Job fresh = minimalJob("b");
  fresh.specLeftOut = true;
  CHECK_THROWS_AS(store.save(fresh, std::nullopt), std::logic_error);
}

TEST_CASE("MemoryJobStore: changedElsewhere returns only other connections' writes, each once") {
  MemoryDatabase db;
  MemoryJobStore mine(db), other(db);
  Job before = savedJob(other, "before");
  CHECK(mine.changedElsewhere().empty());  // the first call only sets the mark
  Job job = savedJob(mine, "a");
  CHECK(mine.changedElsewhere().empty());  // our own write
  Job theirs = savedJob(other, "b");
  REQUIRE(other.save(theirs, std::nullopt));
  REQUIRE(mine.save(job, std::nullopt));
  Job third = savedJob(other, "c");
  CHECK(namesOf(mine.changedElsewhere()) == std::vector<std::string>{"b@2", "c@1"});
  CHECK(mine.changedElsewhere().empty());
  MemoryJobStore reopened(db);  // a restart: a new mark
  CHECK(reopened.changedElsewhere().empty());
}

TEST_CASE("MemoryJobStore: transactions roll back unless committed, savepoints inside") {
  MemoryDatabase db;
  MemoryJobStore store(db), observer(db);
  Job a = minimalJob("a");
  Job b = minimalJob("b");
  SUBCASE("without commit nothing stays") {
    {
      JobStore::Transaction txn(store);
      REQUIRE(store.save(a, entry("created")));
      store.setSiteLimit("s", 5);
      CHECK(store.find("a"));          // visible inside
      CHECK_FALSE(observer.find("a"));  // not outside
    }
    CHECK_FALSE(store.find("a"));
    CHECK(store.siteLimits().empty());
    CHECK(db.commits() == 0);
  }
  SUBCASE("with commit both saves land together") {
    {
      JobStore::Transaction txn(store);
      REQUIRE(store.save(a, std::nullopt));
      REQUIRE(store.save(b, std::nullopt));
      txn.commit();
    }
    CHECK(namesOf(observer.all()) == std::vector<std::string>{"a@1", "b@1"});
  }
  SUBCASE("an inner rollback undoes only its own part") {
    {
      JobStore::Transaction outer(store);
      REQUIRE(store.save(a, std::nullopt));
      {
        JobStore::Transaction inner(store);
        REQUIRE(store.save(b, std::nullopt));
      }
      outer.commit();
    }
    CHECK(observer.find("a"));
    CHECK_FALSE(observer.find("b"));
  }
}

TEST_CASE("MemoryJobStore: a connection in a transaction holds the write lock") {
  MemoryDatabase db;
  MemoryJobStore engine(db), ctl(db);
  Job a = savedJob(engine, "a");
  {
    JobStore::Transaction lock(ctl);
    Job changed = a;
    auto cause = [&](const std::function<void()>& write) {
      try {
        write();
      } catch (const StoreError& e) {
        return e.cause();
      }
      FAIL("no StoreError");
      return StoreError::Cause::kOther;
    };
    CHECK(cause([&] { engine.save(changed, std::nullopt); }) == StoreError::Cause::kLocked);
    CHECK(cause([&] { JobStore::Transaction txn(engine); }) == StoreError::Cause::kLocked);
    CHECK(cause([&] { engine.setSiteLimit("s", 1); }) == StoreError::Cause::kLocked);
    CHECK(changed.version == 1);
    CHECK(engine.find("a")->version == 1);  // reads go on
  }
  CHECK(engine.save(a, std::nullopt));  // rolled back: the lock is gone
}

TEST_CASE("MemoryJobStore: injected failures") {
  MemoryDatabase db;
  MemoryJobStore store(db);
  Job a = savedJob(store, "a");
  Job b = savedJob(store, "b");
  SUBCASE("writes fail with the cause, and nothing is written") {
    db.failWrites(StoreError::Cause::kFull);
    CHECK_THROWS_AS(store.save(a, entry("x")), StoreError);
    CHECK_THROWS_AS(store.addNotification(owed("a", relinkd::kEventFinal, 1)), StoreError);
    CHECK(store.find("a")->version == 1);
    CHECK(store.history("a").empty());
    db.failWrites(std::nullopt);
    CHECK(store.save(a, entry("x")));
  }
  SUBCASE("forEachJob visits the rows before a read failure") {
    db.failReads(StoreError::Cause::kOther, 1);
    std::vector<std::string> seen;
    CHECK_THROWS_AS(store.forEachJob([&](Job&& job) { seen.push_back(job.name); }), StoreError);
    CHECK(seen == std::vector<std::string>{"a"});
    CHECK_THROWS_AS(store.find("a"), StoreError);
  }
}

TEST_CASE("MemoryJobStore: remove is compare-and-set and takes the history and notifications along") {
  MemoryDatabase db;
  MemoryJobStore store(db);
  Job a = minimalJob("a");
  REQUIRE(store.save(a, entry("created")));
  store.addNotification(owed("a", relinkd::kEventFinal, 10));
  Job stale = a;
  REQUIRE(store.save(a, std::nullopt));
  CHECK_FALSE(store.remove(stale));
  CHECK(store.remove(a));
  CHECK_FALSE(store.find("a"));
  CHECK(store.history("a").empty());
  CHECK(store.notificationsOf("a").empty());
  CHECK_THROWS_AS(store.addNotification(owed("a", relinkd::kEventFinal, 10)), StoreError);  // no such job
}

TEST_CASE("MemoryJobStore: notifications are owed in order, updated, summarised; site limits only grow") {
  MemoryDatabase db;
  MemoryJobStore store(db);
  Job a = savedJob(store, "a");
  Job b = savedJob(store, "b");
  store.addNotification(owed("a", relinkd::kEventFinal, 30));
  store.addNotification(owed("b", relinkd::kEventDeadlineNear, 20, 5000));
  store.addNotification(owed("b", relinkd::kEventDeadlineNear, 20, 7000));
  auto next = store.nextOwedNotification();
  REQUIRE(next);
  CHECK(next->job == "b");  // due first; of equal times, the older
  CHECK(next->deadline == 5000);
  CHECK(next->id == 2);
  next->sentAt = 21;
  next->attempts = 1;
  store.updateNotification(*next);
  CHECK(store.nextOwedNotification()->deadline == 7000);
  CHECK(store.deadlineWarnings() == std::map<std::string, TimeMs>{{"b", 7000}});
  const auto summaries = store.notificationSummaries();
  CHECK(summaries.at("b").lastSentAt == 21);
  CHECK(summaries.at("b").owed == 1);
  CHECK_FALSE(summaries.at("a").lastSentAt);
  CHECK(summaries.at("a").owed == 1);
  CHECK(store.notificationsOf("b").at(0).attempts == 1);

  store.setSiteLimit("s-1", 150);
  store.setSiteLimit("s-1", 100);
  store.setSiteLimit("s-2", 200);
  CHECK(store.siteLimits() == std::map<std::string, TimeMs>{{"s-1", 150}, {"s-2", 200}});
}

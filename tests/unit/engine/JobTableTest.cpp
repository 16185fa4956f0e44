// The scheduler's job table on its own: what put/erase do to the job, its
// runtime, the counts, the plan groups and the two indexes a step reads
// (due: monotonic request times; deadlines: the warning, then the expiry).
#include <doctest/doctest.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include "JobTable.h"

using namespace relinkd;

namespace {

constexpr TimeMs kWall = 1764000000000;
constexpr MonoMs kMono = 5000000;
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kHour = 3600 * kSecond;

Job jobNamed(const std::string& name, JobState state = JobState::kQueued) {
  Job job;
  job.name = name;
  job.state = state;
  job.specJson = R"({"siteId":"s"})";
  job.version = 1;
  return job;
}

Job dueIn(const std::string& name, std::int64_t in, JobState state = JobState::kQueued) {
  Job job = jobNamed(name, state);
  job.nextAttemptAt = kWall + in;
  return job;
}

template <typename Key>
std::vector<std::pair<Key, std::string>> entries(const JobTable::Index<Key>& index) {
  std::vector<std::pair<Key, std::string>> out;
  for (const auto& [key, name] : index) out.emplace_back(key, *name);
  return out;
}

using Due = std::vector<std::pair<MonoMs, std::string>>;
using Deadlines = std::vector<std::pair<TimeMs, std::string>>;

}  // namespace

TEST_CASE("JobTable: put keeps a copy without its spec, find and snapshot see it, counts follow") {
  JobTable table;
  table.put(jobNamed("a"), kWall, kMono);
  const Job* a = table.find("a");
  REQUIRE(a);
  CHECK(a->name == "a");
  CHECK_FALSE(a->specJson);  // the store has it
  CHECK(a->specLeftOut);
  CHECK(table.snapshot("a").get() == a);
  CHECK(table.find("b") == nullptr);
  CHECK(table.snapshot("b").get() == nullptr);
  CHECK(table.count(JobState::kQueued) == 1);

  const JobTable::JobPtr before = table.snapshot("a");
  table.put(jobNamed("a", JobState::kRunning), kWall, kMono);  // replaces the snapshot
  CHECK(before->state == JobState::kQueued);  // a view holding the old one keeps it
  CHECK(table.find("a")->state == JobState::kRunning);
  CHECK(table.count(JobState::kQueued) == 0);
  CHECK(table.count(JobState::kRunning) == 1);
  CHECK(table.size() == 1);
  Job invalid = jobNamed("bad", JobState::kInvalid);
  invalid.specJson.reset();
  table.put(invalid, kWall, kMono);
  CHECK(table.find("bad")->specLeftOut == false);  // nothing was left out
}

TEST_CASE("JobTable: the due index, in monotonic time, by time then name") {
  JobTable table;
  table.put(dueIn("b", 30 * kSecond), kWall, kMono);
  table.put(dueIn("a", 30 * kSecond), kWall, kMono);
  table.put(dueIn("late", -10 * kSecond), kWall, kMono);  // overdue: due now, not in the past
  table.put(dueIn("done", 5 * kSecond, JobState::kSucceeded), kWall, kMono);
  table.put(dueIn("paused", 5 * kSecond, JobState::kPaused), kWall, kMono);
  table.put(jobNamed("never"), kWall, kMono);  // no next request
  CHECK(entries(table.due()) == Due{{kMono, "late"}, {kMono + 30 * kSecond, "a"}, {kMono + 30 * kSecond, "b"}});

  SUBCASE("a request in flight takes the job out, its answer puts it back") {
    table.setInFlight("a", true);
    CHECK(table.runtime("a").inFlight);
    CHECK(entries(table.due()) == Due{{kMono, "late"}, {kMono + 30 * kSecond, "b"}});
    table.setInFlight("a", false);
    CHECK(entries(table.due()).size() == 3);
  }
  SUBCASE("setDue moves a job or drops it") {
    table.setDue("b", kMono + kSecond);
    table.setDue("late", std::nullopt);
    CHECK(entries(table.due()) == Due{{kMono + kSecond, "b"}, {kMono + 30 * kSecond, "a"}});
    table.setInFlight("b", true);
    table.setDue("b", kMono + 2 * kSecond);  // moved while out: indexed once it is back
    CHECK(entries(table.due()) == Due{{kMono + 30 * kSecond, "a"}});
    table.setInFlight("b", false);
    CHECK(entries(table.due()).front() == std::make_pair(kMono + 2 * kSecond, std::string("b")));
  }
  SUBCASE("a put re-reads the time, against the clocks of then") {
    table.put(dueIn("a", 60 * kSecond), kWall + 10 * kSecond, kMono + 10 * kSecond);
    CHECK(entries(table.due()).back() == std::make_pair(kMono + 10 * kSecond + 50 * kSecond, std::string("a")));
    table.put(dueIn("a", 60 * kSecond, JobState::kFailed), kWall, kMono);
    CHECK(entries(table.due()).size() == 2);  // finished: due no more
  }
}

TEST_CASE("JobTable: the deadline index holds the warning time until warned, then the deadline") {
  JobTable table;
  Job a = jobNamed("a", JobState::kRunning);
  a.deadline = kWall + 48 * kHour;
  Job paused = jobNamed("paused", JobState::kPaused);
  paused.deadline = kWall + 30 * kHour;
  Job done = jobNamed("done", JobState::kSucceeded);
  done.deadline = kWall;
  table.put(a, kWall, kMono);
  table.put(paused, kWall, kMono);  // a paused job can still expire
  table.put(done, kWall, kMono);
  table.put(jobNamed("open"), kWall, kMono);  // no deadline
  CHECK(entries(table.deadlines()) == Deadlines{{kWall + 6 * kHour, "paused"}, {kWall + 24 * kHour, "a"}});

  table.markWarned("a");
  CHECK(table.runtime("a").warnedNearDeadline);
  CHECK(entries(table.deadlines()) == Deadlines{{kWall + 6 * kHour, "paused"}, {kWall + 48 * kHour, "a"}});
  table.put(a, kWall, kMono);  // a change keeps the runtime, and so the key
  CHECK(entries(table.deadlines()).back() == std::make_pair(kWall + 48 * kHour, std::string("a")));
  table.markWarned("a", false);
  CHECK(entries(table.deadlines()).back() == std::make_pair(kWall + 24 * kHour, std::string("a")));
  table.markWarned("a");
  table.resetRuntime("a");  // a new file: warned afresh
  CHECK_FALSE(table.runtime("a").warnedNearDeadline);
  CHECK(entries(table.deadlines()).back() == std::make_pair(kWall + 24 * kHour, std::string("a")));
  a.state = JobState::kExpired;
  table.put(a, kWall, kMono);
  CHECK(entries(table.deadlines()) == Deadlines{{kWall + 6 * kHour, "paused"}});
}

TEST_CASE("JobTable: runtime is kept across puts, reset keeps only the request in flight") {
  JobTable table;
  table.put(jobNamed("a"), kWall, kMono);
  table.runtime("a").pollFailures = 3;
  table.runtime("a").discoverFailures = 2;
  table.setInFlight("a", true);
  table.put(jobNamed("a", JobState::kRunning), kWall, kMono);
  CHECK(table.runtime("a").pollFailures == 3);
  table.resetRuntime("a");
  CHECK(table.runtime("a").pollFailures == 0);
  CHECK(table.runtime("a").discoverFailures == 0);
  CHECK(table.runtime("a").inFlight);  // its answer is still to come
  CHECK_THROWS_AS(table.runtime("missing"), std::out_of_range);
  CHECK_THROWS_AS(table.setDue("missing", kMono), std::out_of_range);
}

TEST_CASE("JobTable: erase forgets the job everywhere, and changes are taken once") {
  JobTable table;
  Job a = dueIn("a", kSecond);
  a.deadline = kWall + 48 * kHour;
  a.plan = "acme";
  table.put(a, kWall, kMono);
  table.put(dueIn("b", kSecond), kWall, kMono);
  CHECK(table.takeChanged() == std::vector<std::string>{"a", "b"});
  CHECK(table.takeChanged().empty());
  table.put(dueIn("b", 2 * kSecond), kWall, kMono);
  table.put(dueIn("b", 3 * kSecond), kWall, kMono);
  CHECK(table.takeChanged() == std::vector<std::string>{"b"});  // once, however often it changed

  table.erase("a");
  table.erase("never-there");
  CHECK(table.find("a") == nullptr);
  CHECK(table.size() == 1);
  CHECK(table.count(JobState::kQueued) == 1);
  CHECK(entries(table.due()) == Due{{kMono + 3 * kSecond, "b"}});
  CHECK(table.deadlines().empty());
  CHECK(table.planJobs("acme").empty());
  CHECK(table.plans().empty());
  CHECK(table.takeChanged() == std::vector<std::string>{"a"});  // published as gone
  CHECK(table.names() == std::vector<std::string>{"b"});
}

TEST_CASE("JobTable: planJobs groups a plan's jobs and follows a job to another plan") {
  JobTable table;
  for (const char* name : {"acme.eu.us", "acme.us.eu", "acme"}) {
    Job job = jobNamed(name);
    job.plan = "acme";
    table.put(job, kWall, kMono);
  }
  Job other = jobNamed("beta.eu.us");
  other.plan = "beta";
  table.put(other, kWall, kMono);
  table.put(jobNamed("plain"), kWall, kMono);
  CHECK(table.planJobs("acme") == std::set<std::string>{"acme", "acme.eu.us", "acme.us.eu"});
  CHECK(table.planJobs("beta") == std::set<std::string>{"beta.eu.us"});
  CHECK(table.planJobs("").empty());  // a job of its own file is in no plan
  CHECK(table.plans().size() == 2);

  other.plan = "";  // the job file took over the name
  table.put(other, kWall, kMono);
  CHECK(table.planJobs("beta").empty());
  CHECK(table.plans().count("beta") == 0);
  int visited = 0;
  table.forEach([&](const Job&) { ++visited; });
  CHECK(visited == 5);
}

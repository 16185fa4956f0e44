// PlanRecords: what each plan's jobs were made from, rebuilt from the jobs.
#include <doctest/doctest.h>

#include "PlanRecords.h"

namespace relinkd {
namespace {

Job planJob(const std::string& name, const std::string& plan, std::optional<std::string> hash,
            std::optional<std::string> stamp) {
  Job job;
  job.name = name;
  job.plan = plan;
  job.fileHash = std::move(hash);
  job.fileStamp = std::move(stamp);
  job.state = JobState::kRunning;
  return job;
}

ListedFile listed(const std::string& plan, const std::string& stamp) { return ListedFile{plan + ".plan.json", stamp}; }

}  // namespace

TEST_CASE("PlanRecords: rebuilt from jobs that agree, a plan is unchanged while its listed stamp is theirs") {
  JobTable table;
  table.put(planJob("a.x.y", "a", "h1", "s1"), 0, 0);
  table.put(planJob("a.y.x", "a", "h1", "s1"), 0, 0);
  table.put(planJob("a.z.x", "a", std::nullopt, std::nullopt), 0, 0);  // no longer derived: not counted
  PlanRecords records;
  records.rebuild(table);
  REQUIRE(records.find("a"));
  CHECK(records.find("a")->hash == "h1");
  CHECK(records.find("a")->stamp == "s1");
  CHECK(records.unchanged("a", listed("a", "s1")));
  CHECK_FALSE(records.unchanged("a", listed("a", "s2")));
  CHECK_FALSE(records.unchanged("a", listed("a", "")));  // a stamp not to be trusted: read it
  CHECK_FALSE(records.unchanged("b", listed("b", "s1")));
  CHECK_FALSE(records.find("b"));
}

TEST_CASE("PlanRecords: jobs that disagree, or a stand-in, make the plan read again") {
  JobTable table;
  table.put(planJob("a.x.y", "a", "h1", "s1"), 0, 0);
  table.put(planJob("a.y.x", "a", "h2", "s2"), 0, 0);  // a change cut short
  table.put(planJob("b.x.y", "b", "h1", "s1"), 0, 0);
  table.put(planJob("b", "b", "h3", "s3"), 0, 0);  // b is invalid now
  PlanRecords records;
  records.rebuild(table);
  for (const char* plan : {"a", "b"}) {
    CAPTURE(plan);
    REQUIRE(records.find(plan));
    CHECK(records.find(plan)->hash.empty());
    CHECK_FALSE(records.unchanged(plan, listed(plan, "s1")));
  }
}

TEST_CASE("PlanRecords: made, read again, judged again, behind and gone") {
  PlanRecords records;
  records.made("a", "h1", "s1");
  CHECK(records.unchanged("a", listed("a", "s1")));
  records.setBehind("a", "a.x.y", "{spec}");
  records.readAgain("a");  // keeps what is behind
  CHECK_FALSE(records.unchanged("a", listed("a", "s1")));
  CHECK(records.takeBehind("a", "a.x.y") == std::optional<std::string>("{spec}"));
  CHECK_FALSE(records.takeBehind("a", "a.x.y"));  // taken once
  records.setBehind("a", "a.x.y", "{spec}");
  records.made("a", "h2", "s2");  // a new change: judged afresh, nothing behind
  CHECK_FALSE(records.takeBehind("a", "a.x.y"));
  records.judgeAgain("a");
  CHECK(records.find("a")->hash.empty());
  records.made("b", "h", "s");
  const ListedFile b = listed("b", "s");
  CHECK(records.missingFrom({{"b", &b}}) == std::vector<std::string>{"a"});
  records.erase("a");
  CHECK(records.missingFrom({{"b", &b}}).empty());
  CHECK_FALSE(records.takeBehind("a", "a.x.y"));
}

}  // namespace relinkd

// A job file whose name a plan already derives gives way to the plan: the
// one rule the scheduler and relinkctl share (PlanNames.h).
#include <doctest/doctest.h>

#include "relinkd/domain/PlanNames.h"

namespace relinkd {
namespace {

constexpr std::int64_t kWindowMs = 14LL * 24 * 3600 * 1000;

PlanSpec planOf(const std::string& sites) {
  const PlanResult result = parsePlan(R"({"sites": )" + sites +
                                          R"(, "migratedFrom": "https://jira.acme.example", "migratedAt": "2026-11-20T18:00:00Z"})",
                                      "acme", kWindowMs, parseTime("2026-11-21T00:00:00Z").value());
  REQUIRE_MESSAGE(result.ok(), result.message());
  return *result.plan;
}

TEST_CASE("PlanNames: only a live job of a plan holds its name against a job file") {
  Job job;
  job.name = "acme.acme-eu.acme-us";
  SUBCASE("an ordinary job does not") {
    job.fileHash = "abc";
    CHECK_FALSE(isHeldByPlan(job));
  }
  SUBCASE("a plan's job whose plan file is gone does not") {
    job.plan = "acme";
    CHECK_FALSE(isHeldByPlan(job));
  }
  SUBCASE("a plan's job of a plan file in place does") {
    job.plan = "acme";
    job.fileHash = "abc";
    CHECK(isHeldByPlan(job));
  }
}

TEST_CASE("PlanNames: the problem names the plan, its file, and asks for a rename") {
  CHECK(heldByPlanProblem("acme.eu.us", "acme", "/jobs/acme.plan.json") ==
        "the name acme.eu.us is already a job of the plan acme (/jobs/acme.plan.json); relinkd ignores this file: "
        "rename it");
}

TEST_CASE("PlanNames: DerivedNames knows every name a plan derives, and the first plan keeps a name") {
  DerivedNames names;
  CHECK(names.empty());
  names.addPlan("acme", "/jobs/acme.plan.json",
                planOf(R"(["https://acme-eu.atlassian.net", "https://acme-us.atlassian.net"])"));
  names.addPlan("acme", "/elsewhere/acme.plan.json",
                planOf(R"(["https://acme-eu.atlassian.net", "https://acme-apac.atlassian.net"])"));
  const auto owner = names.ownerOf("acme.acme-eu.acme-us");
  REQUIRE(owner);
  CHECK(owner->plan == "acme");
  CHECK(owner->planFile == "/jobs/acme.plan.json");
  CHECK(names.ownerOf("acme.acme-us.acme-eu"));
  CHECK(names.ownerOf("acme.acme-eu.acme-apac")->planFile == "/elsewhere/acme.plan.json");
  CHECK_FALSE(names.ownerOf("acme.acme-eu.acme-eu"));
  CHECK_FALSE(names.ownerOf("acme"));
}

}  // namespace
}  // namespace relinkd

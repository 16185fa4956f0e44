// Plan site labels through the Engine: a site's label never depends on the
// other sites, so adding a site renames and restarts none of the others.
#include "EngineHarness.h"
#include "PlanHarness.h"

using namespace enginetest;

TEST_CASE("Plans: adding a site whose host shares a first label leaves the existing jobs' names and states alone") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs}));
  acceptAll(h);
  const auto before = planJobs(h, "acme");
  REQUIRE(namesOf(before) == std::set<std::string>{"acme.acme-eu.acme-us", "acme.acme-us.acme-eu"});
  const std::string euCom = "https://acme-eu.example.com";

  SUBCASE("without a label: the plan is invalid and asks for one; no job is cancelled or renamed") {
    writePlan(h, "acme", planJson({kEu, kUs, euCom}));
    const Job standIn = h.job("acme");
    CHECK(standIn.state == JobState::kInvalid);
    CHECK(standIn.lastError->find(kEu) != std::string::npos);
    CHECK(standIn.lastError->find(euCom) != std::string::npos);
    CHECK(standIn.lastError->find("label") != std::string::npos);
    CHECK(h.executor.sent.empty());
    auto after = planJobs(h, "acme");
    after.erase("acme");
    CHECK(namesOf(after) == namesOf(before));
    for (const auto& [name, job] : before) CHECK(after.at(name).state == JobState::kRunning);
  }
  SUBCASE("with a label: only the new site's jobs are created; the others keep their remote jobs") {
    std::string json = planJson({kEu, kUs});
    json.replace(json.find("],\"siteIds\""), 1, ",{\"url\":\"" + euCom + "\",\"label\":\"eu-com\"}]");
    writePlan(h, "acme", json);
    CHECK_FALSE(h.store->find("acme"));
    const auto after = planJobs(h, "acme");
    CHECK(namesOf(after) == std::set<std::string>{"acme.acme-eu.acme-us", "acme.acme-us.acme-eu",
                                                  "acme.acme-eu.eu-com", "acme.acme-us.eu-com",
                                                  "acme.eu-com.acme-eu", "acme.eu-com.acme-us"});
    for (const auto& [name, job] : before) {
      CHECK(after.at(name).state == JobState::kRunning);
      CHECK(after.at(name).remoteJobId == job.remoteJobId);
      CHECK_FALSE(hasAction(h.store->history(name), "plan-changed"));
    }
    // Only the four new jobs are submitted (acme-eu.example.com's id is discovered first).
    std::set<std::string> asked;
    for (const Dispatch& d : h.executor.sent) asked.insert(d.jobName);
    for (const std::string& name : asked) CHECK(name.find("eu-com") != std::string::npos);
  }
}

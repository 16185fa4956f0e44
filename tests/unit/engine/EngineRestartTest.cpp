// What a restart says: the history entry (what `relinkctl show` prints) and
// the log line of a job restarted by a changed job file or plan name the
// fields that changed, and a job restarted while its remote job ran says
// that the remote job keeps running at Atlassian (the API cannot cancel it).
#include <string>
#include <vector>

#include "EngineHarness.h"
#include "LogCapture.h"
#include "PlanHarness.h"

using namespace enginetest;

namespace {

// The detail of the last history entry with this action.
std::string lastDetail(Harness& h, const std::string& name, const std::string& action) {
  std::string detail;
  for (const HistoryEntry& entry : h.store->history(name))
    if (entry.action == action) detail = entry.detail;
  return detail;
}

std::string withDestination(std::string json, const std::string& destination) {
  const std::string old = "https://acme-us.atlassian.net";
  return json.replace(json.find(old), old.size(), destination);
}

const std::string kStillRunning =
    " keeps running at Atlassian (the API cannot cancel it) and may still update links as the old content "
    "asked; relinkd no longer polls it and submits the new content as a new remote job";

}  // namespace

TEST_CASE("Restart messages: a changed job file names the fields that changed") {
  Harness h;
  h.start();
  LogCapture log;
  h.writeJob("eu", jobJson());
  const std::string changed = withDestination(jobJson("site-a", R"(,"createBackup":true)"), "https://acme-jp.atlassian.net");
  const std::string file = h.jobsDir + "/eu.json";

  SUBCASE("a queued job: the fields, and nothing about a remote job") {
    h.writeJob("eu", changed);
    CHECK(lastDetail(h, "eu", "file-changed") == "restarted: destinationURL and createBackup changed in " + file);
    // queued before and after: logged all the same, for the operator who made the change
    CHECK(log.with("job eu: queued -> queued: restarted: destinationURL and createBackup changed in " + file).size() ==
          1);
  }
  SUBCASE("a running job: its old remote job keeps running at Atlassian") {
    h.submitOk("u-1");
    h.writeJob("eu", changed);
    const std::string expected =
        "restarted: destinationURL and createBackup changed in " + file + "; its old remote job u-1" + kStillRunning;
    CHECK(lastDetail(h, "eu", "file-changed") == expected);
    CHECK(log.with("job eu: running -> queued: " + expected).size() == 1);
    CHECK_FALSE(h.job("eu").remoteJobId);
  }
  SUBCASE("a single field") {
    h.submitOk("u-1");
    h.writeJob("eu", jobJson("site-b"));
    CHECK(lastDetail(h, "eu", "file-changed").rfind("restarted: siteId changed in " + file + "; its old remote job u-1", 0) ==
          0);
  }
  SUBCASE("a failed job written again with the same fields says so") {
    h.submitOk("u-1");
    h.advance(30 * kSecond);
    h.answer(h.executor.take(), 404, R"({"message":"no such job"})");
    REQUIRE(h.job("eu").state == JobState::kFailed);
    h.writeJob("eu", jobJson() + " ");
    CHECK(lastDetail(h, "eu", "file-changed") == "restarted: " + file + " was written again; no field changed");
  }
  SUBCASE("a job that was invalid: there are no old fields to compare") {
    h.writeJob("eu", "{");
    h.writeJob("eu", jobJson());
    CHECK(lastDetail(h, "eu", "file-changed") == "restarted with the new content of " + file);
  }
}

TEST_CASE("Restart messages: a changed plan names the plan's fields that changed") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  const std::string file = h.jobsDir + "/acme.plan.json";
  const std::string pair = " (" + kEu + " -> " + kUs + ")";
  LogCapture log;

  SUBCASE("a shared field, on running jobs: each says its remote job keeps running") {
    acceptAll(h);
    writePlan(h, "acme", planJson({kEu, kUs, kApac}, {}, ",\"createBackup\":true"));
    const std::string expected = "restarted: createBackup changed in plan acme (" + file + ")" + pair +
                                 "; its old remote job u-acme.acme-eu.acme-us" + kStillRunning;
    CHECK(lastDetail(h, "acme.acme-eu.acme-us", "plan-changed") == expected);
    CHECK(log.with("job acme.acme-eu.acme-us: running -> queued: " + expected).size() == 1);
    CHECK(log.with(": running -> queued: restarted: createBackup changed in plan acme").size() == 6);
  }
  SUBCASE("a site id: named as the plan names it, siteIds") {
    std::string changed = planJson({kEu, kUs, kApac});
    changed.replace(changed.find("id-acme-eu"), 10, "id-acme-e2");
    writePlan(h, "acme", changed);
    CHECK(lastDetail(h, "acme.acme-eu.acme-us", "plan-changed") ==
          "restarted: siteIds changed in plan acme (" + file + ")" + pair);
    CHECK(lastDetail(h, "acme.acme-us.acme-eu", "plan-changed").empty());  // its site id is the same
  }
  SUBCASE("two fields at once, in the plan's names") {
    std::string changed = planJson({kEu, kUs, kApac}, {}, ",\"createBackup\":true");
    changed.replace(changed.find("jira.acme"), 9, "jira.acmf");
    writePlan(h, "acme", changed);
    CHECK(lastDetail(h, "acme.acme-eu.acme-us", "plan-changed") ==
          "restarted: migratedFrom and createBackup changed in plan acme (" + file + ")" + pair);
  }
}

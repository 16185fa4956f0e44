// A plan edit touches only the jobs whose request it alters, failed and
// cancelled ones included: one plan file holds many jobs, so an edit made
// for one site (adding it, say) must not undo an operator's `relinkctl
// cancel` of another pair, nor re-arm a failed one (that is what
// `relinkctl retry` is for). The same content written again still starts
// the cancelled jobs (EngineRewrittenTest.cpp).
#include <map>
#include <set>
#include <string>

#include "EngineHarness.h"
#include "PlanHarness.h"

using namespace enginetest;

namespace {

const std::string kFailed = "acme.acme-eu.acme-us";
const std::string kCancelled = "acme.acme-us.acme-eu";

// A plan of 3 sites: kFailed failed (its submission answered 400),
// kCancelled cancelled by relinkctl, the 4 others running.
void threeSitesOneFailedOneCancelled(Harness& h) {
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  while (!h.executor.sent.empty()) {
    Dispatch d = h.executor.take();
    REQUIRE(d.kind == RequestKind::kSubmit);
    if (d.jobName == kFailed) h.answer(d, 400, R"({"message":"the app link is missing"})");
    else h.answer(d, 200, "{\"uuid\":\"u-" + d.jobName + "\"}");
  }
  REQUIRE(h.byOperator(kCancelled, applyCancel).allowed);
  h.advance(h.settings.storeCheckIntervalMs);
  REQUIRE(h.job(kFailed).state == JobState::kFailed);
  REQUIRE(h.job(kCancelled).state == JobState::kCancelled);
}

std::map<std::string, std::size_t> historySizes(Harness& h, const std::map<std::string, Job>& jobs) {
  std::map<std::string, std::size_t> sizes;
  for (const auto& [name, job] : jobs) sizes[name] = h.store->history(name).size();
  return sizes;
}

std::set<std::string> submissions(Harness& h) {
  std::set<std::string> names;
  for (const Dispatch& d : h.executor.sent)
    if (d.kind == RequestKind::kSubmit) names.insert(d.jobName);
  return names;
}

}  // namespace

TEST_CASE("Plan edits: a site added leaves the plan's failed and cancelled jobs as they were") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  threeSitesOneFailedOneCancelled(h);
  const auto before = planJobs(h, "acme");
  const auto historyBefore = historySizes(h, before);

  writePlan(h, "acme", planJson({kEu, kUs, kApac, kLatam}));
  const std::set<std::string> created{"acme.acme-eu.acme-latam",   "acme.acme-us.acme-latam",
                                      "acme.acme-apac.acme-latam", "acme.acme-latam.acme-eu",
                                      "acme.acme-latam.acme-us",   "acme.acme-latam.acme-apac"};
  CHECK(submissions(h) == created);
  const auto after = planJobs(h, "acme");
  CHECK(after.size() == 12);
  for (const std::string& name : created) CHECK(after.at(name).state == JobState::kQueued);
  for (const auto& [nameBound, job] : before) {
    const auto& name = nameBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(name);
    CHECK(after.at(name).state == job.state);
    CHECK(after.at(name).remoteJobId == job.remoteJobId);
    CHECK(after.at(name).lastError == job.lastError);
    CHECK(h.store->history(name).size() == historyBefore.at(name));  // no restart, not even a note
  }
  CHECK(after.at(kFailed).state == JobState::kFailed);
  CHECK(after.at(kCancelled).state == JobState::kCancelled);

  SUBCASE("relinkctl retry still re-arms the failed one") {
    REQUIRE(h.byOperator(kFailed, applyRetry).allowed);
    h.advance(h.settings.storeCheckIntervalMs);
    CHECK(submissions(h).count(kFailed) == 1);
  }
  SUBCASE("the edited plan written again with the same content starts the cancelled one, not the failed one") {
    h.deleteFile("acme.plan.json");
    writePlan(h, "acme", planJson({kEu, kUs, kApac, kLatam}));
    CHECK(h.job(kCancelled).state == JobState::kQueued);
    CHECK(hasAction(h.store->history(kCancelled), "file-recreated"));
    CHECK(h.job(kFailed).state == JobState::kFailed);
  }
}

TEST_CASE("Plan edits: only a change of a job's request restarts a failed or cancelled job") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  threeSitesOneFailedOneCancelled(h);
  const auto before = planJobs(h, "acme");
  const auto historyBefore = historySizes(h, before);
  const std::string file = h.jobsDir + "/acme.plan.json";

  SUBCASE("written again with the same content: the failed one stays failed") {
    h.deleteFile("acme.plan.json");
    writePlan(h, "acme", planJson({kEu, kUs, kApac}));
    CHECK(submissions(h) == std::set<std::string>{kCancelled});
    CHECK(h.job(kFailed).state == JobState::kFailed);
    CHECK(h.store->history(kFailed).size() == historyBefore.at(kFailed));
  }
  SUBCASE("reformatted: nothing restarts") {
    writePlan(h, "acme", " " + planJson({kEu, kUs, kApac}) + "\n");
    CHECK(h.executor.sent.empty());
    for (const auto& [nameBound, job] : planJobs(h, "acme")) {
      const auto& name = nameBound;  // CAPTURE cannot take a structured binding (C++17)
      CAPTURE(name);
      CHECK(job.state == before.at(name).state);
      CHECK(h.store->history(name).size() == historyBefore.at(name));
    }
  }
  SUBCASE("a new migratedAt moves their windows; they stay failed and cancelled") {
    std::string moved = planJson({kEu, kUs, kApac});
    moved.replace(moved.find("2025-11-23T16"), 13, "2025-11-23T17");
    writePlan(h, "acme", moved);
    CHECK(h.executor.sent.empty());
    CHECK(h.job(kFailed).state == JobState::kFailed);
    CHECK(h.job(kFailed).lastError == before.at(kFailed).lastError);
    CHECK(h.job(kCancelled).state == JobState::kCancelled);
    CHECK(hasAction(h.store->history(kFailed), "window-moved"));
    CHECK(hasAction(h.store->history(kCancelled), "window-moved"));
    CHECK(h.job(kFailed).deadline != before.at(kFailed).deadline);
  }
  SUBCASE("a new migratedFrom alters every request: all six restart, these two too") {
    std::string changed = planJson({kEu, kUs, kApac});
    changed.replace(changed.find("jira.acme"), 9, "jira.acmf");
    writePlan(h, "acme", changed);
    CHECK(submissions(h).size() == 6);
    for (const std::string& name : {kFailed, kCancelled}) {
      CAPTURE(name);
      CHECK(h.job(name).state == JobState::kQueued);
      std::string detail;
      for (const HistoryEntry& entry : h.store->history(name))
        if (entry.action == "plan-changed") detail = entry.detail;
      CHECK(detail.rfind("restarted: migratedFrom changed in plan acme (" + file + ")", 0) == 0);
    }
  }
}

// The usual case: relinkd reads an edit at once, while the plan's stamp is
// too fresh to trust. Its jobs learn the stamp once it settles, so that the
// plan written again later still starts the cancelled one.
TEST_CASE("Plan edits: an edit read while its stamp was too fresh still lets a rewrite start the cancelled job") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  threeSitesOneFailedOneCancelled(h);
  const std::string json = planJson({kEu, kUs, kApac, kLatam});
  h.source->write("acme.plan.json", json, false);
  h.engine->fileChanged("acme.plan.json");
  h.engine->step();
  CHECK(submissions(h).size() == 6);
  acceptAll(h);
  h.source->settle("acme.plan.json");
  h.advance(h.settings.fileRetryMs);  // read again once settled
  CHECK(h.job(kCancelled).state == JobState::kCancelled);
  CHECK(h.job(kFailed).state == JobState::kFailed);

  h.deleteFile("acme.plan.json");
  writePlan(h, "acme", json);
  CHECK(h.job(kCancelled).state == JobState::kQueued);
  CHECK(hasAction(h.store->history(kCancelled), "file-recreated"));
  CHECK(h.job(kFailed).state == JobState::kFailed);
  CHECK(submissions(h) == std::set<std::string>{kCancelled});
}

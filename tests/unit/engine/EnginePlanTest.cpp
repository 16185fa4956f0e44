// Plan files through the Engine: the jobs a plan derives, and every change
// to the plan applied to that set (add, remove, change, unchanged, removed,
// invalid, conflicting, offline), plus one discovery per site.
#include <algorithm>
#include <set>

#include "EngineHarness.h"
#include "PlanHarness.h"

using namespace enginetest;

namespace {

const std::set<std::string> kThreeSiteJobs = {
    "acme.acme-eu.acme-us",   "acme.acme-eu.acme-apac", "acme.acme-us.acme-eu",
    "acme.acme-us.acme-apac", "acme.acme-apac.acme-eu", "acme.acme-apac.acme-us"};

}  // namespace

TEST_CASE("Plans: a three-site plan makes six jobs, each for one ordered pair of sites") {
  Harness h;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  const auto jobs = planJobs(h, "acme");
  CHECK(namesOf(jobs) == kThreeSiteJobs);
  const Job& usToApac = jobs.at("acme.acme-us.acme-apac");
  CHECK(usToApac.state == JobState::kQueued);
  CHECK(usToApac.file == h.jobsDir + "/acme.plan.json");
  CHECK(usToApac.siteId == "id-acme-us");
  CHECK(h.executor.sent.size() == 4);  // concurrency
  std::map<std::string, Dispatch> sent;
  for (Dispatch& d : h.executor.sent) sent.emplace(d.jobName, d);
  for (const auto& [name, d] : sent) {
    CHECK(d.kind == RequestKind::kSubmit);
    const Job& job = jobs.at(name);
    CHECK(d.request.url == "https://api.example/links/v1/" + job.siteId + "/jobs/cma");
    CHECK(d.request.body.find("\"recreateAsRemote\":true") != std::string::npos);
  }
  CHECK(sent.count("acme.acme-eu.acme-us"));
  CHECK(sent.at("acme.acme-eu.acme-us").request.body.find("\"productURL\":\"" + kEu + "\",\"destinationURL\":\"" +
                                                          kUs + "\"") != std::string::npos);
  CHECK(acceptAll(h).size() == 6);  // the last two as slots free up
  for (const auto& [name, job] : planJobs(h, "acme")) CHECK(job.state == JobState::kRunning);
}

TEST_CASE("Plans: each change to a plan touches exactly the jobs it alters") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  acceptAll(h);
  const auto before = planJobs(h, "acme");

  SUBCASE("the same content written again changes nothing") {
    std::map<std::string, std::size_t> historyBefore;
    for (const auto& [name, job] : before) historyBefore[name] = h.store->history(name).size();
    writePlan(h, "acme", planJson({kEu, kUs, kApac}));
    h.engine->rescan();
    h.engine->step();
    CHECK(h.executor.sent.empty());
    // Each job remembers the file's new stamp (so that a job cancelled later
    // restarts only when the file is written again after that), nothing else.
    for (const auto& [name, job] : planJobs(h, "acme")) {
      CHECK(job.state == before.at(name).state);
      CHECK(job.remoteJobId == before.at(name).remoteJobId);
      CHECK(job.fileHash == before.at(name).fileHash);
      CHECK(h.store->history(name).size() == historyBefore.at(name));
    }
    h.engine->rescan();  // and once remembered, a rescan writes nothing
    h.engine->step();
    const auto remembered = planJobs(h, "acme");
    h.engine->rescan();
    h.engine->step();
    for (const auto& [name, job] : planJobs(h, "acme")) CHECK(job.version == remembered.at(name).version);
  }
  SUBCASE("a new site adds only its six jobs") {
    std::map<std::string, std::size_t> historyBefore;
    for (const auto& [name, job] : before) historyBefore[name] = h.store->history(name).size();
    writePlan(h, "acme", planJson({kEu, kUs, kApac, kLatam}));
    const std::set<std::string> submitted = acceptAll(h);
    CHECK(submitted == std::set<std::string>{"acme.acme-eu.acme-latam", "acme.acme-us.acme-latam",
                                             "acme.acme-apac.acme-latam", "acme.acme-latam.acme-eu",
                                             "acme.acme-latam.acme-us", "acme.acme-latam.acme-apac"});
    const auto after = planJobs(h, "acme");
    CHECK(after.size() == 12);
    for (const auto& [name, job] : before) {
      CHECK(after.at(name).remoteJobId == job.remoteJobId);
      CHECK(after.at(name).state == JobState::kRunning);
      CHECK(h.store->history(name).size() == historyBefore.at(name));  // not a line more
    }
  }
  SUBCASE("a removed site cancels the jobs that name it, and no other") {
    writePlan(h, "acme", planJson({kEu, kUs}));
    CHECK(h.executor.sent.empty());
    for (const auto& [jobName, job] : planJobs(h, "acme")) {
      const std::string& name = jobName;  // CAPTURE cannot take a structured binding (C++17)
      CAPTURE(name);
      const bool namesApac = name.find("apac") != std::string::npos;
      CHECK(job.state == (namesApac ? JobState::kCancelled : JobState::kRunning));
      if (namesApac) CHECK(job.lastError->find("no longer derives this job") != std::string::npos);
    }
    // Back again: its jobs start afresh, their history kept.
    writePlan(h, "acme", planJson({kEu, kUs, kApac}));
    CHECK(acceptAll(h).size() == 4);
    CHECK(hasAction(h.store->history("acme.acme-apac.acme-eu"), "file-restored"));
  }
  SUBCASE("a changed site id restarts only the jobs of that site") {
    std::string changed = planJson({kEu, kUs, kApac});
    changed.replace(changed.find("id-acme-us"), 10, "id-acme-u2");
    writePlan(h, "acme", changed);
    CHECK(acceptAll(h) == std::set<std::string>{"acme.acme-us.acme-eu", "acme.acme-us.acme-apac"});
    CHECK(hasAction(h.store->history("acme.acme-us.acme-eu"), "plan-changed"));
    CHECK(h.job("acme.acme-us.acme-eu").siteId == "id-acme-u2");
    CHECK(h.job("acme.acme-eu.acme-us").version == before.at("acme.acme-eu.acme-us").version + 1);  // hash only
    CHECK(h.job("acme.acme-eu.acme-us").remoteJobId == before.at("acme.acme-eu.acme-us").remoteJobId);
  }
  SUBCASE("a changed shared field restarts every job") {
    writePlan(h, "acme", planJson({kEu, kUs, kApac}, {}, ",\"createBackup\":true"));
    CHECK(acceptAll(h) == kThreeSiteJobs);
  }
  SUBCASE("the plan removed cancels its unfinished jobs and keeps the finished") {
    Dispatch poll;
    h.advance(30 * kSecond);
    for (Dispatch& d : h.executor.sent) {
      if (d.jobName == "acme.acme-eu.acme-us") poll = d;
    }
    h.executor.sent.clear();
    h.answer(poll, 200, R"({"status":"COMPLETE"})");
    removePlan(h, "acme");
    for (const auto& [jobName, job] : planJobs(h, "acme")) {
      const std::string& name = jobName;  // CAPTURE cannot take a structured binding (C++17)
      CAPTURE(name);
      CHECK(job.state == (name == "acme.acme-eu.acme-us" ? JobState::kSucceeded : JobState::kCancelled));
    }
    CHECK(h.job("acme.acme-us.acme-eu").lastError->find("acme.plan.json was removed") != std::string::npos);
  }
}

TEST_CASE("Plans: an invalid plan shows its problem as a job named after it and leaves its jobs alone") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs}));
  acceptAll(h);
  writePlan(h, "acme", R"({"sites":["https://acme-eu.atlassian.net"],"migratedFrom":"https://j.example"})");
  Job standIn = h.job("acme");
  CHECK(standIn.state == JobState::kInvalid);
  CHECK(standIn.plan == "acme");
  CHECK(standIn.lastError->find("sites: must list 2 to 64 sites") != std::string::npos);
  CHECK(standIn.lastError->find("migratedAt") != std::string::npos);
  CHECK(h.job("acme.acme-eu.acme-us").state == JobState::kRunning);
  CHECK(h.executor.sent.empty());

  writePlan(h, "acme", planJson({kEu, kUs}));  // fixed: the stand-in goes
  CHECK_FALSE(h.store->find("acme"));
  CHECK(h.executor.sent.empty());  // the same jobs as before
  CHECK(h.job("acme.acme-eu.acme-us").state == JobState::kRunning);
}

TEST_CASE("Plans: a name a job file already uses is a conflict on the plan, never an overwrite") {
  Harness h;
  h.start();
  h.writeJob("acme.acme-eu.acme-us", jobJson());
  h.submitOk("u-file");
  writePlan(h, "acme", planJson({kEu, kUs}));
  Job standIn = h.job("acme");
  CHECK(standIn.state == JobState::kInvalid);
  CHECK(standIn.lastError->find("acme.acme-eu.acme-us that this plan derives is already used by " + h.jobsDir +
                                "/acme.acme-eu.acme-us.json") != std::string::npos);
  CHECK(h.job("acme.acme-eu.acme-us").plan.empty());
  CHECK_FALSE(h.store->find("acme.acme-us.acme-eu"));
  CHECK(h.executor.sent.empty());

  // The job file goes: at the next scan the plan is valid and takes the name.
  h.removeJob("acme.acme-eu.acme-us");
  CHECK(h.job("acme.acme-eu.acme-us").state == JobState::kCancelled);
  h.engine->rescan();
  h.engine->step();
  CHECK_FALSE(h.store->find("acme"));
  CHECK(h.job("acme.acme-eu.acme-us").plan == "acme");
  CHECK(h.job("acme.acme-eu.acme-us").state == JobState::kQueued);
  CHECK(h.executor.sent.size() == 2);

  // A job file written later under a plan's name is ignored.
  h.writeJob("acme.acme-us.acme-eu", jobJson("other-site"));
  CHECK(h.job("acme.acme-us.acme-eu").plan == "acme");
  CHECK(h.job("acme.acme-us.acme-eu").siteId == "id-acme-us");
}

TEST_CASE("Plans: a plan edited while relinkd is stopped is reconciled at start") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  acceptAll(h);
  h.engine.reset();
  h.putFile("acme.plan.json", planJson({kEu, kUs, kLatam}));
  h.restart();
  std::set<std::string> submitted;
  for (const Dispatch& d : h.executor.sent)
    if (d.kind == RequestKind::kSubmit) submitted.insert(d.jobName);
  CHECK(submitted == std::set<std::string>{"acme.acme-eu.acme-latam", "acme.acme-us.acme-latam",
                                           "acme.acme-latam.acme-eu", "acme.acme-latam.acme-us"});
  const auto jobs = planJobs(h, "acme");
  CHECK(jobs.at("acme.acme-apac.acme-eu").state == JobState::kCancelled);
  CHECK(jobs.at("acme.acme-eu.acme-us").state == JobState::kRunning);
  CHECK(jobs.size() == 10);

  // Unchanged since: a restart reads it again (untrusted stamp or not) and changes nothing.
  const std::int64_t version = h.job("acme.acme-eu.acme-us").version;
  h.restart();
  CHECK(h.job("acme.acme-eu.acme-us").version == version);
}

TEST_CASE("Plans: a site's id is discovered once and shared by every job of that site") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}, {kEu}));
  // acme-eu's two jobs: one asks, the other waits for the answer.
  std::vector<Dispatch> discover;
  for (Dispatch& d : h.executor.sent)
    if (d.kind == RequestKind::kDiscover) discover.push_back(d);
  REQUIRE(discover.size() == 1);
  CHECK(discover[0].request.url == kEu + "/_edge/tenant_info");
  for (const auto& [header, value] : discover[0].request.headers) CHECK(header != "Authorization");
  h.executor.sent.erase(std::remove_if(h.executor.sent.begin(), h.executor.sent.end(),
                                       [](const Dispatch& d) { return d.kind == RequestKind::kDiscover; }),
                        h.executor.sent.end());
  acceptAll(h);  // the four jobs of the two other sites

  SUBCASE("found: both jobs of the site use it") {
    h.answer(discover[0], 200, R"({"cloudId":"cloud-eu"})");
    std::set<std::string> submitted;
    for (const Dispatch& d : h.executor.sent) {
      CHECK(d.kind == RequestKind::kSubmit);
      CHECK(d.request.url == "https://api.example/links/v1/cloud-eu/jobs/cma");
      submitted.insert(d.jobName);
    }
    CHECK(submitted == std::set<std::string>{"acme.acme-eu.acme-us", "acme.acme-eu.acme-apac"});
  }
  SUBCASE("a transient failure: one asks again after the backoff, the other still waits") {
    h.fail(discover[0], TransportError::kConnectionReset);
    CHECK(h.executor.sent.empty());
    h.advance(30 * kSecond);  // the polls of the other jobs are due too
    CHECK(std::count_if(h.executor.sent.begin(), h.executor.sent.end(),
                        [](const Dispatch& d) { return d.kind == RequestKind::kDiscover; }) == 1);
  }
  SUBCASE("not found: both fail naming the site, with a single request") {
    h.answer(discover[0], 404, R"({"errorMessage":"no such site"})");
    CHECK(h.executor.sent.empty());
    for (const char* name : {"acme.acme-eu.acme-us", "acme.acme-eu.acme-apac"}) {
      CAPTURE(name);
      const Job job = h.job(name);
      CHECK(job.state == JobState::kFailed);
      CHECK(job.lastError->find("the site id of " + kEu + "/_edge/tenant_info cannot be found") != std::string::npos);
      CHECK(job.lastError->find("\"siteIds\" in the plan acme") != std::string::npos);
    }
  }
}

TEST_CASE("Plans: a job the change does not alter, with a request out, takes on the new file once answered") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs}));
  // Both submissions are out when a third site arrives.
  std::deque<Dispatch> out = std::move(h.executor.sent);
  h.executor.sent.clear();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  const std::string newHash = *h.job("acme.acme-eu.acme-apac").fileHash;
  CHECK(h.job("acme.acme-eu.acme-us").fileHash != newHash);  // not under its request
  for (Dispatch& d : out) h.answer(d, 200, "{\"uuid\":\"u-" + d.jobName + "\"}");
  for (const char* name : {"acme.acme-eu.acme-us", "acme.acme-us.acme-eu"}) {
    CAPTURE(name);
    const Job job = h.job(name);
    CHECK(job.state == JobState::kRunning);  // the answer counted
    CHECK(job.remoteJobId == "u-" + std::string(name));
    CHECK(job.fileHash == newHash);
  }
  const std::int64_t version = h.job("acme.acme-eu.acme-us").version;
  h.restart();  // agreeing hashes: nothing to read again, nothing written
  CHECK(h.job("acme.acme-eu.acme-us").version == version);
}

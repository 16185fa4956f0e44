// A file re-created or rewritten (its stamp moved) after its job was
// cancelled starts the job again, even with the same content, also when
// that happened while relinkd was stopped; a cancelled job whose file is
// left untouched stays cancelled. Job files and plan files alike.
#include "EngineHarness.h"
#include "PlanHarness.h"

using namespace enginetest;

namespace {

// rm x.json && cp saved x.json: a new inode (or at least new times), the
// same bytes. settled false: written just now, its stamp not yet trusted.
void recreate(Harness& h, const std::string& fileName, const std::string& bytes, bool settled = true) {
  h.deleteFile(fileName);
  h.source->write(fileName, bytes, settled);
}

void cancelByOperator(Harness& h, const std::string& name) {
  REQUIRE(h.byOperator(name, applyCancel).allowed);
  h.advance(h.settings.storeCheckIntervalMs);
  REQUIRE(h.job(name).state == JobState::kCancelled);
}

void rescan(Harness& h) {
  h.engine->rescan();
  h.engine->step();
}

}  // namespace

TEST_CASE("Rewritten: a job file re-created with the same content after relinkctl cancel starts the job again") {
  Harness h;
  h.start();
  const std::string json = jobJson();
  h.writeJob("eu", json);
  h.submitOk("u-1");
  cancelByOperator(h, "eu");
  const std::string path = "eu.json";

  SUBCASE("left untouched, it stays cancelled, across rescans and a restart") {
    rescan(h);
    CHECK(h.job("eu").state == JobState::kCancelled);
    h.restart();
    CHECK(h.job("eu").state == JobState::kCancelled);
    CHECK(h.executor.sent.empty());
  }
  SUBCASE("re-created while relinkd runs") {
    recreate(h, path, json);
    h.engine->fileChanged("eu.json");
    h.engine->step();
    CHECK(h.job("eu").state == JobState::kQueued);
    CHECK_FALSE(h.job("eu").remoteJobId);
    REQUIRE(h.executor.sent.size() == 1);
    CHECK(h.executor.sent.front().kind == RequestKind::kSubmit);
    CHECK(hasAction(h.store->history("eu"), "file-recreated"));
    // Once started again, the same file is no change.
    h.submitOk("u-2");
    rescan(h);
    CHECK(h.job("eu").state == JobState::kRunning);
    CHECK(h.job("eu").remoteJobId == std::optional<std::string>("u-2"));
  }
  SUBCASE("rewritten in place (new times, same inode) at the periodic rescan") {
    h.putFile(path, json);  // the same inode, new times
    rescan(h);
    CHECK(h.job("eu").state == JobState::kQueued);
  }
  SUBCASE("re-created while relinkd was stopped") {
    h.engine.reset();
    recreate(h, path, json);
    h.restart();
    CHECK(h.job("eu").state == JobState::kQueued);
    CHECK(h.executor.sent.size() == 1);
  }
  SUBCASE("re-created and read while its stamp is too fresh to trust: started once it settles") {
    recreate(h, path, json, false);
    h.engine->fileChanged("eu.json");
    h.engine->step();
    CHECK(h.job("eu").state == JobState::kCancelled);  // not yet: the new stamp is not known
    h.source->settle(path);
    h.advance(h.settings.fileRetryMs);  // read again without waiting for the rescan
    CHECK(h.job("eu").state == JobState::kQueued);
    CHECK(hasAction(h.store->history("eu"), "file-recreated"));
  }
}

TEST_CASE("Rewritten: a job cancelled by its file's removal starts again when the file comes back") {
  Harness h;
  h.start();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  h.removeJob("eu");
  REQUIRE(h.job("eu").state == JobState::kCancelled);
  SUBCASE("while relinkd runs") {
    h.writeJob("eu", jobJson());
  }
  SUBCASE("while relinkd was stopped") {
    h.engine.reset();
    h.putFile("eu.json", jobJson());
    h.restart();
  }
  CHECK(h.job("eu").state == JobState::kQueued);
  CHECK(h.executor.sent.size() == 1);
}

TEST_CASE("Rewritten: a plan rewritten with the same content starts its cancelled jobs again, and only those") {
  Harness h;
  h.settings.concurrency = 100;
  h.start();
  const std::string json = planJson({kEu, kUs, kApac});
  writePlan(h, "acme", json);
  acceptAll(h);
  cancelByOperator(h, "acme.acme-us.acme-eu");
  const auto before = planJobs(h, "acme");
  const std::string path = "acme.plan.json";

  auto onlyTheCancelledRestarted = [&] {
    const auto after = planJobs(h, "acme");
    CHECK(after.at("acme.acme-us.acme-eu").state == JobState::kQueued);
    CHECK(hasAction(h.store->history("acme.acme-us.acme-eu"), "file-recreated"));
    for (const auto& [name, job] : before) {
      if (name == "acme.acme-us.acme-eu") continue;
      CHECK(after.at(name).state == JobState::kRunning);
      CHECK(after.at(name).remoteJobId == job.remoteJobId);
    }
    std::set<std::string> submitted;
    for (const Dispatch& d : h.executor.sent)
      if (d.kind == RequestKind::kSubmit) submitted.insert(d.jobName);
    CHECK(submitted == std::set<std::string>{"acme.acme-us.acme-eu"});
  };
  SUBCASE("left untouched, it stays cancelled, across rescans and a restart") {
    rescan(h);
    h.restart();
    CHECK(h.job("acme.acme-us.acme-eu").state == JobState::kCancelled);
    for (const Dispatch& d : h.executor.sent) CHECK(d.kind == RequestKind::kPoll);
  }
  SUBCASE("re-created while relinkd runs") {
    recreate(h, path, json);
    h.engine->fileChanged("acme.plan.json");
    h.engine->step();
    onlyTheCancelledRestarted();
    // Once started again, the same plan is no change.
    acceptAll(h);
    rescan(h);
    h.restart();
    CHECK(h.job("acme.acme-us.acme-eu").state == JobState::kRunning);
  }
  SUBCASE("re-created while relinkd was stopped") {
    h.engine.reset();
    recreate(h, path, json);
    h.restart();
    onlyTheCancelledRestarted();
  }
  SUBCASE("re-created and read while its stamp is too fresh to trust: started once it settles") {
    recreate(h, path, json, false);
    h.engine->fileChanged("acme.plan.json");
    h.engine->step();
    CHECK(h.job("acme.acme-us.acme-eu").state == JobState::kCancelled);  // not yet
    h.source->settle(path);
    h.advance(h.settings.fileRetryMs);
    onlyTheCancelledRestarted();
  }
}

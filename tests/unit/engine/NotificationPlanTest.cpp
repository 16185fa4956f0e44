// The notifications that speak for many jobs at once: one `paused` per pause
// (not one per job), and with relinkd.notify.planJobs = summary one
// plan-final and one plan-deadline-near per plan instead of one per job.
#include <algorithm>

#include "LogCapture.h"
#include "NotifyHarness.h"
#include "PlanHarness.h"

using namespace enginetest;

namespace {

bool hasEnv(const Run& run, const std::string& prefix) {
  return std::any_of(run.env.begin(), run.env.end(),
                     [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
}

std::vector<std::string> names(const Poco::JSON::Array::Ptr& array) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) out.push_back(array->getElement<std::string>(i));
  return out;
}

int owedFor(Harness& h, const std::string& key) {
  const auto summaries = h.store->notificationSummaries();
  const auto it = summaries.find(key);
  return it == summaries.end() ? 0 : it->second.owed + (it->second.lastSentAt ? 1 : 0);
}

// Every job notification of the plan's jobs (summary mode: none).
std::size_t jobNotifications(Harness& h, const std::string& plan) {
  std::size_t n = 0;
  for (const auto& [name, job] : planJobs(h, plan)) n += h.store->notificationsOf(name).size();
  return n;
}

}  // namespace

TEST_CASE("Notifications: a pause owes one `paused`, a settle delay after the first 401, naming every paused job") {
  Notifying h;
  h.settings.concurrency = 2;
  h.startAll();
  h.writeJob("a", jobJson("site-a"));
  h.writeJob("b", jobJson("site-b"));
  h.writeJob("c", jobJson("site-c"));  // queued: no slot
  Dispatch a = h.executor.take();
  Dispatch b = h.executor.take();
  h.answer(a, 401, R"({"errorMessage":"Unauthorized"})");
  CHECK(h.job("c").state == JobState::kPaused);  // queued jobs too
  CHECK(h.job("b").state != JobState::kPaused);  // its request is out
  h.clock.advance(kSecond);
  h.answer(b, 401, "{}");
  CHECK(owedFor(h, ":paused") == 0);  // not yet: the others' answers may still come
  h.advance(4 * kSecond);
  CHECK(owedFor(h, ":paused") == 1);
  h.advance(3600 * kSecond);
  CHECK(owedFor(h, ":paused") == 1);  // once per pause, not per job or per step

  h.deliver();
  REQUIRE(h.runner.runs.size() == 1);
  const Run& run = h.runner.runs[0];
  CHECK_FALSE(hasEnv(run, "RELINKD_JOB="));
  CHECK(hasEnv(run, "RELINKD_STATE=paused"));
  CHECK(run.env.back() == "RELINKD_EVENT=paused");
  const auto input = parse(run.input);
  CHECK(input->getValue<std::string>("event") == "paused");
  CHECK(input->getValue<std::string>("reason").find("the API rejected the credentials (HTTP 401") !=
        std::string::npos);
  INFO(run.input);
  CHECK(names(input->getArray("jobs")) == std::vector<std::string>{"a", "b", "c"});
  CHECK(run.input.find("token-1") == std::string::npos);

  SUBCASE("a restart owes nothing new while nothing pauses again") {
    h.restartAll();
    h.advance(60 * kSecond);
    h.deliver();
    CHECK(h.runner.runs.size() == 1);
  }
  SUBCASE("resumed, then paused anew: one more") {
    h.engine->credentialsChanged(Credentials{"ops@acme.example", "token-2"});
    h.engine->step();
    CHECK(h.job("a").state == JobState::kQueued);
    h.answer(h.executor.take(), 401, "{}");
    h.answer(h.executor.take(), 401, "{}");
    h.advance(5 * kSecond);
    CHECK(owedFor(h, ":paused") == 2);
  }
}

TEST_CASE("Notifications: a token file emptied pauses with one `paused` too") {
  Notifying h;
  h.startAll();
  h.writeJob("a", jobJson("site-a"));
  h.submitOk("u-a");
  h.engine->credentialsChanged(Credentials{"ops@acme.example", ""});
  h.engine->step();
  h.advance(5 * kSecond);
  CHECK(owedFor(h, ":paused") == 1);
}

TEST_CASE("Notifications: removing a plan owes one plan-final, not one per cancelled job") {
  Notifying h;
  h.settings.concurrency = 100;
  h.startAll();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  acceptAll(h);
  removePlan(h, "acme");
  for (const auto& [name, job] : planJobs(h, "acme")) CHECK(job.state == JobState::kCancelled);
  CHECK(jobNotifications(h, "acme") == 0);
  CHECK(owedFor(h, "plan:acme") == 1);

  h.deliver();
  REQUIRE(h.runner.runs.size() == 1);
  const Run& run = h.runner.runs[0];
  CHECK_FALSE(hasEnv(run, "RELINKD_JOB="));
  CHECK(hasEnv(run, "RELINKD_PLAN=acme"));
  CHECK(hasEnv(run, "RELINKD_STATE="));
  CHECK(std::count(run.env.begin(), run.env.end(), "RELINKD_STATE=") == 1);  // empty
  CHECK(run.env.back() == "RELINKD_EVENT=plan-final");
  const auto input = parse(run.input);
  CHECK(input->getValue<std::string>("plan") == "acme");
  // As `relinkctl show acme --json` has it: the plan file is gone, so are its
  // sites, and its jobs are those it no longer derives.
  CHECK(input->getArray("jobs")->size() == 0);
  REQUIRE(input->getArray("formerJobs")->size() == 6);
  CHECK(input->getArray("formerJobs")->getObject(0)->getValue<std::string>("state") == "cancelled");
  h.restartAll();
  h.deliver();
  CHECK(h.runner.runs.size() == 1);
}

TEST_CASE("Notifications: plan-final is owed once, when the last job of the plan is final") {
  Notifying h;
  h.settings.concurrency = 100;
  h.startAll();
  writePlan(h, "acme", planJson({kEu, kUs}));
  Dispatch first = h.executor.take();
  Dispatch second = h.executor.take();
  h.answer(first, 403, R"({"errorMessage":"not an admin"})");  // failed: final
  CHECK(owedFor(h, "plan:acme") == 0);
  h.answer(second, 400, R"({"errorMessage":"bad"})");
  CHECK(owedFor(h, "plan:acme") == 1);
  CHECK(jobNotifications(h, "acme") == 0);
  h.advance(3600 * kSecond);
  CHECK(owedFor(h, "plan:acme") == 1);
}

TEST_CASE("Notifications: with planJobs = each, a plan's jobs are announced like ordinary jobs, no plan-final") {
  Notifying h;
  h.settings.concurrency = 100;
  h.settings.planSummaries = false;
  h.startAll();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));
  acceptAll(h);
  removePlan(h, "acme");
  CHECK(jobNotifications(h, "acme") == 6);
  CHECK(owedFor(h, "plan:acme") == 0);
}

TEST_CASE("Notifications: a plan within 24 h of its deadline owes one plan-deadline-near, also across restarts") {
  Notifying h;
  h.settings.concurrency = 100;
  h.startAll();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}));  // migratedAt kStart - 1 d: closes at kStart + 13 d
  acceptAll(h);
  h.clock.advance(12 * kDay - 30 * kSecond);
  h.engine->step();
  h.executor.sent.clear();
  CHECK(owedFor(h, "plan:acme") == 0);
  h.advance(31 * kSecond);
  CHECK(owedFor(h, "plan:acme") == 1);
  CHECK(jobNotifications(h, "acme") == 0);
  CHECK(h.store->planDeadlineWarnings() == std::map<std::string, TimeMs>{{"acme", kStart + 13 * kDay}});
  h.restartAll();
  h.advance(60 * kSecond);
  CHECK(owedFor(h, "plan:acme") == 1);
  h.deliver();
  REQUIRE(h.runner.runs.size() == 1);
  CHECK(h.runner.runs[0].env.back() == "RELINKD_EVENT=plan-deadline-near");
  CHECK(hasEnv(h.runner.runs[0], "RELINKD_PLAN=acme"));
}

TEST_CASE("Notifications: a plan job's deadline-near warning is logged once, not again after a restart") {
  LogCapture log;
  Notifying h;
  h.settings.concurrency = 100;
  h.startAll();
  writePlan(h, "acme", planJson({kEu, kUs}));  // closes at kStart + 13 d
  acceptAll(h);
  h.clock.advance(12 * kDay + kSecond);
  h.engine->step();
  const std::string warning = "job acme.acme-eu.acme-us: not done and its window closes in";
  REQUIRE(log.with(warning).size() == 1);
  REQUIRE(owedFor(h, "plan:acme") == 1);
  h.restartAll();
  h.advance(60 * kSecond);
  CHECK(log.with(warning).size() == 1);
  CHECK(log.with("not done and its window closes in").size() == 2);  // one per job, before the restart
  CHECK(owedFor(h, "plan:acme") == 1);
}

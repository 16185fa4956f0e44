// A site whose host does not exist (the resolver's NXDOMAIN, kNoSuchHost)
// through the Engine: retried, saying when relinkd gives up on it, until
// the answers have said so for kNoSuchHostGraceMs; then every job waiting
// for the site's id fails. Other DNS failures stay transient.
#include <algorithm>

#include "EngineHarness.h"
#include "PlanHarness.h"
#include "Transitions.h"
#include "relinkd/domain/Time.h"

using namespace enginetest;

namespace {

constexpr std::int64_t kMinute = 60 * kSecond;
const std::string kHost = "acme-eu.atlassian.net";

// A job of the site kEu without a siteId: its id is discovered.
std::string undiscoveredJob() {
  std::string json = jobJson("x");
  json.erase(0, json.find(',') + 1);
  return "{" + json;
}

// Retries once a minute, so that the answers come at whole minutes.
void everyMinute(Harness& h) {
  h.settings.retry.initialDelayMs = kMinute;
  h.settings.retry.maxDelayMs = kMinute;
}

// Takes the one discovery request out, for the site kEu.
Dispatch discovery(Harness& h) {
  auto it = std::find_if(h.executor.sent.begin(), h.executor.sent.end(),
                         [](const Dispatch& d) { return d.kind == RequestKind::kDiscover; });
  REQUIRE(it != h.executor.sent.end());
  Dispatch d = *it;
  h.executor.sent.erase(it);
  CHECK(d.request.url == kEu + "/_edge/tenant_info");
  return d;
}

bool anyDiscovery(const Harness& h) {
  return std::any_of(h.executor.sent.begin(), h.executor.sent.end(),
                     [](const Dispatch& d) { return d.kind == RequestKind::kDiscover; });
}

// Up to the next minute after start; the engine sends what is due then.
void toMinute(Harness& h, int minute) { h.advance(kStart + minute * kMinute - h.clock.wallNow()); }

std::string givesUpAt(int minute) {
  return "no such host " + kHost + " (relinkd gives up on it if it still does not exist at " +
         formatTime(kStart + minute * kMinute) + ")";
}

}  // namespace

TEST_CASE("NoSuchHost: the grace is ten minutes") { CHECK(kNoSuchHostGraceMs == 10 * kMinute); }

TEST_CASE("NoSuchHost: a host that does not exist is retried, naming it and the time, then the job fails") {
  Harness h;
  everyMinute(h);
  h.start();
  h.writeJob("eu", undiscoveredJob());
  for (int minute = 0; minute < 10; ++minute) {  // NXDOMAIN at 0, 1, ..., 5, ..., 9 min
    CAPTURE(minute);
    if (minute > 0) toMinute(h, minute);
    h.fail(discovery(h), TransportError::kNoSuchHost);
    const Job job = h.job("eu");
    CHECK(job.state == JobState::kRetrying);
    CHECK(job.lastError == givesUpAt(10));
    CHECK(job.nextAttemptAt == kStart + (minute + 1) * kMinute);
  }
  toMinute(h, 10);
  h.fail(discovery(h), TransportError::kNoSuchHost);
  const Job job = h.job("eu");
  CHECK(job.state == JobState::kFailed);
  CHECK_FALSE(job.nextAttemptAt);
  CHECK(*job.lastError == "the site id of " + kEu + "/_edge/tenant_info cannot be found: no such host " + kHost +
                              " (the name has not existed since " + formatTime(kStart) +
                              ", 10m); check the URL (\"productURL\") or add \"siteId\" to the job file");
  CHECK(h.store->history("eu").back().outcome == "permanent");
  h.advance(24 * 3600 * kSecond);
  CHECK(h.executor.sent.empty());  // no request after failing
}

TEST_CASE("NoSuchHost: another answer in between starts the ten minutes again") {
  Harness h;
  everyMinute(h);
  h.start();
  h.writeJob("eu", undiscoveredJob());
  for (int minute = 0; minute <= 5; ++minute) {
    if (minute > 0) toMinute(h, minute);
    h.fail(discovery(h), TransportError::kNoSuchHost);
  }
  toMinute(h, 6);
  SUBCASE("a SERVFAIL") { h.fail(discovery(h), TransportError::kDns); }
  SUBCASE("a timeout") { h.fail(discovery(h), TransportError::kTimeout); }
  SUBCASE("an HTTP 503") { h.answer(discovery(h), 503, "{}"); }
  CHECK(h.job("eu").state == JobState::kRetrying);
  for (int minute = 7; minute < 17; ++minute) {
    CAPTURE(minute);
    toMinute(h, minute);
    h.fail(discovery(h), TransportError::kNoSuchHost);
    CHECK(h.job("eu").state == JobState::kRetrying);
    CHECK(h.job("eu").lastError == givesUpAt(17));
  }
  toMinute(h, 17);
  h.fail(discovery(h), TransportError::kNoSuchHost);
  CHECK(h.job("eu").state == JobState::kFailed);
}

TEST_CASE("NoSuchHost: a SERVFAIL or a timeout, however long, never fails the job") {
  Harness h;
  everyMinute(h);
  h.start();
  h.writeJob("eu", undiscoveredJob());
  for (int minute = 0; minute <= 60; ++minute) {
    CAPTURE(minute);
    if (minute > 0) toMinute(h, minute);
    h.fail(discovery(h), minute % 2 ? TransportError::kDns : TransportError::kTimeout);
    CHECK(h.job("eu").state == JobState::kRetrying);
    CHECK(h.job("eu").lastError->find("gives up") == std::string::npos);
  }
}

TEST_CASE("NoSuchHost: every job waiting for the site's id fails with the asker, naming siteIds") {
  Harness h;
  everyMinute(h);
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}, {kEu}));  // two jobs of acme-eu: one asks
  Dispatch asked = discovery(h);
  CHECK_FALSE(anyDiscovery(h));
  acceptAll(h);  // the jobs of the other sites
  h.fail(asked, TransportError::kNoSuchHost);
  for (int minute = 1; minute <= 10; ++minute) {
    toMinute(h, minute);
    asked = discovery(h);
    CHECK_FALSE(anyDiscovery(h));  // still one request for the site
    h.executor.sent.clear();       // polls of the other jobs
    h.fail(asked, TransportError::kNoSuchHost);
  }
  for (const char* name : {"acme.acme-eu.acme-us", "acme.acme-eu.acme-apac"}) {
    CAPTURE(name);
    const Job job = h.job(name);
    CHECK(job.state == JobState::kFailed);
    CHECK(job.lastError->find("no such host " + kHost) != std::string::npos);
    CHECK(job.lastError->find("check the site's URL in the plan acme or add its id to \"siteIds\"") !=
          std::string::npos);
  }
  CHECK(h.job("acme.acme-us.acme-eu").state == JobState::kRunning);  // a site that exists
}

// The remedy is each job's own: a job file's siteId, a plan's siteIds,
// whichever of the two asked for the site's id.
TEST_CASE("NoSuchHost: a job file waiting on a plan's site is told to fix the job file") {
  Harness h;
  everyMinute(h);
  h.settings.concurrency = 100;
  h.start();
  writePlan(h, "acme", planJson({kEu, kUs, kApac}, {kEu}));  // a job of acme-eu asks
  Dispatch asked = discovery(h);
  acceptAll(h);
  h.writeJob("eu", undiscoveredJob());  // waits for the plan's answer
  CHECK_FALSE(anyDiscovery(h));
  h.fail(asked, TransportError::kNoSuchHost);
  for (int minute = 1; minute <= 10; ++minute) {
    toMinute(h, minute);
    asked = discovery(h);
    h.executor.sent.clear();
    h.fail(asked, TransportError::kNoSuchHost);
  }
  const Job file = h.job("eu");
  REQUIRE(file.state == JobState::kFailed);
  CHECK(file.lastError->find("no such host " + kHost) != std::string::npos);
  CHECK(file.lastError->find("check the URL (\"productURL\") or add \"siteId\" to the job file") !=
        std::string::npos);
  CHECK(file.lastError->find("siteIds") == std::string::npos);
  CHECK(h.job("acme.acme-eu.acme-us").lastError->find("\"siteIds\"") != std::string::npos);
}

TEST_CASE("NoSuchHost: a job of the site that comes later fails at its first NXDOMAIN") {
  Harness h;
  everyMinute(h);
  h.start();
  h.writeJob("eu", undiscoveredJob());
  for (int minute = 0; minute <= 10; ++minute) {
    if (minute > 0) toMinute(h, minute);
    h.fail(discovery(h), TransportError::kNoSuchHost);
  }
  REQUIRE(h.job("eu").state == JobState::kFailed);
  h.writeJob("eu2", undiscoveredJob());
  h.fail(discovery(h), TransportError::kNoSuchHost);
  CHECK(h.job("eu2").state == JobState::kFailed);
}

// The run of NXDOMAINs is kept in memory: a restart gives the host its
// ten minutes again (its jobs only retry meanwhile).
TEST_CASE("NoSuchHost: after a restart the ten minutes start again") {
  Harness h;
  everyMinute(h);
  h.start();
  h.writeJob("eu", undiscoveredJob());
  for (int minute = 0; minute < 10; ++minute) {
    if (minute > 0) toMinute(h, minute);
    h.fail(discovery(h), TransportError::kNoSuchHost);
  }
  toMinute(h, 10);
  h.restart();
  h.fail(discovery(h), TransportError::kNoSuchHost);
  CHECK(h.job("eu").state == JobState::kRetrying);
  CHECK(h.job("eu").lastError == givesUpAt(20));
}

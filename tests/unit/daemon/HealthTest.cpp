// healthProblems: the causes /healthz names in its 503.
#include <doctest/doctest.h>

#include "Health.h"

using namespace relinkd;

TEST_CASE("Health: nothing wrong, nothing said") { CHECK(healthProblems(HealthFacts{}).empty()); }

TEST_CASE("Health: paused for credentials names the reason, the jobs waiting and the token file") {
  HealthFacts facts;
  facts.paused = true;
  facts.pausedJobs = 3;
  facts.pausedReason = "the API rejected the credentials (401)";
  const std::string text = healthProblems(facts);
  CHECK(text == "jobs are paused for credentials, 3 jobs wait: the API rejected the credentials (401)");
  facts.pausedJobs = 0;  // no token at all: nothing can be sent, even with no job waiting
  facts.pausedReason.clear();
  CHECK(healthProblems(facts).rfind("jobs are paused for credentials, 0 jobs wait; put a valid API token in the token "
                                    "file (relinkd.api.tokenFile)",
                                    0) == 0);
}

TEST_CASE("Health: every cause, one after the other") {
  HealthFacts facts;
  facts.paused = true;
  facts.pausedJobs = 1;
  facts.storeWritable = false;
  facts.schedulerStalled = true;
  facts.databasePath = "/var/lib/relinkd/relinkd.db";
  const std::string text = healthProblems(facts);
  CHECK(text.find("1 job waits") != std::string::npos);
  CHECK(text.find("; the state database /var/lib/relinkd/relinkd.db cannot be written") != std::string::npos);
  CHECK(text.find("; the scheduler has stalled") != std::string::npos);
}

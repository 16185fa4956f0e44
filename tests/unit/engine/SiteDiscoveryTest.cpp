// Finding a site's id once per site, on its own.
#include <doctest/doctest.h>

#include "SiteDiscovery.h"

using namespace relinkd;

namespace {
const std::string kUrl = "https://acme-eu.atlassian.net";
}  // namespace

TEST_CASE("SiteDiscovery: the first job asks, the others of the site wait for its answer") {
  SiteDiscovery discovery;
  CHECK_FALSE(discovery.known(kUrl));
  CHECK_FALSE(discovery.waitOrAsk(kUrl, "a"));  // a asks
  CHECK(discovery.waitOrAsk(kUrl, "b"));
  CHECK(discovery.waitOrAsk(kUrl, "c"));
  CHECK_FALSE(discovery.waitOrAsk("https://acme-us.atlassian.net", "d"));  // another site: its own request
  CHECK_FALSE(discovery.end("b"));  // b asked for nothing
  const auto ended = discovery.end("a");
  REQUIRE(ended);
  CHECK(ended->url == kUrl);
  CHECK(ended->waiting == std::set<std::string>{"b", "c"});
  CHECK_FALSE(discovery.end("a"));  // over once
  CHECK_FALSE(discovery.waitOrAsk(kUrl, "b"));  // nobody asks now: b does
}

TEST_CASE("SiteDiscovery: an id found is known for every job of the site") {
  SiteDiscovery discovery;
  discovery.waitOrAsk(kUrl, "a");
  discovery.end("a");
  discovery.found(kUrl, "site-1");
  CHECK(discovery.known(kUrl) == "site-1");
  CHECK_FALSE(discovery.known("https://acme-us.atlassian.net"));
}

TEST_CASE("SiteDiscovery: a copy is a checkpoint (a failed step restores it)") {
  SiteDiscovery discovery;
  const SiteDiscovery saved = discovery;
  discovery.waitOrAsk(kUrl, "a");
  discovery = saved;
  CHECK_FALSE(discovery.end("a"));
  CHECK_FALSE(discovery.waitOrAsk(kUrl, "b"));
}

TEST_CASE("SiteDiscovery: a host's NXDOMAINs in a row count from the first; any other answer ends them") {
  SiteDiscovery discovery;
  const std::string asked = kUrl + "/_edge/tenant_info";
  auto absent = discovery.answered(asked, true, 1000);
  REQUIRE(absent);
  CHECK(absent->host == "acme-eu.atlassian.net");
  CHECK(absent->since == 1000);
  // The same host, whatever the case or the path.
  CHECK(discovery.answered("https://ACME-EU.atlassian.net/_edge/tenant_info", true, 5000)->since == 1000);
  CHECK(discovery.answered("https://acme-us.atlassian.net/_edge/tenant_info", true, 6000)->since == 6000);
  CHECK_FALSE(discovery.answered(asked, false, 7000));  // an id, a 404, a SERVFAIL: the run is over
  CHECK(discovery.answered(asked, true, 8000)->since == 8000);
  CHECK(discovery.answered("https://acme-us.atlassian.net/_edge/tenant_info", true, 9000)->since == 6000);
}

TEST_CASE("SiteDiscovery: a wall clock stepped back before the first NXDOMAIN starts the run again") {
  SiteDiscovery discovery;
  const std::string asked = kUrl + "/_edge/tenant_info";
  discovery.answered(asked, true, 100000);
  CHECK(discovery.answered(asked, true, 40000)->since == 40000);
  CHECK(discovery.answered(asked, true, 90000)->since == 40000);
}

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

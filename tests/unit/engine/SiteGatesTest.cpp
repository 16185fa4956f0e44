// Rate-limited sites on their own.
#include <doctest/doctest.h>

#include "SiteGates.h"

using namespace relinkd;

namespace {
constexpr TimeMs kWall = 1764000000000;
constexpr MonoMs kMono = 5000;
}  // namespace

TEST_CASE("SiteGates: a closed site opens at the limit, on the monotonic clock") {
  SiteGates gates;
  gates.close("site-a", kWall + 95000, kWall, kMono);
  CHECK(gates.closedUntil("site-a", kMono) == kMono + 95000);
  CHECK(gates.closedUntil("site-a", kMono + 94999) == kMono + 95000);
  CHECK_FALSE(gates.closedUntil("site-a", kMono + 95000));
  CHECK_FALSE(gates.closedUntil("site-b", kMono));
  CHECK_FALSE(gates.closedUntil("", kMono));  // a job not yet discovered is never held back
}

TEST_CASE("SiteGates: a gate only ever moves later") {
  SiteGates gates;
  gates.close("site-a", kWall + 95000, kWall, kMono);
  gates.close("site-a", kWall + 10000, kWall, kMono);
  CHECK(gates.closedUntil("site-a", kMono) == kMono + 95000);
  gates.close("site-a", kWall + 120000, kWall, kMono);
  CHECK(gates.closedUntil("site-a", kMono) == kMono + 120000);
  gates.close("site-b", kWall - 1000, kWall, kMono);  // already over: open
  CHECK_FALSE(gates.closedUntil("site-b", kMono));
}

TEST_CASE("SiteGates: the store's limits are loaded once; those over are left out") {
  SiteGates gates;
  gates.load({{"site-a", kWall + 60000}, {"site-b", kWall - 1}, {"site-c", kWall}}, kWall, kMono);
  CHECK(gates.closedUntil("site-a", kMono) == kMono + 60000);
  CHECK_FALSE(gates.closedUntil("site-b", kMono));
  CHECK_FALSE(gates.closedUntil("site-c", kMono));
}

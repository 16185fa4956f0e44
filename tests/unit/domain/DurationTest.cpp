// Specifications of durations as operators write them (relinkd/Duration.h).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "relinkd/domain/Duration.h"

using relinkd::formatDuration;
using relinkd::parseDuration;

namespace {

struct DurationCase {
  std::string text;
  std::int64_t ms;
};

}  // namespace

TEST_CASE("parseDuration: an integer with a unit, bare integers are seconds") {
  const std::vector<DurationCase> cases = {
      {"0", 0},
      {"0s", 0},
      {"30", 30000},
      {"30s", 30000},
      {"250ms", 250},
      {"1ms", 1},
      {"5m", 300000},
      {"1h", 3600000},
      {"14d", 1209600000},
      {"007s", 7000},
      {"9223372036854775807ms", std::numeric_limits<std::int64_t>::max()},
      {"9223372036854775s", 9223372036854775000},
      {"106751991167d", 106751991167LL * 86400000},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parseDuration(c.text) == std::optional<std::int64_t>(c.ms));
  }
}

TEST_CASE("parseDuration: rejects signs, fractions, spaces, unknown units, overflow") {
  const std::vector<std::string> bad = {
      "",
      "s",
      "ms",
      "-5s",
      "+5s",
      "1.5s",
      "1,5s",
      " 5s",
      "5s ",
      "5 s",
      "5S",
      "5sec",
      "5w",
      "5us",
      "5y",
      "1h30m",
      "0x10",
      "9223372036854775808ms",  // int64 max + 1
      "9223372036854776s",      // overflows once in milliseconds
      "106751991168d",
      "99999999999999999999999",
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    CHECK_FALSE(parseDuration(text).has_value());
  }
}

TEST_CASE("formatDuration: the largest unit and the next one when not zero") {
  const std::vector<DurationCase> cases = {
      {"0ms", 0},
      {"250ms", 250},
      {"999ms", 999},
      {"1s", 1000},
      {"1s", 1999},
      {"45s", 45000},
      {"1m", 60000},
      {"3m", 180000},
      {"3m 20s", 200000},
      {"59m 59s", 3599999},
      {"1h", 3600000},
      {"2h 5m", 7500000},
      {"2h 5m", 7530000},  // seconds dropped below hours
      {"23h 59m", 86399999},
      {"1d", 86400000},
      {"13d 4h", 13 * 86400000LL + 4 * 3600000LL + 59 * 60000LL},
      {"14d", 1209600000},
      {"-45s", -45000},
      {"-2h 5m", -7500000},
      {"-250ms", -250},
  };
  for (const auto& c : cases) {
    CAPTURE(c.ms);
    CHECK(formatDuration(c.ms) == c.text);
  }
}

TEST_CASE("formatDuration: the extremes do not overflow") {
  const auto max = std::numeric_limits<std::int64_t>::max();
  CHECK(formatDuration(max) == "106751991167d 7h");
  CHECK(formatDuration(std::numeric_limits<std::int64_t>::min()) == "-106751991167d 7h");
}

// Specifications of relinkd's clocks (relinkd/Clock.h) and time formats
// (relinkd/Time.h).
#include <doctest/doctest.h>

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Time.h"

using relinkd::formatTime;
using relinkd::parseHttpDate;
using relinkd::parseTime;
using relinkd::TimeMs;

namespace {

struct TimeCase {
  std::string text;
  TimeMs expected;
};

const TimeMs k20261128T011710Z = 1795828630000;  // 2026-11-28T01:17:10Z
const TimeMs k19941106T084937Z = 784111777000;   // 1994-11-06T08:49:37Z

// Days since 1970-01-01 counted one month at a time: an oracle for the
// calendar arithmetic that shares no code with it.
long long naiveDays(int year, int month, int day) {
  static const int kLengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  long long days = 0;
  for (int y = 1970; y < year; ++y) {
    days += (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365;
  }
  for (int m = 1; m < month; ++m) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    days += kLengths[m - 1] + (m == 2 && leap ? 1 : 0);
  }
  return days + day - 1;
}

}  // namespace

TEST_CASE("parseTime: accepts RFC 3339 date-times with a zone") {
  const std::vector<TimeCase> cases = {
      {"2026-11-28T01:17:10Z", k20261128T011710Z},
      {"2026-11-28t01:17:10z", k20261128T011710Z},
      {"2026-11-28T01:17:10.5Z", k20261128T011710Z + 500},
      {"2026-11-28T01:17:10.05Z", k20261128T011710Z + 50},
      {"2026-11-28T01:17:10.123456789Z", k20261128T011710Z + 123},
      {"2026-11-28T01:17:10.000Z", k20261128T011710Z},
      {"2026-11-28T02:17:10+01:00", k20261128T011710Z},
      {"2026-11-28T01:17:10.5+01:00", k20261128T011710Z - 3600000 + 500},
      {"2026-11-27T20:47:10-04:30", k20261128T011710Z},
      {"2026-11-28T01:17:10+00:00", k20261128T011710Z},
      {"2026-11-28T01:17:10-00:00", k20261128T011710Z},
      {"2026-11-28T14:17:10+13:00", k20261128T011710Z},
      {"1970-01-01T00:00:00Z", 0},
      {"2000-02-29T00:00:00Z", 951782400000},
      {"2024-02-29T12:00:00Z", 1709208000000},
      {"2038-01-19T03:14:08Z", 2147483648000},
      {"2100-03-01T00:00:00Z", 4107542400000},
      {"9999-12-31T23:59:59Z", 253402300799000},
      {"2016-12-31T23:59:60Z", 1483228800000},  // a leap second rolls over
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parseTime(c.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.expected);
    CHECK(parseTime(c.text, true) == parsed);
  }
}

TEST_CASE("parseTime: rejects malformed and impossible date-times") {
  const std::vector<std::string> bad = {
      "",
      "2026-11-28",                      // a date needs allowDate
      "2026-11-28T01:17:10",             // no zone
      "2026-11-28T01:17:10UTC",          // zone not RFC 3339
      "2026-11-28T01:17:10ZZ",           // trailing garbage
      "2026-11-28T01:17:10Z ",           // trailing space
      " 2026-11-28T01:17:10Z",           // leading space
      "2026-11-28 01:17:10Z",            // space instead of T
      "2026-11-28T01:17Z",               // no seconds
      "2026-1-28T01:17:10Z",             // one-digit month
      "2026-11-28T1:17:10Z",             // one-digit hour
      "2026/11/28T01:17:10Z",            // wrong separator
      "2026-13-01T00:00:00Z",            // month 13
      "2026-00-10T00:00:00Z",            // month 0
      "2026-11-00T00:00:00Z",            // day 0
      "2026-11-31T00:00:00Z",            // November has 30 days
      "2026-02-30T00:00:00Z",            // February 30
      "2025-02-29T00:00:00Z",            // not a leap year
      "2100-02-29T00:00:00Z",            // century, not a leap year
      "2026-11-28T24:00:00Z",            // hour 24
      "2026-11-28T01:60:00Z",            // minute 60
      "2026-11-28T01:17:61Z",            // second 61
      "2026-11-28T01:17:10.Z",           // empty fraction
      "2026-11-28T01:17:10,5Z",          // comma fraction
      "2026-11-28T01:17:10+1:00",        // one-digit offset hour
      "2026-11-28T01:17:10+01",          // offset without minutes
      "2026-11-28T01:17:10+0100",        // offset without colon
      "2026-11-28T01:17:10+24:00",       // offset hour 24
      "2026-11-28T01:17:10+01:60",       // offset minute 60
      "1969-12-31T23:59:59Z",            // before 1970
      "0000-01-01T00:00:00Z",            // year 0
      "10000-01-01T00:00:00Z",           // five-digit year
      "-2026-11-28T01:17:10Z",           // signed year
      "tomorrow",
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    CHECK_FALSE(parseTime(text).has_value());
  }
}

TEST_CASE("parseTime: with allowDate a bare date is midnight UTC") {
  const std::vector<TimeCase> good = {
      {"2026-11-28", 1795824000000},
      {"1970-01-01", 0},
      {"2000-02-29", 951782400000},
      {"2026-11-28T01:17:10Z", k20261128T011710Z},
  };
  for (const auto& c : good) {
    CAPTURE(c.text);
    CHECK(parseTime(c.text, true) == std::optional<TimeMs>(c.expected));
  }
  const std::vector<std::string> bad = {"2026-02-30", "2026-11-28T", "2026-11-28Z",
                                        "2026-11-28 ", "1969-12-31", "2026-11", "26-11-28"};
  for (const auto& text : bad) {
    CAPTURE(text);
    CHECK_FALSE(parseTime(text, true).has_value());
  }
}

TEST_CASE("parseTime: agrees with a day-by-day count from 1970 to 2400") {
  char text[32];
  int checked = 0;
  for (int y = 1970; y <= 2400; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= 31; ++d) {
        std::snprintf(text, sizeof text, "%04d-%02d-%02dT00:00:00Z", y, m, d);
        const auto parsed = parseTime(text);
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        const bool shortMonth = m == 4 || m == 6 || m == 9 || m == 11;
        const int length = m == 2 ? (leap ? 29 : 28) : shortMonth ? 30 : 31;
        if (d > length) {
          if (parsed) FAIL_CHECK("accepted an impossible date: " << text);
          continue;
        }
        const TimeMs expected = naiveDays(y, m, d) * 86400000;
        if (!parsed || *parsed != expected) FAIL_CHECK("wrong value for " << text);
        ++checked;
      }
    }
  }
  CHECK(checked == 157420);  // days from 1970-01-01 through 2400-12-31
}

TEST_CASE("formatTime: UTC with seconds, milliseconds only when not zero") {
  const std::vector<TimeCase> cases = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-11-28T01:17:10Z", k20261128T011710Z},
      {"2026-11-28T01:17:10.500Z", k20261128T011710Z + 500},
      {"2026-11-28T01:17:10.007Z", k20261128T011710Z + 7},
      {"2000-02-29T00:00:00Z", 951782400000},
      {"9999-12-31T23:59:59Z", 253402300799000},
      {"1969-12-31T23:59:59.999Z", -1},
  };
  for (const auto& c : cases) {
    CAPTURE(c.expected);
    CHECK(formatTime(c.expected) == c.text);
  }
}

TEST_CASE("formatTime and parseTime: round trip") {
  for (TimeMs t = 0; t < 253402300799000; t += 12345678901) {  // about 143 days and odd ms
    CAPTURE(t);
    CHECK(parseTime(formatTime(t)) == std::optional<TimeMs>(t));
  }
}

TEST_CASE("parseHttpDate: the three HTTP-date forms") {
  const std::vector<TimeCase> good = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", k19941106T084937Z},
      {"Sunday, 06-Nov-94 08:49:37 GMT", k19941106T084937Z},
      {"Sun Nov  6 08:49:37 1994", k19941106T084937Z},
      {"Sun Nov 06 08:49:37 1994", k19941106T084937Z},
      {"Thu, 29 Feb 2024 12:00:00 GMT", 1709208000000},
      {"Tue, 19 Jan 2038 03:14:08 GMT", 2147483648000},
      {"Monday, 01-Mar-21 00:00:00 GMT", 1614556800000},  // two-digit year below 70: 20xx
      {"Wednesday, 31-Dec-69 23:59:59 GMT", 3155759999000},
      {"Thu Feb 29 12:00:00 2024", 1709208000000},
  };
  for (const auto& c : good) {
    CAPTURE(c.text);
    CHECK(parseHttpDate(c.text) == std::optional<TimeMs>(c.expected));
  }
}

TEST_CASE("parseHttpDate: rejects anything else") {
  const std::vector<std::string> bad = {
      "",
      "120",                                 // a Retry-After in seconds is not a date
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 31 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 25:00:00 GMT",
      "Sun 06 Nov 1994 08:49:37 GMT",
      "Sunday, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun, 06 Nov 1994 08:49:37 GMT ",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1969 08:49:37 GMT",
      "1994-11-06T08:49:37Z",
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    CHECK_FALSE(parseHttpDate(text).has_value());
  }
}

TEST_CASE("SystemClock: CLOCK_REALTIME and CLOCK_MONOTONIC in milliseconds") {
  // Each reading is bracketed by the kernel's own clock read just before
  // and just after: a wrong clock or a wrong unit falls outside.
  const auto ms = [](clockid_t id) {
    timespec ts{};
    REQUIRE(::clock_gettime(id, &ts) == 0);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  };
  relinkd::SystemClock clock;
  const auto wallBefore = ms(CLOCK_REALTIME);
  const TimeMs wall = clock.wallNow();
  const auto wallAfter = ms(CLOCK_REALTIME);
  CHECK(wallBefore <= wall);
  CHECK(wall <= wallAfter);
  const auto monoBefore = ms(CLOCK_MONOTONIC);
  const relinkd::MonoMs mono = clock.monoNow();
  const auto monoAfter = ms(CLOCK_MONOTONIC);
  CHECK(monoBefore <= mono);
  CHECK(mono <= monoAfter);
}

TEST_CASE("parseTime: an offset or a leap second cannot carry the instant out of 1970-9999 (found by fuzzing)") {
  for (const char* text : {"1970-01-01T00:00:00+00:01", "9999-12-31T23:00:00-01:00", "9999-12-31T23:59:60Z"}) {
    CAPTURE(text);
    CHECK_FALSE(relinkd::parseTime(text, false));
  }
  CHECK(relinkd::parseTime("1970-01-01T00:01:00+00:01", false) == 0);
  CHECK(relinkd::parseTime("9999-12-31T23:59:59.999Z", false) == 253402300799999);
}

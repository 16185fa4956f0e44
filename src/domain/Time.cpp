// The two time formats relinkd reads and writes (RFC 3339 and the
// HTTP-date). The calendar arithmetic is done here (days-from-civil) rather
// than with timegm/strptime, so parsing depends on neither the process's
// time zone nor its locale.
#include "relinkd/domain/Time.h"

#include <cstdio>

namespace relinkd {

namespace {

constexpr std::int64_t kMsPerDay = 86400000;
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 9999;
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool isLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeapYear(y) ? 29 : kDays[m - 1];
}

// The broken-down fields a parser fills in; check() then rejects nonsense.
struct Fields {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  int offsetMinutes = 0;  // local time minus UTC

  bool valid() const {
    return year >= kMinYear && year <= kMaxYear && month >= 1 && month <= 12 && day >= 1 &&
           static_cast<unsigned>(day) <= daysInMonth(year, static_cast<unsigned>(month)) &&
           hour <= 23 && minute <= 59 && second <= 60;  // 60: a leap second
  }
  TimeMs toTime() const {
    const std::int64_t days = daysFromCivil(year, static_cast<unsigned>(month),
                                            static_cast<unsigned>(day));
    const std::int64_t seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second;
    return seconds * 1000 + millis;
  }
};

// A strict left-to-right reader over the text being parsed.
class Cursor {
 public:
  explicit Cursor(const std::string& text) : text_(text) {}
  bool atEnd() const { return pos_ == text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  bool literal(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool oneOf(const char* chars) {
    for (const char* c = chars; *c; ++c) {
      if (literal(*c)) return true;
    }
    return false;
  }
  // Exactly n decimal digits.
  bool digits(int n, int& out) {
    out = 0;
    for (int i = 0; i < n; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
      ++pos_;
    }
    return true;
  }
  // One or more digits; the first three are kept as milliseconds.
  bool fraction(int& millis) {
    millis = 0;
    int count = 0;
    for (char c = peek(); c >= '0' && c <= '9'; c = peek(), ++count) {
      if (count < 3) millis = millis * 10 + (c - '0');
      ++pos_;
    }
    for (int i = count; i < 3; ++i) millis *= 10;
    return count > 0;
  }
  bool word(const std::string& w) {
    if (text_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  // A three-letter month name; month becomes 1..12.
  bool monthName(int& month) {
    for (int i = 0; i < 12; ++i) {
      if (word(kMonths[i])) {
        month = i + 1;
        return true;
      }
    }
    return false;
  }
  bool dayName(bool longForm) {
    static const char* const kShort[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char* const kLong[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
    for (int i = 0; i < 7; ++i) {
      if (word(longForm ? kLong[i] : kShort[i])) return true;
    }
    return false;
  }

 private:
  const std::string& text_;
  std::size_t pos_ = 0;
};

bool readClock(Cursor& c, Fields& f) {
  return c.digits(2, f.hour) && c.literal(':') && c.digits(2, f.minute) && c.literal(':') &&
         c.digits(2, f.second);
}

bool readDate(Cursor& c, Fields& f) {
  return c.digits(4, f.year) && c.literal('-') && c.digits(2, f.month) && c.literal('-') &&
         c.digits(2, f.day);
}

bool readZone(Cursor& c, Fields& f) {
  if (c.oneOf("Zz")) return true;
  const char sign = c.peek();
  if (!c.oneOf("+-")) return false;
  int hours = 0;
  int minutes = 0;
  if (!c.digits(2, hours) || !c.literal(':') || !c.digits(2, minutes)) return false;
  if (hours > 23 || minutes > 59) return false;
  f.offsetMinutes = (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
  return true;
}

// Years kMinYear to kMaxYear in UTC too, so that what is accepted formats
// back to something accepted: an offset or a leap second must not carry a
// valid local time outside them.
constexpr TimeMs kFirstTime = 0;               // 1970-01-01T00:00:00Z
constexpr TimeMs kLastTime = 253402300799999;  // 9999-12-31T23:59:59.999Z

std::optional<TimeMs> finish(const Cursor& c, const Fields& f) {
  if (!c.atEnd() || !f.valid()) return std::nullopt;
  const TimeMs t = f.toTime();
  if (t < kFirstTime || t > kLastTime) return std::nullopt;
  return t;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<TimeMs> parseImfFixdate(const std::string& text) {
  Cursor c(text);
  Fields f;
  const bool ok = c.dayName(false) && c.word(", ") && c.digits(2, f.day) && c.literal(' ') &&
                  c.monthName(f.month) && c.literal(' ') && c.digits(4, f.year) &&
                  c.literal(' ') && readClock(c, f) && c.word(" GMT");
  return ok ? finish(c, f) : std::nullopt;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year below 70 is 20xx.
std::optional<TimeMs> parseRfc850(const std::string& text) {
  Cursor c(text);
  Fields f;
  const bool ok = c.dayName(true) && c.word(", ") && c.digits(2, f.day) && c.literal('-') &&
                  c.monthName(f.month) && c.literal('-') && c.digits(2, f.year) &&
                  c.literal(' ') && readClock(c, f) && c.word(" GMT");
  f.year += f.year < 70 ? 2000 : 1900;
  return ok ? finish(c, f) : std::nullopt;
}

// "Sun Nov  6 08:49:37 1994" (the day is space-padded, or two digits).
std::optional<TimeMs> parseAsctime(const std::string& text) {
  Cursor c(text);
  Fields f;
  bool ok = c.dayName(false) && c.literal(' ') && c.monthName(f.month) && c.literal(' ');
  ok = ok && (c.literal(' ') ? c.digits(1, f.day) : c.digits(2, f.day));
  ok = ok && c.literal(' ') && readClock(c, f) && c.literal(' ') && c.digits(4, f.year);
  return ok ? finish(c, f) : std::nullopt;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string formatTime(TimeMs t) {
  const std::int64_t days = floorDiv(t, kMsPerDay);
  const std::int64_t msOfDay = t - days * kMsPerDay;
  const Civil date = civilFromDays(days);
  const int secOfDay = static_cast<int>(msOfDay / 1000);
  const int millis = static_cast<int>(msOfDay % 1000);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(date.year), date.month, date.day,
                        secOfDay / 3600, secOfDay / 60 % 60, secOfDay % 60);
  if (millis != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%03d", millis);
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

std::optional<TimeMs> parseTime(const std::string& text, bool allowDate) {
  Cursor c(text);
  Fields f;
  if (!readDate(c, f)) return std::nullopt;
  if (c.atEnd()) return allowDate ? finish(c, f) : std::nullopt;
  if (!c.oneOf("Tt") || !readClock(c, f)) return std::nullopt;
  if (c.literal('.') && !c.fraction(f.millis)) return std::nullopt;
  if (!readZone(c, f)) return std::nullopt;
  return finish(c, f);
}

std::optional<TimeMs> parseHttpDate(const std::string& text) {
  if (auto t = parseImfFixdate(text)) return t;
  if (auto t = parseRfc850(text)) return t;
  return parseAsctime(text);
}

}  // namespace relinkd

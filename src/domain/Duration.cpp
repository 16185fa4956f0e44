// Durations as operators write them: "<digits><unit>", unit one of
// ms, s, m, h, d; no unit means seconds.
#include "relinkd/domain/Duration.h"

#include <limits>

namespace relinkd {

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

std::optional<std::int64_t> unitMs(const std::string& unit) {
  if (unit.empty() || unit == "s") return kSecond;
  if (unit == "ms") return 1;
  if (unit == "m") return kMinute;
  if (unit == "h") return kHour;
  if (unit == "d") return kDay;
  return std::nullopt;
}

// One unit and, when not zero, the next smaller one: "2h 5m".
std::string formatPositive(std::int64_t ms) {
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  static const Unit kUnits[] = {{kDay, "d"}, {kHour, "h"}, {kMinute, "m"}, {kSecond, "s"}};
  if (ms < kSecond) return std::to_string(ms) + "ms";
  for (std::size_t i = 0; i < 3; ++i) {
    if (ms < kUnits[i].ms) continue;
    const std::int64_t big = ms / kUnits[i].ms;
    const std::int64_t small = ms % kUnits[i].ms / kUnits[i + 1].ms;
    std::string out = std::to_string(big) + kUnits[i].name;
    if (small != 0) out += " " + std::to_string(small) + kUnits[i + 1].name;
    return out;
  }
  return std::to_string(ms / kSecond) + "s";
}

}  // namespace

std::optional<std::int64_t> parseDuration(const std::string& text) {
  std::size_t pos = 0;
  std::int64_t value = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
    const int digit = text[pos] - '0';
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (pos == 0) return std::nullopt;
  const auto unit = unitMs(text.substr(pos));
  if (!unit || value > kMax / *unit) return std::nullopt;
  return value * *unit;
}

std::string formatDuration(std::int64_t ms) {
  if (ms >= 0) return formatPositive(ms);
  if (ms == std::numeric_limits<std::int64_t>::min()) ms += 1;  // -min does not fit
  return "-" + formatPositive(-ms);
}

}  // namespace relinkd

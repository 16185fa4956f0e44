#include "ConfigReader.h"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <cmath>
#include <locale>
#include <sstream>

#include "relinkd/domain/Duration.h"

namespace relinkd {

namespace {

constexpr std::int64_t kMaxDurationMs = 36500LL * 24 * 3600 * 1000;  // 100 years

}  // namespace

std::string quoted(const std::string& value) { return "'" + value + "'"; }

std::string ConfigReader::text(const std::string& key, const std::string& fallback) const {
  try {
    return Poco::trim(conf_.getString(key, fallback));
  } catch (const Poco::Exception& e) {
    throw ConfigError(key, e.displayText());
  }
}

bool ConfigReader::has(const std::string& key) const { return conf_.has(key); }

std::string ConfigReader::nonEmpty(const std::string& key, const std::string& fallback) const {
  std::string value = text(key, fallback);
  if (value.empty()) throw ConfigError(key, "must not be empty");
  return value;
}

std::int64_t ConfigReader::duration(const std::string& key, const std::string& fallback) const {
  const std::string value = text(key, fallback);
  const auto ms = parseDuration(value);
  if (!ms) {
    throw ConfigError(key, quoted(value) +
                               " is not a duration (an integer with a unit ms, s, m, h or d,"
                               " e.g. 30s)");
  }
  if (*ms == 0) throw ConfigError(key, "must be longer than 0");
  if (*ms > kMaxDurationMs) {
    throw ConfigError(key, quoted(value) + " is too long (at most 36500d)");
  }
  return *ms;
}

int ConfigReader::integer(const std::string& key, const std::string& fallback, long long min,
                          long long max) const {
  const std::string value = text(key, fallback);
  const std::string bounds =
      max == kNoMax ? "at least " + std::to_string(min)
                    : "from " + std::to_string(min) + " to " + std::to_string(max);
  const auto n = parseInteger(value);
  if (!n || *n < min || *n > max) {
    throw ConfigError(key, "must be an integer " + bounds + " (got " + quoted(value) + ")");
  }
  return static_cast<int>(*n);
}

double ConfigReader::number(const std::string& key, const std::string& fallback,
                            double min) const {
  const std::string value = text(key, fallback);
  std::istringstream in(value);
  in.imbue(std::locale::classic());
  double d = 0;
  in >> d;
  if (value.empty() || in.fail() || !in.eof() || !std::isfinite(d) || d < min) {
    const std::string least = std::to_string(static_cast<int>(min));
    throw ConfigError(key,
                      "must be a number of at least " + least + " (got " + quoted(value) + ")");
  }
  return d;
}

std::optional<long long> ConfigReader::parseInteger(const std::string& s) {
  const bool negative = !s.empty() && s[0] == '-';
  const std::size_t start = negative ? 1 : 0;
  if (s.size() == start || s.size() - start > 12) return std::nullopt;
  long long n = 0;
  for (std::size_t i = start; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    n = n * 10 + (s[i] - '0');
  }
  return negative ? -n : n;
}

}  // namespace relinkd

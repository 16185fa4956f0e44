// Reads one configuration key at a time, with its default, and turns the
// text into a checked value: a trimmed string, a duration, an integer in a
// range, a number. Each failure is a ConfigError naming the key and saying
// what a good value looks like. The checks of particular keys are in
// Config.cpp.
//
// Thread-safety: as the AbstractConfiguration it reads (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "relinkd/config/Config.h"

namespace relinkd {

// value in single quotes, for messages.
std::string quoted(const std::string& value);

class ConfigReader {
 public:
  // The bound integer() means by "no upper bound".
  static constexpr long long kNoMax = 2147483647;

  explicit ConfigReader(const Poco::Util::AbstractConfiguration& conf) : conf_(conf) {}

  // The value, trimmed, or fallback when the key is not set.
  std::string text(const std::string& key, const std::string& fallback) const;
  bool has(const std::string& key) const;
  // As text(), but an empty value is a ConfigError.
  std::string nonEmpty(const std::string& key, const std::string& fallback) const;
  // A duration ("30s") in milliseconds: longer than 0, at most 36500 days.
  std::int64_t duration(const std::string& key, const std::string& fallback) const;
  // An integer from min to max (kNoMax: no upper bound).
  int integer(const std::string& key, const std::string& fallback, long long min,
              long long max) const;
  // A finite decimal number of at least min, read in the classic locale.
  double number(const std::string& key, const std::string& fallback, double min) const;

 private:
  static std::optional<long long> parseInteger(const std::string& s);

  const Poco::Util::AbstractConfiguration& conf_;
};

}  // namespace relinkd

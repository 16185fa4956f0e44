// Durations as operators write them in relinkd.properties and on the
// command line: an integer and a unit (ms, s, m, h, d); a bare integer is
// seconds. "30s", "250ms", "14d", "1h".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace relinkd {

// Milliseconds, or nullopt when the text is not a non-negative duration.
// Rejects signs, fractions, spaces inside, unknown units and overflow.
std::optional<std::int64_t> parseDuration(const std::string& text);

// A short human form: "45s", "3m", "2h 5m", "13d 4h"; negative durations
// are formatted with a leading '-'. Used for "time left in the window".
std::string formatDuration(std::int64_t ms);

}  // namespace relinkd

// Points in time as relinkd stores them, and the two text forms it reads
// and writes: RFC 3339 (job files, the database, what operators read) and
// the HTTP-date (Retry-After). Pure functions of their arguments: they
// depend on neither the process's time zone nor its locale.
//
// Thread-safety: every function here is safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace relinkd {

using TimeMs = std::int64_t;  // wall clock, milliseconds since the Unix epoch
using MonoMs = std::int64_t;  // monotonic, milliseconds from an arbitrary origin

// "2026-11-28T01:17:10Z" (UTC, second precision; milliseconds shown only
// when not zero).
std::string formatTime(TimeMs t);

// Parses an RFC 3339 date-time ("2026-11-28T01:17:10Z",
// "2026-11-28T01:17:10.5+01:00"); a time zone is required.
// With allowDate, a bare date ("2026-11-28") means midnight UTC.
std::optional<TimeMs> parseTime(const std::string& text, bool allowDate = false);

// Parses an HTTP-date (RFC 7231 IMF-fixdate, also RFC 850 and asctime forms).
std::optional<TimeMs> parseHttpDate(const std::string& text);

}  // namespace relinkd

// Logging for operators: one line per event on standard error. Under
// journald (JOURNAL_STREAM set) each line starts with its syslog priority
// "<N>" and carries no timestamp (the journal adds one); otherwise lines
// start with an RFC 3339 timestamp and the level.
//
// Thread-safety: Poco loggers are thread-safe; configureLogging is called
// once at start and again on reload.
#pragma once

#include <string>

namespace relinkd {

// Points Poco's root logger at standard error with the level given (a Poco
// level name: fatal, critical, error, warning, notice, information, debug,
// trace). Throws ConfigError(relinkd.log.level) for an unknown level.
void configureLogging(const std::string& level);

// The syslog priority digit for a Poco message priority (error -> 3, ...).
int syslogPriority(int pocoPriority);

}  // namespace relinkd

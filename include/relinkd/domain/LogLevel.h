// The log levels an operator may name in relinkd.log.level: Poco's, by
// name. One table for the configuration check and the log lines.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

namespace relinkd {

// The Poco::Message priority for a level name (any case, surrounding blanks
// ignored), or nullopt when it names no level.
std::optional<int> logLevelByName(const std::string& name);

// "error" for Poco::Message::PRIO_ERROR, ...; "information" when unknown.
const char* logLevelName(int priority);

// What an operator may write: "fatal, critical, error, warning, notice,
// information, debug or trace".
std::string logLevelChoices();

}  // namespace relinkd

// What to tell an operator about a key relinkd does not know: the nearest
// known key, by edit distance ignoring case, as a "did you mean".
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace relinkd {

// Every key relinkd knows (kKnownKeys in Config.cpp).
const std::vector<std::string>& knownConfigKeys();

// The known key nearest to word (case ignored), or "" when none is near
// enough to be a likely typo.
std::string nearestKnownKey(const std::string& word, const std::vector<std::string>& known);

// "unknown key; did you mean K?" (with "keys are case-sensitive" when only
// the case differs), else where the known keys are listed.
std::string unknownKeyProblem(const std::string& key, const std::vector<std::string>& known);

// For a line without '=' or ':' (or with nothing before it): what is wrong
// and, from the line's first word, the known key it likely meant.
std::string notKeyValueProblem(const std::string& lineKey, bool noKey, const std::vector<std::string>& known);

}  // namespace relinkd

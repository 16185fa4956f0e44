// Reading the JSON bodies the fake receives: a job submission (checked the
// way PROTOCOL.md describes), a /_fake/config patch and a /_fake/faults list.
// Each function reports problems as messages; none throws.
//
// Thread-safety: pure functions, callable from any thread.
#pragma once

#include "FakeState.h"

#include <string>
#include <vector>

namespace relinkd::fakeapi {

// The problems of a POST jobs/cma body; empty when it is acceptable.
std::vector<std::string> checkSubmission(const std::string& body, bool anyProductCase);

// Applies a POST /_fake/config body to settings. Returns "" on success, else
// what is wrong (settings may then be partly changed: pass a copy).
std::string applyConfig(const std::string& body, Settings& settings);

// Parses a POST /_fake/faults body into faults. Returns "" on success, else
// what is wrong.
std::string parseFaults(const std::string& body, std::vector<Fault>& faults);

}  // namespace relinkd::fakeapi

// Checks of network addresses written in the configuration: "host:port"
// for relinkd.http.listen and the proxy, and whether a URL names a loopback
// host (isLoopbackUrl, declared in relinkd/Config.h).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace relinkd {

// "host:port" or "[ipv6]:port" with port 1..65535. Returns what is wrong,
// in words for an operator, or "" when the text is fine.
std::string hostPortProblem(const std::string& text);

}  // namespace relinkd

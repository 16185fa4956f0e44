// Network addresses as operators write them: "host:port" (for
// relinkd.http.listen and the proxy) and whether a host or URL names the
// loopback interface. Pure checks on text: nothing is resolved.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace relinkd {

struct HostPort {
  std::string host;     // without the IPv6 brackets
  int port = 0;         // 0..65535
  std::string problem;  // in words for an operator; "" when the text is fine
};

// "host:port" or "[ipv6]:port", port 0..65535 (0: any free port).
HostPort splitHostPort(const std::string& text);

// "host:port" or "[ipv6]:port" with port 1..65535. Returns what is wrong,
// in words for an operator, or "" when the text is fine.
std::string hostPortProblem(const std::string& text);

// True for "localhost" (any case) and literal loopback addresses
// (127.0.0.0/8, ::1, ::ffff:127.x.y.z), with or without IPv6 brackets.
bool isLoopbackHost(const std::string& host);

// True when the URL's host is a loopback host (isLoopbackHost). Plain
// http:// is accepted only for those.
bool isLoopbackUrl(const std::string& url);

}  // namespace relinkd

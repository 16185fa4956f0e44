// Addresses as operators write them: one parser for relinkd.http.listen,
// the proxy and the status server.
#include <doctest/doctest.h>

#include "relinkd/domain/Address.h"

using relinkd::HostPort;

TEST_CASE("splitHostPort: host and port, or what is wrong") {
  struct Case {
    const char* text;
    const char* host;
    int port;
    const char* problem;
  };
  const Case cases[] = {
      {"127.0.0.1:8080", "127.0.0.1", 8080, ""},
      {"localhost:0", "localhost", 0, ""},
      {"[::1]:9", "::1", 9, ""},
      {"proxy.example:65535", "proxy.example", 65535, ""},
      {"proxy.example", "", 0, "the port is missing"},
      {":80", "", 0, "the host is missing"},
      {"[::1]80", "", 0, "an IPv6 host must be written [address]:port"},
      {"[zz]:80", "", 0, "the host is not an IPv6 address"},
      {"a b:80", "", 0, "the host may contain only letters, digits, '.', '-' and '_'"},
      {"h:65536", "", 0, "the port must be a number from 1 to 65535"},
      {"h:80x", "", 0, "the port must be a number from 1 to 65535"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const HostPort split = relinkd::splitHostPort(c.text);
    CHECK(split.problem == c.problem);
    if (*c.problem == '\0') {
      CHECK(split.host == c.host);
      CHECK(split.port == c.port);
    }
  }
  CHECK(relinkd::hostPortProblem("localhost:0") == "the port must be a number from 1 to 65535");
  CHECK(relinkd::hostPortProblem("localhost:1").empty());
}

TEST_CASE("isLoopbackHost: by name and literal address, without resolving") {
  for (const char* host : {"localhost", "LOCALHOST", "127.0.0.1", "127.9.8.7", "::1", "[::1]", "::ffff:127.0.0.1"}) {
    INFO(host);
    CHECK(relinkd::isLoopbackHost(host));
  }
  for (const char* host : {"", "example.com", "10.0.0.1", "128.0.0.1", "::2", "localhost.example"}) {
    INFO(host);
    CHECK_FALSE(relinkd::isLoopbackHost(host));
  }
}

// The real Transport: HTTP/1.1 over Poco::Net, with TLS for https:// URLs.
//
// TLS: certificate and host-name verification are always on (a
// RejectCertificateHandler, never a prompt), TLS 1.2 or newer, trusting the
// system store or only caFile when set. Plain http:// is refused unless the
// host is loopback. An https proxy is used through CONNECT when set.
// Keep-alive connections are pooled per scheme/host/port and reused.
//
// Time: a send is over within min(budgetMs, timeoutMs), however slowly the
// server (or the proxy, or the name server) answers. Host names are resolved
// on a short-lived helper thread that the send stops waiting for at its
// deadline or at abortAll(); the connection then goes to the numeric
// address while TLS still checks (and sends as SNI) the URL's host name.
//
// Thread-safety: send() may be called from many threads; each call takes a
// pooled session for its own use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "relinkd/policy/Http.h"

namespace relinkd {

// A host name's addresses as numeric text ("192.0.2.1", "2001:db8::1"),
// or why there are none.
struct ResolvedHost {
  std::vector<std::string> addresses;
  std::string error;  // when addresses is empty
  // The resolver's authoritative "no such name" (getaddrinfo EAI_NONAME, what
  // glibc returns for NXDOMAIN), as opposed to one that may pass (EAI_AGAIN:
  // SERVFAIL, REFUSED, no name server answering; EAI_NODATA: the name exists
  // without an address).
  bool noSuchHost = false;
};

// Resolves a host name; may block for as long as it likes. Called on a
// detached helper thread, so it must not refer to anything that may be gone
// by the time it returns.
using Resolver = std::function<ResolvedHost(const std::string& host)>;

struct TransportOptions {
  std::string caFile;          // empty: the system trust store
  std::int64_t timeoutMs = 30000;  // the most one whole exchange may take
  std::string proxy;           // "http://host:port" or empty
  std::string userAgent = "relinkd";
  Resolver resolver;           // empty: getaddrinfo (tests inject their own)
};

// Throws std::runtime_error when caFile cannot be loaded.
std::unique_ptr<Transport> makePocoTransport(const TransportOptions& options);

}  // namespace relinkd

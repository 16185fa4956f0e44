// The real Transport: HTTP/1.1 over Poco::Net, with TLS for https:// URLs.
//
// TLS: certificate and host-name verification are always on (a
// RejectCertificateHandler, never a prompt), TLS 1.2 or newer, trusting the
// system store or only caFile when set. Plain http:// is refused unless the
// host is loopback. An https proxy is used through CONNECT when set.
// Keep-alive connections are pooled per scheme/host/port and reused.
//
// Thread-safety: send() may be called from many threads; each call takes a
// pooled session for its own use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "relinkd/Http.h"

namespace relinkd {

struct TransportOptions {
  std::string caFile;          // empty: the system trust store
  std::int64_t timeoutMs = 30000;  // connect and per-request timeout
  std::string proxy;           // "http://host:port" or empty
  std::string userAgent = "relinkd";
};

// Throws std::runtime_error when caFile cannot be loaded.
std::unique_ptr<Transport> makePocoTransport(const TransportOptions& options);

}  // namespace relinkd

// The HTTP seam. The core builds HttpRequests and reads HttpResults; only
// the real transport (PocoTransport) touches the network. Unit tests pass a
// fake Transport.
//
// Thread-safety: Transport::send is called from several worker threads at
// once; implementations must allow that. abortAll may be called from any
// thread while sends are blocked.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace relinkd {

struct HttpRequest {
  std::string method;  // "GET" or "POST"
  std::string url;     // absolute: scheme://host[:port]/path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;    // sent with Content-Length when not empty
};

// What went wrong below HTTP, if anything.
enum class TransportError {
  kNone,
  kConnectionRefused,
  kConnectionReset,     // reset or closed before a complete response
  kTimeout,             // the exchange did not finish within its time limit
  kDns,                 // host name could not be resolved (no answer, SERVFAIL, no address)
  kNoSuchHost,          // the resolver answered that the name does not exist (NXDOMAIN)
  kTls,                 // TLS handshake failed for a reason other than the certificate
  kCertificateRejected, // the server's certificate failed verification
  kProxy,               // the proxy refused or failed the CONNECT
  kAborted,             // abortAll() interrupted it (shutdown)
  kTooLate,             // not sent: it could not finish before the job's deadline
  kOther,
};

const char* transportErrorName(TransportError e);

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive header lookup; empty when absent.
  std::string header(const std::string& name) const;
};

struct HttpResult {
  TransportError error = TransportError::kNone;
  std::string errorMessage;  // for operators; never contains credentials
  HttpResponse response;     // meaningful when error == kNone
  double seconds = 0;        // how long the exchange took
};

// Below this, a request is not sent at all: no HTTPS exchange (name
// resolution, connect, TLS handshake, request, response) can be expected
// to complete in less.
constexpr std::int64_t kMinRequestBudgetMs = 1000;

class Transport {
 public:
  virtual ~Transport() = default;
  // One exchange, over within min(budgetMs, the transport's own timeout)
  // from the call, whatever the server does: every step (name resolution,
  // connect, proxy CONNECT, TLS handshake, writing, reading) gets only the
  // time that is left; past it the result is kTimeout.
  virtual HttpResult send(const HttpRequest& request, std::int64_t budgetMs) = 0;
  // Interrupts every send in progress (they return kAborted) and every later
  // one. Used at shutdown so that a stalled server cannot hold the daemon.
  virtual void abortAll() = 0;
};

}  // namespace relinkd

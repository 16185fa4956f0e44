// The HTTP seam. The core builds HttpRequests and reads HttpResults; only
// the real transport (PocoTransport) touches the network. Unit tests pass a
// fake Transport.
//
// Thread-safety: Transport::send is called from several worker threads at
// once; implementations must allow that. abortAll may be called from any
// thread while sends are blocked.
#pragma once

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
  kTimeout,             // connect or read timed out
  kDns,                 // host name could not be resolved
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

class Transport {
 public:
  virtual ~Transport() = default;
  virtual HttpResult send(const HttpRequest& request) = 0;
  // Interrupts every send in progress (they return kAborted) and every later
  // one. Used at shutdown so that a stalled server cannot hold the daemon.
  virtual void abortAll() = 0;
};

}  // namespace relinkd

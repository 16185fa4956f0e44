// How PocoTransport turns what Poco and OpenSSL throw into a TransportError
// and an operator message. Messages name the host:port, never headers.
//
// Thread-safety: pure functions, except that the reason a certificate was
// rejected is remembered per thread (the TLS handshake verifies on the thread
// that sends).
#pragma once

#include <string>

#include <Poco/Exception.h>

#include "relinkd/policy/Http.h"

namespace relinkd {

// Thrown inside PocoTransport for failures Poco does not report itself;
// send() turns it into its HttpResult.
struct SendFailure {
  TransportError error;
  std::string message;
};

// Why OpenSSL rejected the last certificate verified on this thread.
std::string& lastCertificateError();

namespace poco_errors {

// The connection was closed or reset under a request or response.
bool isConnectionLoss(const Poco::Exception& e);

// The failure of a send to host (where: its host:port) that threw e;
// timeoutMs is the limit a timeout message names.
SendFailure classify(const Poco::Exception& e, const std::string& host,
                     const std::string& where, long long timeoutMs);

}  // namespace poco_errors
}  // namespace relinkd

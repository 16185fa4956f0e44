// The HTTP messages of PocoTransport: the request it writes (the transport
// owns Host, Content-Length and the connection headers), and the response
// bodies it reads: delimited by Content-Length or by the end of the
// connection, or chunked, read past Poco's stream (which takes a connection
// closed mid-body for the end of the body). Every body is capped at 1 MiB.
//
// Thread-safety: pure functions of the session they are given.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include "PocoTargets.h"
#include "relinkd/policy/Http.h"

namespace relinkd {

constexpr std::size_t kMaxResponseBytes = 1024 * 1024;

// request as Poco writes it to target, with the transport's own headers.
Poco::Net::HTTPRequest makeRequest(const HttpRequest& request, const Target& target,
                                   const std::string& userAgent);

// Whether the status allows a body (RFC 9112 section 6.3).
bool mayHaveBody(int status);

// A body delimited by Content-Length or by the end of the connection.
// Throws SendFailure when it is too large or cut short.
std::string readDelimitedBody(std::istream& stream, const Poco::Net::HTTPResponse& response,
                              const Target& target);

// A chunked body, read from the socket past Poco's stream (which takes a
// connection closed mid-body for the end of the body). Returns whether nothing
// followed the body, so that the connection can carry another exchange.
// Throws SendFailure when it is malformed, too large or cut short.
bool readChunkedBody(Poco::Net::HTTPClientSession& session, const Target& target,
                     std::string& body);

}  // namespace relinkd

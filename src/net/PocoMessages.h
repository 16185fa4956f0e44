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

#include <Poco/Buffer.h>
#include <Poco/String.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include "ChunkedDecoder.h"
#include "PocoErrors.h"
#include "PocoTargets.h"
#include "relinkd/policy/Http.h"

namespace relinkd {

constexpr std::size_t kMaxResponseBytes = 1024 * 1024;

inline bool isTransportHeader(const std::string& name) {
  return Poco::icompare(name, "Host") == 0 || Poco::icompare(name, "Content-Length") == 0 ||
         Poco::icompare(name, "Connection") == 0 || Poco::icompare(name, "Transfer-Encoding") == 0;
}

inline Poco::Net::HTTPRequest makeRequest(const HttpRequest& request, const Target& target,
                                          const std::string& userAgent) {
  Poco::Net::HTTPRequest out(request.method, target.pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
  out.setHost(target.host, target.port);
  out.set("User-Agent", userAgent);
  for (const auto& [name, value] : request.headers) {
    if (!isTransportHeader(name)) out.set(name, value);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    out.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
  }
  out.setKeepAlive(true);
  return out;
}

// Whether the status allows a body (RFC 9112 section 6.3).
inline bool mayHaveBody(int status) { return status >= 200 && status != 204 && status != 304; }

inline void checkSize(const std::string& body, const Target& target) {
  if (body.size() > kMaxResponseBytes) {
    throw SendFailure{TransportError::kOther, "response too large (over 1 MiB) from " + target.where};
  }
}

inline SendFailure closedEarly(const Target& target) {
  return {TransportError::kConnectionReset,
          "connection closed before the response was complete (" + target.where + ")"};
}

// A body delimited by Content-Length or by the end of the connection.
inline std::string readDelimitedBody(std::istream& stream,
                                     const Poco::Net::HTTPResponse& response,
                                     const Target& target) {
  stream.exceptions(std::ios::badbit);  // Poco's socket errors propagate instead of ending the body
  std::string body;
  char buffer[16 * 1024];
  while (stream.read(buffer, sizeof buffer), stream.gcount() > 0) {
    body.append(buffer, static_cast<std::size_t>(stream.gcount()));
    checkSize(body, target);
  }
  if (response.hasContentLength() &&
      static_cast<Poco::Int64>(body.size()) < response.getContentLength64()) {
    throw closedEarly(target);
  }
  return body;
}

// A chunked body, read from the socket past Poco's stream (which takes a
// connection closed mid-body for the end of the body). Returns whether nothing
// followed the body, so that the connection can carry another exchange.
inline bool readChunkedBody(Poco::Net::HTTPClientSession& session, const Target& target,
                            std::string& body) {
  ChunkedDecoder decoder;
  Poco::Buffer<char> buffered(0);
  session.drainBuffer(buffered);
  std::size_t unused = buffered.size() - decoder.feed(buffered.begin(), buffered.size(), body);
  char buffer[16 * 1024];
  while (!decoder.done()) {
    if (decoder.malformed()) {
      throw SendFailure{TransportError::kOther, "malformed chunked response (" + target.where + ")"};
    }
    checkSize(body, target);
    const int n = session.socket().receiveBytes(buffer, sizeof buffer);
    if (n <= 0) throw closedEarly(target);
    unused = static_cast<std::size_t>(n) - decoder.feed(buffer, static_cast<std::size_t>(n), body);
  }
  checkSize(body, target);
  return unused == 0;
}

}  // namespace relinkd

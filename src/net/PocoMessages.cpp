#include "PocoMessages.h"

#include <Poco/Buffer.h>
#include <Poco/String.h>

#include "ChunkedDecoder.h"
#include "PocoErrors.h"

namespace relinkd {

namespace {

bool isTransportHeader(const std::string& name) {
  return Poco::icompare(name, "Host") == 0 || Poco::icompare(name, "Content-Length") == 0 ||
         Poco::icompare(name, "Connection") == 0 || Poco::icompare(name, "Transfer-Encoding") == 0;
}

void checkSize(const std::string& body, const Target& target) {
  if (body.size() > kMaxResponseBytes) {
    throw SendFailure{TransportError::kOther, "response too large (over 1 MiB) from " + target.where};
  }
}

SendFailure closedEarly(const Target& target) {
  return {TransportError::kConnectionReset,
          "connection closed before the response was complete (" + target.where + ")"};
}

}  // namespace

Poco::Net::HTTPRequest makeRequest(const HttpRequest& request, const Target& target,
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

bool mayHaveBody(int status) { return status >= 200 && status != 204 && status != 304; }

std::string readDelimitedBody(std::istream& stream, const Poco::Net::HTTPResponse& response,
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

bool readChunkedBody(Poco::Net::HTTPClientSession& session, const Target& target,
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

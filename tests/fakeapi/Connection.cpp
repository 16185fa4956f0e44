#include "Connection.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>

#include <sstream>

#include <sys/socket.h>
#include <unistd.h>

namespace relinkd::fakeapi {
namespace {

constexpr std::size_t kTruncatedMissingBytes = 64;

// Takes the connection's socket away from the HTTP server, which then ends
// the connection without writing to it.
Poco::Net::StreamSocket detach(Poco::Net::HTTPServerRequest& request,
                               Poco::Net::HTTPServerResponse& response) {
  response.setKeepAlive(false);
  auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
  return impl.detachSocket();
}

void sendAll(Poco::Net::StreamSocket& socket, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    int n = socket.sendBytes(data.data() + sent, static_cast<int>(data.size() - sent));
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// Ends the connection: FIN (after a TLS close_notify) unless it was reset.
// Errors mean the peer is gone already, which is all a fault wants.
void closeQuietly(Poco::Net::StreamSocket& socket) {
  try {
    socket.shutdown();
  } catch (const Poco::Exception&) {
  }
  try {
    socket.close();
  } catch (const Poco::Exception&) {
  }
}

}  // namespace

void sendReply(Poco::Net::HTTPServerResponse& response, const Reply& reply) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.setContentType("application/json");
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.sendBuffer(reply.body.data(), reply.body.size());
}

void resetConnection(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) {
  Poco::Net::StreamSocket socket = detach(request, response);
  socket.setLinger(true, 0);
  // dup2 drops the descriptor's last reference to the connection, which with
  // SO_LINGER 0 sends the RST at once. The descriptor then holds a fresh
  // unconnected socket, so what closeQuietly does (a TLS close_notify,
  // shutdown) reaches nobody.
  int spare = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (spare >= 0) {
    ::dup2(spare, socket.impl()->sockfd());
    ::close(spare);
  }
  closeQuietly(socket);
}

void closeConnection(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) {
  Poco::Net::StreamSocket socket = detach(request, response);
  closeQuietly(socket);
}

void sendTruncated(Poco::Net::HTTPServerRequest& request,
                   Poco::Net::HTTPServerResponse& response, const Reply& reply) {
  Poco::Net::HTTPResponse head(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  head.setContentType("application/json");
  for (const auto& [name, value] : reply.headers) head.set(name, value);
  head.setContentLength(static_cast<std::streamsize>(reply.body.size() + kTruncatedMissingBytes));
  head.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  head.setKeepAlive(false);
  std::ostringstream out;
  head.write(out);
  Poco::Net::StreamSocket socket = detach(request, response);
  try {
    sendAll(socket, out.str() + reply.body);
  } catch (const Poco::Exception&) {
    // The peer hung up first; the fault has done its job.
  }
  closeQuietly(socket);
}

}  // namespace relinkd::fakeapi

#include "PocoConnector.h"

#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/X509Certificate.h>

#include "PocoErrors.h"
#include "PocoTls.h"
#include "relinkd/domain/Address.h"

namespace relinkd {

using Poco::Net::HTTPClientSession;
using Poco::Net::SocketAddress;
using Poco::Net::StreamSocket;

Connector::Connector(Poco::Timespan timeout, const TransportOptions& options)
    : timeout_(timeout),
      context_(makeClientContext(options.caFile)),
      proxy_(parseProxy(options.proxy)),
      lookups_(options.resolver ? options.resolver : Resolver(resolveByGetaddrinfo)) {}

PooledConnection Connector::connect(const Target& target, AbortHandle& handle,
                                    const Budget& budget) const {
  lastCertificateError().clear();
  // The proxy cannot reach our loopback, and plain http is loopback only.
  const bool viaProxy = proxy_ && target.secure && !isLoopbackHost(target.host);
  StreamSocket socket =
      viaProxy ? openTunnel(target, handle, budget) : openDirect(target, handle, budget);
  PooledConnection connection;
  connection.fd = socket.impl()->sockfd();
  if (target.secure) {
    AbortHandle::Watch watch(handle, connection.fd);
    connection.session = startTls(socket, target);
  } else {
    connection.session = std::make_unique<HTTPClientSession>(socket);
  }
  connection.session->setKeepAlive(true);
  connection.session->setTimeout(timeout_, timeout_, timeout_);
  return connection;
}

StreamSocket Connector::openDirect(const Target& target, AbortHandle& handle,
                                   const Budget& budget) const {
  const SocketAddress address(resolveHost(lookups_, target.host, handle, budget), target.port);
  if (!target.secure && !address.host().isLoopback()) {
    throw SendFailure{TransportError::kOther, "plain http is only allowed for loopback hosts (" +
                                                  target.where + " is " +
                                                  address.host().toString() + ")"};
  }
  return openTcp(address, handle, budget);
}

// Connects within what is left of the budget. Reads and writes keep the
// transport's timeout (a connection outlives the send that opened it):
// the reaper ends them at the send's deadline.
StreamSocket Connector::openTcp(const SocketAddress& address, AbortHandle& handle,
                                const Budget& budget) const {
  StreamSocket socket(address.family());
  AbortHandle::Watch watch(handle, socket.impl()->sockfd());
  socket.connect(address, budget.left());
  socket.setReceiveTimeout(timeout_);
  socket.setSendTimeout(timeout_);
  socket.setNoDelay(true);
  return socket;
}

// A TCP connection to the target through the proxy (HTTP CONNECT).
StreamSocket Connector::openTunnel(const Target& target, AbortHandle& handle,
                                   const Budget& budget) const {
  const std::string failed =
      "cannot open a tunnel to " + target.where + " through the proxy " + proxy_->where + ": ";
  try {
    const SocketAddress address(resolveHost(lookups_, proxy_->host, handle, budget),
                                proxy_->port);
    StreamSocket socket = openTcp(address, handle, budget);
    HTTPClientSession session(socket);
    AbortHandle::Watch watch(handle, socket.impl()->sockfd());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_CONNECT, target.where,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Host", target.where);
    if (!proxy_->user.empty()) {
      Poco::Net::HTTPBasicCredentials(proxy_->user, proxy_->password).proxyAuthenticate(request);
    }
    session.setKeepAlive(true);
    session.sendRequest(request);
    Poco::Net::HTTPResponse answer;
    session.receiveResponse(answer);
    if (answer.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
      throw SendFailure{TransportError::kProxy, failed + "HTTP " +
                                                    std::to_string(answer.getStatus()) + " " +
                                                    answer.getReason()};
    }
    return session.detachSocket();
  } catch (const Poco::Exception& e) {
    throw SendFailure{TransportError::kProxy, failed + e.displayText()};
  } catch (const SendFailure& f) {
    // The proxy's own name: not the site's, so never a site that does not exist.
    if (f.error != TransportError::kDns && f.error != TransportError::kNoSuchHost) throw;
    throw SendFailure{TransportError::kProxy, failed + f.message};
  }
}

std::unique_ptr<HTTPClientSession> Connector::startTls(const StreamSocket& socket,
                                                       const Target& target) const {
  Poco::Net::SecureStreamSocket secure =
      Poco::Net::SecureStreamSocket::attach(socket, target.host, context_);
  // Poco skips its host-name check for names that resolve to loopback
  // (unless VERIFY_STRICT): check here, always.
  if (!secure.peerCertificate().verify(target.host)) {
    throw SendFailure{TransportError::kCertificateRejected,
                      "the server's certificate was rejected: it is not valid for the host name " +
                          target.host + " (" + target.where + ")"};
  }
  return std::make_unique<AttachedHttpsSession>(secure, context_);
}

}  // namespace relinkd

// Opens the connections PocoTransport sends on: resolves the host within the
// send's budget, connects (directly, or through the proxy with HTTP CONNECT
// for https), and runs the TLS handshake with its host-name check. Every
// blocking step runs on a socket the send's AbortHandle watches, so that
// abortAll() and the deadline reaper can stop it.
//
// Thread-safety: connect() may be called from many threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "PocoConnections.h"
#include "PocoDeadlines.h"
#include "PocoResolver.h"
#include "PocoTargets.h"
#include "relinkd/net/PocoTransport.h"

namespace relinkd {

class Connector {
 public:
  // timeout: what reads and writes on a new connection may take. Throws
  // std::runtime_error when options.caFile cannot be loaded or
  // options.proxy is not http://host:port (in that order).
  Connector(Poco::Timespan timeout, const TransportOptions& options);

  // A new connection to target, ready for HTTP (TLS verified for https).
  // Throws SendFailure or Poco::Exception; stops when handle is stopped.
  PooledConnection connect(const Target& target, AbortHandle& handle, const Budget& budget) const;

 private:
  Poco::Net::StreamSocket openDirect(const Target& target, AbortHandle& handle,
                                     const Budget& budget) const;
  Poco::Net::StreamSocket openTcp(const Poco::Net::SocketAddress& address, AbortHandle& handle,
                                  const Budget& budget) const;
  Poco::Net::StreamSocket openTunnel(const Target& target, AbortHandle& handle,
                                     const Budget& budget) const;
  std::unique_ptr<Poco::Net::HTTPClientSession> startTls(const Poco::Net::StreamSocket& socket,
                                                         const Target& target) const;

  Poco::Timespan timeout_;
  Poco::Net::Context::Ptr context_;
  std::optional<ProxyAddress> proxy_;
  mutable Lookups lookups_;  // thread-safe; shared by the sends of this transport
};

}  // namespace relinkd

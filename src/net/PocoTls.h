// The TLS side of PocoTransport: the one client Context (built in code, never
// from openSSL.client.* configuration), with a handler that rejects failed
// certificates instead of prompting, and the session type that runs HTTP over
// an already verified TLS socket.
//
// Thread-safety: makeClientContext() may be called from any thread; a Context
// is shared by all connections of a transport.
#pragma once

#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>

namespace relinkd {

// Peer verification on (VERIFY_RELAXED verifies the server), depth 9, TLS 1.2
// or newer, default ciphers, idle connections without buffers; trusts the system store, or only caFile when set.
// Certificates that fail verification are rejected, never prompted for, and
// why is recorded for the handshaking thread (lastCertificateError()).
// Throws std::runtime_error naming caFile when it is missing or does not load.
Poco::Net::Context::Ptr makeClientContext(const std::string& caFile);

// An HTTPS session on a socket that is already connected and verified.
// (HTTPSClientSession's own socket constructor throws for connected sockets.)
class AttachedHttpsSession : public Poco::Net::HTTPSClientSession {
 public:
  AttachedHttpsSession(const Poco::Net::SecureStreamSocket& socket, Poco::Net::Context::Ptr context);
};

}  // namespace relinkd

// The real Transport: see include/relinkd/PocoTransport.h. Connections are
// opened here rather than by Poco's sessions so that every blocking step
// (connect, CONNECT through the proxy, TLS handshake, write, read) runs on a
// socket that abortAll() can shut down.
#include "relinkd/PocoTransport.h"

#include <chrono>
#include <optional>
#include <stdexcept>

#include <Poco/Buffer.h>
#include <Poco/String.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/X509Certificate.h>

#include "ChunkedDecoder.h"
#include "PocoConnections.h"
#include "PocoErrors.h"
#include "PocoTargets.h"
#include "PocoTls.h"

namespace relinkd {
namespace {

using Poco::Net::Context;
using Poco::Net::HTTPClientSession;
using Poco::Net::SocketAddress;
using Poco::Net::StreamSocket;

constexpr std::size_t kMaxResponseBytes = 1024 * 1024;
constexpr std::size_t kMaxIdlePerKey = 8;
// Servers close idle connections after a few seconds to a minute; an older
// one would mostly cost a failed attempt before the retry.
constexpr std::chrono::seconds kMaxIdleAge{10};

bool isTransportHeader(const std::string& name) {
  return Poco::icompare(name, "Host") == 0 || Poco::icompare(name, "Content-Length") == 0 ||
         Poco::icompare(name, "Connection") == 0 || Poco::icompare(name, "Transfer-Encoding") == 0;
}

std::int64_t positive(std::int64_t timeoutMs) {
  if (timeoutMs <= 0) throw std::runtime_error("the HTTP timeout must be positive");
  return timeoutMs;
}

// Whether the status allows a body (RFC 9112 section 6.3).
bool mayHaveBody(int status) { return status >= 200 && status != 204 && status != 304; }

void checkSize(const std::string& body, const Target& target) {
  if (body.size() > kMaxResponseBytes) {
    throw SendFailure{TransportError::kOther, "response too large (over 1 MiB) from " + target.where};
  }
}

SendFailure closedEarly(const Target& target) {
  return {TransportError::kConnectionReset,
          "connection closed before the response was complete (" + target.where + ")"};
}

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

// A body delimited by Content-Length or by the end of the connection.
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

// A chunked body, read from the socket past Poco's stream (which takes a
// connection closed mid-body for the end of the body). Returns whether nothing
// followed the body, so that the connection can carry another exchange.
bool readChunkedBody(HTTPClientSession& session, const Target& target, std::string& body) {
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

class PocoTransport final : public Transport {
 public:
  explicit PocoTransport(const TransportOptions& options)
      : timeoutMs_(positive(options.timeoutMs)),
        timeout_(static_cast<Poco::Timespan::TimeDiff>(timeoutMs_) * 1000),
        context_(makeClientContext(options.caFile)),
        userAgent_(options.userAgent),
        proxy_(parseProxy(options.proxy)),
        pool_(kMaxIdlePerKey, kMaxIdleAge) {}

  HttpResult send(const HttpRequest& request) override {
    const auto start = std::chrono::steady_clock::now();
    HttpResult result = attempt(request);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  void abortAll() override { pool_.abortAll(); }

 private:
  // Registers a send with the pool for the duration of a scope.
  class InFlight {
   public:
    InFlight(ConnectionPool& pool, AbortHandle& handle) : pool_(pool), handle_(handle) {
      if (!pool_.enter(&handle_)) handle_.abort();
    }
    ~InFlight() { pool_.leave(&handle_); }

   private:
    ConnectionPool& pool_;
    AbortHandle& handle_;
  };

  HttpResult attempt(const HttpRequest& request) {
    AbortHandle handle;
    Target target;
    SendFailure failure{TransportError::kOther, ""};
    try {
      target = parseTarget(request.url);
      InFlight inFlight(pool_, handle);
      if (!handle.aborted()) {
        HttpResult result;
        result.response = perform(request, target, handle);
        return result;
      }
    } catch (const SendFailure& f) {
      failure = f;
    } catch (const Poco::Exception& e) {
      failure = poco_errors::classify(e, target.host, target.where, timeoutMs_);
    } catch (const std::exception& e) {
      failure = {TransportError::kOther, e.what() + (" (" + target.where + ")")};
    }
    if (handle.aborted()) {
      failure = {TransportError::kAborted, "interrupted by shutdown (" + target.where + ")"};
    }
    HttpResult result;
    result.error = failure.error;
    result.errorMessage = failure.message;
    return result;
  }

  // One exchange, on an idle connection when there is one. A server may close
  // an idle connection just as we reuse it: then, and only then, a GET is
  // sent once more on a fresh connection. A POST (a submission) is never
  // sent twice by the transport: the server may have acted on it before the
  // connection broke, so it always gets a fresh connection and a failure
  // goes back to the engine, which records it and backs off.
  HttpResponse perform(const HttpRequest& request, const Target& target, AbortHandle& handle) {
    const bool idempotent = request.method == "GET" || request.method == "HEAD";
    std::optional<PooledConnection> idle;
    if (idempotent) idle = pool_.takeIdle(target.key());
    if (idle) {
      bool answered = false;
      try {
        return exchange(std::move(*idle), request, target, handle, answered);
      } catch (const Poco::Exception& e) {
        if (answered || handle.aborted() || !poco_errors::isConnectionLoss(e)) throw;
      }
    }
    bool answered = false;
    return exchange(connect(target, handle), request, target, handle, answered);
  }

  HttpResponse exchange(PooledConnection connection, const HttpRequest& request,
                        const Target& target, AbortHandle& handle, bool& answered) {
    HttpResponse response;
    bool reusable = false;
    {
      AbortHandle::Watch watch(handle, connection.fd);
      response = roundTrip(*connection.session, request, target, answered, reusable);
    }
    if (reusable) pool_.putIdle(target.key(), std::move(connection));
    return response;
  }

  HttpResponse roundTrip(HTTPClientSession& session, const HttpRequest& request,
                         const Target& target, bool& answered, bool& reusable) {
    Poco::Net::HTTPRequest out = makeRequest(request, target, userAgent_);
    std::ostream& body = session.sendRequest(out);
    body.exceptions(std::ios::badbit);
    body.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));

    Poco::Net::HTTPResponse in;
    std::istream& stream = session.receiveResponse(in);
    answered = true;
    HttpResponse response;
    response.status = in.getStatus();
    for (const auto& [name, value] : in) response.headers.emplace_back(name, value);
    if (!mayHaveBody(in.getStatus())) {
      reusable = in.getKeepAlive();
    } else if (in.getChunkedTransferEncoding()) {
      reusable = readChunkedBody(session, target, response.body) && in.getKeepAlive();
    } else {
      response.body = readDelimitedBody(stream, in, target);
      reusable = in.getKeepAlive() && in.hasContentLength();
    }
    return response;
  }

  PooledConnection connect(const Target& target, AbortHandle& handle) {
    lastCertificateError().clear();
    // The proxy cannot reach our loopback, and plain http is loopback only.
    const bool viaProxy = proxy_ && target.secure && !isLoopbackHost(target.host);
    StreamSocket socket = viaProxy ? openTunnel(target, handle) : openDirect(target, handle);
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

  StreamSocket openDirect(const Target& target, AbortHandle& handle) const {
    const SocketAddress address(target.host, target.port);
    if (!target.secure && !address.host().isLoopback()) {
      throw SendFailure{TransportError::kOther, "plain http is only allowed for loopback hosts (" +
                                                    target.where + " is " +
                                                    address.host().toString() + ")"};
    }
    return openTcp(address, handle);
  }

  StreamSocket openTcp(const SocketAddress& address, AbortHandle& handle) const {
    StreamSocket socket(address.family());
    AbortHandle::Watch watch(handle, socket.impl()->sockfd());
    socket.connect(address, timeout_);
    socket.setReceiveTimeout(timeout_);
    socket.setSendTimeout(timeout_);
    socket.setNoDelay(true);
    return socket;
  }

  // A TCP connection to the target through the proxy (HTTP CONNECT).
  StreamSocket openTunnel(const Target& target, AbortHandle& handle) const {
    const std::string failed =
        "cannot open a tunnel to " + target.where + " through the proxy " + proxy_->where + ": ";
    try {
      StreamSocket socket = openTcp(SocketAddress(proxy_->host, proxy_->port), handle);
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
    }
  }

  std::unique_ptr<HTTPClientSession> startTls(const StreamSocket& socket,
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

  std::int64_t timeoutMs_;
  Poco::Timespan timeout_;
  Context::Ptr context_;
  std::string userAgent_;
  std::optional<ProxyAddress> proxy_;
  ConnectionPool pool_;
};

}  // namespace

std::unique_ptr<Transport> makePocoTransport(const TransportOptions& options) {
  return std::make_unique<PocoTransport>(options);
}

}  // namespace relinkd

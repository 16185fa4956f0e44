// The real Transport: see include/relinkd/PocoTransport.h. Connections are
// opened by the Connector (PocoConnector.cpp) rather than by Poco's sessions
// so that every blocking step (connect, CONNECT through the proxy, TLS
// handshake, write, read) runs on a socket that abortAll() and the deadline
// reaper can shut down; the one step without a socket, name resolution, is
// waited for within the budget. Here: the exchanges on those connections.
#include "relinkd/net/PocoTransport.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include "PocoConnections.h"
#include "PocoConnector.h"
#include "PocoDeadlines.h"
#include "PocoErrors.h"
#include "PocoMessages.h"
#include "PocoTargets.h"

namespace relinkd {
namespace {

using Poco::Net::HTTPClientSession;

// As many as may be in use at once (relinkd.api.concurrency is at most 64):
// a connection closed after its exchange costs the next one a handshake.
constexpr std::size_t kMaxIdlePerKey = 64;
// Servers close idle connections after a few seconds to a minute; an older
// one would mostly cost a failed attempt before the retry.
constexpr std::chrono::seconds kMaxIdleAge{10};
// Servers close idle connections after seconds, not milliseconds: one used
// this recently is very unlikely to be closed under a submission.
constexpr std::chrono::seconds kPostIdleAge{2};

std::int64_t positive(std::int64_t timeoutMs) {
  if (timeoutMs <= 0) throw std::runtime_error("the HTTP timeout must be positive");
  return timeoutMs;
}

class PocoTransport final : public Transport {
 public:
  explicit PocoTransport(const TransportOptions& options)
      : timeoutMs_(positive(options.timeoutMs)),
        connector_(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeoutMs_) * 1000), options),
        userAgent_(options.userAgent),
        pool_(kMaxIdlePerKey, kMaxIdleAge) {}

  HttpResult send(const HttpRequest& request, std::int64_t budgetMs) override {
    const auto start = std::chrono::steady_clock::now();
    HttpResult result = attempt(request, std::clamp<std::int64_t>(budgetMs, 0, timeoutMs_));
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  void abortAll() override { pool_.abortAll(); }

 private:
  // One send: where it can be interrupted, and until when it may run.
  struct Call {
    AbortHandle handle;
    Budget budget;
    bool stopped() const { return handle.aborted() || handle.expired(); }
  };

  // Registers a send with the pool (abortAll) and the reaper (its deadline)
  // for the duration of a scope.
  class InFlight {
   public:
    InFlight(ConnectionPool& pool, DeadlineReaper& reaper, Call& call)
        : pool_(pool), reaper_(reaper), handle_(call.handle) {
      if (!pool_.enter(&handle_)) handle_.abort();
      reaper_.add(&handle_, call.budget.deadline);
    }
    ~InFlight() {
      reaper_.remove(&handle_);
      pool_.leave(&handle_);
    }

   private:
    ConnectionPool& pool_;
    DeadlineReaper& reaper_;
    AbortHandle& handle_;
  };

  HttpResult attempt(const HttpRequest& request, std::int64_t limitMs) {
    Call call{{}, Budget::startingNow(limitMs)};
    Target target;
    SendFailure failure{TransportError::kOther, ""};
    try {
      target = parseTarget(request.url);
      InFlight inFlight(pool_, reaper_, call);
      if (!call.handle.aborted()) {
        HttpResult result;
        result.response = perform(request, target, call);
        // Poco takes a socket shut down mid-head or mid-body for the end of
        // the message: a stopped send's response cannot be trusted.
        if (!call.stopped()) return result;
      }
    } catch (const SendFailure& f) {
      failure = f;
    } catch (const Poco::Exception& e) {
      failure = poco_errors::classify(e, target.host, target.where, limitMs);
    } catch (const std::exception& e) {
      failure = {TransportError::kOther, e.what() + (" (" + target.where + ")")};
    }
    return failed(call, target, failure);
  }

  // What a stopped send reports is why it was stopped, not how the shut-down
  // socket failed; any timeout is the whole exchange's.
  static HttpResult failed(const Call& call, const Target& target, SendFailure failure) {
    if (call.handle.aborted()) {
      failure = {TransportError::kAborted, "interrupted by shutdown (" + target.where + ")"};
    } else if (call.handle.expired() || failure.error == TransportError::kTimeout) {
      failure = {TransportError::kTimeout, call.budget.exceeded(target.where)};
    }
    HttpResult result;
    result.error = failure.error;
    result.errorMessage = failure.message;
    return result;
  }

  // One exchange, on an idle connection when there is one (a new TLS
  // handshake costs far more CPU than the exchange itself). A server may
  // close an idle connection just as we reuse it: then, and only then, a
  // GET is sent once more on a fresh connection. A POST (a submission) is
  // never sent twice by the transport: the server may have acted on it
  // before the connection broke, so its failure goes back to the engine,
  // which records it and backs off. To keep that rare, a POST takes only a
  // connection used within the last kPostIdleAge.
  HttpResponse perform(const HttpRequest& request, const Target& target, Call& call) {
    const bool idempotent = request.method == "GET" || request.method == "HEAD";
    std::optional<PooledConnection> idle = pool_.takeIdle(target.key(), idempotent ? kMaxIdleAge : kPostIdleAge);
    if (idle) {
      bool answered = false;
      try {
        return exchange(std::move(*idle), request, target, call, answered);
      } catch (const Poco::Exception& e) {
        if (!idempotent || answered || call.stopped() || !poco_errors::isConnectionLoss(e)) throw;
      }
    }
    bool answered = false;
    return exchange(connector_.connect(target, call.handle, call.budget), request, target, call, answered);
  }

  HttpResponse exchange(PooledConnection connection, const HttpRequest& request,
                        const Target& target, Call& call, bool& answered) {
    HttpResponse response;
    bool reusable = false;
    {
      AbortHandle::Watch watch(call.handle, connection.fd);
      response = roundTrip(*connection.session, request, target, answered, reusable);
    }
    if (reusable && !call.stopped()) pool_.putIdle(target.key(), std::move(connection));
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

  std::int64_t timeoutMs_;
  Connector connector_;  // before userAgent_: a bad CA file or proxy is reported first
  std::string userAgent_;
  ConnectionPool pool_;
  DeadlineReaper reaper_;
};

}  // namespace

std::unique_ptr<Transport> makePocoTransport(const TransportOptions& options) {
  return std::make_unique<PocoTransport>(options);
}

}  // namespace relinkd

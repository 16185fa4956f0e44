#include "StatusServer.h"

#include <stdexcept>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include "BoundedConnections.h"
#include "MetricsText.h"
#include "StatusPage.h"
#include "relinkd/domain/Address.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {

namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

// A bounded pool, a short queue, one request per connection, a short
// timeout per read or write and a budget for the whole exchange
// (ConnectionReaper): a slow, idle or dripping client holds a thread for at
// most kConnectionBudget and never touches the daemon's own threads.
constexpr int kMaxThreads = 16;
constexpr int kMaxQueued = 32;
constexpr int kBacklog = 32;
const Poco::Timespan kTimeout(3, 0);

struct Reply {
  HTTPResponse::HTTPStatus status = HTTPResponse::HTTP_OK;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

Reply text(HTTPResponse::HTTPStatus status, std::string body) {
  return Reply{status, "text/plain; charset=utf-8", std::move(body)};
}

Reply healthz(const StatusSources& sources) {
  const std::string problems = sources.health();
  if (problems.empty()) return text(HTTPResponse::HTTP_OK, "ok\n");
  return text(HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "unhealthy: " + problems + "\n");
}

std::string renderNotifiedPage(const StatusSources& sources, TimeMs now) {
  if (!sources.notifications) return renderStatusPage(sources.jobs(), sources.paused(), now);
  const auto notifications = sources.notifications();
  return renderStatusPage(sources.jobs(), sources.paused(), now, &notifications);
}

// GET /report?plan=P: the query decoded (%xx) by Poco::URI.
Reply report(const StatusSources& sources, const Poco::URI& uri) {
  std::optional<std::string> plan;
  for (const auto& [name, value] : uri.getQueryParameters()) {
    if (name != "plan") continue;
    if (plan) return text(HTTPResponse::HTTP_BAD_REQUEST, "bad request: ask for one plan: /report?plan=PLAN\n");
    plan = value;
  }
  if (!plan || plan->empty())
    return text(HTTPResponse::HTTP_BAD_REQUEST, "bad request: ask for /report?plan=PLAN\n");
  // No plan has such a name (it is a file's); the name is not echoed back.
  if (!jobNameProblem(*plan).empty())
    return text(HTTPResponse::HTTP_NOT_FOUND, "not found: no plan has that name (a plan's name has only letters, "
                                              "digits, '.', '_' and '-')\n");
  std::optional<std::string> html = sources.planReport ? sources.planReport(*plan) : std::nullopt;
  if (!html) return text(HTTPResponse::HTTP_NOT_FOUND, "not found: no plan named " + *plan + "\n");
  return Reply{HTTPResponse::HTTP_OK, "text/html; charset=utf-8", std::move(*html)};
}

Reply route(const StatusSources& sources, const Poco::URI& uri) {
  const std::string& path = uri.getPath();
  if (path == "/healthz") return healthz(sources);
  if (path == "/report") return report(sources, uri);
  const TimeMs now = sources.clock->wallNow();
  if (path == "/metrics") {
    DaemonMetrics daemon{sources.paused(), sources.storeWritable(), sources.storeWriteFailures()};
    if (sources.notificationsOwed) daemon.notificationsOwed = sources.notificationsOwed();
    else if (sources.notifications) daemon.notificationsOwed = owedCount(sources.notifications());
    return Reply{HTTPResponse::HTTP_OK, kMetricsContentType,
                 renderMetrics(sources.jobs(), sources.metrics->snapshot(), daemon)};
  }
  if (path == "/jobs") {
    return Reply{HTTPResponse::HTTP_OK, "application/json", jobListJson(sources.jobs(), now) + "\n"};
  }
  if (path == "/") {
    return Reply{HTTPResponse::HTTP_OK, "text/html; charset=utf-8",
                 renderNotifiedPage(sources, now)};
  }
  return text(HTTPResponse::HTTP_NOT_FOUND,
              "not found: relinkd serves /, /report?plan=PLAN, /jobs, /metrics and /healthz\n");
}

// Answers from the sources; a failing source becomes a 500, not a dropped
// connection, and a target that is no URI a 400.
Reply answer(const StatusSources& sources, const std::string& target) {
  try {
    return route(sources, Poco::URI(target));
  } catch (const SourceBusy& e) {
    return text(HTTPResponse::HTTP_SERVICE_UNAVAILABLE, std::string("busy: ") + e.what() + "\n");
  } catch (const Poco::SyntaxException& e) {
    return text(HTTPResponse::HTTP_BAD_REQUEST, "bad request: " + e.displayText() + "\n");
  } catch (const Poco::Exception& e) {
    return text(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "internal error: " + e.displayText() + "\n");
  } catch (const std::exception& e) {
    return text(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, std::string("internal error: ") + e.what() + "\n");
  }
}

class StatusHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit StatusHandler(const StatusSources& sources) : sources_(sources) {}

  // The request body is never read: no route takes one.
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const std::string& method = request.getMethod();
    Reply reply;
    if (method != HTTPRequest::HTTP_GET && method != HTTPRequest::HTTP_HEAD) {
      response.set("Allow", "GET, HEAD");
      reply = text(HTTPResponse::HTTP_METHOD_NOT_ALLOWED,
                   "method not allowed: relinkd's status endpoint only answers GET and HEAD\n");
    } else {
      reply = answer(sources_, request.getURI());
    }
    send(reply, response);
  }

 private:
  static void send(const Reply& reply, Poco::Net::HTTPServerResponse& response) {
    response.setStatusAndReason(reply.status);
    response.setContentType(reply.contentType);
    response.set("Cache-Control", "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.setKeepAlive(false);
    // For HEAD, Poco sends the headers (with Content-Length) and no body.
    response.sendBuffer(reply.body.data(), reply.body.size());
  }

  const StatusSources& sources_;
};

class StatusHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit StatusHandlerFactory(const StatusSources& sources) : sources_(sources) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new StatusHandler(sources_);
  }

 private:
  const StatusSources& sources_;
};

// "host:port", "[v6]:port" or "localhost:port" → an address; throws
// std::invalid_argument or Poco::Exception saying what is wrong.
Poco::Net::SocketAddress parseListen(const std::string& listen) {
  const HostPort split = splitHostPort(listen);
  if (!split.problem.empty()) throw std::invalid_argument(split.problem);
  return Poco::Net::SocketAddress(split.host, static_cast<Poco::UInt16>(split.port));
}

// SO_REUSEADDR (restart while old connections linger) but never
// SO_REUSEPORT: a second daemon on the same port must fail, not share it.
Poco::Net::ServerSocket listenOn(const std::string& listen) {
  try {
    const Poco::Net::SocketAddress address = parseListen(listen);
    Poco::Net::ServerSocket socket;
    if (address.family() == Poco::Net::SocketAddress::IPv6) {
      socket.bind6(address, true, false, false);
    } else {
      socket.bind(address, true, false);
    }
    socket.listen(kBacklog);
    return socket;
  } catch (const Poco::Exception& e) {
    const std::string reason = e.message().empty() ? e.displayText() : e.message();
    throw std::runtime_error("relinkd.http.listen: cannot listen on " + listen + ": " + reason);
  } catch (const std::exception& e) {
    throw std::runtime_error("relinkd.http.listen: cannot listen on " + listen + ": " + e.what());
  }
}

Poco::Net::HTTPServerParams::Ptr serverParams() {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kMaxThreads);
  params->setMaxQueued(kMaxQueued);
  params->setKeepAlive(false);
  params->setTimeout(kTimeout);
  return params;
}

}  // namespace

struct StatusServer::Impl {
  explicit Impl(StatusSources sourcesIn)
      : sources(std::move(sourcesIn)), threads("relinkd-http", 1, kMaxThreads) {}

  StatusSources sources;
  Poco::ThreadPool threads;  // its own: joining it waits for no one else's work
  ConnectionReaper reaper;
  std::unique_ptr<Poco::Net::TCPServer> server;
  unsigned short port = 0;
};

StatusServer::StatusServer(const std::string& listen, StatusSources sources)
    : impl_(std::make_unique<Impl>(std::move(sources))) {
  Poco::Net::ServerSocket socket = listenOn(listen);
  impl_->port = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = serverParams();
  impl_->server = std::make_unique<Poco::Net::TCPServer>(
      new BoundedConnectionFactory(params, new StatusHandlerFactory(impl_->sources), impl_->reaper),
      impl_->threads, socket, params);
  impl_->server->start();
}

// Stops accepting, cuts open connections short (an idle client would
// otherwise hold shutdown for the read timeout) and waits for the handlers,
// which use the sources, before they go away.
StatusServer::~StatusServer() {
  impl_->server->stop();
  impl_->reaper.cutAll();
  impl_->server.reset();
  impl_->threads.joinAll();
}

unsigned short StatusServer::port() const { return impl_->port; }

}  // namespace relinkd

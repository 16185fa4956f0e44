#include "FakeHandler.h"

#include "Connection.h"
#include "Routes.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include <iostream>
#include <mutex>

namespace relinkd::fakeapi {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// Deliberately incomplete JSON, so that a client that ignores the short read
// cannot parse it either.
const char* const kTruncatedBody = "{\"fake\":\"truncated";

std::optional<std::string> headerOf(const HTTPServerRequest& request, const std::string& name) {
  if (!request.has(name)) return std::nullopt;
  return request.get(name);
}

// One line per request on stdout; never the Authorization header.
void logLine(const RequestRecord& record) {
  static std::mutex outputMutex;
  std::string line = record.method + " " + record.path + " -> " + std::to_string(record.status);
  if (record.fault) line += std::string(" (fault ") + faultActionName(*record.fault) + ")";
  std::lock_guard<std::mutex> lock(outputMutex);
  std::cout << line << std::endl;
}

class FakeHandler : public Poco::Net::HTTPRequestHandler {
 public:
  FakeHandler(FakeState& state, bool logRequests) : state_(state), logRequests_(logRequests) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    // Poco's server sets Date to now; a skewed API clock is asked for.
    response.setDate(Poco::Timestamp() + state_.settings().dateOffsetMs * 1000);
    if (isControlPath(request.getURI())) {
      sendReply(response, answerControl(state_, request.getMethod(), request.getURI(), body));
      return;
    }
    RequestRecord record;
    record.at = nowMs();
    record.method = request.getMethod();
    record.path = request.getURI();
    record.authorization = headerOf(request, "Authorization");
    record.contentType = headerOf(request, "Content-Type");
    record.body = body;
    std::optional<Fault> fault = state_.takeFault(record.method, record.path);
    if (fault) {
      record.fault = fault->action;
      injectFault(*fault, record, request, response);
    } else {
      Reply reply = answerApi(state_, request, body);
      record.status = reply.status;
      remember(record);
      sendReply(response, reply);
    }
  }

 private:
  // Recorded before anything is sent, so that a client that has seen the
  // answer always finds its request in /_fake/requests.
  void remember(const RequestRecord& record) {
    if (logRequests_) logLine(record);
    state_.record(record);
  }

  void injectFault(const Fault& fault, RequestRecord& record, HTTPServerRequest& request,
                   HTTPServerResponse& response) {
    switch (fault.action) {
      case FaultAction::kStatus: {
        Reply reply = faultReply(fault);
        record.status = reply.status;
        remember(record);
        sendReply(response, reply);
        return;
      }
      case FaultAction::kTruncate: {
        Reply reply{200, fault.body.value_or(kTruncatedBody), fault.headers};
        record.status = 200;
        remember(record);
        sendTruncated(request, response, reply);
        return;
      }
      case FaultAction::kReset:
        remember(record);
        resetConnection(request, response);
        return;
      case FaultAction::kClose:
        remember(record);
        closeConnection(request, response);
        return;
      case FaultAction::kStall:
        remember(record);
        state_.waitForShutdown(fault.stallMs);
        closeConnection(request, response);
        return;
    }
  }

  FakeState& state_;
  const bool logRequests_;
};

}  // namespace

FakeHandlerFactory::FakeHandlerFactory(FakeState& state, bool logRequests)
    : state_(state), logRequests_(logRequests) {}

Poco::Net::HTTPRequestHandler* FakeHandlerFactory::createRequestHandler(
    const HTTPServerRequest& /*request*/) {
  return new FakeHandler(state_, logRequests_);
}

}  // namespace relinkd::fakeapi

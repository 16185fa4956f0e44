// The HTTP entry point of the fake: reads each request, applies a matching
// fault or answers it (Routes.h), and records API requests in FakeState.
//
// Thread-safety: the factory is shared by all server threads; each request
// gets its own handler. Shared state goes through FakeState.
#pragma once

#include "FakeState.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

namespace relinkd::fakeapi {

class FakeHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  // logRequests: print one line per request on stdout.
  FakeHandlerFactory(FakeState& state, bool logRequests);

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  FakeState& state_;
  const bool logRequests_;
};

}  // namespace relinkd::fakeapi

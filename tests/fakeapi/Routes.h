// The fake's answers, decided from the request alone and returned as a
// Reply that the handler then sends: the faked API (Api.cpp) and the
// /_fake control endpoints (Control.cpp).
//
// Thread-safety: callable from any server thread; shared state goes through
// FakeState.
#pragma once

#include "Connection.h"
#include "FakeState.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <string>

namespace relinkd::fakeapi {

// POST /links/v1/{siteId}/jobs/cma, GET /links/v1/{siteId}/jobs/status/{id},
// GET /_edge/tenant_info, and 404/405 for anything else.
Reply answerApi(FakeState& state, const Poco::Net::HTTPServerRequest& request,
                const std::string& body);

// The answer of a "status" fault.
Reply faultReply(const Fault& fault);

bool isControlPath(const std::string& target);

// GET/POST/DELETE /_fake/...
Reply answerControl(FakeState& state, const std::string& method, const std::string& target,
                    const std::string& body);

}  // namespace relinkd::fakeapi

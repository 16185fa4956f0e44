// The link-fixing API as HTTP: building the three requests relinkd sends and
// reading their answers into Outcomes (see Outcome.h). No I/O here; the
// requests go through a Transport.
//
//   POST {baseUrl}/links/v1/{siteId}/jobs/cma         submit; 200 {"uuid": ...}
//   GET  {baseUrl}/links/v1/{siteId}/jobs/status/{id}  poll;   200 {"status": ...}
//   GET  {productURL}/_edge/tenant_info                discover; 200 {"cloudId": ...}
//
// Thread-safety: free functions on values.
#pragma once

#include <string>

#include "relinkd/policy/Http.h"
#include "relinkd/domain/JobSpec.h"
#include "relinkd/policy/Outcome.h"

namespace relinkd {

struct Credentials {
  std::string email;
  std::string token;    // empty: there is none (missing says why); nothing is sent
  std::string missing = "";  // why there is no token, for operators ("the token file ... is missing")
};

// The remote job's status, normalised: case and '-', '_', ' ' ignored.
enum class RemoteStatus { kPending, kBackup, kInProgress, kRetry, kComplete, kError, kUnknown };
RemoteStatus normaliseRemoteStatus(const std::string& wire);

HttpRequest submitRequest(const std::string& baseUrl, const std::string& siteId,
                          const JobSpec& spec, const Credentials& credentials);
HttpRequest statusRequest(const std::string& baseUrl, const std::string& siteId,
                          const std::string& remoteJobId, const Credentials& credentials);
// No credentials: tenant_info is public, and the token must never go to a
// host other than the API's.
HttpRequest tenantInfoRequest(const std::string& productUrl);

struct ApiAnswer {
  Outcome outcome;
  std::string value;  // submit: the uuid; poll: the status as sent; discover: the cloudId
  RemoteStatus remoteStatus = RemoteStatus::kUnknown;  // poll only
};

// text with the token and the Basic credentials (base64 of email:token)
// replaced by "[redacted]": error bodies are echoed into lastError and the
// log, and a proxy or gateway might reflect the Authorization header.
std::string redactCredentials(std::string text, const Credentials& credentials);

ApiAnswer readSubmitAnswer(const HttpResult& result, TimeMs now);
// A poll whose remote job ended in Error has outcome kRemoteError.
ApiAnswer readStatusAnswer(const HttpResult& result, TimeMs now);
ApiAnswer readTenantInfoAnswer(const HttpResult& result, TimeMs now);

}  // namespace relinkd

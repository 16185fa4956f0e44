// The one place that classifies what came back from an API request. Every
// attempt (submission, status poll, site-id discovery) is reduced to an
// Outcome, and the Outcome alone drives what happens next: retry with
// backoff, wait for a rate limit, fail, pause for credentials.
//
// Thread-safety: free functions on values.
#pragma once

#include <optional>
#include <string>

#include "relinkd/domain/Clock.h"
#include "relinkd/policy/Http.h"

namespace relinkd {

enum class OutcomeKind {
  kSuccess,
  kTransient,     // network trouble, 408/429/5xx without a limit, garbled 200: retry with backoff
  kRateLimited,   // 429/503 with Retry-After or X-RateLimit-Reset: nothing to the site before notBefore
  kPermanent,     // 400, 403, 404, other 4xx: the job fails
  kCredentials,   // 401: pause every job until the token changes
  kRemoteError,   // the remote job ended in Error: submit again later
  kCertificate,   // the server's certificate was rejected: retry, but loudly
};

const char* outcomeName(OutcomeKind kind);  // "ok", "transient", "rate-limited", ...

struct Outcome {
  OutcomeKind kind = OutcomeKind::kSuccess;
  std::optional<int> httpStatus;
  std::optional<TimeMs> notBefore;  // kRateLimited (and 5xx with Retry-After): earliest next request
  std::string message;              // for operators: what happened, never a secret
  // kTransient: the resolver answered that the host does not exist
  // (TransportError::kNoSuchHost). Retried like any transient failure, but
  // the engine fails a site whose name stays absent (see afterDiscover).
  bool noSuchHost = false;

  bool ok() const { return kind == OutcomeKind::kSuccess; }
};

// Classifies everything that is not a usable 2xx: transport errors and
// non-2xx statuses. A 2xx gives kSuccess; whether its body is usable is the
// caller's question (see LinksApi.h), which then calls garbledBody().
Outcome classify(const HttpResult& result, TimeMs now);

// A 2xx whose body could not be understood: transient.
Outcome garbledBody(const HttpResult& result, const std::string& what);

// The server's own words from an error body: errorMessage, errorMessages[],
// errors (object or array), message or error; otherwise the raw body,
// shortened to about 200 characters with control characters removed.
std::string errorMessageOf(const std::string& body);

// Retry-After: delta-seconds or an HTTP-date. Huge values saturate.
std::optional<TimeMs> parseRetryAfter(const std::string& value, TimeMs now);

}  // namespace relinkd

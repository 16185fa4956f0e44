#include <doctest/doctest.h>

#include "relinkd/policy/LinksApi.h"
#include "relinkd/policy/Outcome.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1764000000000;  // 2025-11-24T16:00:00Z

HttpResult response(int status, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResult result;
  result.response.status = status;
  result.response.body = std::move(body);
  result.response.headers = std::move(headers);
  return result;
}

HttpResult transportFailure(TransportError error) {
  HttpResult result;
  result.error = error;
  result.errorMessage = std::string("fake ") + transportErrorName(error);
  return result;
}

}  // namespace

TEST_CASE("Outcome: every status code the API may send is classified") {
  struct Row {
    int status;
    OutcomeKind kind;
  };
  const Row rows[] = {
      {200, OutcomeKind::kSuccess},     {202, OutcomeKind::kSuccess},
      {400, OutcomeKind::kPermanent},   {401, OutcomeKind::kCredentials},
      {403, OutcomeKind::kPermanent},   {404, OutcomeKind::kPermanent},
      {405, OutcomeKind::kPermanent},   {409, OutcomeKind::kPermanent},
      {410, OutcomeKind::kPermanent},   {422, OutcomeKind::kPermanent},
      {418, OutcomeKind::kPermanent},   {408, OutcomeKind::kTransient},
      {429, OutcomeKind::kTransient},   {500, OutcomeKind::kTransient},
      {502, OutcomeKind::kTransient},   {503, OutcomeKind::kTransient},
      {504, OutcomeKind::kTransient},   {599, OutcomeKind::kTransient},
      {301, OutcomeKind::kPermanent},
  };
  for (const Row& row : rows) {
    CAPTURE(row.status);
    Outcome outcome = classify(response(row.status), kNow);
    CHECK(outcome.kind == row.kind);
    CHECK(outcome.httpStatus == row.status);
  }
}

TEST_CASE("Outcome: transport errors are transient, a rejected certificate is its own kind") {
  for (TransportError error : {TransportError::kConnectionRefused, TransportError::kConnectionReset,
                               TransportError::kTimeout, TransportError::kDns, TransportError::kTls,
                               TransportError::kProxy, TransportError::kOther}) {
    CAPTURE(transportErrorName(error));
    Outcome outcome = classify(transportFailure(error), kNow);
    CHECK(outcome.kind == OutcomeKind::kTransient);
    CHECK(outcome.message == std::string("fake ") + transportErrorName(error));
    CHECK_FALSE(outcome.noSuchHost);
  }
  CHECK(classify(transportFailure(TransportError::kCertificateRejected), kNow).kind ==
        OutcomeKind::kCertificate);
}

// Transient like the rest: the engine decides when a name that stays absent
// is given up on, measured over several answers.
TEST_CASE("Outcome: no such host (NXDOMAIN) is transient and says so") {
  Outcome outcome = classify(transportFailure(TransportError::kNoSuchHost), kNow);
  CHECK(outcome.kind == OutcomeKind::kTransient);
  CHECK(outcome.noSuchHost);
  CHECK(outcome.message == "fake no-such-host");
  CHECK_FALSE(outcome.httpStatus);
  CHECK(std::string(transportErrorName(TransportError::kNoSuchHost)) == "no-such-host");
}

TEST_CASE("Outcome: rate limits give the time before which the site must not be asked") {
  SUBCASE("429 with Retry-After in seconds") {
    Outcome outcome = classify(response(429, "", {{"retry-after", "7"}}), kNow);
    CHECK(outcome.kind == OutcomeKind::kRateLimited);
    CHECK(outcome.notBefore == kNow + 7000);
  }
  SUBCASE("503 with Retry-After as an HTTP-date") {
    Outcome outcome = classify(response(503, "", {{"Retry-After", "Mon, 24 Nov 2025 16:02:00 GMT"}}), kNow);
    CHECK(outcome.kind == OutcomeKind::kRateLimited);
    CHECK(outcome.notBefore == kNow + 120000);
  }
  SUBCASE("429 with only X-RateLimit-Reset, full and minute precision") {
    Outcome full = classify(response(429, "", {{"X-RateLimit-Reset", "2025-11-24T16:00:30Z"}}), kNow);
    CHECK(full.kind == OutcomeKind::kRateLimited);
    CHECK(full.notBefore == kNow + 30000);
    Outcome minute = classify(response(429, "", {{"X-RateLimit-Reset", "2025-11-24T16:05Z"}}), kNow);
    CHECK(minute.notBefore == kNow + 300000);
  }
  SUBCASE("X-RateLimit-Reset on a 503 is not a rate limit") {
    CHECK(classify(response(503, "", {{"X-RateLimit-Reset", "2025-11-24T16:05Z"}}), kNow).kind ==
          OutcomeKind::kTransient);
  }
  SUBCASE("an absurd Retry-After saturates instead of overflowing") {
    Outcome outcome = classify(response(429, "", {{"Retry-After", "9223372036854775807"}}), kNow);
    CHECK(outcome.kind == OutcomeKind::kRateLimited);
    REQUIRE(outcome.notBefore);
    CHECK(*outcome.notBefore > kNow + 300LL * 24 * 3600 * 1000);
  }
  SUBCASE("a Retry-After in the past means now") {
    Outcome outcome = classify(response(429, "", {{"Retry-After", "Mon, 24 Nov 2025 15:00:00 GMT"}}), kNow);
    CHECK(outcome.notBefore == kNow);
  }
  SUBCASE("an unparseable Retry-After is a plain transient failure") {
    CHECK(classify(response(429, "", {{"Retry-After", "soon"}}), kNow).kind == OutcomeKind::kTransient);
  }
  SUBCASE("Retry-After on a 502 is a floor for this job only") {
    Outcome outcome = classify(response(502, "", {{"Retry-After", "5"}}), kNow);
    CHECK(outcome.kind == OutcomeKind::kTransient);
    CHECK(outcome.notBefore == kNow + 5000);
  }
}

TEST_CASE("Outcome: the server's own message is extracted from every known error shape") {
  struct Row {
    const char* body;
    const char* expected;
  };
  const Row rows[] = {
      {R"({"status":400,"errorMessage":"Validation failed","errors":["Product must be JIRA"]})",
       "Validation failed (Product must be JIRA)"},
      {R"({"errorMessages":["Issue does not exist"],"errors":{}})", "Issue does not exist"},
      {R"({"errorMessages":[],"errors":{"productURL":"is not a site"}})", "productURL: is not a site"},
      {R"({"message":"Forbidden for this account"})", "Forbidden for this account"},
      {R"({"error":"This feature is only accessible from the UI."})", "This feature is only accessible from the UI."},
      {"<html>Bad gateway</html>", "<html>Bad gateway</html>"},
      {"line one\nline two", "line one line two"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.body);
    CHECK(errorMessageOf(row.body) == row.expected);
  }
  CHECK(errorMessageOf(std::string(1000, 'x')).size() == 203);
  Outcome outcome = classify(response(403, R"({"errorMessage":"not an admin"})"), kNow);
  CHECK(outcome.message == "HTTP 403: not an admin");
}

TEST_CASE("LinksApi: answers are read tolerantly") {
  SUBCASE("a submission's uuid") {
    ApiAnswer answer = readSubmitAnswer(response(200, R"({"uuid":"b0476a8b-4cc4"})"), kNow);
    CHECK(answer.outcome.ok());
    CHECK(answer.value == "b0476a8b-4cc4");
  }
  SUBCASE("a 200 without a uuid, or truncated, is transient") {
    for (const char* body : {"", "{\"uuid\":", "{}", "[1]", "{\"uuid\":42}"}) {
      CAPTURE(body);
      CHECK(readSubmitAnswer(response(200, body), kNow).outcome.kind == OutcomeKind::kTransient);
    }
  }
  SUBCASE("status values in any casing") {
    struct Row {
      const char* wire;
      RemoteStatus status;
    };
    const Row rows[] = {{"Pending", RemoteStatus::kPending},       {"BACKUP", RemoteStatus::kBackup},
                        {"In_progress", RemoteStatus::kInProgress}, {"IN_PROGRESS", RemoteStatus::kInProgress},
                        {"in-progress", RemoteStatus::kInProgress}, {"Retry", RemoteStatus::kRetry},
                        {"COMPLETE", RemoteStatus::kComplete},      {"Error", RemoteStatus::kError},
                        {"Paused-ish", RemoteStatus::kUnknown}};
    for (const Row& row : rows) {
      CAPTURE(row.wire);
      ApiAnswer answer = readStatusAnswer(response(200, std::string(R"({"status":")") + row.wire + "\"}"), kNow);
      CHECK(answer.remoteStatus == row.status);
      CHECK(answer.value == row.wire);
      CHECK(answer.outcome.kind == (row.status == RemoteStatus::kError ? OutcomeKind::kRemoteError
                                                                       : OutcomeKind::kSuccess));
    }
  }
  SUBCASE("tenant_info's cloudId") {
    CHECK(readTenantInfoAnswer(response(200, R"({"cloudId":"abc-123"})"), kNow).value == "abc-123");
    CHECK(readTenantInfoAnswer(response(404, "not found"), kNow).outcome.kind == OutcomeKind::kPermanent);
  }
}

TEST_CASE("LinksApi: requests carry Basic auth for the API and none for tenant_info") {
  JobSpec spec;
  spec.siteId = "site/1";
  spec.productUrl = "https://acme.atlassian.net/";
  spec.destinationUrl = "https://acme-us.atlassian.net";
  spec.migratedFrom = "https://jira.acme.example";
  Credentials credentials{"ops@acme.example", "s3cret"};
  HttpRequest submit = submitRequest("https://api.example", spec.siteId, spec, credentials);
  CHECK(submit.method == "POST");
  CHECK(submit.url == "https://api.example/links/v1/site%2F1/jobs/cma");
  // base64("ops@acme.example:s3cret")
  CHECK(submit.headers.at(0) == std::pair<std::string, std::string>{"Authorization", "Basic b3BzQGFjbWUuZXhhbXBsZTpzM2NyZXQ="});
  HttpRequest poll = statusRequest("https://api.example", "s", "job 1", credentials);
  CHECK(poll.url == "https://api.example/links/v1/s/jobs/status/job%201");
  HttpRequest discover = tenantInfoRequest(spec.productUrl);
  CHECK(discover.url == "https://acme.atlassian.net/_edge/tenant_info");
  for (const auto& header : discover.headers) CHECK(header.first != "Authorization");
}

TEST_CASE("Outcome: a 429 with an unusable Retry-After falls back to X-RateLimit-Reset") {
  Outcome outcome =
      classify(response(429, "", {{"Retry-After", "soon"}, {"X-RateLimit-Reset", "2025-11-24T16:01:00Z"}}), kNow);
  CHECK(outcome.kind == OutcomeKind::kRateLimited);
  CHECK(outcome.notBefore == kNow + 60000);
}

// Every message of relinkctl preflight's judgement (Preflight.h), exactly.
#include <doctest/doctest.h>

#include "relinkd/policy/Preflight.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1764000000000;  // 2025-11-24T16:00:00Z
constexpr TimeMs kHour = 3600 * 1000;
const std::string kSite = "https://acme-eu.atlassian.net";

HttpResult response(int status, std::string body = "") {
  HttpResult result;
  result.response.status = status;
  result.response.body = std::move(body);
  return result;
}

HttpResult failure(TransportError error, std::string message) {
  HttpResult result;
  result.error = error;
  result.errorMessage = std::move(message);
  return result;
}

const Credentials kCredentials{"ops@example.com", "tok-secret-123"};

CheckLine credentials(const HttpResult& result) {
  return judgeCredentials(kSite, "cid-1", "ops@example.com", result, kCredentials);
}

}  // namespace

TEST_CASE("Preflight: result names") {
  CHECK(std::string(checkResultName(CheckResult::kOk)) == "ok");
  CHECK(std::string(checkResultName(CheckResult::kWarn)) == "warn");
  CHECK(std::string(checkResultName(CheckResult::kFail)) == "fail");
  CHECK(std::string(checkResultName(CheckResult::kManual)) == "manual");
}

TEST_CASE("Preflight: site answers its cloudId") {
  const HttpResult answer = response(200, R"({"cloudId":"cid-1"})");
  SUBCASE("not given: discovered") {
    const SiteJudgement judged = judgeSite(kSite, {}, answer, kNow);
    CHECK(judged.cloudId == "cid-1");
    CHECK(judged.line.site == kSite);
    CHECK(judged.line.check == "site");
    CHECK(judged.line.result == CheckResult::kOk);
    CHECK(judged.line.detail == "answers over verified TLS, cloudId cid-1 (not given: relinkd discovers it)");
  }
  SUBCASE("given and agreeing") {
    const SiteJudgement judged = judgeSite(kSite, {{"cid-1", "job a.json"}}, answer, kNow);
    CHECK(judged.line.result == CheckResult::kOk);
    CHECK(judged.line.detail == "answers over verified TLS, cloudId cid-1, as given");
  }
  SUBCASE("given and disagreeing: names both ids and where the wrong one is") {
    const SiteJudgement judged =
        judgeSite(kSite, {{"cid-1", "job a.json"}, {"cid-9", "plan p.plan.json"}}, answer, kNow);
    CHECK(judged.cloudId == "cid-1");
    CHECK(judged.line.result == CheckResult::kFail);
    CHECK(judged.line.detail ==
          "the site answers cloudId cid-1, but plan p.plan.json gives cid-9: give cid-1 (or no id, to have "
          "it discovered), or check that the URL is the site meant");
  }
}

TEST_CASE("Preflight: site without a usable answer") {
  struct Row {
    HttpResult result;
    CheckResult expected;
    std::string detail;
  };
  const std::string get = "GET " + kSite + "/_edge/tenant_info";
  const Row rows[] = {
      {failure(TransportError::kNoSuchHost, "no such host acme-typo.atlassian.net"), CheckResult::kFail,
       "no such host (no-such-host: no such host acme-typo.atlassian.net): check the URL (a typo?); relinkd would "
       "give up on it 10 minutes after its first try"},
      {failure(TransportError::kDns, "Temporary failure in name resolution"), CheckResult::kWarn,
       "the host name could not be resolved now (dns: Temporary failure in name resolution): could not tell; "
       "check the network's DNS and run preflight again"},
      {failure(TransportError::kCertificateRejected, "bad chain"), CheckResult::kFail,
       "its TLS certificate was rejected (certificate-rejected: bad chain): check the URL, and relinkd.api.caFile "
       "if a TLS-inspecting proxy is in the way"},
      {failure(TransportError::kProxy, "HTTP 502"), CheckResult::kFail,
       "the proxy did not reach it (proxy: HTTP 502): check relinkd.api.proxy"},
      {failure(TransportError::kTimeout, "after 2s"), CheckResult::kWarn,
       "no answer from " + get + " (timeout: after 2s): could not tell; check the network and run preflight again"},
      {response(503), CheckResult::kWarn, get + " answered HTTP 503: could not tell; run preflight again later"},
      {response(404), CheckResult::kFail,
       get + " answered HTTP 404: check that the URL is the cloud site's (https://NAME.atlassian.net)"},
      {response(200, "<html>"), CheckResult::kFail,
       get + " answered without a usable cloudId: check that the URL is an Atlassian cloud site"},
  };
  for (const Row& row : rows) {
    const SiteJudgement judged = judgeSite(kSite, {{"cid-1", "job a.json"}}, row.result, kNow);
    CAPTURE(row.detail);
    CHECK(judged.cloudId.empty());
    CHECK(judged.line.result == row.expected);
    CHECK(judged.line.detail == row.detail);
  }
}

TEST_CASE("Preflight: credentials from the status of an unknown job") {
  const std::string asked = "a status request for a job that does not exist (site id cid-1) answered HTTP ";
  SUBCASE("401: token rejected") {
    const CheckLine judged = credentials(response(401));
    CHECK(judged.check == "credentials");
    CHECK(judged.result == CheckResult::kFail);
    CHECK(judged.detail == "token rejected (" + asked +
                               "401): check relinkd.api.email (ops@example.com) and the API token in "
                               "relinkd.api.tokenFile; create a new one at "
                               "https://id.atlassian.com/manage-profile/security/api-tokens if it was revoked");
  }
  SUBCASE("403: not an admin of the site") {
    const CheckLine judged = credentials(response(403));
    CHECK(judged.result == CheckResult::kFail);
    CHECK(judged.detail == "the token's account is not an admin of " + kSite + " (" + asked +
                               "403): make ops@example.com an admin of this site, or use an admin's token");
  }
  SUBCASE("404 and 400: accepted") {
    for (int status : {404, 400, 200}) {
      CAPTURE(status);
      const CheckLine judged = credentials(response(status));
      CHECK(judged.result == CheckResult::kOk);
      CHECK(judged.detail == "token accepted: " + asked + std::to_string(status));
    }
  }
  SUBCASE("5xx and 429: could not tell") {
    for (int status : {500, 503, 429}) {
      CAPTURE(status);
      const CheckLine judged = credentials(response(status));
      CHECK(judged.result == CheckResult::kWarn);
      CHECK(judged.detail == "could not tell: " + asked + std::to_string(status) + "; run preflight again later");
    }
  }
  SUBCASE("no answer: could not tell, and no credential in the text") {
    const CheckLine judged = credentials(failure(TransportError::kConnectionReset, "echo tok-secret-123"));
    CHECK(judged.result == CheckResult::kWarn);
    CHECK(judged.detail ==
          "could not tell: no answer to a status request for a job that does not exist (site id cid-1) "
          "(connection-reset: echo [redacted]); check relinkd.api.baseUrl and the network, and run preflight again");
  }
  SUBCASE("nothing to send") {
    const CheckLine noId = credentialsWithoutSiteId(kSite);
    CHECK(noId.result == CheckResult::kWarn);
    CHECK(noId.detail ==
          "not checked: no site id is known (the site did not say it; see the site check): fix that, or give "
          "the site's id");
    const CheckLine noToken = credentialsWithoutToken(kSite, "the token file /x is missing");
    CHECK(noToken.result == CheckResult::kFail);
    CHECK(noToken.detail == "not checked: there is no token (the token file /x is missing): fix relinkd.api.tokenFile");
  }
}

TEST_CASE("Preflight: window of the earliest deadline") {
  SUBCASE("ahead") {
    const CheckLine judged = judgeWindow(kSite, kNow + 13 * 24 * kHour + 4 * kHour, "p.eu.us", kNow);
    CHECK(judged.check == "window");
    CHECK(judged.result == CheckResult::kOk);
    CHECK(judged.detail == "closes in 13d 4h (2025-12-07T20:00:00Z, job p.eu.us)");
  }
  SUBCASE("under 24 h") {
    const CheckLine judged = judgeWindow(kSite, kNow + 5 * kHour, "a", kNow);
    CHECK(judged.result == CheckResult::kWarn);
    CHECK(judged.detail == "closes in 5h (2025-11-24T21:00:00Z, job a): under 24 h; start relinkd and drop the "
                           "files now, or the jobs expire unsent");
  }
  SUBCASE("closed, also at the very moment") {
    for (TimeMs deadline : {kNow, kNow - kHour}) {
      const CheckLine judged = judgeWindow(kSite, deadline, "a", kNow);
      CHECK(judged.result == CheckResult::kFail);
      CHECK(judged.detail == "closed at " + formatTime(deadline) +
                                 ", job a: relinkd would expire the job without sending it; check migratedAt "
                                 "(the window is relinkd.window after the migration) and deadline");
    }
  }
}

TEST_CASE("Preflight: clock against the API's Date") {
  const std::string date = "Mon, 24 Nov 2025 16:00:00 GMT";  // kNow
  SUBCASE("within 5 min") {
    const CheckLine judged = judgeClock(date, kNow + 2000);
    CHECK(judged.site.empty());
    CHECK(judged.check == "clock");
    CHECK(judged.result == CheckResult::kOk);
    CHECK(judged.detail == "agrees with the API's Date (within 5 min; ahead of the API's Date by 2s)");
    CHECK(judgeClock(date, kNow).detail == "agrees with the API's Date (within 5 min; 0s)");
    CHECK(judgeClock(date, kNow + 5 * 60 * 1000).result == CheckResult::kOk);
  }
  SUBCASE("more than 5 min: warn") {
    const CheckLine judged = judgeClock(date, kNow - 7 * 60 * 1000);
    CHECK(judged.result == CheckResult::kWarn);
    CHECK(judged.detail ==
          "this host's clock is behind the API's Date by 7m (more than 5 min): set it right (NTP, timedatectl)");
    CHECK(judgeClock(date, kNow + kHour).result == CheckResult::kWarn);
  }
  SUBCASE("more than 1 h: fail") {
    const CheckLine judged = judgeClock(date, kNow + 2 * kHour);
    CHECK(judged.result == CheckResult::kFail);
    CHECK(judged.detail == "this host's clock is ahead of the API's Date by 2h (more than 1 h): set it right "
                           "(NTP, timedatectl); windows and deadlines are judged by it");
  }
  SUBCASE("no Date, or not a date: could not tell") {
    CHECK(judgeClock(std::nullopt, kNow).result == CheckResult::kWarn);
    CHECK(judgeClock(std::nullopt, kNow).detail ==
          "could not tell: no answer of the API carried a Date header; check this host's clock (timedatectl)");
    CHECK(judgeClock(std::string("yesterday"), kNow).detail ==
          "could not tell: the API's Date header is not an HTTP date; check this host's clock (timedatectl)");
  }
}

TEST_CASE("Preflight: app links, the manual step") {
  const CheckLine judged = applinksReminder(kSite, {"https://b.example", "https://c.example"});
  CHECK(judged.check == "applinks");
  CHECK(judged.result == CheckResult::kManual);
  CHECK(judged.detail == "in this site's Jira, open an issue, Link issue > Local, and authorize the app link to: "
                         "https://b.example, https://c.example");
  CHECK(applinksReminder(kSite, {}).detail ==
        "none to authorize: no job recreates this site's links as remote links");
}

TEST_CASE("Preflight: a file that is invalid, and the exit status") {
  const CheckLine judged = fileProblem("/jobs/a.json", "productURL: must be an https URL");
  CHECK(judged.site.empty());
  CHECK(judged.check == "file");
  CHECK(judged.result == CheckResult::kFail);
  CHECK(judged.detail ==
        "/jobs/a.json: productURL: must be an https URL (its sites are not checked; relinkctl validate /jobs/a.json)");
  CHECK_FALSE(anyFailed({applinksReminder(kSite, {}), judgeWindow(kSite, kNow + 48 * kHour, "a", kNow),
                         judgeWindow(kSite, kNow + kHour, "a", kNow)}));
  CHECK(anyFailed({applinksReminder(kSite, {}), judged}));
}

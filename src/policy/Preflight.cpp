#include "relinkd/policy/Preflight.h"

#include <cstdlib>

#include "relinkd/domain/Duration.h"
#include "relinkd/domain/Time.h"

namespace relinkd {
namespace {

CheckLine line(const std::string& site, const char* check, CheckResult result, std::string detail) {
  return CheckLine{site, check, result, std::move(detail)};
}

// What went wrong below HTTP, for an operator.
std::string transportProblem(const HttpResult& result) {
  std::string text = transportErrorName(result.error);
  if (!result.errorMessage.empty()) text += ": " + result.errorMessage;
  return text;
}

bool isServerTrouble(int status) { return status >= 500 || status == 429 || status == 408; }

// The site did not answer tenant_info usably; empty cloudId.
SiteJudgement siteUnanswered(const std::string& site, const HttpResult& result) {
  const std::string where = "GET " + site + "/_edge/tenant_info";
  switch (result.error) {
    case TransportError::kNone:
      break;
    case TransportError::kNoSuchHost:  // the name server says so: not a passing trouble
      return {line(site, "site", CheckResult::kFail,
                   "no such host (" + transportProblem(result) +
                       "): check the URL (a typo?); relinkd would give up on it 10 minutes after its first try"),
              ""};
    case TransportError::kDns:  // SERVFAIL, a timeout, no name server: may pass
      return {line(site, "site", CheckResult::kWarn,
                   "the host name could not be resolved now (" + transportProblem(result) +
                       "): could not tell; check the network's DNS and run preflight again"),
              ""};
    case TransportError::kCertificateRejected:
      return {line(site, "site", CheckResult::kFail,
                   "its TLS certificate was rejected (" + transportProblem(result) +
                       "): check the URL, and relinkd.api.caFile if a TLS-inspecting proxy is in the way"),
              ""};
    case TransportError::kProxy:
      return {line(site, "site", CheckResult::kFail,
                   "the proxy did not reach it (" + transportProblem(result) + "): check relinkd.api.proxy"),
              ""};
    default:
      return {line(site, "site", CheckResult::kWarn,
                   "no answer from " + where + " (" + transportProblem(result) +
                       "): could not tell; check the network and run preflight again"),
              ""};
  }
  const int status = result.response.status;
  if (isServerTrouble(status)) {
    return {line(site, "site", CheckResult::kWarn,
                 where + " answered HTTP " + std::to_string(status) + ": could not tell; run preflight again later"),
            ""};
  }
  if (status < 200 || status > 299) {
    return {line(site, "site", CheckResult::kFail,
                 where + " answered HTTP " + std::to_string(status) +
                     ": check that the URL is the cloud site's (https://NAME.atlassian.net)"),
            ""};
  }
  return {line(site, "site", CheckResult::kFail,
               where + " answered without a usable cloudId: check that the URL is an Atlassian cloud site"),
          ""};
}

}  // namespace

const char* checkResultName(CheckResult result) {
  switch (result) {
    case CheckResult::kOk: return "ok";
    case CheckResult::kWarn: return "warn";
    case CheckResult::kFail: return "fail";
    case CheckResult::kManual: return "manual";
  }
  return "fail";
}

SiteJudgement judgeSite(const std::string& site, const std::vector<GivenId>& givenIds,
                        const HttpResult& result, TimeMs now) {
  const ApiAnswer answer = readTenantInfoAnswer(result, now);
  if (!answer.outcome.ok() || answer.value.empty()) return siteUnanswered(site, result);
  const std::string& cloudId = answer.value;
  for (const GivenId& given : givenIds) {
    if (given.id == cloudId) continue;
    return {line(site, "site", CheckResult::kFail,
                 "the site answers cloudId " + cloudId + ", but " + given.where + " gives " + given.id +
                     ": give " + cloudId + " (or no id, to have it discovered), or check that the URL "
                     "is the site meant"),
            cloudId};
  }
  const std::string how = givenIds.empty() ? " (not given: relinkd discovers it)" : ", as given";
  return {line(site, "site", CheckResult::kOk, "answers over verified TLS, cloudId " + cloudId + how), cloudId};
}

CheckLine judgeCredentials(const std::string& site, const std::string& siteId, const std::string& email,
                           const HttpResult& result, const Credentials& credentials) {
  const std::string asked = "a status request for a job that does not exist (site id " + siteId + ")";
  if (result.error != TransportError::kNone) {
    return line(site, "credentials", CheckResult::kWarn,
                "could not tell: no answer to " + asked + " (" +
                    redactCredentials(transportProblem(result), credentials) +
                    "); check relinkd.api.baseUrl and the network, and run preflight again");
  }
  const int status = result.response.status;
  const std::string answered = asked + " answered HTTP " + std::to_string(status);
  if (status == 401) {
    return line(site, "credentials", CheckResult::kFail,
                "token rejected (" + answered + "): check relinkd.api.email (" + email +
                    ") and the API token in relinkd.api.tokenFile; create a new one at "
                    "https://id.atlassian.com/manage-profile/security/api-tokens if it was revoked");
  }
  if (status == 403) {
    return line(site, "credentials", CheckResult::kFail,
                "the token's account is not an admin of " + site + " (" + answered + "): make " + email +
                    " an admin of this site, or use an admin's token");
  }
  if (isServerTrouble(status)) {
    return line(site, "credentials", CheckResult::kWarn,
                "could not tell: " + answered + "; run preflight again later");
  }
  return line(site, "credentials", CheckResult::kOk, "token accepted: " + answered);
}

CheckLine credentialsWithoutSiteId(const std::string& site) {
  return line(site, "credentials", CheckResult::kWarn,
              "not checked: no site id is known (the site did not say it; see the site check): "
              "fix that, or give the site's id");
}

CheckLine credentialsWithoutToken(const std::string& site, const std::string& missing) {
  return line(site, "credentials", CheckResult::kFail,
              "not checked: there is no token (" + missing + "): fix relinkd.api.tokenFile");
}

CheckLine judgeWindow(const std::string& site, TimeMs deadline, const std::string& job, TimeMs now) {
  const std::string when = formatTime(deadline) + ", job " + job;
  if (deadline <= now) {
    return line(site, "window", CheckResult::kFail,
                "closed at " + when + ": relinkd would expire the job without sending it; check "
                "migratedAt (the window is relinkd.window after the migration) and deadline");
  }
  const std::string left = "closes in " + formatDuration(deadline - now) + " (" + when + ")";
  if (deadline - now < kWindowWarnMs) {
    return line(site, "window", CheckResult::kWarn,
                left + ": under 24 h; start relinkd and drop the files now, or the jobs expire unsent");
  }
  return line(site, "window", CheckResult::kOk, left);
}

CheckLine judgeClock(const std::optional<std::string>& dateHeader, TimeMs receivedAt) {
  if (!dateHeader) {
    return line("", "clock", CheckResult::kWarn,
                "could not tell: no answer of the API carried a Date header; check this host's clock "
                "(timedatectl)");
  }
  const std::optional<TimeMs> apiTime = parseHttpDate(*dateHeader);
  if (!apiTime) {
    return line("", "clock", CheckResult::kWarn,
                "could not tell: the API's Date header is not an HTTP date; check this host's clock "
                "(timedatectl)");
  }
  const std::int64_t apart = receivedAt - *apiTime;  // > 0: the local clock is ahead
  const std::string by = formatDuration(std::llabs(apart));
  const std::string how = std::string(apart > 0 ? "ahead of" : "behind") + " the API's Date by " + by;
  if (std::llabs(apart) > kClockFailMs) {
    return line("", "clock", CheckResult::kFail,
                "this host's clock is " + how + " (more than 1 h): set it right (NTP, timedatectl); "
                "windows and deadlines are judged by it");
  }
  if (std::llabs(apart) > kClockWarnMs) {
    return line("", "clock", CheckResult::kWarn,
                "this host's clock is " + how + " (more than 5 min): set it right (NTP, timedatectl)");
  }
  return line("", "clock", CheckResult::kOk, "agrees with the API's Date (within 5 min; " +
                                                 (apart == 0 ? std::string("0s") : how) + ")");
}

CheckLine applinksReminder(const std::string& site, const std::vector<std::string>& destinations) {
  if (destinations.empty()) {
    return line(site, "applinks", CheckResult::kManual,
                "none to authorize: no job recreates this site's links as remote links");
  }
  std::string list;
  for (const std::string& destination : destinations) list += (list.empty() ? "" : ", ") + destination;
  return line(site, "applinks", CheckResult::kManual,
              "in this site's Jira, open an issue, Link issue > Local, and authorize the app link to: " + list);
}

CheckLine fileProblem(const std::string& file, const std::string& problem) {
  return line("", "file", CheckResult::kFail,
              file + ": " + problem + " (its sites are not checked; relinkctl validate " + file + ")");
}

bool anyFailed(const std::vector<CheckLine>& lines) {
  for (const CheckLine& each : lines)
    if (each.result == CheckResult::kFail) return true;
  return false;
}

}  // namespace relinkd

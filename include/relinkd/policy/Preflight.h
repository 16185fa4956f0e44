// What `relinkctl preflight` concludes from each answer (interface.md,
// "preflight"): one CheckLine per site and check, its result and a detail
// that says what was seen and, for every warn and fail, what to do. Only
// judging here: relinkctl sends the requests (src/ctl/Preflight*.cpp) and
// hands the HttpResults in. The details never contain a credential: they
// quote no request, and an error text from below HTTP is redacted.
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/policy/Http.h"
#include "relinkd/policy/LinksApi.h"

namespace relinkd {

enum class CheckResult { kOk, kWarn, kFail, kManual };
const char* checkResultName(CheckResult result);  // "ok", "warn", "fail", "manual"

struct CheckLine {
  std::string site;   // the site's URL as written; empty for clock and a file's problem
  std::string check;  // "site", "credentials", "window", "clock", "applinks", "file"
  CheckResult result = CheckResult::kOk;
  std::string detail;
};

// Clock: beyond these the local clock and the API's Date disagree.
inline constexpr std::int64_t kClockWarnMs = 5 * 60 * 1000;
inline constexpr std::int64_t kClockFailMs = 60 * 60 * 1000;
// Window: a site whose earliest deadline is nearer than this is a warning.
inline constexpr std::int64_t kWindowWarnMs = 24 * 60 * 60 * 1000;

struct SiteJudgement {
  CheckLine line;
  std::string cloudId;  // what the site answered; empty when it did not
};

// GET {site}/_edge/tenant_info. givenIds: the siteId (job file) or siteIds
// entry (plan) given for this site, each with where it is given ("job
// a.json"); every one must equal the cloudId the site answers.
struct GivenId {
  std::string id;
  std::string where;
};
SiteJudgement judgeSite(const std::string& site, const std::vector<GivenId>& givenIds,
                        const HttpResult& result, TimeMs now);

// GET {baseUrl}/links/v1/{siteId}/jobs/status/{a job id that cannot exist}.
// credentials only to redact an error text (the token itself is never quoted).
CheckLine judgeCredentials(const std::string& site, const std::string& siteId, const std::string& email,
                           const HttpResult& result, const Credentials& credentials);
// No request could be sent: no site id is known (the site check says why).
CheckLine credentialsWithoutSiteId(const std::string& site);
// No request could be sent: there is no token (missing: why, as readToken says).
CheckLine credentialsWithoutToken(const std::string& site, const std::string& missing);

// The earliest deadline among the site's jobs (job: its name).
CheckLine judgeWindow(const std::string& site, TimeMs deadline, const std::string& job, TimeMs now);

// The API's Date header against the local clock when the answer came;
// nullopt Date: no answer carried one.
CheckLine judgeClock(const std::optional<std::string>& dateHeader, TimeMs receivedAt);

// The manual step of the seed's "Before you begin": the sites whose app
// links are to be authorized from site's Jira (its jobs' destinations when
// they recreate links as remote).
CheckLine applinksReminder(const std::string& site, const std::vector<std::string>& destinations);

// A job or plan file that cannot be read or is invalid: its sites are not checked.
CheckLine fileProblem(const std::string& file, const std::string& problem);

// True when some line failed: preflight exits 1.
bool anyFailed(const std::vector<CheckLine>& lines);

}  // namespace relinkd

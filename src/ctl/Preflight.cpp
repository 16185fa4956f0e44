// relinkctl preflight: sends each site's tenant_info and a status request
// for a job that cannot exist through the daemon's own transport (verified
// TLS, relinkd.api.proxy, relinkd.api.timeout), at most
// relinkd.api.concurrency at once, and prints what policy/Preflight.h
// judges of the answers. Sends no job, writes nothing, takes no lock.
#include "Preflight.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "Commands.h"
#include "Table.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/net/PocoTransport.h"
#include "relinkd/policy/LinksApi.h"

namespace relinkd::ctl {

namespace {

// No remote job has this id (they are UUIDs): the API answers 404 when the
// token may ask the site at all.
constexpr const char* kNoSuchJob = "relinkd-preflight-no-such-job";

struct SiteLines {
  CheckLine site;
  CheckLine credentials;
};

// The first answer of the API (not a site's) that carried a Date header.
struct ApiDate {
  std::mutex mutex;
  std::optional<std::string> date;
  TimeMs receivedAt = 0;

  void offer(const HttpResult& result, TimeMs receivedAt) {
    const std::string header = result.error == TransportError::kNone ? result.response.header("Date") : "";
    std::lock_guard<std::mutex> lock(mutex);
    if (header.empty() || date) return;
    date = header;
    this->receivedAt = receivedAt;
  }
};

class Checker {
 public:
  Checker(const Config& config, std::optional<Credentials> credentials, std::string noToken)
      : config_(config),
        credentials_(std::move(credentials)),
        noToken_(std::move(noToken)),
        transport_(makePocoTransport({config.caFile, config.timeoutMs, config.proxy, "relinkctl", {}})) {}

  // Both network checks of each site, in sites' order.
  std::vector<SiteLines> run(const std::vector<PreflightSite>& sites) {
    std::vector<SiteLines> lines(sites.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < sites.size(); i = next++) lines[i] = check(sites[i]);
    };
    const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(config_.concurrency), sites.size());
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < threads; ++i) workers.emplace_back(work);
    for (std::thread& worker : workers) worker.join();
    return lines;
  }

  CheckLine clock() { return judgeClock(apiDate_.date, apiDate_.receivedAt); }

 private:
  SiteLines check(const PreflightSite& site) {
    const SystemClock clock;
    const HttpResult info = transport_->send(tenantInfoRequest(site.url), config_.timeoutMs);
    SiteJudgement judged = judgeSite(site.url, site.givenIds, info, clock.wallNow());
    // The given id, else the discovered one: the id relinkd would use.
    const std::string siteId = site.givenIds.empty() ? judged.cloudId : site.givenIds.front().id;
    if (!credentials_) return {judged.line, credentialsWithoutToken(site.url, noToken_)};
    if (siteId.empty()) return {judged.line, credentialsWithoutSiteId(site.url)};
    const HttpResult status =
        transport_->send(statusRequest(config_.baseUrl, siteId, kNoSuchJob, *credentials_), config_.timeoutMs);
    apiDate_.offer(status, clock.wallNow());
    return {judged.line, judgeCredentials(site.url, siteId, config_.email, status, *credentials_)};
  }

  const Config& config_;
  const std::optional<Credentials> credentials_;
  const std::string noToken_;
  std::unique_ptr<Transport> transport_;
  ApiDate apiDate_;
};

std::vector<CheckLine> checkAll(const PreflightInput& input, const Config& config, TimeMs now) {
  std::optional<Credentials> credentials;
  std::string noToken;
  try {
    credentials = Credentials{config.email, readToken(config.tokenFile)};
  } catch (const ConfigError& error) {
    noToken = error.what();
  }
  Checker checker(config, credentials, noToken);
  const std::vector<SiteLines> network = checker.run(input.sites);
  std::vector<CheckLine> lines = input.fileProblems;
  for (std::size_t i = 0; i < input.sites.size(); ++i) {
    const PreflightSite& site = input.sites[i];
    lines.push_back(network[i].site);
    lines.push_back(network[i].credentials);
    if (site.deadline) lines.push_back(judgeWindow(site.url, *site.deadline, site.deadlineJob, now));
    lines.push_back(applinksReminder(site.url, site.destinations));
  }
  if (!input.sites.empty()) lines.push_back(checker.clock());
  return lines;
}

void printJson(const std::vector<CheckLine>& lines) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const CheckLine& line : lines) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("site", line.site);
    item->set("check", line.check);
    item->set("result", std::string(checkResultName(line.result)));
    item->set("detail", line.detail);
    list->add(item);
  }
  std::cout << toJsonText(list) << "\n";
}

void printText(const std::vector<CheckLine>& lines, const PreflightInput& input) {
  Table table({"SITE", "CHECK", "RESULT", "DETAIL"});
  std::map<CheckResult, int> counts;
  for (const CheckLine& line : lines) {
    ++counts[line.result];
    table.addRow({line.site.empty() ? "-" : oneLine(line.site), line.check, checkResultName(line.result),
                  oneLine(line.detail)});
  }
  table.print(std::cout);
  std::cout << "\n"
            << input.sites.size() << " site(s) from " << input.files << " file(s): " << counts[CheckResult::kOk]
            << " ok, " << counts[CheckResult::kWarn] << " warn, " << counts[CheckResult::kFail] << " fail, "
            << counts[CheckResult::kManual] << " manual\n";
  if (counts[CheckResult::kFail] > 0)
    std::cout << "Fix what failed (each line says how) and run relinkctl preflight again.\n";
  if (counts[CheckResult::kManual] > 0)
    std::cout << "The manual lines are not checked: do them once, before the jobs start.\n";
}

}  // namespace

int runPreflight(const Invocation& invocation, const Config& config) {
  const TimeMs now = SystemClock().wallNow();
  const PreflightInput input = collectSites(invocation.args, config, now);
  const std::vector<CheckLine> lines = checkAll(input, config, now);
  if (invocation.has("json")) printJson(lines);
  else if (lines.empty()) std::cout << "no job or plan files in " << config.jobsDir << ": nothing to check\n";
  else printText(lines, input);
  return anyFailed(lines) ? kExitFailure : kExitOk;
}

}  // namespace relinkd::ctl

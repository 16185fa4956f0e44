#include "relinkd/domain/PlanSpec.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

#include <cctype>
#include <set>

#include "JsonText.h"
#include "SpecFields.h"

namespace relinkd {
namespace {

// In the order of the rules, which is the order problems are reported in.
const std::vector<const char*> kPlanFields = {
    "sites",   "siteIds",    "product",    "migratedFrom", "migratedFromOverride",
    "createBackup", "migratedAt", "deadline"};

const std::string kPlanSuffix = ".plan.json";

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The site's host, lower case; the URL was checked by urlProblem.
std::string hostOf(const std::string& site) {
  try {
    std::string host = lower(Poco::URI(site).getHost());
    if (!host.empty() && host.back() == '.') host.pop_back();  // a trailing dot names the same host
    return host;
  } catch (const Poco::Exception&) {
    return "";
  }
}

// Characters a job name may not hold become '_'.
std::string nameSafe(std::string text) {
  for (char& c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return text;
}

std::string firstLabel(const std::string& host) { return nameSafe(host.substr(0, host.find('.'))); }

// The first label of the site's host: "acme-eu" for https://acme-eu.atlassian.net.
std::string hostLabel(const std::string& site) { return firstLabel(hostOf(site)); }

bool labelValid(const std::string& label) {
  if (label.empty() || label.size() > kMaxSiteLabelLength) return false;
  for (unsigned char c : label)
    if (!(std::islower(c) || std::isdigit(c) || c == '-')) return false;
  return true;
}

// A URL checked by urlProblem (no spaces, no control characters), short
// enough for a message.
std::string shownUrl(const std::string& site) {
  constexpr std::size_t kShown = 80;
  return site.size() <= kShown ? site : site.substr(0, kShown) + "...";
}

struct SiteEntry {
  std::string url, label;
};

// One element of sites: an https URL, or {"url": URL, "label": LABEL}.
std::optional<SiteEntry> readSite(FieldReader& reader, const std::string& field, const Var& element) {
  std::string url;
  std::optional<Var> label;
  if (element.type() == typeid(Object::Ptr)) {
    const Object& object = *element.extract<Object::Ptr>();
    for (const auto& [key, value] : object) {
      if (key != "url" && key != "label")
        reader.add(field + "." + safeFieldName(key), "is not a field of a site; a site has \"url\" and \"label\"");
    }
    if (!object.has("url") || object.get("url").type() != typeid(std::string)) {
      reader.add(field + ".url", "is required: the site's https URL");
      return std::nullopt;
    }
    url = object.getValue<std::string>("url");
    if (object.has("label")) label = object.get("label");
  } else if (element.type() == typeid(std::string)) {
    url = element.extract<std::string>();
  } else {
    reader.add(field, "must be an https URL, or {\"url\": URL, \"label\": LABEL}");
    return std::nullopt;
  }
  if (const std::string problem = urlProblem(url, false); !problem.empty()) {
    reader.add(label ? field + ".url" : field, problem);
    return std::nullopt;
  }
  if (!label) return SiteEntry{url, hostLabel(url)};
  if (label->type() != typeid(std::string) || !labelValid(label->extract<std::string>())) {
    reader.add(field + ".label", "must be 1 to 32 characters of a-z, 0-9 and '-' (it names the site in job names)");
    return std::nullopt;
  }
  return SiteEntry{url, label->extract<std::string>()};
}

// Adds the site unless it repeats another's host or label. One host is one
// site (whatever the path, port or case): two sites of a plan on one host
// would derive jobs that link a site to itself.
void addSite(FieldReader& reader, PlanSpec& plan, std::size_t index, const SiteEntry& site,
             std::map<std::string, std::pair<std::size_t, std::string>>& byHost,
             std::map<std::string, std::pair<std::size_t, std::string>>& byLabel) {
  const std::string field = "sites[" + std::to_string(index) + "]";
  if (auto [it, added] = byHost.emplace(hostOf(site.url), std::make_pair(index, site.url)); !added) {
    reader.add(field, shownUrl(site.url) + " and " + shownUrl(it->second.second) + " (sites[" +
                          std::to_string(it->second.first) + "]) are the same site (host " + it->first +
                          "); the jobs between them would link a site to itself: list each site once");
    return;
  }
  if (auto [it, added] = byLabel.emplace(site.label, std::make_pair(index, site.url)); !added) {
    const std::string other = "sites[" + std::to_string(it->second.first) + "]";
    reader.add(field, shownUrl(site.url) + " and " + shownUrl(it->second.second) + " (" + other +
                          ") would both be named " + site.label + " in job names; give one of them a label: "
                          "{\"url\": \"" + shownUrl(site.url) + "\", \"label\": \"...\"}");
    return;
  }
  plan.sites.push_back(site.url);
  plan.labels.push_back(site.label);
}

void readSites(FieldReader& reader, PlanSpec& plan) {
  std::optional<Var> value = reader.take("sites", true);
  if (!value) return;
  if (value->type() != typeid(Poco::JSON::Array::Ptr)) {
    reader.add("sites", "must be an array of the split's cloud site URLs, like [\"https://acme-eu.atlassian.net\", ...]");
    return;
  }
  const Poco::JSON::Array& array = *value->extract<Poco::JSON::Array::Ptr>();
  if (array.size() < kMinPlanSites || array.size() > kMaxPlanSites) {
    reader.add("sites", "must list 2 to 64 sites (it lists " + std::to_string(array.size()) + ")");
    return;
  }
  const std::size_t before = reader.problemCount();
  // host (label) -> the index and URL of the site that has it
  std::map<std::string, std::pair<std::size_t, std::string>> byHost, byLabel;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string field = "sites[" + std::to_string(i) + "]";
    const std::optional<SiteEntry> site = readSite(reader, field, array.get(static_cast<unsigned>(i)));
    if (site) addSite(reader, plan, i, *site, byHost, byLabel);
  }
  if (reader.problemCount() != before) {
    plan.sites.clear();
    plan.labels.clear();
  }
}

void readSiteIds(FieldReader& reader, PlanSpec& plan) {
  std::optional<Var> value = reader.take("siteIds", false);
  if (!value) return;
  if (value->type() != typeid(Object::Ptr)) {
    reader.add("siteIds", "must be an object from site URL to site id, like {\"https://acme-eu.atlassian.net\": \"...\"}");
    return;
  }
  // A key names a site by the same-site rule (siteOf): its host and port.
  std::map<std::string, std::string> sitesByKey;
  for (const std::string& site : plan.sites) sitesByKey.emplace(siteOf(site), site);
  for (const auto& [key, id] : *value->extract<Object::Ptr>()) {
    const std::string field = "siteIds." + safeFieldName(key);
    auto site = sitesByKey.find(siteOf(key));
    if (site == sitesByKey.end()) {
      // Without valid sites there is nothing to compare with; sites says why.
      if (!plan.sites.empty()) reader.add(field, "is not one of sites; every key must be a site of the plan");
      continue;
    }
    if (id.type() != typeid(std::string)) {
      reader.add(field, "must be a string (the site's cloud id)");
      continue;
    }
    const std::string text = id.extract<std::string>();
    if (const std::string problem = siteIdProblem(text, "leave the site out to discover its id"); !problem.empty()) {
      reader.add(field, problem);
      continue;
    }
    plan.siteIds[site->second] = text;
  }
}

void readProductJira(FieldReader& reader) {
  std::optional<std::string> product = reader.takeString("product", false);
  if (product && lower(*product) != "jira") {
    reader.add("product", "must be \"jira\": plans are for federated Jira sites (recreateAsRemote is Jira only)");
  }
}

// Every derived name must be a valid job name; the plan name is checked by
// the caller's file name rules first.
void checkDerivedNames(FieldReader& reader, const std::string& planName, const PlanSpec& plan) {
  for (const std::string& label : plan.labels) {
    const std::string longest = planName + "." + label + "." + label;
    if (longest.size() > kMaxJobNameLength) {
      reader.add("sites", "the job names derived from this plan, like " + safeFieldName(longest) +
                              ", would be longer than 128 characters; use a shorter plan file name or site labels");
      return;
    }
  }
}

}  // namespace

std::string PlanResult::message() const { return problemsMessage(problems); }

PlanResult parsePlan(std::string_view bytes, const std::string& planName, std::int64_t windowMs, TimeMs now) {
  PlanResult result;
  if (std::string bad = jobNameProblem(planName); !bad.empty()) {
    result.problems.push_back({"file name", "the plan name (before .plan.json) " + bad});
    return result;
  }
  std::optional<ParsedFile> file = parseObject(bytes, result.problems);
  if (!file) return result;
  FieldReader reader(*file, kPlanFields, result.problems);
  PlanSpec plan;
  JobSpec& shared = plan.shared;
  shared.product = "jira";
  shared.recreateAsRemote = true;
  readSites(reader, plan);
  readSiteIds(reader, plan);
  readProductJira(reader);
  if (auto url = readUrl(reader, "migratedFrom", true, true)) shared.migratedFrom = *url;
  shared.migratedFromOverride = readUrl(reader, "migratedFromOverride", false, true);
  readFlag(reader, "createBackup", shared, shared.createBackup);
  const Window window{windowMs, 0, now};
  const bool startKnown = readMigratedAt(reader, shared, &window);  // required: recreateAsRemote is true
  readDeadline(reader, shared, startKnown && shared.migratedAt ? &window : nullptr);
  reportUnknownFields(reader);
  checkDerivedNames(reader, planName, plan);
  if (result.problems.empty()) result.plan = std::move(plan);
  return result;
}

std::string defaultSiteLabel(const std::string& site) { return hostLabel(site); }

std::vector<DerivedJob> deriveJobs(const std::string& planName, const PlanSpec& plan) {
  const std::vector<std::string>& labels = plan.labels;
  std::vector<DerivedJob> jobs;
  jobs.reserve(plan.sites.size() * (plan.sites.size() - 1));
  for (std::size_t from = 0; from < plan.sites.size(); ++from) {
    for (std::size_t to = 0; to < plan.sites.size(); ++to) {
      if (from == to) continue;
      DerivedJob job{planName + "." + labels[from] + "." + labels[to], plan.shared};
      job.spec.productUrl = plan.sites[from];
      job.spec.destinationUrl = plan.sites[to];
      auto id = plan.siteIds.find(plan.sites[from]);
      job.spec.siteId = id == plan.siteIds.end() ? "" : id->second;
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

bool isPlanFileName(const std::string& fileName) {
  return isJobFileName(fileName) && fileName.size() > kPlanSuffix.size() &&
         fileName.compare(fileName.size() - kPlanSuffix.size(), kPlanSuffix.size(), kPlanSuffix) == 0;
}

std::string planNameOf(const std::string& fileName) {
  return isPlanFileName(fileName) ? fileName.substr(0, fileName.size() - kPlanSuffix.size()) : fileName;
}

std::string planFileName(const std::string& name) { return name + kPlanSuffix; }

}  // namespace relinkd

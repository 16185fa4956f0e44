// A plan seen as a whole (see PlanView.h).
#include "relinkd/domain/PlanView.h"

#include <algorithm>

#include <Poco/JSON/Array.h>

#include "relinkd/domain/JobJson.h"

namespace relinkd {

namespace {

void orderSites(std::vector<PlanSite>& sites, const std::vector<std::string>& order) {
  const auto rank = [&](const PlanSite& site) {
    return std::find(order.begin(), order.end(), site.label) - order.begin();
  };
  std::stable_sort(sites.begin(), sites.end(),
                   [&](const PlanSite& a, const PlanSite& b) { return rank(a) < rank(b); });
}

void addDerived(PlanView& view, const Job& job) {
  view.current.push_back(job);
  if (view.file.empty()) view.file = job.file;
  const auto pair = sitePairOf(job);
  if (!pair) return;
  view.matrix[pair->from][pair->to] = job.state;
  auto site = std::find_if(view.sites.begin(), view.sites.end(),
                           [&](const PlanSite& s) { return s.label == pair->from; });
  if (site == view.sites.end()) site = view.sites.insert(view.sites.end(), PlanSite{pair->from, "", ""});
  if (const auto spec = specObject(job); spec && site->url.empty())
    site->url = spec->optValue<std::string>("productURL", "");
  if (site->siteId.empty()) site->siteId = job.siteId;
}

}  // namespace

std::optional<SitePair> sitePairOf(const Job& job) {
  if (job.plan.empty() || job.name.size() <= job.plan.size() + 1) return std::nullopt;
  const std::string rest = job.name.substr(job.plan.size() + 1);
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return std::nullopt;
  return SitePair{rest.substr(0, dot), rest.substr(dot + 1)};
}

std::vector<Job> jobsOfPlan(const std::vector<Job>& all, const std::string& plan) {
  std::vector<Job> jobs;
  for (const Job& job : all)
    if (job.plan == plan) jobs.push_back(job);
  return jobs;
}

PlanView planViewOf(const std::string& plan, const std::vector<Job>& jobs, const SiteOrder& order, bool ended) {
  PlanView view;
  std::vector<Job> ordered = jobs;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Job& a, const Job& b) { return a.createdAt < b.createdAt; });
  for (const Job& job : ordered) {
    if (job.name == plan) {
      view.file = job.file;
      if (job.fileHash) view.problem = job.lastError.value_or("invalid");
    } else if (!job.fileHash && !ended) {
      view.former.push_back(job);
    } else {
      addDerived(view, job);
    }
  }
  if (order) orderSites(view.sites, order(plan, view.file));
  return view;
}

Poco::JSON::Object::Ptr planToJson(const std::string& plan, const PlanView& view, TimeMs now) {
  using Poco::Dynamic::Var;
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("plan", plan);
  object->set("file", view.file.empty() ? Var() : Var(view.file));
  object->set("problem", view.problem ? Var(*view.problem) : Var());
  Poco::JSON::Array::Ptr sites = new Poco::JSON::Array;
  for (const PlanSite& site : view.sites) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("label", site.label);
    item->set("url", site.url.empty() ? Var() : Var(site.url));
    item->set("siteId", site.siteId.empty() ? Var() : Var(site.siteId));
    sites->add(item);
  }
  object->set("sites", sites);
  Poco::JSON::Object::Ptr matrix = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const PlanSite& from : view.sites) {
    Poco::JSON::Object::Ptr row = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [to, state] : view.matrix.at(from.label)) row->set(to, std::string(stateName(state)));
    matrix->set(from.label, row);
  }
  object->set("matrix", matrix);
  Poco::JSON::Array::Ptr jobs = new Poco::JSON::Array;
  for (const Job& job : view.current) jobs->add(jobToJson(job, now));
  object->set("jobs", jobs);
  Poco::JSON::Array::Ptr former = new Poco::JSON::Array;
  for (const Job& job : view.former) former->add(jobToJson(job, now));
  object->set("formerJobs", former);
  return object;
}

std::string stateCountsText(const std::vector<Job>& jobs) {
  std::map<JobState, int> counts;
  for (const Job& job : jobs) ++counts[job.state];
  return stateCountsText(counts);
}

std::string stateCountsText(const std::map<JobState, int>& counts) {
  std::string text;
  for (JobState state : kAllStates) {
    const auto n = counts.find(state);
    if (n != counts.end() && n->second > 0)
      text += std::string(text.empty() ? "" : ", ") + std::to_string(n->second) + " " + stateName(state);
  }
  return text.empty() ? "none" : text;
}

}  // namespace relinkd

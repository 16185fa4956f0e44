// relinkctl's view of plans: the jobs a plan name stands for, and
// `relinkctl show PLAN` (its sites, their ids and a matrix of job states).
#include "Plans.h"

#include <algorithm>
#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "Table.h"
#include "relinkd/io/JobFile.h"
#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/PlanSpec.h"

namespace relinkd::ctl {

namespace {

struct Pair {
  std::string from, to;  // the site labels of a derived job's name
};

std::optional<Pair> pairOf(const Job& job) {
  if (job.plan.empty() || job.name.size() <= job.plan.size() + 1) return std::nullopt;
  const std::string rest = job.name.substr(job.plan.size() + 1);
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return std::nullopt;
  return Pair{rest.substr(0, dot), rest.substr(dot + 1)};
}

struct Site {
  std::string label, url, siteId;
};

struct PlanView {
  std::string file;
  std::optional<std::string> problem;  // the stand-in's, when the plan is invalid
  std::vector<Site> sites;             // in the order their jobs were created
  std::map<std::string, std::map<std::string, JobState>> matrix;  // from -> to -> state
  std::vector<Job> current, former;    // the plan's jobs, and those it no longer derives
};

// The labels of the plan file's sites, in the file's order; empty when the
// file cannot be read or is invalid (then the jobs' order is used).
std::vector<std::string> fileOrder(const std::string& plan, const std::string& file, std::int64_t windowMs) {
  if (file.empty()) return {};
  const FileRead read = readJobFile(file);
  if (!read.ok) return {};
  const PlanResult result = parsePlan(read.bytes, plan, windowMs);
  return result.plan ? result.plan->labels : std::vector<std::string>{};
}

void orderSites(std::vector<Site>& sites, const std::vector<std::string>& order) {
  const auto rank = [&](const Site& site) {
    return std::find(order.begin(), order.end(), site.label) - order.begin();
  };
  std::stable_sort(sites.begin(), sites.end(), [&](const Site& a, const Site& b) { return rank(a) < rank(b); });
}

PlanView viewOf(const std::string& plan, const std::vector<Job>& jobs) {
  PlanView view;
  std::vector<Job> ordered = jobs;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Job& a, const Job& b) { return a.createdAt < b.createdAt; });
  for (const Job& job : ordered) {
    if (job.name == plan) {
      view.file = job.file;
      if (job.fileHash) view.problem = job.lastError.value_or("invalid");
      continue;
    }
    if (!job.fileHash) {
      view.former.push_back(job);
      continue;
    }
    view.current.push_back(job);
    if (view.file.empty()) view.file = job.file;
    const auto pair = pairOf(job);
    if (!pair) continue;
    view.matrix[pair->from][pair->to] = job.state;
    auto site = std::find_if(view.sites.begin(), view.sites.end(), [&](const Site& s) { return s.label == pair->from; });
    if (site == view.sites.end()) site = view.sites.insert(view.sites.end(), Site{pair->from, "", ""});
    if (const auto spec = specObject(job); spec && site->url.empty()) site->url = spec->optValue<std::string>("productURL", "");
    if (site->siteId.empty()) site->siteId = job.siteId;
  }
  return view;
}

std::string countsText(const std::vector<Job>& jobs) {
  std::string text;
  for (JobState state : kAllStates) {
    const auto n = std::count_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.state == state; });
    if (n > 0) text += std::string(text.empty() ? "" : ", ") + std::to_string(n) + " " + stateName(state);
  }
  return text.empty() ? "none" : text;
}

void printPlanText(const std::string& plan, const PlanView& view) {
  std::cout << "plan:     " << plan << "\n"
            << "file:     " << (view.file.empty() ? "-" : view.file) << "\n"
            << "problem:  " << (view.problem ? oneLine(*view.problem) : "-") << "\n"
            << "jobs:     " << view.current.size() << " (" << countsText(view.current) << ")\n";
  if (view.problem) std::cout << "          (the plan's jobs stay as they were until the file is fixed)\n";
  std::cout << "sites:\n";
  Table sites({"SITE", "URL", "SITE-ID"});
  for (const Site& site : view.sites)
    sites.addRow({site.label, site.url.empty() ? "-" : site.url, site.siteId.empty() ? "(discovering)" : site.siteId});
  sites.print(std::cout);
  std::cout << "jobs by site (row: the site whose links are updated; column: the site they point to):\n";
  std::vector<std::string> header = {"FROM \\ TO"};
  for (const Site& site : view.sites) header.push_back(site.label);
  Table matrix(header);
  for (const Site& from : view.sites) {
    std::vector<std::string> row = {from.label};
    const auto& cells = view.matrix.at(from.label);
    for (const Site& to : view.sites) {
      auto cell = cells.find(to.label);
      row.push_back(from.label == to.label ? "-" : cell == cells.end() ? "?" : stateName(cell->second));
    }
    matrix.addRow(row);
  }
  matrix.print(std::cout);
  if (!view.former.empty()) {
    std::cout << "no longer in the plan:\n";
    for (const Job& job : view.former) std::cout << "  " << job.name << ": " << stateName(job.state) << "\n";
  }
}

Poco::JSON::Object::Ptr planToJson(const std::string& plan, const PlanView& view, TimeMs now) {
  using Poco::Dynamic::Var;
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("plan", plan);
  object->set("file", view.file.empty() ? Var() : Var(view.file));
  object->set("problem", view.problem ? Var(*view.problem) : Var());
  Poco::JSON::Array::Ptr sites = new Poco::JSON::Array;
  for (const Site& site : view.sites) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("label", site.label);
    item->set("url", site.url.empty() ? Var() : Var(site.url));
    item->set("siteId", site.siteId.empty() ? Var() : Var(site.siteId));
    sites->add(item);
  }
  object->set("sites", sites);
  Poco::JSON::Object::Ptr matrix = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const Site& from : view.sites) {
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

}  // namespace

std::vector<Job> jobsOfPlan(const std::vector<Job>& all, const std::string& plan) {
  std::vector<Job> jobs;
  for (const Job& job : all)
    if (job.plan == plan) jobs.push_back(job);
  return jobs;
}

int showPlan(const std::string& plan, const std::vector<Job>& jobs, std::int64_t windowMs, bool json, TimeMs now) {
  PlanView view = viewOf(plan, jobs);
  orderSites(view.sites, fileOrder(plan, view.file, windowMs));
  if (json) std::cout << toJsonText(planToJson(plan, view, now)) << "\n";
  else printPlanText(plan, view);
  return 0;
}

}  // namespace relinkd::ctl

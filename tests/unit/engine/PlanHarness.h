// Plan files for engine tests: a plan's JSON, writing and removing it in
// the harness's job directory, and reading its jobs back from the store.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "EngineHarness.h"

namespace enginetest {

inline const std::string kEu = "https://acme-eu.atlassian.net";
inline const std::string kUs = "https://acme-us.atlassian.net";
inline const std::string kApac = "https://acme-apac.atlassian.net";
inline const std::string kLatam = "https://acme-latam.atlassian.net";

inline std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// A plan of these sites, each with the site id "id-" + its first label
// unless discovered lists it; extra is spliced into the object.
inline std::string planJson(const std::vector<std::string>& sites, const std::set<std::string>& discovered = {},
                            const std::string& extra = "") {
  std::string list, ids;
  for (const std::string& site : sites) {
    list += (list.empty() ? "" : ",") + quoted(site);
    if (discovered.count(site)) continue;
    const std::string label = site.substr(8, site.find('.') - 8);
    ids += (ids.empty() ? "" : ",") + quoted(site) + ":" + quoted("id-" + label);
  }
  return "{\"sites\":[" + list + "],\"siteIds\":{" + ids +
         "},\"migratedFrom\":\"https://jira.acme.example\",\"migratedAt\":\"2025-11-23T16:00:00Z\"" + extra + "}";
}

inline void writePlan(Harness& h, const std::string& name, const std::string& json) {
  h.putFile(name + ".plan.json", json);
  h.engine->fileChanged(name + ".plan.json");
  h.engine->step();
}

inline void removePlan(Harness& h, const std::string& name) {
  h.deleteFile(name + ".plan.json");
  h.engine->fileChanged(name + ".plan.json");
  h.engine->step();
}

// Every job of the store whose plan is plan, name -> job.
inline std::map<std::string, Job> planJobs(Harness& h, const std::string& plan) {
  std::map<std::string, Job> jobs;
  for (Job& job : h.store->all())
    if (job.plan == plan) jobs.emplace(job.name, std::move(job));
  return jobs;
}

inline bool hasAction(const std::vector<HistoryEntry>& history, const std::string& action) {
  return std::any_of(history.begin(), history.end(), [&](const HistoryEntry& e) { return e.action == action; });
}

inline std::set<std::string> namesOf(const std::map<std::string, Job>& jobs) {
  std::set<std::string> names;
  for (const auto& [name, job] : jobs) names.insert(name);
  return names;
}

// Submits everything sent so far and answers each with a new uuid.
inline std::set<std::string> acceptAll(Harness& h) {
  std::set<std::string> submitted;
  while (!h.executor.sent.empty()) {
    Dispatch d = h.executor.take();
    REQUIRE(d.kind == RequestKind::kSubmit);
    submitted.insert(d.jobName);
    h.answer(d, 200, "{\"uuid\":\"u-" + d.jobName + "\"}");
  }
  return submitted;
}

}  // namespace enginetest

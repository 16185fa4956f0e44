// The plan file (NAME.plan.json): one Jira Data Center instance split into
// several cloud sites, declared once. A plan derives one job for every
// ordered pair of its sites (N sites, N×(N−1) jobs), each a job spec like a
// job file's with productURL = one site, destinationURL = another and
// recreateAsRemote = true. Checked as carefully as a job file: every problem
// names its field, nothing of the file is echoed.
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relinkd/domain/JobSpec.h"

namespace relinkd {

inline constexpr std::size_t kMinPlanSites = 2;
inline constexpr std::size_t kMaxPlanSites = 64;
inline constexpr std::size_t kMaxSiteLabelLength = 32;

struct PlanSpec {
  std::vector<std::string> sites;              // the URLs as written, in the file's order
  std::vector<std::string> labels;             // each site's label (see deriveJobs), in the same order
  std::map<std::string, std::string> siteIds;  // site (as in sites) -> site id, when given
  JobSpec shared;  // migratedFrom, migratedFromOverride, migratedAt, deadline, createBackup
};

struct PlanResult {
  std::optional<PlanSpec> plan;        // set when problems is empty
  std::vector<FieldProblem> problems;  // in field order of the rules

  bool ok() const { return problems.empty(); }
  std::string message() const;  // "field: problem; field: problem"
};

// Parses and validates a plan file's bytes; planName (the file name without
// ".plan.json") is needed to check that every derived job name is valid.
// windowMs is relinkd.window; now is the current time (migratedAt may be at
// most 1 h ahead of it, as in a job file).
PlanResult parsePlan(std::string_view bytes, const std::string& planName, std::int64_t windowMs, TimeMs now);

struct DerivedJob {
  std::string name;  // PLAN.SRC.DST
  JobSpec spec;      // siteId empty when it is to be discovered
};

// Every job of the plan: for each site in order, one job per other site in
// order, named PLAN.SRC.DST by the sites' labels. A site's label is its
// "label" when the plan gives one, else its first host label; it never
// depends on the other sites (two sites with one label make the plan
// invalid), so adding or removing a site renames no other site's jobs.
std::vector<DerivedJob> deriveJobs(const std::string& planName, const PlanSpec& plan);

// The label of a site given without one: its host's first label, lower
// case ("acme-eu" for https://acme-eu.atlassian.net).
std::string defaultSiteLabel(const std::string& site);

// Plan file names: "acme.plan.json" is the plan "acme". A plan file is also
// a job file name (isJobFileName); these tell the two apart.
bool isPlanFileName(const std::string& fileName);
std::string planNameOf(const std::string& fileName);  // "a.plan.json" -> "a"
std::string planFileName(const std::string& name);    // "a" -> "a.plan.json"

}  // namespace relinkd

// A plan seen as a whole: its file, its problem when invalid, its sites
// with their ids, the matrix of its jobs' states and the jobs it no longer
// derives. One implementation for `relinkctl show PLAN [--json]` and for the
// daemon's plan notifications (whose standard input is that JSON object), so
// the two never disagree.
//
// Thread-safety: pure functions on values.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "relinkd/domain/Job.h"

namespace relinkd {

struct PlanSite {
  std::string label, url, siteId;
};

struct PlanView {
  std::string file;
  std::optional<std::string> problem;  // the stand-in's, when the plan is invalid
  std::vector<PlanSite> sites;         // in the order their jobs were created (or the file's)
  std::map<std::string, std::map<std::string, JobState>> matrix;  // from -> to -> state
  std::vector<Job> current, former;    // the plan's jobs, and those it no longer derives
};

// The labels of the sites of a plan's derived job PLAN.FROM.TO (the
// matrix's row and column); nullopt for any other job.
struct SitePair {
  std::string from, to;
};
std::optional<SitePair> sitePairOf(const Job& job);

// Every job whose plan is plan: its derived jobs, those it no longer
// derives, and the job named plan that stands for it while it is invalid.
std::vector<Job> jobsOfPlan(const std::vector<Job>& all, const std::string& plan);

// The labels of a plan's sites in its file's order (io's planSiteOrder), or
// empty when the file cannot be read: the order the jobs were created in.
using SiteOrder = std::function<std::vector<std::string>(const std::string& plan, const std::string& file)>;

// The view of plan from its jobs (jobsOfPlan). order is asked once, for the
// file the jobs name (planViewOf reads no file itself); without it, or when
// it gives nothing, the sites are in the order the jobs were created in.
// ended: the plan's file is gone (removed once the window closed, say), so
// that every job is one it no longer derives; the view is then of the plan
// as its jobs ended, each in the matrix, none former.
PlanView planViewOf(const std::string& plan, const std::vector<Job>& jobs, const SiteOrder& order,
                    bool ended = false);

// {"plan", "file", "problem", "sites": [{"label", "url", "siteId"}],
//  "matrix": {FROM: {TO: state}}, "jobs": [...], "formerJobs": [...]}.
Poco::JSON::Object::Ptr planToJson(const std::string& plan, const PlanView& view, TimeMs now);

// "2 succeeded, 1 failed" over jobs, in the order of the states; "none".
std::string stateCountsText(const std::vector<Job>& jobs);
// The same from counts per state (states absent or at 0 are left out).
std::string stateCountsText(const std::map<JobState, int>& counts);

}  // namespace relinkd

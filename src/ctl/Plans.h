// relinkctl and plans: a plan's name stands for all of its jobs (list
// --plan, wait PLAN), and `show PLAN` shows the plan as a whole.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/PlanView.h"

namespace relinkd::ctl {

// Every job whose plan is plan (PlanView.h: shared with the daemon).
using relinkd::jobsOfPlan;
// The plan's file, its problem if invalid, its sites with their ids, the
// matrix of its jobs' states, and the jobs it no longer derives. JSON:
// {"plan", "file", "problem", "sites": [{"label", "url", "siteId"}],
//  "matrix": {FROM: {TO: state}}, "jobs": [...], "formerJobs": [...]}.
// Sites are in the order of the plan file when it can be read (windowMs:
// relinkd.window, to parse it). The view and its JSON are PlanView.h's, the
// same the daemon's plan notifications carry.
// The matrix of the plan's job states as `show PLAN` prints it, with the
// line that says how to read it (show PLAN, report).
void printPlanMatrix(std::ostream& out, const PlanView& view);

int showPlan(const std::string& plan, const std::vector<Job>& jobs, std::int64_t windowMs, bool json, TimeMs now);

}  // namespace relinkd::ctl

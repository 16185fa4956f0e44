// The migration's record, for sign-off (interface.md, `relinkctl report`;
// the daemon's GET /report?plan=P): every job asked for with its pair, its
// state, its attempts, its remote job id, when it was first submitted and
// when it finished, the remote result and the last error; per plan the
// window and a site x site matrix of states; totals.
//
// Built once from the jobs as the store holds them (specs included), then
// rendered: CSV for spreadsheets (the header of interface.md, RFC 4180),
// JSON for scripts, HTML for people (one self-contained file), and text in
// relinkctl. Every renderer reads the same Report, so they never disagree.
//
// Thread-safety: pure functions on values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/PlanView.h"

namespace relinkd {

struct ReportJob {
  Job job;                                // as stored: firstSubmittedAt, finishedAt, result, lastError
  std::string productUrl, destinationUrl;  // from its spec; empty when it has none (invalid)
  std::string from, to;                    // a plan's job: the labels of its sites; empty otherwise
  bool former = false;                     // a plan's job that the plan no longer derives
};

struct ReportWindow {
  std::optional<TimeMs> opened;  // the earliest start (migratedAt, else first acceptance) of its jobs
  std::optional<TimeMs> closes;  // the latest deadline of its jobs: no request after it
};

struct ReportPlan {
  std::string plan;
  PlanView view;  // file, problem, sites in the file's order, matrix of the current jobs
  // The plan's file is gone (no job of it has a file): view is of the plan as its jobs
  // ended, every job in the matrix; none of them is former.
  bool fileRemoved = false;
  ReportWindow window;
};

struct Report {
  TimeMs generatedAt = 0;
  std::vector<std::string> selection;     // the names asked for; empty: every job
  std::vector<ReportJob> jobs;            // ordered by name
  std::vector<ReportPlan> plans;          // ordered by name
  std::map<JobState, int> totals;         // jobs per state (states without jobs absent)
};

// The report of the jobs named (each a job name or a plan name: a plan
// stands for all of its jobs, those it no longer derives and the stand-in
// of an invalid plan file), or of every job when names is empty. all: every
// job of the store (JobStore::all()). Plans: those named, or every plan
// when names is empty. windowMs: relinkd.window. Names that are neither a
// job nor a plan are put in unknown (the report is built without them).
Report buildReport(const std::vector<Job>& all, const std::vector<std::string>& names, TimeMs now,
                   const SiteOrder& order, std::vector<std::string>& unknown);

// "name,plan,productURL,destinationURL,state,attempts,remoteJobId,
// firstSubmittedAt,finishedAt,lastError" and one record per job, CRLF line
// ends, fields quoted when they hold a comma, a quote, CR or LF (RFC 4180);
// times RFC 3339 UTC, empty when there is none.
std::string reportCsv(const Report& report);

// {"generatedAt", "selection": [NAME...], "totals": {"jobs": N, STATE: N...},
//  "plans": [{"plan", "file", "fileRemoved", "problem", "window": {"opened", "closes",
//  "closed", "timeLeftSeconds"}, "sites": [...], "matrix": {FROM: {TO: state}},
//  "totals": {...}}], "jobs": [JOB...]}: a JOB is jobToJson's object plus
// "productURL", "destinationURL", "from", "to", "former",
// "firstSubmittedAt", "finishedAt" and "result" (resultValue).
std::string reportJson(const Report& report);

// One self-contained HTML document (inline CSS; no script, font or image
// from anywhere), readable printed: totals, per plan the window and the
// matrix coloured by state with a legend that does not rely on colour
// alone, then a table of every job.
std::string reportHtml(const Report& report);

}  // namespace relinkd

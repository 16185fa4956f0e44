// `relinkctl report`: the migration's record for sign-off, built once
// (buildReport) and rendered as text, CSV, JSON or HTML, to standard output
// or atomically to a file. It only reads the database.
#include <cctype>
#include <iostream>
#include <sstream>

#include "Commands.h"
#include "OutputFile.h"
#include "Plans.h"
#include "Table.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/Report.h"
#include "relinkd/domain/Time.h"
#include "relinkd/io/JobFile.h"

namespace relinkd::ctl {

namespace {

enum class Format { kText, kCsv, kJson, kHtml };

// In any case: R.CSV is as much a CSV file as r.csv.
bool endsWith(const std::string& text, const std::string& end) {
  if (text.size() < end.size()) return false;
  for (std::size_t i = 0; i < end.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[text.size() - end.size() + i]);
    if (std::tolower(c) != end[i]) return false;
  }
  return true;
}

// --format, else the --output file's extension, else text.
Format formatOf(const Invocation& invocation) {
  if (invocation.has("format")) {
    const std::string& name = invocation.options.at("format");
    if (name == "text") return Format::kText;
    if (name == "csv") return Format::kCsv;
    if (name == "json") return Format::kJson;
    if (name == "html") return Format::kHtml;
    throw UsageError("unknown --format \"" + name + "\" (text, csv, json or html)", "report");
  }
  const std::string output = invocation.has("output") ? invocation.options.at("output") : "";
  if (endsWith(output, ".csv")) return Format::kCsv;
  if (endsWith(output, ".json")) return Format::kJson;
  if (endsWith(output, ".html") || endsWith(output, ".htm")) return Format::kHtml;
  return Format::kText;
}

std::string orDash(const std::optional<TimeMs>& t) { return t ? formatTime(*t) : "-"; }

std::string windowText(const ReportWindow& window, TimeMs now) {
  if (!window.closes) return "unknown (no job has a window)";
  if (*window.closes <= now) return "closed at " + formatTime(*window.closes);
  return "opened " + orDash(window.opened) + ", closes " + formatTime(*window.closes) + " (in " +
         formatDuration(*window.closes - now) + ")";
}

void printTotals(std::ostream& out, const std::map<JobState, int>& totals) {
  int all = 0;
  for (const auto& [state, n] : totals) all += n;
  out << "jobs:      " << all << " (" << stateCountsText(totals) << ")\n";
}

void printPlan(std::ostream& out, const ReportPlan& plan, TimeMs now) {
  out << "\nplan " << plan.plan << "\n"
      << "file:      " << (plan.view.file.empty() ? "-" : plan.view.file)
      << (plan.fileRemoved ? " (removed: the matrix is of the jobs as they ended)" : "") << "\n";
  if (plan.view.problem) out << "problem:   " << oneLine(*plan.view.problem) << "\n";
  out << "window:    " << windowText(plan.window, now) << "\n";
  printPlanMatrix(out, plan.view);
}

std::string pairText(const ReportJob& entry) {
  if (!entry.from.empty()) return entry.from + " -> " + entry.to;
  if (entry.productUrl.empty()) return "-";
  return entry.productUrl + " -> " + entry.destinationUrl;
}

void printJobs(std::ostream& out, const std::vector<ReportJob>& jobs) {
  Table table({"NAME", "PAIR", "STATE", "ATTEMPTS", "REMOTE-JOB-ID", "FIRST-SUBMITTED", "FINISHED"});
  for (const ReportJob& entry : jobs) {
    const Job& job = entry.job;
    table.addRow({job.name + (entry.former ? " (former)" : ""), pairText(entry), stateName(job.state),
                  std::to_string(job.attempts), oneLine(job.remoteJobId.value_or("-")),
                  orDash(job.firstSubmittedAt), orDash(job.finishedAt)});
  }
  out << "\n";
  table.print(out);
  for (const ReportJob& entry : jobs) {
    if (entry.job.result) out << entry.job.name << ": result: " << oneLine(*entry.job.result) << "\n";
    if (entry.job.lastError) out << entry.job.name << ": last error: " << oneLine(*entry.job.lastError) << "\n";
  }
}

std::string reportText(const Report& report) {
  std::ostringstream out;
  out << "relinkd report, generated at " << formatTime(report.generatedAt) << "\n";
  std::string asked;
  for (const std::string& name : report.selection) asked += (asked.empty() ? "" : " ") + oneLine(name);
  out << "of:        " << (asked.empty() ? "every job" : asked) << "\n";
  printTotals(out, report.totals);
  for (const ReportPlan& plan : report.plans) printPlan(out, plan, report.generatedAt);
  printJobs(out, report.jobs);
  return out.str();
}

std::string renderReport(Format format, const Report& report) {
  switch (format) {
    case Format::kText: return reportText(report);
    case Format::kCsv: return reportCsv(report);
    case Format::kJson: return reportJson(report) + "\n";
    case Format::kHtml: return reportHtml(report);
  }
  return reportText(report);
}

}  // namespace

int runReport(const Invocation& invocation, const Config& config) {
  const Format format = formatOf(invocation);
  const auto store = openDatabase(config, true);
  warnWhenNotRunning(config);
  const TimeMs now = SystemClock().wallNow();
  const SiteOrder order = [&](const std::string& plan, const std::string& file) {
    return planSiteOrder(plan, file, config.windowMs, now);
  };
  std::vector<std::string> unknown;
  const Report report = buildReport(store->all(), invocation.args, now, order, unknown);
  for (const std::string& name : unknown)
    printError("no job or plan named \"" + name + "\" in " + config.databasePath());
  if (!unknown.empty()) return kExitFailure;
  const std::string text = renderReport(format, report);
  if (!invocation.has("output")) {
    std::cout << text << std::flush;
    return kExitOk;
  }
  return writeFileAtomically(invocation.options.at("output"), text) ? kExitOk : kExitFailure;
}

}  // namespace relinkd::ctl

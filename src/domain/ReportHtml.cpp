// The report as one self-contained HTML document (see Report.h): what a
// person mails, attaches to a ticket or prints to sign off a migration.
// Everything from a job (names, errors, the API's answers) is escaped;
// the document holds no script and loads nothing.
#include <set>
#include <sstream>

#include "ReportStyle.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/Html.h"
#include "relinkd/domain/Report.h"
#include "relinkd/domain/Time.h"

namespace relinkd {

namespace {

const char* const kDiagonal = "\xE2\x80\x94";  // an em dash: a site does not relink to itself

std::string timeOr(const std::optional<TimeMs>& t, const char* none = "-") {
  return t ? formatTime(*t) : none;
}

std::string textOr(const std::optional<std::string>& value) {
  return value && !value->empty() ? escapeHtml(*value) : "-";
}

std::string stateSpan(JobState state) {
  const char* name = stateName(state);
  return std::string("<span class=\"state st-") + name + "\">" + name + "</span>";
}

void head(std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>relinkd report</title>\n<style>" << kReportStyle << "</style>\n</head>\n";
}

std::string askedFor(const Report& report) {
  if (report.selection.empty()) return "every job";
  std::string names;
  for (const std::string& name : report.selection) names += (names.empty() ? "" : ", ") + escapeHtml(name);
  return names;
}

void heading(std::ostream& out, const Report& report) {
  out << "<h1>relinkd report</h1>\n<p class=\"meta\">Asked for: <span class=\"selection\">" << askedFor(report)
      << "</span> &middot; generated <time class=\"generated\">" << formatTime(report.generatedAt)
      << "</time> &middot; relinkd " << escapeHtml(RELINKD_VERSION) << "</p>\n";
}

void totals(std::ostream& out, const Report& report) {
  out << "<ul class=\"totals\">\n<li data-state=\"jobs\"><b>" << report.jobs.size() << "</b> "
      << (report.jobs.size() == 1 ? "job" : "jobs") << "</li>\n";
  for (const JobState state : kAllStates) {
    const auto it = report.totals.find(state);
    if (it == report.totals.end() || it->second == 0) continue;
    out << "<li class=\"st-" << stateName(state) << "\" data-state=\"" << stateName(state) << "\"><b>"
        << it->second << "</b> " << stateName(state) << "</li>\n";
  }
  out << "</ul>\n";
}

std::string windowLeft(const ReportWindow& window, TimeMs now) {
  if (!window.closes) return "-";
  return *window.closes > now ? formatDuration(*window.closes - now) + " left" : "closed";
}

void facts(std::ostream& out, const ReportPlan& plan, TimeMs now) {
  out << "<dl class=\"facts\">\n<dt>File</dt><dd class=\"file\">" << (plan.view.file.empty() ? "-" : escapeHtml(plan.view.file))
      << "</dd>\n<dt>Window opened</dt><dd class=\"opened\">" << timeOr(plan.window.opened)
      << "</dd>\n<dt>Window closes</dt><dd class=\"closes\">" << timeOr(plan.window.closes)
      << "</dd>\n<dt>Time left</dt><dd class=\"left\">" << windowLeft(plan.window, now) << "</dd>\n</dl>\n";
}

std::optional<JobState> stateAt(const PlanView& view, const std::string& from, const std::string& to) {
  const auto row = view.matrix.find(from);
  if (row == view.matrix.end()) return std::nullopt;
  const auto cell = row->second.find(to);
  return cell == row->second.end() ? std::nullopt : std::optional<JobState>(cell->second);
}

// A row of the matrix: the site whose links are updated, then one cell per
// site they point to. A pair with no job (a site added while it ran) says so.
void matrixRow(std::ostream& out, const PlanView& view, const PlanSite& from, std::set<JobState>& shown) {
  out << "<tr><th scope=\"row\">" << escapeHtml(from.label) << "</th>";
  for (const PlanSite& to : view.sites) {
    const std::string attributes = " data-from=\"" + escapeHtml(from.label) + "\" data-to=\"" + escapeHtml(to.label) + "\"";
    if (to.label == from.label) {
      out << "<td class=\"diagonal\"" << attributes << " data-state=\"\">" << kDiagonal << "</td>";
      continue;
    }
    const auto cell = stateAt(view, from.label, to.label);
    if (!cell) {
      out << "<td class=\"st-none\"" << attributes << " data-state=\"\">no job</td>";
      continue;
    }
    shown.insert(*cell);
    const char* name = stateName(*cell);
    out << "<td class=\"st-" << name << "\"" << attributes << " data-state=\"" << name << "\" title=\""
        << escapeHtml(from.label) << " &rarr; " << escapeHtml(to.label) << ": " << name << "\">" << name << "</td>";
  }
  out << "</tr>\n";
}

void legend(std::ostream& out, const std::string& plan, const std::set<JobState>& shown) {
  out << "<ul class=\"legend\" data-plan=\"" << escapeHtml(plan) << "\" aria-label=\"legend\">\n";
  for (const JobState state : kAllStates) {
    if (shown.count(state) == 0) continue;
    out << "<li class=\"st-" << stateName(state) << "\" data-state=\"" << stateName(state) << "\">"
        << stateName(state) << "</li>\n";
  }
  out << "<li class=\"diagonal\" data-state=\"\">" << kDiagonal << " the site itself</li>\n</ul>\n";
}

void matrix(std::ostream& out, const ReportPlan& plan) {
  const PlanView& view = plan.view;
  if (view.sites.empty()) return;
  const std::string name = escapeHtml(plan.plan);
  out << "<table class=\"matrix\" data-plan=\"" << name << "\">\n<caption>Links of the row's site pointing to "
      << "the column's site</caption>\n<thead><tr><th scope=\"col\">from \\ to</th>";
  for (const PlanSite& to : view.sites) out << "<th scope=\"col\">" << escapeHtml(to.label) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  std::set<JobState> shown;
  for (const PlanSite& from : view.sites) matrixRow(out, view, from, shown);
  out << "</tbody>\n</table>\n";
  legend(out, plan.plan, shown);
}

void planSection(std::ostream& out, const ReportPlan& plan, TimeMs now) {
  const std::string name = escapeHtml(plan.plan);
  out << "<section class=\"plan\" data-plan=\"" << name << "\">\n<h2>Plan " << name << "</h2>\n";
  if (plan.view.problem) out << "<p class=\"problem\">Invalid plan file: " << escapeHtml(*plan.view.problem) << "</p>\n";
  facts(out, plan, now);
  matrix(out, plan);
  out << "</section>\n";
}

std::string pairCell(const ReportJob& entry) {
  if (!entry.from.empty()) return escapeHtml(entry.from) + " &rarr; " + escapeHtml(entry.to);
  if (entry.productUrl.empty()) return "-";
  return escapeHtml(entry.productUrl) + " &rarr; " + escapeHtml(entry.destinationUrl);
}

void jobRow(std::ostream& out, const ReportJob& entry) {
  const Job& job = entry.job;
  const char* state = stateName(job.state);
  out << "<tr class=\"job\" data-name=\"" << escapeHtml(job.name) << "\" data-state=\"" << state << "\">"
      << "<td class=\"name\">" << escapeHtml(job.name)
      << (entry.former ? " <span class=\"former\">(no longer in the plan)</span>" : "") << "</td>"
      << "<td class=\"plan\">" << (job.plan.empty() ? "-" : escapeHtml(job.plan)) << "</td>"
      << "<td class=\"pair\">" << pairCell(entry) << "</td>"
      << "<td class=\"state\">" << stateSpan(job.state) << "</td>"
      << "<td class=\"num attempts\">" << job.attempts << "</td>"
      << "<td class=\"remote\">" << textOr(job.remoteJobId) << "</td>"
      << "<td class=\"submitted\">" << timeOr(job.firstSubmittedAt) << "</td>"
      << "<td class=\"finished\">" << timeOr(job.finishedAt) << "</td>"
      << "<td class=\"result\">" << textOr(job.result) << "</td>"
      << "<td class=\"error\">" << textOr(job.lastError) << "</td></tr>\n";
}

void jobTable(std::ostream& out, const Report& report) {
  out << "<h2>Jobs</h2>\n";
  if (report.jobs.empty()) {
    out << "<p class=\"empty\">No jobs.</p>\n";
    return;
  }
  out << "<table class=\"jobs\">\n<thead><tr><th>Job</th><th>Plan</th><th>Pair</th><th>State</th>"
      << "<th>Attempts</th><th>Remote job id</th><th>First submitted</th><th>Finished</th>"
      << "<th>Result</th><th>Last error</th></tr></thead>\n<tbody>\n";
  for (const ReportJob& entry : report.jobs) jobRow(out, entry);
  out << "</tbody>\n</table>\n";
}

}  // namespace

std::string reportHtml(const Report& report) {
  std::ostringstream out;
  head(out);
  out << "<body>\n";
  heading(out, report);
  totals(out, report);
  for (const ReportPlan& plan : report.plans) planSection(out, plan, report.generatedAt);
  jobTable(out, report);
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace relinkd

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

// Past this many sites a word per cell ("succeeded" is 72 px printed, in
// Chromium) leaves too little of A4 portrait's 703 px for the row labels:
// each cell then says a letter for its state, which the legend explains,
// under vertical headers.
constexpr std::size_t kCompactSites = 6;
// Past this many sites even the letters' columns (~13 px printed, next to
// row labels of up to 6 rem) do not fit portrait: the report prints on A4
// landscape, where 64 sites fit (tests/e2e/test_report_browser.py measures).
constexpr std::size_t kLandscapeSites = 32;
const char* const kNoJob = "\xC2\xB7";  // a middle dot: a pair with no job, in a compact matrix

bool compact(const PlanView& view) { return view.sites.size() > kCompactSites; }

std::string timeOr(const std::optional<TimeMs>& t, const char* none = "-") {
  return t ? formatTime(*t) : none;
}

// A job's time in the table: printed, it may break after the date's "T"
// (never at its dashes, which read as two dates), so on a portrait page
// the two time columns leave room for the names and pairs.
std::string timeCell(const std::optional<TimeMs>& t) {
  if (!t) return "-";
  const std::string text = formatTime(*t);
  const auto split = text.find('T');
  if (split == std::string::npos) return text;
  return "<span>" + text.substr(0, split + 1) + "</span><wbr><span>" + text.substr(split + 1) + "</span>";
}

std::string textOr(const std::optional<std::string>& value) {
  return value && !value->empty() ? escapeHtml(*value) : "-";
}

std::string stateSpan(JobState state) {
  const char* name = stateName(state);
  return std::string("<span class=\"state st-") + name + "\">" + name + "</span>";
}

// The page: A4 portrait, unless a plan's matrix needs landscape's width.
void head(std::ostream& out, const Report& report) {
  bool wide = false;
  for (const ReportPlan& plan : report.plans) wide = wide || plan.view.sites.size() > kLandscapeSites;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>relinkd report</title>\n<style>" << kReportStyle << (wide ? kLandscapePage : kPortraitPage)
      << "</style>\n</head>\n";
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
      << (plan.fileRemoved ? " (removed: the matrix is of the jobs as they ended)" : "")
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

// One letter per state, none shared, so the cells read without colour.
const char* stateCode(JobState state) {
  switch (state) {
    case JobState::kInvalid: return "I";
    case JobState::kQueued: return "Q";
    case JobState::kRunning: return "R";
    case JobState::kRetrying: return "T";
    case JobState::kPaused: return "P";
    case JobState::kSucceeded: return "S";
    case JobState::kFailed: return "F";
    case JobState::kExpired: return "E";
    case JobState::kCancelled: return "C";
  }
  return "?";
}

// What the matrix shows besides the states: a pair without a job.
struct Shown {
  std::set<JobState> states;
  bool noJob = false;
};

// A row of the matrix: the site whose links are updated, then one cell per
// site they point to. A pair with no job (a site added while it ran) says so.
void matrixRow(std::ostream& out, const PlanView& view, const PlanSite& from, Shown& shown) {
  const bool codes = compact(view);
  out << "<tr><th scope=\"row\">" << escapeHtml(from.label) << "</th>";
  for (const PlanSite& to : view.sites) {
    const std::string attributes = " data-from=\"" + escapeHtml(from.label) + "\" data-to=\"" + escapeHtml(to.label) + "\"";
    const std::string pair = escapeHtml(from.label) + " &rarr; " + escapeHtml(to.label);
    if (to.label == from.label) {
      out << "<td class=\"diagonal\"" << attributes << " data-state=\"\">" << kDiagonal << "</td>";
      continue;
    }
    const auto cell = stateAt(view, from.label, to.label);
    if (!cell) {
      shown.noJob = true;
      out << "<td class=\"st-none\"" << attributes << " data-state=\"\""
          << (codes ? " title=\"" + pair + ": no job\">" + kNoJob : std::string(">no job")) << "</td>";
      continue;
    }
    shown.states.insert(*cell);
    const char* name = stateName(*cell);
    out << "<td class=\"st-" << name << "\"" << attributes << " data-state=\"" << name << "\" title=\"" << pair
        << ": " << name << "\">" << (codes ? stateCode(*cell) : name) << "</td>";
  }
  out << "</tr>\n";
}

// A compact matrix's legend gives each letter with its word and colour.
void legend(std::ostream& out, const std::string& plan, const Shown& shown, bool codes) {
  out << "<ul class=\"legend\" data-plan=\"" << escapeHtml(plan) << "\" aria-label=\"legend\">\n";
  for (const JobState state : kAllStates) {
    if (shown.states.count(state) == 0) continue;
    out << "<li class=\"st-" << stateName(state) << "\" data-state=\"" << stateName(state) << "\">";
    if (codes) out << "<b class=\"code\">" << stateCode(state) << "</b> ";
    out << stateName(state) << "</li>\n";
  }
  if (codes && shown.noJob) out << "<li class=\"st-none\" data-state=\"\">" << kNoJob << " no job</li>\n";
  out << "<li class=\"diagonal\" data-state=\"\">" << kDiagonal << " the site itself</li>\n</ul>\n";
}

void matrix(std::ostream& out, const ReportPlan& plan) {
  const PlanView& view = plan.view;
  if (view.sites.empty()) return;
  const bool codes = compact(view);
  const std::string name = escapeHtml(plan.plan);
  out << "<table class=\"matrix" << (codes ? " compact" : "") << "\" data-plan=\"" << name
      << "\">\n<caption>Links of the row's site pointing to the column's site</caption>\n"
      << "<thead><tr><th scope=\"col\" class=\"corner\">from \\ to</th>";
  for (const PlanSite& to : view.sites) {
    // A span, not the cell, turns vertical: writing-mode on table cells is uneven across browsers.
    if (codes) out << "<th scope=\"col\"><span>" << escapeHtml(to.label) << "</span></th>";
    else out << "<th scope=\"col\">" << escapeHtml(to.label) << "</th>";
  }
  out << "</tr></thead>\n<tbody>\n";
  Shown shown;
  for (const PlanSite& from : view.sites) matrixRow(out, view, from, shown);
  out << "</tbody>\n</table>\n";
  legend(out, plan.plan, shown, codes);
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
      << "<td class=\"submitted\">" << timeCell(job.firstSubmittedAt) << "</td>"
      << "<td class=\"finished\">" << timeCell(job.finishedAt) << "</td>"
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
  head(out, report);
  out << "<body>\n";
  heading(out, report);
  totals(out, report);
  for (const ReportPlan& plan : report.plans) planSection(out, plan, report.generatedAt);
  jobTable(out, report);
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace relinkd

#include "StatusPage.h"

#include <sstream>

#include <Poco/URI.h>

#include "JobCounts.h"
#include "relinkd/domain/Duration.h"

namespace relinkd {

namespace {

constexpr const char* kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#656d76;font-size:.85rem;margin-bottom:1.25rem}
.banner{background:#fff1e5;border:1px solid #d4a72c;border-radius:6px;padding:.75rem 1rem;margin-bottom:1.25rem;font-weight:600}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin-bottom:1.5rem;padding:0;list-style:none}
.counts li{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .75rem;font-size:.9rem}
.counts li.zero{color:#8c959f}
.counts b{font-size:1.1rem;margin-right:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d8dee4;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right}
td.error{max-width:40rem;white-space:pre-wrap;word-break:break-word;color:#82071e}
.badge{display:inline-block;border-radius:1rem;padding:.1rem .6rem;font-size:.8rem;font-weight:600;color:#fff}
.invalid{background:#8250df}.queued{background:#6e7781}.running{background:#0969da}
.retrying{background:#bf8700}.paused{background:#bc4c00}.succeeded{background:#1a7f37}
.failed{background:#cf222e}.expired{background:#6e2a2a}.cancelled{background:#57606a}
.empty{color:#656d76}
.result{color:#656d76;font-size:.8rem;word-break:break-all}
)css";

constexpr const char* kPausedBanner =
    "The API rejected the credentials: fix the token file; relinkd resumes when it changes";

void head(std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"refresh\" content=\"5\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>relinkd status</title>\n<style>" << kStyle << "</style>\n</head>\n";
}

void counts(std::ostream& out, const JobList& jobs) {
  out << "<ul class=\"counts\">\n";
  for (const auto& [state, count] : countByState(jobs)) {
    out << "<li" << (count == 0 ? " class=\"zero\"" : "") << "><b>" << count << "</b>"
        << stateName(state) << "</li>\n";
  }
  out << "</ul>\n";
}

std::string cell(const std::optional<std::string>& value) {
  return value && !value->empty() ? escapeHtml(*value) : "-";
}

using Notified = std::map<std::string, NotificationSummary>;

constexpr std::size_t kResultShown = 200;

std::string notifiedCell(const Notified& notified, const std::string& job) {
  auto it = notified.find(job);
  if (it == notified.end()) return "-";
  std::string text = it->second.lastSentAt ? "sent " + formatTime(*it->second.lastSentAt) : "";
  if (it->second.owed > 0) text += std::string(text.empty() ? "" : ", ") + "owed";
  return text.empty() ? "not sent (given up)" : text;
}

void jobRow(std::ostream& out, const Job& job, TimeMs now, const Notified* notified) {
  const char* state = stateName(job.state);
  out << "<tr><td>" << escapeHtml(job.name) << "</td>"
      << "<td><span class=\"badge " << state << "\">" << state << "</span></td>"
      << "<td class=\"num\">" << job.attempts << "</td>"
      << "<td>" << cell(job.remoteStatus);
  if (job.result) {
    const std::string shown = job.result->size() > kResultShown ? job.result->substr(0, kResultShown) + "..." : *job.result;
    out << "<div class=\"result\">" << escapeHtml(shown) << "</div>";
  }
  out << "</td>"
      << "<td class=\"error\">" << cell(job.lastError) << "</td>"
      << "<td>" << timeLeft(job, now) << "</td>";
  if (notified) out << "<td>" << escapeHtml(notifiedCell(*notified, job.name)) << "</td>";
  out << "</tr>\n";
}

void jobTable(std::ostream& out, const JobList& jobs, TimeMs now, const Notified* notified) {
  if (jobs.empty()) {
    out << "<p class=\"empty\">No jobs yet: add a NAME.json job file (or a NAME.plan.json "
           "plan) to the watched jobs directory.</p>\n";
    return;
  }
  out << "<table>\n<thead><tr><th>Job</th><th>State</th><th>Attempts</th>"
      << "<th>Remote status</th><th>Last error</th><th>Time left</th>"
      << (notified ? "<th>Notified</th>" : "") << "</tr></thead>\n<tbody>\n";
  for (const auto& job : jobs) jobRow(out, *job, now, notified);
  out << "</tbody>\n</table>\n";
}

// The plan's name as a link to its report. Relative, so that it still
// leads there when a proxy serves the page under a path of its own.
std::string reportLink(const std::string& plan) {
  std::string query;
  Poco::URI::encode(plan, "?#[]@!$&'()*+,;=/:", query);
  return "<a href=\"report?plan=" + escapeHtml(query) + "\">" + escapeHtml(plan) + "</a>";
}

}  // namespace

std::string timeLeft(const Job& job, TimeMs now) {
  if (isFinal(job.state) || job.state == JobState::kInvalid || !job.deadline) return "-";
  const std::int64_t left = *job.deadline - now;
  return left > 0 ? formatDuration(left) : "closed";
}

std::string renderStatusPage(const JobList& jobs, bool paused, TimeMs now, const Notified* notified) {
  std::ostringstream out;
  head(out);
  out << "<body>\n<h1>relinkd</h1>\n<p class=\"meta\">" << jobs.size()
      << (jobs.size() == 1 ? " job" : " jobs") << " &middot; as of " << formatTime(now)
      << " &middot; relinkd " << escapeHtml(RELINKD_VERSION) << "</p>\n";
  if (paused) out << "<div class=\"banner\">" << kPausedBanner << "</div>\n";
  counts(out, jobs);
  const auto plans = jobsByPlan(jobs);
  const JobList& single = plans.at("");
  if (plans.size() == 1 || !single.empty()) jobTable(out, single, now, notified);
  for (const auto& [plan, ofPlan] : plans) {
    if (plan.empty()) continue;
    out << "<h2>Plan " << reportLink(plan) << "</h2>\n";
    for (const auto& job : ofPlan) {
      if (job->name == plan && job->lastError)  // the plan file itself is invalid
        out << "<div class=\"banner\">" << escapeHtml(*job->lastError) << "</div>\n";
    }
    counts(out, ofPlan);
    jobTable(out, ofPlan, now, notified);
  }
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace relinkd

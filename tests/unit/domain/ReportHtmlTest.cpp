// The HTML report (Report.h, reportHtml) on hand-built Report values: what
// a person reads (the matrix's words, the legend, the job rows), that it
// stays one self-contained file, and that hostile text from job files and
// the API is escaped.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "relinkd/domain/Html.h"
#include "relinkd/domain/Report.h"
#include "relinkd/domain/Time.h"

namespace relinkd {
namespace {

constexpr TimeMs kNow = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr TimeMs kHour = 3600 * 1000;
const std::string kHostile = "<script>alert('x')</script> \"quoted\" & more";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

ReportJob pairJob(const std::string& plan, const std::string& from, const std::string& to, JobState state) {
  ReportJob entry;
  entry.job.name = plan + "." + from + "." + to;
  entry.job.plan = plan;
  entry.job.state = state;
  entry.job.attempts = 1;
  entry.job.remoteJobId = "rj-" + from + "-" + to;
  entry.job.firstSubmittedAt = kNow - 2 * kHour;
  entry.job.finishedAt = kNow - kHour;
  entry.from = from;
  entry.to = to;
  return entry;
}

// Plan acme: eu -> us succeeded, us -> eu failed; one more job of no plan.
Report sampleReport() {
  Report report;
  report.generatedAt = kNow;
  ReportPlan plan;
  plan.plan = "acme";
  plan.view.file = "/etc/relinkd/jobs.d/acme.plan.json";
  plan.view.sites = {{"eu", "https://eu.example", ""}, {"us", "https://us.example", ""}};
  plan.view.matrix["eu"]["us"] = JobState::kSucceeded;
  plan.view.matrix["us"]["eu"] = JobState::kFailed;
  plan.window.opened = kNow - 3 * kHour;
  plan.window.closes = kNow + 50 * kHour;
  report.plans.push_back(plan);
  report.jobs.push_back(pairJob("acme", "eu", "us", JobState::kSucceeded));
  report.jobs.back().job.result = R"({"status":"COMPLETE"})";
  report.jobs.push_back(pairJob("acme", "us", "eu", JobState::kFailed));
  report.jobs.back().job.lastError = "remote job failed";
  ReportJob single;
  single.job.name = "single";
  single.job.state = JobState::kQueued;
  single.productUrl = "https://a.example";
  single.destinationUrl = "https://b.example";
  report.jobs.push_back(single);
  report.totals = {{JobState::kSucceeded, 1}, {JobState::kFailed, 1}, {JobState::kQueued, 1}};
  return report;
}

// Plan globex of `count` sites s00, s01, ... with a job per ordered pair,
// the states taken in turn so that every one appears.
Report wideReport(int count) {
  Report report;
  report.generatedAt = kNow;
  ReportPlan plan;
  plan.plan = "globex";
  for (int i = 0; i < count; ++i) {
    const std::string label = (i < 10 ? "s0" : "s") + std::to_string(i);
    plan.view.sites.push_back({label, "https://" + label + ".example", ""});
  }
  int n = 0;
  for (const PlanSite& from : plan.view.sites) {
    for (const PlanSite& to : plan.view.sites) {
      if (from.label == to.label) continue;
      const JobState state = kAllStates[n++ % kAllStates.size()];
      plan.view.matrix[from.label][to.label] = state;
      report.jobs.push_back(pairJob("globex", from.label, to.label, state));
      ++report.totals[state];
    }
  }
  report.plans.push_back(plan);
  return report;
}

std::string between(const std::string& text, const std::string& start, const std::string& end) {
  const auto from = text.find(start);
  REQUIRE(from != std::string::npos);
  return text.substr(from, text.find(end, from) - from);
}

}  // namespace

TEST_CASE("escapeHtml: the five characters that matter become references") {
  CHECK(escapeHtml("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(escapeHtml("plain text") == "plain text");
}

TEST_CASE("reportHtml: one self-contained HTML5 document") {
  const std::string html = reportHtml(sampleReport());
  CHECK(html.rfind("<!DOCTYPE html>\n", 0) == 0);
  CHECK(contains(html, "<meta charset=\"utf-8\">"));
  CHECK(contains(html, "<title>relinkd report</title>"));
  CHECK(contains(html, "<h1>relinkd report</h1>"));
  CHECK(contains(html, "generated <time class=\"generated\">2026-01-01T00:00:00Z</time>"));
  CHECK(contains(html, "Asked for: <span class=\"selection\">every job</span>"));
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "<link"));
  CHECK_FALSE(contains(html, "url("));
  CHECK_FALSE(contains(html, "@import"));
  // No resource from anywhere: no src= or href= at all (the links to
  // product URLs are text, not anchors).
  CHECK_FALSE(std::regex_search(html, std::regex("(src|href)\\s*=", std::regex::icase)));
  SUBCASE("printable") {
    CHECK(contains(html, "@media print"));
    CHECK(contains(html, "print-color-adjust:exact"));
    CHECK(contains(html, "thead{display:table-header-group}"));
    CHECK(contains(html, "page-break-inside:avoid"));
    CHECK(contains(html, "@page{size:A4"));
  }
}

TEST_CASE("reportHtml: the matrix carries each pair's state as a word, the diagonal a dash") {
  const std::string html = reportHtml(sampleReport());
  CHECK(contains(html, "<section class=\"plan\" data-plan=\"acme\">\n<h2>Plan acme</h2>"));
  CHECK(contains(html, "<table class=\"matrix\" data-plan=\"acme\">"));
  CHECK(contains(html, "<td class=\"st-succeeded\" data-from=\"eu\" data-to=\"us\" data-state=\"succeeded\""));
  CHECK(contains(html, ">succeeded</td>"));
  CHECK(contains(html, "<td class=\"st-failed\" data-from=\"us\" data-to=\"eu\" data-state=\"failed\""));
  CHECK(contains(html, ">failed</td>"));
  CHECK(contains(html, "data-from=\"eu\" data-to=\"eu\" data-state=\"\">\xE2\x80\x94</td>"));
  CHECK(contains(html, "data-from=\"us\" data-to=\"us\" data-state=\"\">\xE2\x80\x94</td>"));
  SUBCASE("a pair without a job says so") {
    Report report = sampleReport();
    report.plans[0].view.matrix.erase("us");
    CHECK(contains(reportHtml(report), "data-from=\"us\" data-to=\"eu\" data-state=\"\">no job</td>"));
  }
}

TEST_CASE("reportHtml: the legend names every state the matrix shows, and only those") {
  Report report = sampleReport();
  report.plans[0].view.sites.push_back({"apac", "", ""});
  report.plans[0].view.matrix["apac"]["eu"] = JobState::kExpired;
  const std::string html = reportHtml(report);
  const auto legend = html.find("<ul class=\"legend\" data-plan=\"acme\"");
  REQUIRE(legend != std::string::npos);
  const std::string part = html.substr(legend, html.find("</ul>", legend) - legend);
  for (const char* state : {"succeeded", "failed", "expired"}) {
    CAPTURE(state);
    CHECK(contains(part, std::string("<li class=\"st-") + state + "\" data-state=\"" + state + "\">" + state + "</li>"));
  }
  CHECK_FALSE(contains(part, "queued"));  // a job of no plan: not in this matrix
}

TEST_CASE("reportHtml: the window, the totals and every job's row") {
  Report report = sampleReport();
  std::string html = reportHtml(report);
  CHECK(contains(html, "<dd class=\"opened\">2025-12-31T21:00:00Z</dd>"));
  CHECK(contains(html, "<dd class=\"closes\">2026-01-03T02:00:00Z</dd>"));
  CHECK(contains(html, "<dd class=\"left\">2d 2h left</dd>"));
  CHECK(contains(html, "<li class=\"st-failed\" data-state=\"failed\"><b>1</b> failed</li>"));
  CHECK(contains(html, "<li data-state=\"jobs\"><b>3</b> jobs</li>"));
  CHECK(contains(html, "<tr class=\"job\" data-name=\"acme.us.eu\" data-state=\"failed\"><td class=\"name\">acme.us.eu</td>"
                       "<td class=\"plan\">acme</td><td class=\"pair\">us &rarr; eu</td>"));
  // A time may break after its "T" only: <wbr> between the day and the clock.
  CHECK(contains(html, "<td class=\"remote\">rj-us-eu</td>"
                       "<td class=\"submitted\"><span>2025-12-31T</span><wbr><span>22:00:00Z</span></td>"
                       "<td class=\"finished\"><span>2025-12-31T</span><wbr><span>23:00:00Z</span></td>"
                       "<td class=\"result\">-</td>"
                       "<td class=\"error\">remote job failed</td></tr>"));
  CHECK(contains(html, "<td class=\"result\">{&quot;status&quot;:&quot;COMPLETE&quot;}</td>"));
  CHECK(contains(html, "<td class=\"pair\">https://a.example &rarr; https://b.example</td>"));
  SUBCASE("a closed window, an invalid plan file") {
    report.plans[0].window.closes = kNow - 1;
    report.plans[0].view.problem = "sites: must list 2 to 64 sites";
    html = reportHtml(report);
    CHECK(contains(html, "<dd class=\"left\">closed</dd>"));
    CHECK(contains(html, "<p class=\"problem\">Invalid plan file: sites: must list 2 to 64 sites</p>"));
  }
  SUBCASE("a plan whose file was removed") {
    CHECK_FALSE(contains(html, "removed"));
    report.plans[0].fileRemoved = true;
    html = reportHtml(report);
    CHECK(contains(html, "<dd class=\"file\">/etc/relinkd/jobs.d/acme.plan.json (removed: the matrix is of the jobs as they "
                         "ended)</dd>"));
  }
}

TEST_CASE("reportHtml: hostile names, errors and results are escaped everywhere") {
  Report report = sampleReport();
  report.selection = {kHostile};
  report.plans[0].plan = kHostile;
  report.plans[0].view.file = kHostile;
  report.plans[0].view.problem = kHostile;
  report.plans[0].view.sites[0].label = kHostile;
  report.plans[0].view.matrix[kHostile]["us"] = JobState::kSucceeded;
  ReportJob& job = report.jobs[0];
  job.job.name = kHostile;
  job.job.plan = kHostile;
  job.job.remoteJobId = kHostile;
  job.job.result = kHostile;
  job.job.lastError = kHostile;
  job.from = kHostile;
  const std::string html = reportHtml(report);
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "\"quoted\""));
  CHECK_FALSE(contains(html, "'x'"));
  CHECK_FALSE(contains(html, "& more"));
  const std::string escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;quoted&quot; &amp; more";
  CHECK(contains(html, "data-name=\"" + escaped + "\""));
  CHECK(contains(html, "<td class=\"error\">" + escaped + "</td>"));
  CHECK(contains(html, "<td class=\"result\">" + escaped + "</td>"));
  CHECK(contains(html, "<table class=\"matrix\" data-plan=\"" + escaped + "\">"));
  CHECK(contains(html, "data-from=\"" + escaped + "\" data-to=\"us\" data-state=\"succeeded\""));
}

TEST_CASE("reportHtml: a 64-site matrix says each state as a letter the legend explains, on A4 landscape") {
  const Report report = wideReport(64);
  REQUIRE(report.jobs.size() == 4032);
  const std::string html = reportHtml(report);
  CHECK(contains(html, "@page{size:A4 landscape;margin:12mm}"));
  const std::string table = between(html, "<table class=\"matrix compact\" data-plan=\"globex\">", "</table>");
  // Column headers are spans a style sheet turns vertical, so columns stay narrow.
  CHECK(contains(table, "<th scope=\"col\"><span>s63</span></th>"));
  const std::regex cell("<td class=\"st-([a-z]+)\" data-from=\"(s\\d\\d)\" data-to=\"(s\\d\\d)\" data-state=\"([a-z]+)\" "
                        "title=\"([^\"]*)\">([^<]*)</td>");
  std::map<std::string, std::set<std::string>> codes;  // state -> the letters its cells show
  int cells = 0;
  for (auto it = std::sregex_iterator(table.begin(), table.end(), cell); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    ++cells;
    const std::string state = m[1];
    CHECK(m[4] == state);
    CHECK(m[5] == m.str(2) + " &rarr; " + m.str(3) + ": " + state);  // the full state and pair
    CHECK(m.length(6) == 1);
    codes[state].insert(m[6]);
  }
  CHECK(cells == 4032);
  CHECK_FALSE(contains(table, ">succeeded</td>"));
  const std::string legend = between(html, "<ul class=\"legend\" data-plan=\"globex\"", "</ul>");
  REQUIRE(codes.size() == kAllStates.size());
  std::set<std::string> letters;
  for (const auto& code : codes) {
    const std::string& state = code.first;  // named, not bound: CAPTURE's lambda takes it (clang)
    const auto& shown = code.second;
    CAPTURE(state);
    REQUIRE(shown.size() == 1);  // a state has one letter...
    CHECK(letters.insert(*shown.begin()).second);  // ...that no other state has
    CHECK(contains(legend, "<li class=\"st-" + state + "\" data-state=\"" + state + "\"><b class=\"code\">" +
                               *shown.begin() + "</b> " + state + "</li>"));
  }
  SUBCASE("a pair without a job is a dot the legend names") {
    Report gap = report;
    gap.plans[0].view.matrix["s01"].erase("s02");
    const std::string out = reportHtml(gap);
    CHECK(contains(out, "data-from=\"s01\" data-to=\"s02\" data-state=\"\" title=\"s01 &rarr; s02: no job\">\xC2\xB7</td>"));
    CHECK(contains(out, "<li class=\"st-none\" data-state=\"\">\xC2\xB7 no job</li>"));
  }
}

TEST_CASE("reportHtml: up to 6 sites say words, more say letters; past 32 the page turns landscape") {
  for (const auto& row : {std::tuple{6, false, false}, std::tuple{7, true, false}, std::tuple{32, true, false},
                          std::tuple{33, true, true}}) {
    const auto [count, compact, landscape] = row;
    const int sites = count;  // CAPTURE's lambda cannot take a structured binding (clang)
    CAPTURE(sites);
    const std::string html = reportHtml(wideReport(count));
    CHECK(contains(html, "<table class=\"matrix compact\"") == compact);
    const std::string first = "data-from=\"s00\" data-to=\"s01\" data-state=\"invalid\" title=\"s00 &rarr; s01: invalid\">";
    CHECK(contains(html, first + (compact ? "I" : "invalid") + "</td>"));
    CHECK(contains(html, "@page{size:A4 landscape;margin:12mm}") == landscape);
    CHECK(contains(html, "@page{size:A4;margin:12mm}") == !landscape);
  }
}

}  // namespace relinkd

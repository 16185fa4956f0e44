#include "MetricsText.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "JobCounts.h"

namespace relinkd {

namespace {

void family(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
}

// Jobs of no plan carry no plan label (in Prometheus the same as plan=""),
// so sum by (state) is every job; each plan has every state, zeros included.
void jobsByState(std::ostream& out, const JobList& jobs) {
  family(out, "relinkd_jobs", "gauge", "Jobs by state, and by plan for the jobs of a plan.");
  for (const auto& [plan, ofPlan] : jobsByPlan(jobs)) {
    const std::string label = plan.empty() ? "" : ",plan=\"" + escapeLabelValue(plan) + "\"";
    for (const auto& [state, count] : countByState(ofPlan)) {
      out << "relinkd_jobs{state=\"" << stateName(state) << "\"" << label << "} " << count << '\n';
    }
  }
}

void apiRequests(std::ostream& out, const ApiMetrics::Snapshot& api) {
  family(out, "relinkd_api_requests_total", "counter",
         "Requests sent to the links API, by endpoint and HTTP status (or transport error).");
  for (const auto& [key, count] : api.requests) {
    out << "relinkd_api_requests_total{endpoint=\"" << escapeLabelValue(key.first)
        << "\",code=\"" << escapeLabelValue(key.second) << "\"} " << count << '\n';
  }
}

void apiDurations(std::ostream& out, const ApiMetrics::Snapshot& api) {
  const char* name = "relinkd_api_request_duration_seconds";
  family(out, name, "histogram", "Time taken by requests to the links API.");
  // ApiMetrics counts each request in every bucket it fits: already cumulative.
  for (std::size_t i = 0; i < ApiMetrics::kBuckets.size(); ++i) {
    out << name << "_bucket{le=\"" << formatSampleValue(ApiMetrics::kBuckets[i]) << "\"} "
        << api.buckets[i] << '\n';
  }
  out << name << "_bucket{le=\"+Inf\"} " << api.count << '\n';
  out << name << "_sum " << formatSampleValue(api.sum) << '\n';
  out << name << "_count " << api.count << '\n';
}

void deadlines(std::ostream& out, const JobList& jobs) {
  family(out, "relinkd_job_deadline_timestamp_seconds", "gauge",
         "When relinkd stops trying a job that is still being worked on (Unix time).");
  for (const auto& job : jobs) {
    if (isFinal(job->state) || job->state == JobState::kInvalid || !job->deadline) continue;
    out << "relinkd_job_deadline_timestamp_seconds{job=\"" << escapeLabelValue(job->name) << "\"} "
        << formatSampleValue(static_cast<double>(*job->deadline) / 1000.0) << '\n';
  }
}

// The counter grows by one for each failed step or start, which is retried
// every second while the database cannot be written: it shows that relinkd
// keeps trying, where the log repeats the error only once a minute.
void store(std::ostream& out, const DaemonMetrics& daemon) {
  family(out, "relinkd_store_write_failures_total", "counter",
         "Failed attempts to write the state database since relinkd started.");
  out << "relinkd_store_write_failures_total " << daemon.storeWriteFailures << '\n';
  family(out, "relinkd_store_writable", "gauge",
         "1 while the state database can be written (as last tried), else 0.");
  out << "relinkd_store_writable " << (daemon.storeWritable ? 1 : 0) << '\n';
}

}  // namespace

std::string escapeLabelValue(const std::string& value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string formatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string renderMetrics(const JobList& jobs, const ApiMetrics::Snapshot& api, const DaemonMetrics& daemon) {
  std::ostringstream out;
  jobsByState(out, jobs);
  apiRequests(out, api);
  apiDurations(out, api);
  deadlines(out, jobs);
  family(out, "relinkd_paused", "gauge",
         "1 while the links API rejects the credentials (jobs wait for a new token), else 0.");
  out << "relinkd_paused " << (daemon.paused ? 1 : 0) << '\n';
  store(out, daemon);
  family(out, "relinkd_notifications_owed", "gauge",
         "Notifications recorded but not yet delivered by relinkd.notify.command (retried until it succeeds).");
  out << "relinkd_notifications_owed " << daemon.notificationsOwed << '\n';
  return out.str();
}

}  // namespace relinkd

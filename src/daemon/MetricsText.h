// The /metrics page: relinkd's jobs, API traffic and pause state in the
// Prometheus text exposition format 0.0.4.
//
// Families: relinkd_jobs{state} (every state, zeros included),
// relinkd_api_requests_total{endpoint,code}, the histogram
// relinkd_api_request_duration_seconds, relinkd_job_deadline_timestamp_seconds{job}
// (jobs still being worked on that have a deadline), relinkd_paused,
// relinkd_store_write_failures_total, relinkd_store_writable and
// relinkd_notifications_owed.
//
// Thread-safety: pure functions on values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relinkd/domain/Job.h"
#include "relinkd/net/Metrics.h"

namespace relinkd {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value with backslash, double quote and newline escaped.
std::string escapeLabelValue(const std::string& value);

// A sample value: shortest round-trip form ("0.25", "3", "1700000000.5"),
// "+Inf", "-Inf" or "NaN"; never locale-dependent.
std::string formatSampleValue(double value);

// The daemon's own state, as the samples of its last families.
struct DaemonMetrics {
  bool paused = false;
  bool storeWritable = true;
  std::uint64_t storeWriteFailures = 0;
  std::uint64_t notificationsOwed = 0;  // not sent yet (jobs', plans', pauses'); 0 when notifications are off
};

std::string renderMetrics(const JobList& jobs, const ApiMetrics::Snapshot& api, const DaemonMetrics& daemon);

}  // namespace relinkd

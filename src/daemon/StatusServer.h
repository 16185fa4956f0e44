// The optional HTTP endpoint (relinkd.http.listen): GET /healthz, /metrics
// (Prometheus text), /jobs (as `relinkctl list --json`), / (a status
// page) and /report?plan=P (the plan's HTML report, as `relinkctl report
// --format=html P`). Read-only; bounded so that a slow or hostile client cannot stall
// the daemon (few threads, short timeouts, small requests only).
//
// Thread-safety: the sources are called from the server's threads and must
// be thread-safe (Engine's views are).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Job.h"
#include "relinkd/net/Metrics.h"
#include "relinkd/domain/Notification.h"

namespace relinkd {

// A source that cannot answer now and will soon (a 503 with its message).
class SourceBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StatusSources {
  std::function<JobList()> jobs;
  // Empty while healthy, else why not (Health.h): the body of /healthz's 503.
  std::function<std::string()> health;
  std::function<bool()> paused;   // credentials rejected
  std::function<bool()> storeWritable;  // the last write or probe of the database succeeded
  std::function<std::uint64_t()> storeWriteFailures;  // failed writes since the process started
  const ApiMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
  // Per job, the notifications' state; unset when relinkd.notify.command is off.
  std::function<std::map<std::string, NotificationSummary>()> notifications;
  // What the store owes (relinkd_notifications_owed), deliveries on or off.
  std::function<int()> notificationsOwed;
  // The HTML report of one plan (reportHtml), read from the store; nullopt
  // when no job belongs to that plan. Throws on a store error (a 500), and
  // SourceBusy (a 503) while another report is being built.
  std::function<std::optional<std::string>(const std::string& plan)> planReport;
};

class StatusServer {
 public:
  // Listens on "host:port" and serves until destroyed. Throws
  // std::runtime_error naming the address when it cannot listen.
  StatusServer(const std::string& listen, StatusSources sources);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  unsigned short port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relinkd

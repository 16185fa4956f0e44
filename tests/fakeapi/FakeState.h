// The fake links API's memory: its settings, the remote jobs it accepted,
// the requests it received and the faults it has been told to inject (see
// PROTOCOL.md). Handlers decide what to answer; FakeState only keeps and
// looks up facts.
//
// Thread-safety: every public method may be called from any thread; all
// state sits behind one mutex. waitForShutdown() blocks without holding it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relinkd::fakeapi {

// What the fake accepts and answers; changed by POST /_fake/config.
struct Settings {
  std::string email = "relinkd@example.com";
  std::string token = "fake-token";
  std::vector<std::string> statuses{"Pending", "In_progress", "Complete"};
  bool statusUpper = true;           // statusCase: upper (true) or title
  std::string statusField = "status";
  // siteId -> one progression per submission to that site (last repeats).
  std::map<std::string, std::vector<std::vector<std::string>>> siteScripts;
  std::string cloudId = "fake-cloud-id";
  bool anyProductCase = false;       // acceptProductCase: any (true) or lower
  // tenant_info per site: Host header's host (no port) or a path prefix
  // ("/s1" answers /s1/_edge/tenant_info) -> cloudId. Others: cloudId.
  std::map<std::string, std::string> tenants;
  std::int64_t dateOffsetMs = 0;     // added to the Date header of every answer
};

enum class FaultAction { kStatus, kReset, kClose, kStall, kTruncate };

const char* faultActionName(FaultAction action);

// One entry of POST /_fake/faults.
struct Fault {
  std::optional<std::string> method;        // matched case-insensitively
  std::optional<std::string> pathContains;  // substring of the request target
  int times = 1;                            // -1 = for ever
  FaultAction action = FaultAction::kStatus;
  int status = 503;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  long stallMs = 60000;
};

// One API request as received (the /_fake ones are not recorded).
struct RequestRecord {
  std::int64_t at = 0;  // ms since the epoch
  std::string method;
  std::string path;     // the request target as received, query included
  std::optional<std::string> authorization;
  std::optional<std::string> contentType;
  std::string body;     // at most kMaxLoggedBody bytes
  int status = 0;       // 0 when no response was sent
  std::optional<FaultAction> fault;
};

// The JSON value of a status in the given wire casing: upper gives
// "IN_PROGRESS", title gives "In_progress".
std::string wireStatus(const std::string& value, bool upper);

std::int64_t nowMs();

class FakeState {
 public:
  static constexpr std::size_t kMaxLoggedBody = 64 * 1024;

  explicit FakeState(Settings startup);

  Settings settings() const;
  // Runs patch on a copy of the settings and keeps the copy if patch returns
  // an empty string; otherwise returns patch's error and changes nothing.
  template <typename Patch>
  std::string updateSettings(Patch patch);

  // Forgets requests, jobs, faults and submission counts; restores the
  // start-up settings.
  void resetAll();

  void addFaults(const std::vector<Fault>& faults);
  void clearFaults();
  // The first fault matching method and target that has uses left, with
  // one use consumed; nullopt when none matches.
  std::optional<Fault> takeFault(const std::string& method,
                                 const std::string& target);

  // Records an accepted submission (rawBody is a valid request body) and
  // returns its new uuid.
  std::string submitJob(const std::string& siteId, const std::string& rawBody);
  // Advances the job one step and returns its status in wire casing;
  // nullopt when no job of that site has this id.
  std::optional<std::string> pollJob(const std::string& siteId,
                                     const std::string& jobId);

  void record(RequestRecord request);

  // GET /_fake/requests and GET /_fake/jobs bodies.
  std::string requestsJson() const;
  std::string jobsJson() const;

  // Wakes every waitForShutdown() now and later.
  void shutdown();
  // Waits up to ms; returns true when shutdown() was called.
  bool waitForShutdown(long ms);

 private:
  struct RemoteJob {
    std::string uuid;
    std::string siteId;
    std::string rawBody;
    std::vector<std::string> progression;
    int polls = 0;
    std::int64_t submittedAt = 0;
  };

  std::vector<std::string> progressionForLocked(const std::string& siteId);

  const Settings startup_;
  mutable std::mutex mutex_;
  std::condition_variable shutdownCv_;
  bool stopping_ = false;
  Settings settings_;
  std::vector<Fault> faults_;
  std::vector<RemoteJob> jobs_;
  std::map<std::string, int> submissionsBySite_;
  std::vector<std::pair<std::int64_t, RequestRecord>> requests_;  // seq, rec
  std::int64_t nextSeq_ = 1;
};

template <typename Patch>
std::string FakeState::updateSettings(Patch patch) {
  std::lock_guard<std::mutex> lock(mutex_);
  Settings copy = settings_;
  std::string error = patch(copy);
  if (error.empty()) settings_ = std::move(copy);
  return error;
}

}  // namespace relinkd::fakeapi

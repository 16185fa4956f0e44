#include "FakeState.h"

#include <Poco/Ascii.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <chrono>
#include <sstream>

namespace relinkd::fakeapi {
namespace {

std::string stringify(const Poco::JSON::Array& array) {
  std::ostringstream out;
  array.stringify(out);
  return out.str();
}

Poco::Dynamic::Var optionalString(const std::optional<std::string>& value) {
  if (value) return *value;
  return Poco::Dynamic::Var();
}

}  // namespace

const char* faultActionName(FaultAction action) {
  switch (action) {
    case FaultAction::kStatus: return "status";
    case FaultAction::kReset: return "reset";
    case FaultAction::kClose: return "close";
    case FaultAction::kStall: return "stall";
    case FaultAction::kTruncate: return "truncate";
  }
  return "status";
}

std::string wireStatus(const std::string& value, bool upper) {
  if (upper) return Poco::toUpper(value);
  std::string title = Poco::toLower(value);
  if (!title.empty()) title[0] = static_cast<char>(Poco::Ascii::toUpper(title[0]));
  return title;
}

std::int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

FakeState::FakeState(Settings startup) : startup_(startup), settings_(std::move(startup)) {}

Settings FakeState::settings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return settings_;
}

void FakeState::resetAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = startup_;
  faults_.clear();
  jobs_.clear();
  submissionsBySite_.clear();
  requests_.clear();
  nextSeq_ = 1;
}

void FakeState::addFaults(const std::vector<Fault>& faults) {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_.insert(faults_.end(), faults.begin(), faults.end());
}

void FakeState::clearFaults() {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_.clear();
}

std::optional<Fault> FakeState::takeFault(const std::string& method,
                                          const std::string& target) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Fault& fault : faults_) {
    if (fault.times == 0) continue;
    if (fault.method && Poco::icompare(*fault.method, method) != 0) continue;
    if (fault.pathContains && target.find(*fault.pathContains) == std::string::npos) continue;
    if (fault.times > 0) --fault.times;
    return fault;
  }
  return std::nullopt;
}

std::vector<std::string> FakeState::progressionForLocked(const std::string& siteId) {
  int nth = submissionsBySite_[siteId]++;
  auto script = settings_.siteScripts.find(siteId);
  if (script == settings_.siteScripts.end() || script->second.empty()) {
    return settings_.statuses;
  }
  const auto& perSubmission = script->second;
  std::size_t index = std::min<std::size_t>(static_cast<std::size_t>(nth), perSubmission.size() - 1);
  return perSubmission[index];
}

std::string FakeState::submitJob(const std::string& siteId, const std::string& rawBody) {
  std::string uuid = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  std::lock_guard<std::mutex> lock(mutex_);
  RemoteJob job;
  job.uuid = uuid;
  job.siteId = siteId;
  job.rawBody = rawBody;
  job.progression = progressionForLocked(siteId);
  job.submittedAt = nowMs();
  jobs_.push_back(std::move(job));
  return uuid;
}

std::optional<std::string> FakeState::pollJob(const std::string& siteId,
                                              const std::string& jobId) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (RemoteJob& job : jobs_) {
    if (job.uuid != jobId || job.siteId != siteId) continue;
    std::size_t index = std::min<std::size_t>(static_cast<std::size_t>(job.polls),
                                              job.progression.size() - 1);
    ++job.polls;
    return wireStatus(job.progression[index], settings_.statusUpper);
  }
  return std::nullopt;
}

void FakeState::record(RequestRecord request) {
  if (request.body.size() > kMaxLoggedBody) request.body.resize(kMaxLoggedBody);
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.emplace_back(nextSeq_++, std::move(request));
}

std::string FakeState::requestsJson() const {
  Poco::JSON::Array out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [seq, request] : requests_) {
    Poco::JSON::Object::Ptr entry = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("seq", seq);
    entry->set("at", request.at);
    entry->set("method", request.method);
    entry->set("path", request.path);
    entry->set("authorization", optionalString(request.authorization));
    entry->set("contentType", optionalString(request.contentType));
    entry->set("body", request.body);
    entry->set("status", request.status);
    if (request.fault) {
      entry->set("fault", std::string(faultActionName(*request.fault)));
    } else {
      entry->set("fault", Poco::Dynamic::Var());
    }
    out.add(entry);
  }
  return stringify(out);
}

std::string FakeState::jobsJson() const {
  Poco::JSON::Array out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const RemoteJob& job : jobs_) {
    Poco::JSON::Object::Ptr entry = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("uuid", job.uuid);
    entry->set("siteId", job.siteId);
    entry->set("body", Poco::JSON::Parser().parse(job.rawBody));
    entry->set("polls", job.polls);
    // The value the last poll answered, or the first one before any poll.
    std::size_t shown = job.polls == 0 ? 0 : static_cast<std::size_t>(job.polls) - 1;
    shown = std::min(shown, job.progression.size() - 1);
    entry->set("status", wireStatus(job.progression[shown], settings_.statusUpper));
    entry->set("submittedAt", job.submittedAt);
    out.add(entry);
  }
  return stringify(out);
}

void FakeState::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  shutdownCv_.notify_all();
}

bool FakeState::waitForShutdown(long ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  return shutdownCv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

}  // namespace relinkd::fakeapi

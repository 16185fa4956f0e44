// The credentials pause (see CredentialsPause.h).
#include "CredentialsPause.h"

#include "JobTable.h"

namespace relinkd {

std::string rejectedWhy(const Outcome& outcome) {
  return "the API rejected the credentials (" + outcome.message +
         "); check relinkd.api.email and the token file, relinkd resumes when the "
         "token file changes or on SIGHUP";
}

std::string missingTokenWhy(const Credentials& credentials) {
  return credentials.missing +
         "; nothing is sent without credentials, and relinkd resumes when the token file holds a token again";
}

bool CredentialsPause::rejected(const Outcome& outcome) {
  const std::string why = rejectedWhy(outcome);
  const bool known = paused_ && why_ == why;
  pause(why, outcome.httpStatus);
  return !known;
}

// A new token or e-mail: requests from now on carry a new generation.
CredentialsPause::Replaced CredentialsPause::replace(const Credentials& credentials) {
  if (credentials.token == credentials_.token && credentials.email == credentials_.email) return Replaced::kSame;
  credentials_ = credentials;
  ++generation_;
  if (credentials_.token.empty()) {
    pause(missingTokenWhy(credentials_), std::nullopt);
    return Replaced::kPause;
  }
  return Replaced::kResume;
}

void CredentialsPause::end() {
  paused_ = false;
  noticeOwed_ = false;
  why_.clear();
  status_.reset();
  probes_.clear();
}

bool CredentialsPause::holds(const Job& job, bool inFlight) const {
  return paused_ && wantsRequests(job.state) && job.nextAttemptAt && !inFlight && !probes_.count(job.name);
}

void CredentialsPause::sending(const std::string& job) {
  if (paused_) probes_.insert(job);
}

bool CredentialsPause::accepted(const Dispatch& sent, const HttpResult& result) {
  if (sent.kind == RequestKind::kDiscover) return false;  // tenant_info carries no credentials: still a probe
  const bool probe = probes_.erase(sent.jobName) > 0;
  if (!probe || !paused_ || stale(sent.credentialsGeneration)) return false;
  if (result.error != TransportError::kNone) return false;
  const int status = result.response.status;
  const bool taken = status / 100 == 2 || (status / 100 == 4 && status != 401 && status != 429);
  if (taken) end();
  return taken;
}

void CredentialsPause::pause(std::string why, std::optional<int> status) {
  if (!paused_) noticeOwed_ = true;  // a new pause, not a new reason for the same one
  paused_ = true;
  why_ = std::move(why);
  status_ = status;
}

}  // namespace relinkd

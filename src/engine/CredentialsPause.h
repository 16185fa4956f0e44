// The credentials in use and the pause they cause: the one place that
// decides whether jobs are paused, why, and when they may resume.
//
//   the API answers 401 to the current credentials   paused, with the API's reason
//   the token is gone (file removed or emptied)      paused, nothing is sent
//   new credentials (token file changed)             resume
//   SIGHUP with a token                              resume
//   a request sent while paused (relinkctl retry)    its answer is the verdict: an
//   is accepted with the current credentials         accepted one ends the pause
//
// Requests carry the generation of the credentials they were sent with
// (Dispatch::credentialsGeneration), so that a 401 to a replaced token is
// not taken as a verdict on the new one. The class holds no jobs and does
// no I/O: the scheduler pauses and resumes the jobs it names.
//
// Thread-safety: none; a value of the scheduler thread (copied by a step,
// so that a failed step is undone by restoring it).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "relinkd/engine/Engine.h"
#include "relinkd/domain/Job.h"
#include "relinkd/policy/LinksApi.h"

namespace relinkd {

class CredentialsPause {
 public:
  explicit CredentialsPause(Credentials credentials) : credentials_(std::move(credentials)) {}

  const Credentials& credentials() const { return credentials_; }
  std::int64_t generation() const { return generation_; }
  bool paused() const { return paused_; }
  const std::string& why() const { return why_; }          // empty unless paused
  std::optional<int> httpStatus() const { return status_; }  // the 401, when the API said so

  // The API rejected the current credentials: outcome.message is its reason.
  // Returns true when that reason is new (to be logged once, not per job).
  bool rejected(const Outcome& outcome);
  // What new credentials (the token file changed or SIGHUP read it) mean.
  enum class Replaced { kSame, kResume, kPause };
  Replaced replace(const Credentials& credentials);
  // SIGHUP: paused jobs may resume when there is a token to send.
  bool mayResumeOnReload() const { return !credentials_.token.empty(); }
  // Ends the pause (the caller resumes the paused jobs).
  void end();
  // True from the start of a pause until noticed() or its end: the one
  // `paused` notification of this pause is still to be owed.
  bool noticeOwed() const { return noticeOwed_; }
  void noticed() { noticeOwed_ = false; }

  // A job that must not send now: paused, it wants a request and can still
  // send one (a job with no time left keeps its state and its reason), and
  // none of its requests is out (changing it would make the answer stale);
  // nor a probe, whose answers go on until one is a verdict.
  bool holds(const Job& job, bool inFlight) const;
  // False when nothing may be sent at all: paused without a token.
  bool maySend() const { return !(paused_ && credentials_.token.empty()); }
  // Whether a 401 to a request sent with `generation` was to older credentials.
  bool stale(std::int64_t generation) const { return generation != generation_; }

  // A request of job goes out; while paused it is a probe (relinkctl retry).
  void sending(const std::string& job);
  // The answer to job's request: true when it ended the pause, because the
  // request was a probe with the current credentials and the API took it
  // (2xx, or a 4xx other than 401 and 429, which the API gives only to
  // credentials it accepted). Forgets the probe either way, except after a
  // tenant_info answer (it carries no credentials: the probe goes on).
  bool accepted(const Dispatch& sent, const HttpResult& result);

 private:
  void pause(std::string why, std::optional<int> status);

  Credentials credentials_;
  std::int64_t generation_ = 1;
  bool paused_ = false;
  std::string why_;
  std::optional<int> status_;
  std::set<std::string> probes_;  // jobs whose request went out while paused
  bool noticeOwed_ = false;
};

// Why a paused job waits, in its lastError and the log.
std::string rejectedWhy(const Outcome& outcome);
std::string missingTokenWhy(const Credentials& credentials);

}  // namespace relinkd

// The credentials pause on its own: who is paused, why, and what ends it.
#include <doctest/doctest.h>

#include "CredentialsPause.h"

using namespace relinkd;

namespace {

Outcome unauthorized() {
  Outcome outcome;
  outcome.kind = OutcomeKind::kCredentials;
  outcome.httpStatus = 401;
  outcome.message = "HTTP 401: Unauthorized";
  return outcome;
}

Job wanting(const std::string& name, JobState state = JobState::kQueued) {
  Job job;
  job.name = name;
  job.state = state;
  job.nextAttemptAt = 1000;
  return job;
}

Dispatch sentBy(const CredentialsPause& pause, const std::string& job, RequestKind kind = RequestKind::kSubmit) {
  Dispatch dispatch;
  dispatch.jobName = job;
  dispatch.kind = kind;
  dispatch.credentialsGeneration = pause.generation();
  return dispatch;
}

HttpResult answered(int status) {
  HttpResult result;
  result.response.status = status;
  return result;
}

CredentialsPause rejectedPause() {
  CredentialsPause pause(Credentials{"ops@acme.example", "token-1"});
  pause.rejected(unauthorized());
  return pause;
}

}  // namespace

TEST_CASE("CredentialsPause: a 401 pauses, with the API's reason and status, logged once") {
  CredentialsPause pause(Credentials{"ops@acme.example", "token-1"});
  CHECK_FALSE(pause.paused());
  CHECK(pause.rejected(unauthorized()));
  CHECK(pause.paused());
  CHECK(pause.httpStatus() == 401);
  CHECK(pause.why().find("the API rejected the credentials (HTTP 401: Unauthorized)") != std::string::npos);
  CHECK_FALSE(pause.rejected(unauthorized()));  // the same reason again: not logged again
  CHECK(pause.maySend());                       // a token is there: relinkctl retry may probe
}

TEST_CASE("CredentialsPause: holds the jobs that would send, and only those") {
  CredentialsPause pause = rejectedPause();
  CHECK(pause.holds(wanting("queued"), false));
  CHECK(pause.holds(wanting("running", JobState::kRunning), false));
  CHECK(pause.holds(wanting("retrying", JobState::kRetrying), false));
  CHECK_FALSE(pause.holds(wanting("in-flight"), true));
  CHECK_FALSE(pause.holds(wanting("done", JobState::kSucceeded), false));
  CHECK_FALSE(pause.holds(wanting("paused", JobState::kPaused), false));
  Job noTimeLeft = wanting("late", JobState::kRetrying);
  noTimeLeft.nextAttemptAt.reset();
  CHECK_FALSE(pause.holds(noTimeLeft, false));  // it keeps its state and its reason
  CredentialsPause working(Credentials{"ops@acme.example", "token-1"});
  CHECK_FALSE(working.holds(wanting("queued"), false));
}

TEST_CASE("CredentialsPause: an accepted answer to a request sent while paused ends the pause") {
  for (const int status : {200, 202, 400, 403, 404}) {
    CAPTURE(status);
    CredentialsPause pause = rejectedPause();
    pause.sending("eu");  // relinkctl retry
    CHECK_FALSE(pause.holds(wanting("eu"), false));  // a probe is not paused again before its verdict
    CHECK(pause.accepted(sentBy(pause, "eu"), answered(status)));
    CHECK_FALSE(pause.paused());
    CHECK(pause.why().empty());
    CHECK_FALSE(pause.httpStatus());
  }
}

TEST_CASE("CredentialsPause: what does not prove the credentials good leaves the pause") {
  CredentialsPause pause = rejectedPause();
  SUBCASE("a request sent before the pause began") {
    CHECK_FALSE(pause.accepted(sentBy(pause, "eu"), answered(200)));
  }
  SUBCASE("a 401, 429 or 5xx to a probe") {
    for (const int status : {401, 429, 500, 503}) {
      CAPTURE(status);
      pause.sending("eu");
      CHECK_FALSE(pause.accepted(sentBy(pause, "eu"), answered(status)));
      CHECK(pause.holds(wanting("eu"), false));  // the probe is over
    }
  }
  SUBCASE("a transport error to a probe") {
    pause.sending("eu");
    HttpResult reset;
    reset.error = TransportError::kConnectionReset;
    CHECK_FALSE(pause.accepted(sentBy(pause, "eu"), reset));
  }
  SUBCASE("an answer to older credentials") {
    pause.sending("eu");
    Dispatch old = sentBy(pause, "eu");
    old.credentialsGeneration -= 1;
    CHECK_FALSE(pause.accepted(old, answered(200)));
  }
  CHECK(pause.paused());
}

TEST_CASE("CredentialsPause: a tenant_info answer carries no credentials: the probe goes on to its submission") {
  CredentialsPause pause = rejectedPause();
  pause.sending("eu");
  CHECK_FALSE(pause.accepted(sentBy(pause, "eu", RequestKind::kDiscover), answered(200)));
  CHECK(pause.paused());
  CHECK_FALSE(pause.holds(wanting("eu"), false));
  CHECK(pause.accepted(sentBy(pause, "eu"), answered(200)));
  CHECK_FALSE(pause.paused());
}

TEST_CASE("CredentialsPause: new credentials resume, a missing token pauses and sends nothing") {
  CredentialsPause pause = rejectedPause();
  const std::int64_t first = pause.generation();
  CHECK(pause.replace(Credentials{"ops@acme.example", "token-1"}) == CredentialsPause::Replaced::kSame);
  CHECK(pause.generation() == first);
  CHECK(pause.replace(Credentials{"ops@acme.example", "token-2"}) == CredentialsPause::Replaced::kResume);
  CHECK(pause.generation() == first + 1);
  CHECK(pause.stale(first));
  CHECK_FALSE(pause.stale(first + 1));
  pause.end();
  CHECK(pause.replace(Credentials{"ops@acme.example", "", "the token file is missing"}) ==
        CredentialsPause::Replaced::kPause);
  CHECK(pause.paused());
  CHECK_FALSE(pause.httpStatus());
  CHECK(pause.why().find("the token file is missing; nothing is sent without credentials") != std::string::npos);
  CHECK_FALSE(pause.maySend());
  CHECK_FALSE(pause.mayResumeOnReload());
  CHECK(pause.replace(Credentials{"ops@acme.example", "token-2"}) == CredentialsPause::Replaced::kResume);
  CHECK(pause.mayResumeOnReload());
}

// The transition table of src/engine/Transitions.h, row by row: each row of
// its header comment (event x from-state -> to-state) is one line of the
// table below, applied to the same job, and every assertion names its row.
#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include "FixedRandom.h"
#include "TestSupport.h"
#include "Transitions.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1764000000000;
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kDay = 24 * 3600 * kSecond;
constexpr int kMaxAttempts = 3;
constexpr std::int64_t kNone = -1;  // Row::nextIn: no further request

enum class Event { kSubmit, kPoll, kDiscover, kStaleCredentials, kNoTimeLeft, kExpire, kUnreadableSpec };

// One line of the table; built with row(...) and the setters below.
struct Row {
  const char* event = "";  // as the table in Transitions.h names it
  Event kind = Event::kSubmit;
  int status = 0;  // the HTTP answer (kSubmit, kPoll, kDiscover); 0: a transport error
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  JobState from = JobState::kQueued;
  int attempts = 1;                   // submissions counted before the answer, the answered one included
  std::optional<JobState> to;         // nullopt: unchanged
  std::int64_t nextIn = kNone;        // nextAttemptAt - now, or kNone
  bool pauseAll = false;              // the scheduler pauses every job
  std::optional<std::int64_t> limitIn;  // limitSite - now

  Row& becomes(JobState state) { to = state; return *this; }
  Row& next(std::int64_t in) { nextIn = in; return *this; }
  Row& after(int counted) { attempts = counted; return *this; }
  Row& withHeader(const std::string& name, const std::string& value) {
    headers.emplace_back(name, value);
    return *this;
  }
  Row& pausesAll() { pauseAll = true; return *this; }
  Row& limitsSite(std::int64_t in) { limitIn = in; return *this; }
};

Row row(const char* event, Event kind, int status = 0, std::string body = "") {
  Row r;
  r.event = event;
  r.kind = kind;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string describe(const Row& row) {
  std::ostringstream text;
  text << "row \"" << row.event << "\" from " << stateName(row.from) << " (HTTP " << row.status << ", attempts "
       << row.attempts << ")";
  return text.str();
}

EngineSettings settings() {
  EngineSettings s;
  s.pollIntervalMs = 30 * kSecond;
  s.retry.initialDelayMs = 30 * kSecond;
  s.retry.maxDelayMs = 3600 * kSecond;
  s.retry.maxAttempts = kMaxAttempts;
  s.retry.lastCallMs = 30 * kSecond;
  return s;
}

Job jobBefore(const Row& row) {
  Job job;
  job.name = "eu";
  job.specJson = R"({"siteId":"site-a"})";
  job.siteId = row.kind == Event::kDiscover ? "" : "site-a";
  job.state = row.from;
  job.attempts = row.attempts;
  job.submitting = row.kind == Event::kSubmit;
  job.nextAttemptAt = kNow;
  job.deadline = kNow + 10 * kDay;
  if (row.from == JobState::kRunning) job.remoteJobId = "u-0";
  return job;
}

HttpResult resultOf(const Row& row) {
  HttpResult result;
  if (row.status == 0) {
    result.error = TransportError::kConnectionReset;
    result.errorMessage = "connection reset";
    return result;
  }
  result.response.status = row.status;
  result.response.body = row.body;
  result.response.headers = row.headers;
  return result;
}

Change apply(const Row& row, const TransitionContext& context) {
  Runtime runtime;
  Job job = jobBefore(row);
  switch (row.kind) {
    case Event::kSubmit: return afterSubmit(job, runtime, readSubmitAnswer(resultOf(row), kNow), context);
    case Event::kPoll: return afterPoll(job, runtime, readStatusAnswer(resultOf(row), kNow), context);
    case Event::kDiscover:
      return afterDiscover(job, runtime, readTenantInfoAnswer(resultOf(row), kNow), "https://a.example", context);
    case Event::kStaleCredentials: return afterStaleCredentials(job, RequestKind::kSubmit, context);
    case Event::kNoTimeLeft: return noTimeLeft(job, "no request can start any more", context);
    case Event::kExpire: return expire(job, context);
    case Event::kUnreadableSpec: return unreadableSpec(job, context);
  }
  FAIL("unknown event");
  return Change{job, std::nullopt};
}

// The row once for each of several from-states.
void add(std::vector<Row>& rows, std::initializer_list<JobState> froms, Row r) {
  for (JobState from : froms) {
    r.from = from;
    rows.push_back(r);
  }
}

std::vector<Row> table() {
  using S = JobState;
  const auto Q = S::kQueued, R = S::kRetrying, Run = S::kRunning;
  const auto ready = {Q, R};  // what a submission is sent from
  std::vector<Row> t;
  add(t, ready, row("submit 2xx {uuid}", Event::kSubmit, 200, R"({"uuid":"u-1"})").becomes(Run).next(30 * kSecond));
  for (int status : {400, 403, 404, 422})
    add(t, ready, row("submit 400/403/404/4xx", Event::kSubmit, status, R"({"errorMessage":"no"})").becomes(S::kFailed));
  add(t, ready, row("submit 401 (current token)", Event::kSubmit, 401, "{}").next(0).pausesAll());
  add(t, ready, row("submit 401 (token changed)", Event::kStaleCredentials, 401).next(0));
  for (int status : {429, 503})
    add(t, ready, row("submit 429/503 + Retry-After", Event::kSubmit, status).withHeader("Retry-After", "120")
                      .becomes(R).next(120 * kSecond).limitsSite(120 * kSecond));
  add(t, ready, row("submit other failure", Event::kSubmit, 500).becomes(R).next(30 * kSecond));
  add(t, ready, row("submit other failure", Event::kSubmit, 0).after(2).becomes(R).next(60 * kSecond));
  add(t, ready, row("submit other failure at maxAttempts", Event::kSubmit, 502).after(kMaxAttempts).becomes(S::kFailed));
  add(t, {Run}, row("poll Complete", Event::kPoll, 200, R"({"status":"COMPLETE"})").becomes(S::kSucceeded));
  for (const char* status : {"PENDING", "IN_PROGRESS", "Backup", "retry"})
    add(t, {Run}, row("poll Pending/In progress/...", Event::kPoll, 200, std::string(R"({"status":")") + status + "\"}")
                      .next(30 * kSecond));
  add(t, {Run}, row("poll Error", Event::kPoll, 200, R"({"status":"ERROR"})").becomes(R).next(30 * kSecond));
  add(t, {Run}, row("poll Error at maxAttempts", Event::kPoll, 200, R"({"status":"ERROR"})").after(kMaxAttempts)
                    .becomes(S::kFailed));
  for (int status : {400, 403, 404, 410})
    add(t, {Run}, row("poll 400/403/404/4xx", Event::kPoll, status, "{}").becomes(S::kFailed));
  add(t, {Run}, row("poll other failure", Event::kPoll, 500).next(30 * kSecond));
  add(t, {Run}, row("poll other failure", Event::kPoll, 0).next(30 * kSecond));
  add(t, {Run}, row("poll other failure (a rate limit)", Event::kPoll, 429).withHeader("Retry-After", "120")
                    .next(120 * kSecond).limitsSite(120 * kSecond));
  add(t, {Run}, row("poll 401 (current token)", Event::kPoll, 401, "{}").next(0).pausesAll());
  add(t, {Q}, row("discover 2xx {cloudId}", Event::kDiscover, 200, R"({"cloudId":"c-1"})").after(0).next(0));
  for (int status : {401, 404})
    add(t, {Q}, row("discover 4xx", Event::kDiscover, status, "{}").after(0).becomes(S::kFailed));
  add(t, {Q}, row("discover other failure", Event::kDiscover, 500).after(0).becomes(R).next(30 * kSecond));
  add(t, {Q, R, Run}, row("no time left before deadline", Event::kNoTimeLeft));
  add(t, {Q, R, Run, S::kPaused}, row("deadline passed", Event::kExpire).becomes(S::kExpired));
  add(t, ready, row("stored spec unreadable", Event::kUnreadableSpec).becomes(S::kInvalid));
  return t;
}

}  // namespace

TEST_CASE("Transitions: every row of the table, event x from-state -> to-state") {
  const EngineSettings s = settings();
  testsupport::FixedRandom random(0.0);
  const TransitionContext context{s, kNow, random};
  for (const Row& row : table()) {
    INFO(describe(row));
    const Change change = apply(row, context);
    CHECK(std::string(stateName(change.job.state)) == stateName(row.to.value_or(row.from)));
    if (row.nextIn == kNone) {
      CHECK_FALSE(change.job.nextAttemptAt);
    } else {
      REQUIRE(change.job.nextAttemptAt);
      CHECK(*change.job.nextAttemptAt - kNow == row.nextIn);
    }
    CHECK(change.pauseAll == row.pauseAll);
    CHECK(change.limitSite.has_value() == row.limitIn.has_value());
    if (change.limitSite && row.limitIn) CHECK(*change.limitSite - kNow == *row.limitIn);
    if (row.kind == Event::kSubmit || row.kind == Event::kStaleCredentials) CHECK_FALSE(change.job.submitting);
    // Every change but a pause leaves a line in the history.
    CHECK(change.entry.has_value() == !row.pauseAll);
  }
}

TEST_CASE("Transitions: a request is never scheduled past the last moment one may start") {
  const EngineSettings s = settings();
  testsupport::FixedRandom random(0.0);
  const TransitionContext context{s, kNow, random};
  Job job;
  job.state = JobState::kRunning;
  job.remoteJobId = "u-0";
  struct Case {
    std::int64_t deadlineIn, at;
    std::int64_t want;  // kNone: no further request
  };
  for (const Case& c : std::vector<Case>{{100 * kSecond, 30 * kSecond, 30 * kSecond},
                                         {100 * kSecond, 70 * kSecond, 70 * kSecond},
                                         {100 * kSecond, 90 * kSecond, 70 * kSecond},
                                         {30 * kSecond, 10 * kSecond, kNone},
                                         {20 * kSecond, 10 * kSecond, kNone}}) {
    CAPTURE(c.deadlineIn);
    CAPTURE(c.at);
    job.deadline = kNow + c.deadlineIn;
    const auto time = requestTime(job, kNow + c.at, context);
    CHECK(time.value_or(kNow + kNone) - kNow == c.want);
  }
}

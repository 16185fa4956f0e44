// The transition table of interface.md, as pure functions: a job and what
// happened to it (an answer, the deadline, the operator) in, the job's next
// state and its history entry out. No I/O: the scheduler stores the result
// and carries out the effects (pause every job, close a rate-limited site).
//
//   event                          from                 to
//   submit 2xx {uuid}              queued/retrying      running (poll after poll.interval)
//   submit 400/403/404/4xx         queued/retrying      failed
//   submit 401 (current token)     any unfinished       paused (every job that can still send)
//   submit 401 (token changed)     queued/retrying      unchanged, sent again now
//   submit 429/503 + Retry-After   queued/retrying      retrying at the limit, site closed until then
//     (after the latest start)                          retrying, no further request (lastError says why)
//   submit other failure           queued/retrying      retrying with backoff; failed at maxAttempts
//   poll Complete                  running              succeeded
//   poll Pending/In progress/...   running              running (poll after poll.interval)
//   poll Error                     running              retrying (a new submission); failed at maxAttempts
//   poll 400/403/404/4xx           running              failed
//   poll other failure             running              running, polled again with backoff
//   discover 2xx {cloudId}         queued               queued with its siteId, submitted now
//   discover 4xx                   queued               failed (add siteId to the file)
//   discover no such host          queued               retrying with backoff, naming when it gives up
//     (NXDOMAIN for kNoSuchHostGraceMs)                  failed (check the URL or give the site id)
//   discover other failure         queued               retrying with backoff
//   no time left before deadline   queued/retrying/running  unchanged, no further request; lastError says why
//   site closed past latest start  queued/retrying/running  likewise, naming the rate limit (noRequestFits)
//   deadline passed                any unfinished       expired
//   stored spec unreadable         queued/retrying      invalid
//
// A request is never scheduled later than retry.lastCallMs before the
// job's deadline (latestStart): the last one is moved to that moment, unless
// a rate limit forbids it then; a job that can send nothing more keeps its
// state, has no nextAttemptAt and says why in lastError.
//
// Beyond one job, carried out by the scheduler: a 401 pauses every job
// that can still send, and an answer the API gives only to accepted
// credentials, to a request sent while paused (relinkctl retry), resumes
// them all (CredentialsPause.h decides both).
//
// Thread-safety: pure functions; the RandomSource is the caller's.
#pragma once

#include <optional>
#include <string>

#include "JobTable.h"
#include "SiteDiscovery.h"
#include "relinkd/engine/Engine.h"
#include "relinkd/domain/Job.h"
#include "relinkd/policy/LinksApi.h"

namespace relinkd {

// How long the answers about a site's host must have said "no such host"
// (NXDOMAIN), in a row, before its jobs fail: a name just created, or one a
// DNS server briefly lost, gets this long to appear; a typo in productURL
// does not cost the two weeks of the window. Measured on the wall clock,
// like deadlines: the moment named in lastError ("gives up on it at T") is
// one an operator compares with a clock, and it is how long the name has
// been missing from DNS, whose records and negative caches age in wall
// time (the monotonic clock stops while the host sleeps). A clock stepped
// forward can shorten it, but it still takes an answer after the step; one
// stepped back starts it again (SiteDiscovery::answered).
constexpr std::int64_t kNoSuchHostGraceMs = 10 * 60 * 1000;
// What to do about a site id that cannot be found, for job: its job file's
// productURL and siteId, or its plan's site and siteIds. The end of the
// failure's message, so that the jobs failed with another's answer can be
// given their own (discoveryDone).
std::string siteIdRemedy(const Job& job);

struct TransitionContext {
  const EngineSettings& settings;
  TimeMs now;
  RandomSource& random;
};

struct Change {
  Change(Job changed, std::optional<HistoryEntry> history)
      : job(std::move(changed)), entry(std::move(history)) {}
  Job job;
  std::optional<HistoryEntry> entry;
  bool pauseAll = false;               // the API rejected the credentials in use
  std::optional<TimeMs> limitSite;     // nothing to job.siteId before this
  bool loud = false;                   // log the entry as an error (certificate trouble)
};

// The last moment a request for job may start, or nullopt without a deadline.
std::optional<TimeMs> latestStart(const Job& job, const RetryPolicy& policy);
// `at` when a request may start then; else the last moment one may start,
// if that is still ahead; else nullopt (no further request).
std::optional<TimeMs> requestTime(const Job& job, TimeMs at, const TransitionContext& context);
// Sets job's next request to requestTime(at); when none fits, lastError
// says why (so a resume or an answer never leaves it silent).
void scheduleRequest(Job& job, TimeMs at, const TransitionContext& context);
// Why job can send nothing more: its deadline, the request budget and,
// when siteOpensAt is set, the rate limit that holds its site until then.
std::string noRequestFits(const Job& job, const RetryPolicy& policy, std::optional<TimeMs> siteOpensAt = {});

Change afterSubmit(Job job, Runtime& runtime, const ApiAnswer& answer, const TransitionContext& context);
Change afterPoll(Job job, Runtime& runtime, const ApiAnswer& answer, const TransitionContext& context);
// site: the tenant_info URL asked, named in what the job says. absent: when
// the answer says the site's host does not exist, since when the answers
// have said so (SiteDiscovery::answered).
Change afterDiscover(Job job, Runtime& runtime, const ApiAnswer& answer, const std::string& site,
                     const TransitionContext& context, const std::optional<AbsentHost>& absent = {});
// A 401 to a request sent with a token that has been replaced since.
Change afterStaleCredentials(Job job, RequestKind kind, const TransitionContext& context);
Change noTimeLeft(Job job, const std::string& why, const TransitionContext& context);
Change expire(Job job, const TransitionContext& context);
Change unreadableSpec(Job job, const TransitionContext& context);

}  // namespace relinkd

// The engine: the one place that decides what happens to every job. It
// reads the job directory (JobSource) into the store (JobStore), sends
// requests through an Executor when they are due, and turns each answer
// into the next state by the rules of interface.md (the transition table is
// src/engine/Transitions.cpp), the Outcome classification and the retry
// policy.
//
// Threads: start() and step() run on one thread, the scheduler, which is
// the only writer of the store in the daemon. Inputs from other threads
// (file events, request completions, credentials, reloads) are posted into
// an inbox; views are snapshots for other threads. Those methods are marked
// thread-safe.
//
// Cost: jobs are indexed by when they next need attention (a request due,
// a deadline, a near-deadline warning), so a step touches only the jobs
// that are due and the views are updated for the jobs that changed.
//
// Time: deadlines are wall-clock (Clock::wallNow); waits are monotonic. A
// job's next request time is turned into a monotonic due time once, when it
// is stored, so a step of the wall clock never causes a burst of requests;
// deadlines are checked against the wall clock at every step.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "relinkd/domain/Clock.h"
#include "relinkd/policy/Http.h"
#include "relinkd/ports/JobSource.h"
#include "relinkd/ports/JobStore.h"
#include "relinkd/policy/LinksApi.h"
#include "relinkd/policy/RetryPolicy.h"

namespace relinkd {

// Job and plan files read in one step, at most, once started: the rest wait
// for the next step, which comes at once.
inline constexpr int kFilesPerStep = 64;

struct EngineSettings {
  std::string baseUrl;
  std::int64_t windowMs = 14LL * 24 * 3600 * 1000;
  std::int64_t pollIntervalMs = 30000;
  int concurrency = 4;
  RetryPolicy retry;                          // retry.lastCallMs: no request starts later than this before a deadline
  std::int64_t rescanIntervalMs = 30000;      // the safety-net full scan
  std::int64_t storeCheckIntervalMs = 250;    // how often relinkctl's changes are looked for
  std::int64_t fileRetryMs = 5000;            // a job file that could not be read is read again after this
  bool notify = false;                        // relinkd.notify.command is set: record notifications
  bool planSummaries = true;                  // relinkd.notify.planJobs = summary (false: each)
  // How long after a pause begins its one `paused` notification is owed,
  // naming every job paused by then (the others' answers come in meanwhile).
  std::int64_t pauseNoticeDelayMs = 5000;
};

enum class RequestKind { kSubmit, kPoll, kDiscover };
const char* requestKindName(RequestKind kind);  // "submit", "status", "tenant_info"

// A request the engine wants sent. The executor sends it (only if it can
// finish before `deadline`) and hands the result back through
// Engine::complete.
struct Dispatch {
  std::string jobName;
  std::int64_t jobVersion = 0;  // the answer is applied only if the job is unchanged
  RequestKind kind = RequestKind::kSubmit;
  HttpRequest request;
  TimeMs deadline = 0;
  std::int64_t credentialsGeneration = 0;  // which token the request carries
};

struct Completion {
  Dispatch dispatch;
  HttpResult result;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void execute(Dispatch dispatch) = 0;  // must not block
};

class Scheduler;
struct Inbox;

class Engine {
 public:
  Engine(EngineSettings settings, JobStore& store, JobSource& source, const Clock& clock,
         Executor& executor, RandomSource& random, Credentials credentials);
  ~Engine();

  // Scheduler thread: loads the store, recovers what a crash or stop
  // interrupted (a submission in flight is sent again, paused jobs resume),
  // and scans the job directory (a directory that cannot be listed is
  // reported and scanned again later; nothing is cancelled because of it).
  // A long first scan asks stopRequested() now and then; when it says yes,
  // start() stops early and returns false (what was scanned is stored).
  // Throws StoreError when the store can be read but not written; the jobs
  // are loaded then, and the first step that can write does the rest.
  bool start(const std::function<bool()>& stopRequested = {});
  // Scheduler thread: handles the inbox, expires, dispatches; returns the
  // monotonic time by which step() wants to run again. When the store
  // fails (StoreError), nothing posted is lost: the rest of the inbox is
  // kept for the next step, and the error is rethrown.
  MonoMs step();
  // Scheduler thread: waits until `until` (monotonic) or until an input arrives.
  void waitForWork(MonoMs until);

  // Thread-safe inputs.
  void fileChanged(const std::string& fileName);
  void rescan();
  void complete(Completion completion);
  void credentialsChanged(Credentials credentials);  // a new token: paused jobs resume
  void reload(EngineSettings settings, Credentials credentials);  // SIGHUP
  void wake();

  // Thread-safe views for STATUS=, /metrics, /jobs and /healthz.
  std::map<JobState, int> counts() const;
  JobList jobs() const;  // ordered by name
  bool paused() const;   // the credentials were rejected and nothing is sent
  MonoMs lastStepAt() const;
  // Scheduler thread, after step(): whether steps since the last call
  // recorded a notification (the delivery thread is then woken).
  bool takeNotificationsOwed();

 private:
  Inbox takeInbox();
  void restoreInbox(Inbox& rest);
  void publish();

  const Clock& clock_;
  std::unique_ptr<Scheduler> scheduler_;

  mutable std::mutex mutex_;  // guards inbox_, woken_ and the views below
  std::condition_variable wakeups_;
  std::unique_ptr<Inbox> inbox_;
  bool woken_ = false;
  // The table's snapshots by name: a set node, no copy of the name.
  struct ByName {
    using is_transparent = void;
    static const std::string& nameOf(const std::string& name) { return name; }
    static const std::string& nameOf(const std::shared_ptr<const Job>& job) { return job->name; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const { return nameOf(a) < nameOf(b); }
  };
  std::set<std::shared_ptr<const Job>, ByName> jobsView_;
  std::map<JobState, int> countsView_;
  bool pausedView_ = false;
  MonoMs lastStepAt_ = 0;
};

}  // namespace relinkd

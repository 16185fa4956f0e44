// The engine: the one place that decides what happens to every job. It
// reads the job directory into the store, sends requests (through an
// Executor) when they are due, and turns each answer into the next state
// by the rules of interface.md, the Outcome classification and the retry
// policy.
//
// Threads: step() and everything it calls run on one thread, the
// scheduler, which is the only writer of the store in the daemon. Inputs
// from other threads (file events, request completions, reloads) are
// posted into an inbox; those methods are marked thread-safe.
//
// Time: deadlines are wall-clock (Clock::wallNow); waits are monotonic.
// When a job is loaded or changed, its next request time is turned into a
// monotonic due time once, so a step of the wall clock never causes a burst
// of requests; deadlines are checked against the wall clock at every step.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relinkd/Clock.h"
#include "relinkd/Http.h"
#include "relinkd/JobSource.h"
#include "relinkd/LinksApi.h"
#include "relinkd/RetryPolicy.h"
#include "relinkd/JobStore.h"

namespace relinkd {

struct EngineSettings {
  std::string baseUrl;
  std::int64_t windowMs = 14LL * 24 * 3600 * 1000;
  std::int64_t pollIntervalMs = 30000;
  int concurrency = 4;
  RetryPolicy retry;
  std::int64_t rescanIntervalMs = 30000;      // the safety-net full scan
  std::int64_t storeCheckIntervalMs = 250;    // how often relinkctl's changes are looked for
};

enum class RequestKind { kSubmit, kPoll, kDiscover };
const char* requestKindName(RequestKind kind);  // "submit", "status", "tenant_info"

// A request the engine wants sent. The executor sends it (not at or after
// `deadline`) and hands the result back through Engine::complete.
struct Dispatch {
  std::string jobName;
  std::int64_t jobVersion = 0;  // the answer is applied only if the job is unchanged
  RequestKind kind = RequestKind::kSubmit;
  HttpRequest request;
  TimeMs deadline = 0;
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

class Engine {
 public:
  Engine(EngineSettings settings, JobStore& store, JobSource& source, const Clock& clock,
         Executor& executor, RandomSource& random, Credentials credentials);

  // Scheduler thread: loads the store, recovers what a crash or stop
  // interrupted (a submission in flight is sent again, paused jobs resume),
  // and scans the job directory. Throws on an unreadable job directory.
  void start();
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

  // Thread-safe views for STATUS=, /metrics and /healthz.
  std::map<JobState, int> counts() const;
  std::vector<Job> jobs() const;
  bool paused() const;   // the credentials were rejected and nothing is sent
  MonoMs lastStepAt() const;

 private:
  struct Runtime {
    MonoMs due = 0;           // valid when the job wants a request
    bool wantsRequest = false;
    bool inFlight = false;
    int pollFailures = 0;
    int discoverFailures = 0;
    bool warnedNearDeadline = false;
  };
  struct Inbox {
    std::set<std::string> files;
    bool rescan = false;
    std::deque<Completion> completions;
    std::optional<Credentials> credentials;
    std::optional<EngineSettings> settings;
    bool resume = false;
  };

  // Engine.cpp: the loop, loading, dispatching, expiring.
  Inbox takeInbox();
  void applyInbox(Inbox& inbox);
  void restoreInbox(Inbox& rest);
  void loadAll();
  void loadSiteGates();
  void recover();
  void refreshRuntime(const Job& job);
  bool commit(Job& job, const std::optional<HistoryEntry>& entry);
  void expireOverdue();
  void warnNearDeadlines();
  void dispatchDue();
  void dispatch(Job& job, Runtime& runtime);
  void send(Dispatch request, Runtime& runtime);
  bool siteOpen(const std::string& siteId) const;
  MonoMs nextWakeup() const;
  void publish();
  // EngineFiles.cpp: the job directory, declaratively.
  void scanAll();
  void reconcile(const std::string& name, const ScannedFile& file);
  Job ingest(Job job, const ScannedFile& file);
  void fileRemoved(Job job);
  // EngineAnswers.cpp: turning answers into states.
  void handle(const Completion& completion);
  void applyAnswer(const Completion& completion, Runtime& runtime);
  void submitted(Job& job, Runtime& runtime, const ApiAnswer& answer);
  void polled(Job& job, Runtime& runtime, const ApiAnswer& answer);
  void discovered(Job& job, Runtime& runtime, const ApiAnswer& answer);
  void retryLater(Job& job, int failures, const Outcome& outcome, const std::string& action);
  void fail(Job& job, const Outcome& outcome, const std::string& action, const std::string& why);
  void limitSite(const std::string& siteId, TimeMs notBefore);
  void pauseAll(const Outcome& outcome);
  void resumeAll(const std::string& why);

  EngineSettings settings_;
  JobStore& store_;
  JobSource& source_;
  const Clock& clock_;
  Executor& executor_;
  RandomSource& random_;
  Credentials credentials_;
  std::map<std::string, Job> jobs_;
  std::map<std::string, Runtime> runtime_;
  std::map<std::string, MonoMs> siteGates_;  // no request to the site before this
  int inFlight_ = 0;
  bool credentialsRejected_ = false;
  bool reloadNeeded_ = false;
  MonoMs nextRescan_ = 0;
  MonoMs nextStoreCheck_ = 0;

  mutable std::mutex mutex_;  // guards inbox_, wakeups_ and the views below
  std::condition_variable wakeups_;
  Inbox inbox_;
  bool woken_ = false;
  std::map<JobState, int> countsView_;
  std::vector<Job> jobsView_;
  bool pausedView_ = false;
  MonoMs lastStepAt_ = 0;
};

}  // namespace relinkd

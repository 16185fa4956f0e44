// The scheduler thread's side of the engine (see Engine.h): the job table,
// loading and recovery, the job directory, dispatching, expiry and the
// answers. Each part lives in its own file:
//
//   Scheduler.cpp          the step, loading, recovery, relinkctl's changes
//   SchedulerScan.cpp      scanning the job directory, in phases
//   SchedulerFiles.cpp     a job file's change applied to its job
//   SchedulerWindow.cpp    a change that only moves a job's window
//   SchedulerPlans.cpp     plan files: the jobs of a split, kept in step with it
//   SchedulerDispatch.cpp  what is due: requests, expiry, warnings, the next wake-up
//   SchedulerAnswers.cpp   applying the transition table to answers; pause and resume
//
// Thread-safety: none; every method runs on the scheduler thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "FileReadRetries.h"
#include "Inbox.h"
#include "JobTable.h"
#include "PlanRecords.h"
#include "Transitions.h"
#include "relinkd/Engine.h"
#include "relinkd/PlanSpec.h"
#include "relinkd/SpecChange.h"

namespace relinkd {

class ScanBatch;

class Scheduler {
 public:
  Scheduler(EngineSettings settings, JobStore& store, JobSource& source, const Clock& clock,
            Executor& executor, RandomSource& random, Credentials credentials);

  // False when stopRequested() said so before the scan was done (what was
  // scanned is stored; the next start goes on from there).
  bool start(const std::function<bool()>& stopRequested);
  // Handles inbox, then expires, warns and dispatches; returns the next
  // wake-up. The step's writes are one transaction, and the requests it
  // decides on are handed to the executor only once that is committed
  // (a submission is recorded before it is sent). When the store fails,
  // nothing of the step is kept: inbox is as it was, nothing was sent.
  MonoMs step(Inbox& inbox);
  // After a failed step: the table may be ahead of the store.
  void storeFailed() { reloadNeeded_ = true; }

  // True once since the last call when a step recorded a notification.
  bool takeNotificationsOwed() { return std::exchange(notificationsOwed_, false); }

  const JobTable& table() const { return table_; }
  JobTable& table() { return table_; }
  bool credentialsRejected() const { return credentialsRejected_; }

 private:
  // Scheduler.cpp
  void runStep(Inbox& inbox);
  void writing();  // the step's transaction, begun at its first write
  void undoStep();
  void loadAll();  // every row, replacing what the table holds
  void loadSiteGates();
  void recover();
  void applyChangedElsewhere();
  bool commit(Job job, const std::optional<HistoryEntry>& entry);
  // The job's spec: its own, or the store's when the table left it out.
  std::optional<std::string> specOf(const Job& job) const;
  // job with that spec, to read: specLeftOut stays set, so saving the copy
  // keeps the stored spec (a new spec is written by clearing specLeftOut,
  // as arm() does).
  Job withSpec(const Job& job) const;
  void applyInbox(Inbox& inbox);
  void applyCredentials(const Credentials& credentials);
  TransitionContext context() const;
  // SchedulerScan.cpp
  // Every file whose stamp moved, and every job and plan whose file is gone.
  // At start (later == nullptr) changed files are read at once, in groups
  // of one transaction each; afterwards their names go to later->files, to
  // be read a few per step (applyInbox).
  bool scanAll(const std::function<bool()>& stopRequested = {}, Inbox* later = nullptr);
  using ListedPlans = std::map<std::string, const ListedFile*>;  // plan name -> its listed file
  std::optional<Listing> listJobDirectory();
  bool scanJobFiles(const Listing& listed, ListedPlans& plans, ScanBatch& batch, Inbox* later);
  bool scanRemovedJobFiles(const Listing& listed, ScanBatch& batch);
  bool scanPlans(const ListedPlans& plans, ScanBatch& batch, Inbox* later);
  bool scanRemovedPlans(const ListedPlans& plans, ScanBatch& batch);
  bool unchanged(const std::string& name, const ListedFile& listed) const;
  // SchedulerFiles.cpp
  void reconcileFile(const std::string& fileName);  // a job file or a plan file, read now
  void reconcile(const std::string& name, const ScannedFile& file);
  void keepAfterReadError(const std::string& name, const std::string& fileName, const ScannedFile& file);
  void sameContent(const Job& job, const ScannedFile& file);
  static bool stampMoved(const std::optional<std::string>& known, const std::string& now);
  void startFromFile(const std::string& name, const Job* existing, const ScannedFile& file, const std::string& action);
  Job ingest(Job job, const ScannedFile& file);
  // The file's spec, or nullopt with problem set.
  std::optional<JobSpec> readSpec(const Job& job, const ScannedFile& file, std::string& problem) const;
  // SchedulerWindow.cpp
  // True when the file's change leaves the job's request the same (only its
  // window moved, or nothing): then applied without a restart, or put off
  // while a request of the job is in flight.
  bool windowMoved(const Job& job, const ScannedFile& file);
  // The change of job's spec to spec, as compareSpecs says; nullopt when the
  // job is to restart whatever changed (no spec, cancelled, failed).
  std::optional<SpecChange> changeOf(const Job& job, const JobSpec& spec) const;
  // job with spec's window (hash and stamp: what it is made from now), its
  // request as it was; a history entry names the old and new deadline.
  bool moveWindow(Job job, const JobSpec& spec, const std::string& hash, const std::optional<std::string>& stamp,
                  const SpecChange& change);
  std::string afterWindowMoved(Job& job, TimeMs now);  // the job's state under its new window; what it did
  // job wants requests from now on, in state (paused instead while the
  // credentials are rejected).
  void wantRequests(Job& job, JobState state, TimeMs now);
  // The job made from file with spec, or invalid with problem (spec unset).
  Job arm(Job job, const ScannedFile& file, const std::optional<JobSpec>& spec, const std::string& problem);
  void fileRemoved(Job job, const std::string& why = "the job file was removed");
  void retryFileReads();
  // SchedulerPlans.cpp
  void reconcilePlan(const std::string& plan, const ScannedFile& file);
  std::string planConflict(const std::string& plan, const std::vector<DerivedJob>& derived) const;
  void planInvalid(const std::string& plan, const ScannedFile& file, const std::string& problem);
  void applyPlan(const std::string& plan, const ScannedFile& file, const std::vector<DerivedJob>& derived);
  bool applyDerived(const std::string& plan, const ScannedFile& file, const DerivedJob& next);
  bool deriveJob(const std::string& plan, const ScannedFile& file, const DerivedJob& next,
                 const std::optional<Job>& existing, std::string action);
  void planRemoved(const std::string& plan);
  void catchUpPlan(const std::string& name);
  void removeStandIn(const std::string& plan);
  // SchedulerDispatch.cpp
  void deadlinesDue();  // expiry and near-deadline warnings
  void warnNearDeadline(const Job& job, TimeMs now);
  void dispatchDue();
  void dispatch(Job job);  // a copy: committing replaces the table's snapshot
  void discover(Job job, const std::string& url, Dispatch request);
  void discoveryDone(const std::string& name, bool applied);
  void send(Dispatch request);
  std::optional<MonoMs> siteGate(const std::string& siteId) const;
  MonoMs nextWakeup() const;
  // SchedulerAnswers.cpp
  void handle(const Completion& completion);
  // True when the answer was applied to the job (not dropped as stale).
  bool applyAnswer(const Completion& completion, const Job& job);
  void apply(Change change, const Outcome& outcome);
  void limitSite(const std::string& siteId, TimeMs notBefore);
  void pauseAll(const Outcome& outcome);
  void pauseWithout(const std::string& why);  // every job that would send pauses, with why
  void pause(Job job);  // a copy: committing replaces the table's snapshot
  void resumeAll(const std::string& why);

  EngineSettings settings_;
  JobStore& store_;
  JobSource& source_;
  const Clock& clock_;
  Executor& executor_;
  RandomSource& random_;
  Credentials credentials_;
  std::int64_t credentialsGeneration_ = 1;
  JobTable table_;
  std::map<std::string, MonoMs> siteGates_;  // no request to the site before this
  FileReadRetries fileReads_;
  PlanRecords planRecords_;  // what each plan's jobs were made from
  struct SiteDiscovery {
    std::string by;                  // the job whose tenant_info request is out
    std::set<std::string> waiting;   // jobs of the same site, parked until it is answered
  };
  std::map<std::string, SiteDiscovery> discovering_;     // productURL -> its discovery
  std::map<std::string, std::string> discoveredSites_;   // productURL -> site id, found this run
  int inFlight_ = 0;
  bool credentialsRejected_ = false;
  std::string pauseWhy_;                // why jobs are paused, while credentialsRejected_
  std::optional<int> pauseStatus_;
  bool reloadNeeded_ = false;
  bool startPending_ = false;  // start() could not load, recover and scan: the next step does
  std::vector<std::string> takenFiles_;  // the files the current step took from its inbox
  bool notificationsOwed_ = false;
  bool directoryMissing_ = false;
  bool inStep_ = false;
  std::optional<JobStore::Transaction> stepWrites_;
  std::vector<Dispatch> deferred_;  // decided in this step, sent once it is committed
  MonoMs nextRescan_ = 0;
  MonoMs nextStoreCheck_ = 0;
};

}  // namespace relinkd

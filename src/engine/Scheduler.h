// The scheduler thread's side of the engine (see Engine.h): the job table,
// loading and recovery, the job directory, dispatching, expiry and the
// answers. The state beyond the job table is in classes of their own, each
// owning one concern and composed here:
//
//   CredentialsPause.h     the credentials in use; who is paused, why, and when they resume
//   RequestSlots.h         the requests in flight against relinkd.api.concurrency
//   SiteGates.h            rate-limited sites: no request before the gate opens
//   SiteDiscovery.h        one tenant_info request per site, its answer shared
//   Transitions.h          the transition table, as pure functions
//
// A step (step()) keeps what it may change in memory in one value
// (StepState) and what it holds until its transaction commits in another
// (PendingStep): a failed step is undone by restoring the one and dropping
// the other. The Scheduler's own parts live in these files:
//
//   Scheduler.cpp             the step, loading, recovery, relinkctl's changes
//   SchedulerFiles.cpp        the job directory, declaratively
//   SchedulerPlans.cpp        plan files: the jobs of a split, kept in step with it
//   SchedulerDispatch.cpp     what is due: requests, expiry, warnings, the next wake-up
//   SchedulerAnswers.cpp      applying the transition table to answers; site discovery's verdict
//   SchedulerCredentials.cpp  pausing and resuming jobs as CredentialsPause decides
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

#include "CredentialsPause.h"
#include "Inbox.h"
#include "JobTable.h"
#include "RequestSlots.h"
#include "SiteDiscovery.h"
#include "SiteGates.h"
#include "Transitions.h"
#include "relinkd/engine/Engine.h"
#include "relinkd/domain/PlanSpec.h"

namespace relinkd {

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
  bool credentialsRejected() const { return state_.credentials.paused(); }

 private:
  // What a step may change in memory besides the job table (which is read
  // again from the store after a failed step): restored whole then.
  struct StepState {
    CredentialsPause credentials;
    RequestSlots slots;
    SiteGates gates;
    SiteDiscovery discovery;
    bool startPending = false;  // start() could not load, recover and scan: the next step does
  };
  // What a step holds until its transaction commits: dropped whole when it fails.
  struct PendingStep {
    std::optional<JobStore::Transaction> writes;  // begun at the step's first write
    std::vector<Dispatch> requests;               // decided in the step, sent once it is committed
    std::vector<std::string> files;               // taken from the inbox; given back if it fails
  };

  // Scheduler.cpp
  void runStep(Inbox& inbox);
  void writing();  // the step's transaction, begun at its first write
  void undoStep(Inbox& inbox, Inbox before, StepState saved);
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
  void takeFiles(Inbox& inbox);
  TransitionContext context() const;
  // SchedulerFiles.cpp
  // Every file whose stamp moved, and every job and plan whose file is gone.
  // At start (later == nullptr) changed files are read at once, in groups
  // of one transaction each; afterwards their names go to later->files, to
  // be read a few per step (applyInbox).
  bool scanAll(const std::function<bool()>& stopRequested = {}, Inbox* later = nullptr);
  bool unchanged(const std::string& name, const ListedFile& listed) const;
  void reconcileFile(const std::string& fileName);  // a job file or a plan file, read now
  void reconcile(const std::string& name, const ScannedFile& file);
  void keepAfterReadError(const std::string& name, const std::string& fileName, const ScannedFile& file);
  bool rememberReadError(const std::string& fileName, const std::string& error);  // true when new
  Job ingest(Job job, const ScannedFile& file);
  // The job made from file with spec, or invalid with problem (spec unset).
  Job arm(Job job, const ScannedFile& file, const std::optional<JobSpec>& spec, const std::string& problem);
  void fileRemoved(Job job, const std::string& why = "the job file was removed");
  void retryFileReads();
  // SchedulerPlans.cpp
  struct PlanFile {
    std::string hash;   // of the content the plan's jobs were last made from; empty: read it again
    std::string stamp;  // its ListedFile stamp; empty when not to be trusted
    // Jobs the last change did not alter but that had a request out: their
    // file hash, stamp and spec move on once it is answered (catchUpPlan).
    std::map<std::string, std::string> behind;  // job name -> its spec as the plan now says
  };
  void rebuildPlanFiles();
  bool planUnchanged(const std::string& plan, const ListedFile& listed) const;
  void reconcilePlan(const std::string& plan, const ScannedFile& file);
  std::string planConflict(const std::string& plan, const std::vector<DerivedJob>& derived) const;
  void planInvalid(const std::string& plan, const ScannedFile& file, const std::string& problem);
  void applyPlan(const std::string& plan, const ScannedFile& file, const std::vector<DerivedJob>& derived);
  void planRemoved(const std::string& plan);
  void catchUpPlan(const std::string& name);
  void removeStandIn(const std::string& plan);
  // SchedulerDispatch.cpp
  void deadlinesDue();  // expiry and near-deadline warnings
  void warnNearDeadline(const Job& job, TimeMs now);
  void dispatchDue();
  void dispatch(Job job);  // a copy: committing replaces the table's snapshot
  // True when the job was held back (its site closed) or stopped asking.
  bool heldBack(const Job& job);
  void stopAsking(const Job& job, std::optional<TimeMs> siteOpensAt);
  void discover(Job job, const std::string& url, Dispatch request);
  void send(Dispatch request);
  MonoMs nextWakeup() const;
  // SchedulerAnswers.cpp
  void handle(const Completion& completion);
  void releaseSlot(const std::string& name);  // whatever became of the job
  // True when the answer was applied to the job (not dropped as stale).
  bool applyAnswer(const Completion& completion, const Job& job);
  bool dropStale(const Completion& completion);   // the job changed meanwhile: false
  bool notSent(const Completion& completion, Job job);  // too late to start: false
  ApiAnswer readAnswer(const Completion& completion, TimeMs now) const;
  void apply(Change change, const Outcome& outcome);
  void limitSite(const std::string& siteId, TimeMs notBefore);
  void discoveryDone(const std::string& name, bool applied);
  void failWaiter(const Job& job, const std::string& why, const std::string& asker);
  // SchedulerCredentials.cpp
  void applyCredentials(const Credentials& credentials);
  void pauseAll(const Outcome& outcome);
  void pauseHeld();     // every job the pause holds pauses, with its reason
  void holdIfPaused(const std::string& name);  // a job the pause passed by while its request was out
  void pause(Job job);  // a copy: committing replaces the table's snapshot
  void resumeAll(const std::string& why);
  const std::string& pauseWhy() const { return state_.credentials.why(); }

  EngineSettings settings_;
  JobStore& store_;
  JobSource& source_;
  const Clock& clock_;
  Executor& executor_;
  RandomSource& random_;
  JobTable table_;
  StepState state_;
  std::optional<PendingStep> pending_;  // set while a step runs
  // The job directory's part of what a step may change (SchedulerFiles.cpp),
  // saved and restored by step() beside StepState.
  std::map<std::string, MonoMs> fileRetries_;  // file name -> when to read it again
  MonoMs nextRescan_ = 0;
  std::map<std::string, std::string> readErrors_;  // file name -> the error last logged
  std::map<std::string, PlanFile> planFiles_;      // plan name -> what its jobs were made from
  bool reloadNeeded_ = false;
  bool notificationsOwed_ = false;
  bool directoryMissing_ = false;
  MonoMs nextStoreCheck_ = 0;
};

}  // namespace relinkd

// The scheduler thread's side of the engine (see Engine.h): the job table,
// loading and recovery, the job directory, dispatching, expiry and the
// answers. The state beyond the job table is in classes of their own, each
// owning one concern and composed here:
//
//   CredentialsPause.h     the credentials in use; who is paused, why, and when they resume
//   RequestSlots.h         the requests in flight against relinkd.api.concurrency
//   SiteGates.h            rate-limited sites: no request before the gate opens
//   SiteDiscovery.h        one tenant_info request per site, its answer shared
//   FileReadRetries.h      files to read again, and the read errors logged once
//   PlanRecords.h          what each plan's jobs were made from
//   Transitions.h          the transition table, as pure functions
//   FileChange.h           what a job file's or plan's change does to its jobs, as pure functions
//                          (relinkctl diff judges with them too)
//
// A step (step()) keeps what it may change in memory in one value
// (StepState) and what it holds until its transaction commits in another
// (PendingStep): a failed step is undone by restoring the one and dropping
// the other. The Scheduler's own parts live in these files:
//
//   Scheduler.cpp             the step, loading, recovery, relinkctl's changes
//   SchedulerScan.cpp         scanning the job directory, in phases
//   SchedulerFiles.cpp        a job file's change applied to its job
//   SchedulerWindow.cpp       a change that only moves a job's window
//   SchedulerPlans.cpp        plan files: the jobs of a split, kept in step with it
//   SchedulerDispatch.cpp     what is due: requests, expiry, warnings, the next wake-up
//   SchedulerAnswers.cpp      applying the transition table to answers; site discovery's verdict
//   SchedulerCredentials.cpp  pausing and resuming jobs as CredentialsPause decides
//   SchedulerNotices.cpp      the notifications a change owes: a job's, a plan's, a pause's
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
#include "FileReadRetries.h"
#include "Inbox.h"
#include "JobTable.h"
#include "PlanRecords.h"
#include "RequestSlots.h"
#include "SiteDiscovery.h"
#include "SiteGates.h"
#include "Transitions.h"
#include "relinkd/engine/Engine.h"
#include "relinkd/engine/FileChange.h"
#include "relinkd/domain/PlanSpec.h"
#include "relinkd/domain/SpecChange.h"

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
  bool credentialsRejected() const { return state_.credentials.paused(); }

 private:
  // What a step may change in memory besides the job table (which is read
  // again from the store after a failed step): restored whole then.
  struct StepState {
    explicit StepState(Credentials initial) : credentials(std::move(initial)) {}
    CredentialsPause credentials;
    RequestSlots slots;
    SiteGates gates;
    SiteDiscovery discovery;
    FileReadRetries fileReads;
    MonoMs nextRescan = 0;      // the next full scan of the job directory
    std::optional<TimeMs> pauseNoticeAt;  // when this pause's `paused` notification is owed
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
  void reconcile(const std::string& name, const ScannedFile& file);  // as judgeJobFile (FileChange.h) says
  void keepAfterReadError(const std::string& name, const std::string& fileName, const ScannedFile& file);
  void heldByPlan(const Job& holder, const ScannedFile& file);
  void sameContent(const Job& job, const ScannedFile& file);
  // name by value: it may be the name of *existing, which committing replaces.
  void startFromFile(std::string name, const Job* existing, const ScannedFile& file, const std::string& action);
  Job ingest(Job job, const ScannedFile& file);
  std::string restartDetail(const Job& was, const Job& job) const;  // RestartNotes.h
  // The file's spec as job's, or nullopt with problems set.
  std::optional<JobSpec> readSpec(const Job& job, const ScannedFile& file, std::vector<FieldProblem>& problems) const;
  // SchedulerWindow.cpp
  // The file's change leaves the job's request the same (only its window
  // moved, or nothing): applied without a restart, or put off while a
  // request of the job is in flight.
  void windowMoved(const Job& job, const JobSpec& spec, const ScannedFile& file, const SpecChange& change);
  // requestChange (FileChange.h) of a plan's job, with its spec before.
  std::optional<SpecChange> planChangeOf(const Job& job, const JobSpec& spec) const;
  // specBefore (FileChange.h) with the job's spec, its own or the store's.
  std::optional<JobSpec> specBefore(const Job& job, const JobSpec& next) const;
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
  KnownJobs knownJobs() const;  // the table, as judgePlan (FileChange.h) reads it
  void planInvalid(const std::string& plan, const ScannedFile& file, const std::string& problem);
  void applyPlan(const std::string& plan, const ScannedFile& file, const PlanJudgement& judged);
  bool applyDerived(const std::string& plan, const ScannedFile& file, const DerivedJob& next, const JobChange& change);
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
  static std::string ownRemedy(const std::string& why, const std::string& askerRemedy, const Job& job);
  // SchedulerCredentials.cpp
  void applyCredentials(const Credentials& credentials);
  void pauseAll(const Outcome& outcome);
  void pauseHeld();     // every job the pause holds pauses, with its reason
  void holdIfPaused(const std::string& name);  // a job the pause passed by while its request was out
  void pause(Job job);  // a copy: committing replaces the table's snapshot
  void resumeAll(const std::string& why);
  const std::string& pauseWhy() const { return state_.credentials.why(); }
  // SchedulerNotices.cpp
  // job reached a final state from another: what that owes (its own
  // notification, or its plan's plan-final once every job of the plan is
  // final). Called once job is in the table, inside the save's transaction.
  void oweFinal(const Job& job);
  bool summarised(const Job& job) const;  // a plan's job announced with its plan
  void owePlanDeadline(const Job& job, TimeMs now);
  // A plan-deadline-near was owed for job's plan and a deadline this close to its own.
  bool planWarnedOf(const Job& job) const;
  void pauseNoticeDue();  // the pause's one notification, a settle delay after it began

  EngineSettings settings_;
  JobStore& store_;
  JobSource& source_;
  const Clock& clock_;
  Executor& executor_;
  RandomSource& random_;
  JobTable table_;
  StepState state_;
  std::optional<PendingStep> pending_;  // set while a step runs
  PlanRecords planRecords_;  // what each plan's jobs were made from (rebuilt by loadAll)
  bool reloadNeeded_ = false;
  bool notificationsOwed_ = false;
  std::map<std::string, TimeMs> planWarned_;  // plan -> the deadline of its last plan-deadline-near (loadAll)
  bool directoryMissing_ = false;
  MonoMs nextStoreCheck_ = 0;
};

}  // namespace relinkd
